import { z } from "zod";

/** What a backup archive holds, and how to check it (format version 1). */
export const BACKUP_FORMAT = "commissioner-backup";
export const BACKUP_FORMAT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in hex");
const count = z.number().int().nonnegative();
const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, "must be a plain SQL name");

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.string(),
  /** The engine the backup was made from; the archive itself is engine-neutral. */
  source: z.object({ engine: z.enum(["pglite", "postgres"]) }),
  /** drizzle.__drizzle_migrations at the time: how many, and the hash of the last one applied. */
  migrations: z.object({ count, lastHash: z.string().nullable() }),
  tables: z.array(
    z.object({
      name: identifier,
      file: z.string(),
      rows: count,
      bytes: count,
      sha256,
      columns: z.array(z.object({ name: identifier, type: z.string() })),
    }),
  ),
  /**
   * The fingerprint of the PSEUDONYMISATION_SECRET the datasets were hashed under (the datasets module's
   * keyId). Absent in backups made before it was recorded.
   */
  pseudonymisationKeyId: z
    .string()
    .regex(/^[0-9a-f]{16}$/, "must be a key fingerprint")
    .optional(),
  /** Tables deliberately left out (sign-in state). */
  skippedTables: z.array(z.string()),
  documents: z.array(z.object({ file: z.string(), bytes: count, sha256 })),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const tableFile = (name: string) => `tables/${name}.jsonl`;
/** HMAC-SHA-256 of manifest.json's bytes under a key derived from SESSION_SECRET (signature.ts). */
export const SIGNATURE_FILE = "manifest.sig";
export const documentFile = (hash: string) => `documents/${hash}`;
