/**
 * Zendesk's Tickets API, the part an integration uses to write on a ticket (see ../README.md for sources):
 *
 *   GET /api/v2/tickets/:id(.json)   {ticket}
 *   PUT /api/v2/tickets/:id(.json)   {ticket: {comment: {body, public}, status?}} → {ticket, audit}
 *
 * Authenticated with an API token (`Authorization: Basic base64("{email}/token:{api_token}")`, issued through the
 * control API, `POST /sandbox/api-tokens`). Zendesk limits updates of one ticket by one user: "Update Ticket:
 * 30 updates per 10 minutes per user per ticket" (https://developer.zendesk.com/api-reference/introduction/rate-limits/);
 * past it the answer is 429 with `Retry-After` (seconds until the oldest update of the window ages out). The
 * `tickets` fault switch answers 429/5xx like the rest of the API.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import * as z from 'zod';
import { sendZendeskError, zendeskFaultAnswers } from './api-router.js';
import { isoNow, type ZendeskContext } from './context.js';
import { issueDetails } from './schemas.js';
import type { Comment, Ticket } from './state.js';
import { ticketView } from './views.js';

export const ticketUpdateWindowMs = 10 * 60_000;

const ticketUpdateSchema = z.object({
  ticket: z.object({
    comment: z.object({ body: z.string().min(1).max(65_535), public: z.boolean().default(true) }).optional(),
    status: z.enum(['new', 'open', 'pending', 'solved', 'closed']).optional(),
  }),
});

/** The API user an API token authenticates, by email; undefined for anything else. */
function apiUser(context: ZendeskContext, request: Request): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(request.get('authorization') ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf('/token:');
  if (separator < 0) return undefined;
  const email = decoded.slice(0, separator);
  const token = decoded.slice(separator + '/token:'.length);
  return context.state.apiTokens.get(email) === token && token !== '' ? email : undefined;
}

function ticketOf(context: ZendeskContext, request: Request, response: Response): Ticket | undefined {
  const id = Number(String(request.params.id).replace(/\.json$/, ''));
  const ticket = Number.isInteger(id) ? context.state.tickets.get(id) : undefined;
  if (ticket === undefined) sendZendeskError(response, 404, { error: 'RecordNotFound', description: 'Not found' });
  return ticket;
}

/** Seconds until this user may update this ticket again; 0 when an update is allowed now (and counts it). */
function takeUpdate(context: ZendeskContext, email: string, ticketId: number): number {
  const key = `${email} ${ticketId}`;
  const now = context.now();
  const recent = (context.state.ticketUpdates.get(key) ?? []).filter((at) => at > now - ticketUpdateWindowMs);
  if (recent.length >= context.knobs.ticketUpdatesPerTenMinutes) {
    context.state.ticketUpdates.set(key, recent);
    return Math.max(1, Math.ceil((recent[0]! + ticketUpdateWindowMs - now) / 1000));
  }
  recent.push(now);
  context.state.ticketUpdates.set(key, recent);
  return 0;
}

export function zendeskTicketsApi(context: ZendeskContext): Router {
  const router = Router();
  const paths = ['/api/v2/tickets/:id'];
  router.use('/api/v2/tickets', context.faults.tickets.middleware(zendeskFaultAnswers));
  router.get(paths, (request, response) => {
    if (apiUser(context, request) === undefined) {
      return sendZendeskError(response, 401, { error: "Couldn't authenticate you" });
    }
    const ticket = ticketOf(context, request, response);
    if (ticket !== undefined) response.json({ ticket: ticketView(context, ticket, false) });
  });
  router.put(paths, express.json({ limit: 1024 * 1024 }), (request, response) => {
    const email = apiUser(context, request);
    if (email === undefined) return sendZendeskError(response, 401, { error: "Couldn't authenticate you" });
    const ticket = ticketOf(context, request, response);
    if (ticket === undefined) return;
    const parsed = ticketUpdateSchema.safeParse(request.body);
    if (!parsed.success) {
      return sendZendeskError(response, 422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: issueDetails(parsed.error),
      });
    }
    if (ticket.status === 'closed') {
      return sendZendeskError(response, 422, {
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { status: [{ description: 'Status: closed prevents ticket update' }] },
      });
    }
    const waitSeconds = takeUpdate(context, email, ticket.id);
    if (waitSeconds > 0) {
      response.setHeader('Retry-After', String(waitSeconds));
      return sendZendeskError(response, 429, {
        error: 'TooManyRequests',
        description: 'Too many updates to this ticket: 30 updates per 10 minutes per user per ticket.',
      });
    }
    const { comment, status } = parsed.data.ticket;
    const at = isoNow(context);
    let created: Comment | undefined;
    if (comment !== undefined) {
      created = {
        id: context.state.newId(),
        ticketId: ticket.id,
        authorId: context.state.apiUserId(email),
        body: comment.body,
        htmlBody: undefined,
        public: comment.public,
        externalId: undefined,
        createdAt: at,
        attachments: [],
        displayInfo: undefined,
        channelback: undefined,
      };
      context.state.comments.set(created.id, created);
    }
    if (status !== undefined) ticket.status = status;
    ticket.updatedAt = at;
    response.json({
      ticket: ticketView(context, ticket, false),
      audit: {
        id: context.state.newId(),
        ticket_id: ticket.id,
        created_at: at,
        events: created === undefined ? [] : [{ type: 'Comment', id: created.id, body: created.body, public: created.public }],
      },
    });
  });
  return router;
}

/** A new API token for an API user (the control API's `POST /sandbox/api-tokens`). */
export function issueApiToken(context: ZendeskContext, email: string): string {
  const token = randomBytes(20).toString('base64url');
  context.state.apiTokens.set(email, token);
  return token;
}
