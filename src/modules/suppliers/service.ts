import { createHash, createHmac, randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, Executor } from "../../db/client.js";
import { emailVerifications, passwordResetRequests, users } from "../../db/schema/index.js";
import type { Actor } from "../../domain/policy.js";
import { ConflictError, ForbiddenError } from "../../errors.js";
import { hashPassword } from "../accounts/service.js";
import { recordAudit } from "../audit/service.js";
import { enqueueMessage } from "../notifications/service.js";
import { addOrganisation, isUniqueViolation } from "../organisations/service.js";
import { supplierPaths } from "./paths.js";
import type { ColleagueInput, SupplierRegistration } from "./inputs.js";
import { presentColleague } from "./presenter.js";
import {
  colleaguesOf,
  liveVerification,
  organisationNameTaken,
  recentLinkRequests,
  supplierOrganisation,
  userWithEmail,
} from "./queries.js";

/**
 * Supplier accounts (docs/tendering.md, supplier accounts; App C 5.1: the advert reaches suppliers who
 * then take part). A supplier registers itself, proves its address through a single-use link and
 * chooses its password there; a supplier's user adds colleagues to their own organisation only.
 */

/** How long a link lasts, and how often one may be asked for: held as data so the policy can be read. */
export const SUPPLIER_LINK_LIMITS = {
  linkHours: 48,
  /** Registrations and new links asked for from one source address in the window. */
  requestsPerSourcePerWindow: 10,
  /** New links asked for one address in the window. */
  requestsPerEmailPerWindow: 3,
  /** The request log is purged after this many minutes (the password resets' purge), so no longer. */
  windowMinutes: 15,
};

const ROLE = "supplier-user";

export const DUPLICATE_NAME_MESSAGE =
  "An organisation with this name is already registered. If it is yours, ask a colleague who has an account to add you";
const COLLEAGUE_HAS_ACCOUNT =
  "This email address already has an account. If they should be in your organisation, ask the council to move them";

export type LinkRequestOutcome = "answered" | "throttled";
export type ChoosePasswordOutcome = { kind: "verified"; email: string } | { kind: "invalid" };

/** What the use cases share: the database, the secret throttle keys are made with, the service's address. */
interface Suppliers {
  db: Db;
  secret: string;
  publicUrl: string;
}

/** Who registers: someone at the public form, not (yet) known to own the address. */
const REGISTRATION_ACTOR: Actor = {
  id: null,
  label: "supplier registration form (not signed in)",
  roles: [],
  organisationId: null,
};

/** Who a change made through a link is recorded as: the person the link was sent to, who alone holds it. */
function ownerActor(person: { userId: string; name: string; email: string; organisationId: string | null }) {
  return {
    id: person.userId,
    label: `${person.name} <${person.email}>`,
    roles: [ROLE],
    organisationId: person.organisationId,
  } satisfies Actor;
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");
const keyed = (secret: string, value: string) => createHmac("sha256", secret).update(value).digest("hex");

/**
 * Makes a single-use link to confirm the address and choose a password, on the caller's transaction;
 * only the token's SHA-256 is stored. Any earlier link of the person stops working.
 */
async function issueLink(tx: Executor, publicUrl: string, userId: string): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await tx
    .update(emailVerifications)
    .set({ usedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(emailVerifications.userId, userId), isNull(emailVerifications.usedAt)));
  await tx.insert(emailVerifications).values({
    userId,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(Date.now() + SUPPLIER_LINK_LIMITS.linkHours * 3_600_000),
  });
  return `${publicUrl}${supplierPaths.verify}?token=${token}`;
}

/**
 * Counts a request for a link from this source (and for this address); "throttled" when either has
 * asked too often in the window. Every request counts, for an address that has an account or not.
 */
async function admitLinkRequest(
  { db, secret }: Suppliers,
  purpose: string,
  email: string,
  ip: string,
): Promise<boolean> {
  const sourceHash = keyed(secret, `supplier-link-source:${ip}`);
  const emailHash = keyed(secret, `supplier-${purpose}-email:${email}`);
  const since = new Date(Date.now() - SUPPLIER_LINK_LIMITS.windowMinutes * 60_000);
  const recent = await recentLinkRequests(db, sourceHash, emailHash, since);
  if (
    recent.fromSource >= SUPPLIER_LINK_LIMITS.requestsPerSourcePerWindow ||
    recent.forEmail >= SUPPLIER_LINK_LIMITS.requestsPerEmailPerWindow
  )
    return false;
  await db.insert(passwordResetRequests).values({ sourceHash, emailHash });
  return true;
}

