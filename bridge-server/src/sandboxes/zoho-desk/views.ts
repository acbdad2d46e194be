import type { ZohoContext } from './context.js';
import type { Comment, Extension, Thread, Ticket } from './state.js';

/** Tickets, threads and comments in the shapes of Zoho Desk's API (a subset of their fields). */
export function ticketView(context: ZohoContext, ticket: Ticket) {
  const contact = context.state.contacts.get(ticket.contactId);
  const threads = context.state.threadsOf(ticket.id);
  return {
    id: ticket.id,
    ticketNumber: ticket.ticketNumber,
    subject: ticket.subject,
    status: ticket.status,
    statusType: ticket.status === 'Closed' ? 'Closed' : ticket.status === 'On Hold' ? 'On Hold' : 'Open',
    channel: ticket.channel,
    departmentId: ticket.departmentId,
    contactId: ticket.contactId,
    contact:
      contact === undefined
        ? null
        : { id: contact.id, lastName: contact.lastName, email: contact.email ?? null, phone: contact.phone ?? null },
    createdTime: ticket.createdTime,
    modifiedTime: ticket.modifiedTime,
    threadCount: String(threads.length),
    commentCount: String([...context.state.comments.values()].filter((comment) => comment.ticketId === ticket.id).length),
  };
}

export function threadView(thread: Thread) {
  return {
    id: thread.id,
    channel: 'CHANNEL_INTEGRATION',
    direction: thread.direction,
    status: thread.status,
    content: thread.content,
    contentType: thread.contentType,
    createdTime: thread.createdTime,
    author: { name: thread.author.name, type: thread.author.type },
    canReply: thread.canReply,
    visibility: 'public',
    hasAttach: thread.attachments.length > 0,
    attachmentCount: String(thread.attachments.length),
    attachments: thread.attachments.map((attachment) => ({
      id: attachment.id,
      name: attachment.name,
      size: String(attachment.size),
      contentType: attachment.contentType,
    })),
  };
}

export function commentView(comment: Comment) {
  return {
    id: comment.id,
    content: comment.content,
    contentType: comment.contentType,
    isPublic: comment.isPublic,
    commentedTime: comment.commentedTime,
    commenter: { name: comment.commenterName, type: 'AGENT' },
  };
}

/** What the control API adds for inspection: the ticket's extId, each thread's extId and push record. */
export function agentTicketView(context: ZohoContext, ticket: Ticket) {
  return {
    ...ticketView(context, ticket),
    extId: ticket.extId ?? null,
    extensionId: ticket.extensionId ?? null,
    threads: context.state.threadsOf(ticket.id).map((thread) => ({
      ...threadView(thread),
      extId: thread.extId ?? null,
      attachments: thread.attachments,
      push: thread.push ?? null,
    })),
    comments: [...context.state.comments.values()].filter((comment) => comment.ticketId === ticket.id).map(commentView),
  };
}

export function extensionView(extension: Extension, withSyncs = false) {
  return {
    id: extension.id,
    resourceName: extension.resourceName,
    pullUrl: extension.pullUrl ?? null,
    pushUrl: extension.pushUrl ?? null,
    redirectUrl: extension.redirectUrl ?? null,
    configParams: extension.configParams,
    securityContext: extension.securityContext,
    departmentId: extension.departmentId,
    active: extension.active,
    ...(withSyncs ? { syncs: extension.syncs } : {}),
  };
}
