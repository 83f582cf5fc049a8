import { randomBytes } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, governanceBodies, governanceMembers, jobs, outbox } from "../../src/db/schema/index.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { createWorker } from "../../src/jobs/worker.js";
import {
  DELIVER_MESSAGE_JOB,
  DELIVERY_ATTEMPTS,
  deliveryJobHandler,
  enqueueMessage,
} from "../../src/modules/notifications/service.js";
import {
  addMembership,
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  html,
  multipartForm,
  postForm,
  signIn,
  signInAdministrator,
  TEST_PASSWORD,
  type TestApp,
  asFixture,
} from "../helpers.js";
import { startMailServer } from "../mail-server.js";

let t: TestApp;
let mail: Awaited<ReturnType<typeof startMailServer>>;
let admin: Record<string, string>;
let adminToken: string;
const PUBLIC_URL = "https://commissioner.test.example";

beforeAll(async () => {
  mail = await startMailServer();
  t = await buildTestApp({
    MAIL_URL: mail.url,
    MAIL_FROM: "Commissioner <noreply@council.test.example>",
    PUBLIC_URL,
  });
  const administrator = await createUser(t.services, ["administrator"]);
  admin = await signInAdministrator(t.app, administrator.email);
  adminToken = await apiTokenFor(t.services, administrator.id);
});
afterAll(async () => {
  await t.close();
  await mail.close();
});

const uniqueEmail = (prefix: string) => `${prefix}.${randomBytes(4).toString("hex")}@test.example`;

/** Runs the delivery job the way the app's worker does, until nothing is due. */
async function deliverDue() {
  const worker = createWorker(
    t.services.jobs,
    { [DELIVER_MESSAGE_JOB]: deliveryJobHandler(t.services.notifications, t.app.log) },
    t.app.log,
  );
  while ((await worker.runOnce()) > 0);
}

function mailTo(address: string) {
  return mail.received.filter((m) => m.to.includes(address));
}

async function messagesTo(address: string) {
  return t.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.recipient, address))
    .orderBy(desc(outbox.createdAt));
}

function linkIn(text: string, path: string): string {
  const found = new RegExp(`${PUBLIC_URL}${path}\\S*`).exec(text)?.[0];
  if (!found) throw new Error(`no ${path} link in: ${text}`);
  return found.slice(PUBLIC_URL.length);
}

describe("account created", () => {
  it("tells a user an administrator adds that the account exists, with a link to choose a password and never the password", async () => {
    const email = uniqueEmail("new.user");
    const { response } = await postForm(t.app, "/users/new", "/users", admin, {
      email,
      name: "Nadia Newcomer",
      roles: "commissioner",
    });
    expect(response.statusCode).toBe(200);
    const generatedPassword = html(response.body)("#generated-password").text().trim();
    expect(generatedPassword.length).toBeGreaterThan(10);

    await deliverDue();
    const [delivered, ...more] = mailTo(email);
    expect(more).toHaveLength(0);
    expect(delivered?.from).toBe("noreply@council.test.example");
    expect(delivered?.subject).toBe("You have a Commissioner account");
    const text = delivered?.text ?? "";
    expect(text).toContain(`${PUBLIC_URL}/sign-in`);
    expect(text).not.toContain(generatedPassword);
    expect(text).not.toContain("Nadia");

    // Once sent, the outbox keeps no usable link.
    const [stored] = await messagesTo(email);
    expect(stored).toMatchObject({ status: "sent", attempts: 1, lastError: null });
    expect(JSON.stringify(stored?.personalisation)).not.toContain("token=");

    // The link sets their own password, once.
    const link = linkIn(text, "/reset-password");
    const form = await t.app.inject({ url: link });
    expect(html(form.body)("h1").text()).toBe("Choose a new password");
    const chosen = await postForm(
      t.app,
      link,
      "/reset-password",
      {},
      {
        token: new URL(link, PUBLIC_URL).searchParams.get("token") ?? "",
        newPassword: "my very own passphrase",
        confirmPassword: "my very own passphrase",
      },
    );
    expect(chosen.response.headers.location).toBe("/sign-in");
    await signIn(t.app, email, "my very own passphrase");
    const again = await t.app.inject({ url: link });
    expect(html(again.body)("h1").text()).toBe("The link has expired or has been used");
  });

  it("tells a user made with the command line's use case the same way", async () => {
    const email = uniqueEmail("cli.user");
    await t.services.users.create(SYSTEM_ACTOR, {
      email,
      name: "Cli User",
      roles: ["commissioner"],
      organisationCode: undefined,
    });
    const [message] = await messagesTo(email);
    expect(message).toMatchObject({ templateKey: "account-created", status: "pending" });
    expect(Object.keys(message?.personalisation ?? {}).sort()).toEqual([
      "hours",
      "setPasswordLink",
      "signInLink",
    ]);
  });

  it("sends nothing when the change that would cause the message rolls back", async () => {
    const taken = await createUser(t.services, ["commissioner"]);
    const before = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { email: taken.email, name: "Someone Else", roles: ["commissioner"] },
    });
    expect(response.statusCode).toBe(409);
    const after = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(outbox);
    expect(after[0]?.n).toBe(before[0]?.n);

    const email = uniqueEmail("rolled.back");
    const deliveryJobs = () =>
      t.database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(jobs)
        .where(eq(jobs.kind, DELIVER_MESSAGE_JOB));
    const [jobsBefore] = await deliveryJobs();
    await expect(
      t.database.db.transaction(async (tx) => {
        await enqueueMessage(tx, {
          templateKey: "password-reset",
          recipient: email,
          personalisation: { link: "https://x.example/reset", minutes: "30" },
        });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await messagesTo(email)).toHaveLength(0);
    expect(await deliveryJobs()).toEqual([jobsBefore]);
  });
});

