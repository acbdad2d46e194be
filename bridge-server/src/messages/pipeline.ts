import {
  type AccountPricingSettings,
  type ContactActivity,
  checkSendConsent,
  currentConsent,
  describeConsentRefusal,
  type Message,
  normalizePhoneNumber,
  type PricingQuote,
  type SendMediaContent,
  type SendMessageRequest,
  topicForTemplate,
  topicIds,
  windowState,
} from '@wabridge/shared';
import { type Kysely, sql, type Transaction } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { helpdeskDeliveryTargets, queueHelpdeskDelivery } from '../conversations/delivery.js';
import { secretContext } from '../deployments/store.js';
import { DomainError, validationFailed } from '../domain/errors.js';
import type { MediaService } from '../media/service.js';
import type { MediaUploadRow } from '../media/store.js';
import { aKind, extensionOf, mediaTypeOf } from '../media/types.js';
import type { MetaGraphClient } from '../meta/client.js';
import type { OutboundMessage } from '../meta/messages.js';
import { metaDomainError, metaOutcomeOf } from '../meta/outcomes.js';
import { type AccountStanding, accountStandingOf, mayStopSending, numberSendingOf } from '../numbers/health.js';
import { accountEventRowsOf, latestAccountEventsQuery } from '../numbers/health-store.js';
import { recordMetaStopConsent } from '../optin/signals.js';
import { consentRecordsOf, loadOptinSettings } from '../optin/store.js';
import { quoteMessage } from '../pricing/quote.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import type { MessageSource, Schema } from '../storage/schema.js';
import { componentsFor, headerUploadOf, validateValues, withHeaderMediaId } from '../templates/model.js';
import { findTemplate, type TemplateRow } from '../templates/store.js';
import { holdForMessage } from '../wallet/charges.js';
import { pricingSettingsOf } from '../wallet/settings.js';
import { settleCharge } from '../wallet/settlement.js';
import { acceptMessage, errorColumns, findMessage } from './store.js';

export interface SendContext {
  accountId: string;
  deploymentId: string;
  /** The installation that asked; null for the bridge's own messages (the outbox's confirmation replies). */
  installationId: string | null;
  /**
   * The id to record the message under, chosen by the caller beforehand (the outbox). The record step then
   * refuses to record it twice: if a message with this id exists, an earlier attempt got as far as recording
   * it and may have reached Meta, so nothing is sent again (`MessageAlreadyRecordedError`).
   */
  messageId?: string;
  /** Who asked: an agent (default for installations), the bridge (default without one), or a helpdesk automation. */
  source?: MessageSource;
  /** The automation's name, for a helpdesk automation's send. */
  automation?: string;
  /**
   * Work that must exist exactly when the message does (an automation's note on the ticket): run inside the
   * transaction that records the message and its hold.
   */
  onRecorded?: (transaction: Transaction<Schema>, messageId: string) => Promise<void>;
  /**
   * Work that must commit with Meta's acceptance of the message (an Idempotency-Key's answer): run inside the
   * transaction that records the wamid, with the message as the send answers it. One commit per send fewer than
   * completing it on its own (issue 16, sends per second).
   */
  onAccepted?: (transaction: Transaction<Schema>, message: Message) => Promise<void>;
  /** Sent as a reply written in a helpdesk's own composer (Zendesk channelback): already on its ticket. */
  channelReply?: 'zendesk' | 'zoho';
}

/** The message id of the send was recorded before: an earlier attempt may have reached Meta; nothing is sent. */
export class MessageAlreadyRecordedError extends Error {
  constructor(readonly messageId: string) {
    super(`message ${messageId} is already recorded; it is not sent again`);
    this.name = 'MessageAlreadyRecordedError';
  }
}

type MessageState = Schema['messages']['state'];

interface Dependencies {
  db: Kysely<Schema>;
  meta: MetaGraphClient;
  secretBox: SecretBox;
  logger: Logger;
  clock: Clock;
}

