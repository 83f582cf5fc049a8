import fs from "node:fs";
import type { FastifyRequest } from "fastify";
import { fileTypeFromBuffer } from "file-type";
import { errorCode, ProblemError, type FieldError } from "../../../errors.js";
import { refuseHostileText } from "../../../web/hostile-input.js";
import { ACCEPTED_TYPES, ACCEPTED_TYPES_TEXT, tooLargeError, UploadStopped } from "../../projects/service.js";
import { receiveEncrypted, type Intake, type ReceivedFile } from "./encrypted-file.js";

/**
 * Receiving a submission (docs/tendering.md, sealed submissions): its text fields and every part named
 * `files`, each in one pass (encrypted-file.ts): hashed, sniffed from its first bytes and encrypted under
 * the tender's key into a temporary file beside the document store, so that nothing is in the store until
 * every file has passed the project documents' checks (size, emptiness, the type sniffed from the
 * bytes) and the submission is sealed. A request cut off part way throws here, and the temporary files go
 * with it: the supplier's previous version is untouched. The caller discards them afterwards.
 */

export interface ReceivedSubmission {
  fields: Record<string, string>;
  files: ReceivedFile[];
  /** Per file, the question its part named (`file-<code>`, the page's inputs), or null (`files`). */
  partQuestionCodes: (string | null)[];
  /** Removes the temporary files not moved into the store; safe to call more than once. */
  discard(): Promise<void>;
}

export interface SubmissionUploadOptions {
  maxBytes: number;
  /** The tender's key and store, asked for once when the first file starts; null: the bytes are dropped. */
  intake?: () => Promise<Intake | null>;
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

export async function receiveSubmission(
  request: FastifyRequest,
  options: SubmissionUploadOptions,
): Promise<ReceivedSubmission> {
  if (!request.isMultipart()) {
    throw new ProblemError(415, "Unsupported media type", "Send the submission as multipart/form-data");
  }
  const temps: string[] = [];
  const discard = async () => {
    // A file adopted into the store is no longer there: removing it is then a no-op.
    await Promise.all(temps.map((t) => fs.promises.rm(t, { force: true })));
  };
  const fields: Record<string, string> = options.fields ?? {};
  const files: ReceivedFile[] = [];
  let intake: Intake | null | undefined;
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
      intake ??= options.intake ? await options.intake() : null;
      files.push(
        await receiveEncrypted(part.file, part.filename, intake, options.maxBytes, (t) => temps.push(t)),
      );
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

/** The project documents' checks on a file received in one pass: the type judged from its first bytes. */
async function checkReceivedFile(file: ReceivedFile): Promise<{ mediaType: string } | { refusal: string }> {
  if (file.tooLarge) {
    const error = tooLargeError(file.limitBytes);
    return { refusal: error.errors[0]?.message ?? error.message };
  }
  if (file.bytes === 0) return { refusal: "The selected file is empty" };
  const sniffed = await fileTypeFromBuffer(file.head);
  if (sniffed && ACCEPTED_TYPES[sniffed.mime] && sniffed.mime !== "text/csv")
    return { mediaType: sniffed.mime };
  if (!sniffed && file.fileName.toLowerCase().endsWith(".csv") && file.utf8Text)
    return { mediaType: "text/csv" };
  return { refusal: `The selected file must be a ${ACCEPTED_TYPES_TEXT}` };
}

/**
 * Every file's checks, each refusal named by its place (`files.0`): a path in the name, over the limit,
 * empty, or not an accepted type judged from its bytes (a renamed program is refused).
 */
export async function checkSubmissionFiles(
  files: ReceivedFile[],
): Promise<{ checked: { file: ReceivedFile; mediaType: string }[]; errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const checked: { file: ReceivedFile; mediaType: string }[] = [];
  for (const [i, file] of files.entries()) {
    const at = `files.${i}`;
    if (unsafeFileName(file.fileName)) {
      errors.push({
        path: at,
        message: `The file name “${file.fileName}” must be a plain name, without folders or ‘..’`,
      });
      continue;
    }
    const result = await checkReceivedFile(file);
    if ("refusal" in result) errors.push({ path: at, message: `${file.fileName}: ${result.refusal}` });
    else checked.push({ file, mediaType: result.mediaType });
  }
  return { checked, errors };
}