describe("forgot your password", () => {
  it("links from the sign-in page to a form that answers the same whether or not the account exists", async () => {
    const signInPage = html((await t.app.inject({ url: "/sign-in" })).body);
    expect(signInPage('a[href="/forgot-password"]').text()).toBe("Forgot your password?");

    const user = await createUser(t.services, ["commissioner"]);
    const nobody = uniqueEmail("nobody");
    const known = await postForm(t.app, "/forgot-password", "/forgot-password", {}, { email: user.email });
    const unknown = await postForm(t.app, "/forgot-password", "/forgot-password", {}, { email: nobody });
    expect(known.response.statusCode).toBe(303);
    expect(unknown.response.statusCode).toBe(303);
    expect(known.response.headers.location).toBe(unknown.response.headers.location);
    const sent = await t.app.inject({ url: String(known.response.headers.location) });
    expect(html(sent.body)("h1").text()).toBe("Check your email");
    expect(sent.body).not.toContain(user.email);

    expect(await messagesTo(nobody)).toHaveLength(0);
    const [reset] = (await messagesTo(user.email)).filter((m) => m.templateKey === "password-reset");
    expect(reset?.status).toBe("pending");
  });

  it("refuses an email address that is not one, saying so", async () => {
    const { response, cookies } = await postForm(
      t.app,
      "/forgot-password",
      "/forgot-password",
      {},
      {
        email: "not an address",
      },
    );
    expect(response.headers.location).toBe("/forgot-password");
    const page = html((await t.app.inject({ url: "/forgot-password", cookies })).body);
    expect(page(".govuk-error-summary").text()).toContain("Enter an email address in the correct format");
    expect(page("#email").val()).toBe("not an address");
  });

  it("emails a single-use link that sets a new password, ends every session and is audited", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const session = await signIn(t.app, user.email);
    expect((await t.app.inject({ url: "/account", cookies: session })).statusCode).toBe(200);

    await postForm(t.app, "/forgot-password", "/forgot-password", {}, { email: user.email.toUpperCase() });
    await deliverDue();
    const delivered = mailTo(user.email).find((m) => m.subject === "Reset your Commissioner password");
    expect(delivered?.text).toContain("within 30 minutes");
    const link = linkIn(delivered?.text ?? "", "/reset-password");
    const token = new URL(link, PUBLIC_URL).searchParams.get("token") ?? "";

    // The same rules as "Change your password"; refused input changes nothing.
    const short = await postForm(
      t.app,
      link,
      "/reset-password",
      {},
      {
        token,
        newPassword: "short",
        confirmPassword: "short",
      },
    );
    expect(short.response.statusCode).toBe(400);
    expect(html(short.response.body)(".govuk-error-summary").text()).toContain("12 characters or more");
    const mismatch = await postForm(
      t.app,
      link,
      "/reset-password",
      {},
      {
        token,
        newPassword: "a long enough passphrase",
        confirmPassword: "another long passphrase",
      },
    );
    expect(html(mismatch.response.body)(".govuk-error-summary").text()).toContain(
      "The passwords do not match",
    );
    expect((await t.app.inject({ url: "/account", cookies: session })).statusCode).toBe(200);

    const done = await postForm(
      t.app,
      link,
      "/reset-password",
      {},
      {
        token,
        newPassword: "a long enough passphrase",
        confirmPassword: "a long enough passphrase",
      },
    );
    expect(done.response.statusCode).toBe(303);
    expect(done.response.headers.location).toBe("/sign-in");
    const signInPage = await t.app.inject({ url: "/sign-in", cookies: done.cookies });
    expect(html(signInPage.body)(".govuk-notification-banner").text()).toContain(
      "Your password has been changed",
    );

    // The session signed in before the reset has ended; the old password no longer works.
    const old = await t.app.inject({ url: "/account", cookies: session });
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toContain("/sign-in");
    await expect(signIn(t.app, user.email, TEST_PASSWORD)).rejects.toThrow("sign-in refused");
    await signIn(t.app, user.email, "a long enough passphrase");

    // Single use.
    const reused = await postForm(
      t.app,
      "/forgot-password",
      "/reset-password",
      {},
      {
        token,
        newPassword: "yet another passphrase",
        confirmPassword: "yet another passphrase",
      },
    );
    expect(html(reused.response.body)("h1").text()).toBe("The link has expired or has been used");

    const records = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "user"), eq(auditEvents.entityId, user.id)))
      .orderBy(auditEvents.seq);
    const reset = records.find((r) => r.action === "password-reset");
    expect(records.map((r) => r.action)).toContain("password-reset-requested");
    expect(reset?.actorId).toBe(user.id);
    expect(reset?.summary).toEqual({ sessionsEnded: 1 });
    expect(JSON.stringify(records)).not.toContain(token);
  });

  it("throttles requests for one address", async () => {
    const email = uniqueEmail("throttled");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await postForm(t.app, "/forgot-password", "/forgot-password", {}, { email });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
  });

  it("says a link that is unknown has expired or been used", async () => {
    const page = await t.app.inject({ url: "/reset-password?token=not-a-real-token" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(html(page.body)('a[href="/forgot-password"]').text()).toBe("Ask for a new link");
  });
});

