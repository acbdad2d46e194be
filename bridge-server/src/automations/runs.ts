import {
  type AutomationRun,
  countryOfPhoneNumber,
  normalizePhoneNumber,
  problemCatalogue,
  type SendMessageRequest,
} from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import * as z from 'zod';
import { DomainError } from '../domain/errors.js';
import { problemExtensions } from '../http/problem.js';
import { jobKinds } from '../jobs/kinds.js';
import { exponentialBackoffMs, type JobHandler, jobDead, jobDone, jobRetry } from '../jobs/runner.js';
import { enqueueJob } from '../jobs/store.js';
import type { IdempotentSender } from '../messages/idempotent-send.js';
import { findMessage } from '../messages/store.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import { openConnection } from './connections.js';
import type { HelpdeskApi } from './helpdesk-api.js';
import { type Note, noteText } from './notes.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type AutomationSource = 'zendesk_automation' | 'zoho_workflow';

/** What an automation asked for, as recorded with its run. */
export interface AutomationRequest {
  phone: string;
  template?: string | undefined;
  language?: string | undefined;
  parameters: Record<string, string>;
  text?: string | undefined;
}

export interface Delivery {
  installationId: string;
  accountId: string;
  source: AutomationSource;
  automation: string;
  ticketId: string;
  deliveryKey: string;
  request: AutomationRequest;
}

export function presentRun(row: {
  id: string;
  state: AutomationRun['state'];
  automation: string;
  ticket_id: string;
  message_id: string | null;
  refusal_code: string | null;
  refusal_detail: string | null;
  created_at: Date;
}): AutomationRun {
  return {
    id: row.id,
    state: row.state,
    automation: row.automation,
    ticket_id: row.ticket_id,
    message_id: row.message_id,
    refusal: row.refusal_code === null ? null : { code: row.refusal_code, detail: row.refusal_detail ?? '' },
    created_at: row.created_at.toISOString(),
  };
}

/**
 * Records a delivery once per key with its send job, in one transaction; a repeat of the delivery answers the first
 * run and queues nothing. The send itself happens in the job, after the helpdesk has its answer: Zendesk and Zoho
 * wait seconds at most, and Meta may take longer.
 */
export async function acceptDelivery(db: Kysely<Schema>, delivery: Delivery): Promise<{ run: AutomationRun; replayed: boolean }> {
  return db.transaction().execute(async (transaction) => {
    const inserted = await transaction
      .insertInto('automation_runs')
      .values({
        id: newId('aut'),
        installation_id: delivery.installationId,
        account_id: delivery.accountId,
        delivery_key: delivery.deliveryKey,
        source: delivery.source,
        automation: delivery.automation,
        ticket_id: delivery.ticketId,
        request: JSON.stringify(delivery.request),
      })
      .onConflict((conflict) => conflict.columns(['installation_id', 'delivery_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted !== undefined) {
      await enqueueJob(transaction, {
        kind: jobKinds.automationSend,
        accountId: delivery.accountId,
        payload: { run_id: inserted.id },
        dedupeKey: `automation_send:${inserted.id}`,
      });
      return { run: presentRun(inserted), replayed: false };
    }
    const existing = await transaction
      .selectFrom('automation_runs')
      .selectAll()
      .where('installation_id', '=', delivery.installationId)
      .where('delivery_key', '=', delivery.deliveryKey)
      .executeTakeFirstOrThrow();
    return { run: presentRun(existing), replayed: true };
  });
}

/** The note job of a run: one per run, whichever way (sent, refused, replayed) it ended. */
async function enqueueRunNote(
  transaction: Database,
  run: { id: string; account_id: string; installation_id: string; ticket_id: string },
  note: NotePayload['note'],
): Promise<void> {
  await enqueueJob(transaction, {
    kind: jobKinds.helpdeskNote,
    accountId: run.account_id,
    payload: { installation_id: run.installation_id, ticket_id: run.ticket_id, note } satisfies NotePayload,
    dedupeKey: `automation_note:${run.id}`,
  });
}

type LoadedRun = Awaited<ReturnType<typeof loadRun>>;

async function loadRun(db: Kysely<Schema>, runId: string) {
  return db
    .selectFrom('automation_runs')
    .innerJoin('installations', 'installations.id', 'automation_runs.installation_id')
    .innerJoin('deployments', 'deployments.id', 'installations.deployment_id')
    .selectAll('automation_runs')
    .select(['installations.deployment_id', 'installations.helpdesk', 'deployments.display_phone_number'])
    .where('automation_runs.id', '=', runId)
    .executeTakeFirst();
}

/** The run sent a message: recorded with it, in the transaction that records the message and its hold. */
async function markSent(transaction: Database, run: NonNullable<LoadedRun>, messageId: string): Promise<void> {
  const updated = await transaction
    .updateTable('automation_runs')
    .set({ state: 'sent', message_id: messageId, finished_at: sql<Date>`now()` })
    .where('id', '=', run.id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) {
    await enqueueRunNote(transaction, run, { kind: 'message', message_id: messageId, automation: run.automation });
  }
}

/**
 * The run was refused before anything reached Meta: recorded, with a failed message for the ticket's history (when
 * the number is one) and the note saying why, all in one transaction.
 */
async function markRefused(
  db: Kysely<Schema>,
  run: NonNullable<LoadedRun>,
  refusal: { code: string; detail: string; facts: Record<string, unknown> },
  send: SendMessageRequest | undefined,
): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    let messageId: string | null = null;
    if (send !== undefined) {
      messageId = newId('msg');
      await transaction
        .insertInto('messages')
        .values({
          id: messageId,
          deployment_id: run.deployment_id,
          installation_id: run.installation_id,
          recipient_phone: send.to,
          kind: send.template !== undefined ? 'template' : 'text',
          content: JSON.stringify(send.template !== undefined ? { template: send.template } : { text: send.text }),
          template_name: send.template?.name ?? null,
          template_language: send.template?.language ?? null,
          ticket_helpdesk: run.helpdesk,
          ticket_id: run.ticket_id,
          state: 'failed',
          error_reason: refusal.code,
          error_title: refusal.detail.slice(0, 1000),
          source: run.source,
          automation: run.automation,
        })
        .execute();
    }
    const updated = await transaction
      .updateTable('automation_runs')
      .set({
        state: 'refused',
        message_id: messageId,
        refusal_code: refusal.code,
        refusal_detail: refusal.detail.slice(0, 2000),
        finished_at: sql<Date>`now()`,
      })
      .where('id', '=', run.id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw new Error(`run ${run.id} is no longer queued`);
    await enqueueRunNote(transaction, run, {
      kind: 'not_sent',
      automation: run.automation,
      code: refusal.code,
      detail: refusal.detail,
      facts: refusal.facts,
    });
  });
}

