import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { newSandboxId } from './ids.js';
import type { Knobs } from './knobs.js';
import { serializeLikeMeta, signatureHeader } from './meta-json.js';
import type { Delivery, PhoneNumber, SandboxState } from './state.js';
import type { Timers } from './timers.js';
import { mergeChanges, type WebhookChange, webhookBody } from './webhooks.js';

/** Meta batches at most 1,000 updates into one POST; a fuller batch is flushed at once. */
const updatesPerPostMax = 1_000;

export interface DispatcherDependencies {
  state: SandboxState;
  timers: Timers;
  logger: Logger;
  now(): number;
  knobsFor(phoneNumberId: string): Knobs;
}

/**
 * Posts webhook bodies to each number's webhook URL, signed with its app secret, the way Meta does:
 * optionally batched, duplicated or delayed; retried with doubling back-off after anything but a 200 or a
 * network error; every attempt recorded on the delivery so tests can inspect it.
 */
export class WebhookDispatcher {
  private readonly batches = new Map<string, WebhookChange[]>();
  private readonly inFlight = new Set<AbortController>();
  /** Keep-alive connections to the receivers, as Meta keeps them. */
  private readonly agent = new Agent({ connections: 64 });
  /** Per number, the tail of its first attempts: bodies go out one at a time, in the order they were emitted. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly dependencies: DispatcherDependencies) {}

  /** Queues one change of a number: posted at once, or with the number's batch when batching is on. */
  emit(number: PhoneNumber, change: WebhookChange): void {
    // Meta posts a WABA's webhooks only to apps subscribed to it (`/{waba-id}/subscribed_apps`).
    if (this.dependencies.state.unsubscribedWabas.has(number.wabaId)) return;
    const knobs = this.dependencies.knobsFor(number.phoneNumberId);
    if (knobs.batchWindowMs === 0) {
      this.post(number, [change]);
      return;
    }
    const batch = this.batches.get(number.phoneNumberId);
    if (batch !== undefined) {
      batch.push(change);
      if (batch.length >= updatesPerPostMax) this.flush(number.phoneNumberId);
      return;
    }
    this.batches.set(number.phoneNumberId, [change]);
    this.dependencies.timers.after(knobs.batchWindowMs, () => this.flush(number.phoneNumberId), this.logFailure);
  }

  /**
   * Emits a change about the WABA rather than one number (template and account updates). Meta posts it to
   * every app subscribed to the WABA; in the sandbox each distinct webhook URL and secret among the WABA's
   * numbers stands for one app. Answers whether any number could carry it.
   */
  emitForWaba(wabaId: string, change: WebhookChange): boolean {
    const apps = new Map<string, PhoneNumber>();
    for (const number of this.dependencies.state.numbersOfWaba(wabaId)) {
      const app = `${number.webhookUrl ?? ''} ${number.appSecret}`;
      if (!apps.has(app)) apps.set(app, number);
    }
    for (const number of apps.values()) this.emit(number, change);
    return apps.size > 0;
  }

  /** Aborts requests still waiting for a receiver (used on shutdown). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort(new Error('sandbox closing'));
    void this.agent.close().catch(this.logFailure);
  }

  private flush(phoneNumberId: string): void {
    const changes = this.batches.get(phoneNumberId);
    this.batches.delete(phoneNumberId);
    const number = this.dependencies.state.numbers.get(phoneNumberId);
    if (changes === undefined || changes.length === 0 || number === undefined) return;
    this.post(number, mergeChanges(changes));
  }

  private post(number: PhoneNumber, changes: WebhookChange[]): void {
    const body = serializeLikeMeta(webhookBody(number.wabaId, changes, this.dependencies.now()));
    const delivery: Delivery = {
      id: newSandboxId('delivery'),
      phoneNumberId: number.phoneNumberId,
      wabaId: number.wabaId,
      url: number.webhookUrl,
      body,
      signature: signatureHeader(Buffer.from(body, 'utf8'), number.appSecret),
      fields: [...new Set(changes.map((change) => change.field))],
      duplicateOf: undefined,
      state: 'pending',
      attempts: [],
      createdAtMs: this.dependencies.now(),
    };
    this.start(delivery);
  }

  private start(delivery: Delivery): void {
    this.dependencies.state.deliveries.push(delivery);
    const knobs = this.dependencies.knobsFor(delivery.phoneNumberId);
    this.dependencies.timers.after(knobs.deliveryDelayMs, () => this.enqueueFirstAttempt(delivery), this.logFailure);
  }

  /**
   * First attempts of one number are serialised so that, unless a knob says otherwise, `sent` arrives before
   * `delivered` even when two POSTs would race. Retries are not queued: a body that failed may arrive after
   * later ones, which is the reordering Meta warns about.
   */
  private enqueueFirstAttempt(delivery: Delivery): Promise<void> {
    const previous = this.queues.get(delivery.phoneNumberId) ?? Promise.resolve();
    const attempt = previous.then(() => this.attempt(delivery));
    this.queues.set(
      delivery.phoneNumberId,
      attempt.catch(() => undefined),
    );
    return attempt;
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const knobs = this.dependencies.knobsFor(delivery.phoneNumberId);
    const startedAtMs = Date.now();
    const outcome = await this.request(delivery, knobs.deliveryTimeoutMs);
    delivery.attempts.push({ atMs: this.dependencies.now(), durationMs: Date.now() - startedAtMs, ...outcome });
    const logFields = { delivery: delivery.id, attempt: delivery.attempts.length, fields: delivery.fields, ...outcome };
    if (outcome.httpStatus === 200) {
      delivery.state = 'delivered';
      this.dependencies.logger.debug(logFields, 'webhook delivered');
      if (knobs.duplicateDeliveries && delivery.duplicateOf === undefined) this.duplicate(delivery);
      return;
    }
    if (delivery.url === undefined || delivery.attempts.length >= knobs.deliveryAttemptsMax) {
      delivery.state = 'failed';
      this.dependencies.logger.warn(logFields, 'webhook delivery given up');
      return;
    }
    const retryDelayMs = Math.min(knobs.retryDelayMsInitial * 2 ** (delivery.attempts.length - 1), knobs.retryDelayMsMax);
    this.dependencies.logger.info({ ...logFields, retryDelayMs }, 'webhook delivery failed; retrying');
    this.dependencies.timers.after(retryDelayMs, () => this.attempt(delivery), this.logFailure);
  }

  private duplicate(original: Delivery): void {
    this.start({
      ...original,
      id: newSandboxId('delivery'),
      duplicateOf: original.id,
      state: 'pending',
      attempts: [],
      createdAtMs: this.dependencies.now(),
    });
  }

  private async request(
    delivery: Delivery,
    timeoutMs: number,
  ): Promise<{ httpStatus: number | undefined; error: string | undefined }> {
    if (delivery.url === undefined) return { httpStatus: undefined, error: 'no webhook_url is configured for this number' };
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      // undici's request rather than fetch: a third of fetch's cost per call, and a busy benchmark posts three of
      // these per message sent.
      const response = await request(delivery.url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'facebookexternalua',
          'X-Hub-Signature-256': delivery.signature,
        },
        body: delivery.body,
        signal: controller.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      await response.body.dump();
      return { httpStatus: response.statusCode, error: undefined };
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      return { httpStatus: undefined, error: describeNetworkError(reason) };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }

  private readonly logFailure = (error: unknown): void => {
    this.dependencies.logger.error({ err: error }, 'webhook dispatcher failure');
  };
}

/** undici's errors name the system's code (ECONNREFUSED, UND_ERR_SOCKET…) and say what happened. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
