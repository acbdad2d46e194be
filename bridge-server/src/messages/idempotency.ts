import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { databaseNowPlus } from '../jobs/store.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';

/** Keys are kept for at least 24 hours (issue requirement; Stripe keeps them 24 h too): retries within a day replay. */
const keyRetentionMs = 24 * 60 * 60_000;

/**
 * `new`: this request runs, and records its message under `messageId` (chosen at the first claim, so that every
 * retry of the key names the same message). `resumed`: the key's earlier request outlived the claim lease without
 * an answer (its process died, most likely); it may have recorded the message, and perhaps sent it.
 */
export type Claim =
  | { kind: 'new'; messageId: string; resumed: boolean; token: string }
  | { kind: 'replay'; status: number; body: Record<string, unknown> };

/**
 * While a key is in flight, its response_body holds the message id its request records and the token of the
 * current claim (a takeover changes it), so that only the request holding the claim can release the key.
 */
type InFlightBody = { message_id?: string; claim?: string } | null;

export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * Idempotency-Key handling, in the database so every replica sees it (after Stripe's design): the first
 * request with a key claims it; a repeat with the same body gets the first answer; a repeat with another
 * body is refused; a repeat while the first is still running is told so, until the claim is older than
 * `claimLeaseMs`: then its request is taken to have died with its process (kill -9, a crash), and the repeat
 * resumes it under the same message id, so that a key stuck in flight never outlives its lease.
 *
 * Every time here is the database's (`now()`): the claim's age, its lease and the key's expiry are compared on one
 * clock, so replicas whose clocks differ from the database's (or each other's) agree on what has expired.
 */
export class IdempotencyKeys {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly claimLeaseMs: number,
  ) {}

  async claim(scope: string, key: string, fingerprint: string): Promise<Claim> {
    const messageId = newId('msg');
    const token = randomUUID();
    const claimed = {
      request_sha256: fingerprint,
      state: 'in_flight' as const,
      response_status: null,
      response_body: JSON.stringify({ message_id: messageId, claim: token }),
      created_at: sql<Date>`now()`,
      expires_at: databaseNowPlus(keyRetentionMs),
    };
    // One statement, one round trip on every send (issue 16): a new key is inserted, and an expired one is taken as
    // if it were new (the row replaced); a live one is left as it is and read below.
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, key, ...claimed })
      .onConflict((conflict) =>
        conflict.columns(['scope', 'key']).doUpdateSet(claimed).where('idempotency_keys.expires_at', '<', sql<Date>`now()`),
      )
      .returning('key')
      .executeTakeFirst();
    if (inserted !== undefined) return { kind: 'new', messageId, resumed: false, token };
    const existing = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (existing.request_sha256 !== fingerprint) {
      throw new DomainError('idempotency_key_reused', `Idempotency-Key ${key} was first used with a different request body.`);
    }
    if (existing.state === 'in_flight') {
      const resumedMessageId = await this.#takeOverStale(scope, key, token);
      if (resumedMessageId !== undefined) return { kind: 'new', messageId: resumedMessageId, resumed: true, token };
      throw new DomainError(
        'idempotency_key_in_flight',
        `The request with Idempotency-Key ${key} is still being processed; retry shortly.`,
      );
    }
    return { kind: 'replay', status: existing.response_status ?? 500, body: existing.response_body as Record<string, unknown> };
  }

  /**
   * Restarts the lease of a claim older than it, for one caller only (the UPDATE's row lock decides); answers the
   * message id the claim reserved. A claim written before ids were reserved has none, and waits for its expiry.
   */
  async #takeOverStale(scope: string, key: string, token: string): Promise<string | undefined> {
    const taken = await sql<{ response_body: InFlightBody }>`
      update idempotency_keys
      set created_at = now(), response_body = jsonb_set(coalesce(response_body, '{}'::jsonb), '{claim}', to_jsonb(${token}::text))
      where scope = ${scope} and key = ${key} and state = 'in_flight'
        and created_at < now() - ${`${this.claimLeaseMs} milliseconds`}::interval
      returning response_body`.execute(this.db);
    return taken.rows[0]?.response_body?.message_id;
  }

  /** Records the key's answer; the first answer stands (a resumed request and a late original may both finish). */
  async complete(scope: string, key: string, status: number, body: unknown, db: Kysely<Schema> = this.db): Promise<void> {
    await db
      .updateTable('idempotency_keys')
      .set({ state: 'completed', response_status: status, response_body: JSON.stringify(body) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('state', '=', 'in_flight')
      .execute();
  }

  /**
   * Frees a key whose request did not happen (Meta unreachable, our failure), so the same key may be tried again;
   * only while `token`'s claim holds it: a request that outlived its lease must not free a key another request
   * has taken over (a retry could then claim a new message id and send a second message).
   */
  async release(scope: string, key: string, token: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('state', '=', 'in_flight')
      .where(sql<string>`response_body->>'claim'`, '=', token)
      .execute();
  }
}
