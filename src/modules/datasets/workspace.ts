import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { errorCode } from "../../errors.js";
import { FileTooLargeError } from "./csv-reader.js";

/**
 * Where imports keep their working files (the spooled upload, the rows and ids read on the way):
 * one folder under DATA_DIR (`DATA_DIR/tmp/imports`), each import in a folder of its own named after
 * the host and process that made it. A process killed mid-import leaves its folder behind (a
 * million-episode file leaves hundreds of megabytes), so `clean` at start removes every folder whose
 * process is gone: this host's folders whose process is no longer running, and any folder untouched
 * for a day (another host's, when instances share DATA_DIR). An import in progress elsewhere is kept.
 */
export interface ImportWorkspace {
  readonly root: string;
  /** A new, empty folder for one import; the caller removes it when the import ends. */
  create(): string;
  /** Removes the folders crashed imports left; returns their names. */
  clean(now?: Date): string[];
}

/** A folder not written to for this long belongs to an import that is over, on whatever host. */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

const host = () => os.hostname().replace(/[^A-Za-z0-9.-]/g, "_");

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === "EPERM";
  }
}

function modifiedAt(folder: string): number | null {
  try {
    return fs.statSync(folder).mtimeMs;
  } catch {
    return null;
  }
}

/** The host and pid in a folder's name (`<host>-<pid>-<random>`), or null for a name of another shape. */
export function ownerOf(name: string): { host: string; pid: number } | null {
  const match = /^(.+)-(\d+)-[A-Za-z0-9]+$/.exec(name);
  if (!match?.[1] || !match[2]) return null;
  return { host: match[1], pid: Number(match[2]) };
}

export function importWorkspace(root: string): ImportWorkspace {
  return {
    root,
    create() {
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
      return fs.mkdtempSync(path.join(root, `${host()}-${process.pid}-`));
    },
    clean(now = new Date()) {
      let names: string[];
      try {
        names = fs.readdirSync(root);
      } catch {
        return [];
      }
      const removed: string[] = [];
      for (const name of names) {
        const folder = path.join(root, name);
        const owner = ownerOf(name);
        const ours = owner?.host === host();
        const orphaned = ours && owner.pid !== process.pid && !isRunning(owner.pid);
        const modified = modifiedAt(folder);
        if (modified === null) continue;
        const stale = now.getTime() - modified > ABANDONED_AFTER_MS;
        if (!orphaned && !stale) continue;
        fs.rmSync(folder, { recursive: true, force: true });
        removed.push(name);
      }
      return removed;
    },
  };
}

/** Copies an upload to `file` (up to `maxBytes`), and returns the file as a stream to import. */
export async function spool(input: Readable, file: string, maxBytes: number): Promise<Readable> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > maxBytes ? new FileTooLargeError(maxBytes) : null, chunk);
    },
  });
  await pipeline(input, limit, fs.createWriteStream(file));
  return fs.createReadStream(file);
}
