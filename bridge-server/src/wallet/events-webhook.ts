import { createHmac } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';
import { presentWalletEvent } from './events.js';
import { postWebhook, WebhookDeliveryError } from './events-url.js';
import { webhookSecretContext } from './notifications.js';

/**
 * How often each bridge process looks for due deliveries. Events are written by database triggers inside other
 * features' transactions, so nothing wakes the worker: a second is soon enough for a low-balance warning.
 */
const pollIntervalMs = 1_000;
/** Retries wait at most this long: a receiver down for hours is tried every hour, not every few days. */
const retryDelayMsMax = 60 * 60_000;
/** Bounds what is stored of a failure (a receiver's error text is not ours to keep in full). */
const errorLengthMax = 500;

type DeliveryRow = Selectable<Schema['wallet_event_deliveries']>;

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

/** How an attempt ended. */
type Outcome = { kind: 'delivered'; status: number } | { kind: 'failed'; status: number | null; error: string; final: boolean };

/**
 * Delivers wallet events to their account's webhook: rows of wallet_event_deliveries, queued by a trigger with each
 * event. Each process claims one due row with FOR UPDATE SKIP LOCKED and leases it (pushes next_attempt_at past the
 * attempt) in a short transaction, POSTs without holding a lock, then records the outcome. At least once: a process
 * that dies mid-attempt leaves the row to be claimed again when its lease runs out, so a receiver de-duplicates on
 * X-Wabridge-Event-Id. The URL and secret are read at each attempt: a rotated secret signs pending deliveries too.
 */
export class WalletEventsWebhook extends BackgroundWorker {
  /** A claimed row is not claimed again for this long: longer than an attempt can take. */
  readonly #leaseMs: number;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly secretBox: SecretBox,
    private readonly config: Config['walletWebhook'],
    private readonly logger: Logger,
  ) {
    super({ name: 'wallet-events-webhook', pollIntervalMs, logger });
    this.#leaseMs = config.timeoutMs + 60_000;
  }

  protected async step(): Promise<'idle' | 'busy'> {
    return (await this.processOne()) === 'idle' ? 'idle' : 'busy';
  }

  protected override async nothingDue(): Promise<boolean> {
    const due = await this.db
      .selectFrom('wallet_event_deliveries')
      .select('event_id')
      .where('done_at', 'is', null)
      .where('next_attempt_at', '<=', new Date())
      .limit(1)
      .executeTakeFirst();
    return due === undefined;
  }

  /** Claims the next due delivery and attempts it. */
  async processOne(): Promise<'delivered' | 'failed' | 'idle'> {
    return this.counted(async () => {
      const row = await this.#claim();
      if (row === undefined) return 'idle';
      const outcome = await this.#attempt(row);
      await this.#record(row, outcome);
      return outcome.kind;
    });
  }

  async #claim(): Promise<DeliveryRow | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const row = await transaction
        .selectFrom('wallet_event_deliveries')
        .select('event_id')
        .where('done_at', 'is', null)
        .where('next_attempt_at', '<=', new Date())
        .orderBy('next_attempt_at')
        .orderBy('event_id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return transaction
        .updateTable('wallet_event_deliveries')
        .set({ attempts: sql<number>`attempts + 1`, next_attempt_at: new Date(Date.now() + this.#leaseMs) })
        .where('event_id', '=', row.event_id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  async #attempt(row: DeliveryRow): Promise<Outcome> {
    const final = row.attempts >= this.config.attemptsMax;
    const [event, settings] = await Promise.all([
      this.db.selectFrom('wallet_events').selectAll().where('id', '=', row.event_id).executeTakeFirstOrThrow(),
      this.db
        .selectFrom('wallet_notification_settings')
        .select(['webhook_url', 'webhook_secret_sealed'])
        .where('account_id', '=', row.account_id)
        .executeTakeFirst(),
    ]);
    if (settings?.webhook_url == null || settings.webhook_secret_sealed === null) {
      return { kind: 'failed', status: null, error: 'the account no longer has a webhook', final: true };
    }
    let secret: string;
    try {
      secret = this.secretBox.open(settings.webhook_secret_sealed, webhookSecretContext(row.account_id));
    } catch (error) {
      // A key missing from the configuration: retried, since the operator can restore it.
      return { kind: 'failed', status: null, error: `the signing secret cannot be opened: ${(error as Error).message}`, final };
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
        this.config,
      );
      if (status >= 200 && status < 300) return { kind: 'delivered', status };
      return { kind: 'failed', status, error: `the receiver answered HTTP ${status}`, final };
    } catch (error) {
      if (!(error instanceof WebhookDeliveryError)) throw error;
      return { kind: 'failed', status: null, error: error.message, final };
    }
  }

  /** Records the outcome, only if the row is still this attempt's (a lease that ran out may have let another in). */
  async #record(row: DeliveryRow, outcome: Outcome): Promise<void> {
    const mine = this.db
      .updateTable('wallet_event_deliveries')
      .where('event_id', '=', row.event_id)
      .where('attempts', '=', row.attempts)
      .where('done_at', 'is', null);
    if (outcome.kind === 'delivered') {
      await mine
        .set({ done_at: sql<Date>`statement_timestamp()`, delivered: true, last_status: outcome.status, last_error: null })
        .execute();
      return;
    }
    const error = outcome.error.slice(0, errorLengthMax);
    const log = { eventId: row.event_id, accountId: row.account_id, attempts: row.attempts, error };
    if (outcome.final) {
      this.logger.warn(log, 'wallet events webhook: delivery given up');
      await mine
        .set({ done_at: sql<Date>`statement_timestamp()`, delivered: false, last_status: outcome.status, last_error: error })
        .execute();
      return;
    }
    this.logger.info(log, 'wallet events webhook: delivery failed; will retry');
    await mine
      .set({
        next_attempt_at: new Date(Date.now() + retryDelayMs(row.attempts, this.config.retryDelayMs)),
        last_status: outcome.status,
        last_error: error,
      })
      .execute();
  }
}