/**
 * What an automation's request sends, or why it cannot (a number that is none). The ticket's number is the one its
 * agents typed: a national number (`090-1234-0002`) is read in the deployment's own country.
 */
function sendRequestOf(run: NonNullable<LoadedRun>): SendMessageRequest | { refusal: string } {
  const request = run.request as unknown as AutomationRequest;
  const phone = normalizePhoneNumber(request.phone, { defaultCountry: countryOfPhoneNumber(run.display_phone_number) });
  if (!phone.ok) return { refusal: request.phone === '' ? 'the ticket has no phone number' : `${request.phone} ${phone.reason}` };
  const ticket = { helpdesk: run.helpdesk, id: run.ticket_id };
  if (request.text !== undefined) return { to: phone.e164, text: { body: request.text }, ticket };
  return {
    to: phone.e164,
    template: { name: request.template!, language: request.language!, parameters: request.parameters },
    ticket,
  };
}

/** Answers that depend only on the request: the automation is refused (a note says why), not retried. */
function isRefusal(error: DomainError): boolean {
  return problemCatalogue[error.code].status < 500 && error.code !== 'idempotency_key_in_flight';
}

/**
 * `automation_send` jobs: the run's send through the same pipeline as an agent's (opt-in, window, template status,
 * points), under the run's delivery key so a job retried after a crash never sends twice. A refusal is recorded with
 * its note; Meta unreachable is retried with backoff.
 */
export function automationSendHandler(db: Kysely<Schema>, sender: IdempotentSender): JobHandler<{ run_id: string }> {
  return {
    payload: z.object({ run_id: z.string().regex(/^aut_[0-9a-z]{24}$/) }),
    leaseMs: 5 * 60_000,
    attemptsMax: 8,
    async run(job) {
      const run = await loadRun(db, job.payload.run_id);
      if (run === undefined) return jobDead(`run ${job.payload.run_id} no longer exists`);
      if (run.state !== 'queued') return jobDone(`already ${run.state}`);
      const send = sendRequestOf(run);
      if ('refusal' in send) {
        await markRefused(db, run, { code: 'unknown_number', detail: send.refusal, facts: {} }, undefined);
        return jobDone('refused: unknown number');
      }
      try {
        const message = await sender.send(
          {
            accountId: run.account_id,
            deploymentId: run.deployment_id,
            installationId: run.installation_id,
            source: run.source,
            automation: run.automation,
            onRecorded: (transaction, messageId) => markSent(transaction, run, messageId),
          },
          run.delivery_key,
          send,
        );
        // A replayed key (the job's earlier attempt sent, then died): the message exists; make sure the run says so.
        await db.transaction().execute((transaction) => markSent(transaction, run, message.id));
        return jobDone();
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const now = await loadRun(db, run.id);
        // The message was recorded (the run is sent) and then Meta failed: its note tells the agent.
        if (now?.state !== 'queued') return jobDone(`recorded, then ${error.code}`);
        if (!isRefusal(error)) return jobRetry(`${error.code}: ${error.detail}`);
        const extensions = problemExtensions(error) as Record<string, unknown>;
        const template = extensions.template as Record<string, unknown> | undefined;
        await markRefused(
          db,
          run,
          { code: error.code, detail: error.detail, facts: { ...extensions, ...(template ?? {}) } },
          send,
        );
        return jobDone(`refused: ${error.code}`);
      }
    },
  };
}

