import type { Section } from "../../../domain/tendering.js";
import { ValidationError } from "../../../errors.js";
import { adoptEncrypted, type EncryptedFile, type ReceivedFile } from "./encrypted-file.js";
import { checkSubmission, type RawSubmission } from "./inputs.js";
import { sectionQuestions } from "./queries.js";
import { questionRules } from "./rules.js";
import type { Deps, Tender } from "./service.js";
import { checkSubmissionFiles } from "./upload.js";

/** What arrives, checked all at once, and its files encrypted into the store (docs/tendering.md). */

/** Every problem at once, the answers' and the files', before anything is stored. */
export async function checked(
  deps: Deps,
  tender: Tender,
  section: Section,
  raw: RawSubmission,
  files: ReceivedFile[],
  complete: boolean,
) {
  const questions = questionRules(await sectionQuestions(deps.db, tender.id, section));
  const { value, errors } = checkSubmission(raw, questions, files.length, complete);
  const fileCheck = await checkSubmissionFiles(files);
  const all = [...errors, ...fileCheck.errors];
  if (all.length > 0) throw new ValidationError(all, "The submission has problems: nothing was stored");
  return { ...value, accepted: fileCheck.checked };
}

export interface Sealed {
  file: EncryptedFile;
  name: string;
  mediaType: string;
  questionCode: string | null;
}

/** Moves every file's ciphertext into the store before the transaction; the rows that name them are written in it. */
export async function sealFiles(
  deps: Deps,
  dataKey: Buffer,
  accepted: { file: ReceivedFile; mediaType: string }[],
  codes: (string | null)[],
) {
  // The files go in side by side; their order (the receipt's) is the upload's. They were encrypted as
  // they arrived, under the key of the tender in the request's address (`intakeFor`), checked again here.
  return Promise.all(
    accepted.map(async ({ file, mediaType }, i): Promise<Sealed> => {
      const stored = await adoptEncrypted(deps.documents, file, dataKey);
      return { file: stored, name: file.fileName, mediaType, questionCode: codes[i] ?? null };
    }),
  );
}
