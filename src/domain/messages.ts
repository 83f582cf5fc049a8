import { isDocumentKind, type Gate, type MissingOutput } from "./stages.js";
import { isOneOf } from "./codes.js";

/**
 * The messages the service sends by email (README, Configuration). Each template names the
 * personalisation it needs and no more: no names, roles or other personal data beyond the address
 * it goes to. The same keys name the GOV.UK Notify templates; the text below is what SMTP sends.
 */
export const MESSAGE_TEMPLATE_KEYS = [
  "decision-awaited",
  "password-reset",
  "account-created",
  "email-verification",
  "supplier-colleague-added",
  "tender-addendum",
  "clarification-answered",
  "submission-receipt",
  "tender-deadline-reminder",
  "pqq-outcome",
  "itt-invitation",
] as const;
export type MessageTemplateKey = (typeof MESSAGE_TEMPLATE_KEYS)[number];

export type Personalisation = Record<string, string>;

interface MessageTemplate {
  /** Every field the text uses; a message without one of them is refused when it is queued. */
  fields: readonly string[];
  /** Fields that unlock something (a password link): removed from the outbox once delivered. */
  secretFields: readonly string[];
  subject: (p: Personalisation) => string;
  body: (p: Personalisation) => string;
}

const SIGN_OFF = "\n\nCommissioned Services\n\nThis is an automatic message: replies are not read.";

