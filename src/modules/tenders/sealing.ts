import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
  type CipherGCM,
  type DecipherGCM,
} from "node:crypto";

/**
 * The seal on tenders (docs/tendering.md): everything a supplier submits is encrypted at rest with
 * AES-256-GCM under its tender's data key; the data key is stored only wrapped by the sealing key
 * (SEALING_SECRET, or the one generated into DATA_DIR). A database dump, a backup or the documents folder
 * taken before the opening therefore holds ciphertext only. The additional data binds each ciphertext
 * to its row (the tender's id for its key, the submission's id for its content), so a sealed value copied
 * onto another row does not open.
 */
const VERSION = "v1";

export interface Sealer {
  /** A fresh data key for a new tender, and its wrapped form to store on the tender. */
  newDataKey(tenderId: string): { dataKey: Buffer; wrapped: string };
  /** The tender's data key; throws when the wrapped key was not made by this sealing key. */
  dataKey(tenderId: string, wrapped: string): Buffer;
}

export function createSealer(sealingSecret: string): Sealer {
  const wrappingKey = Buffer.from(hkdfSync("sha256", sealingSecret, "commissioner", "tender data keys", 32));
  return {
    newDataKey(tenderId) {
      const dataKey = randomBytes(32);
      return { dataKey, wrapped: sealBytes(wrappingKey, dataKey, tenderId) };
    },
    dataKey(tenderId, wrapped) {
      const key = openBytes(wrappingKey, wrapped, tenderId);
      if (key?.length !== 32) {
        throw new Error(
          "The tender's data key does not open with this SEALING_SECRET: set the key the tender was sealed under",
        );
      }
      return key;
    },
  };
}

/** `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function sealBytes(key: Buffer, plain: Buffer, additionalData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** The plain bytes, or null when the value does not open under this key and additional data. */
export function openBytes(key: Buffer, sealed: string, additionalData: string): Buffer | null {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(additionalData));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
  } catch {
    return null;
  }
}

export function sealJson(key: Buffer, value: unknown, additionalData: string): string {
  return sealBytes(key, Buffer.from(JSON.stringify(value), "utf8"), additionalData);
}

/** The sealed value, as JSON parsed it: the caller checks its shape (a Zod schema). */
export function openJson(key: Buffer, sealed: string, additionalData: string): unknown {
  const plain = openBytes(key, sealed, additionalData);
  if (!plain) throw new Error("sealed content does not open under this tender's key");
  const value: unknown = JSON.parse(plain.toString("utf8"));
  return value;
}

/**
 * A file's bytes on their way to storage: pipe them through `cipher`, then read `authTag()` once the
 * stream has ended. The IV is stored beside the blob; the file's id is the additional data.
 */
export function fileEncryption(key: Buffer, additionalData: string): { iv: string; cipher: CipherGCM } {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  return { iv: iv.toString("base64url"), cipher };
}

/** Opens a stored file's bytes: pipe the blob through it; a changed byte fails at the end (GCM tag). */
export function fileDecryption(
  key: Buffer,
  file: { iv: string; authTag: string },
  additionalData: string,
): DecipherGCM {
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(file.iv, "base64url"));
  decipher.setAAD(Buffer.from(additionalData));
  decipher.setAuthTag(Buffer.from(file.authTag, "base64url"));
  return decipher;
}
