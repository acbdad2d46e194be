import { createHash } from 'node:crypto';
import { metaWebhookPath, metaWebhookVerificationQuery, parseWebhook, routes, type WebhookEvent } from '@wabridge/shared';
import express, { type Request, Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import { findDeploymentSecrets, secretContext } from '../deployments/store.js';
import { DomainError, validationFailed } from '../domain/errors.js';
import { type MountOptions, mountByHand } from '../http/mount.js';
import { decodeUtf8Body } from '../http/request-errors.js';
import { secretsEqual } from '../security/tokens.js';
import type { Services } from '../services.js';
import { WebhookBacklog } from './backlog.js';
import { type InboxRow, WebhookInbox } from './inbox.js';
import type { WebhookJournal } from './journal.js';
import type { WebhookProcessor } from './processor.js';
import { accountNumbersOf, foreignNumbersOf } from './routing.js';
import { isValidMetaSignature } from './signature.js';

/** Meta sends webhook bodies of up to 3 MB (batches of up to 1,000 updates). */
const metaBodyLimitBytes = 3 * 1024 * 1024;
/**
 * How long a deployment's app secret is kept in memory for checking signatures: long enough to spare a
 * SELECT and an AES-GCM open per webhook under load, short enough that a rotated secret is in force within
 * seconds on every replica.
 */
const appSecretCacheMs = 10_000;

/**
 * Mounted by hand (the contract says so): Meta signs the raw bytes and its checks come in their own order.
 * `journal`: on-disk PGlite acknowledges webhooks once they are in the journal (see journal.ts); otherwise once
 * they are in webhook_events.
 */
export function webhooksRouter(
  { db, secretBox, logger, config }: Services,
  processor: WebhookProcessor,
  options: Pick<MountOptions, 'mounted'>,
  journal?: WebhookJournal,
  metricsRegistry?: Registry,
): Router {
  const router = Router();
  const foreignBodies = new Counter({
    name: 'wabridge_webhooks_foreign_number_total',
    help: 'Signed webhook bodies refused for naming a phone number outside the account of the deployment that received them.',
    registers: metricsRegistry === undefined ? [] : [metricsRegistry],
  });
  const refusedForBacklog = new Counter({
    name: 'wabridge_webhooks_backlog_refused_total',
    help: 'Signed webhook bodies refused with 503 (Meta delivers them again) because the backlog was over WEBHOOK_BACKLOG_MAX.',
    registers: metricsRegistry === undefined ? [] : [metricsRegistry],
  });
  const backlog = new WebhookBacklog(db, config.webhookBacklogMax, () => journal?.backlog ?? 0);
  /** When the last "refusing webhooks" warning was logged: one line per period, not one per refused request. */
  let backlogWarnedAtMs = Number.NEGATIVE_INFINITY;
  const accountNumbers = new Map<string, { numbers: Set<string>; expiresAtMs: number }>();

  /**
   * The numbers named in `events` that the receiving deployment may not speak for. The account's numbers are
   * kept in memory as long as the app secret; a number not among them is looked up again before it is refused,
   * so that a deployment registered a moment ago is never refused from a stale list.
   */
  async function foreignNumbers(deploymentId: string, events: readonly WebhookEvent[]): Promise<string[]> {
    const cached = accountNumbers.get(deploymentId);
    if (cached !== undefined && cached.expiresAtMs > Date.now() && foreignNumbersOf(events, cached.numbers).length === 0) {
      return [];
    }
    const numbers = await accountNumbersOf(db, deploymentId);
    accountNumbers.set(deploymentId, { numbers, expiresAtMs: Date.now() + appSecretCacheMs });
    return foreignNumbersOf(events, numbers);
  }
  const inbox = new WebhookInbox(db);
  const store =
    journal === undefined
      ? (row: InboxRow) => inbox.store(row)
      : (row: InboxRow) => journal.append({ ...row, received_at: new Date() });
  const appSecrets = new Map<string, { appSecret: string; expiresAtMs: number }>();

  /** The deployment's app secret, from memory while fresh; not_found when there is no such deployment. */
  async function appSecretOf(request: Request): Promise<{ deploymentId: string; appSecret: string }> {
    const params = metaWebhookPath.safeParse(request.params);
    const cached = params.success ? appSecrets.get(params.data.deployment_id) : undefined;
    if (params.success && cached !== undefined && cached.expiresAtMs > Date.now()) {
      return { deploymentId: params.data.deployment_id, appSecret: cached.appSecret };
    }
    const deployment = await deploymentSecrets(request);
    const appSecret = secretBox.open(deployment.app_secret_sealed, secretContext(deployment.id, 'app_secret'));
    appSecrets.set(deployment.id, { appSecret, expiresAtMs: Date.now() + appSecretCacheMs });
    return { deploymentId: deployment.id, appSecret };
  }

  async function deploymentSecrets(request: Request) {
    const params = metaWebhookPath.safeParse(request.params);
    const deployment = params.success ? await findDeploymentSecrets(db, params.data.deployment_id) : undefined;
    if (deployment === undefined) throw new DomainError('not_found', `No deployment at ${request.path}.`);
    return deployment;
  }

  router.get(mountByHand(options, routes.verifyMetaWebhook), async (request, response) => {
    response.locals.routePath = routes.verifyMetaWebhook.path;
    const deployment = await deploymentSecrets(request);
    const query = metaWebhookVerificationQuery.safeParse(request.query);
    if (!query.success) {
      throw validationFailed(
        query.error.issues.map((issue) => ({ path: `query.${issue.path.join('.')}`, code: issue.code, message: issue.message })),
      );
    }
    const verifyToken = secretBox.open(deployment.verify_token_sealed, secretContext(deployment.id, 'verify_token'));
    if (!secretsEqual(query.data['hub.verify_token'], verifyToken)) {
      throw new DomainError('invalid_verify_token', 'hub.verify_token is not the verify token registered for this deployment.');
    }
    response.status(200).type('text/plain').send(query.data['hub.challenge']);
  });

  router.post(
    mountByHand(options, routes.receiveMetaWebhook),
    express.raw({ type: () => true, limit: metaBodyLimitBytes }),
    async (request, response) => {
      response.locals.routePath = routes.receiveMetaWebhook.path;
      const { deploymentId, appSecret } = await appSecretOf(request);
      const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!isValidMetaSignature(body, request.get('x-hub-signature-256'), appSecret)) {
        throw new DomainError(
          'invalid_signature',
          'X-Hub-Signature-256 must be sha256=<HMAC-SHA256 of the raw body keyed by the app secret>.',
        );
      }
      try {
        await backlog.admit();
      } catch (error) {
        refusedForBacklog.inc();
        response.locals.shed = true;
        if (performance.now() - backlogWarnedAtMs > 10_000) {
          backlogWarnedAtMs = performance.now();
          logger.warn(
            { backlogMax: config.webhookBacklogMax },
            'refusing webhooks with 503 while the backlog is over WEBHOOK_BACKLOG_MAX (Meta delivers them again)',
          );
        }
        throw error;
      }
      let parsedJson: unknown;
      try {
        parsedJson = JSON.parse(decodeUtf8Body(body));
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw new DomainError('invalid_json', `The body is not valid JSON: ${(error as Error).message}.`);
      }
      const parsed = parseWebhook(parsedJson);
      if (!parsed.ok) {
        throw new DomainError(
          'invalid_webhook',
          'Expected {object: "whatsapp_business_account", entry: [{id, changes: [...]}]}.',
          {
            errors: parsed.issues.map((issue) => ({
              path: `body.${issue.path.join('.')}`,
              code: issue.code,
              message: issue.message,
            })),
          },
        );
      }
      const foreign = await foreignNumbers(deploymentId, parsed.events);
      if (foreign.length > 0) {
        foreignBodies.inc();
        logger.warn({ deploymentId, foreignNumbers: foreign }, 'webhook refused: it names numbers of another account');
        throw new DomainError(
          'foreign_phone_number',
          `The body names phone_number_id ${foreign.join(', ')}, which is not a number of this deployment's account; nothing was stored.`,
        );
      }
      // Durable before the 200: Meta never resends an acknowledged webhook. A body it already sent is stored once.
      await store({ deployment_id: deploymentId, body, body_sha256: createHash('sha256').update(body).digest('hex') });
      response.status(200).end();
      processor.noteIngestion();
      logger.debug({ deploymentId, events: parsed.events.length }, 'webhook stored');
    },
  );
  return router;
}