describe("a decision awaits your body", () => {
  async function addMember(bodyCode: string, userId: string, role: "chair" | "member" | "officer") {
    const [body] = await t.database.db
      .select()
      .from(governanceBodies)
      .where(eq(governanceBodies.code, bodyCode));
    if (!body) throw new Error(`no body ${bodyCode}`);
    await asFixture(t.database.db, (tx) =>
      tx.insert(governanceMembers).values({ bodyId: body.id, userId, role }),
    );
  }

  it("asks each person of the bodies that must approve an uploaded document, again for a new version", async () => {
    const commissioner = await createUser(t.services, ["commissioner"]);
    const token = await apiTokenFor(t.services, commissioner.id);
    const chair = await createUser(t.services, ["board-member"]);
    const clerk = await createUser(t.services, ["authorised-officer"]);
    const boardMember = await createUser(t.services, ["board-member"]);
    await addMember("JCG", chair.id, "chair");
    await addMember("JCG", clerk.id, "officer");
    await addMember("KDAAT_BOARD", boardMember.id, "member");
    // Only who sits on the body today is asked: not a member whose term has ended, nor one yet to start.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const former = await createUser(t.services, ["board-member"]);
    const joiningLater = await createUser(t.services, ["board-member"]);
    await addMembership(t.database, "JCG", former.id, "member", { from: "2024-04-01", to: day(-2) });
    await addMembership(t.database, "JCG", joiningLater.id, "member", { from: day(2) });
    const project = await createProjectThroughApi(t.app, token, { title: "Community recovery hubs" });
    expect(await messagesTo(chair.email)).toHaveLength(1); // only the account-created message

    const upload = async () => {
      const form = multipartForm(
        { kind: "needs-assessment", title: "Needs assessment 2026" },
        {
          filename: "na.pdf",
          contentType: "application/pdf",
          data: `%PDF-1.4\n% ${randomBytes(4).toString("hex")}\n%%EOF\n`,
        },
      );
      const response = await t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${project.id}/documents`,
        headers: { authorization: `Bearer ${token}`, ...form.headers },
        payload: form.payload,
      });
      expect(response.statusCode).toBe(201);
    };
    await upload();
    const awaited = async (email: string) =>
      (await messagesTo(email)).filter((m) => m.templateKey === "decision-awaited");
    for (const person of [chair, clerk, boardMember]) expect(await awaited(person.email)).toHaveLength(1);
    expect((await awaited(chair.email))[0]?.personalisation).toEqual({
      bodyName: "Joint Commissioning Groups",
      projectTitle: "Community recovery hubs",
      what: "Approve the needs assessment (version 1)",
      paragraph: "§3.4",
      link: `${PUBLIC_URL}/governance/JCG/awaiting`,
    });
    expect(await awaited(commissioner.email)).toHaveLength(0);
    expect(await awaited(former.email)).toHaveLength(0);
    expect(await awaited(joiningLater.email)).toHaveLength(0);

    await deliverDue();
    const delivered = mailTo(boardMember.email).find((m) => m.subject.startsWith("A decision awaits"));
    expect(delivered?.subject).toContain("Community recovery hubs");
    expect(delivered?.text).toContain("Approve the needs assessment (version 1)");
    expect(delivered?.text).toContain(`${PUBLIC_URL}/governance/KDAAT_BOARD/awaiting`);

    await upload();
    const second = await awaited(chair.email);
    expect(second).toHaveLength(2);
    expect(second[0]?.personalisation.what).toBe("Approve the needs assessment (version 2)");
  });
});

describe("a decision awaits your body, on entering a stage", () => {
  it("asks the bodies of the new stage's gate about a document already uploaded", async () => {
    const commissioner = await createUser(t.services, ["commissioner"]);
    const token = await apiTokenFor(t.services, commissioner.id);
    const chair = await createUser(t.services, ["board-member"]);
    const boardMember = await createUser(t.services, ["board-member"]);
    // Members since before the meeting below, so that they may record its decisions.
    await addMembership(t.database, "JCG", chair.id, "member", { from: "2026-01-01" });
    await addMembership(t.database, "KDAAT_BOARD", boardMember.id, "member", { from: "2026-01-01" });
    const project = await createProjectThroughApi(t.app, token, { title: "Supported housing review" });
    const api = (
      url: string,
      bearer: string,
      payload?: Buffer | Record<string, unknown>,
      headers: Record<string, string> = {},
    ) =>
      t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${project.id}${url}`,
        headers: { authorization: `Bearer ${bearer}`, ...headers },
        ...(payload === undefined ? {} : { payload }),
      });
    const upload = async (kind: string) => {
      const form = multipartForm(
        { kind, title: kind },
        {
          filename: "d.pdf",
          contentType: "application/pdf",
          data: `%PDF-1.4\n% ${randomBytes(4).toString("hex")}\n%%EOF\n`,
        },
      );
      const response = await api("/documents", token, form.payload, form.headers);
      expect(response.statusCode).toBe(201);
      return response.json<{ id: string }>().id;
    };
    const needsAssessment = await upload("needs-assessment");
    // The business case is ready early: Stage 1's gate does not ask about it, so nobody is asked yet.
    await upload("business-case");
    const asked = async (email: string) =>
      (await messagesTo(email))
        .filter((m) => m.templateKey === "decision-awaited")
        .map((m) => m.personalisation.what);
    expect(await asked(chair.email)).toEqual(["Approve the needs assessment (version 1)"]);

    for (const [bodyCode, person] of [
      ["JCG", chair],
      ["KDAAT_BOARD", boardMember],
    ] as const) {
      const bearer = await apiTokenFor(t.services, person.id);
      const recorded = await api("/decisions", bearer, {
        subjectId: needsAssessment,
        bodyCode,
        decision: "approved",
        decidedOn: "2026-11-02",
        minutesRef: `${bodyCode}/2026/11`,
      });
      expect(recorded.statusCode, recorded.body).toBe(201);
    }
    const advanced = await api("/advance", token, { version: 1 });
    expect(advanced.statusCode, advanced.body).toBe(200);
    expect(await asked(chair.email)).toEqual([
      "Approve the business case (version 1)",
      "Approve the needs assessment (version 1)",
    ]);
    expect((await asked(boardMember.email))[0]).toBe("Approve the business case (version 1)");
  });
});

