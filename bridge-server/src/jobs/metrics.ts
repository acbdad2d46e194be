import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Schema } from '../storage/schema.js';
import { type JobKindFigures, jobFigures } from './store.js';

/** One query serves the gauges of one scrape: prom-client collects every gauge of a scrape at once. */
const figuresReuseMs = 1_000;

/**
 * The job runner's backlog as gauges per kind, read from the database at each scrape (so every replica exports the
 * same figures). Alert on `wabridge_jobs_dead > 0` and on `wabridge_jobs_oldest_due_age_seconds` growing: jobs due
 * and not taken mean no runner is working.
 */
export function registerJobMetrics(registry: Registry, db: Kysely<Schema>): void {
  let cached: { at: number; figures: Promise<JobKindFigures[]> } | undefined;
  const figures = () => {
    if (cached === undefined || Date.now() - cached.at > figuresReuseMs) {
      const pending = jobFigures(db);
      cached = { at: Date.now(), figures: pending };
      pending.catch(() => {
        cached = undefined;
      });
    }
    return cached.figures;
  };
  const gauge = (name: string, help: string, read: (kind: JobKindFigures) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const kind of await figures()) this.set({ kind: kind.kind }, read(kind));
      },
    });
  gauge('wabridge_jobs_due', 'Jobs queued and due now, by kind.', (kind) => kind.due);
  gauge('wabridge_jobs_running', 'Jobs claimed by a runner (lease held or run out), by kind.', (kind) => kind.running);
  gauge('wabridge_jobs_dead', 'Jobs given up, waiting for an administrator to replay them, by kind.', (kind) => kind.dead);
  gauge(
    'wabridge_jobs_oldest_due_age_seconds',
    'How long the oldest due job has been due, by kind (0: none due).',
    (kind) => kind.oldestDueAgeSeconds,
  );
}
