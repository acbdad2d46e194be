import { attachmentUrl } from './channelback.js';
import type { ZendeskContext } from './context.js';
import type { Comment, Instance, Integration, Ticket, User } from './state.js';

/** How the control API shows things: as an agent sees them in Zendesk, plus what the sandbox recorded. */
export function userView(user: User | undefined) {
  if (user === undefined) return null;
  return {
    id: user.id,
    role: user.role,
    name: user.name,
    external_id: user.externalId ?? null,
    instance_id: user.instanceId ?? null,
    locale: user.locale ?? null,
    image_url: user.imageUrl ?? null,
  };
}

export function commentView(context: ZendeskContext, ticket: Ticket, comment: Comment) {
  const instance = ticket.instanceId === undefined ? undefined : context.state.instances.get(ticket.instanceId);
  const clickthrough =
    instance === undefined ? undefined : context.state.integrations.get(instance.integrationId)?.manifest.urls.clickthrough_url;
  const channelback = comment.channelback;
  return {
    id: comment.id,
    author: userView(context.state.users.get(comment.authorId)),
    body: comment.body,
    html_body: comment.htmlBody ?? null,
    public: comment.public,
    external_id: comment.externalId ?? null,
    created_at: comment.createdAt,
    // Zendesk links an imported comment to its origin through the clickthrough_url with the external id.
    clickthrough_url:
      clickthrough !== undefined && comment.externalId !== undefined
        ? `${clickthrough}${clickthrough.includes('?') ? '&' : '?'}external_id=${encodeURIComponent(comment.externalId)}`
        : null,
    display_info: comment.displayInfo ?? null,
    attachments: comment.attachments.map((attachment) => ({
      id: attachment.id,
      file_name: attachment.fileName,
      content_type: attachment.contentType,
      size: attachment.size,
      sha256: attachment.sha256,
      source_url: attachment.sourceUrl ?? null,
      content_url: attachmentUrl(context, attachment.token, attachment.fileName),
    })),
    channelback:
      channelback === undefined
        ? null
        : {
            status: channelback.status,
            request_unique_identifier: channelback.requestUniqueIdentifier,
            external_id: channelback.externalId ?? null,
            error: channelback.error ?? null,
            reported_error: channelback.reportedError ?? null,
            attempts: channelback.attempts,
            fields: channelback.fields,
          },
  };
}

export function ticketView(context: ZendeskContext, ticket: Ticket, withComments = true) {
  return {
    id: ticket.id,
    subject: ticket.subject,
    status: ticket.status,
    requester: userView(context.state.users.get(ticket.requesterId)),
    via:
      ticket.instanceId === undefined
        ? { channel: 'api', source: null }
        : { channel: 'any_channel', source: { instance_id: ticket.instanceId, thread_id: ticket.threadId ?? null } },
    followup_source_id: ticket.followupSourceId ?? null,
    allow_channelback: ticket.allowChannelback,
    fields: ticket.fields,
    created_at: ticket.createdAt,
    updated_at: ticket.updatedAt,
    ...(withComments
      ? { comments: context.state.commentsOf(ticket.id).map((comment) => commentView(context, ticket, comment)) }
      : {}),
  };
}

export function integrationView(integration: Integration) {
  return {
    id: integration.id,
    manifest_url: integration.manifestUrl,
    manifest: integration.manifest,
    registered_at: integration.registeredAt,
  };
}

/** The account as the sandbox holds it; the push token is shown because the control API plays the integration's admin. */
export function instanceView(instance: Instance, withPulls = false) {
  return {
    id: instance.id,
    integration_id: instance.integrationId,
    name: instance.name,
    metadata: instance.metadata,
    state: instance.state,
    instance_push_id: instance.pushId,
    zendesk_access_token: instance.accessToken ?? null,
    active: instance.active,
    metadata_needs_update: instance.metadataNeedsUpdate,
    created_at: instance.createdAt,
    ...(withPulls ? { pulls: instance.pulls } : {}),
  };
}
