/**
 * The helpdesk sandboxes as a program: local stand-ins for Zendesk Support's Channel framework and Zoho Desk's
 * channel integration, for demos and tests where neither service can be reached. Run them with
 * `npm run helpdesk-sandboxes` (builds, then runs `node bridge-server/dist/sandboxes/index.js`). They log JSON lines
 * (pino) and never log tokens, security contexts or bodies. What each simulates, and from which documentation, is in
 * bridge-server/src/sandboxes/README.md.
 *
 * Environment variables (empty counts as unset):
 *   HELPDESK_SANDBOXES_HOST            Interface to listen on. Default 127.0.0.1 (not reachable from other machines).
 *   HELPDESK_SANDBOXES_LOG_LEVEL       fatal|error|warn|info|debug|trace|silent. Default info.
 *   ZENDESK_SANDBOX_PORT               Port of the simulated Zendesk (API, return_url, control API under /sandbox). Default 8091.
 *   ZENDESK_SANDBOX_SUBDOMAIN          The account's subdomain posted to admin UIs. Default "sandbox".
 *   ZENDESK_SANDBOX_PUBLIC_URL         How integrations reach it (return_url, attachment URLs). Default http://<host>:<port>.
 *   ZENDESK_SANDBOX_ALLOW_HTTP         "false" to require https URLs as Zendesk does. Default true (local demos run on http).
 *   ZENDESK_SANDBOX_PULL_INTERVAL_MS   How often pull_url is polled; 0 = only through the control API. Default 120000
 *                                      (Zendesk: "approximately every 2 minutes").
 *   ZOHO_SANDBOX_PORT                  Port of the simulated Zoho Desk (OAuth, /api/v1, control API under /sandbox). Default 8092.
 *   ZOHO_SANDBOX_ORG_ID                The org id (digits). Default 60001234567.
 *   ZOHO_SANDBOX_API_DOMAIN            The api_domain OAuth answers carry. Default the sandbox's own URL (it serves /api/v1).
 *   ZOHO_SANDBOX_PULL_INTERVAL_MS      How often sync.pull is called; 0 = only through the control API. Default 240000
 *                                      (Zoho: "every 4 minutes").
 * Shuts down on SIGTERM/SIGINT: pending pulls, channelbacks and reply pushes are abandoned, connections closed.
 */
import pino from 'pino';
import * as z from 'zod';
import { closeOnSignals, runSandboxProgram } from './common/process.js';
import { createZendeskSandbox } from './zendesk/sandbox.js';
import { createZohoDeskSandbox } from './zoho-desk/sandbox.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const environmentSchema = z.object({
  HELPDESK_SANDBOXES_HOST: z.string().min(1).default('127.0.0.1'),
  HELPDESK_SANDBOXES_LOG_LEVEL: z.enum(logLevels).default('info'),
  ZENDESK_SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(8091),
  ZENDESK_SANDBOX_SUBDOMAIN: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('sandbox'),
  ZENDESK_SANDBOX_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  ZENDESK_SANDBOX_ALLOW_HTTP: z.enum(['true', 'false']).default('true'),
  ZENDESK_SANDBOX_PULL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  ZOHO_SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(8092),
  ZOHO_SANDBOX_ORG_ID: z
    .string()
    .regex(/^\d{1,20}$/)
    .default('60001234567'),
  ZOHO_SANDBOX_API_DOMAIN: z.url({ protocol: /^https?$/ }).optional(),
  ZOHO_SANDBOX_PULL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(240_000),
});
type Environment = z.infer<typeof environmentSchema>;

function readEnvironment(): Environment {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')} ${issue.message}`).join('\n');
    process.stderr.write(`helpdesk-sandboxes: invalid configuration:\n${problems}\n`);
    process.exit(78); // EX_CONFIG
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const environment = readEnvironment();
  const logger = pino({
    level: environment.HELPDESK_SANDBOXES_LOG_LEVEL,
    base: { service: 'helpdesk-sandboxes' },
    // Nothing logs these on purpose; the redaction keeps an accidental object dump from printing them.
    redact: { paths: ['*.accessToken', '*.securityContext', '*.authorization', '*.metadata'], censor: '[redacted]' },
  });
  const host = environment.HELPDESK_SANDBOXES_HOST;
  const zendesk = createZendeskSandbox({
    logger: logger.child({ helpdesk: 'zendesk' }),
    subdomain: environment.ZENDESK_SANDBOX_SUBDOMAIN,
    allowPlainHttp: environment.ZENDESK_SANDBOX_ALLOW_HTTP === 'true',
    knobs: { pullIntervalMs: environment.ZENDESK_SANDBOX_PULL_INTERVAL_MS },
    ...(environment.ZENDESK_SANDBOX_PUBLIC_URL !== undefined ? { publicUrl: environment.ZENDESK_SANDBOX_PUBLIC_URL } : {}),
  });
  const zoho = createZohoDeskSandbox({
    logger: logger.child({ helpdesk: 'zoho-desk' }),
    orgId: environment.ZOHO_SANDBOX_ORG_ID,
    knobs: { pullIntervalMs: environment.ZOHO_SANDBOX_PULL_INTERVAL_MS },
    ...(environment.ZOHO_SANDBOX_API_DOMAIN !== undefined ? { apiDomain: environment.ZOHO_SANDBOX_API_DOMAIN } : {}),
  });
  const running = [
    await zendesk.listen(environment.ZENDESK_SANDBOX_PORT, host),
    await zoho.listen(environment.ZOHO_SANDBOX_PORT, host),
  ];
  logger.info({ zendesk: running[0]?.url, zohoDesk: running[1]?.url }, 'helpdesk sandboxes listening');

  closeOnSignals(running, logger);
}

runSandboxProgram('helpdesk-sandboxes', main);
