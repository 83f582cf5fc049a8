import nodemailer from "nodemailer";
import { NotifyClient } from "notifications-node-client";
import type { MailConfig } from "../../config.js";
import { renderMessage, type MessageTemplateKey, type Personalisation } from "../../domain/messages.js";

interface OutgoingMessage {
  id: string;
  templateKey: MessageTemplateKey;
  recipient: string;
  personalisation: Personalisation;
}

/** A mail service: sends one message, or throws; answers with its own id for the message. */
export interface Transport {
  kind: "smtp" | "notify";
  send(message: OutgoingMessage): Promise<{ reference: string | null }>;
  close(): void;
}

function smtpTransport(url: string, from: string): Transport {
  // Bounded waits, so a server that does not answer is an attempt that failed, not a stuck worker.
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: "smtp",
    async send(message) {
      const { subject, body } = renderMessage(message.templateKey, message.personalisation);
      const info = await transporter.sendMail({ from, to: message.recipient, subject, text: body });
      return { reference: info.messageId || null };
    },
    close: () => {
      transporter.close();
    },
  };
}

function notifyTransport(config: Extract<MailConfig, { kind: "notify" }>): Transport {
  const client = new NotifyClient(config.baseUrl, config.apiKey);
  return {
    kind: "notify",
    async send(message) {
      const response = await client.sendEmail(config.templateIds[message.templateKey], message.recipient, {
        personalisation: message.personalisation,
        // Our id, so a message can be found in GOV.UK Notify's own records.
        reference: message.id,
      });
      return { reference: response.data.id };
    },
    close: () => undefined,
  };
}

/** The configured mail service, or null: messages then stay in the outbox for administrators. */
export function transportFor(mail: MailConfig): Transport | null {
  switch (mail.kind) {
    case "smtp":
      return smtpTransport(mail.url, mail.from);
    case "notify":
      return notifyTransport(mail);
    case "outbox":
      return null;
  }
}

const ADDRESS = /[^\s<>@"']+@[^\s<>@"']+/g;

function field(value: unknown, key: string): unknown {
  if (!value || typeof value !== "object") return undefined;
  const found: unknown = Reflect.get(value, key);
  return found;
}

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/**
 * Why an attempt failed, in the mail service's terms, with every email address taken out: it is kept
 * in the outbox and the jobs table and logged, none of which may hold personal data.
 */
export function describeFailure(error: unknown): string {
  const response = field(error, "response");
  let description: string;
  if (response && typeof response === "object") {
    // GOV.UK Notify (an HTTP error from its client): the status and Notify's own error names.
    const errors = field(field(response, "data"), "errors");
    const details = Array.isArray(errors)
      ? errors.map((e) => [text(field(e, "error")), text(field(e, "message"))].filter(Boolean).join(": "))
      : [];
    description = `GOV.UK Notify answered ${text(field(response, "status"))}${details.length ? `: ${details.join("; ")}` : ""}`;
  } else {
    // SMTP (nodemailer): the error code, the server's reply code and its words.
    const parts = [
      text(field(error, "code")),
      text(field(error, "responseCode")),
      text(field(error, "command")) ? `after ${text(field(error, "command"))}` : "",
      text(response) || (error instanceof Error ? error.message : String(error)),
    ].filter(Boolean);
    description = `SMTP: ${parts.join(" ")}`;
  }
  return description.replace(ADDRESS, "[address]").slice(0, 500);
}
