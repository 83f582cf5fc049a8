/**
 * The tender deadline under load (docs/tendering.md, sealed submissions): 200 suppliers submit at once
 * in the last minute, each with three files totalling 5 MB, through the real app over HTTP. Afterwards
 * every submission must be stored once and its receipt verified against what was sent (zero loss).
 * Printed: p50/p99 latency and throughput beside a bare upload route on the same server that only
 * counts bytes (the reference, registered here and never in the app); the target is ≥ 50% of it.
 *
 *   npm run bench:deadline                      # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:deadline -- --postgres
 *   options: --suppliers N (200), --megabytes M (5)
 *
 * The load generator runs in the server's process: both routes pay the same absolute cost for it, but
 * it is a larger share of the cheap reference's time, so it slows the reference more in proportion and
 * flatters the ratio somewhat; PGlite also runs on the same thread. Figures, not asserts.
 */
import { createHash, randomBytes, type Hash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { and, eq } from "drizzle-orm";
import { configFromEnvironment } from "../src/config.js";
import {
  projects,
  tenderInterests,
  tenderQuestions,
  tenders,
  tenderSubmissions,
} from "../src/db/schema/index.js";
import { SYSTEM_ACTOR } from "../src/domain/policy.js";
import { markUnaudited } from "../src/modules/audit/service.js";
import { submissionHash } from "../src/modules/tenders/submissions/receipt.js";
import { openAndPrepare } from "../src/startup.js";
import { buildApp } from "../src/web/app.js";
import { ms, removeDir, scratchPostgresDatabase, table, tempDir } from "./lib.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SUPPLIERS = option("suppliers", 200);
const MEGABYTES = option("megabytes", 5);
const POSTGRES = args.includes("--postgres");

/** Three files of 20%, 30% and 50% of the total; each supplier's differ by a tag appended to shared bytes. */
const SIZES = [0.2, 0.3, 0.5].map((f) => Math.floor(f * MEGABYTES * 1_048_576));
const BASES = SIZES.map((size) => Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(size - 9)]));
const BASE_HASHES: Hash[] = BASES.map((b) => createHash("sha256").update(b));
const ANSWERS = [
  { questionCode: "Q1", value: "yes" },
  { questionCode: "Q2", value: "We will run the service from three community hubs with outreach." },
];

interface Supplier {
  index: number;
  organisationId: string;
  token: string;
  files: { name: string; tag: Buffer; sha256: string; bytes: number }[];
}

function supplierFiles(index: number) {
  return BASES.map((base, i) => {
    const tag = Buffer.from(`\n%supplier-${index}-file-${i}-${randomBytes(8).toString("hex")}\n`);
    return {
      name: `supplier-${index}-part-${i + 1}.pdf`,
      tag,
      sha256: BASE_HASHES[i]?.copy().update(tag).digest("hex") ?? "",
      bytes: base.length + tag.length,
    };
  });
}

