import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import { systemClock, type Clock } from "./domain/clock.js";
import { createAccountsService } from "./modules/accounts/service.js";
import { createPasswordResetService } from "./modules/accounts/password-reset/service.js";
import { createOrganisationsService } from "./modules/organisations/service.js";
import { createUsersService } from "./modules/users/service.js";
import { createReferenceService } from "./modules/programmes/service.js";
import { createGovernanceService } from "./modules/governance/service.js";
import { createDocumentStore, type DocumentStore } from "./modules/documents/store.js";
import { createJobQueue } from "./jobs/queue.js";
import { createChecklistService } from "./modules/checklist/service.js";
import { createRisksService } from "./modules/risks/service.js";
import { createEqiaService } from "./modules/eqia/service.js";
import { createDatasetsService } from "./modules/datasets/service.js";
import { importWorkspace } from "./modules/datasets/workspace.js";
import { createIndicatorsService } from "./modules/indicators/service.js";
import { createProjectsService } from "./modules/projects/service.js";
import { createHomeService } from "./modules/home/service.js";
import path from "node:path";
import { ChangeCache, changeVersionFor, type ChangeCacheFactory } from "./modules/audit/changes.js";
import { createNotificationsService } from "./modules/notifications/service.js";
import { transportFor } from "./modules/notifications/delivery.js";
import type { MessageLinks } from "./modules/notifications/links.js";
import { projectPaths } from "./modules/projects/paths.js";
import { paths } from "./web/paths.js";
import { createSealer } from "./modules/tenders/sealing.js";
import { createSuppliersService } from "./modules/suppliers/service.js";
import { createOpportunitiesService } from "./modules/tenders/opportunities/service.js";
import { createClarificationsService } from "./modules/tenders/clarifications/service.js";
import { createTenderOpeningServices } from "./modules/tenders/opening/service.js";
import { createTendersService } from "./modules/tenders/service.js";
import { createSubmissionsService } from "./modules/tenders/submissions/service.js";
import { MAX_UPLOAD_BYTES } from "./web/limits.js";

/** The links messages carry, absolute under PUBLIC_URL. */
function messageLinks(publicUrl: string): MessageLinks {
  return {
    signIn: `${publicUrl}${paths.signIn}`,
    resetPassword: (token) => `${publicUrl}${paths.resetPassword}?token=${token}`,
    awaiting: (bodyCode) => `${publicUrl}${projectPaths.awaiting(encodeURIComponent(bodyCode))}`,
  };
}

/** E-tendering's services (docs/tendering.md): supplier accounts to the recorded opening. */
function tenderingServices(db: Database["db"], documents: DocumentStore, config: Config, clock: Clock) {
  const sealer = createSealer(config.sealingSecret);
  return {
    /** Supplier accounts: self-registration, the link that confirms an address, colleagues. */
    suppliers: createSuppliersService(db, config.sessionSecret, config.publicUrl),
    /** Opens the tenders' data keys under SEALING_SECRET (docs/tendering.md, the seal). */
    sealer,
    /** Find opportunities, register interest, download the pack (docs/tendering.md). */
    opportunities: createOpportunitiesService(db, documents, clock),
    /** Clarification questions and their answers (App C 5.5). */
    clarifications: createClarificationsService(db, clock, { publicUrl: config.publicUrl }),
    /** The recorded opening, compliance, the PQQ stage and the deadline reminders (docs/tendering.md). */
    tenderOpening: createTenderOpeningServices(db, clock, sealer, config.publicUrl),
    /** Suppliers' sealed submissions and their receipts; read only after the opening (docs/tendering.md). */
    submissions: createSubmissionsService({
      db,
      documents,
      sealer,
      clock,
      publicUrl: config.publicUrl,
      maxFileBytes: MAX_UPLOAD_BYTES,
    }),
    /** Tenders: set-up, the pack, publication and addenda (docs/tendering.md). */
    tenders: createTendersService({
      db,
      documents,
      clock,
      sealer,
      publicUrl: config.publicUrl,
    }),
  };
}

/**
 * The one composition root: every service is made here and handed to routes. The clock says what day
 * it is to every use case that needs it; tests fix it (domain/clock.ts).
 */
export function createServices(database: Database, config: Config, clock: Clock = systemClock) {
  const db = database.db;
  const documents = createDocumentStore(db, path.join(config.dataDir, "documents"));
  const changes = changeVersionFor(database);
  const changeCache: ChangeCacheFactory = (maxEntries) => new ChangeCache(changes, maxEntries);
  const links = messageLinks(config.publicUrl);
  const projects = createProjectsService(db, documents, changeCache, links, clock);
  // With the embedded database one process owns the data, so the signed-in path may cache briefly.
  const accounts = createAccountsService(db, config.sessionSecret, config.sessionHours, {
    cacheMs: database.kind === "pglite" ? 5_000 : 0,
  });
  return {
    database,
    /** Today in London, for the pages that show or ask about the day. */
    clock,
    accounts,
    /** "Forgot your password?" and the link in a new account's message. */
    passwordResets: createPasswordResetService(db, config.sessionSecret, links),
    organisations: createOrganisationsService(db),
    users: createUsersService(db, links),
    reference: createReferenceService(db, clock),
    /** Governance bodies' memberships, which decide who records their decisions. */
    governance: createGovernanceService(db, clock),
    documents,
    jobs: createJobQueue(db),
    checklist: createChecklistService(db, clock),
    risks: createRisksService(db, clock),
    eqia: createEqiaService(db, clock),
    // Client-level data imports; client_ref is hashed under PSEUDONYMISATION_SECRET.
    datasets: createDatasetsService(
      database,
      config.pseudonymisationSecret,
      importWorkspace(path.join(config.dataDir, "tmp", "imports")),
      clock,
    ),
    // Indicators computed in SQL from that data.
    indicators: createIndicatorsService(database, clock),
    projects,
    /** What needs the person signed in, on their home page. */
    home: createHomeService(db, clock, projects.pipeline),
    /** The outbox and its delivery by SMTP or GOV.UK Notify, when one is configured. */
    notifications: createNotificationsService(db, transportFor(config.mail)),
    ...tenderingServices(db, documents, config, clock),
    /** The version of the data that kept pages are checked against (ADR 0004). */
    changes,
    /** Makes a read model kept until the next audited change (ADR 0004), on that version. */
    changeCache,
  };
}

export type Services = ReturnType<typeof createServices>;