/** What a send reads before its checks (`SendPipeline.readSending`). */
export interface Sending {
  deployment: { phone_number_id: string; access_token_sealed: string };
  accountEvents: Parameters<typeof accountEventRowsOf>[0];
  pricingSettings: AccountPricingSettings | undefined;
  contact: ContactActivity;
}

/** What the policy step settled: the template to send, or the uploaded file to send, if any. */
interface Checked {
  template: TemplateRow | undefined;
  media: MediaUploadRow | undefined;
}

/**
 * The one send pipeline: validate → policy checks → price → reserve + record → send. Everything that can refuse a
 * message happens before Meta is called, and first of all whether the number can send at all: one whose account Meta
 * restricted or disabled (its stored `account_update` webhooks say so) refuses every send (`number_cannot_send`) rather
 * than letting Meta refuse each. The reserve step holds the message's points in the same transaction
 * that records it: a message is recorded with its hold or not at all (`insufficient_points`). Free messages
 * (window replies, free entry points) record a free charge and need no points. Accounts without point prices
 * are not metered: their messages carry no charge.
 *
 * Media is free-form, like text: the window check applies. A `media.upload_id` must name an upload of this
 * deployment; a `media.url` is fetched, checked and uploaded to Meta in the policy step, after the window check, so
 * a message that would be refused never fetches or uploads anything. Meta's media id is then sent like any other.
 */
export class SendPipeline {
  constructor(
    private readonly dependencies: Dependencies,
    private readonly media: MediaService,
  ) {}

  /**
   * `sending`: what `readSending` read for this send, when the caller started it beforehand (beside its own round trip).
   */
  async send(
    context: SendContext,
    request: SendMessageRequest,
    sending: Promise<Sending> = this.readSending(context, request.to),
  ): Promise<Message> {
    // What the checks need of the deployment, its number's latest account webhooks, the account's point prices and the
    // customer's window is read in one statement (issue 16: one round trip, not three). Whether the number can send is
    // settled first; the deployment itself is used once the message is recorded.
    const deployment = sending.then(({ deployment, accountEvents, contact }) => {
      // Nearly always nothing stops the number; a restriction stops answers or new conversations, so then the customer's
      // window decides which this send is.
      const now = this.dependencies.clock.now();
      const standing = accountStandingOf(accountEventRowsOf(accountEvents), now);
      if (mayStopSending(standing)) refuseIfCannotSend(standing, { open: windowState(contact, now).state === 'open' });
      return deployment;
    });
    deployment.catch(() => {});
    // The policy checks read meanwhile; the one that calls Meta (a media URL's upload) waits for the number's verdict.
    const policy = this.#checkPolicy(context, request, deployment, sending);
    policy.catch(() => {});
    // A number that cannot send is the refusal to give, whatever else is wrong with the message.
    await deployment;
    const [checked, { pricingSettings }] = await Promise.all([policy, sending]);
    let messageId: string;
    try {
      const price = await this.#price(context, request, checked, pricingSettings);
      messageId = await this.#record(context, request, checked, price);
    } catch (error) {
      // A media URL was fetched and uploaded to Meta for this send, which is refused now (not enough points):
      // the upload is forgotten and Meta asked to delete the file, so nothing is left there that nobody sends.
      if (checked.media?.source === 'url') await this.media.discard(context.accountId, checked.media);
      throw error;
    }
    return this.#deliverToMeta(context, messageId, request, checked, await deployment);
  }

