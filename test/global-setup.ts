import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openDatabase } from "../src/db/client.js";

/**
 * Migrates one template database per test run (docs/architecture.md, known constraints): a PGlite data directory
 * dumped to a tarball that each test file loads, or a PostgreSQL template database to copy.
 */
export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `commissioner_template_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    const database = await openDatabase({
      databaseUrl: withDatabase(url, template),
      dataDir: os.tmpdir(),
      poolSize: 1,
    });
    await database.migrate();
    await database.close();
    provide("pgTemplate", template);
    return async () => {
      // Test databases made from the template are dropped by their files; drop any left by a crash.
      const left = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'commissioner_t_${process.pid}_%'`,
      );
      for (const row of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.end();
    };
  }
  const engine = await PGlite.create();
  const database = await openDatabase({ dataDir: os.tmpdir(), pglite: engine });
  await database.migrate();
  const dump = await engine.dumpDataDir("none");
  const file = path.join(os.tmpdir(), `commissioner-template-${process.pid}.tar`);
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await engine.close();
  provide("pgliteTemplate", file);
  return () => {
    fs.rmSync(file, { force: true });
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
