import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Two-factor secrets at rest (docs/security.md): AES-256-GCM under a key derived from SESSION_SECRET
 * with HKDF, so a copy of the database or a backup does not yield anyone's authenticator secret. The
 * user's id is the additional data: a sealed secret copied onto another account does not open.
 */
const SEALED_PREFIX = "v1.";

export function twoFactorKey(sessionSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", sessionSecret, "commissioner", "two-factor secrets", 32));
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

export function seal(key: Buffer, secret: string, userId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(userId));
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"));
  return `${SEALED_PREFIX}${parts.join(".")}`;
}

/**
 * The secret, or null when it does not open (another key or another user). A value stored before
 * secrets were sealed is the base32 secret itself and is returned as it is, to be sealed on use.
 */
export function unseal(key: Buffer, stored: string, userId: string): string | null {
  if (!isSealed(stored)) return stored;
  const [iv, tag, body] = stored
    .slice(SEALED_PREFIX.length)
    .split(".")
    .map((p) => Buffer.from(p, "base64url"));
  if (!iv || !tag || !body) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(userId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