  /**
   * The deployment's number and token, its latest account webhooks, the account's point prices (undefined: not metered)
   * and the customer's window activity (all null: never wrote), in one statement. It only reads: a caller may start it
   * before it knows whether it will send (`IdempotentSender`, beside the key's claim).
   */
  async readSending(context: Pick<SendContext, 'accountId' | 'deploymentId'>, to: string): Promise<Sending> {
    const { db } = this.dependencies;
    const waId = to.replace(/^\+/, '');
    const contactColumn = (column: 'last_inbound_at' | 'last_referral_inbound_at' | 'first_reply_after_referral_at') =>
      db
        .selectFrom('contacts')
        .select(column)
        .where('contacts.deployment_id', '=', context.deploymentId)
        .where('contacts.wa_id', '=', waId);
    const row = await db
      .selectFrom('deployments')
      .select(['phone_number_id', 'access_token_sealed'])
      .select((eb) => [
        jsonArrayFrom(latestAccountEventsQuery(db, context.deploymentId)).as('account_events'),
        jsonObjectFrom(
          eb
            .selectFrom('account_pricing_settings')
            .selectAll()
            .where('account_pricing_settings.account_id', '=', context.accountId),
        ).as('pricing'),
        contactColumn('last_inbound_at').as('last_inbound_at'),
        contactColumn('last_referral_inbound_at').as('last_referral_inbound_at'),
        contactColumn('first_reply_after_referral_at').as('first_reply_after_referral_at'),
      ])
      .where('id', '=', context.deploymentId)
      .executeTakeFirstOrThrow();
    return {
      deployment: { phone_number_id: row.phone_number_id, access_token_sealed: row.access_token_sealed },
      accountEvents: row.account_events,
      pricingSettings: row.pricing === null ? undefined : pricingSettingsOf(row.pricing),
      contact: {
        lastInboundAt: row.last_inbound_at,
        lastReferralInboundAt: row.last_referral_inbound_at,
        firstReplyAfterReferralAt: row.first_reply_after_referral_at,
      } satisfies ContactActivity,
    };
  }

