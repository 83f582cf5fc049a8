import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import { Transform, type Readable } from "node:stream";
import type { DocumentStore } from "../../documents/store.js";
import { fileBytesAad } from "../sealed-content.js";
import { fileDecryption, fileEncryption } from "../sealing.js";

/**
 * A submission's file on its way into the document store (docs/tendering.md, the seal): the plain bytes
 * pass through SHA-256 (the receipt's hash) and then AES-256-GCM, so that the store only ever receives
 * ciphertext. The file's id is chosen here because it is the additional data of its bytes.
 */
export interface EncryptedFile {
  id: string;
  blobId: string;
  iv: string;
  authTag: string;
  /** Of the plain bytes, as the supplier uploaded them. */
  sha256: string;
  bytes: number;
}

export async function storeEncrypted(
  documents: DocumentStore,
  dataKey: Buffer,
  filePath: string,
  limitBytes: number,
): Promise<EncryptedFile> {
  const id = randomUUID();
  const { iv, cipher } = fileEncryption(dataKey, fileBytesAad(id));
  const hash = createHash("sha256");
  let bytes = 0;
  const plain = fs.createReadStream(filePath);
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  plain.on("error", (error) => hashing.destroy(error));
  hashing.on("error", (error) => cipher.destroy(error));
  const blob = await documents.save(plain.pipe(hashing).pipe(cipher), "application/octet-stream", limitBytes);
  return {
    id,
    blobId: blob.id,
    iv,
    authTag: cipher.getAuthTag().toString("base64url"),
    sha256: hash.digest("hex"),
    bytes,
  };
}

/** The plain bytes of a stored file; a changed byte fails the GCM tag at the end of the stream. */
export function openEncrypted(
  ciphertext: Readable,
  dataKey: Buffer,
  file: { id: string; iv: string; authTag: string },
): Readable {
  const decipher = fileDecryption(dataKey, file, fileBytesAad(file.id));
  ciphertext.on("error", (error) => decipher.destroy(error));
  return ciphertext.pipe(decipher);
}
