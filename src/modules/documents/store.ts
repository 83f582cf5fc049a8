import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { blobs } from "../../db/schema/index.js";

/**
 * Where blob bytes live (docs/architecture.md, data rules): a local folder by default; an S3-compatible
 * implementation of the same interface can be added without touching callers.
 */
export interface BlobStorage {
  /** Streams bytes in, returning their SHA-256 and size; the bytes are kept under that hash. */
  put(stream: Readable, limitBytes: number): Promise<{ sha256: string; bytes: number }>;
  read(sha256: string): Readable;
  exists(sha256: string): Promise<boolean>;
  /** Every stored hash (backup). */
  list(): AsyncIterable<string>;
  /**
   * A fresh temporary file's path beside the stored bytes, for a caller that writes a blob itself in one
   * pass (a sealed upload) and then `adopt`s it under its hash; the caller removes it if it never does.
   */
  tempPath(): string;
  /** Moves a temporary file from `tempPath` into place under its SHA-256 (computed by the writer). */
  adopt(tempPath: string, sha256: string): Promise<void>;
  root: string;
}

export class BlobTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The file is larger than ${Math.round(limitBytes / 1_048_576)} MB`);
  }
}

const HASH = /^[0-9a-f]{64}$/;

function tempPathIn(root: string): string {
  fs.mkdirSync(path.join(root, "tmp"), { recursive: true });
  return path.join(root, "tmp", randomBytes(12).toString("hex"));
}

/** Content-addressed, as `put`: the same bytes land on the same name, so a rename never loses anything. */
async function moveInto(tempPath: string, final: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(final), { recursive: true });
  await fs.promises.rename(tempPath, final);
}

export function createLocalBlobStorage(root: string): BlobStorage {
  const pathFor = (sha256: string) => {
    if (!HASH.test(sha256)) throw new Error("not a SHA-256 hash");
    return path.join(root, sha256.slice(0, 2), sha256);
  };
  return {
    root,
    async put(stream, limitBytes) {
      fs.mkdirSync(path.join(root, "tmp"), { recursive: true });
      const temp = path.join(root, "tmp", randomBytes(12).toString("hex"));
      const hash = createHash("sha256");
      let bytes = 0;
      // The temporary file is created before any byte is read, so that a refusal can always remove it
      // (a write stream opened lazily could create it after the clean-up below had run).
      const handle = await fs.promises.open(temp, "wx");
      try {
        await pipeline(
          stream,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              bytes += chunk.length;
              if (bytes > limitBytes) throw new BlobTooLargeError(limitBytes);
              hash.update(chunk);
              yield chunk;
            }
          },
          handle.createWriteStream(),
        );
        const sha256 = hash.digest("hex");
        const final = pathFor(sha256);
        fs.mkdirSync(path.dirname(final), { recursive: true });
        // Content-addressed: the same bytes land on the same name, so a rename never loses anything.
        fs.renameSync(temp, final);
        return { sha256, bytes };
      } finally {
        await handle.close().catch(() => undefined);
        await fs.promises.rm(temp, { force: true });
      }
    },
    tempPath: () => tempPathIn(root),
    adopt: (tempPath, sha256) => moveInto(tempPath, pathFor(sha256)),
    read(sha256) {
      return fs.createReadStream(pathFor(sha256));
    },
    async exists(sha256) {
      return fs.promises.access(pathFor(sha256)).then(
        () => true,
        () => false,
      );
    },
    async *list() {
      if (!fs.existsSync(root)) return;
      for (const dir of await fs.promises.readdir(root)) {
        if (dir === "tmp") continue;
        for (const name of await fs.promises.readdir(path.join(root, dir))) if (HASH.test(name)) yield name;
      }
    },
  };
}

/** The document store: blobs on storage, one row each in `blobs` with size and type. */
export function createDocumentStore(
  db: Db,
  root: string,
  storage: BlobStorage = createLocalBlobStorage(root),
) {
  async function save(stream: Readable, mediaType: string, limitBytes: number) {
    const { sha256, bytes } = await storage.put(stream, limitBytes);
    await db.insert(blobs).values({ sha256, bytes, mediaType }).onConflictDoNothing({ target: blobs.sha256 });
    const [row] = await db.select().from(blobs).where(eq(blobs.sha256, sha256));
    if (!row) throw new Error("blob not recorded");
    return { id: row.id, sha256, bytes, mediaType: row.mediaType };
  }

  /** A blob written in one pass by its caller into `storage.tempPath()`, moved into place and recorded. */
  async function adopt(tempPath: string, sha256: string, bytes: number, mediaType: string) {
    await storage.adopt(tempPath, sha256);
    await db.insert(blobs).values({ sha256, bytes, mediaType }).onConflictDoNothing({ target: blobs.sha256 });
    const [row] = await db.select().from(blobs).where(eq(blobs.sha256, sha256));
    if (!row) throw new Error("blob not recorded");
    return { id: row.id, sha256, bytes, mediaType: row.mediaType };
  }

  async function open(sha256: string) {
    const [row] = await db.select().from(blobs).where(eq(blobs.sha256, sha256));
    if (!row || !(await storage.exists(sha256))) return null;
    return { ...row, stream: storage.read(sha256) };
  }

  return { save, adopt, open, storage };
}
export type DocumentStore = ReturnType<typeof createDocumentStore>;
