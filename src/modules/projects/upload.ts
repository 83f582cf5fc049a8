import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { fileTypeFromFile } from "file-type";
import { refuseHostileText } from "../../web/hostile-input.js";
import { ProblemError, ValidationError } from "../../errors.js";

/**
 * Receiving a document (docs/architecture.md, documents in): the file is spooled to a private temporary folder
 * while the form's fields arrive, so that nothing reaches the document store until every check has
 * passed (size, emptiness, type sniffed from the bytes). The caller removes the folder afterwards.
 */

export const ACCEPTED_TYPES: Record<string, { name: string; extension: string }> = {
  "application/pdf": { name: "PDF", extension: "pdf" },
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
    name: "Word",
    extension: "docx",
  },
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { name: "Excel", extension: "xlsx" },
  "application/vnd.oasis.opendocument.text": { name: "OpenDocument text", extension: "odt" },
  "text/csv": { name: "CSV", extension: "csv" },
};

export const ACCEPTED_TYPES_TEXT = "PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or CSV";

export interface SpooledFile {
  path: string;
  /** The name the browser or client gave; kept for downloads, never trusted for the type. */
  fileName: string;
  bytes: number;
  /** The file went over the upload limit and was cut short. */
  tooLarge: boolean;
  limitBytes: number;
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  file: SpooledFile | null;
  /** Removes the temporary folder; safe to call more than once. */
  discard(): Promise<void>;
}

function isTooLarge(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (("code" in error && error.code === "FST_REQ_FILE_TOO_LARGE") ||
      ("statusCode" in error && error.statusCode === 413))
  );
}

export class UploadStopped extends Error {}

/** Writes a file part to `target`, counting its bytes as they pass. */
async function spool(part: MultipartFile, target: string, maxBytes: number): Promise<SpooledFile> {
  let bytes = 0;
  await pipeline(
    part.file,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    },
    fs.createWriteStream(target, { flags: "wx" }),
  );
  return {
    path: target,
    fileName: part.filename || "document",
    bytes,
    tooLarge: part.file.truncated || bytes > maxBytes,
    limitBytes: maxBytes,
  };
}

interface UploadOptions {
  maxBytes: number;
  beforeFile?: (fields: Record<string, string>) => boolean;
}

/** Reads the parts into `received`: each text field once, and the part named `file` spooled into `dir`. */
async function readParts(
  request: FastifyRequest,
  dir: string,
  options: UploadOptions,
  received: { fields: Record<string, string>; file: SpooledFile | null },
) {
  if (!request.isMultipart()) {
    throw new ProblemError(415, "Unsupported media type", "Send the document as multipart/form-data", [
      { path: "file", message: "Send the document as multipart/form-data" },
    ]);
  }
  const { fields } = received;
  for await (const part of request.parts({ limits: { fileSize: options.maxBytes } })) {
    if (part.type === "field") {
      if (typeof part.value === "string" && !(part.fieldname in fields)) fields[part.fieldname] = part.value;
      continue;
    }
    // A file input left empty is sent as a part with no name and no bytes: no file was selected.
    if (part.fieldname !== "file" || received.file || part.filename === "") {
      part.file.resume();
      continue;
    }
    if (options.beforeFile && !options.beforeFile(fields)) {
      throw new UploadStopped();
    }
    received.file = await spool(part, path.join(dir, "file"), options.maxBytes);
  }
}

/**
 * Reads a multipart request: text fields, and the part named `file` spooled to disk (other files are
 * read and dropped). `beforeFile` runs when the file starts, with the fields seen so far; returning
 * false stops reading (the page face checks its CSRF token there, so a forged form stores nothing).
 */
export async function receiveUpload(
  request: FastifyRequest,
  options: UploadOptions,
): Promise<ReceivedUpload> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "commissioner-upload-"));
  const discard = () => fs.promises.rm(dir, { recursive: true, force: true });
  const received: { fields: Record<string, string>; file: SpooledFile | null } = { fields: {}, file: null };
  let tooLarge = false;
  try {
    await readParts(request, dir, options, received);
  } catch (error) {
    if (!isTooLarge(error)) {
      await discard();
      throw error;
    }
    tooLarge = true;
  }
  const { fields } = received;
  let { file } = received;
  if (tooLarge || file?.tooLarge) {
    file = {
      path: file?.path ?? path.join(dir, "file"),
      fileName: file?.fileName ?? "document",
      bytes: file?.bytes ?? 0,
      tooLarge: true,
      limitBytes: options.maxBytes,
    };
  }
  try {
    // The file's name and the text fields are stored: nothing the database cannot hold.
    refuseHostileText({ ...fields, file: file?.fileName });
  } catch (error) {
    await discard();
    throw error;
  }
  return { fields, file, discard };
}

/** A CSV has no magic number: its bytes must be UTF-8 text without NUL bytes. */
async function isUtf8Text(filePath: string): Promise<boolean> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of fs.createReadStream(filePath)) {
      if (!Buffer.isBuffer(chunk) || chunk.includes(0)) return false;
      decoder.decode(chunk, { stream: true });
    }
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

export function tooLargeError(maxBytes: number): ProblemError {
  const message = `The file must be ${Math.round(maxBytes / 1_048_576)} MB or smaller`;
  return new ProblemError(413, "Too large", message, [{ path: "file", message }]);
}

/**
 * The checks a file must pass before anything is stored: present, within the limit, not empty, and of
 * an accepted type judged from its bytes (a renamed program is refused, whatever its name says).
 */
export async function checkDocumentFile(
  file: SpooledFile | null,
): Promise<{ mediaType: string; file: SpooledFile }> {
  if (!file) throw new ValidationError([{ path: "file", message: "Select a file" }]);
  if (file.tooLarge) throw tooLargeError(file.limitBytes);
  if (file.bytes === 0) throw new ValidationError([{ path: "file", message: "The selected file is empty" }]);
  const sniffed = await fileTypeFromFile(file.path);
  if (sniffed && ACCEPTED_TYPES[sniffed.mime] && sniffed.mime !== "text/csv")
    return { mediaType: sniffed.mime, file };
  if (!sniffed && file.fileName.toLowerCase().endsWith(".csv") && (await isUtf8Text(file.path))) {
    return { mediaType: "text/csv", file };
  }
  const message = `The selected file must be a ${ACCEPTED_TYPES_TEXT}`;
  throw new ProblemError(415, "Unsupported media type", message, [{ path: "file", message }]);
}

/** `Content-Disposition: attachment` with a safe ASCII name and the exact name in RFC 5987 form. */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_") || "document";
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
