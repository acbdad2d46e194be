import * as z from 'zod';

const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 random bytes written as 64 hexadecimal characters (openssl rand -hex 32)');

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every environment variable the bridge reads; `.env.example` documents each one. */
const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded PGlite)')
    .optional(),
  // Ten connections per replica keeps a few replicas well under PostgreSQL's default max_connections (100).
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
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
  META_GRAPH_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://graph.facebook.com'),
  META_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v24.0')
    .default('v24.0'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  TRUST_PROXY: z.string().optional(),
  // A person mistyping a token fails a few times a minute; a script guessing fails thousands of times.
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
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
  // Meta and helpdesks time out webhooks after about 10 s, so draining longer than that gains nothing.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
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
  shutdownTimeoutMs: number;
  /** 0: no periodic template sync. */
  templateSyncIntervalMs: number;
  templateSyncPageSize: number;
  metaTimeoutMs: number;
  metaAttemptsMax: number;
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
  return {
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
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
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    templateSyncIntervalMs: env.TEMPLATE_SYNC_INTERVAL_MINUTES * 60_000,
    templateSyncPageSize: env.TEMPLATE_SYNC_PAGE_SIZE,
    metaTimeoutMs: env.META_TIMEOUT_MS,
    metaAttemptsMax: env.META_ATTEMPTS_MAX,
  };
}
