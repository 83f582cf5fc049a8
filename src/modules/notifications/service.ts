import { eq, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import { z } from "zod";
import type { Db, Executor } from "../../db/client.js";
import { outbox } from "../../db/schema/index.js";
import {
  isMessageTemplateKey,
  missingFields,
  withoutSecrets,
  type MessageTemplateKey,
  type Personalisation,
} from "../../domain/messages.js";
import { enqueueJob } from "../../jobs/queue.js";
import type { JobHandler } from "../../jobs/worker.js";
import { describeFailure, type Transport } from "./delivery.js";
import { findMessage, outboxPage } from "./queries.js";

export type { MessageLinks } from "./links.js";

export const DELIVER_MESSAGE_JOB = "notifications:deliver";

/**
 * Attempts per message. The jobs table backs off 10 s, 20 s, 40 s … between them (queue.ts), so a
 * mail service that is down for about twenty minutes delays messages without losing them.
 */
export const DELIVERY_ATTEMPTS = 8;

export interface NewMessage {
  templateKey: MessageTemplateKey;
  recipient: string;
  personalisation: Personalisation;
}

/**
 * Puts a message in the outbox, and its delivery in the jobs table, on the caller's transaction: call
 * it inside the audited use case whose change the message is about, so that a change that rolls back
 * leaves no message and one that commits always has its message.
 */
export async function enqueueMessage(tx: Executor, message: NewMessage): Promise<string> {
  const missing = missingFields(message.templateKey, message.personalisation);
  if (missing.length > 0) throw new Error(`message ${message.templateKey} lacks ${missing.join(", ")}`);
  const [row] = await tx
    .insert(outbox)
    .values({
      templateKey: message.templateKey,
      recipient: message.recipient,
      personalisation: message.personalisation,
    })
    .returning({ id: outbox.id });
  if (!row) throw new Error("message not stored");
  await enqueueJob(tx, DELIVER_MESSAGE_JOB, { messageId: row.id }, new Date(), DELIVERY_ATTEMPTS);
  return row.id;
}

export type DeliveryOutcome = "sent" | "kept" | "already-done";

class DeliveryFailed extends Error {}

type StoredMessage = NonNullable<Awaited<ReturnType<typeof findMessage>>>;

/** The message has gone: sent, with the mail service's reference; its secrets are not kept. */
async function markSent(
  db: Db,
  message: StoredMessage,
  templateKey: MessageTemplateKey,
  reference: string | null,
) {
  await db
    .update(outbox)
    .set({
      status: "sent",
      attempts: sql`${outbox.attempts} + 1`,
      lastAttemptAt: new Date(),
      sentAt: new Date(),
      lastError: null,
      providerReference: reference,
      personalisation: withoutSecrets(templateKey, message.personalisation),
      updatedAt: new Date(),
    })
    .where(eq(outbox.id, message.id));
}

/** A failed attempt: kept pending for the next one, or failed after the last. */
async function markAttemptFailed(
  db: Db,
  message: StoredMessage,
  templateKey: MessageTemplateKey,
  failure: { reason: string; last: boolean },
) {
  const { reason, last } = failure;
  await db
    .update(outbox)
    .set({
      status: last ? "failed" : "pending",
      attempts: sql`${outbox.attempts} + 1`,
      lastAttemptAt: new Date(),
      lastError: reason,
      // A link that will never arrive is not kept either.
      ...(last ? { personalisation: withoutSecrets(templateKey, message.personalisation) } : {}),
      updatedAt: new Date(),
    })
    .where(eq(outbox.id, message.id));
}

/**
 * One attempt to deliver a message. Without a mail service it stays pending in the outbox. A failed
 * attempt is recorded and thrown, so the job is retried later; the last one marks the message failed.
 */
async function deliver(
  db: Db,
  transport: Transport | null,
  messageId: string,
  attempt: { number: number; of: number },
): Promise<DeliveryOutcome> {
  const message = await findMessage(db, messageId);
  if (message?.status !== "pending" || !isMessageTemplateKey(message.templateKey)) return "already-done";
  if (!transport) return "kept";
  const templateKey = message.templateKey;
  try {
    const { reference } = await transport.send({
      id: message.id,
      templateKey,
      recipient: message.recipient,
      personalisation: message.personalisation,
    });
    await markSent(db, message, templateKey, reference);
    return "sent";
  } catch (error) {
    const reason = describeFailure(error);
    await markAttemptFailed(db, message, templateKey, { reason, last: attempt.number >= attempt.of });
    throw new DeliveryFailed(reason);
  }
}

/** The outbox: delivering its messages, and reading them (administrators, `/outbox`). */
export function createNotificationsService(db: Db, transport: Transport | null) {
  const deliveryKind: Transport["kind"] | "outbox" = transport?.kind ?? "outbox";
  return {
    deliveryKind,
    deliver: (messageId: string, attempt: { number: number; of: number }) =>
      deliver(db, transport, messageId, attempt),
    page: (offset: number, limit: number) => outboxPage(db, offset, limit),
    message: (id: string) => findMessage(db, id),
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;

const deliveryPayload = z.object({ messageId: z.uuid() });

/**
 * The job that delivers one message. Its log lines carry the message id and the outcome only: never
 * the address, the personalisation or the mail service's words about the address.
 */
export function deliveryJobHandler(service: NotificationsService, log: FastifyBaseLogger): JobHandler {
  return async (payload, job) => {
    const { messageId } = deliveryPayload.parse(payload);
    try {
      const outcome = await service.deliver(messageId, { number: job.attempts, of: job.maxAttempts });
      log.info({ messageId, outcome }, "message delivery");
    } catch (error) {
      const outcome = job.attempts >= job.maxAttempts ? "failed" : "will-retry";
      log.warn({ messageId, outcome, attempt: job.attempts }, "message delivery");
      throw error;
    }
  };
}
