import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { secretContext } from '../deployments/store.js';
import type { MetaGraphClient } from '../meta/client.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';
import { markTemplatesRemoved, upsertTemplate } from './store.js';

/**
 * Meta allows about 200 template-management requests per hour per app and WABA. One sync costs one
 * request per 100 templates (the page size), so syncing each deployment every 30 minutes spends a few
 * requests an hour and leaves the budget to on-demand syncs and webhook-triggered ones.
 */
export const templateSyncIntervalMsDefault = 30 * 60_000;
/** A sync that asked for again within this time joins (or answers) the previous one rather than calling Meta again. */
const resyncAfterMs = 60_000;
/** A sync "running" longer than this was cut short by a crash or restart; it is closed as failed. */
const syncStaleAfterMs = 10 * 60_000;

type Trigger = 'api' | 'schedule' | 'webhook';

export class TemplateSyncer {
  #schedulerTimer: NodeJS.Timeout | undefined;
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly meta: MetaGraphClient,
    private readonly secretBox: SecretBox,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; pageSize: number },
  ) {}

  /**
   * Starts a sync of one deployment's templates, or answers the one already running or just finished.
   * The sync continues in the background; its row reports progress.
   */
  async start(deploymentId: string, trigger: Trigger) {
    await this.db
      .updateTable('template_syncs')
      .set({ state: 'failed', error: 'interrupted (the bridge restarted during the sync)', finished_at: sql<Date>`now()` })
      .where('deployment_id', '=', deploymentId)
      .where('state', '=', 'running')
      .where('started_at', '<', new Date(Date.now() - syncStaleAfterMs))
      .execute();
    const recent = await this.db
      .selectFrom('template_syncs')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .where((eb) => eb.or([eb('state', '=', 'running'), eb('finished_at', '>', new Date(Date.now() - resyncAfterMs))]))
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (recent !== undefined && (recent.state === 'running' || trigger !== 'webhook')) return recent;
    const created = await this.db
      .insertInto('template_syncs')
      .values({ id: newId('tsy'), deployment_id: deploymentId, trigger, state: 'running' })
      .onConflict((conflict) => conflict.column('deployment_id').where('state', '=', 'running').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (created === undefined) {
      return this.db
        .selectFrom('template_syncs')
        .selectAll()
        .where('deployment_id', '=', deploymentId)
        .where('state', '=', 'running')
        .executeTakeFirstOrThrow();
    }
    const run = this.#run(created.id, deploymentId).finally(() => this.#running.delete(run));
    this.#running.add(run);
    return created;
  }

  async #run(syncId: string, deploymentId: string): Promise<void> {
    try {
      const deployment = await this.db
        .selectFrom('deployments')
        .select(['waba_id', 'access_token_sealed'])
        .where('id', '=', deploymentId)
        .executeTakeFirstOrThrow();
      const accessToken = this.secretBox.open(deployment.access_token_sealed, secretContext(deploymentId, 'access_token'));
      const seen: string[] = [];
      for await (const page of this.meta.messageTemplatePages(accessToken, deployment.waba_id, {
        limit: this.options.pageSize,
      })) {
        for (const template of page.templates) {
          await upsertTemplate(this.db, deploymentId, template);
          seen.push(template.id);
        }
        await this.db
          .updateTable('template_syncs')
          .set({ pages_fetched: page.pageNumber, templates_seen: seen.length })
          .where('id', '=', syncId)
          .execute();
      }
      const removed = await markTemplatesRemoved(this.db, deploymentId, seen);
      await this.db
        .updateTable('template_syncs')
        .set({ state: 'succeeded', finished_at: sql<Date>`now()` })
        .where('id', '=', syncId)
        .execute();
      this.logger.info({ deploymentId, templates: seen.length, removed }, 'templates synced');
    } catch (error) {
      this.logger.warn({ err: error, deploymentId }, 'template sync failed');
      await this.db
        .updateTable('template_syncs')
        .set({ state: 'failed', error: error instanceof Error ? error.message : String(error), finished_at: sql<Date>`now()` })
        .where('id', '=', syncId)
        .execute();
    }
  }

  /** Periodic syncs: each tick claims the deployments that are due (once across replicas) and syncs them. */
  startScheduler(tickMs = 15_000): void {
    if (this.options.intervalMs <= 0 || this.#schedulerTimer !== undefined) return;
    this.#schedulerTimer = setInterval(() => {
      this.runDueSyncs().catch((error: unknown) => this.logger.error({ err: error }, 'template sync scheduler failed'));
    }, tickMs);
    this.#schedulerTimer.unref();
  }

  /** Claims the deployments whose periodic sync is due and starts their syncs. */
  async runDueSyncs(): Promise<number> {
    const claimed = await this.db
      .updateTable('deployments')
      .set({ templates_sync_due_at: new Date(Date.now() + this.options.intervalMs) })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('deployments')
          .select('id')
          .where('templates_sync_due_at', '<=', new Date())
          .orderBy('templates_sync_due_at')
          .limit(10)
          .forUpdate()
          .skipLocked(),
      )
      .returning('id')
      .execute();
    for (const { id } of claimed) await this.start(id, 'schedule');
    return claimed.length;
  }

  /** Stops the scheduler and waits for syncs in progress (they would otherwise write to a closed database). */
  async stop(): Promise<void> {
    clearInterval(this.#schedulerTimer);
    this.#schedulerTimer = undefined;
    await Promise.allSettled([...this.#running]);
  }

  /** Resolves when every sync this process started has finished (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
