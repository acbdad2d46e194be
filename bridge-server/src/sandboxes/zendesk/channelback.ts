import { randomUUID } from 'node:crypto';
import type { OutboundAnswer } from '../common/outbound.js';
import { deliver } from '../common/retrying.js';
import type { ZendeskContext } from './context.js';
import { emitEvent } from './events.js';
import type { Comment, Instance, Ticket } from './state.js';

/** How much of a refusal's body the agent sees (Zendesk shows a short error on the comment). */
const agentErrorCharactersMax = 500;

export function attachmentUrl(context: ZendeskContext, token: string, fileName: string): string {
  return `${context.publicUrl()}/attachments/token/${token}/?name=${encodeURIComponent(fileName)}`;
}

/** The external resource the reply answers: the newest comment on the ticket that has an external id. */
function parentExternalId(context: ZendeskContext, ticket: Ticket, reply: Comment): string | undefined {
  const withIds = context.state
    .commentsOf(ticket.id)
    .filter((comment) => comment.id !== reply.id && comment.externalId !== undefined);
  return withIds.at(-1)?.externalId;
}

/**
 * The documented channelback form: message, parent_id, recipient_id (left out when the requester has no channel
 * identity), metadata, request_unique_identifier, thread_id when the ticket has one, and file_urls[] when the
 * manifest declares channelback_files.
 */
function channelbackFields(context: ZendeskContext, instance: Instance, ticket: Ticket, reply: Comment, identifier: string) {
  const manifest = context.state.integrations.get(instance.integrationId)?.manifest;
  const requester = context.state.users.get(ticket.requesterId);
  const parentId = parentExternalId(context, ticket, reply);
  const fields: Record<string, string | string[]> = {
    message: reply.body,
    metadata: instance.metadata,
    request_unique_identifier: identifier,
  };
  if (parentId !== undefined) fields.parent_id = parentId;
  if (requester?.instanceId === instance.id && requester.externalId !== undefined) fields.recipient_id = requester.externalId;
  if (ticket.threadId !== undefined) fields.thread_id = ticket.threadId;
  if (manifest?.channelback_files === true && reply.attachments.length > 0) {
    fields['file_urls[]'] = reply.attachments.map((attachment) => attachmentUrl(context, attachment.token, attachment.fileName));
  }
  return fields;
}

function settle(
  context: ZendeskContext,
  instance: Instance,
  ticket: Ticket,
  reply: Comment,
  answer: OutboundAnswer,
  url: string,
): void {
  const channelback = reply.channelback!;
  const parsed = context.schemas.channelbackAnswer.safeParse(answer.json());
  if (!parsed.success) {
    const message = `Invalid channelback answer: ${parsed.error.issues[0]?.message ?? 'not JSON'}`;
    fail(context, instance, reply, { url, httpStatus: answer.status, message });
    return;
  }
  channelback.status = 'sent';
  channelback.externalId = parsed.data.external_id;
  reply.externalId = parsed.data.external_id;
  // Zendesk associates the answered id with the comment, so pulling or pushing it later is already_imported.
  context.state.externalIds.set(context.state.externalIdKey(instance.id, parsed.data.external_id), reply.id);
  if (parsed.data.allow_channelback !== undefined) ticket.allowChannelback = parsed.data.allow_channelback;
  if (parsed.data.metadata !== undefined) instance.metadata = parsed.data.metadata;
  if (parsed.data.metadata_needs_update === true) instance.metadataNeedsUpdate = true;
}

function fail(
  context: ZendeskContext,
  instance: Instance,
  reply: Comment,
  failure: { url: string; httpStatus: number | undefined; message: string },
): void {
  const { httpStatus, message } = failure;
  const channelback = reply.channelback!;
  channelback.status = 'failed';
  channelback.error = {
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    message: message.slice(0, agentErrorCharactersMax),
  };
  emitEvent(context, instance, 'channelback', { url: failure.url, request_id: channelback.requestUniqueIdentifier }, message);
}

function deliverChannelback(
  context: ZendeskContext,
  instance: Instance,
  ticket: Ticket,
  reply: Comment,
  url: string,
): Promise<void> {
  const channelback = reply.channelback!;
  return deliver({
    timers: context.timers,
    now: context.now,
    policy: () => ({ ...context.knobs, attemptsMax: context.knobs.channelbackAttemptsMax }),
    send: () => context.outbound.postForm(url, channelback.fields, context.knobs.channelbackTimeoutMs),
    attempts: channelback.attempts,
    onAnswer: (answer) => {
      if (answer.status === 200) settle(context, instance, ticket, reply, answer, url);
      else
        fail(context, instance, reply, {
          url,
          httpStatus: answer.status,
          message: answer.text().trim() || `HTTP ${answer.status}`,
        });
    },
    onGiveUp: (failure) => fail(context, instance, reply, { url, httpStatus: failure.httpStatus, message: failure.message }),
    onError: (error) => context.logger.error({ err: error }, 'channelback failed'),
  });
}

/**
 * Starts the channelback of an agent's public reply on a channel ticket, when the account's integration has a
 * channelback_url and the ticket allows it. The request_unique_identifier is fixed once and repeated on every retry.
 */
export function startChannelback(context: ZendeskContext, ticket: Ticket, reply: Comment): void {
  const instance = ticket.instanceId === undefined ? undefined : context.state.instances.get(ticket.instanceId);
  const url =
    instance === undefined ? undefined : context.state.integrations.get(instance.integrationId)?.manifest.urls.channelback_url;
  if (instance === undefined || !instance.active || url === undefined || !reply.public || !ticket.allowChannelback) return;
  const identifier = randomUUID();
  reply.channelback = {
    requestUniqueIdentifier: identifier,
    status: 'pending',
    attempts: [],
    fields: channelbackFields(context, instance, ticket, reply, identifier),
    externalId: undefined,
    error: undefined,
    reportedError: undefined,
  };
  void context.timers.track(deliverChannelback(context, instance, ticket, reply, url)).catch((failure: unknown) => {
    context.logger.error({ err: failure }, 'channelback failed');
  });
}
