/**
 * The control API of the Zoho Desk sandbox, under /sandbox (no token; JSON; bodies validated with zod; errors as
 * {error:{code, message, issues?}}). It plays the org's administrators and agents:
 *
 *   GET  /sandbox/health   POST /sandbox/reset   GET|PUT /sandbox/knobs (see context.ts)
 *   PUT  /sandbox/faults/api                    {mode: rate_limited|server_error|slow|none, count?, …}: the Desk API misbehaves
 *   POST /sandbox/oauth/clients                 a self client: {client_id, client_secret, refresh_token}
 *   POST /sandbox/oauth/expire                  every access token expires now
 *   POST /sandbox/extensions                    install a channel extension: resources.json's channel entry
 *                                               {resourceName, sync: {pull?, push?}, redirectUrl?, configParams?}
 *   GET  /sandbox/extensions[/:id]              extensions (with their sync log, securityContext, channelState)
 *   POST /sandbox/extensions/:id/pull           call its pull endpoint now; answers the sync's record
 *   DELETE /sandbox/extensions/:id              uninstall
 *   GET  /sandbox/tickets[/:id]                 tickets as agents see them, with threads (extIds, push records) and comments
 *   PATCH /sandbox/tickets/:id                  {status}
 *   POST /sandbox/tickets/:id/reply             {content, contentType?}: an agent replies (PENDING → pushed → delivery state)
 */
import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import * as z from 'zod';
import { ControlError, notFound, parseInput } from '../../meta-sandbox/control-errors.js';
import { controlHandler } from '../common/control.js';
import { isoNow, type ZohoContext } from './context.js';
import { pushReply } from './reply.js';
import type { Extension, Thread, Ticket } from './state.js';
import { pullNow } from './sync.js';
import { agentTicketView, extensionView } from './views.js';

const extensionSchema = z.strictObject({
  resourceName: z.string().min(1).max(100).default('WhatsApp'),
  sync: z.strictObject({ pull: z.url().optional(), push: z.url().optional() }),
  redirectUrl: z.url().optional(),
  configParams: z.record(z.string(), z.string()).default({}),
});

const replySchema = z.strictObject({
  content: z.string().min(1).max(32_000),
  contentType: z.enum(['text/plain', 'text/html']).default('text/plain'),
});

function extensionOf(context: ZohoContext, request: Request): Extension {
  const extension = context.state.extensions.get(String(request.params.id));
  if (extension === undefined) throw notFound(`Extension ${String(request.params.id)}`);
  return extension;
}

function ticketOf(context: ZohoContext, request: Request): Ticket {
  const ticket = context.state.tickets.get(String(request.params.id));
  if (ticket === undefined) throw notFound(`Ticket ${String(request.params.id)}`);
  return ticket;
}

function oauthRoutes(router: Router, context: ZohoContext): void {
  router.post(
    '/sandbox/oauth/clients',
    controlHandler((_request, response) => {
      const client = {
        clientId: `1000.${randomBytes(15).toString('hex').toUpperCase()}`,
        clientSecret: randomBytes(21).toString('hex'),
        refreshTokens: new Set([`1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`]),
      };
      context.state.clients.set(client.clientId, client);
      response
        .status(201)
        .json({ client_id: client.clientId, client_secret: client.clientSecret, refresh_token: [...client.refreshTokens][0] });
    }),
  );
  router.post(
    '/sandbox/oauth/expire',
    controlHandler((_request, response) => {
      for (const token of context.state.accessTokens.keys()) context.state.accessTokens.set(token, 0);
      response.json({ expired: context.state.accessTokens.size });
    }),
  );
}