/** The multipart body as a list of chunks that share the base files' bytes (no 1 GB of copies). */
function body(s: Supplier, boundary: string): Buffer[] {
  const field = (name: string, value: string) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const chunks: Buffer[] = [
    field("answers", JSON.stringify(ANSWERS)),
    field("priceTotalPence", String(100_000 + s.index)),
  ];
  s.files.forEach((f, i) => {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${f.name}"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      BASES[i] ?? Buffer.alloc(0),
      f.tag,
      Buffer.from("\r\n"),
    );
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return chunks;
}

function put(
  agent: http.Agent,
  port: number,
  path: string,
  s: Supplier,
): Promise<{ status: number; text: string; ms: number; bytes: number }> {
  const boundary = `----deadline${randomBytes(8).toString("hex")}`;
  const chunks = body(s, boundary);
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "PUT",
        path,
        agent,
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": length,
          authorization: `Bearer ${s.token}`,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(parts).toString(),
            ms: performance.now() - started,
            bytes: length,
          });
        });
      },
    );
    req.on("error", reject);
    (async () => {
      for (const c of chunks) if (!req.write(c)) await new Promise((r) => req.once("drain", r));
      req.end();
    })().catch(reject);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function burst(agent: http.Agent, port: number, path: (s: Supplier) => string, suppliers: Supplier[]) {
  const started = performance.now();
  const results = await Promise.all(suppliers.map((s) => put(agent, port, path(s), s)));
  const wallMs = performance.now() - started;
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  const latencies = results.map((r) => r.ms);
  return {
    results,
    wallMs,
    mbPerSecond: bytes / 1_048_576 / (wallMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function main() {
  const dataDir = tempDir("commissioner-deadline-");
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (POSTGRES) {
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) throw new Error("--postgres needs DATABASE_URL");
    const scratch = await scratchPostgresDatabase(adminUrl, "commissioner_deadline");
    databaseUrl = scratch.url;
    drop = scratch.drop;
  }
  const config = configFromEnvironment({
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    PSEUDONYMISATION_SECRET: randomBytes(32).toString("hex"),
    SEALING_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: "warn",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const database = await openAndPrepare(config);
  const app = await buildApp(config, { database });
  // The reference: the same multipart body read part by part, its bytes counted and dropped.
  app.put("/api/v1/bench/upload-reference", { schema: { hide: true } }, async (request) => {
    let bytes = 0;
    for await (const part of request.parts()) {
      if (part.type === "file") for await (const chunk of part.file) bytes += (chunk as Buffer).length;
    }
    return { bytes };
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  const { db } = database;
  const services = app.services;

  try {
    // A published tender whose deadline is a minute away (the bench's burst is "the last minute").
    const tenderId = crypto.randomUUID();
    const deadline = new Date(Date.now() + 60_000 + SUPPLIERS * 1_000);
    await db.transaction(async (tx) => {
      await markUnaudited(tx, "bench fixture");
      const [project] = await tx
        .insert(projects)
        .values({
          title: "Deadline bench",
          programmeCode: "SP",
          estimatedValuePence: 250_000_000,
          regime: "PCR2015",
          startedOn: "2025-04-01",
        })
        .returning({ id: projects.id });
      await tx.insert(tenders).values({
        id: tenderId,
        projectId: project?.id ?? "",
        reference: "BENCH-DEADLINE",
        title: "Deadline bench",
        procedure: "open",
        valuePence: 250_000_000,
        status: "published",
        publishedAt: new Date(Date.now() - 86_400_000),
        clarificationDeadline: new Date(Date.now() - 3_600_000),
        submissionDeadline: deadline,
        wrappedDataKey: services.sealer.newDataKey(tenderId).wrapped,
      });
      await tx.insert(tenderQuestions).values([
        { tenderId, code: "Q1", section: "itt", kind: "pass-fail", text: "Insurance?", position: 1 },
        {
          tenderId,
          code: "Q2",
          section: "itt",
          kind: "scored",
          text: "Delivery",
          wordLimit: 500,
          attachmentAllowed: true,
          position: 2,
        },
        { tenderId, code: "P1", section: "itt", kind: "price", text: "Price", position: 3 },
      ]);
    });

    process.stdout.write(`Setting up ${SUPPLIERS} suppliers… `);
    const suppliers: Supplier[] = [];
    for (let index = 0; index < SUPPLIERS; index++) {
      const code = `BENCH${index}`;
      const org = await services.organisations.create(SYSTEM_ACTOR, {
        name: `Bench supplier ${index}`,
        kind: "supplier",
        code,
        companyNumber: undefined,
        charityNumber: undefined,
      });
      const { user } = await services.users.create(SYSTEM_ACTOR, {
        email: `supplier${index}@bench.example`,
        name: `Supplier ${index}`,
        roles: ["supplier-user"],
        organisationCode: code,
        password: randomBytes(12).toString("hex"),
      });
      const { token } = await services.accounts.createApiToken(SYSTEM_ACTOR, user.id, "bench");
      const organisationId = (org as { id: string }).id;
      await db.transaction(async (tx) => {
        await markUnaudited(tx, "bench fixture");
        await tx.insert(tenderInterests).values({ tenderId, organisationId });
      });
      suppliers.push({ index, organisationId, token, files: supplierFiles(index) });
    }
    console.log("done");

    const agent = new http.Agent({ keepAlive: true, maxSockets: SUPPLIERS });
    // Warm both routes once, then the reference burst, then the real one.
    await burst(agent, port, () => "/api/v1/bench/upload-reference", suppliers.slice(0, 5));
    const reference = await burst(agent, port, () => "/api/v1/bench/upload-reference", suppliers);
    const refused = reference.results.filter((r) => r.status !== 200).length;
    if (refused > 0) throw new Error(`the reference route refused ${refused} uploads`);
    const real = await burst(agent, port, () => `/api/v1/tenders/${tenderId}/submission`, suppliers);

    // Zero loss: every supplier has exactly one submitted row, and its receipt says what was sent.
    let verified = 0;
    const problems: string[] = [];
    for (const [i, r] of real.results.entries()) {
      const s = suppliers[i];
      if (!s) continue;
      if (r.status !== 200) {
        problems.push(`supplier ${s.index}: ${r.status} ${r.text.slice(0, 200)}`);
        continue;
      }
      const { receipt } = JSON.parse(r.text) as {
        receipt: {
          submissionId: string;
          submittedAt: string;
          sha256: string;
          files: { name: string; sha256: string; bytes: number }[];
        };
      };
      const expected = submissionHash({
        submissionId: receipt.submissionId,
        tenderId,
        section: "itt",
        submittedAt: new Date(receipt.submittedAt),
        answers: ANSWERS,
        priceTotalPence: 100_000 + s.index,
        files: s.files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes, questionCode: null })),
      });
      const rows = await db
        .select({ id: tenderSubmissions.id, sha256: tenderSubmissions.sha256 })
        .from(tenderSubmissions)
        .where(
          and(
            eq(tenderSubmissions.tenderId, tenderId),
            eq(tenderSubmissions.organisationId, s.organisationId),
            eq(tenderSubmissions.status, "submitted"),
          ),
        );
      const filesMatch = receipt.files.every(
        (f, j) => f.sha256 === s.files[j]?.sha256 && f.bytes === s.files[j].bytes,
      );
      if (
        rows.length === 1 &&
        rows[0]?.sha256 === receipt.sha256 &&
        receipt.sha256 === expected &&
        filesMatch
      )
        verified++;
      else problems.push(`supplier ${s.index}: receipt does not verify`);
    }

    console.log(
      `\nDeadline bench: ${SUPPLIERS} suppliers at once, 3 files totalling ${MEGABYTES} MB each, ${POSTGRES ? "PostgreSQL" : "embedded database (PGlite)"}`,
    );
    console.log(
      `(load generator in the server's process; ${String((await import("node:os")).cpus().length)} CPUs, shared)\n`,
    );
    console.log(
      table([
        ["route", "wall", "MB/s", "p50", "p99"],
        [
          "bare upload (reference)",
          `${(reference.wallMs / 1000).toFixed(2)} s`,
          reference.mbPerSecond.toFixed(1),
          ms(reference.p50),
          ms(reference.p99),
        ],
        [
          "PUT submission",
          `${(real.wallMs / 1000).toFixed(2)} s`,
          real.mbPerSecond.toFixed(1),
          ms(real.p50),
          ms(real.p99),
        ],
      ]),
    );
    const ratio = real.mbPerSecond / reference.mbPerSecond;
    console.log(
      `\nthroughput: ${(ratio * 100).toFixed(0)}% of the reference (target ≥ 50%: ${ratio >= 0.5 ? "met" : "NOT met"})`,
    );
    console.log(
      `stored and verified: ${verified}/${SUPPLIERS} (${SUPPLIERS - verified === 0 ? "zero loss" : `${SUPPLIERS - verified} LOST`})`,
    );
    for (const p of problems.slice(0, 10)) console.log(`  ${p}`);
    agent.destroy();
    if (verified !== SUPPLIERS) process.exitCode = 1;
  } finally {
    await app.close();
    await database.close();
    await drop?.();
    removeDir(dataDir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
