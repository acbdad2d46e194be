import { createHash, randomBytes } from 'node:crypto';
import type { OutboundError } from '../common/outbound.js';
import { isoNow, type ZendeskContext } from './context.js';
import type { ExternalResource } from './schemas.js';
import type { Attachment, Instance, ResourceResult, Ticket, User } from './state.js';

/** What an imported resource became, in the shape of the resources_created_from_external_ids event. */
export interface ResourceEvent {
  type_id: 'comment_on_new_ticket' | 'comment_on_existing_ticket' | 'comment_on_follow_up_ticket';
  external_id: string;
  comment_id: number;
  ticket_id: number;
  follow_up_ticket_id?: number;
}

export interface ImportOutcome {
  results: ResourceResult[];
  events: ResourceEvent[];
  /** External ids skipped because they were already imported (reported by the pull_request event). */
  duplicates: string[];
}

class ResourceFailure extends Error {
  constructor(
    readonly code: 'could_not_locate_parent_external_resource' | 'processing_error',
    readonly description: string,
  ) {
    super(description);
  }
}

/** Zendesk's ticket subject for a channel ticket is its first message; the sandbox keeps its first line, ≤ 100 characters. */
function subjectOf(resource: ExternalResource): string {
  const subjectField = resource.fields?.find((field) => field.id === 'subject');
  if (typeof subjectField?.value === 'string' && subjectField.value.trim() !== '') return subjectField.value;
  const firstLine = resource.message.split('\n')[0]?.trim() ?? '';
  return firstLine.length > 100 ? `${firstLine.slice(0, 97)}...` : firstLine;
}

function endUserOf(context: ZendeskContext, instance: Instance, resource: ExternalResource): User {
  const author = resource.author;
  const existing = [...context.state.users.values()].find(
    (user) => user.instanceId === instance.id && user.externalId === author.external_id,
  );
  // Zendesk names the user after the author, defaulting to the external id, and keeps the latest profile.
  const profile = {
    name: author.name ?? existing?.name ?? author.external_id,
    locale: author.locale ?? existing?.locale,
    imageUrl: author.image_url ?? existing?.imageUrl,
  };
  if (existing !== undefined) return Object.assign(existing, profile);
  return context.state.addUser({ role: 'end-user', instanceId: instance.id, externalId: author.external_id, ...profile });
}

async function fetchFile(context: ZendeskContext, url: string): Promise<Attachment> {
  let answer: Awaited<ReturnType<ZendeskContext['outbound']['request']>>;
  try {
    answer = await context.outbound.request(url, {
      timeoutMs: context.knobs.outboundTimeoutMs,
      bytesMax: context.knobs.fileBytesMax,
    });
  } catch (error) {
    throw new ResourceFailure('processing_error', `Could not download ${url}: ${(error as OutboundError).message}`);
  }
  if (answer.status !== 200) throw new ResourceFailure('processing_error', `Could not download ${url}: HTTP ${answer.status}`);
  const path = new URL(url).pathname;
  const disposition = answer.headers.get('content-disposition') ?? '';
  const fileName = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? decodeURIComponent(path.split('/').pop() || 'file');
  return {
    id: context.state.newId(),
    token: randomBytes(12).toString('hex'),
    fileName,
    contentType: answer.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream',
    size: answer.bytes.length,
    sha256: createHash('sha256').update(answer.bytes).digest('hex'),
    bytes: answer.bytes,
    sourceUrl: url,
  };
}

/**
 * The ticket a resource belongs to: its parent's ticket (parent_id), its thread's ticket (thread_id), or none (a new
 * ticket). A closed ticket takes no more comments: with `create_followup_tickets` the resource opens a follow-up
 * ticket, without it a new ticket (the sandbox's reading of the manifest documentation, see README).
 */
function targetTicket(context: ZendeskContext, instance: Instance, resource: ExternalResource): Ticket | undefined {
  const { state } = context;
  if (resource.parent_id !== undefined) {
    const parentCommentId = state.externalIds.get(state.externalIdKey(instance.id, resource.parent_id));
    const parent = parentCommentId === undefined ? undefined : state.comments.get(parentCommentId);
    if (parent === undefined) throw new ResourceFailure('could_not_locate_parent_external_resource', resource.parent_id);
    return state.tickets.get(parent.ticketId);
  }
  if (resource.thread_id !== undefined) {
    const ticketId = state.threads.get(state.externalIdKey(instance.id, resource.thread_id));
    return ticketId === undefined ? undefined : state.tickets.get(ticketId);
  }
  return undefined;
}