/** Adds a supplier user without a password, with the link that confirms the address; returns the link. */
async function addPerson(
  tx: Executor,
  publicUrl: string,
  actor: Actor,
  person: { name: string; email: string; organisationId: string },
  how: "registered" | "added-by-colleague",
) {
  const [row] = await tx
    .insert(users)
    .values({ ...person, roles: [ROLE], passwordHash: null, emailVerifiedAt: null })
    .returning({ id: users.id });
  if (!row) throw new Error("user not stored");
  await recordAudit(tx, actor, {
    entityType: "user",
    entityId: row.id,
    action: "created",
    summary: { ...person, roles: [ROLE], how },
  });
  return { userId: row.id, link: await issueLink(tx, publicUrl, row.id) };
}

/**
 * Registers a supplier and its first user, and emails the link that confirms the address. A name
 * already registered is refused on the name field (409). An address that already has an account gets
 * the same answer as a new one and nothing is created or sent, so the form does not tell who has an
 * account (the person signs in, or asks for a password reset, as they would anyway).
 */
async function register(
  suppliers: Suppliers,
  input: SupplierRegistration,
  ip: string,
): Promise<LinkRequestOutcome> {
  const { db, publicUrl } = suppliers;
  if (!(await admitLinkRequest(suppliers, "registration", input.contactEmail, ip))) return "throttled";
  const nameTaken = () =>
    new ConflictError(DUPLICATE_NAME_MESSAGE, [{ path: "name", message: DUPLICATE_NAME_MESSAGE }]);
  try {
    await db.transaction(async (tx) => {
      if (await organisationNameTaken(tx, input.name)) throw nameTaken();
      if (await userWithEmail(tx, input.contactEmail)) return;
      const organisation = await addOrganisation(
        tx,
        REGISTRATION_ACTOR,
        {
          name: input.name,
          kind: "supplier",
          code: undefined,
          companyNumber: input.companyNumber,
          charityNumber: input.charityNumber,
          address: input.address,
          sme: input.sme,
          vcse: input.vcse,
          contactEmail: input.contactEmail,
        },
        { how: "registered", ...(input.noNumberReason ? { noNumberReason: input.noNumberReason } : {}) },
      );
      const { link } = await addPerson(
        tx,
        publicUrl,
        REGISTRATION_ACTOR,
        { name: input.contactName, email: input.contactEmail, organisationId: organisation.id },
        "registered",
      );
      await enqueueMessage(tx, {
        templateKey: "email-verification",
        recipient: input.contactEmail,
        personalisation: { link, hours: String(SUPPLIER_LINK_LIMITS.linkHours) },
      });
    });
  } catch (error) {
    // Two registrations raced past the checks: the unique indexes decide, and the answer is the same.
    if (!isUniqueViolation(error)) throw error;
    if (await organisationNameTaken(db, input.name)) throw nameTaken();
  }
  return "answered";
}

/**
 * A new link for an address not yet confirmed (the old one expired or was lost). The same answer
 * whether or not there is such an account; only throttling shows, and it counts every request.
 */
async function sendNewLink(suppliers: Suppliers, email: string, ip: string): Promise<LinkRequestOutcome> {
  const { db, publicUrl } = suppliers;
  if (!(await admitLinkRequest(suppliers, "new-link", email, ip))) return "throttled";
  await db.transaction(async (tx) => {
    const person = await userWithEmail(tx, email);
    if (!person?.active || person.emailVerifiedAt || !person.roles.includes(ROLE)) return;
    const link = await issueLink(tx, publicUrl, person.id);
    await enqueueMessage(tx, {
      templateKey: "email-verification",
      recipient: person.email,
      personalisation: { link, hours: String(SUPPLIER_LINK_LIMITS.linkHours) },
    });
    await recordAudit(tx, REGISTRATION_ACTOR, {
      entityType: "user",
      entityId: person.id,
      action: "verification-link-sent",
      summary: { hours: SUPPLIER_LINK_LIMITS.linkHours },
    });
  });
  return "answered";
}