function extensionRoutes(router: Router, context: ZohoContext): void {
  router.post(
    '/sandbox/extensions',
    controlHandler((request, response) => {
      const input = parseInput(extensionSchema, request.body, 'body');
      const extension: Extension = {
        id: context.state.newId(),
        resourceName: input.resourceName,
        pullUrl: input.sync.pull,
        pushUrl: input.sync.push,
        redirectUrl: input.redirectUrl,
        // Zoho adds the non-secure channelState param to every channel extension at installation.
        configParams: { channelState: '', ...input.configParams },
        securityContext: randomBytes(24).toString('base64url'),
        departmentId: context.state.newId(),
        active: true,
        syncs: [],
        queue: Promise.resolve(),
      };
      context.state.extensions.set(extension.id, extension);
      response.status(201).json(extensionView(extension));
    }),
  );
  router.get(
    '/sandbox/extensions',
    controlHandler((_request, response) => {
      response.json({ data: [...context.state.extensions.values()].map((extension) => extensionView(extension)) });
    }),
  );
  router.get(
    '/sandbox/extensions/:id',
    controlHandler((request, response) => {
      response.json(extensionView(extensionOf(context, request), true));
    }),
  );
  router.post(
    '/sandbox/extensions/:id/pull',
    controlHandler(async (request, response) => {
      const sync = await pullNow(context, extensionOf(context, request));
      if (sync === undefined)
        throw new ControlError(409, 'no_pull', 'The extension is uninstalled or has no sync.pull endpoint.');
      response.json(sync);
    }),
  );
  router.delete(
    '/sandbox/extensions/:id',
    controlHandler((request, response) => {
      const extension = extensionOf(context, request);
      extension.active = false;
      response.json(extensionView(extension));
    }),
  );
}

const newTicketSchema = z.strictObject({
  subject: z.string().min(1).max(255),
  contact_name: z.string().min(1).max(255).default('Customer'),
  phone: z.string().min(1).max(32).optional(),
});

function ticketRoutes(router: Router, context: ZohoContext): void {
  // A ticket an agent or an email made, outside any channel extension (workflow rules act on those too).
  router.post(
    '/sandbox/tickets',
    controlHandler((request, response) => {
      const input = parseInput(newTicketSchema, request.body, 'body');
      const contact = {
        id: context.state.newId(),
        extId: undefined,
        lastName: input.contact_name,
        email: undefined,
        phone: input.phone,
        photoURL: undefined,
      };
      context.state.contacts.set(contact.id, contact);
      const at = isoNow(context);
      const ticket: Ticket = {
        id: context.state.newId(),
        ticketNumber: context.state.newTicketNumber(),
        extId: undefined,
        extensionId: undefined,
        subject: input.subject,
        status: 'Open',
        channel: 'Web',
        contactId: contact.id,
        departmentId: '1892000000006907',
        createdTime: at,
        modifiedTime: at,
      };
      context.state.tickets.set(ticket.id, ticket);
      response.status(201).json(agentTicketView(context, ticket));
    }),
  );
  router.get(
    '/sandbox/tickets',
    controlHandler((_request, response) => {
      response.json({ data: [...context.state.tickets.values()].map((ticket) => agentTicketView(context, ticket)) });
    }),
  );
  router.get(
    '/sandbox/tickets/:id',
    controlHandler((request, response) => {
      response.json(agentTicketView(context, ticketOf(context, request)));
    }),
  );
  router.patch(
    '/sandbox/tickets/:id',
    controlHandler((request, response) => {
      const ticket = ticketOf(context, request);
      ticket.status = parseInput(
        z.strictObject({ status: z.enum(['Open', 'On Hold', 'Escalated', 'Closed']) }),
        request.body,
        'body',
      ).status;
      ticket.modifiedTime = isoNow(context);
      response.json(agentTicketView(context, ticket));
    }),
  );
  router.post(
    '/sandbox/tickets/:id/reply',
    controlHandler((request, response) => {
      const ticket = ticketOf(context, request);
      const extension = ticket.extensionId === undefined ? undefined : context.state.extensions.get(ticket.extensionId);
      if (extension === undefined)
        throw new ControlError(422, 'not_a_channel_ticket', 'The ticket did not come in through a channel extension.');
      const input = parseInput(replySchema, request.body, 'body');
      const reply: Thread = {
        id: context.state.newId(),
        ticketId: ticket.id,
        extId: undefined,
        direction: 'out',
        status: 'PENDING',
        content: input.content,
        contentType: input.contentType,
        createdTime: isoNow(context),
        author: { type: 'AGENT', name: 'Sandbox Agent' },
        canReply: true,
        attachments: [],
        push: undefined,
      };
      context.state.threads.set(reply.id, reply);
      ticket.modifiedTime = reply.createdTime;
      pushReply(context, extension, ticket, reply);
      response.status(201).json(agentTicketView(context, ticket).threads.find((thread) => thread.id === reply.id));
    }),
  );
}

export function zohoControlRoutes(context: ZohoContext) {
  return (router: Router): void => {
    oauthRoutes(router, context);
    extensionRoutes(router, context);
    ticketRoutes(router, context);
  };
}
