import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, InjectOptions } from "fastify";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import type { DatasetKind } from "../../src/domain/indicators/formats.js";
import { CHARACTERISTICS } from "../../src/modules/eqia/screening.js";
import type { Services } from "../../src/services.js";
import { addMembership, apiTokenFor, createUser, multipartForm } from "../helpers.js";
import { seedTendering } from "./tendering-seed.js";

/**
 * A world with something on every page, made through the JSON API as a client would: organisations
 * (one with a long name), the three datasets, two projects with documents, a decision, risks, an equality
 * screening, a contract being recommissioned, checklist progress and tendering (an open tender with a
 * clarification and a sealed submission, and an opened one). Long unbroken text (a web address,
 * a file name, an email address) is there on purpose: it is what stops a page reflowing at 320 pixels.
 */
export async function seedWorld(running: {
  app: FastifyInstance;
  services: Services;
}): Promise<{ projectId: string; tenderIds: string[] }> {
  const { app, services } = running;
  const provider = await seedOrganisations(services);
  await seedDatasets(services);
  const commissioner = await createUser(services, ["commissioner"], {
    email: "alexandra.montgomery-williamson@commissioning.kent.gov.uk",
  });
  const clerk = await createUser(services, ["authorised-officer"]);
  await addMembership(services.database, "JCG", clerk.id, "officer");
  const api = client(app, await apiTokenFor(services, commissioner.id));
  const clerkApi = client(app, await apiTokenFor(services, clerk.id));

  const project = await api.call<{ id: string }>("POST", "/api/v1/projects", {
    title: "Adult community drug and alcohol treatment and recovery service (Kent-wide)",
    programmeCode: "KDAAT",
    programmeCodes: ["KDAAT", "SP"],
    description: "Recommissioning of the integrated adult treatment system when the current contracts end.",
    leadCommissionerId: commissioner.id,
    estimatedValuePence: 1_250_000_000,
    contractMonths: 60,
  });
  const needs = await api.upload(project.id, "needs-assessment", "Substance misuse needs assessment 2025");
  await api.upload(project.id, "market-capacity-report", "Market_capacity_report_KDAAT_2025-26_FINAL_v3");
  await clerkApi.call("POST", `/api/v1/projects/${project.id}/decisions`, {
    subjectId: needs,
    bodyCode: "JCG",
    decision: "approved-with-conditions",
    decidedOn: services.clock.today(),
    minutesRef: "JCG/2025/03/4",
    conditions:
      "Publish the summary at https://www.kent.gov.uk/about-the-council/strategies-and-policies/health-policies/substance-misuse-needs-assessment-2025",
  });
  await seedRisks(api, project.id);
  await seedEqia(api, project.id);
  await api.call("POST", `/api/v1/projects/${project.id}/incumbent-contracts`, {
    name: "Adult treatment and recovery 2021 (lot 1, east Kent)",
    providerOrganisationId: provider,
    endsOn: "2027-03-31",
    noticeDays: 180,
  });
  await seedChecklist(api, project.id);
  await api.call("POST", "/api/v1/projects", {
    title: "Housing-related support for young people",
    programmeCode: "SP",
    estimatedValuePence: 80_000_000,
  });
  const tendering = await seedTendering(app, services, project.id);
  return { projectId: project.id, tenderIds: [tendering.openTenderId, tendering.openedTenderId] };
}

type Method = "POST" | "PUT" | "PATCH" | "GET";
interface Api {
  call<T = unknown>(method: Method, url: string, payload?: Record<string, unknown>): Promise<T>;
  /** Uploads a small PDF as a document of the project; its id. */
  upload(projectId: string, kind: string, title: string): Promise<string>;
}

/** The API with one user's bearer token; throws with the answer unless it is a 2xx. */
function client(app: FastifyInstance, token: string): Api {
  const authorization = `Bearer ${token}`;
  const send = async (options: InjectOptions, what: string) => {
    const response = await app.inject(options);
    if (response.statusCode >= 300) throw new Error(`${what}: ${response.statusCode} ${response.body}`);
    return response;
  };
  return {
    async call<T>(method: Method, url: string, payload?: Record<string, unknown>) {
      const response = await send({ method, url, headers: { authorization }, payload }, `${method} ${url}`);
      return response.json<T>();
    },
    async upload(projectId, kind, title) {
      const form = multipartForm(
        { kind, title },
        {
          filename: `${title}.pdf`,
          contentType: "application/pdf",
          data: "%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n",
        },
      );
      const url = `/api/v1/projects/${projectId}/documents`;
      const headers = { authorization, ...form.headers };
      const response = await send({ method: "POST", url, headers, payload: form.payload }, `upload ${title}`);
      return response.json<{ id: string }>().id;
    },
  };
}

