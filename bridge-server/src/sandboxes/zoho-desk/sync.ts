import { createHash } from 'node:crypto';
import type { OutboundError } from '../common/outbound.js';
import { inQueue } from '../common/scheduling.js';
import { isoNow, type ZohoContext } from './context.js';
import { type Actor, type SyncThread, type SyncTicket, syncObjectSchema } from './schemas.js';
import type { Attachment, Contact, Extension, SyncRecord, SyncResult, Thread, Ticket } from './state.js';

/** Sync records kept per extension for inspection. */
const syncRecordsKept = 100;

/** Zoho calls its endpoints with the extension's securityContext and the org id as query parameters. */
export function endpointUrl(context: ZohoContext, extension: Extension, url: string): string {
  const target = new URL(url);
  target.searchParams.set('securityContext', extension.securityContext);
  target.searchParams.set('orgId', context.org.id);
  return target.toString();
}

function contactFor(context: ZohoContext, actor: Actor | undefined, fallbackName: string): Contact {
  const existing =
    actor === undefined ? undefined : [...context.state.contacts.values()].find((contact) => contact.extId === actor.extId);
  const profile = {
    lastName: actor?.displayName ?? actor?.name ?? existing?.lastName ?? fallbackName,
    email: actor?.email ?? existing?.email,
    phone: actor?.phone ?? existing?.phone,
    photoURL: actor?.photoURL ?? existing?.photoURL,
  };
  if (existing !== undefined) return Object.assign(existing, profile);
  const contact: Contact = { id: context.state.newId(), extId: actor?.extId, ...profile };
  context.state.contacts.set(contact.id, contact);
  return contact;
}

function upsertTicket(context: ZohoContext, extension: Extension, input: SyncTicket): SyncResult {
  const existing = context.state.ticketByExtId(extension.id, input.extId);
  if (existing !== undefined) {
    if (input.subject !== undefined) existing.subject = input.subject;
    if (input.actor !== undefined) contactFor(context, input.actor, input.extId);
    existing.modifiedTime = isoNow(context);
    return { entity: 'ticket', extId: input.extId, outcome: 'updated', id: existing.id };
  }
  const contact = contactFor(context, input.actor, input.extId);
  const createdTime = input.createdTime === undefined ? isoNow(context) : new Date(input.createdTime).toISOString();
  const ticket: Ticket = {
    id: context.state.newId(),
    ticketNumber: context.state.newTicketNumber(),
    extId: input.extId,
    extensionId: extension.id,
    subject: input.subject ?? input.extId,
    status: 'Open',
    channel: extension.resourceName,
    contactId: contact.id,
    departmentId: extension.departmentId,
    createdTime,
    modifiedTime: createdTime,
  };
  context.state.tickets.set(ticket.id, ticket);
  return { entity: 'ticket', extId: input.extId, outcome: 'created', id: ticket.id };
}

async function downloadAttachments(context: ZohoContext, input: SyncThread): Promise<Attachment[]> {
  const attachments: Attachment[] = [];
  for (const file of input.attachments ?? []) {
    const answer = await context.outbound.request(file.url, {
      timeoutMs: context.knobs.outboundTimeoutMs,
      bytesMax: context.knobs.fileBytesMax,
    });
    if (answer.status !== 200) throw new Error(`GET ${file.url} answered HTTP ${answer.status}`);
    attachments.push({
      id: context.state.newId(),
      name: file.name ?? decodeURIComponent(new URL(file.url).pathname.split('/').pop() || 'file'),
      contentType: answer.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream',
      size: answer.bytes.length,
      sha256: createHash('sha256').update(answer.bytes).digest('hex'),
      sourceUrl: file.url,
    });
  }
  return attachments;
}

/** The ticket a thread belongs to: the ticket with extId = extParentId, or the ticket of the thread with that extId. */
function parentTicket(context: ZohoContext, extension: Extension, extParentId: string): Ticket | undefined {
  const ticket = context.state.ticketByExtId(extension.id, extParentId);
  if (ticket !== undefined) return ticket;
  const thread = context.state.threadByExtId(extension.id, extParentId);
  return thread === undefined ? undefined : context.state.tickets.get(thread.ticketId);
}

