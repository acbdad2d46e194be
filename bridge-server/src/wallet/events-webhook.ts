import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { Config } from '../config.js';
import { type ClaimedJob, type JobHandler, type JobOutcome, jobDone, jobRetry } from '../jobs/runner.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';
import { presentWalletEvent } from './events.js';
import { postWebhook, WebhookDeliveryError } from './events-url.js';
import { webhookSecretContext } from './notifications.js';

/** Retries wait at most this long: a receiver down for hours is tried every hour, not every few days. */
const retryDelayMsMax = 60 * 60_000;
/** Bounds what is stored of a failure (a receiver's error text is not ours to keep in full). */
const errorLengthMax = 500;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed so a replay can be refused by age. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries of many events spread out. */
export function retryDelayMs(attempts: number, firstDelayMs: number): number {
  const delay = Math.min(retryDelayMsMax, firstDelayMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(delay / 2 + (Math.random() * delay) / 2);
}

const deliveryPayload = z.object({ event_id: z.number().int().positive() });
type DeliveryPayload = z.infer<typeof deliveryPayload>;

/**
 * Delivers wallet events to their account's webhook: `wallet_event_webhook` jobs, queued by a trigger with each event
 * (migrations/0014_jobs.sql). At least once: an attempt whose process dies is taken again when its lease runs out, so
 * a receiver de-duplicates on X-Wabridge-Event-Id. The URL and secret are read at each attempt: a rotated secret
 * signs pending deliveries too. After WALLET_WEBHOOK_ATTEMPTS_MAX attempts the job is dead, for an administrator to
 * see and replay, instead of being retried for ever.
 */
export function walletEventWebhookHandler(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  config: Config['walletWebhook'],
): JobHandler<DeliveryPayload> {
  return {
    payload: deliveryPayload,
    // Longer than an attempt can take.
    leaseMs: config.timeoutMs + 60_000,
    attemptsMax: config.attemptsMax,
    retryDelayMs: (attempts) => retryDelayMs(attempts, config.retryDelayMs),
    run: (job) => deliver(db, secretBox, config, job),
  };
}

async function deliver(
  db: Kysely<Schema>,
  secretBox: SecretBox,
  config: Config['walletWebhook'],
  job: ClaimedJob<DeliveryPayload>,
): Promise<JobOutcome> {
  const accountId = job.account_id!;
  const [event, settings] = await Promise.all([
    db.selectFrom('wallet_events').selectAll().where('id', '=', job.payload.event_id).executeTakeFirstOrThrow(),
    db
      .selectFrom('wallet_notification_settings')
      .select(['webhook_url', 'webhook_secret_sealed'])
      .where('account_id', '=', accountId)
      .executeTakeFirst(),
  ]);
  if (settings?.webhook_url == null || settings.webhook_secret_sealed === null) {
    return jobDone('the account no longer has a webhook');
  }
  let secret: string;
  try {
    secret = secretBox.open(settings.webhook_secret_sealed, webhookSecretContext(accountId));
  } catch (error) {
    // A key missing from the configuration: retried, since the operator can restore it.
    return jobRetry(`the signing secret cannot be opened: ${(error as Error).message}`);
  }
  const body = JSON.stringify(presentWalletEvent(event));
  try {
    const status = await postWebhook(
      settings.webhook_url,
      body,
      {
        'X-Wabridge-Event-Id': String(event.id),
        'X-Wabridge-Signature': webhookSignature(secret, Math.floor(Date.now() / 1000), body),
      },
      config,
    );
    if (status >= 200 && status < 300) return jobDone();
    return jobRetry(`the receiver answered HTTP ${status}`.slice(0, errorLengthMax));
  } catch (error) {
    if (!(error instanceof WebhookDeliveryError)) throw error;
    return jobRetry(error.message.slice(0, errorLengthMax));
  }
}
