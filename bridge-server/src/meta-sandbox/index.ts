/**
 * The Meta sandbox as a program: a stand-in for Meta's WhatsApp Cloud API (Graph API + signed webhooks) for
 * demos and tests where graph.facebook.com cannot be reached. Run it with
 * `node bridge-server/dist/meta-sandbox/index.js` after `npm run build`. It logs JSON lines (pino) and never
 * logs access tokens or app secrets.
 *
 * Environment variables (empty counts as unset):
 *   META_SANDBOX_PORT                  Port to listen on. Default 8090.
 *   META_SANDBOX_HOST                  Interface to listen on. Default 127.0.0.1 (not reachable from other machines).
 *   META_SANDBOX_LOG_LEVEL             fatal|error|warn|info|debug|trace|silent. Default info.
 *   META_SANDBOX_THROUGHPUT_MPS        Graph send calls per second per number before error 130429. Default 80 (Meta's default).
 *   META_SANDBOX_STATUS_DELAYS_MS      Delays after an accepted send for sent,delivered,read, as "50,150,300" (the default).
 *   META_SANDBOX_NEVER_READ            "true" to make customers never read (no `read` statuses). Default false.
 *   META_SANDBOX_POLICY_ERRORS         "response" (default) answers 131047/131050 as Graph errors; "failed_status"
 *                                      accepts such sends and reports the error in a `failed` status webhook.
 *   META_SANDBOX_DELIVERY_ATTEMPTS_MAX Attempts per webhook body, the first included. Default 5.
 *   META_SANDBOX_RETRY_DELAY_MS        First retry delay, doubled per attempt up to 2 s. Default 100.
 *
 *   Optional demo number, registered at start and after every POST /sandbox/reset when
 *   META_SANDBOX_SEED_PHONE_NUMBER_ID is set:
 *   META_SANDBOX_SEED_PHONE_NUMBER_ID  Graph id of the number, digits (e.g. 106540352242922).
 *   META_SANDBOX_SEED_WABA_ID          Graph id of its WhatsApp Business Account, digits. Required with the above.
 *   META_SANDBOX_SEED_ACCESS_TOKEN     Bearer token the Graph API accepts for it (≥ 8 characters). Required with the above.
 *   META_SANDBOX_SEED_APP_SECRET       Key of the X-Hub-Signature-256 HMAC on its webhooks (≥ 8 characters). Required.
 *   META_SANDBOX_SEED_WEBHOOK_URL      Where its webhooks are POSTed (e.g. the bridge's /webhooks/meta). Optional.
 *   META_SANDBOX_SEED_DISPLAY_PHONE_NUMBER  Default "+1 555-010-0000".
 *   META_SANDBOX_SEED_VERIFIED_NAME    Default "Sandbox Shop".
 *
 * Media: `POST /{version}/{phone-number-id}/media` keeps uploads in memory (30 days of sandbox time, Meta's types and
 * caps); `GET /{version}/{media-id}` answers a download URL on the sandbox itself. See media.ts.
 * Verification codes are deterministic: request_code "sends" 123456 unless the control API sets another.
 * Shuts down on SIGTERM/SIGINT: pending webhooks are abandoned, connections closed.
 */
import pino from 'pino';
import * as z from 'zod';
import { closeOnSignals, runSandboxProgram } from '../sandboxes/common/process.js';
import type { NumberInput } from './numbers.js';
import { createMetaSandbox } from './sandbox.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const statusDelays = z
  .string()
  .regex(/^\d+,\d+,\d+$/, 'must be three millisecond delays "sent,delivered,read", e.g. 50,150,300')
  .transform((value) => {
    const [sent, delivered, read] = value.split(',').map(Number) as [number, number, number];
    return { sent, delivered, read };
  });

