import { type Message, type ProblemCode, problemCatalogue, type SendMessageRequest } from '@wabridge/shared';
import type { Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { problemExtensions } from '../http/problem.js';
import type { MediaService } from '../media/service.js';
import type { Services } from '../services.js';
import type { Schema } from '../storage/schema.js';
import { IdempotencyKeys, requestFingerprint } from './idempotency.js';
import { MessageAlreadyRecordedError, type SendContext, type Sending, SendPipeline } from './pipeline.js';
import { findMessage } from './store.js';

/** Answers that depend only on the request, so a replay may give them again; others free the key. */
function isReplayable(error: DomainError): boolean {
  return problemCatalogue[error.code].status < 500 && error.code !== 'idempotency_key_in_flight';
}

/** Who sends: an installation, within its account and deployment (keys are scoped to the installation). */
export interface Sender extends Pick<SendContext, 'source' | 'automation' | 'onRecorded'> {
  accountId: string;
  deploymentId: string;
  installationId: string;
  /** A reply written in a helpdesk's own composer (Zendesk channelback): recorded as such (messages.channel_reply). */
  channelReply?: 'zendesk' | 'zoho';
}

/**
 * The send pipeline behind an idempotency key, for every edge that sends on an installation's behalf (the API's
 * Idempotency-Key, Zendesk's request_unique_identifier): the first request with a key sends, a repeat gets the first
 * answer (a message, or the same refusal), a repeat with another body is refused.
 */
export class IdempotentSender {
  readonly #pipeline: SendPipeline;
  readonly #keys: IdempotencyKeys;

  constructor(
    private readonly services: Services,
    media: MediaService,
  ) {
    this.#pipeline = new SendPipeline(services, media);
    this.#keys = new IdempotencyKeys(services.db, services.config.idempotencyClaimLeaseMs);
  }

  /**
   * Sends under the message id the key reserved. A resumed key whose earlier request recorded that message (and may
   * have reached Meta) before it died is answered with it, never sent again; so is one a late original records first.
   */
  async #sendOnce(
    context: SendContext & { messageId: string },
    body: SendMessageRequest,
    resumed: boolean,
    sending: Promise<Sending>,
  ): Promise<Message> {
    const { db } = this.services;
    const recorded = resumed ? await findMessage(db, context.deploymentId, context.messageId) : undefined;
    if (recorded !== undefined) return recorded;
    try {
      return await this.#pipeline.send(context, body, sending);
    } catch (error) {
      if (!(error instanceof MessageAlreadyRecordedError)) throw error;
      return (await findMessage(db, context.deploymentId, error.messageId))!;
    }
  }

  /** `onReplay` is told, before the answer or the refusal, that it repeats the key's first answer. */
  async send(sender: Sender, key: string, body: SendMessageRequest, onReplay: () => void = () => {}): Promise<Message> {
    const scope = sender.installationId;
    // The send's first read goes out beside the claim (it only reads): one round trip fewer on every send (issue 16).
    // A replay or a refused key wastes it.
    const sending = this.#pipeline.readSending(sender, body.to);
    sending.catch(() => {});
    const claim = await this.#keys.claim(scope, key, requestFingerprint(body));
    if (claim.kind === 'replay') {
      onReplay();
      if (claim.status >= 400) {
        const {
          code,
          detail,
          type: _type,
          title: _title,
          status: _status,
          instance: _instance,
          request_id: _requestId,
          ...extensions
        } = claim.body as { code: ProblemCode; detail: string } & Record<string, unknown>;
        throw new DomainError(code, detail, extensions);
      }
      return claim.body as unknown as Message;
    }
    try {
      // Completed in the transaction that records Meta's acceptance; otherwise (an answer found recorded, a message
      // already settled by a status webhook) on its own.
      let completed = false;
      const onAccepted = async (transaction: Transaction<Schema>, message: Message) => {
        await this.#keys.complete(scope, key, 202, message, transaction);
        completed = true;
      };
      const message = await this.#sendOnce({ ...sender, messageId: claim.messageId, onAccepted }, body, claim.resumed, sending);
      if (!completed) await this.#keys.complete(scope, key, 202, message);
      return message;
    } catch (error) {
      if (error instanceof DomainError && isReplayable(error)) {
        await this.#keys.complete(scope, key, problemCatalogue[error.code].status, {
          code: error.code,
          detail: error.detail,
          ...problemExtensions(error),
        });
      } else {
        await this.#keys.release(scope, key, claim.token);
      }
      throw error;
    }
  }
}
