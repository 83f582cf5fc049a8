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

export async function receiveEncrypted(
  source: Readable,
  fileName: string,
  intake: Intake | null,
  maxBytes: number,
  /** Called with the temporary file's path before it is created, so that a failure can remove it. */
  track: (tempPath: string) => void,
): Promise<ReceivedFile> {
  const hash = createHash("sha256");
  const heads: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const text = { utf8: true };
  const inspect = (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    if (headBytes < HEAD_BYTES) {
      const take = chunk.subarray(0, HEAD_BYTES - headBytes);
      heads.push(Buffer.from(take));
      headBytes += take.length;
    }
    if (text.utf8) {
      try {
        if (chunk.includes(0)) text.utf8 = false;
        else decoder.decode(chunk, { stream: true });
      } catch {
        text.utf8 = false;
      }
    }
  };
  let sealed: ReceivedFile["sealed"] = null;
  if (intake) {
    const id = randomUUID();
    const { iv, cipher } = fileEncryption(intake.dataKey, fileBytesAad(id));
    const tempPath = intake.documents.storage.tempPath();
    track(tempPath);
    const cipherHash = createHash("sha256");
    let cipherBytes = 0;
    // Created before any byte is read, so that the caller's clean-up always finds it.
    const handle = await fs.promises.open(tempPath, "wx");
    // One loop, no stream stages: each chunk is inspected and encrypted as it comes, and the ciphertext
    // written in blocks of WRITE_BYTES (fewer, larger writes; the next read waits for the write, so a slow
    // disk slows the sender rather than filling memory).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const write = async (final: boolean) => {
      if (pendingBytes === 0 || (!final && pendingBytes < WRITE_BYTES)) return;
      const block = pending.length === 1 && pending[0] ? pending[0] : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      cipherHash.update(block);
      cipherBytes += block.length;
      // A write may take fewer bytes than it was given: the rest follows.
      for (let at = 0; at < block.length;) at += (await handle.write(block, at)).bytesWritten;
    };
    const keep = (block: Buffer) => {
      if (block.length === 0) return;
      pending.push(block);
      pendingBytes += block.length;
    };
    try {
      for await (const chunk of source) {
        inspect(chunk as Buffer);
        keep(cipher.update(chunk as Buffer));
        await write(false);
      }
      keep(cipher.final());
      await write(true);
    } finally {
      await handle.close().catch(() => undefined);
    }
    sealed = {
      dataKey: intake.dataKey,
      id,
      iv,
      authTag: cipher.getAuthTag().toString("base64url"),
      tempPath,
      cipherSha256: cipherHash.digest("hex"),
      cipherBytes,
    };
  } else {
    for await (const chunk of source) inspect(chunk as Buffer);
  }
  if (text.utf8) {
    try {
      decoder.decode();
    } catch {
      text.utf8 = false;
    }
  }
  const truncated = (source as { truncated?: boolean }).truncated === true;
  return {
    fileName,
    bytes,
    tooLarge: truncated || bytes > maxBytes,
    limitBytes: maxBytes,
    head: Buffer.concat(heads),
    utf8Text: text.utf8,
    sha256: hash.digest("hex"),
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
