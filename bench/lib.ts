import { randomBytes } from "node:crypto";
import pg from "pg";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Messages between bench/http.ts (the load generator) and bench/lib-server.ts (the app under test). */
export type ToServer = { type: "measure-start" } | { type: "measure-stop" } | { type: "close" };

export type FromServer =
  | {
      type: "ready";
      port: number;
      database: "pglite" | "postgres";
      email: string;
      password: string;
      apiToken: string;
    }
  | { type: "measured"; measure: ServerMeasure }
  | { type: "failed"; message: string };

/** What the server saw between measure-start and measure-stop. */
export interface ServerMeasure {
  /** Statements sent to the database (through Drizzle's client, outside transactions). */
  statements: number;
  /** Wall time spent waiting on those statements, including any queueing for the engine. */
  dbMs: number;
  /** Each distinct statement and how often it ran. */
  sql: { text: string; count: number }[];
  /** Event-loop utilisation (0..1): near 1 means the server's one thread was the limit. */
  elu: number;
  /** The longest time the event loop was blocked (a stall every request in flight waits through). */
  stallMs: number;
  cpuMs: number;
  rssMiB: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A fixed-width text table: the first row is the heading. Numbers are right-aligned. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const line = (row: string[], numeric: boolean) =>
    row
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return numeric && i > 0 ? c.padStart(w) : c.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const [head, ...body] = cells;
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(head ?? [], false), rule, ...body.map((r) => line(r, true))].join("\n");
}

export const passFail = (ok: boolean) => (ok ? "PASS" : "FAIL");

/** A port nobody is listening on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Resident memory of a process in MiB, from /proc (Linux); null where there is no /proc. */
export function rssMiB(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Kills every child still running when this process ends, however it ends. */
export function killChildrenOnExit(children: Set<ChildProcess>): void {
  const killAll = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Resolves with the exit code (or signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(code ?? signal);
    });
  });
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(2)} s`;

/** Keeps the cookies a response sets, as a browser would. */
export function keepCookies(response: Response, jar: Map<string, string>) {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

export const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

/** Signs in through the real sign-in form (GET for the CSRF token, then POST) and returns the cookies. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/sign-in`);
  keepCookies(page, jar);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error("the sign-in page has no CSRF token");
  const response = await fetch(`${base}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _csrf: csrf, email, password, next: "/" }).toString(),
  });
  await response.arrayBuffer();
  const location = response.headers.get("location");
  if (response.status !== 303 || location !== "/") {
    throw new Error(`sign-in refused: ${response.status} to ${String(location)}`);
  }
  keepCookies(response, jar);
  return cookieHeader(jar);
}

/**
 * A database of its own on the PostgreSQL server of `adminUrl` (which must allow CREATE DATABASE), for
 * one bench run: its URL, and how to drop it afterwards. The drop waits up to 2 s for the app's own
 * connections to finish closing before it forces them.
 */
export async function scratchPostgresDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${String(process.pid)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const dropper = new pg.Client({ connectionString: adminUrl });
    await dropper.connect();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await dropper.query(`DROP DATABASE IF EXISTS ${name}${attempt < 20 ? "" : " WITH (FORCE)"}`);
          return;
        } catch (error) {
          // 55006: still in use by a connection that is closing.
          if ((error as { code?: string }).code !== "55006" || attempt >= 20) throw error;
          await sleep(100);
        }
      }
    } finally {
      await dropper.end();
    }
  };
  return { url: url.toString(), drop };
}