/**
 * Confirms the address and sets the password through a live link: the link is spent (with any other
 * of the person's), the address is marked verified, and the change is audited.
 */
async function choosePassword(db: Db, token: string, password: string): Promise<ChoosePasswordOutcome> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx): Promise<ChoosePasswordOutcome> => {
    const live = await liveVerification(tx, sha256Hex(token), true);
    if (!live) return { kind: "invalid" };
    await tx
      .update(emailVerifications)
      .set({ usedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(emailVerifications.userId, live.userId), isNull(emailVerifications.usedAt)));
    await tx
      .update(users)
      .set({
        passwordHash,
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
        failedSignIns: 0,
        lockedUntil: null,
        updatedAt: new Date(),
        version: sql`${users.version} + 1`,
      })
      .where(eq(users.id, live.userId));
    await recordAudit(tx, ownerActor(live), {
      entityType: "user",
      entityId: live.userId,
      action: "email-verified",
      summary: { passwordChosen: true },
    });
    return { kind: "verified", email: live.email };
  });
}

/** The supplier organisation of the signed-in supplier user; 403 when their account has none. */
async function ownOrganisation(ex: Executor, actor: Actor) {
  const organisation = actor.organisationId ? await supplierOrganisation(ex, actor.organisationId) : null;
  if (!organisation) {
    throw new ForbiddenError(
      "Your account does not belong to a supplier organisation. Ask the council's administrator to link it to yours",
    );
  }
  return organisation;
}

/** The people of the signed-in supplier user's own organisation: never another's. */
async function colleagues(db: Db, actor: Actor) {
  const organisation = await ownOrganisation(db, actor);
  const rows = await colleaguesOf(db, organisation.id);
  return { organisation, items: rows.map(presentColleague) };
}

/**
 * Adds a colleague to the signed-in supplier user's own organisation and emails them the link that
 * confirms their address and chooses their password. An address that has an account is refused (409).
 */
async function addColleague(suppliers: Suppliers, actor: Actor, input: ColleagueInput) {
  const { db, publicUrl } = suppliers;
  const hasAccount = () =>
    new ConflictError(COLLEAGUE_HAS_ACCOUNT, [{ path: "email", message: COLLEAGUE_HAS_ACCOUNT }]);
  try {
    return await db.transaction(async (tx) => {
      const organisation = await ownOrganisation(tx, actor);
      if (await userWithEmail(tx, input.email)) throw hasAccount();
      const { userId, link } = await addPerson(
        tx,
        publicUrl,
        actor,
        { name: input.name, email: input.email, organisationId: organisation.id },
        "added-by-colleague",
      );
      await enqueueMessage(tx, {
        templateKey: "supplier-colleague-added",
        recipient: input.email,
        personalisation: {
          organisationName: organisation.name,
          link,
          hours: String(SUPPLIER_LINK_LIMITS.linkHours),
        },
      });
      const [added] = (await colleaguesOf(tx, organisation.id)).filter((c) => c.id === userId);
      if (!added) throw new Error("colleague not stored");
      return presentColleague(added);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw hasAccount();
    throw error;
  }
}

/** Supplier accounts: registering, confirming an address, and a supplier's colleagues. */
export function createSuppliersService(db: Db, secret: string, publicUrl: string) {
  const suppliers: Suppliers = { db, secret, publicUrl };
  return {
    register: (input: SupplierRegistration, ip: string) => register(suppliers, input, ip),
    sendNewLink: (email: string, ip: string) => sendNewLink(suppliers, email, ip),
    /** Whether a link can still be used (the page shows the password form, or says how to get a new one). */
    linkIsLive: async (token: string) => (await liveVerification(db, sha256Hex(token))) !== null,
    choosePassword: (token: string, password: string) => choosePassword(db, token, password),
    colleagues: (actor: Actor) => colleagues(db, actor),
    addColleague: (actor: Actor, input: ColleagueInput) => addColleague(suppliers, actor, input),
  };
}
