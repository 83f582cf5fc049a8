import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { can } from "../../../domain/policy.js";
import { ProblemError, type FieldError } from "../../../errors.js";
import { zodFieldErrors } from "../../../inputs.js";
import { renderStatus } from "../../../web/errors.js";
import { formState, toFormErrors } from "../../../web/forms.js";
import { admittedActor, requirePage } from "../../../web/guards.js";
import { PAGE_QUERY, pageAction, pathParam } from "../../../web/page-action.js";
import { pagination } from "../../../web/pagination.js";
import { tenderPaths } from "../paths.js";
import { consistentFilters, filtersFrom, opportunityFields } from "./filters.js";
import { attachmentHeader, pounds } from "./presenter.js";

const PAGE_SIZE = 20;
const ID_PARAMS = z.object({ id: pathParam });
const DOCUMENT_PARAMS = z.object({ id: pathParam, documentId: pathParam });

/** Where the opportunity page's "Register interest" button posts. */
export const interestPath = (id = ":id") => `${tenderPaths.opportunity(id)}/interest`;

/** A form field as typed: text, else "". */
const typed = (query: Record<string, unknown>, name: string) => {
  const value = query[name];
  return typeof value === "string" ? value.trim() : "";
};

/** "12,500.50" or "£12500" in pounds → pence; undefined when not given; NaN when not money. */
function poundsToPence(text: string): number | undefined {
  if (text === "") return undefined;
  const cleaned = text.replace(/^£/, "").replace(/,/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return Number.NaN;
  return Math.round(Number(cleaned) * 100);
}

/** "31/12/2026" or "2026-12-31" → "2026-12-31"; anything else is passed on for the date check to refuse. */
function isoFrom(text: string): string | undefined {
  if (text === "") return undefined;
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (uk) return `${uk[3]}-${uk[2]?.padStart(2, "0")}-${uk[1]?.padStart(2, "0")}`;
  return text;
}

const PAGE_FIELDS: Record<string, string> = { minValuePence: "minValue", maxValuePence: "maxValue" };
const MONEY_MESSAGES: Record<string, string> = {
  minValue: "Minimum value must be an amount in pounds, like 250000",
  maxValue: "Maximum value must be an amount in pounds, like 2000000",
};

/** The filter form's fields read from the query string: the API's filters, or the errors to show. */
export function readFilterForm(query: Record<string, unknown>) {
  const form = {
    q: typed(query, "q"),
    programme: typed(query, "programme"),
    minValue: typed(query, "minValue"),
    maxValue: typed(query, "maxValue"),
    closingAfter: typed(query, "closingAfter"),
    closingBefore: typed(query, "closingBefore"),
    includeClosed: typed(query, "includeClosed") === "true",
  };
  const errors: FieldError[] = [];
  const min = poundsToPence(form.minValue);
  const max = poundsToPence(form.maxValue);
  for (const [field, value] of [
    ["minValue", min],
    ["maxValue", max],
  ] as const) {
    if (Number.isNaN(value))
      errors.push({ path: field, message: MONEY_MESSAGES[field] ?? "Enter an amount" });
  }
  const parsed = opportunityFields.superRefine(consistentFilters).safeParse({
    q: form.q || undefined,
    programme: form.programme || undefined,
    minValuePence: Number.isNaN(min) ? undefined : min,
    maxValuePence: Number.isNaN(max) ? undefined : max,
    closingAfter: isoFrom(form.closingAfter),
    closingBefore: isoFrom(form.closingBefore),
    includeClosed: form.includeClosed ? "true" : undefined,
  });
  if (!parsed.success) {
    for (const e of zodFieldErrors(parsed.error)) {
      const path = PAGE_FIELDS[e.path] ?? e.path;
      if (!errors.some((x) => x.path === path))
        errors.push({ path, message: e.message.replace(/pence/g, "pounds") });
    }
  }
  return { form, errors, filters: parsed.success && errors.length === 0 ? filtersFrom(parsed.data) : null };
}

function pageNumber(query: Record<string, unknown>): number {
  const n = Number(typed(query, "page"));
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET /opportunities: the search, public (App C 5.1). */
function findOpportunities(app: App) {
  const { opportunities } = app.services;
  app.get(
    tenderPaths.opportunities(),
    { schema: { hide: true, querystring: PAGE_QUERY } },
    async (request, reply) => {
      const read = readFilterForm(request.query);
      const all = read.filters ? await opportunities.list(read.filters) : [];
      const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
      const current = Math.min(pageNumber(request.query), pages);
      const keep = new URLSearchParams(
        Object.entries(read.form)
          .filter(([, v]) => v !== "" && v !== false)
          .map(([k, v]) => [k, String(v)]),
      );
      const href = (n: number) => {
        const q = new URLSearchParams(keep);
        q.set("page", String(n));
        return `${tenderPaths.opportunities()}?${q.toString()}`;
      };
      return reply
        .code(read.errors.length ? 400 : 200)
        .view("tenders/opportunities/views/opportunities.njk", {
          pageTitle: "Find opportunities",
          errors: read.errors.length ? toFormErrors(read.errors) : undefined,
          form: read.form,
          filtered: keep.size > 0,
          programmeItems: [
            { value: "", text: "Any programme" },
            ...(await opportunities.programmes()).map((p) => ({
              value: p.code,
              text: p.name,
              selected: read.form.programme.toUpperCase() === p.code,
            })),
          ],
          total: all.length,
          items: all
            .slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE)
            .map((o) => ({ ...o, value: pounds(o.valuePence) })),
          pagination: pagination(current, pages, href),
          tenderPaths,
        });
    },
  );
}

/** GET /opportunities/:id, public; POST …/interest for a supplier's user. */
function oneOpportunity(app: App) {
  const { opportunities } = app.services;
  app.get(
    tenderPaths.opportunity(),
    { schema: { hide: true, params: ID_PARAMS } },
    async (request, reply) => {
      const found = await opportunities.get(request.params.id);
      if (!found) return renderStatus(reply, 404);
      const actor = request.actor ?? null;
      const interested = await opportunities.hasInterest(actor, found.opportunity.id);
      return reply.view("tenders/opportunities/views/opportunity.njk", {
        pageTitle: found.opportunity.title,
        ...(await formState(request)),
        ...found,
        value: pounds(found.opportunity.valuePence),
        lots: found.opportunity.lots.map((l) => ({
          ...l,
          value: l.valuePence === null ? "" : pounds(l.valuePence),
        })),
        signedIn: Boolean(actor),
        supplier: can(actor, "tenders:participate"),
        staff: can(actor, "tenders:read"),
        interested,
        mayDownload: interested || can(actor, "tenders:read"),
        interestPath: interestPath(found.opportunity.id),
        signInHref: `/sign-in?next=${encodeURIComponent(tenderPaths.opportunity(found.opportunity.id))}`,
        tenderPaths,
      });
    },
  );

  app.post(
    interestPath(),
    { preHandler: requirePage("tenders:participate"), schema: { hide: true, params: ID_PARAMS } },
    pageAction({
      params: ID_PARAMS,
      load: async ({ id }) => (await opportunities.get(id))?.opportunity ?? null,
      form: (o) => tenderPaths.opportunity(o.id),
      body: z.object({}).loose(),
      refusalField: "register-interest",
      run: async ({ actor, loaded }) => {
        const done = await opportunities.registerInterest(actor, loaded.id);
        const success = done.alreadyRegistered
          ? "Your organisation had already registered interest"
          : "Your organisation registered interest: the documents are below";
        return { to: tenderPaths.opportunity(loaded.id), success };
      },
    }),
  );
}

/** GET /tenders/:id/documents/:documentId: staff always; a supplier after registering interest (logged). */
function packDocument(app: App) {
  const { opportunities } = app.services;
  app.get(
    tenderPaths.packDocument(),
    { preHandler: requirePage("home:view"), schema: { hide: true, params: DOCUMENT_PARAMS } },
    async (request, reply) => {
      const { id, documentId } = request.params;
      if (!z.uuid().safeParse(id).success || !z.uuid().safeParse(documentId).success)
        return renderStatus(reply, 404);
      try {
        const file = await opportunities.openDocument(admittedActor(request), id, documentId);
        return await reply
          .type(file.mediaType)
          .header("content-disposition", attachmentHeader(file.fileName))
          .header("content-length", file.bytes)
          .send(file.stream);
      } catch (error) {
        if (error instanceof ProblemError && (error.status === 404 || error.status === 403)) {
          return renderStatus(reply, error.status);
        }
        throw error;
      }
    },
  );
}

/** Find opportunities, the opportunity page with interest, and the pack's downloads (docs/tendering.md). */
export const opportunityRoutes: FastifyPluginAsyncZod = async (app) => {
  findOpportunities(app);
  oneOpportunity(app);
  packDocument(app);
};
