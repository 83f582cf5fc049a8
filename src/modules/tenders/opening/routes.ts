import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../../domain/policy.js";
import { SECTIONS, SECTION_NAMES } from "../../../domain/tendering.js";
import { renderStatus } from "../../../web/errors.js";
import { formState } from "../../../web/forms.js";
import { requirePage } from "../../../web/guards.js";
import { pageAction, pathParam } from "../../../web/page-action.js";
import { tenderPaths } from "../paths.js";
import { pqqApi } from "../pqq/api.js";
import { pqqRoutes } from "../pqq/routes.js";
import { openingApiRoutes } from "./api.js";
import { openingPaths } from "./paths.js";
import { complianceConclusion, complianceFindings } from "./presenter.js";

const TENDER_PARAMS = z.object({ id: pathParam });
const SUBMISSION_PARAMS = z.object({ id: pathParam, submissionId: pathParam });
const RECORD_PARAMS = z.object({ id: pathParam, section: pathParam });

/** The opening form: one witness chosen from the other procurement officers, and the section. */
export const openingForm = z.object({
  section: z.enum(SECTIONS, { error: "Select the section to open" }),
  witnessUserId: z
    .string({ error: "Select a witness" })
    .min(1, "Select a witness: another procurement officer"),
});

/** The compliance form: "yes" or "no", and the reason (required for "no"). */
export const complianceForm = z
  .object({
    compliant: z.enum(["yes", "no"], { error: "Select whether the submission is compliant" }),
    reason: z.string().trim().max(2000, "Reason must be 2,000 characters or fewer").optional(),
  })
  .transform((f) => ({ compliant: f.compliant === "yes", reason: f.reason ? f.reason : undefined }));

type App = Parameters<FastifyPluginAsyncZod>[0];

const read = { preHandler: requirePage("tenders:read"), schema: { hide: true, params: TENDER_PARAMS } };
const open = { preHandler: requirePage("tenders:open"), schema: { hide: true, params: TENDER_PARAMS } };

/** The opening page: each section's deadline, the opening form, and the record once made (App C 5.6). */
function openingPage(app: App) {
  const { opening } = app.services.tenderOpening;
  app.get(tenderPaths.opening(), read, async (request, reply) => {
    const found = await opening.overview(request.params.id);
    if (!found) return renderStatus(reply, 404);
    const mayOpen = can(request.actor, "tenders:open");
    const state = await formState(request);
    return reply.view("tenders/opening/views/opening.njk", {
      pageTitle: `Tender opening: ${found.tender.title}`,
      ...state,
      tender: found.tender,
      tenderPath: tenderPaths.tender(found.tender.id),
      openingPaths,
      sections: found.sections.map((s) => ({
        ...s,
        sectionName: SECTION_NAMES[s.section],
        opening: s.opening && {
          ...s.opening,
          submissions: s.opening.submissions.map((sub) => ({
            ...sub,
            findings: complianceFindings(sub.compliance),
            conclusion: complianceConclusion(sub.compliance),
          })),
        },
      })),
      mayOpen,
      witnesses: mayOpen ? await opening.witnesses(request.actor ?? null) : [],
      chosenWitness: typeof state.values.witnessUserId === "string" ? state.values.witnessUserId : "",
    });
  });

  app.post(
    tenderPaths.opening(),
    open,
    pageAction({
      params: TENDER_PARAMS,
      load: async ({ id }) => (await opening.overview(id))?.tender ?? null,
      form: (tender) => tenderPaths.opening(tender.id),
      body: openingForm,
      refusalField: "witnessUserId",
      pageFields: (path) => (path.startsWith("witnessUserIds") ? "witnessUserId" : path),
      run: async ({ actor, loaded: tender, input }) => {
        const opened = await opening.open(actor, tender.id, {
          section: input.section,
          witnessUserIds: [input.witnessUserId],
        });
        return {
          to: tenderPaths.opening(tender.id),
          success: `${opened.sectionName} opened: ${opened.submissions.length} submission${opened.submissions.length === 1 ? "" : "s"} recorded`,
        };
      },
    }),
  );
}

/** The printable opening record of one section. */
function recordPage(app: App) {
  const { opening } = app.services.tenderOpening;
  app.get(
    openingPaths.record(),
    { preHandler: requirePage("tenders:read"), schema: { hide: true, params: RECORD_PARAMS } },
    async (request, reply) => {
      const found = await opening.overview(request.params.id);
      const section = found?.sections.find((s) => s.section === request.params.section);
      if (!found || !section?.opening) return renderStatus(reply, 404);
      return reply.view("tenders/opening/views/record.njk", {
        pageTitle: `Opening record: ${found.tender.title}`,
        tender: found.tender,
        openingPath: tenderPaths.opening(found.tender.id),
        opening: section.opening,
      });
    },
  );
}

/** Record one opened submission's compliance (App C 5.6–5.7). */
function compliancePage(app: App) {
  const { opening } = app.services.tenderOpening;
  const loadSubmission = async ({ id, submissionId }: { id: string; submissionId: string }) => {
    const found = await opening.overview(id);
    for (const s of found?.sections ?? []) {
      const sub = s.opening?.submissions.find((x) => x.submissionId === submissionId);
      if (found && sub)
        return { tender: found.tender, submission: sub, sectionName: SECTION_NAMES[s.section] };
    }
    return null;
  };
  const guard = {
    preHandler: requirePage("tenders:open"),
    schema: { hide: true, params: SUBMISSION_PARAMS },
  };

  app.get(openingPaths.compliance(), guard, async (request, reply) => {
    const loaded = await loadSubmission(request.params);
    if (!loaded) return renderStatus(reply, 404);
    const state = await formState(request);
    const saved = loaded.submission.compliance;
    const typed = (name: string) => (typeof state.values[name] === "string" ? state.values[name] : undefined);
    return reply.view("tenders/opening/views/compliance.njk", {
      pageTitle: `Compliance: ${loaded.submission.organisationName}`,
      ...state,
      ...loaded,
      openingPath: tenderPaths.opening(loaded.tender.id),
      action: openingPaths.compliance(loaded.tender.id, loaded.submission.submissionId),
      findings: complianceFindings(saved),
      form: {
        compliant:
          typed("compliant") ?? (saved?.compliant === true ? "yes" : saved?.compliant === false ? "no" : ""),
        reason: typed("reason") ?? saved?.reason ?? "",
      },
    });
  });

  app.post(
    openingPaths.compliance(),
    guard,
    pageAction({
      params: SUBMISSION_PARAMS,
      load: loadSubmission,
      form: (loaded) => openingPaths.compliance(loaded.tender.id, loaded.submission.submissionId),
      body: complianceForm,
      refusalField: "compliant",
      run: async ({ actor, loaded, input }) => {
        await opening.recordCompliance(actor, loaded.tender.id, {
          submissionId: loaded.submission.submissionId,
          ...input,
        });
        return {
          to: tenderPaths.opening(loaded.tender.id),
          success: `Compliance recorded: ${loaded.submission.organisationName}`,
        };
      },
    }),
  );
}

/** The opening's pages. */
export const openingRoutes: FastifyPluginAsyncZod = async (app) => {
  openingPage(app);
  recordPage(app);
  compliancePage(app);
};

/**
 * The opening, compliance and the PQQ stage, pages and API (docs/tendering.md): what web/modules.ts
 * registers, in one line.
 */
export const tenderOpeningRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(openingRoutes);
  await app.register(openingApiRoutes);
  await app.register(pqqRoutes);
  await app.register(pqqApi);
};