  /** `numberCanSend` settles once the number's verdict is known (rejects when it cannot send): Meta waits for it. */
  async #checkPolicy(
    context: SendContext,
    request: SendMessageRequest,
    numberCanSend: Promise<unknown>,
    sending: Promise<{ contact: ContactActivity }>,
  ): Promise<Checked> {
    if (request.text !== undefined) {
      this.#checkWindow(request.to, (await sending).contact);
      return { template: undefined, media: undefined };
    }
    if (request.media !== undefined) {
      const contact = (await sending).contact;
      return { template: undefined, media: await this.#checkMedia(context, request.to, request.media, contact, numberCanSend) };
    }
    const template = await this.#checkTemplate(context, request, sending);
    return { template, media: await this.#checkHeaderUpload(context, template, request.template!.parameters) };
  }

  /**
   * A template's media header given as one of the bridge's uploads (`{upload_id}`, as the panel sends it): an upload of
   * this deployment, not expired, of the kind the header takes. Meta would take a wrong kind and fail the message later
   * (131053), so it is refused here. The message records the upload, so it counts as sent.
   */
  async #checkHeaderUpload(
    context: SendContext,
    template: TemplateRow,
    parameters: NonNullable<SendMessageRequest['template']>['parameters'],
  ): Promise<MediaUploadRow | undefined> {
    const wanted = headerUploadOf(template, parameters);
    if (wanted === undefined) return undefined;
    const upload = await this.media.findSendable(context.deploymentId, wanted.uploadId, this.dependencies.clock.now());
    if (upload.kind !== wanted.headerKind) {
      throw new DomainError(
        'media_content_mismatch',
        `The template's header takes ${aKind(wanted.headerKind)} but upload ${upload.id} is ${aKind(upload.kind)} (${upload.mime_type}).`,
        { expected_kind: wanted.headerKind, content_kind: upload.kind, content_type: upload.mime_type },
      );
    }
    return upload;
  }

  /** Free-form messages (text, media) only inside the customer service window. */
  #checkWindow(to: string, contact: ContactActivity): void {
    const window = windowState(contact, this.dependencies.clock.now());
    if (window.state !== 'open') {
      throw new DomainError('window_closed', `${to} has not written in the last 24 hours: send an approved template instead.`, {
        window: {
          state: window.state,
          kind: window.kind,
          last_inbound_at: contact.lastInboundAt?.toISOString() ?? null,
        },
      });
    }
  }

  /**
   * The contract takes a number outside the ranges the phone-number metadata knows (customerPhoneNumber), because
   * WhatsApp delivers some (a `wa_id` such as +44 7700 900…). A template to one is sent only when the customer has
   * written to us, so WhatsApp vouched for the number; otherwise it is refused as a number to check, as a typo would be.
   * (Free-form messages need the customer to have written anyway: the window check covers them.)
   */
  async #checkUnknownRange(to: string, sending: Promise<{ contact: ContactActivity }>): Promise<void> {
    if (normalizePhoneNumber(to).ok) return;
    if ((await sending).contact.lastInboundAt !== null) return;
    throw validationFailed([
      {
        path: 'body.to',
        code: 'invalid_phone_number',
        message: 'is outside the number ranges known for its country and has never written on WhatsApp: check the number',
      },
    ]);
  }

  /** The file to send: an existing upload that fits the request, or the URL's file, fetched and uploaded now. */
  async #checkMedia(
    context: SendContext,
    to: string,
    media: SendMediaContent,
    contact: ContactActivity,
    numberCanSend: Promise<unknown>,
  ): Promise<MediaUploadRow> {
    if (media.upload_id !== undefined) {
      const upload = await this.media.findSendable(context.deploymentId, media.upload_id, this.dependencies.clock.now());
      checkUploadFits(upload, media);
      this.#checkWindow(to, contact);
      return upload;
    }
    this.#checkWindow(to, contact);
    await numberCanSend;
    const { installationId } = context;
    if (installationId === null) throw new Error('a media URL is fetched on behalf of an installation only');
    return this.media.storeFromUrl({ ...context, installationId }, media.url!, media.kind, media.filename);
  }

  async #checkTemplate(
    context: SendContext,
    request: SendMessageRequest,
    sending: Promise<{ contact: ContactActivity }>,
  ): Promise<TemplateRow> {
    const { db } = this.dependencies;
    await this.#checkUnknownRange(request.to, sending);
    const wanted = request.template!;
    const template = await findTemplate(db, context.deploymentId, wanted.name, wanted.language);
    if (template === undefined) {
      throw new DomainError(
        'template_not_found',
        `No template ${wanted.name} in ${wanted.language} on this deployment (sync templates?).`,
        {
          template: { name: wanted.name, language: wanted.language },
        },
      );
    }
    if (template.status !== 'APPROVED') {
      throw new DomainError(
        'template_not_approved',
        `Template ${wanted.name} (${wanted.language}) is ${template.status}, not APPROVED.`,
        {
          template: { name: wanted.name, language: wanted.language, status: template.status },
        },
      );
    }
    await this.#checkConsent(context, request.to, template);
    const problems = validateValues(template, wanted.parameters);
    if (problems.length > 0) {
      throw new DomainError('invalid_template_parameters', problems.map((problem) => problem.message).join(' '), {
        errors: problems.map((problem) => ({
          path: `body.template.parameters.${problem.key}`,
          code: problem.code,
          message: problem.message,
        })),
      });
    }
    return template;
  }

  /** A template needs the customer's opt-in to its topic (from its current category); nothing is sent otherwise. */
  async #checkConsent(context: SendContext, phone: string, template: TemplateRow): Promise<void> {
    const { db } = this.dependencies;
    const settings = await loadOptinSettings(db, context.accountId);
    const topic = topicForTemplate(settings.configuration, { name: template.name, category: template.category });
    const consent = currentConsent(await consentRecordsOf(db, context.accountId, phone), topicIds(settings.configuration));
    const verdict = checkSendConsent({ messageKind: 'template', topic, consent });
    if (!verdict.allowed) {
      throw new DomainError('opt_in_required', describeConsentRefusal(verdict), {
        topic: verdict.topic,
        opt_in_state: verdict.state,
        reason: verdict.reason,
      });
    }
  }

  /** The message's price for a metered account (undefined otherwise), as `GET /v1/pricing/quote` gives it. */
  async #price(
    context: SendContext,
    request: SendMessageRequest,
    checked: Checked,
    settings: AccountPricingSettings | undefined,
  ): Promise<PricingQuote | undefined> {
    const { db } = this.dependencies;
    if (settings === undefined) return undefined;
    return quoteMessage(db, {
      deploymentId: context.deploymentId,
      to: request.to,
      content: checked.template !== undefined ? { kind: 'template', category: checked.template.category } : { kind: 'free_form' },
      settings,
      at: this.dependencies.clock.now(),
    });
  }

  /** Records the message and reserves its points, in one transaction: both or neither. */
  async #record(
    context: SendContext,
    request: SendMessageRequest,
    checked: Checked,
    price: PricingQuote | undefined,
  ): Promise<string> {
    const id = context.messageId ?? newId('msg');
    if (price === undefined && context.onRecorded === undefined) {
      // Nothing to write with it (an account that is not metered): its one INSERT commits alone, without the two
      // round trips of BEGIN and COMMIT (issue 16, sends per second).
      await this.#insertMessage(this.dependencies.db, id, context, request, checked);
      return id;
    }
    return this.dependencies.db.transaction().execute(async (transaction) => {
      await this.#insertMessage(transaction, id, context, request, checked);
      if (price !== undefined) {
        await holdForMessage(
          transaction,
          {
            accountId: context.accountId,
            messageId: id,
            deploymentId: context.deploymentId,
            installationId: context.installationId,
            ticket: request.ticket,
          },
          price,
        );
      }
      await context.onRecorded?.(transaction, id);
      return id;
    });
  }

  async #insertMessage(
    transaction: Kysely<Schema>,
    id: string,
    context: SendContext,
    request: SendMessageRequest,
    checked: Checked,
  ): Promise<void> {
    const recorded = await transaction
      .insertInto('messages')
      .values({
        id,
        deployment_id: context.deploymentId,
        installation_id: context.installationId,
        recipient_phone: request.to,
        kind: request.template !== undefined ? 'template' : request.media !== undefined ? 'media' : 'text',
        content: JSON.stringify(contentOf(request, checked)),
        media_upload_id: checked.media?.id ?? null,
        template_name: checked.template?.name ?? null,
        template_language: checked.template?.language ?? null,
        template_category: checked.template?.category ?? null,
        ticket_helpdesk: request.ticket?.helpdesk ?? null,
        ticket_id: request.ticket?.id ?? null,
        channel_reply: context.channelReply ?? null,
        state: 'sending',
        source: context.source ?? (context.installationId === null ? 'bridge' : 'agent'),
        automation: context.automation ?? null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (recorded === undefined) throw new MessageAlreadyRecordedError(id);
  }

  #outbound(request: SendMessageRequest, checked: Checked): OutboundMessage {
    if (checked.media !== undefined && request.media !== undefined) return mediaMessage(request.to, request.media, checked.media);
    if (checked.template !== undefined && request.template !== undefined) {
      return {
        type: 'template',
        to: request.to,
        template: {
          name: checked.template.name,
          languageCode: checked.template.language,
          components: componentsFor(
            checked.template,
            checked.media === undefined
              ? request.template.parameters
              : withHeaderMediaId(checked.template, request.template.parameters, checked.media.meta_media_id),
          ),
        },
      } as OutboundMessage;
    }
    return { type: 'text', to: request.to, body: request.text!.body, previewUrl: request.text!.preview_url ?? false };
  }

  async #deliverToMeta(
    context: SendContext,
    messageId: string,
    request: SendMessageRequest,
    checked: Checked,
    deployment: { phone_number_id: string; access_token_sealed: string },
  ): Promise<Message> {
    const { db, meta, secretBox, logger } = this.dependencies;
    const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(context.deploymentId, 'access_token'));
    // Only a message still 'sending' is settled here: a status webhook carrying our id may have settled it first.
    // A failed message was not sent (or Meta will not bill it): its hold is released in the same transaction, and
    // what the failure teaches (`learn`: Meta's 131050 opts the customer out) is written in it too, so neither is
    // ever recorded without the other.
    const settle = (
      columns: Record<string, unknown> & { state: MessageState },
      learn?: (transaction: Transaction<Schema>) => Promise<void>,
    ) =>
      db.transaction().execute(async (transaction) => {
        await transaction
          .updateTable('messages')
          .set({ ...columns, updated_at: sql<Date>`now()` })
          .where('id', '=', messageId)
          .where('state', '=', 'sending')
          .execute();
        if (columns.state === 'failed') {
          await settleCharge(transaction, messageId, {
            kind: 'release',
            reason: `the send failed (${String(columns.error_reason ?? 'meta')}): nothing to bill`,
            metaPricingType: null,
            metaCategory: null,
          });
        }
        await learn?.(transaction);
      });
    try {
      const sent = await meta.sendMessage(accessToken, deployment.phone_number_id, this.#outbound(request, checked), {
        bizOpaqueCallbackData: messageId,
      });
      // A status webhook may have reconciled the message already (it carries our id): keep the furthest state. The
      // wamid joins the conversation feed, and the helpdesks' deliveries are written with it (conversations/delivery.ts).
      return await db.transaction().execute(async (transaction) => {
        // Whether a helpdesk could take it is asked in the same statement: most deployments have nothing to write.
        const targets = helpdeskDeliveryTargets(transaction, context.deploymentId);
        const accepted = await acceptMessage(transaction, messageId, sent.wamid, targets);
        if (accepted === undefined) throw new Error(`message ${messageId} vanished while it was being sent`);
        if (accepted.channelReply === null && accepted.found) {
          await queueHelpdeskDelivery(transaction, context.deploymentId, {
            direction: 'outbound',
            externalId: messageId,
            accountId: context.accountId,
          });
        }
        await context.onAccepted?.(transaction, accepted.message);
        return accepted.message;
      });
    } catch (error) {
      // Anything else that failed here, before or after the call, counts as Meta unreached: nothing is known sent.
      const outcome = metaOutcomeOf(error) ?? { kind: 'unreachable', error };
      if (outcome.kind === 'outcome_unknown') {
        // Never resent: a status webhook carrying our id will say whether Meta accepted it.
        await settle({ state: 'outcome_unknown' });
        logger.warn({ messageId }, 'send outcome unknown; waiting for Meta’s status webhook');
      } else if (outcome.kind === 'refused_for_now') {
        // Meta refused for now (throughput, pair rate limit, maintenance) even after the client's retries:
        // nothing was sent, so the same Idempotency-Key may try again.
        await settle({ state: 'failed', ...errorColumns(outcome.error) });
        throw metaDomainError(
          outcome,
          `Meta is refusing messages for the moment (${outcome.error.code}): ${outcome.error.reasonText}`,
          { message_id: messageId },
        );
      } else if (outcome.kind === 'refused') {
        // Meta's 131050: the customer stopped marketing in WhatsApp; the registry learns it with the failure.
        const stoppedMarketing =
          outcome.error.code === 131050
            ? (transaction: Transaction<Schema>) =>
                recordMetaStopConsent(transaction, context.accountId, context.deploymentId, {
                  wamid: messageId,
                  timestamp: this.dependencies.clock.now(),
                  phone: request.to,
                  template: checked.template ? { name: checked.template.name, category: checked.template.category } : undefined,
                })
            : undefined;
        await settle({ state: 'failed', ...errorColumns(outcome.error) }, stoppedMarketing);
        const message = await findMessage(db, context.deploymentId, messageId);
        throw metaDomainError(outcome, `Meta refused the message: ${outcome.error.reasonText}`, { message });
      } else {
        await settle({
          state: 'failed',
          error_reason: 'meta_unreachable',
          error_title: String((error as Error).message ?? error),
        });
        throw metaDomainError(
          outcome,
          'Meta could not be reached; the message was not sent. Retry with the same Idempotency-Key.',
          { message_id: messageId },
        );
      }
    }
    return (await findMessage(db, context.deploymentId, messageId))!;
  }
}

