import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp } from './app.js';
import { HelpdeskApi } from './automations/helpdesk-api.js';
import { WindowReminderScanner } from './automations/reminders.js';
import { automationSendHandler, helpdeskNoteHandler } from './automations/runs.js';
import { zendeskPushHandler } from './channels/zendesk/push.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { jobKinds } from './jobs/kinds.js';
import { JobRunner } from './jobs/runner.js';
import { LiveHub } from './live/hub.js';
import { deleteMetaMediaHandler } from './media/delete-job.js';
import { MediaService } from './media/service.js';
import { IdempotentSender } from './messages/idempotent-send.js';
import { SendPipeline } from './messages/pipeline.js';
import { StaleSendSweeper } from './messages/stale-sends.js';
import { MetaGraphClient } from './meta/client.js';
import type { Lifecycle } from './operations/router.js';
import { sendTextHandler } from './outbox/send-text.js';
import { paymentCheckHandler } from './payments/check-job.js';
import { createPaymentProvider, PaymentService } from './payments/service.js';
import { SecretBox } from './security/secret-box.js';
import { type Database, openDatabase } from './storage/database.js';
import { TemplateSyncer } from './templates/sync.js';
import { WalletAuditor } from './wallet/audit-worker.js';
import { AutoRechargeWorker } from './wallet/auto-recharge-worker.js';
import { walletEventWebhookHandler } from './wallet/events-webhook.js';
import { HoldSweeper } from './wallet/holds.js';
import { HostingFeeScheduler } from './wallet/hosting.js';
import { insertWebhooks } from './webhooks/inbox.js';
import { WebhookJournal, withinBytes } from './webhooks/journal.js';
import { defaultBodyBytesPerBatch, pgliteProcessing, WebhookProcessor } from './webhooks/processor.js';
import { WebhookBodyPruner } from './webhooks/retention.js';

export interface RunningBridge {
  server: Server;
  database: Database;
  /** Processes stored Meta webhooks in the background. */
  processor: WebhookProcessor;
  /** Where on-disk PGlite acknowledges webhooks; undefined on PostgreSQL and in-memory PGlite. */
  journal: WebhookJournal | undefined;
  /** Carries out durable jobs (confirmation replies, wallet-event webhooks, payment checks, Meta media clean-up) in the background. */
  jobs: JobRunner;
  /** Syncs templates from Meta: on demand, periodically, after template webhooks. */
  templateSyncer: TemplateSyncer;
  /** Settles pending payments the provider has not called back about; undefined without a payment provider. */
  payments: PaymentService | undefined;
  /** Starts auto-recharges; undefined without a payment provider. */
  autoRecharge: AutoRechargeWorker | undefined;
  /** Charges each deployment's monthly hosting fee, once per month across replicas. */
  hostingFees: HostingFeeScheduler;
  /** Returns holds Meta has not priced within WALLET_HOLD_TIMEOUT_HOURS. */
  holdSweeper: HoldSweeper;
  /** Prunes processed raw webhook bodies older than WEBHOOK_BODY_RETENTION_DAYS; undefined when kept for ever (0). */
  webhookBodyPruner: WebhookBodyPruner | undefined;
  walletAudit: WalletAuditor;
  /** Moves messages a dead process left 'sending' to outcome_unknown. */
  staleSends: StaleSendSweeper;
  /** Queues window reminders (automations/reminders.ts). */
  windowReminders: WindowReminderScanner;
  /** The URL the server listens on (its real port when 0 was asked for). */
  url: string;
  /** Stops accepting connections, drains in-flight requests (up to the configured timeout), closes the database. */
  close(): Promise<void>;
}

/**
 * Standard output for logs. A reader that stops draining the pipe makes every write fail with EAGAIN;
 * sonic-boom would retry forever, hanging the bridge (even its exit). Bound the retries (each waits
 * 100 ms, so a line may stall the process for at most 2 s) and then drop the line instead of crashing.
 */
function logDestination() {
  const destination = pino.destination({ dest: 1, sync: true, maxWriteRetries: 20 });
  destination.on('error', () => {});
  return destination;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'bridge' },
      // Belt and braces: request serializers log no bodies, and these paths never print even if an object carrying them is logged.
      redact: {
        paths: ['*.access_token', '*.app_secret', '*.verify_token', '*.token', '*.authorization', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    logDestination(),
  );
}

/**
 * On-disk PGlite acknowledges webhooks from a journal beside its files (webhooks/journal.ts says why); what a
 * previous process left there is moved into the database before the bridge listens.
 */