describe("delivery", () => {
  it("retries a failing mail server with growing back-off, then marks the message failed", async () => {
    const email = uniqueEmail("unlucky");
    const id = await t.database.db.transaction((tx) =>
      enqueueMessage(tx, {
        templateKey: "password-reset",
        recipient: email,
        personalisation: { link: `${PUBLIC_URL}/reset-password?token=abc`, minutes: "30" },
      }),
    );
    const job = async () => {
      const [row] = await t.database.db
        .select()
        .from(jobs)
        .where(sql`${jobs.payload}->>'messageId' = ${id}`);
      if (!row) throw new Error("no delivery job");
      return row;
    };
    mail.state.failing = true;
    try {
      const delays: number[] = [];
      for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
        await deliverDue();
        const [message] = await messagesTo(email);
        const queued = await job();
        expect(message?.attempts).toBe(attempt);
        if (attempt < DELIVERY_ATTEMPTS) {
          expect(message?.status).toBe("pending");
          expect(queued.status).toBe("queued");
          delays.push(Math.round((queued.runAt.getTime() - (message?.lastAttemptAt?.getTime() ?? 0)) / 1000));
          // Time passes: the retry falls due.
          await t.database.db.update(jobs).set({ runAt: new Date() }).where(eq(jobs.id, queued.id));
        } else {
          expect(message?.status).toBe("failed");
          expect(queued.status).toBe("failed");
        }
        expect(message?.lastError).toContain("451");
        expect(message?.lastError).not.toContain("@");
        expect(queued.lastError).not.toContain("@");
      }
      expect(delays.slice(0, 3)).toEqual([10, 20, 40]);
      const [failed] = await messagesTo(email);
      expect(JSON.stringify(failed?.personalisation)).not.toContain("token=abc");
      expect(mailTo(email)).toHaveLength(0);
    } finally {
      mail.state.failing = false;
    }
  });
});

