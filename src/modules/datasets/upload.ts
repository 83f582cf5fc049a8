import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { refuseHostileText } from "../../web/hostile-input.js";
import { ProblemError } from "../../errors.js";

/**
 * How a data file arrives: as a `text/csv` request body (API), or as the `file` part of a multipart
 * form (the upload page, or an API client that prefers forms). Either way it is read as a stream.
 */
export interface Upload {
  stream: Readable;
  fileName: string;
}

/**
 * Lets a plugin's routes take `text/csv` bodies as a stream, unread: the importer reads it. (Fastify's
 * body limit applies only to bodies it reads itself; the importer counts the bytes and stops at its own.)
 */
export function acceptCsvBodies(app: FastifyInstance) {
  app.addContentTypeParser(["text/csv", "application/csv"], (_request, payload, done) => {
    done(null, payload);
  });
}

export interface MultipartUpload {
  file: Upload | null;
  /** The text fields that came before the file in the form (a browser sends them in page order). */
  fields: Record<string, string>;
}

/**
 * Reads a multipart form up to its file part, which is left unread as a stream. The form's fields must
 * come before the file (the upload page puts the file input last).
 */
export async function readMultipartUpload(
  request: FastifyRequest,
  maxBytes: number,
): Promise<MultipartUpload> {
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 20 } });
  if (!part) return { file: null, fields: {} };
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(part.fields)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first?.type === "field" && typeof first.value === "string") fields[name] = first.value;
  }
  if (part.fieldname !== "file") {
    part.file.resume();
    throw new ProblemError(400, "Invalid input", `Send the CSV file in a form field called "file"`, [
      { path: "file", message: `Send the CSV file in a form field called "file", not "${part.fieldname}"` },
    ]);
  }
  try {
    // The file's name is stored with the dataset: nothing the database cannot hold.
    refuseHostileText({ ...fields, file: part.filename });
  } catch (error) {
    part.file.resume();
    throw error;
  }
  return { file: { stream: part.file, fileName: part.filename }, fields };
}

/** A body left unread by `acceptCsvBodies`: the request's stream. */
function isStream(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && "pipe" in body && typeof body.pipe === "function";
}

/** The upload of an API request: a `text/csv` body or a multipart `file`; 415 for anything else. */
export async function readApiUpload(
  request: FastifyRequest,
  maxBytes: number,
  fileName: string | undefined,
): Promise<Upload> {
  if (request.isMultipart()) {
    const { file } = await readMultipartUpload(request, maxBytes);
    if (!file) throw new ProblemError(400, "Invalid input", 'The form has no "file" part');
    return { stream: file.stream, fileName: fileName ?? (file.fileName || "upload.csv") };
  }
  const body = request.body;
  if (!isStream(body))
    throw new ProblemError(
      415,
      "Unsupported media type",
      "Send the file as a text/csv body, or as the 'file' part of a multipart/form-data form",
    );
  return { stream: body, fileName: fileName ?? "upload.csv" };
}