/**
 * Refuses the send when the number's stored account webhooks show Meta restricted or disabled its account
 * (numbers/health.ts numberSendingOf, as the panel's status says it): Meta would refuse each message (its 131031
 * "Business Account locked" / restriction errors), after points were held for it.
 */
function refuseIfCannotSend(standing: AccountStanding, window: { open: boolean }): void {
  const number = numberSendingOf(standing, window);
  if (number.can_send) return;
  const until = number.blocked_until === null ? '' : ` until ${number.blocked_until}`;
  throw new DomainError(
    'number_cannot_send',
    number.cannot_send_reason === 'account_banned'
      ? 'Meta disabled this number’s WhatsApp Business Account: nothing can be sent until Meta reinstates it.'
      : window.open
        ? `Meta restricted this number’s account${until}: it cannot answer customers who wrote until the restriction ends.`
        : `Meta restricted this number’s account${until}: it cannot start conversations until the restriction ends.`,
    { number },
  );
}

/** What a message records of what it sends; media with the facts of the file, as sent. */
function contentOf(request: SendMessageRequest, checked: Checked): Record<string, unknown> {
  if (request.template !== undefined) return { template: request.template };
  if (request.media !== undefined && checked.media !== undefined) {
    const upload = checked.media;
    return {
      media: {
        kind: upload.kind,
        upload_id: upload.id,
        mime_type: upload.mime_type,
        size_bytes: upload.size_bytes,
        filename: request.media.filename ?? upload.filename,
        caption: request.media.caption ?? null,
        source: request.media.url !== undefined ? 'url' : 'upload',
      },
    };
  }
  return { text: request.text };
}

