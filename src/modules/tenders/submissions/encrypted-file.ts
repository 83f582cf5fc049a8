import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import type { Readable } from "node:stream";
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

/** A tender's data key and the store its ciphertext goes into, chosen before the first byte arrives. */
export interface Intake {
  dataKey: Buffer;
  documents: DocumentStore;
}

/** The ciphertext is written to its temporary file in blocks of this size. */
const WRITE_BYTES = 256 * 1024;

/** The first bytes kept for sniffing the type (file-type reads its magic numbers and a zip's first entries). */
export const HEAD_BYTES = 64 * 1024;

/**
 * A file part received in one pass (docs/tendering.md, sealed submissions): each chunk is counted,
 * hashed (SHA-256 of the plain bytes, the receipt's), its head kept for sniffing, checked as UTF-8 text
 * (a CSV has no magic number), and encrypted straight into a temporary file beside the store, whose
 * ciphertext is hashed too (the blob's name). Nothing is in the store until `adopt` moves it into place;
 * the caller removes `tempPath` otherwise. With no intake (no such published tender) the bytes are only
 * counted and dropped: the submission is refused later without them.
 */
export interface ReceivedFile {
  fileName: string;
  bytes: number;
  tooLarge: boolean;
  limitBytes: number;
  head: Buffer;
  utf8Text: boolean;
  /** Of the plain bytes. */
  sha256: string;
  sealed: {
    /** The key it was encrypted under, checked against the submission's tender before it is stored. */
    dataKey: Buffer;
    id: string;
    iv: string;
    authTag: string;
    tempPath: string;
    cipherSha256: string;
    cipherBytes: number;
  } | null;
}

/** The plain bytes' running checks: size, SHA-256, the head for sniffing, and whether it is UTF-8 text. */
function inspector() {
  const hash = createHash("sha256");
  const heads: Buffer[] = [];
  const seen = { bytes: 0, head: 0, utf8: true };
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const utf8 = (decode: () => unknown, chunk?: Buffer) => {
    if (!seen.utf8) return;
    try {
      if (chunk?.includes(0)) seen.utf8 = false;
      else decode();
    } catch {
      seen.utf8 = false;
    }
  };
  return {
    inspect(chunk: Buffer) {
      seen.bytes += chunk.length;
      hash.update(chunk);
      if (seen.head < HEAD_BYTES) {
        const take = chunk.subarray(0, HEAD_BYTES - seen.head);
        heads.push(Buffer.from(take));
        seen.head += take.length;
      }
      utf8(() => decoder.decode(chunk, { stream: true }), chunk);
    },
    finish() {
      utf8(() => decoder.decode());
      return {
        bytes: seen.bytes,
        head: Buffer.concat(heads),
        utf8Text: seen.utf8,
        sha256: hash.digest("hex"),
      };
    },
  };
}

/**
 * Encrypts as it reads, in one loop with no stream stages, writing the ciphertext in blocks of
 * WRITE_BYTES (fewer, larger writes; the next read waits for the write, so a slow disk slows the sender
 * rather than filling memory).
 */
async function encryptInto(
  source: AsyncIterable<Buffer>,
  intake: Intake,
  inspect: (chunk: Buffer) => void,
  track: (tempPath: string) => void,
): Promise<NonNullable<ReceivedFile["sealed"]>> {
  const id = randomUUID();
  const { iv, cipher } = fileEncryption(intake.dataKey, fileBytesAad(id));
  const tempPath = intake.documents.storage.tempPath();
  track(tempPath);
  const cipherHash = createHash("sha256");
  const pending: { blocks: Buffer[]; bytes: number; written: number } = { blocks: [], bytes: 0, written: 0 };
  // Created before any byte is read, so that the caller's clean-up always finds it.
  const handle = await fs.promises.open(tempPath, "wx");
  const write = async (final: boolean) => {
    if (pending.bytes === 0 || (!final && pending.bytes < WRITE_BYTES)) return;
    const block = Buffer.concat(pending.blocks, pending.bytes);
    pending.blocks = [];
    pending.bytes = 0;
    cipherHash.update(block);
    pending.written += block.length;
    // A write may take fewer bytes than it was given: the rest follows.
    for (let at = 0; at < block.length;) at += (await handle.write(block, at)).bytesWritten;
  };
  const keep = (block: Buffer) => {
    pending.blocks.push(block);
    pending.bytes += block.length;
  };
  try {
    for await (const chunk of source) {
      inspect(chunk);
      keep(cipher.update(chunk));
      await write(false);
    }
    keep(cipher.final());
    await write(true);
  } finally {
    await handle.close().catch(() => undefined);
  }
  const authTag = cipher.getAuthTag().toString("base64url");
  const cipherSha256 = cipherHash.digest("hex");
  return { dataKey: intake.dataKey, id, iv, authTag, tempPath, cipherSha256, cipherBytes: pending.written };
}

export async function receiveEncrypted(
  source: AsyncIterable<Buffer> & { truncated?: boolean },
  fileName: string,
  intake: Intake | null,
  maxBytes: number,
  /** Called with the temporary file's path before it is created, so that a failure can remove it. */
  track: (tempPath: string) => void,
): Promise<ReceivedFile> {
  const plain = inspector();
  let sealed: ReceivedFile["sealed"] = null;
  if (intake)
    sealed = await encryptInto(
      source,
      intake,
      (chunk) => {
        plain.inspect(chunk);
      },
      track,
    );
  else for await (const chunk of source) plain.inspect(chunk);
  const seen = plain.finish();
  return {
    fileName,
    ...seen,
    tooLarge: source.truncated === true || seen.bytes > maxBytes,
    limitBytes: maxBytes,
    sealed,
  };
}

/** Moves a received file's ciphertext into the store, once its submission has passed every check. */
export async function adoptEncrypted(
  documents: DocumentStore,
  file: ReceivedFile,
  dataKey: Buffer,
): Promise<EncryptedFile> {
  if (!file.sealed?.dataKey.equals(dataKey))
    throw new Error("the file was not received under its tender's key");
  const { id, iv, authTag, tempPath, cipherSha256, cipherBytes } = file.sealed;
  const blob = await documents.adopt(tempPath, cipherSha256, cipherBytes, "application/octet-stream");
  return { id, blobId: blob.id, iv, authTag, sha256: file.sha256, bytes: file.bytes };
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
