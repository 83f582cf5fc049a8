import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { errorCode, ProblemError, type FieldError } from "../../../errors.js";
import { refuseHostileText } from "../../../web/hostile-input.js";
import { checkDocumentFile, UploadStopped, type SpooledFile } from "../../projects/service.js";

/**
 * Receiving a submission (docs/tendering.md, sealed submissions): its text fields and every part named
 * `files`, each spooled to a private temporary folder, so that nothing reaches the document store until
 * every file has passed the project documents' checks (upload.ts there: size, emptiness, the type
 * sniffed from the bytes). A request cut off part way throws here, and the folder goes with it: the
 * supplier's previous version is untouched. The caller removes the folder afterwards.
 */

export interface ReceivedSubmission {
  fields: Record<string, string>;
  files: SpooledFile[];
  /** Per file, the question its part named (`file-<code>`, the page's inputs), or null (`files`). */
  partQuestionCodes: (string | null)[];
  /** Removes the temporary folder; safe to call more than once. */
  discard(): Promise<void>;
}

export interface SubmissionUploadOptions {
  maxBytes: number;
  /** Runs when the first file starts, with the fields seen so far; false stops reading (CSRF). */
  beforeFile?: (fields: Record<string, string>) => boolean;
  /** Filled with the text fields as they arrive, so that a refused request still shows what it carried. */
  fields?: Record<string, string>;
}

/** A file's name must be a name: no folders, no `..`, no control characters (it is shown and stored). */
export function unsafeFileName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[/\\]|^\.\.?$|[\u0000-\u001f\u007f]/.test(name) || name.includes("..") || name.length > 255;
}

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
    fileName: part.filename,
    bytes,
    tooLarge: part.file.truncated || bytes > maxBytes,
    limitBytes: maxBytes,
  };
}

export async function receiveSubmission(
  request: FastifyRequest,
  options: SubmissionUploadOptions,
): Promise<ReceivedSubmission> {
  if (!request.isMultipart()) {
    throw new ProblemError(415, "Unsupported media type", "Send the submission as multipart/form-data");
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "commissioner-submission-"));
  const discard = () => fs.promises.rm(dir, { recursive: true, force: true });
  const fields: Record<string, string> = options.fields ?? {};
  const files: SpooledFile[] = [];
  const partQuestionCodes: (string | null)[] = [];
  try {
    // preservePath: a name such as "../../x" arrives as sent, so that it can be refused rather than cut.
    for await (const part of request.parts({ limits: { fileSize: options.maxBytes }, preservePath: true })) {
      if (part.type === "field") {
        if (typeof part.value === "string" && !(part.fieldname in fields))
          fields[part.fieldname] = part.value;
        continue;
      }
      // A file input left empty is sent as a part with no name and no bytes: no file was selected.
      const named = /^file-([A-Za-z0-9._-]{1,40})$/.exec(part.fieldname);
      if ((part.fieldname !== "files" && !named) || part.filename === "") {
        part.file.resume();
        continue;
      }
      partQuestionCodes.push(named?.[1] ?? null);
      if (files.length === 0 && options.beforeFile && !options.beforeFile(fields)) throw new UploadStopped();
      files.push(await spool(part, path.join(dir, `file-${files.length}`), options.maxBytes));
    }
    refuseHostileText(fields);
  } catch (error) {
    await discard();
    if (errorCode(error) === "FST_REQ_FILE_TOO_LARGE") {
      const message = `Each file must be ${Math.round(options.maxBytes / 1_048_576)} MB or smaller: nothing was stored`;
      // The part that went over is the last one begun (the error may come as the next part is asked for).
      const at = Math.max(0, partQuestionCodes.length - 1);
      throw new ProblemError(413, "Too large", message, [{ path: `files.${at}`, message }]);
    }
    throw error;
  }
  return { fields, files, partQuestionCodes, discard };
}

/**
 * Every file's checks, each refusal named by its place (`files.0`): a path in the name, over the limit,
 * empty, or not an accepted type judged from its bytes (a renamed program is refused).
 */
export async function checkSubmissionFiles(
  files: SpooledFile[],
): Promise<{ checked: { file: SpooledFile; mediaType: string }[]; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const checked: { file: SpooledFile; mediaType: string }[] = [];
  for (const [i, file] of files.entries()) {
    const at = `files.${i}`;
    if (unsafeFileName(file.fileName)) {
      errors.push({
        path: at,
        message: `The file name “${file.fileName}” must be a plain name, without folders or ‘..’`,
      });
      continue;
    }
    try {
      checked.push(await checkDocumentFile(file));
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const message = error.errors[0]?.message ?? error.message;
      errors.push({ path: at, message: `${file.fileName}: ${message}` });
    }
  }
  return { checked, errors };
}