/** An upload sent as `media`: of the kind asked for, and named (documents) with an extension its content has. */
function checkUploadFits(upload: MediaUploadRow, media: SendMediaContent): void {
  const type = mediaTypeOf(upload.mime_type);
  if (upload.kind !== media.kind) {
    throw new DomainError(
      'media_content_mismatch',
      `media.kind is ${media.kind} but upload ${upload.id} is ${aKind(upload.kind)} (${type?.label ?? upload.mime_type}).`,
      { expected_kind: media.kind, content_kind: upload.kind, content_type: upload.mime_type },
    );
  }
  const extension = media.filename === undefined ? undefined : extensionOf(media.filename);
  if (extension !== undefined && type !== undefined && !type.extensions.includes(extension)) {
    throw new DomainError(
      'media_content_mismatch',
      `media.filename ends in .${extension} but upload ${upload.id} is ${type.label} (.${type.extensions.join(', .')}).`,
      { filename: media.filename, content_type: upload.mime_type },
    );
  }
}

/** `{type: kind, <kind>: {id, caption?, filename?}}`: Meta's media id of the upload; captions where WhatsApp has them. */
function mediaMessage(to: string, media: SendMediaContent, upload: MediaUploadRow): OutboundMessage {
  const source = { id: upload.meta_media_id };
  const caption = media.caption;
  switch (upload.kind) {
    case 'image':
      return { type: 'image', to, media: source, caption };
    case 'video':
      return { type: 'video', to, media: source, caption };
    case 'document':
      return { type: 'document', to, media: source, caption, filename: media.filename ?? upload.filename ?? undefined };
    case 'audio':
      return { type: 'audio', to, media: source };
  }
}
