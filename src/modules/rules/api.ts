import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { approvalsFor, FLAG_CODES } from "../../domain/approvals.js";
import { PROGRAMME_CODES } from "../../domain/governance.js";
import { isIsoDate } from "../../domain/dates.js";
import { MAX_PENCE } from "../../domain/money.js";
import { REGIME_CODES, REGIMES, regimeInForceOn } from "../../domain/regimes.js";
import { standstill } from "../../domain/standstill.js";
import { listOf, listQuery, pageList, problemResponses } from "../../web/api-schemas.js";
import { requireApi } from "../../web/guards.js";
import { NotFoundError, ValidationError } from "../../errors.js";
import { rulesApiPaths } from "./paths.js";
import { loadProjectRules } from "./queries.js";
import { API_MESSAGES } from "./presenter.js";

const regimeCode = z.enum(REGIME_CODES).describe("PCR2006, PCR2015, PA2023 or PSR");
const isoDate = z.string().max(10).refine(isIsoDate, { message: API_MESSAGES.date });
const pence = z
  .string()
  .regex(/^\d{1,14}$/, { message: API_MESSAGES.pence })
  .transform(Number)
  .refine((n) => n <= MAX_PENCE, { message: API_MESSAGES.penceTooLarge });
const booleanText = z.enum(["true", "false"]).transform((v) => v === "true");

const sourced = {
  rulesText: z.string().describe("the words of docs/rules.md the value comes from"),
  source: z.string().describe("framework paragraph (§) or legislation"),
  check: z.string().optional().describe("what to confirm, for an item docs/rules.md marks (check)"),
  note: z.string().optional(),
};
const thresholdSchema = z.object({
  kind: z.enum(["part-b-services", "light-touch", "goods-and-services"]),
  label: z.string(),
  valuePence: z.number().int(),
  vat: z.enum(["net", "incl-vat"]),
  from: z.string(),
  to: z.string().optional(),
  forTheseServices: z.boolean(),
  ...sourced,
});
const dutySchema = z.object({ code: z.string(), text: z.string(), ...sourced });

export const regimeSchema = z.object({
  code: regimeCode,
  name: z.string(),
  shortName: z.string(),
  appliesFrom: z.string(),
  appliesTo: z.string().optional(),
  applies: z.object(sourced),
  chosenOnly: z.boolean().describe("never the default by date; used only when chosen (PSR)"),
  summary: z.string(),
  services: z.object({ text: z.string(), ...sourced }),
  thresholds: z.array(thresholdSchema),
  noThreshold: z.object({ text: z.string(), ...sourced }).optional(),
  standstill: z.object({
    dayKind: z.enum(["calendar", "working"]),
    days: z.number().int(),
    otherMeansDays: z.number().int().optional(),
    counting: z.enum(["after-day-sent", "beginning-with-day-published", "from-day-after-published"]),
    startsWith: z.string(),
    endsWith: z.string(),
    lastDayMovesToNextWorkingDay: z.boolean(),
    mandatoryForTheseServices: z.enum(["yes", "no", "unclear"]),
    mandatoryNote: z.string(),
    ...sourced,
  }),
  workingDay: z.object({
    area: z.enum(["england-and-wales", "any-part-of-uk"]),
    areaLabel: z.string(),
    text: z.string(),
    ...sourced,
  }),
  awardPublication: z.array(dutySchema),
  otherDuties: z.array(dutySchema),
});

const flagSchema = z.object({
  code: z.enum(FLAG_CODES),
  reason: z.string(),
  paragraph: z.string(),
  check: z.string().optional(),
});

const approvalSchema = z.object({
  bodyCode: z.string(),
  what: z.string(),
  reason: z.string(),
  paragraph: z.string(),
  stage: z.number().int(),
});

export const approvalsSchema = z.object({
  regime: regimeCode,
  on: z.string(),
  valuePence: z.number().int(),
  programmeCode: z.enum(PROGRAMME_CODES),
  lightTouch: z.boolean(),
  threshold: thresholdSchema.nullable(),
  sspEngagementFromPence: z.number().int().nullable(),
  approvals: z.array(approvalSchema),
  flags: z.array(flagSchema),
  notRequired: z.array(flagSchema).describe("what this value does not need, and why"),
});

const evidenceSchema = z.object({
  output: z.string().describe("the document kind decided on, procurement-plan, or eqia-sign-off"),
  bodyCode: z.string(),
  decision: z.enum(["approved", "approved-with-conditions", "rejected", "signed-off"]),
  decidedOn: z.string(),
  version: z.number().int().optional().describe("for a document: the version approved (its latest)"),
});
const statusFields = {
  evidence: z.array(evidenceSchema).describe("for met: the decisions (or record) that meet it"),
};
const flagWithStatus = flagSchema.extend({
  status: z.enum(["open", "met", "not-applicable"]),
  ...statusFields,
  waitingFor: z.string().nullable().describe("for open: what records it, and whether that exists yet"),
});

