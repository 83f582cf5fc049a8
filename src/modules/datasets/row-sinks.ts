import { once } from "node:events";
import fs from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";

/**
 * Where the lines an import writes go (the good rows, and every row's id for the duplicate checks):
 * gathered into batches of bytes and written with backpressure, to a file or straight into COPY.
 */

/**
 * How many bytes a row sink gathers before it writes (written at half: about a hundred rows). Gathered
 * as 1 MB of strings, V8's collections took a fifth of the import's time.
 */
const BATCH_BYTES = 64 * 1024;

/**
 * Lines gathered into a batch of bytes, encoded as they are added: each line's string dies at once
 * instead of waiting in a list for the write, so V8's minor collections have less to copy.
 */
class Batch {
  private buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** Filled buffers, when a long line did not fit in what was left (written first, in order). */
  private earlier: Buffer[] = [];

  add(text: string) {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const most = text.length * 3;
    if (this.used + most > this.buffer.length) {
      if (this.used > 0) this.earlier.push(this.buffer.subarray(0, this.used));
      this.buffer = Buffer.allocUnsafe(Math.max(BATCH_BYTES, most));
      this.used = 0;
    }
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  get full() {
    return this.earlier.length > 0 || this.used >= BATCH_BYTES / 2;
  }

  /** The bytes gathered, in order; the batch starts again empty. */
  take(): Buffer[] {
    const out = this.used > 0 ? [...this.earlier, this.buffer.subarray(0, this.used)] : this.earlier;
    this.earlier = [];
    if (this.used > 0) {
      this.buffer = Buffer.allocUnsafe(BATCH_BYTES);
      this.used = 0;
    }
    return out;
  }
}

/** Where an import's lines go: text gathered into batches, with backpressure. */
export interface RowSink {
  add(text: string): void;
  /** Enough is gathered for one write: `flush` it. */
  readonly full: boolean;
  /** Writes what is gathered, waiting while the other end falls behind. */
  flush(): Promise<void>;
  /** The other end refused the rows (a COPY that failed): nothing more is written. */
  readonly failure: Error | null;
}

/** Appends text to a file in batches, waiting when the disk falls behind. */
export class FileWriter implements RowSink {
  private readonly batch = new Batch();
  failure: Error | null = null;
  private readonly stream: fs.WriteStream;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file);
    this.stream.on("error", (error) => (this.failure = error));
  }

  add(text: string) {
    this.batch.add(text);
  }

  get full() {
    return this.batch.full;
  }

  async flush() {
    if (this.failure) throw this.failure;
    for (const chunk of this.batch.take()) if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  async close() {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

/**
 * A COPY FROM STDIN in progress, as a row sink. The server may refuse it at any time (a duplicate id hits
 * the unique index): the failure is kept, nothing more is written, and `end` or `abort` then settles it.
 */
export class CopyIn implements RowSink {
  private readonly batch = new Batch();
  failure: Error | null = null;
  private settled = false;

  constructor(private readonly stream: Writable) {
    stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  add(text: string) {
    this.batch.add(text);
  }

  get full() {
    return this.batch.full;
  }

  async flush() {
    for (const chunk of this.batch.take()) {
      // After a failure pg-copy-streams has let go of the connection: a write would throw.
      if (this.failure !== null) return;
      if (!this.stream.write(chunk)) await this.settledOr("drain");
    }
  }

  /** Sends the rest and ends the COPY; throws what the server refused (duplicates, a broken constraint). */
  async end() {
    await this.flush();
    if (this.failure === null) {
      this.stream.end();
      await this.settledOr("finish");
    }
    this.settled = true;
    if (this.failure !== null) throw this.failure;
  }

  /** Ends the COPY with CopyFail: the server drops what it had loaded, and the transaction is aborted. */
  async abort() {
    if (this.settled) return;
    this.settled = true;
    this.batch.take();
    if (this.failure !== null) return;
    const closed = this.settledOr("close");
    this.stream.destroy(new Error("the import was refused"));
    await closed;
  }

  /** Waits for `event`, or for the server's refusal, which may come instead of it. */
  private settledOr(event: "drain" | "finish" | "close"): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== null) {
        resolve();
        return;
      }
      const done = () => {
        this.stream.off(event, done);
        this.stream.off("error", done);
        resolve();
      };
      this.stream.on(event, done);
      this.stream.on("error", done);
    });
  }
}
