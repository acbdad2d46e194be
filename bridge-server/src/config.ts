import * as z from 'zod';

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 random bytes written as 64 hexadecimal characters (openssl rand -hex 32)');

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const flag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');

/**
 * A media size limit in bytes: at least 1, at most Meta's own cap for the kind read as binary megabytes
 * (Meta's "Supported media types": image 5 MB, video and audio 16 MB, document 100 MB), since a limit above
 * Meta's would only turn our clear refusal into Meta's.
 */
const mediaBytesMax = (defaultBytes: number, metaCapMegabytes: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(metaCapMegabytes * 1024 * 1024, `must be at most Meta's own limit of ${metaCapMegabytes} MB`)
    .default(defaultBytes);

/** Every environment variable the bridge reads; `.env.example` documents each one. */
/** A comma-separated list of http(s) origins, trailing slashes trimmed; empty by default. */
const httpOrigins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be http(s) origins' })))
  .default([]);

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded PGlite)')
    .optional(),
  // Ten connections per replica keeps a few replicas well under PostgreSQL's default max_connections (100).
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // Named prepared statements for repeated statements (storage/prepared-statements.ts); off behind a pooler that
  // cannot keep them per client (PgBouncer's transaction mode before 1.21).
  DATABASE_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  DATA_DIR: z.string().min(1).default('./data'),
  BRIDGE_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)'),
  BRIDGE_ENCRYPTION_KEY: hexKey,
  BRIDGE_ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .pipe(z.array(hexKey))
    .default([]),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  // Zendesk's admin UI return_url is https://<subdomain>.zendesk.com/…; other origins (a local Zendesk sandbox) only if listed.
  ZENDESK_RETURN_URL_ORIGINS: httpOrigins,
  // Zoho's accounts servers are https://accounts.zoho.<data centre>; others (a local Zoho sandbox) only if listed.
  ZOHO_ACCOUNTS_URLS: httpOrigins,
  // The push client id of the Zendesk app's OAuth client: the manifest offers push, and accounts linked afterwards
  // get a push token (channels/zendesk/push.ts). Unset: pull only.
  ZENDESK_PUSH_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,255}$/, 'must be the OAuth client identifier')
    .optional(),
  META_GRAPH_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://graph.facebook.com'),
  META_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v24.0')
    .default('v24.0'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  TRUST_PROXY: z.string().optional(),
  // A person mistyping a token fails a few times a minute; a script guessing fails thousands of times.
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  CONSOLE_SESSION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  // Meta answers sends in well under a second; 10 s rides out a slow moment without holding agents for long.
  META_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // Attempts per Meta call, the first included, for Meta's temporary refusals (meta/retry.ts explains the default).
  META_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(20).default(4),
  // Meta's default page size: most WABAs need one request per sync.
  TEMPLATE_SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  // 30 minutes: a few of Meta's ~200 template requests an hour per WABA; 0 turns periodic syncs off.
  TEMPLATE_SYNC_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(30),
  // Seed 001's attachment limits (image 5 MB, document 20 MB, video 15 MB, audio 15 MB), with MB read as
  // 1,000,000 bytes: of the two readings of "5 MB" the stricter, so a file we accept is never over Meta's own
  // 5 MB image limit whichever unit Meta means.
  MEDIA_IMAGE_BYTES_MAX: mediaBytesMax(5_000_000, 5),
  MEDIA_DOCUMENT_BYTES_MAX: mediaBytesMax(20_000_000, 100),
  MEDIA_VIDEO_BYTES_MAX: mediaBytesMax(15_000_000, 16),
  MEDIA_AUDIO_BYTES_MAX: mediaBytesMax(15_000_000, 16),
  // media.url fetching. Plain http and private, loopback, link-local and unique-local addresses are refused unless
  // allowed here (tests and the demo serve files locally); allowing private addresses opens the bridge to SSRF.
  MEDIA_URL_ALLOW_HTTP: flag,
  MEDIA_URL_ALLOW_PRIVATE_ADDRESSES: flag,
  // The whole download, redirects included: 20 MB (the largest default limit) needs 16 s at 10 Mbit/s; 30 s leaves
  // room for a slow server while bounding how long a send holds the agent's request.
  MEDIA_URL_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  // Links from file hosts and CDNs redirect once or twice (share link → signed URL); more is unusual, and each hop is
  // re-checked against the address rules.
  MEDIA_URL_REDIRECTS_MAX: z.coerce.number().int().min(0).max(10).default(3),
  // Wallet-event webhooks (wallet/events-webhook.ts). Like media.url, plain http and private, loopback, link-local and
  // unique-local addresses are refused unless allowed here: the bridge would otherwise POST wherever an operator's
  // typo (or a hostile DNS answer) points it inside its own network.
  WALLET_WEBHOOK_ALLOW_HTTP: flag,
  WALLET_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: flag,
  // A receiver should answer at once and work later; 10 s is what Meta and helpdesks allow their own webhooks.
  WALLET_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // 16 attempts, the delay doubling from WALLET_WEBHOOK_RETRY_DELAY_MS up to an hour: a receiver down for about 7 hours
  // still gets every event.
  WALLET_WEBHOOK_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(100).default(16),
  WALLET_WEBHOOK_RETRY_DELAY_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60 * 60_000)
    .default(10_000),
  // A media upload sends up to 20 MB (100 MB if configured) to Meta: 60 s covers 20 MB at under 3 Mbit/s upstream.
  META_UPLOAD_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  // Payments (payments/). Unset: the bridge takes no payments (checkout and auto-recharge answer payments_not_configured);
  // `sandbox` charges the sandbox provider's test payment methods: never in production, where they buy points for free.
  PAYMENT_PROVIDER: z.enum(['sandbox']).optional(),
  // A pending payment whose callback has not come is asked about after this long (then again, backing off to hourly):
  // a minute is well past a provider's usual callback, and soon enough that a buyer waiting on it is not left guessing.
  PAYMENT_RECONCILE_AFTER_MS: z.coerce.number().int().min(10).max(86_400_000).default(60_000),
  // How long a sandbox pm_sandbox_slow payment stays pending before it succeeds and calls back.
  PAYMENT_SANDBOX_SETTLE_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  // Auto-recharges per account in any 30 days before it pauses: weekly recharges and one spare. A runaway spend (or a
  // recharge amount too small for the account's traffic) stops there and waits for a person instead of charging on.
  AUTO_RECHARGE_MAX_PER_30_DAYS: z.coerce.number().int().min(1).max(1_000).default(5),
  // How long a send's Idempotency-Key stays "in flight" before a retry may resume it (its process died): longer than
  // the slowest send (a 30 s media download, a 60 s upload, Meta's attempts), so a live request is never resumed.
  IDEMPOTENCY_CLAIM_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  // Raw webhook bodies kept this long after they were applied (webhooks/retention.ts, migration 0022). Each event is
  // kept as its own row either way; the body is for an operator re-reading exactly what Meta sent. 30 days outlast
  // Meta's 7 days of retries (a body sent again is still recognised by its hash after pruning) and a month's
  // invoice reconciliation; 0 keeps every body for ever.
  WEBHOOK_BODY_RETENTION_DAYS: z.coerce.number().int().min(0).max(3_650).default(30),
  // Webhook processing on PostgreSQL (webhooks/processor.ts): webhooks applied per transaction, and transactions in
  // flight per bridge process. Unset, the defaults there hold (measured in test/BENCHMARKS.md, `bench:drain`). PGlite
  // has its own (pgliteProcessing there) and ignores both.
  WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).optional(),
  WEBHOOK_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).optional(),
  // Admission control (webhooks/backlog.ts): once this many acknowledged webhooks wait to be applied, new ones are
  // refused with 503 and Retry-After (Meta delivers them again later) so that the backlog, and how stale the panels
  // are, stays bounded. 50,000 is tens of seconds of work at the rates in test/BENCHMARKS.md; 0 sets no bound.
  WEBHOOK_BACKLOG_MAX: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  // Roles on PostgreSQL: `off` makes a process only take webhooks in (store and acknowledge); processes with `on`
  // (the default) apply what any of them stored, sharing the work (FOR UPDATE SKIP LOCKED). One thread then no longer
  // does both under load (test/BENCHMARKS.md, session 9). PGlite needs `on`: its one process is all there is.
  WEBHOOK_PROCESSOR: z.enum(['on', 'off']).default('on'),
  // How often a processor looks for webhooks stored by another process (or left by a crash) when nothing woke it.
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  // Meta prices a message on its `sent` status, seconds after the send, and retries an unacknowledged webhook for up
  // to 7 days (docs/PLATFORM.md, Webhooks). A hold still unpriced after 8 days (those 7 and one more for a retry
  // schedule Meta does not publish exactly, and our own backlog) will almost surely never be priced: it is returned
  // rather than kept from the account for ever. A billable status arriving later is still captured (wallet/holds.ts).
  WALLET_HOLD_TIMEOUT_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90 * 24)
    .default(8 * 24),
  // Every hour: the audit reads every account's ledger in one statement, cheap at that pace, and a wallet that drifts
  // from its ledger (a bug or a hand edit) shows in the metrics within the hour; 0 turns the scheduled audit off.
  WALLET_AUDIT_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(60),
  // Meta and helpdesks time out webhooks after about 10 s, so draining longer than that gains nothing.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** PostgreSQL: send repeated statements as named prepared statements (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements: boolean;
  dataDir: string;
  adminToken: string;
  encryptionKey: string;
  encryptionKeysPrevious: string[];
  /** Base URL the bridge is reached at from outside, without a trailing slash. */
  publicUrl: string;
  metaGraphUrl: string;
  metaApiVersion: string;
  logLevel: (typeof logLevels)[number];
  /** Express's `trust proxy` setting: hops or addresses whose X-Forwarded-For is believed. */
  trustProxy: string | number | boolean;
  authFailuresPerMinute: number;
  /** How long a console sign-in lasts (bridge-server/src/console/). */
  consoleSessionMinutes: number;
  /** Days a processed raw webhook body is kept before it is pruned (webhooks/retention.ts); 0: for ever. */
  webhookBodyRetentionDays: number;
  /** PostgreSQL webhook processing, when set: webhooks per transaction, transactions in flight per process. */
  webhookProcessing: { batchSize?: number; parallelBatches?: number };
  /** Acknowledged webhooks waiting past which new ones are refused (503); 0: no bound. */
  webhookBacklogMax: number;
  /** Whether this process applies stored webhooks (false: it only takes them in; PostgreSQL only). */
  webhookProcessor: boolean;
  /** How often an idle processor looks for webhooks another process stored. */
  webhookPollIntervalMs: number;
  /** Hours a hold may wait for Meta's pricing before it is returned (wallet/holds.ts). */
  walletHoldTimeoutHours: number;
  /** How often each process audits the wallets against the ledger (wallet/audit-worker.ts); 0: never. */
  walletAuditIntervalMs: number;
  /** How long a send's Idempotency-Key may stay in flight before a retry resumes it (messages/idempotency.ts). */
  idempotencyClaimLeaseMs: number;
  shutdownTimeoutMs: number;
  /** Zendesk Channel framework: origins accepted as the admin UI's return_url besides https://<subdomain>.zendesk.com. */
  zendeskChannel: { returnUrlOrigins: string[]; pushClientId: string | undefined };
  /** Zoho channel: accounts servers accepted besides https://accounts.zoho.<data centre> (channels/zoho/oauth.ts). */
  zohoChannel: { accountsUrls: string[] };
  /** 0: no periodic template sync. */
  templateSyncIntervalMs: number;
  templateSyncPageSize: number;
  metaTimeoutMs: number;
  metaAttemptsMax: number;
  /** Timeout of one media upload to Meta (the body is a whole file). */
  metaUploadTimeoutMs: number;
  /** The largest file accepted per kind of media, in bytes. */
  mediaBytesMax: { image: number; document: number; video: number; audio: number };
  /** What `media.url` may fetch (see media/url-fetch.ts). */
  mediaUrl: { allowHttp: boolean; allowPrivateAddresses: boolean; timeoutMs: number; redirectsMax: number };
  /** The payment provider (undefined: none) and the payment and auto-recharge tunables (see payments/). */
  payments: {
    provider: 'sandbox' | undefined;
    reconcileAfterMs: number;
    sandboxSettleDelayMs: number;
    autoRechargeMaxPer30Days: number;
  };
  /** Where and how wallet events are POSTed (see wallet/events-webhook.ts). */
  walletWebhook: {
    allowHttp: boolean;
    allowPrivateAddresses: boolean;
    timeoutMs: number;
    attemptsMax: number;
    /** The first retry's delay; each next one doubles, up to an hour, with jitter. */
    retryDelayMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

function parseTrustProxy(value: string | undefined): string | number | boolean {
  if (value === undefined) return false;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Parses the environment once, at boot. Empty variables count as unset. Throws ConfigError listing every problem. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.code === 'invalid_type' && present[name] === undefined ? `${name} is required` : `${name} ${issue.message}`;
      }),
    );
  }
  const env = parsed.data;
  if (env.WEBHOOK_PROCESSOR === 'off' && env.DATABASE_URL === undefined) {
    throw new ConfigError([
      'WEBHOOK_PROCESSOR off needs DATABASE_URL: on embedded PGlite this process is the only one that can apply webhooks',
    ]);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databasePreparedStatements: env.DATABASE_PREPARED_STATEMENTS === 'on',
    dataDir: env.DATA_DIR,
    adminToken: env.BRIDGE_ADMIN_TOKEN,
    encryptionKey: env.BRIDGE_ENCRYPTION_KEY,
    encryptionKeysPrevious: env.BRIDGE_ENCRYPTION_KEYS_PREVIOUS,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    metaGraphUrl: env.META_GRAPH_URL.replace(/\/+$/, ''),
    metaApiVersion: env.META_API_VERSION,
    logLevel: env.LOG_LEVEL,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    consoleSessionMinutes: env.CONSOLE_SESSION_MINUTES,
    webhookBodyRetentionDays: env.WEBHOOK_BODY_RETENTION_DAYS,
    webhookBacklogMax: env.WEBHOOK_BACKLOG_MAX,
    webhookProcessor: env.WEBHOOK_PROCESSOR === 'on',
    webhookPollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    webhookProcessing: {
      ...(env.WEBHOOK_BATCH_SIZE === undefined ? {} : { batchSize: env.WEBHOOK_BATCH_SIZE }),
      ...(env.WEBHOOK_BATCHES_IN_FLIGHT === undefined ? {} : { parallelBatches: env.WEBHOOK_BATCHES_IN_FLIGHT }),
    },
    walletHoldTimeoutHours: env.WALLET_HOLD_TIMEOUT_HOURS,
    walletAuditIntervalMs: env.WALLET_AUDIT_INTERVAL_MINUTES * 60_000,
    idempotencyClaimLeaseMs: env.IDEMPOTENCY_CLAIM_LEASE_SECONDS * 1000,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    zendeskChannel: { returnUrlOrigins: env.ZENDESK_RETURN_URL_ORIGINS, pushClientId: env.ZENDESK_PUSH_CLIENT_ID },
    zohoChannel: { accountsUrls: env.ZOHO_ACCOUNTS_URLS },
    templateSyncIntervalMs: env.TEMPLATE_SYNC_INTERVAL_MINUTES * 60_000,
    templateSyncPageSize: env.TEMPLATE_SYNC_PAGE_SIZE,
    metaTimeoutMs: env.META_TIMEOUT_MS,
    metaAttemptsMax: env.META_ATTEMPTS_MAX,
    metaUploadTimeoutMs: env.META_UPLOAD_TIMEOUT_MS,
    mediaBytesMax: {
      image: env.MEDIA_IMAGE_BYTES_MAX,
      document: env.MEDIA_DOCUMENT_BYTES_MAX,
      video: env.MEDIA_VIDEO_BYTES_MAX,
      audio: env.MEDIA_AUDIO_BYTES_MAX,
    },
    mediaUrl: {
      allowHttp: env.MEDIA_URL_ALLOW_HTTP,
      allowPrivateAddresses: env.MEDIA_URL_ALLOW_PRIVATE_ADDRESSES,
      timeoutMs: env.MEDIA_URL_TIMEOUT_MS,
      redirectsMax: env.MEDIA_URL_REDIRECTS_MAX,
    },
    payments: {
      provider: env.PAYMENT_PROVIDER,
      reconcileAfterMs: env.PAYMENT_RECONCILE_AFTER_MS,
      sandboxSettleDelayMs: env.PAYMENT_SANDBOX_SETTLE_DELAY_MS,
      autoRechargeMaxPer30Days: env.AUTO_RECHARGE_MAX_PER_30_DAYS,
    },
    walletWebhook: {
      allowHttp: env.WALLET_WEBHOOK_ALLOW_HTTP,
      allowPrivateAddresses: env.WALLET_WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
      timeoutMs: env.WALLET_WEBHOOK_TIMEOUT_MS,
      attemptsMax: env.WALLET_WEBHOOK_ATTEMPTS_MAX,
      retryDelayMs: env.WALLET_WEBHOOK_RETRY_DELAY_MS,
    },
  };
}