async function openWebhookJournal(database: Database, dataDir: string, logger: Logger): Promise<WebhookJournal | undefined> {
  if (database.backend !== 'pglite' || dataDir.startsWith('memory://')) return undefined;
  const { journal, leftOver, recovered } = await WebhookJournal.open(join(dataDir, 'wabridge-webhook-journal'));
  for (let start = 0; start < leftOver.length; ) {
    const rows = withinBytes(leftOver.slice(start, start + journalRecoveryRowsMax), defaultBodyBytesPerBatch);
    await insertWebhooks(database.db, rows);
    start += rows.length;
  }
  await recovered();
  if (leftOver.length > 0) logger.info({ webhooks: leftOver.length }, 'webhooks left in the journal moved to the database');
  return journal;
}

/** Rows per INSERT when moving a journal left by a previous process (and at most a batch's bytes of bodies). */
const journalRecoveryRowsMax = 200;

/** Opens storage (migrating it), builds the app and listens. */
export async function startBridge(
  config: Config,
  options: {
    logger?: Logger;
    validateResponses?: boolean;
    clock?: Clock;
    /** Where the admin console's build is (default: bridge-server/dist/console-ui); tests build one of their own. */
    consoleDir?: string;
    /**
     * A server already bound (on port 0) whose socket the bridge takes over instead of binding PORT: a test that
     * must know the bridge's URL before it starts (PUBLIC_URL) keeps the port bound from the moment it learns it,
     * so nothing else can take it in between.
     */
    listenOn?: NetServer;
  } = {},
): Promise<RunningBridge> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
    onConnectionError: (error) =>
      logger.warn(
        { err: error },
        config.databaseUrl === undefined
          ? 'the embedded database failed; restart the bridge'
          : 'a database connection failed; the pool opens a new one for the next query',
      ),
  });
  const lifecycle: Lifecycle = { draining: false };
  const secretBox = new SecretBox(config.encryptionKey, config.encryptionKeysPrevious);
  const meta = new MetaGraphClient({
    baseUrl: config.metaGraphUrl,
    apiVersion: config.metaApiVersion,
    timeoutMs: config.metaTimeoutMs,
    uploadTimeoutMs: config.metaUploadTimeoutMs,
    retry: { attemptsMax: config.metaAttemptsMax },
    logger: logger.child({ component: 'meta' }),
  });
  const templateSyncer = new TemplateSyncer(database.db, meta, secretBox, logger, {
    intervalMs: config.templateSyncIntervalMs,
    pageSize: config.templateSyncPageSize,
  });
  const services = { config, db: database.db, secretBox, logger, meta, clock };
  const jobs = new JobRunner(database.db, logger.child({ component: 'jobs' }))
    .register(jobKinds.sendText, sendTextHandler(database.db, new SendPipeline(services, new MediaService(services))))
    .register(jobKinds.walletEventWebhook, walletEventWebhookHandler(database.db, secretBox, config.walletWebhook))
    .register(jobKinds.deleteMetaMedia, deleteMetaMediaHandler(database.db, meta, secretBox))
    .register(
      jobKinds.automationSend,
      automationSendHandler(database.db, new IdempotentSender(services, new MediaService(services))),
    )
    .register(
      jobKinds.helpdeskNote,
      helpdeskNoteHandler(database.db, secretBox, new HelpdeskApi(logger.child({ component: 'helpdesk-api' }))),
    )
    .register(jobKinds.zendeskPush, zendeskPushHandler({ db: database.db, secretBox, clock, publicUrl: config.publicUrl }));
  const paymentProvider = createPaymentProvider(config, database.db, logger.child({ component: 'payments' }));
  const payments =
    paymentProvider === undefined
      ? undefined
      : new PaymentService(database.db, paymentProvider, logger.child({ component: 'payments' }), {
          reconcileAfterMs: config.payments.reconcileAfterMs,
          wakeChecks: () => jobs.wake(),
        });
  // Pending payments are asked about by their check jobs until they are settled.
  if (payments !== undefined) jobs.register(jobKinds.paymentCheck, paymentCheckHandler(payments));
  const autoRecharge =
    payments === undefined
      ? undefined
      : new AutoRechargeWorker(database.db, payments, logger.child({ component: 'auto-recharge' }), {
          maxPer30Days: config.payments.autoRechargeMaxPer30Days,
        });
  const hostingFees = new HostingFeeScheduler(database.db, logger.child({ component: 'hosting-fees' }), () => clock.now());
  const staleSends = new StaleSendSweeper(database.db, logger.child({ component: 'stale-sends' }), {
    staleAfterMs: config.idempotencyClaimLeaseMs,
  });
  const holdSweeper = new HoldSweeper(database.db, logger.child({ component: 'hold-sweeper' }), {
    timeoutHours: config.walletHoldTimeoutHours,
    now: () => clock.now(),
  });
  const webhookBodyPruner =
    config.webhookBodyRetentionDays === 0
      ? undefined
      : new WebhookBodyPruner(database.db, logger.child({ component: 'webhook-retention' }), {
          retentionDays: config.webhookBodyRetentionDays,
          now: () => clock.now(),
        });
  const walletAudit = new WalletAuditor(database.db, logger.child({ component: 'wallet-audit' }), {
    intervalMs: config.walletAuditIntervalMs,
  });
  // Every replica scans; the reminder's key makes each window's reminder happen once.
  const windowReminders = new WindowReminderScanner(database.db, clock, logger.child({ component: 'window-reminders' }), () =>
    jobs.wake(),
  );
  // A start that fails from here on closes the database first: PGlite's thread would otherwise keep the process alive.
  const closeAndThrow = async (error: unknown): Promise<never> => {
    await database.close();
    throw error;
  };
  const journal = await openWebhookJournal(database, config.dataDir, logger).catch(closeAndThrow);
  // A committed webhook may have queued jobs (a keyword opt-out's confirmation): send them now.
  const processor = new WebhookProcessor(database.db, logger, {
    onCommitted: () => jobs.wake(),
    ...(database.backend === 'pglite' ? pgliteProcessing : config.webhookProcessing),
    pollIntervalMs: config.webhookPollIntervalMs,
    ...(journal === undefined ? {} : { journal }),
  });
  const live = new LiveHub(database.db, logger.child({ component: 'live' }));
  const app = createApp(
    services,
    lifecycle,
    {
      processor,
      templateSyncer,
      walletAudit,
      jobs,
      live,
      ...(journal === undefined ? {} : { journal }),
      ...(payments === undefined || autoRecharge === undefined ? {} : { payments: { service: payments, worker: autoRecharge } }),
    },
    {
      validateResponses: options.validateResponses ?? false,
      ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    },
  );

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createServer(app);
    // As Express's app.listen: the listener stays, so an error after listening (an accept failing) is not thrown.
    listening.once('error', reject);
    const done = () => resolve(listening);
    if (options.listenOn === undefined) listening.listen(config.port, config.host, done);
    else listening.listen(options.listenOn, done);
  }).catch(async (error: unknown) => {
    await journal?.close();
    return closeAndThrow(error);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  // The payment provider calls back here; it is started before the jobs that may ask it about pending payments.
  payments?.startAt(`http://${host}:${port}`);
  // Webhooks stored but not processed before a crash or restart are picked up here.
  // WEBHOOK_PROCESSOR=off: this process only takes webhooks in; other processes on the database apply them.
  if (config.webhookProcessor) processor.start();
  else logger.info('webhook processing is off in this process (WEBHOOK_PROCESSOR=off): other processes apply webhooks');
  // Jobs queued before a crash or restart, by another replica or by a trigger (wallet events) are carried out here.
  jobs.start();
  templateSyncer.startScheduler();
  // Every replica runs both; the database makes each month's fee and each expiry happen once.
  hostingFees.start();
  holdSweeper.start();
  webhookBodyPruner?.start();
  staleSends.start();
  windowReminders.start();
  // Each replica audits on its own (it only reads) and exports its result in /metrics.
  if (config.walletAuditIntervalMs > 0) walletAudit.start();
  autoRecharge?.start();
  logger.info({ port, storage: database.backend }, 'bridge listening');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    lifecycle.draining = true;
    // Open streams never finish by themselves: end them first, or the server's drain would wait for its timeout.
    await live.stop();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      logger.warn('shutdown timeout: closing connections still in flight');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await drained;
    clearTimeout(timer);
    await Promise.all([processor.stop(), jobs.stop(), templateSyncer.stop()]);
    await Promise.all([
      autoRecharge?.stop(),
      payments?.stop(),
      hostingFees.stop(),
      holdSweeper.stop(),
      webhookBodyPruner?.stop(),
      staleSends.stop(),
      windowReminders.stop(),
      walletAudit.stop(),
    ]);
    await journal?.close();
    await database.close();
    logger.info('bridge stopped');
  }
  return {
    server,
    database,
    processor,
    journal,
    jobs,
    templateSyncer,
    payments,
    autoRecharge,
    hostingFees,
    holdSweeper,
    webhookBodyPruner,
    staleSends,
    windowReminders,
    walletAudit,
    url: `http://${host}:${port}`,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
