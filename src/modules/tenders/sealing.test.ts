import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { createSealer, fileDecryption, fileEncryption, openJson, sealJson } from "./sealing.js";

async function collect(stream: Readable | NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe("the seal", () => {
  const sealer = createSealer(randomBytes(32).toString("hex"));

  it("unwraps a tender's data key only for that tender and that sealing secret", () => {
    const { dataKey, wrapped } = sealer.newDataKey("tender-1");
    expect(sealer.dataKey("tender-1", wrapped).equals(dataKey)).toBe(true);
    expect(() => sealer.dataKey("tender-2", wrapped)).toThrow(/SEALING_SECRET/);
    const other = createSealer(randomBytes(32).toString("hex"));
    expect(() => other.dataKey("tender-1", wrapped)).toThrow(/does not open/);
    expect(wrapped).not.toContain(dataKey.toString("base64url"));
  });

  it("keeps content unreadable without the key and bound to its row", () => {
    const { dataKey } = sealer.newDataKey("t");
    const sealed = sealJson(dataKey, { answers: [{ questionCode: "Q1", value: "Our plan" }] }, "sub-1");
    expect(sealed).not.toContain("Our plan");
    expect(openJson(dataKey, sealed, "sub-1")).toEqual({
      answers: [{ questionCode: "Q1", value: "Our plan" }],
    });
    expect(() => openJson(dataKey, sealed, "sub-2")).toThrow(/does not open/);
  });

  it("encrypts a file as it streams and refuses a changed byte", async () => {
    const { dataKey } = sealer.newDataKey("t");
    const plain = randomBytes(200_000);
    const { iv, cipher } = fileEncryption(dataKey, "file-1");
    const stored = await collect(Readable.from([plain]).pipe(cipher));
    const authTag = cipher.getAuthTag().toString("base64url");
    expect(stored.includes(plain.subarray(0, 64))).toBe(false);
    const opened = await collect(
      Readable.from([stored]).pipe(fileDecryption(dataKey, { iv, authTag }, "file-1")),
    );
    expect(opened.equals(plain)).toBe(true);
    const tampered = Buffer.from(stored);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    await expect(
      pipeline(
        Readable.from([tampered]),
        fileDecryption(dataKey, { iv, authTag }, "file-1"),
        async function* (s) {
          for await (const _ of s) yield;
        },
      ),
    ).rejects.toThrow();
  });
});
