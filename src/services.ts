import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import { createAccountsService } from "./modules/accounts/service.js";
import { createOrganisationsService } from "./modules/organisations/service.js";
import { createUsersService } from "./modules/users/service.js";
import { createReferenceService } from "./modules/programmes/service.js";
import { createDocumentStore } from "./modules/documents/store.js";
import { createJobQueue } from "./jobs/queue.js";
import { createChecklistService } from "./modules/checklist/service.js";
import { createRisksService } from "./modules/risks/service.js";
import { createEqiaService } from "./modules/eqia/service.js";
import { createDatasetsService } from "./modules/datasets/service.js";
import { importWorkspace } from "./modules/datasets/workspace.js";
import { createIndicatorsService } from "./modules/indicators/service.js";
import { createProjectsService } from "./modules/projects/service.js";
import path from "node:path";
import { changeVersionFor } from "./modules/audit/changes.js";

/** The one composition root (STYLE.md, example 2): every service is made here and handed to routes. */
export function createServices(database: Database, config: Config) {
  const db = database.db;
  const documents = createDocumentStore(db, path.join(config.dataDir, "documents"));
  const changes = changeVersionFor(database);
  return {
    database,
    // With the embedded database one process owns the data, so the signed-in path may cache briefly.
    accounts: createAccountsService(db, config.sessionSecret, config.sessionHours, {
      cacheMs: database.kind === "pglite" ? 5_000 : 0,
    }),
    organisations: createOrganisationsService(db),
    users: createUsersService(db),
    reference: createReferenceService(db),
    documents,
    jobs: createJobQueue(db),
    checklist: createChecklistService(db),
    risks: createRisksService(db),
    eqia: createEqiaService(db),
    // Client-level data imports; client_ref is hashed under PSEUDONYMISATION_SECRET.
    datasets: createDatasetsService(
      database,
      config.pseudonymisationSecret,
      importWorkspace(path.join(config.dataDir, "tmp", "imports")),
    ),
    // Indicators computed in SQL from that data (issue 4, item 2).
    indicators: createIndicatorsService(database),
    projects: createProjectsService(db, documents, changes),
    /** The version of the data that kept pages are checked against (ADR 0004). */
    changes,
  };
}

export type Services = ReturnType<typeof createServices>;