describe("the outbox page", () => {
  it("lists messages newest first for administrators, and shows one", async () => {
    const email = uniqueEmail("listed");
    await t.services.users.create(SYSTEM_ACTOR, {
      email,
      name: "Listed Person",
      roles: ["commissioner"],
      organisationCode: undefined,
    });
    const page = await t.app.inject({ url: "/outbox", cookies: admin });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($("h1").text()).toBe("Outbox");
    const first = $("#outbox tbody tr").first();
    expect(first.text()).toContain(email);
    expect(first.text()).toContain("Your new account");
    expect(first.text()).toContain("Waiting to be sent");

    const shown = await t.app.inject({ url: String(first.find("a").attr("href")), cookies: admin });
    expect(shown.statusCode).toBe(200);
    expect(shown.headers["cache-control"]).toBe("no-store");
    const one = html(shown.body);
    expect(one("h1").text()).toBe("You have a Commissioner account");
    expect(one("#message-body").text()).toContain(`${PUBLIC_URL}/sign-in`);
    expect(one("#delivery").text()).toContain(email);
  });

  it("is for administrators only", async () => {
    const commissioner = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, commissioner.email);
    expect((await t.app.inject({ url: "/outbox", cookies })).statusCode).toBe(403);
    expect((await t.app.inject({ url: "/outbox" })).statusCode).toBe(303);
    const [any] = await t.database.db.select({ id: outbox.id }).from(outbox).limit(1);
    expect((await t.app.inject({ url: `/outbox/${any?.id ?? ""}`, cookies })).statusCode).toBe(403);
  });

  it("answers 404 for a message or a page that does not exist", async () => {
    expect((await t.app.inject({ url: "/outbox/not-an-id", cookies: admin })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/outbox/${crypto.randomUUID()}`, cookies: admin })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ url: "/outbox?page=999", cookies: admin })).statusCode).toBe(404);
  });
});
