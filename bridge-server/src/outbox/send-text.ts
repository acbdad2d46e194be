import { type Kysely, sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { type ClaimedJob, type JobHandler, type JobOutcome, jobDone, jobRetry } from '../jobs/runner.js';
import { MessageAlreadyRecordedError, type SendPipeline } from '../messages/pipeline.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import { type SendTextJobPayload, sendTextJobPayload } from './store.js';

/**
 * A claimed job is not claimed again for this long: longer than any send takes (the Meta client's timeouts
 * and retries), so only a runner that died leaves a job for another one to take.
 */
const leaseMs = 5 * 60_000;
/** A temporary failure is retried up to this many attempts (2^attempts seconds apart, at most an hour: the runner's default). */
const attemptsMax = 10;

function describe(error: DomainError): string {
  return `${error.code}: ${error.detail}`;
}

/**
 * Sends `send_text` jobs: texts decided inside our own transactions (a keyword opt-out's confirmation reply).
 *
 * Nothing is sent twice: a job's message id is fixed when it is written, and the send pipeline refuses to record a
 * message id twice. An attempt that died after recording (before or after Meta answered) leaves the message
 * recorded; whoever takes the job next finds it and stops, leaving the message for Meta's status webhook (which
 * carries our id) to settle. Only an attempt known to have sent nothing — Meta refused for now, or could not be
 * reached — is tried again, under a new message id written to the job before the next send.
 */
export function sendTextHandler(db: Kysely<Schema>, pipeline: SendPipeline): JobHandler<SendTextJobPayload> {
  return {
    payload: sendTextJobPayload,
    leaseMs,
    attemptsMax,
    run: (job) => sendText(db, pipeline, job),
  };
}

async function sendText(db: Kysely<Schema>, pipeline: SendPipeline, job: ClaimedJob<SendTextJobPayload>): Promise<JobOutcome> {
  const { payload } = job;
  try {
    const message = await pipeline.send(
      { accountId: job.account_id!, deploymentId: payload.deployment_id, installationId: null, messageId: payload.message_id },
      { to: payload.to, text: { body: payload.body } },
    );
    // outcome_unknown: never sent again; Meta's status webhook carrying the id will settle the message.
    return jobDone(message.state === 'outcome_unknown' ? 'outcome_unknown: left to Meta’s status webhook' : null);
  } catch (error) {
    if (error instanceof MessageAlreadyRecordedError) return alreadyRecorded(db, payload.message_id);
    if (error instanceof DomainError && error.code === 'meta_unavailable') {
      // The pipeline recorded the message as failed: Meta refused for now or could not be reached, nothing was sent.
      return jobRetry(describe(error), { payload: { ...payload, message_id: newId('msg') } });
    }
    // Final: the window closed meanwhile, Meta refused the message, the request is invalid.
    if (error instanceof DomainError) return jobDone(describe(error));
    throw error;
  }
}

/**
 * An earlier attempt recorded the message and died: it may or may not have reached Meta, so it is not sent
 * again. A message still 'sending' becomes outcome_unknown, as the pipeline leaves a send whose answer it
 * never saw; a status webhook carrying its id settles it.
 */
async function alreadyRecorded(db: Kysely<Schema>, messageId: string): Promise<JobOutcome> {
  const left = await db
    .updateTable('messages')
    .set({ state: 'outcome_unknown', updated_at: sql<Date>`now()` })
    .where('id', '=', messageId)
    .where('state', '=', 'sending')
    .executeTakeFirst();
  if (left.numUpdatedRows > 0n) {
    return jobDone('message recorded by an earlier attempt that never reported back; not sent again');
  }
  const message = await db.selectFrom('messages').select('state').where('id', '=', messageId).executeTakeFirst();
  const state = message?.state ?? 'unknown';
  // A send that ended before the runner could mark the job (accepted) simply finished.
  return jobDone(state === 'accepted' ? null : `message recorded by an earlier attempt (${state}); not sent again`);
}