const notePayload = z.object({
  installation_id: z.string().min(1),
  ticket_id: z.string().min(1).max(128),
  /** Only when the ticket is still open (reminders): asked of the helpdesk first. */
  only_if_open: z.boolean().optional(),
  note: z.union([
    z.object({ kind: z.literal('message'), message_id: z.string(), automation: z.string() }),
    z.object({
      kind: z.literal('not_sent'),
      automation: z.string(),
      code: z.string(),
      detail: z.string(),
      facts: z.record(z.string(), z.unknown()),
    }),
    z.object({ kind: z.literal('reminder'), minutes: z.number(), closesAt: z.string() }),
  ]),
});
export type NotePayload = z.infer<typeof notePayload>;

/**
 * `helpdesk_note` jobs: an internal note on the ticket through the helpdesk's API, in the helpdesk's language. A sent
 * message's note waits for Meta's answer (sent with its points, or not sent and why). The helpdesk's 429 is retried
 * after its Retry-After (Zendesk also limits updates per ticket: the same answer), 5xx and the network with backoff;
 * refused credentials, or a ticket gone, make the job dead for an administrator to see and replay.
 */
export function helpdeskNoteHandler(db: Kysely<Schema>, secretBox: SecretBox, api: HelpdeskApi): JobHandler<NotePayload> {
  return {
    payload: notePayload,
    leaseMs: 2 * 60_000,
    attemptsMax: 20,
    retryDelayMs: (attempts) => exponentialBackoffMs(attempts, 1_000, 10 * 60_000),
    async run(job) {
      const { installation_id: installationId, ticket_id: ticketId, note } = job.payload;
      const installation = await db
        .selectFrom('installations')
        .select(['instance', 'deployment_id'])
        .where('id', '=', installationId)
        .executeTakeFirst();
      if (installation === undefined) return jobDead(`installation ${installationId} no longer exists`);
      const connection = await openConnection(db, secretBox, installationId);
      if (connection === undefined) {
        return jobDead(
          `installation ${installationId} has no helpdesk connection (PUT /v1/installations/{id}/helpdesk-connection)`,
        );
      }
      let written: Note;
      if (note.kind === 'message') {
        const message = await findMessage(db, installation.deployment_id, note.message_id);
        if (message === undefined) return jobDead(`message ${note.message_id} no longer exists`);
        if (message.state === 'sending' || message.state === 'outcome_unknown') {
          return jobRetry(`message ${message.id} is ${message.state}: waiting for Meta's answer`, { afterMs: 1_000 });
        }
        written =
          message.state === 'failed'
            ? {
                kind: 'not_sent',
                automation: note.automation,
                code: 'meta_rejected',
                detail: message.error?.title ?? message.error?.reason ?? 'failed',
                facts: {},
              }
            : {
                kind: 'sent',
                automation: note.automation,
                template: message.template?.name ?? null,
                points: message.charge?.points ?? null,
              };
      } else {
        written = note;
      }
      if (job.payload.only_if_open === true) {
        const open = await api.ticketOpen(connection, installation.instance, ticketId);
        if (open === false) return jobDone('the ticket is no longer open');
        if (open !== true) {
          if (open.kind === 'retry') return jobRetry(open.error, open.afterMs === undefined ? {} : { afterMs: open.afterMs });
          if (open.kind === 'dead') return jobDead(open.error);
        }
      }
      const outcome = await api.writeNote(connection, installation.instance, ticketId, noteText(connection.locale, written));
      if (outcome.kind === 'ok') return jobDone();
      if (outcome.kind === 'retry')
        return jobRetry(outcome.error, outcome.afterMs === undefined ? {} : { afterMs: outcome.afterMs });
      return jobDead(outcome.error);
    },
  };
}
