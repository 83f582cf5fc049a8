import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * A backup's manifest is signed with a key held outside the archive: HMAC-SHA-256 under a key derived
 * (HKDF-SHA-256, its own label) from the installation's SESSION_SECRET. The manifest carries the SHA-256
 * of every part, so rows edited in an archive whose manifest hashes were recomputed no longer match the
 * signature, and the restore refuses it. Anyone with SESSION_SECRET can sign, so the secret must be kept
 * apart from the backups (README, "Backup and restore").
 */
function signingKey(sessionSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", sessionSecret, "commissioner", "backup manifest signature v1", 32));
}

export function signManifest(manifest: Buffer, sessionSecret: string): string {
  return createHmac("sha256", signingKey(sessionSecret)).update(manifest).digest("hex");
}

export function manifestSignatureValid(manifest: Buffer, signature: string, sessionSecret: string): boolean {
  const expected = Buffer.from(signManifest(manifest, sessionSecret), "hex");
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
