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
  // A media upload sends up to 20 MB (100 MB if configured) to Meta: 60 s covers 20 MB at under 3 Mbit/s upstream.
  META_UPLOAD_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
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
  /** Timeout of one media upload to Meta (the body is a whole file). */
  metaUploadTimeoutMs: number;
  /** The largest file accepted per kind of media, in bytes. */
  mediaBytesMax: { image: number; document: number; video: number; audio: number };
  /** What `media.url` may fetch (see media/url-fetch.ts). */
  mediaUrl: { allowHttp: boolean; allowPrivateAddresses: boolean; timeoutMs: number; redirectsMax: number };
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
  };
}
