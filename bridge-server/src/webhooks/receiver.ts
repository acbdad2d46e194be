import { createHash } from 'node:crypto';
import { metaWebhookPath, readWebhookFrame } from '@wabridge/shared';
import { Counter, type Registry } from 'prom-client';
import { findDeploymentSecrets, secretContext } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import { decodeUtf8Body } from '../http/request-errors.js';
import type { Services } from '../services.js';
import { WebhookBacklog } from './backlog.js';
import { type InboxRow, WebhookInbox } from './inbox.js';
import type { WebhookJournal } from './journal.js';
import type { WebhookProcessor } from './processor.js';
import { accountNumbersOf, foreignNumbersOf } from './routing.js';
import { isValidMetaSignature } from './signature.js';

/** Meta sends webhook bodies of up to 3 MB (batches of up to 1,000 updates). */
export const metaBodyLimitBytes = 3 * 1024 * 1024;
/**
 * How long a deployment's app secret is kept in memory for checking signatures: long enough to spare a
 * SELECT and an AES-GCM open per webhook under load, short enough that a rotated secret is in force within
 * seconds on every replica.
 */
const appSecretCacheMs = 10_000;

/** A webhook refused because the backlog is full is load shed on purpose: its request logs quietly (observability.ts). */
export const isShedWebhook = (error: unknown): boolean => error instanceof DomainError && error.code === 'webhook_backlog_full';

/**
 * What receiving one of Meta's webhooks takes, whoever read its bytes (webhooks/ingress.ts for the usual POST,
 * the Express route in router.ts for the rest): the deployment's app secret, the signature over the raw bytes, room
 * in the backlog, the body's envelope and numbers, and the durable store before the 200. Each refusal is a
 * `DomainError`, and nothing is stored unless every check passed.
 *
 * `journal`: on-disk PGlite acknowledges webhooks once they are in the journal (see journal.ts); otherwise once
 * they are in webhook_events.
 */
export class WebhookReceiver {
  readonly #services: Services;
  readonly #processor: WebhookProcessor;
  readonly #store: (row: InboxRow) => Promise<void>;
  readonly #backlog: WebhookBacklog;
  readonly #foreignBodies: Counter;
  readonly #refusedForBacklog: Counter;
  readonly #appSecrets = new Map<string, { appSecret: string; expiresAtMs: number }>();
  readonly #accountNumbers = new Map<string, { numbers: Set<string>; expiresAtMs: number }>();
  /** When the last "refusing webhooks" warning was logged: one line per period, not one per refused request. */
  #backlogWarnedAtMs = Number.NEGATIVE_INFINITY;