function createTicket(
  context: ZendeskContext,
  instance: Instance,
  resource: ExternalResource,
  requester: User,
  followupSource: Ticket | undefined,
): Ticket {
  const now = isoNow(context);
  const ticket: Ticket = {
    id: context.state.newId(),
    subject: subjectOf(resource),
    status: 'new',
    requesterId: requester.id,
    instanceId: instance.id,
    threadId: resource.thread_id ?? followupSource?.threadId,
    followupSourceId: followupSource?.id,
    allowChannelback: true,
    // Zendesk sets `fields` only when a resource creates a ticket, never on updates.
    fields: resource.fields?.map((field) => ({ id: field.id, value: field.value })) ?? [],
    createdAt: now,
    updatedAt: now,
  };
  context.state.tickets.set(ticket.id, ticket);
  return ticket;
}

async function importOne(context: ZendeskContext, instance: Instance, resource: ExternalResource): Promise<ResourceEvent> {
  const { state } = context;
  const manifest = state.integrations.get(instance.integrationId)?.manifest;
  let ticket = targetTicket(context, instance, resource);
  const attachments: Attachment[] = [];
  for (const url of resource.file_urls ?? []) attachments.push(await fetchFile(context, url));
  const author = endUserOf(context, instance, resource);
  let typeId: ResourceEvent['type_id'] = 'comment_on_existing_ticket';
  let followupSource: Ticket | undefined;
  if (ticket?.status === 'closed') {
    followupSource = manifest?.create_followup_tickets === true ? ticket : undefined;
    ticket = undefined;
  }
  if (ticket === undefined) {
    ticket = createTicket(context, instance, resource, author, followupSource);
    typeId = followupSource === undefined ? 'comment_on_new_ticket' : 'comment_on_follow_up_ticket';
  } else if (ticket.status !== 'new' && author.id === ticket.requesterId) {
    // A requester's new comment reopens a pending or solved ticket, as in Zendesk.
    ticket.status = 'open';
  }
  const comment = {
    id: state.newId(),
    ticketId: ticket.id,
    authorId: author.id,
    body: resource.message,
    htmlBody: resource.html_message,
    public: resource.internal_note !== true,
    externalId: resource.external_id,
    createdAt: new Date(resource.created_at).toISOString(),
    attachments,
    displayInfo: resource.display_info,
    channelback: undefined,
  };
  state.comments.set(comment.id, comment);
  for (const attachment of attachments) state.attachments.set(attachment.token, attachment);
  state.externalIds.set(state.externalIdKey(instance.id, resource.external_id), comment.id);
  if (ticket.threadId !== undefined) state.threads.set(state.externalIdKey(instance.id, ticket.threadId), ticket.id);
  ticket.allowChannelback = resource.allow_channelback !== false;
  ticket.updatedAt = isoNow(context);
  return {
    type_id: typeId,
    external_id: resource.external_id,
    comment_id: comment.id,
    ticket_id: ticket.id,
    ...(followupSource !== undefined ? { follow_up_ticket_id: ticket.id } : {}),
  };
}

/**
 * Imports resources in order, as Zendesk processes pushed and pulled resources: each once per account
 * (`already_imported` on a repeat), and after a failed one the rest are `halted`.
 */
export async function importResources(
  context: ZendeskContext,
  instance: Instance,
  resources: ExternalResource[],
): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { results: [], events: [], duplicates: [] };
  let failed = false;
  for (const resource of resources) {
    const result = (code: ResourceResult['status']['code'], description?: string) =>
      outcome.results.push({
        external_resource_id: resource.external_id,
        status: description === undefined ? { code } : { code, description },
      });
    if (failed) {
      result('halted');
      continue;
    }
    if (context.state.externalIds.has(context.state.externalIdKey(instance.id, resource.external_id))) {
      outcome.duplicates.push(resource.external_id);
      result('already_imported');
      continue;
    }
    try {
      outcome.events.push(await importOne(context, instance, resource));
      result('success');
    } catch (error) {
      if (!(error instanceof ResourceFailure)) throw error;
      failed = true;
      result(error.code, error.description);
    }
  }
  return outcome;
}