export const projectRulesSchema = approvalsSchema.extend({
  projectId: z.uuid(),
  approvals: z.array(
    approvalSchema.extend({
      status: z.enum(["open", "met"]),
      ...statusFields,
      missing: z
        .array(z.object({ output: z.string(), reason: z.string(), paragraph: z.string() }))
        .describe("for open: what is still missing, as the gate lists it"),
    }),
  ),
  flags: z.array(flagWithStatus),
  notRequired: z.array(flagWithStatus).describe("not-applicable to this value, each with its reason"),
});

const namedDay = z.object({ date: z.string(), label: z.string(), holiday: z.string().nullable() });
export const standstillSchema = z.object({
  regime: regimeCode,
  notifiedOn: z.string(),
  startsOn: z.string(),
  endsOn: z.string().describe("the last day of the standstill"),
  earliestContractOn: z.string().describe("the contract may be entered into from this day"),
  dayKind: z.enum(["calendar", "working"]),
  days: z.number().int(),
  firstCountedDay: z.string(),
  lastCountedDay: z.string(),
  skipped: z.array(namedDay),
  holidaysCounted: z.array(namedDay),
  mandatory: z.enum(["yes", "no", "unclear"]),
  source: z.string(),
  explanation: z.string(),
});

/** The regime asked for, or the one in force on the date; a 400 naming `field` when there is none. */
function chooseRegime(asked: (typeof REGIME_CODES)[number] | undefined, on: string, field: string) {
  if (asked) return asked;
  const inForce = regimeInForceOn(on);
  if (!inForce) throw new ValidationError([{ path: field, message: API_MESSAGES.noRegime }]);
  return inForce;
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** GET /api/v1/rules/regimes: the regimes as dated data. */
function regimesApi(app: App) {
  app.get(
    "/api/v1/rules/regimes",
    {
      preValidation: requireApi("rules:read"),
      schema: {
        tags: ["rules"],
        summary: "The procurement regimes, as dated data with the source of every value (docs/rules.md)",
        querystring: listQuery,
        response: { 200: listOf(regimeSchema), ...problemResponses },
      },
    },
    async (request) => pageList([...REGIMES], request.query),
  );
}

/** GET /api/v1/rules/approvals: which approvals a value needs. */
function approvalsApi(app: App) {
  app.get(
    "/api/v1/rules/approvals",
    {
      preValidation: requireApi("rules:read"),
      schema: {
        tags: ["rules"],
        summary: "Which approvals a value needs, and what applies to it, each with its reason and paragraph",
        querystring: z.object({
          regime: regimeCode.optional().describe("default: the regime in force on `on`"),
          valuePence: pence,
          programmeCode: z.enum(PROGRAMME_CODES),
          on: isoDate.optional().describe("the day the procurement starts; default today"),
          lightTouch: booleanText.optional().describe("default true: these services are light touch"),
        }),
        response: { 200: approvalsSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { valuePence, programmeCode, lightTouch } = request.query;
      const on = request.query.on ?? app.services.clock.today();
      const regime = chooseRegime(request.query.regime, on, "on");
      return approvalsFor({
        regime,
        valuePence,
        programmeCode,
        on,
        ...(lightTouch === undefined ? {} : { lightTouch }),
      });
    },
  );
}

/** GET /api/v1/rules/standstill: the standstill's dates. */
function standstillApi(app: App) {
  app.get(
    "/api/v1/rules/standstill",
    {
      preValidation: requireApi("rules:read"),
      schema: {
        tags: ["rules"],
        summary: "When the standstill after telling bidders starts and ends, and the contract may be signed",
        querystring: z.object({
          regime: regimeCode.optional().describe("default: the regime in force on `notifiedOn`"),
          notifiedOn: isoDate.describe("the day the letters are sent or the notice is published"),
          byElectronicMeans: booleanText.optional().describe("PCR only; default true"),
        }),
        response: { 200: standstillSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { notifiedOn, byElectronicMeans } = request.query;
      const regime = chooseRegime(request.query.regime, notifiedOn, "notifiedOn");
      return standstill({
        regime,
        notifiedOn,
        ...(byElectronicMeans === undefined ? {} : { byElectronicMeans }),
      });
    },
  );
}

/**
 * GET /api/v1/projects/:id/rules: what /rules/approvals answers for the project's value, regime, lead
 * programme and start date, each approval and flag with its status (domain/project-rules.ts). It lives
 * here, with the rules it explains, reading the project through projects/queries.ts (the crossing
 * test/architecture.test.ts allows), and asks the same permission as reading the project.
 */
function projectRulesApi(app: App) {
  const { db } = app.services.database;
  app.get(
    rulesApiPaths.project(),
    {
      preValidation: requireApi("projects:read"),
      schema: {
        tags: ["rules"],
        summary:
          "The approvals and flags that apply to a project's value, regime and dates, each open, met with its evidence, or not applicable with its reason",
        params: z.object({ id: z.uuid() }),
        response: { 200: projectRulesSchema, ...problemResponses },
      },
    },
    async (request) => {
      const found = await loadProjectRules(db, request.params.id);
      if (!found) throw new NotFoundError("No project has this id");
      return found.rules;
    },
  );
}

/** Rules explained (docs/api.md): regimes, approvals by value, standstill dates, a project's rules. */
export const rulesApi: FastifyPluginAsyncZod = async (app) => {
  regimesApi(app);
  approvalsApi(app);
  standstillApi(app);
  projectRulesApi(app);
};
