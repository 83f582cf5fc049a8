import http from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { jwtVerify } from "jose";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../../src/db/schema/index.js";
import { MESSAGE_TEMPLATE_KEYS, notifyTemplateVariable } from "../../src/domain/messages.js";
import { createWorker } from "../../src/jobs/worker.js";
import { DELIVER_MESSAGE_JOB, deliveryJobHandler } from "../../src/modules/notifications/service.js";
import { buildTestApp, createUser, html, postForm, signInAdministrator, type TestApp } from "../helpers.js";

/**
 * GOV.UK Notify as its client sees it: a local HTTP server on loopback standing in for
 * api.notifications.service.gov.uk (NOTIFY_BASE_URL), answering as Notify's API documents.
 */
interface NotifyRequest {
  method: string;
  url: string;
  authorization: string;
  body: Record<string, unknown>;
}

const SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const API_KEY = `commissioner_test-${SERVICE_ID}-${SECRET}`;
const TEMPLATES = {
  NOTIFY_TEMPLATE_DECISION_AWAITED: "f33517ff-2a88-4f6e-b855-c550268ce08a",
  NOTIFY_TEMPLATE_PASSWORD_RESET: "a0b6a4b0-b2a3-4d5c-9e1f-2c3d4e5f6a7b",
  NOTIFY_TEMPLATE_ACCOUNT_CREATED: "b1c7b5c1-c3b4-4e6d-8f20-3d4e5f6a7b8c",
  ...Object.fromEntries(
    MESSAGE_TEMPLATE_KEYS.slice(3).map((key) => [notifyTemplateVariable(key), randomUUID()]),
  ),
};
const PUBLIC_URL = "https://commissioner.test.example";

let t: TestApp;
let server: http.Server;
const requests: NotifyRequest[] = [];
let answer: { status: number; body: unknown } = { status: 201, body: {} };

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        authorization: request.headers.authorization ?? "",
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>,
      });
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  t = await buildTestApp({
    NOTIFY_API_KEY: API_KEY,
    NOTIFY_BASE_URL: `http://127.0.0.1:${String(port)}`,
    PUBLIC_URL,
    ...TEMPLATES,
  });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

async function deliverDue() {
  const worker = createWorker(
    t.services.jobs,
    { [DELIVER_MESSAGE_JOB]: deliveryJobHandler(t.services.notifications, t.app.log) },
    t.app.log,
  );
  while ((await worker.runOnce()) > 0);
}

describe("delivery by GOV.UK Notify", () => {
  it("shows an empty outbox before any message", async () => {
    const administrator = await createUser(t.services, ["administrator"]);
    await t.database.db.delete(outbox);
    const cookies = await signInAdministrator(t.app, administrator.email);
    const page = html((await t.app.inject({ url: "/outbox", cookies })).body);
    expect(page("#no-messages").text()).toBe("There are no messages");
    expect(page("#outbox")).toHaveLength(0);
  });

  it("sends the password reset template with its personalisation, signed with the service's key", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    await deliverDue();
    requests.length = 0;
    answer = { status: 201, body: { id: "740e5834-3a29-46b4-9a6f-16142fde533a", content: {} } };
    await postForm(t.app, "/forgot-password", "/forgot-password", {}, { email: user.email });
    await deliverDue();

    expect(requests).toHaveLength(1);
    const [sent] = requests;
    expect(sent?.method).toBe("POST");
    expect(sent?.url).toBe("/v2/notifications/email");
    const [message] = await t.database.db
      .select()
      .from(outbox)
      .where(eq(outbox.templateKey, "password-reset"));
    expect(sent?.body).toMatchObject({
      template_id: TEMPLATES.NOTIFY_TEMPLATE_PASSWORD_RESET,
      email_address: user.email,
      reference: message?.id,
      personalisation: { minutes: "30" },
    });
    const personalisation = sent?.body.personalisation as Record<string, string>;
    expect(personalisation.link).toMatch(new RegExp(`^${PUBLIC_URL}/reset-password\\?token=[\\w-]{43}$`));
    const { payload } = await jwtVerify(
      sent?.authorization.replace(/^Bearer /, "") ?? "",
      new TextEncoder().encode(SECRET),
    );
    expect(payload.iss).toBe(SERVICE_ID);
    expect(message).toMatchObject({
      status: "sent",
      providerReference: "740e5834-3a29-46b4-9a6f-16142fde533a",
    });
  });

  it("keeps Notify's reason for a refusal, without the address, and tries again later", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    answer = {
      status: 400,
      body: {
        status_code: 400,
        errors: [
          { error: "BadRequestError", message: `Can't send to ${user.email} using a team-only API key` },
        ],
      },
    };
    await deliverDue();
    const [message] = await t.database.db.select().from(outbox).where(eq(outbox.recipient, user.email));
    expect(message?.status).toBe("pending");
    expect(message?.attempts).toBe(1);
    expect(message?.lastError).toBe(
      "GOV.UK Notify answered 400: BadRequestError: Can't send to [address] using a team-only API key",
    );
  });
});
