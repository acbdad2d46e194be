import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ProblemError } from '../http/problem.js';
import type { Schema } from '../storage/schema.js';

/** Keys are kept for at least 24 hours (issue requirement; Stripe keeps them 24 h too): retries within a day replay. */
const keyRetentionMs = 24 * 60 * 60_000;

export type Claim = { kind: 'new' } | { kind: 'replay'; status: number; body: Record<string, unknown> };

export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * Idempotency-Key handling, in the database so every replica sees it (after Stripe's design): the first
 * request with a key claims it; a repeat with the same body gets the first answer; a repeat with another
 * body is refused; a repeat while the first is still running is told so.
 */
export class IdempotencyKeys {
  constructor(private readonly db: Kysely<Schema>) {}

  async claim(scope: string, key: string, fingerprint: string): Promise<Claim> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('expires_at', '<', new Date())
      .execute();
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, key, request_sha256: fingerprint, state: 'in_flight', expires_at: new Date(Date.now() + keyRetentionMs) })
      .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted !== undefined) return { kind: 'new' };
    const existing = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (existing.request_sha256 !== fingerprint) {
      throw new ProblemError('idempotency_key_reused', `Idempotency-Key ${key} was first used with a different request body.`);
    }
    if (existing.state === 'in_flight') {
      throw new ProblemError(
        'idempotency_key_in_flight',
        `The request with Idempotency-Key ${key} is still being processed; retry shortly.`,
      );
    }
    return { kind: 'replay', status: existing.response_status ?? 500, body: existing.response_body as Record<string, unknown> };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'completed', response_status: status, response_body: JSON.stringify(body) })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  /** Frees a key whose request did not happen (Meta unreachable, our failure), so the same key may be tried again. */
  async release(scope: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('state', '=', 'in_flight')
      .execute();
  }
}