const environmentSchema = z.object({
  META_SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  META_SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  META_SANDBOX_LOG_LEVEL: z.enum(logLevels).default('info'),
  META_SANDBOX_THROUGHPUT_MPS: z.coerce.number().int().min(1).max(100_000).default(80),
  META_SANDBOX_STATUS_DELAYS_MS: statusDelays.default({ sent: 50, delivered: 150, read: 300 }),
  META_SANDBOX_NEVER_READ: z.enum(['true', 'false']).default('false'),
  META_SANDBOX_POLICY_ERRORS: z.enum(['response', 'failed_status']).default('response'),
  META_SANDBOX_DELIVERY_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(50).default(5),
  META_SANDBOX_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(100),
  META_SANDBOX_SEED_PHONE_NUMBER_ID: z.string().regex(/^\d+$/).optional(),
  META_SANDBOX_SEED_WABA_ID: z.string().regex(/^\d+$/).optional(),
  META_SANDBOX_SEED_ACCESS_TOKEN: z.string().min(8).optional(),
  META_SANDBOX_SEED_APP_SECRET: z.string().min(8).optional(),
  META_SANDBOX_SEED_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  META_SANDBOX_SEED_DISPLAY_PHONE_NUMBER: z.string().default('+1 555-010-0000'),
  META_SANDBOX_SEED_VERIFIED_NAME: z.string().default('Sandbox Shop'),
});
type Environment = z.infer<typeof environmentSchema>;

function readEnvironment(): Environment {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')} ${issue.message}`).join('\n');
    process.stderr.write(`meta-sandbox: invalid configuration:\n${problems}\n`);
    process.exit(78); // EX_CONFIG
  }
  return parsed.data;
}

function seedNumber(environment: Environment): NumberInput[] {
  const id = environment.META_SANDBOX_SEED_PHONE_NUMBER_ID;
  if (id === undefined) return [];
  const {
    META_SANDBOX_SEED_WABA_ID: wabaId,
    META_SANDBOX_SEED_ACCESS_TOKEN: token,
    META_SANDBOX_SEED_APP_SECRET: secret,
  } = environment;
  if (wabaId === undefined || token === undefined || secret === undefined) {
    process.stderr.write(
      'meta-sandbox: META_SANDBOX_SEED_PHONE_NUMBER_ID needs META_SANDBOX_SEED_WABA_ID, _ACCESS_TOKEN and _APP_SECRET too.\n',
    );
    process.exit(78);
  }
  return [
    {
      phone_number_id: id,
      waba_id: wabaId,
      display_phone_number: environment.META_SANDBOX_SEED_DISPLAY_PHONE_NUMBER,
      verified_name: environment.META_SANDBOX_SEED_VERIFIED_NAME,
      access_token: token,
      app_secret: secret,
      ...(environment.META_SANDBOX_SEED_WEBHOOK_URL !== undefined
        ? { webhook_url: environment.META_SANDBOX_SEED_WEBHOOK_URL }
        : {}),
    },
  ];
}

async function main(): Promise<void> {
  const environment = readEnvironment();
  const logger = pino({
    level: environment.META_SANDBOX_LOG_LEVEL,
    base: { service: 'meta-sandbox' },
    // Nothing logs these on purpose; the redaction keeps an accidental object dump from printing them.
    redact: {
      paths: ['*.access_token', '*.app_secret', '*.accessToken', '*.appSecret', '*.authorization'],
      censor: '[redacted]',
    },
  });
  const numbers = seedNumber(environment);
  const sandbox = createMetaSandbox({
    logger,
    numbers,
    knobs: {
      throughputMessagesPerSecond: environment.META_SANDBOX_THROUGHPUT_MPS,
      statusDelaysMs: environment.META_SANDBOX_STATUS_DELAYS_MS,
      neverRead: environment.META_SANDBOX_NEVER_READ === 'true',
      policyErrors: environment.META_SANDBOX_POLICY_ERRORS,
      deliveryAttemptsMax: environment.META_SANDBOX_DELIVERY_ATTEMPTS_MAX,
      retryDelayMsInitial: environment.META_SANDBOX_RETRY_DELAY_MS,
    },
  });
  const running = await sandbox.listen(environment.META_SANDBOX_PORT, environment.META_SANDBOX_HOST);
  logger.info({ url: running.url, seededNumbers: numbers.map((number) => number.phone_number_id) }, 'meta sandbox listening');

  closeOnSignals([running], logger);
}

runSandboxProgram('meta-sandbox', main);
