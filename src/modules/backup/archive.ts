import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import type { BlobStorage } from "../documents/store.js";
import {
  BACKUP_FORMAT_VERSION,
  documentFile,
  manifestSchema,
  SIGNATURE_FILE,
  tableFile,
  type Manifest,
} from "./manifest.js";
import { BackupRefusedError } from "./refusal.js";
import { isJsonObject } from "./tables.js";

/**
 * The archive's files: written and hashed as they are made, packed into a .tar.gz and unpacked from
 * one, and each part checked against the SHA-256 and size its manifest gives it.
 */

type Log = (line: string) => void;

/** What an error says, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function hashingWriter(target: string) {
  const stream = fs.createWriteStream(target);
  const hash = createHash("sha256");
  let bytes = 0;
  let failure: Error | undefined;
  stream.on("error", (error) => (failure = error));
  return {
    async write(text: string) {
      if (failure) throw failure;
      const chunk = Buffer.from(text, "utf8");
      hash.update(chunk);
      bytes += chunk.length;
      if (!stream.write(chunk))
        await new Promise<void>((resolve, reject) => {
          stream.once("drain", resolve);
          stream.once("error", reject);
        });
    },
    async close() {
      await new Promise<void>((resolve, reject) => {
        stream.end(() => {
          if (failure) reject(failure);
          else resolve();
        });
      });
    },
    bytes: () => bytes,
    sha256: () => hash.digest("hex"),
  };
}

async function* blobHashes(blobsFile: string): AsyncIterable<string> {
  for await (const record of readJsonLines(blobsFile)) {
    const hash = record.value.sha256;
    if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash))
      throw new Error(`blobs row on line ${record.line} has no SHA-256`);
    yield hash;
  }
}

export async function* readJsonLines(
  file: string,
): AsyncIterable<{ line: number; value: Record<string, unknown> }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BackupRefusedError(`Line ${line} of ${path.basename(file)} is not JSON`);
    }
    if (!isJsonObject(value))
      throw new BackupRefusedError(`Line ${line} of ${path.basename(file)} is not a JSON object`);
    yield { line, value };
  }
}

/** Copies a stream to a file, returning the SHA-256 and size of the bytes copied. */
async function copyHashing(
  source: NodeJS.ReadableStream,
  target: string,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(
    source,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    }),
    fs.createWriteStream(target),
  );
  return { sha256: hash.digest("hex"), bytes };
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    if (!Buffer.isBuffer(chunk)) throw new Error("a file read without an encoding gives Buffers");
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/**
 * Copies the documents the snapshot's `blobs` table lists into `staging`. They are content-addressed and
 * never changed, so copying them after the snapshot still gives a consistent set.
 */
export async function copyDocuments(
  storage: BlobStorage,
  staging: string,
  log: Log,
): Promise<Manifest["documents"]> {
  const documents: Manifest["documents"] = [];
  for await (const hash of blobHashes(path.join(staging, tableFile("blobs")))) {
    const target = path.join(staging, documentFile(hash));
    let copied: { sha256: string; bytes: number };
    try {
      copied = await copyHashing(storage.read(hash), target);
    } catch (error) {
      throw new BackupRefusedError(
        `Document ${hash} is listed in the database but could not be read from ${storage.root}: ${messageOf(error)}`,
      );
    }
    if (copied.sha256 !== hash)
      throw new BackupRefusedError(
        `Document ${hash} in ${storage.root} is damaged: its bytes hash to ${copied.sha256}`,
      );
    documents.push({ file: documentFile(hash), bytes: copied.bytes, sha256: hash });
  }
  if (documents.length > 0) log(`  ${"documents".padEnd(24)} ${String(documents.length).padStart(8)} files`);
  return documents;
}

/** Writes the manifest and its signature beside the parts, and packs them all into `archive`. */
export async function pack(
  staging: string,
  archive: string,
  manifest: Manifest,
  signature: (manifest: Buffer) => string,
) {
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
  fs.writeFileSync(path.join(staging, "manifest.json"), manifestBytes);
  fs.writeFileSync(path.join(staging, SIGNATURE_FILE), `${signature(manifestBytes)}\n`);
  // The backup holds personal data and sealed tenders: readable by its owner only.
  fs.writeFileSync(archive, "", { mode: 0o600 });
  await tar.create({ file: archive, cwd: staging, gzip: true, portable: true }, [
    "manifest.json",
    SIGNATURE_FILE,
    "tables",
    "documents",
  ]);
}

/** Copies the backup's documents into the store (content-addressed: one already there is kept). */
export async function restoreDocuments(storage: BlobStorage, manifest: Manifest, staging: string, log: Log) {
  for (const doc of manifest.documents) {
    if (await storage.exists(doc.sha256)) continue;
    const stored = await storage.put(
      fs.createReadStream(path.join(staging, doc.file)),
      Number.MAX_SAFE_INTEGER,
    );
    if (stored.sha256 !== doc.sha256)
      throw new BackupRefusedError(`Document ${doc.sha256} changed while it was copied into ${storage.root}`);
  }
  if (manifest.documents.length > 0)
    log(`  ${"documents".padEnd(24)} ${String(manifest.documents.length).padStart(8)} files`);
}

const ARCHIVE_ENTRY =
  /^(manifest\.json|manifest\.sig|tables\/[a-z_][a-z0-9_]*\.jsonl|documents\/[0-9a-f]{64})$/;

/** Unpacks the archive into `staging` (a backup's parts only) and reads its manifest. */
export async function unpack(file: string, staging: string): Promise<Manifest> {
  try {
    await tar.extract({
      file,
      cwd: staging,
      strict: true,
      // Only the parts a backup has, and only plain files: nothing can land outside the folder.
      filter: (entryPath, entry) =>
        ARCHIVE_ENTRY.test(entryPath.replace(/^\.\//, "")) && "type" in entry && entry.type === "File",
    });
  } catch (error) {
    throw new BackupRefusedError(`${file} could not be read as a backup (.tar.gz): ${messageOf(error)}`);
  }
  const manifestPath = path.join(staging, "manifest.json");
  if (!fs.existsSync(manifestPath))
    throw new BackupRefusedError(`${file} is not a Commissioner backup: it has no manifest.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch {
    throw new BackupRefusedError(`The manifest.json in ${file} is not JSON`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BackupRefusedError(
      `The manifest.json in ${file} is not a Commissioner backup manifest (format ${BACKUP_FORMAT_VERSION}): ` +
        (issue ? `${issue.path.join(".")}: ${issue.message}` : "not valid"),
    );
  }
  return result.data;
}

/** Every part is present and has the SHA-256 and size the manifest gives it. */
export async function checkParts(manifest: Manifest, staging: string): Promise<void> {
  const parts = [
    ...manifest.tables.map((t) => ({ expected: tableFile(t.name), ...t })),
    ...manifest.documents.map((d) => ({ expected: documentFile(d.sha256), ...d })),
  ];
  for (const part of parts) {
    if (part.file !== part.expected)
      throw new BackupRefusedError(`The manifest names ${part.file} where ${part.expected} was expected`);
    const full = path.join(staging, part.file);
    if (!fs.existsSync(full))
      throw new BackupRefusedError(`The backup is incomplete: ${part.file} is missing`);
    const actual = await hashFile(full);
    if (actual.sha256 !== part.sha256 || actual.bytes !== part.bytes)
      throw new BackupRefusedError(
        `The backup is damaged: ${part.file} does not match the SHA-256 and size in its manifest. Nothing was changed.`,
      );
  }
}
