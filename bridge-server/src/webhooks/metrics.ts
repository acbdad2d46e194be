import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Schema } from '../storage/schema.js';
import type { WebhookProcessor } from './processor.js';

/**
 * Webhook processing in /metrics, read at each scrape. Alert on `wabridge_webhook_events_dead_lettered > 0`: a webhook
 * the processor gave up on (webhook_events.dead_lettered_at, with its last_error) waits for an operator. The backlog
 * (stored, not yet processed nor dead-lettered, plus the PGlite journal's) shows whether processing keeps up.
 * Both count in the database, so every replica reports the same figures; each reads a partial index.
 */
export function registerWebhookMetrics(registry: Registry, db: Kysely<Schema>, processor: WebhookProcessor): void {
  new Gauge({
    name: 'wabridge_webhook_events_dead_lettered',
    help: 'Stored webhooks processing gave up on after their last allowed attempt (webhook_events.dead_lettered_at).',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('dead_lettered_at', 'is not', null)
        .executeTakeFirstOrThrow();
      this.set(Number(row.count));
    },
  });
  new Gauge({
    name: 'wabridge_webhook_events_backlog',
    help: 'Acknowledged webhooks not yet processed (due or waiting for a retry), including those still in the journal.',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('processed_at', 'is', null)
        .where('dead_lettered_at', 'is', null)
        .executeTakeFirstOrThrow();
      this.set(Number(row.count) + processor.journalBacklog);
    },
  });
}