async function addThread(context: ZohoContext, extension: Extension, input: SyncThread): Promise<SyncResult> {
  const result = (outcome: SyncResult['outcome'], more: Partial<SyncResult> = {}): SyncResult => ({
    entity: 'thread',
    extId: input.extId,
    outcome,
    ...more,
  });
  const duplicate = context.state.threadByExtId(extension.id, input.extId);
  if (duplicate !== undefined) return result('duplicate', { id: duplicate.id });
  const ticket = parentTicket(context, extension, input.extParentId);
  if (ticket === undefined) return result('parent_not_found', { error: `No ticket or thread has extId ${input.extParentId}.` });
  let attachments: Attachment[];
  try {
    attachments = await downloadAttachments(context, input);
  } catch (error) {
    return result('attachment_failed', { error: (error as OutboundError).message });
  }
  const contact = input.direction === 'in' ? contactFor(context, input.actor, input.extParentId) : undefined;
  const thread: Thread = {
    id: context.state.newId(),
    ticketId: ticket.id,
    extId: input.extId,
    direction: input.direction,
    status: 'SUCCESS',
    content: input.content,
    contentType: input.contentType,
    createdTime: input.createdTime === undefined ? isoNow(context) : new Date(input.createdTime).toISOString(),
    author:
      contact === undefined
        ? { type: 'AGENT', name: input.actor?.displayName ?? input.actor?.name ?? extension.resourceName }
        : { type: 'END_USER', name: contact.lastName, contactId: contact.id },
    canReply: input.canReply ?? true,
    attachments,
    push: undefined,
  };
  context.state.threads.set(thread.id, thread);
  // A customer writing again reopens a closed ticket (assumed, as Zoho does for other channels).
  if (input.direction === 'in' && ticket.status === 'Closed') ticket.status = 'Open';
  ticket.modifiedTime = isoNow(context);
  return result('created', { id: thread.id });
}

function record(extension: Extension, sync: SyncRecord): SyncRecord {
  extension.syncs.push(sync);
  if (extension.syncs.length > syncRecordsKept) extension.syncs.splice(0, extension.syncs.length - syncRecordsKept);
  return sync;
}

async function pullOnce(context: ZohoContext, extension: Extension, pullUrl: string): Promise<SyncRecord> {
  const sent = extension.configParams.channelState ?? '';
  const base = { at: isoNow(context), channelStateSent: sent, results: [] };
  const failed = (error: string, httpStatus?: number) =>
    record(extension, {
      ...base,
      outcome: 'failed',
      error,
      channelStateAfter: sent,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  let answer: Awaited<ReturnType<ZohoContext['outbound']['request']>>;
  try {
    answer = await context.outbound.postJson(
      endpointUrl(context, extension, pullUrl),
      { configParams: extension.configParams },
      context.knobs.outboundTimeoutMs,
    );
  } catch (error) {
    return failed((error as OutboundError).message);
  }
  if (answer.status !== 200) return failed(`HTTP ${answer.status}`, answer.status);
  const parsed = syncObjectSchema.safeParse(answer.json());
  if (!parsed.success) {
    return failed(
      `invalid sync object: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      200,
    );
  }
  const results: SyncResult[] = [];
  // Tickets first, so threads of a conversation that starts in this sync find their ticket.
  for (const ticket of parsed.data.data?.tickets ?? []) results.push(upsertTicket(context, extension, ticket));
  for (const thread of parsed.data.data?.threads ?? []) results.push(await addThread(context, extension, thread));
  // As in the Zendesk sandbox: the cursor does not move past a thread that could not be stored.
  const stored = results.every((result) => ['created', 'updated', 'duplicate'].includes(result.outcome));
  if (stored && parsed.data.channelState !== undefined) extension.configParams.channelState = parsed.data.channelState;
  return record(extension, {
    ...base,
    outcome: 'ok',
    httpStatus: 200,
    channelStateAfter: extension.configParams.channelState ?? '',
    results,
  });
}

/** Calls one extension's pull endpoint now (after any pull in flight); undefined when it has none. */
export function pullNow(context: ZohoContext, extension: Extension): Promise<SyncRecord | undefined> {
  const pullUrl = extension.pullUrl;
  if (pullUrl === undefined || !extension.active) return Promise.resolve(undefined);
  return context.timers.track(inQueue(extension, () => pullOnce(context, extension, pullUrl)));
}

/** One round of Zoho's polling: every active extension with a pull endpoint. */
export function pullAll(context: ZohoContext): Promise<unknown> {
  return Promise.all([...context.state.extensions.values()].map((extension) => pullNow(context, extension)));
}