export const MESSAGE_TEMPLATES: Record<MessageTemplateKey, MessageTemplate> = {
  // §2: each governance body decides what its stage gates ask of it.
  "decision-awaited": {
    fields: ["bodyName", "projectTitle", "what", "paragraph", "link"],
    secretFields: [],
    subject: (p) => `A decision awaits ${p.bodyName ?? ""}: ${p.projectTitle ?? ""}`,
    body: (p) =>
      `The commissioning project "${p.projectTitle ?? ""}" needs a decision of ${p.bodyName ?? ""} ` +
      `before it can move on (${p.paragraph ?? ""}):\n\n${p.what ?? ""}\n\n` +
      `See everything that awaits ${p.bodyName ?? ""}:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  "password-reset": {
    fields: ["link", "minutes"],
    secretFields: ["link"],
    subject: () => "Reset your Commissioner password",
    body: (p) =>
      `Someone asked to reset the password of the Commissioner account for this email address.\n\n` +
      `To choose a new password, open this link within ${p.minutes ?? ""} minutes. It works once:\n` +
      `${p.link ?? ""}\n\n` +
      `If you did not ask for this, you can ignore this email: your password has not changed.${SIGN_OFF}`,
  },
  "account-created": {
    fields: ["signInLink", "setPasswordLink", "hours"],
    secretFields: ["setPasswordLink"],
    subject: () => "You have a Commissioner account",
    body: (p) =>
      `An administrator has made you an account on Commissioner, the commissioning service. ` +
      `You sign in with this email address at:\n${p.signInLink ?? ""}\n\n` +
      `To choose your own password, open this link within ${p.hours ?? ""} hours. It works once:\n` +
      `${p.setPasswordLink ?? ""}\n\n` +
      `If your administrator gave you a first password, you can sign in with it instead and change it ` +
      `on "Your account".${SIGN_OFF}`,
  },
  // A supplier that registers itself proves its address before it can take part (docs/tendering.md).
  "email-verification": {
    fields: ["link", "hours"],
    secretFields: ["link"],
    subject: () => "Confirm your email address for Commissioner",
    body: (p) =>
      `Someone registered a supplier on Commissioner with this email address.\n\n` +
      `To confirm it is yours and choose your password, open this link within ${p.hours ?? ""} hours. ` +
      `It works once:\n${p.link ?? ""}\n\n` +
      `If this was not you, you can ignore this email: nothing happens without the link.${SIGN_OFF}`,
  },
  "supplier-colleague-added": {
    fields: ["organisationName", "link", "hours"],
    secretFields: ["link"],
    subject: (p) => `You have been added to ${p.organisationName ?? ""} on Commissioner`,
    body: (p) =>
      `A colleague added you to ${p.organisationName ?? ""} on Commissioner, where the council publishes ` +
      `its tenders.\n\nTo confirm your address and choose your password, open this link within ` +
      `${p.hours ?? ""} hours. It works once:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  // App C 5.5: a change after publication reaches every supplier that registered interest.
  "tender-addendum": {
    fields: ["tenderReference", "tenderTitle", "summary", "link"],
    secretFields: [],
    subject: (p) => `Change to tender ${p.tenderReference ?? ""}: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `The council has changed the tender "${p.tenderTitle ?? ""}" (${p.tenderReference ?? ""}):\n\n` +
      `${p.summary ?? ""}\n\nSee the tender and its documents:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  // App C 5.5: answers go to every bidder without naming who asked.
  "clarification-answered": {
    fields: ["tenderReference", "tenderTitle", "number", "link"],
    secretFields: [],
    subject: (p) => `Clarification ${p.number ?? ""} answered: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `A clarification question on the tender "${p.tenderTitle ?? ""}" (${p.tenderReference ?? ""}) ` +
      `has been answered (number ${p.number ?? ""}).\n\nRead the question and its answer:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  "submission-receipt": {
    fields: ["tenderReference", "tenderTitle", "submittedAt", "sha256", "link"],
    secretFields: [],
    subject: (p) => `Receipt for your submission: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `Your submission to the tender "${p.tenderTitle ?? ""}" (${p.tenderReference ?? ""}) was received ` +
      `at ${p.submittedAt ?? ""}.\n\nIts SHA-256 fingerprint is:\n${p.sha256 ?? ""}\n\n` +
      `It stays sealed until the opening. Download the receipt, which lists every file:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  "tender-deadline-reminder": {
    fields: ["tenderReference", "tenderTitle", "deadline", "link"],
    secretFields: [],
    subject: (p) => `Tender closes ${p.deadline ?? ""}: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `The tender "${p.tenderTitle ?? ""}" (${p.tenderReference ?? ""}) closes at ${p.deadline ?? ""}. ` +
      `Submissions after the deadline are refused.\n\nSee the tender:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  // App C 5.3: bidders are told the outcome of the PQQ.
  "pqq-outcome": {
    fields: ["tenderReference", "tenderTitle", "outcome", "link"],
    secretFields: [],
    subject: (p) => `Pre-qualification outcome: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `The council has evaluated the pre-qualification questionnaires for "${p.tenderTitle ?? ""}" ` +
      `(${p.tenderReference ?? ""}).\n\n${p.outcome ?? ""}\n\nSee the tender:\n${p.link ?? ""}${SIGN_OFF}`,
  },
  // App C 5.4: tenders are invited from those qualifying at the PQQ stage.
  "itt-invitation": {
    fields: ["tenderReference", "tenderTitle", "deadline", "link"],
    secretFields: [],
    subject: (p) => `Invitation to tender: ${p.tenderTitle ?? ""}`,
    body: (p) =>
      `You are invited to tender for "${p.tenderTitle ?? ""}" (${p.tenderReference ?? ""}). ` +
      `Tenders close at ${p.deadline ?? ""}.\n\nSee the invitation and its documents:\n${p.link ?? ""}${SIGN_OFF}`,
  },
};

export function isMessageTemplateKey(value: string): value is MessageTemplateKey {
  return isOneOf(MESSAGE_TEMPLATE_KEYS, value);
}

/** The fields a message of this template lacks (empty when it can be sent). */
export function missingFields(key: MessageTemplateKey, personalisation: Personalisation): string[] {
  return MESSAGE_TEMPLATES[key].fields.filter((field) => !personalisation[field]);
}

/** The message as SMTP sends it: subject and plain-text body. */
export function renderMessage(key: MessageTemplateKey, personalisation: Personalisation) {
  const template = MESSAGE_TEMPLATES[key];
  return { subject: template.subject(personalisation), body: template.body(personalisation) };
}

/** What is kept of a delivered message: its secret fields (a single-use link) are removed. */
export function withoutSecrets(key: MessageTemplateKey, personalisation: Personalisation): Personalisation {
  const secret = MESSAGE_TEMPLATES[key].secretFields;
  return Object.fromEntries(
    Object.entries(personalisation).map(([field, value]) => [
      field,
      secret.includes(field) ? "(removed once sent)" : value,
    ]),
  );
}

/** The environment variable holding the GOV.UK Notify template id of a message (README). */
export function notifyTemplateVariable(key: MessageTemplateKey): string {
  return `NOTIFY_TEMPLATE_${key.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * An approval a body can decide now: what it must approve exists (a document's version is uploaded;
 * the procurement plan is a decision on the project itself, §3.10).
 */
function decidableNow(m: MissingOutput): boolean {
  return (
    m.kind === "approval" &&
    m.bodyCode !== undefined &&
    (m.version !== undefined || !isDocumentKind(m.output))
  );
}

function approvalKey(m: MissingOutput): string {
  return `${m.bodyCode ?? ""}|${m.output}|${String(m.version ?? "")}`;
}

/**
 * The approvals a change made decidable (§2, §3.4–3.10): in the gate after the change, and not
 * already awaited before it. A new version of a document asks again; a rejection does not.
 * `before` is null for a project that did not exist.
 */
export function newlyAwaitedDecisions(before: Gate | null, after: Gate): MissingOutput[] {
  const awaited = new Set((before?.missing ?? []).filter(decidableNow).map(approvalKey));
  return after.missing.filter((m) => decidableNow(m) && !awaited.has(approvalKey(m)));
}