  constructor(services: Services, processor: WebhookProcessor, journal?: WebhookJournal, metricsRegistry?: Registry) {
    this.#services = services;
    this.#processor = processor;
    const inbox = new WebhookInbox(services.db);
    this.#store =
      journal === undefined ? (row) => inbox.store(row) : (row) => journal.append({ ...row, received_at: new Date() });
    this.#backlog = new WebhookBacklog(services.db, services.config.webhookBacklogMax, () => journal?.backlog ?? 0);
    const registers = metricsRegistry === undefined ? [] : [metricsRegistry];
    this.#foreignBodies = new Counter({
      name: 'wabridge_webhooks_foreign_number_total',
      help: 'Signed webhook bodies refused for naming a phone number outside the account of the deployment that received them.',
      registers,
    });
    this.#refusedForBacklog = new Counter({
      name: 'wabridge_webhooks_backlog_refused_total',
      help: 'Signed webhook bodies refused with 503 (Meta delivers them again) because the backlog was over WEBHOOK_BACKLOG_MAX.',
      registers,
    });
  }

  /** The deployment the path names, with its sealed secrets; not_found when there is none. */
  async deploymentSecrets(params: unknown, path: string) {
    const parsed = metaWebhookPath.safeParse(params);
    const deployment = parsed.success ? await findDeploymentSecrets(this.#services.db, parsed.data.deployment_id) : undefined;
    if (deployment === undefined) throw new DomainError('not_found', `No deployment at ${path}.`);
    return deployment;
  }

  /**
   * Checks and stores one webhook body: `params` are the path's (`{deployment_id}`), `signature` the
   * X-Hub-Signature-256 header. Resolves once the body is durable, when the 200 may be sent.
   */
  async receive(params: unknown, path: string, body: Buffer, signature: string | undefined): Promise<void> {
    const { deploymentId, appSecret } = await this.#appSecretOf(params, path);
    if (!isValidMetaSignature(body, signature, appSecret)) {
      throw new DomainError(
        'invalid_signature',
        'X-Hub-Signature-256 must be sha256=<HMAC-SHA256 of the raw body keyed by the app secret>.',
      );
    }
    await this.#admit();
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(decodeUtf8Body(body));
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('invalid_json', `The body is not valid JSON: ${(error as Error).message}.`);
    }
    const frame = readWebhookFrame(parsedJson);
    if (!frame.ok) {
      throw new DomainError('invalid_webhook', 'Expected {object: "whatsapp_business_account", entry: [{id, changes: [...]}]}.', {
        errors: frame.issues.map((issue) => ({
          path: `body.${issue.path.join('.')}`,
          code: issue.code,
          message: issue.message,
        })),
      });
    }
    const foreign = await this.#foreignNumbers(deploymentId, frame.phoneNumberIds);
    if (foreign.length > 0) {
      this.#foreignBodies.inc();
      this.#services.logger.warn(
        { deploymentId, foreignNumbers: foreign },
        'webhook refused: it names numbers of another account',
      );
      throw new DomainError(
        'foreign_phone_number',
        `The body names phone_number_id ${foreign.join(', ')}, which is not a number of this deployment's account; nothing was stored.`,
      );
    }
    // Durable before the 200: Meta never resends an acknowledged webhook. A body it already sent is stored once.
    await this.#store({ deployment_id: deploymentId, body, body_sha256: createHash('sha256').update(body).digest('hex') });
    this.#processor.noteIngestion();
    this.#services.logger.debug({ deploymentId, changes: frame.changes }, 'webhook stored');
  }

  /** The deployment's app secret, from memory while fresh; not_found when there is no such deployment. */
  async #appSecretOf(params: unknown, path: string): Promise<{ deploymentId: string; appSecret: string }> {
    const parsed = metaWebhookPath.safeParse(params);
    const cached = parsed.success ? this.#appSecrets.get(parsed.data.deployment_id) : undefined;
    if (parsed.success && cached !== undefined && cached.expiresAtMs > Date.now()) {
      return { deploymentId: parsed.data.deployment_id, appSecret: cached.appSecret };
    }
    const deployment = await this.deploymentSecrets(params, path);
    const appSecret = this.#services.secretBox.open(deployment.app_secret_sealed, secretContext(deployment.id, 'app_secret'));
    this.#appSecrets.set(deployment.id, { appSecret, expiresAtMs: Date.now() + appSecretCacheMs });
    return { deploymentId: deployment.id, appSecret };
  }

  /** Room in the backlog, or webhook_backlog_full (503 with Retry-After: Meta delivers the webhook again). */
  async #admit(): Promise<void> {
    try {
      await this.#backlog.admit();
    } catch (error) {
      this.#refusedForBacklog.inc();
      if (performance.now() - this.#backlogWarnedAtMs > 10_000) {
        this.#backlogWarnedAtMs = performance.now();
        this.#services.logger.warn(
          { backlogMax: this.#services.config.webhookBacklogMax },
          'refusing webhooks with 503 while the backlog is over WEBHOOK_BACKLOG_MAX (Meta delivers them again)',
        );
      }
      throw error;
    }
  }

  /**
   * The numbers of `named` that the receiving deployment may not speak for. The account's numbers are
   * kept in memory as long as the app secret; a number not among them is looked up again before it is refused,
   * so that a deployment registered a moment ago is never refused from a stale list.
   */
  async #foreignNumbers(deploymentId: string, named: readonly string[]): Promise<string[]> {
    const cached = this.#accountNumbers.get(deploymentId);
    if (cached !== undefined && cached.expiresAtMs > Date.now() && foreignNumbersOf(named, cached.numbers).length === 0) {
      return [];
    }
    const numbers = await accountNumbersOf(this.#services.db, deploymentId);
    this.#accountNumbers.set(deploymentId, { numbers, expiresAtMs: Date.now() + appSecretCacheMs });
    return foreignNumbersOf(named, numbers);
  }
}
