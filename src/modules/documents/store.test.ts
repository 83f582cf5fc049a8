import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers.js";
import type { Database } from "../../db/client.js";
import { BlobTooLargeError, createDocumentStore, createLocalBlobStorage } from "./store.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A stream that delivers the bytes in chunks, as an upload does. */
function chunked(bytes: Buffer, chunkSize = 16 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

/** Every file under a folder, relative to it. */
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-blobs-"));
  return () => {
    fs.rmSync(root, { recursive: true, force: true });
  };
});

describe("local blob storage", () => {
  it("stores a stream under its SHA-256 and reads the same bytes back", async () => {
    const storage = createLocalBlobStorage(root);
    const bytes = randomBytes(200_000);
    const stored = await storage.put(chunked(bytes), 1_000_000);
    expect(stored).toEqual({ sha256: sha256(bytes), bytes: bytes.length });
    expect(await storage.exists(stored.sha256)).toBe(true);
    const back = await buffer(storage.read(stored.sha256));
    expect(back.equals(bytes)).toBe(true);
    expect(filesUnder(root)).toEqual([path.join(stored.sha256.slice(0, 2), stored.sha256)]);
  });

  it("stores the same content once, however often it arrives", async () => {
    const storage = createLocalBlobStorage(root);
    const bytes = Buffer.from("The same tender, sent twice.\n");
    const first = await storage.put(chunked(bytes, 5), 1024);
    const second = await storage.put(Readable.from([bytes]), 1024);
    expect(second).toEqual(first);
    expect(filesUnder(root)).toHaveLength(1);
    const listed: string[] = [];
    for await (const hash of storage.list()) listed.push(hash);
    expect(listed).toEqual([first.sha256]);
  });

  it("stores an empty file", async () => {
    const storage = createLocalBlobStorage(root);
    const stored = await storage.put(Readable.from([]), 10);
    expect(stored).toEqual({ sha256: sha256(Buffer.alloc(0)), bytes: 0 });
    expect((await buffer(storage.read(stored.sha256))).length).toBe(0);
  });

  it("accepts a stream of exactly the limit", async () => {
    const storage = createLocalBlobStorage(root);
    const bytes = randomBytes(4096);
    expect((await storage.put(chunked(bytes, 1000), 4096)).bytes).toBe(4096);
  });

  it.each([
    ["over the limit in a later chunk", 100_000, 16 * 1024, 50_000],
    ["over the limit in its first chunk", 10_000, 10_000, 100],
  ])(
    "refuses a stream %s with BlobTooLargeError and leaves no file behind",
    async (_case, size, chunkSize, limit) => {
      const storage = createLocalBlobStorage(root);
      const bytes = randomBytes(size);
      const attempt = storage.put(chunked(bytes, chunkSize), limit);
      await expect(attempt).rejects.toBeInstanceOf(BlobTooLargeError);
      await expect(attempt).rejects.toMatchObject({ limitBytes: limit });
      // Give any write stream still opening a moment: nothing may appear afterwards either.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.readdirSync(path.join(root, "tmp"))).toEqual([]);
      expect(filesUnder(root)).toEqual([]);
      expect(await storage.exists(sha256(bytes))).toBe(false);
    },
  );

  it("leaves no file behind when the incoming stream fails", async () => {
    const storage = createLocalBlobStorage(root);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(new Error("connection reset"));
      },
    });
    await expect(storage.put(failing, 1_000_000)).rejects.toThrow("connection reset");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(filesUnder(root)).toEqual([]);
  });

  it("refuses a name that is not a SHA-256 hash (no path traversal)", () => {
    const storage = createLocalBlobStorage(root);
    expect(() => storage.read("../../etc/passwd")).toThrow("not a SHA-256 hash");
  });
});

describe("document store", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.close());

  it("records each blob once with its size and type, and opens the same bytes", async () => {
    const store = createDocumentStore(database.db, root);
    const bytes = Buffer.from(`Quarterly return ${randomBytes(8).toString("hex")}\n`);
    const saved = await store.save(chunked(bytes, 7), "text/csv", 1024);
    expect(saved).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length, mediaType: "text/csv" });
    const again = await store.save(Readable.from([bytes]), "text/csv", 1024);
    expect(again.id).toBe(saved.id);

    const opened = await store.open(saved.sha256);
    expect(opened).not.toBeNull();
    if (!opened) return;
    expect(opened.bytes).toBe(bytes.length);
    expect((await buffer(opened.stream)).equals(bytes)).toBe(true);
  });

  it("opens nothing for an unknown hash", async () => {
    const store = createDocumentStore(database.db, root);
    expect(await store.open(sha256(randomBytes(8)))).toBeNull();
  });
});
