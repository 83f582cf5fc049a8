import { sql } from "drizzle-orm";
import { executeRows, type Executor } from "../../db/client.js";
import { tableFile, type Manifest } from "./manifest.js";
import { hashingWriter, readJsonLines } from "./archive.js";
import { BackupRefusedError } from "./refusal.js";
import {
  isBackupValue,
  readExpression,
  writeExpression,
  type BackupValue,
  type TableSpec,
} from "./tables.js";

/** A table to its JSON-lines part and back, a page or a batch at a time (memory stays flat). */

/** Streams one table to a JSON-lines file in pages of `pageSize` rows, ordered by id. */
export async function writeTable(
  executor: Executor,
  table: TableSpec,
  target: string,
  pageSize: number,
): Promise<Manifest["tables"][number]> {
  if (!table.columns.some((c) => c.name === "id"))
    throw new Error(`table ${table.name} has no id column (docs/architecture.md: every table has one)`);
  const out = hashingWriter(target);
  const select = sql.join(
    table.columns.map((c) => sql`${readExpression(c)} AS ${sql.identifier(c.name)}`),
    sql`, `,
  );
  let rows = 0;
  let last: string | null = null;
  try {
    for (;;) {
      const after: ReturnType<typeof sql> = last === null ? sql`` : sql`WHERE "id" > ${last}::uuid`;
      const page = await executeRows<Record<string, unknown>>(
        executor,
        sql`SELECT ${select} FROM ${sql.identifier(table.name)} ${after} ORDER BY "id" LIMIT ${pageSize}`,
      );
      for (const row of page) {
        const record: Record<string, BackupValue> = {};
        for (const c of table.columns) {
          const value = row[c.name] ?? null;
          if (!isBackupValue(value))
            throw new Error(`${table.name}.${c.name} was read as ${typeof value}, not as JSON text`);
          record[c.name] = value;
        }
        await out.write(`${JSON.stringify(record)}\n`);
        rows++;
      }
      const tail = page.at(-1);
      if (page.length < pageSize || !tail) break;
      last = String(tail.id);
    }
  } finally {
    await out.close();
  }
  return {
    name: table.name,
    file: tableFile(table.name),
    rows,
    bytes: out.bytes(),
    sha256: out.sha256(),
    columns: table.columns,
  };
}

/** Inserts one table's rows from its JSON-lines file, in multi-row statements (one statement per call). */
export async function insertTable(
  executor: Executor,
  table: TableSpec,
  part: Manifest["tables"][number],
  file: string,
): Promise<number> {
  const columns = part.columns.map((c) => {
    const target = table.columns.find((t) => t.name === c.name);
    if (!target) throw new Error(`column ${table.name}.${c.name} is not in the schema`);
    return target;
  });
  const batchSize = Math.max(1, Math.min(500, Math.floor(20_000 / Math.max(1, columns.length))));
  const columnList = sql.join(
    columns.map((c) => sql.identifier(c.name)),
    sql`, `,
  );
  let batch: BackupValue[][] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = sql.join(
      batch.map(
        (row) =>
          sql`(${sql.join(
            row.map((v, i) => writeExpression(columns[i]?.type ?? "text", v)),
            sql`, `,
          )})`,
      ),
      sql`, `,
    );
    await executor.execute(sql`INSERT INTO ${sql.identifier(table.name)} (${columnList}) VALUES ${values}`);
    batch = [];
  };
  for await (const { line, value } of readJsonLines(file)) {
    const row = columns.map((c) => {
      const v = value[c.name];
      if (!isBackupValue(v))
        throw new BackupRefusedError(`Line ${line} of ${part.file} has no valid value for ${c.name}`);
      return v;
    });
    batch.push(row);
    rows++;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  if (rows !== part.rows)
    throw new BackupRefusedError(`${part.file} holds ${rows} rows where its manifest says ${part.rows}`);
  return rows;
}