async function seedOrganisations(services: Services): Promise<string> {
  const organisations: [string, "provider" | "supplier", string][] = [
    ["Weald Recovery Partnership", "provider", "P001"],
    ["Medway Housing Support Trust", "provider", "P002"],
    ["North Downs Drug and Alcohol Service", "provider", "P003"],
    ["Coastal Young People's Service", "provider", "P004"],
    ["Garden of England Floating Support", "provider", "P005"],
    ["Kent and Medway Integrated Substance Misuse and Recovery Partnership CIC", "provider", "KMISMRP"],
    ["Weald Facilities Management Services", "supplier", "S001"],
  ];
  const ids: string[] = [];
  for (const [name, kind, code] of organisations) {
    const created = await services.organisations.create(SYSTEM_ACTOR, {
      name,
      kind,
      code,
      companyNumber: code === "KMISMRP" ? "08123456" : undefined,
      charityNumber: undefined,
    });
    ids.push(created.id);
  }
  return ids[5] ?? "";
}

/** The three client-level datasets from the test fixtures (their providers are the demo's, P001 to P005). */
async function seedDatasets(services: Services) {
  const fixtures = path.resolve("test/fixtures/datasets");
  for (const kind of ["treatment-journeys", "sp-outcomes", "hia-activity"] satisfies DatasetKind[]) {
    await services.datasets.importFile(SYSTEM_ACTOR, {
      kind,
      fileName: `${kind}.csv`,
      input: fs.createReadStream(path.join(fixtures, `${kind}.csv`)),
      replace: false,
    });
  }
}

async function seedRisks(api: Api, projectId: string) {
  const url = `/api/v1/projects/${projectId}/risks`;
  await api.call("POST", url, {
    title: "Incumbent providers' staff transfer (TUPE) information arrives late",
    description: "Without the TUPE information bidders cannot price, and the tender slips.",
    likelihood: 4,
    impact: 4,
    owner: "Head of Commissioning, Kent Drug and Alcohol Action Team",
    mitigation: "Ask for it at notice; escalate to the contract manager after 28 days.",
    reviewOn: "2030-06-30",
  });
  await api.call("POST", url, {
    title: "Too few bidders in east Kent",
    likelihood: 2,
    impact: 3,
    owner: "Procurement",
    reviewOn: "2020-01-31",
  });
  const closed = await api.call<{ id: string; version: number }>("POST", url, {
    title: "Budget not confirmed",
    likelihood: 1,
    impact: 5,
    owner: "Finance",
    reviewOn: "2030-01-31",
  });
  await api.call("PATCH", `/api/v1/risks/${closed.id}`, { status: "closed", version: closed.version });
}

async function seedEqia(api: Api, projectId: string) {
  const url = `/api/v1/projects/${projectId}/eqia`;
  const { version } = await api.call<{ version: number }>("GET", url);
  const screening = CHARACTERISTICS.map((c) => ({
    characteristic: c.code,
    impact: c.code === "age" ? "negative" : "neutral",
    evidence: `Needs assessment 2025, ${c.name.toLowerCase()} profile`,
  }));
  await api.call("PUT", url, { screening, version });
}

/** Some of the checklist done, one task with evidence that is a long web address. */
async function seedChecklist(api: Api, projectId: string) {
  const url = `/api/v1/projects/${projectId}/checklist`;
  const list = await api.call<{ sections: { tasks: { key: string; version: number }[] }[] }>("GET", url);
  const tasks = list.sections.flatMap((s) => s.tasks);
  const first = tasks[0];
  if (!first) throw new Error("no checklist");
  await api.call("PATCH", `${url}/${first.key}`, {
    status: "completed",
    completedOn: "2025-04-01",
    evidenceNote:
      "https://www.kent.gov.uk/about-the-council/strategies-and-policies/service-locations-and-plans",
    version: first.version,
  });
  const second = tasks[1];
  if (second)
    await api.call("PATCH", `${url}/${second.key}`, {
      status: "planned",
      plannedOn: "2030-05-01",
      version: second.version,
    });
}
