/**
 * Zoho's side an integration calls, in Zoho's shapes (see ../README.md for sources and assumptions):
 *
 *   POST /oauth/v2/token                  accounts.zoho.<dc>: refresh_token grant → {access_token, api_domain, token_type, expires_in}
 *   GET  /api/v1/organizations            the orgs the token reaches (no orgId header needed)
 *   GET  /api/v1/tickets?from&limit       tickets                     GET /api/v1/tickets/:id   PATCH … {status}
 *   GET  /api/v1/tickets/:id/threads      threads with delivery status
 *   GET  /api/v1/tickets/:id/comments     POST … {content, isPublic?, contentType?}
 *
 * Every /api/v1 call needs `Authorization: Zoho-oauthtoken <token>` and (except organizations) the `orgId` header.
 * Errors are `{errorCode, message}` with the HTTP status Zoho uses.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import * as z from 'zod';
import { isoNow, type ZohoContext } from './context.js';
import type { Comment, Ticket } from './state.js';
import { commentView, threadView, ticketView } from './views.js';

export function sendZohoError(
  response: Response,
  httpStatus: number,
  errorCode: string,
  message: string,
  errors?: { fieldName: string; errorType: 'missing' | 'invalid' | 'duplicate'; errorMessage?: string }[],
): void {
  response.status(httpStatus).json({ errorCode, message, ...(errors !== undefined ? { errors } : {}) });
}

export const zohoFaultAnswers = {
  rateLimited(response: Response, retryAfterSeconds: number) {
    response.setHeader('Retry-After', String(retryAfterSeconds));
    sendZohoError(response, 429, 'TOO_MANY_REQUESTS', 'You have made too many requests. Please try again later.');
  },
  serverError(response: Response, httpStatus: number) {
    sendZohoError(
      response,
      httpStatus,
      'INTERNAL_SERVER_ERROR',
      'An internal server error occurred while processing this request.',
    );
  },
};

const tokenRequestSchema = z.object({
  grant_type: z.literal('refresh_token'),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  refresh_token: z.string().min(1),
});

/**
 * The token endpoint answers refusals with HTTP 200 and `{"error": "invalid_code"}` (or invalid_client), as
 * accounts.zoho.com does for a bad refresh token.
 */
function tokenRoute(router: Router, context: ZohoContext): void {
  router.post('/oauth/v2/token', express.urlencoded({ extended: false, limit: 16 * 1024 }), (request, response) => {
    const parsed = tokenRequestSchema.safeParse({ ...(request.query as Record<string, string>), ...(request.body ?? {}) });
    if (!parsed.success) {
      const grant = (request.query.grant_type ?? request.body?.grant_type) as string | undefined;
      response.json({ error: grant !== undefined && grant !== 'refresh_token' ? 'unsupported_grant_type' : 'invalid_code' });
      return;
    }
    const client = context.state.clients.get(parsed.data.client_id);
    if (client === undefined || client.clientSecret !== parsed.data.client_secret)
      return void response.json({ error: 'invalid_client' });
    if (!client.refreshTokens.has(parsed.data.refresh_token)) return void response.json({ error: 'invalid_code' });
    const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    context.state.accessTokens.set(accessToken, context.now() + context.knobs.accessTokenLifetimeMs);
    response.json({
      access_token: accessToken,
      api_domain: context.apiDomain(),
      token_type: 'Bearer',
      expires_in: Math.floor(context.knobs.accessTokenLifetimeMs / 1000),
    });
  });
}

function authenticate(context: ZohoContext, requireOrg: boolean): RequestHandler {
  return (request, response, next) => {
    const match = /^Zoho-oauthtoken\s+(\S+)$/.exec(request.get('authorization') ?? '');
    const expiresAtMs = match?.[1] === undefined ? undefined : context.state.accessTokens.get(match[1]);
    if (expiresAtMs === undefined || expiresAtMs <= context.now()) {
      return sendZohoError(response, 401, 'INVALID_OAUTH', 'The OAuth Token you provided is invalid.');
    }
    if (!requireOrg) return next();
    const orgId = request.get('orgId');
    if (orgId === undefined || orgId === '') {
      return sendZohoError(response, 422, 'INVALID_DATA', 'The data is invalid due to validation restrictions', [
        { fieldName: '/orgId', errorType: 'missing', errorMessage: 'The orgId header is required.' },
      ]);
    }
    if (orgId !== context.org.id) {
      return sendZohoError(
        response,
        401,
        'OAUTH_ORG_MISMATCH',
        'The OAuth Token does not belong to the organization in the orgId header.',
      );
    }
    next();
  };
}

function ticketOf(context: ZohoContext, request: Request, response: Response): Ticket | undefined {
  const ticket = context.state.tickets.get(String(request.params.ticketId));
  if (ticket === undefined)
    sendZohoError(response, 404, 'URL_NOT_FOUND', 'The URL you requested could not be found on our server.');
  return ticket;
}

const listSchema = z.object({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
const ticketPatchSchema = z.object({ status: z.enum(['Open', 'On Hold', 'Escalated', 'Closed']) });
const commentSchema = z.object({
  content: z.string().min(1).max(32_000),
  isPublic: z.boolean().default(false),
  contentType: z.enum(['plainText', 'html']).default('plainText'),
});

function invalidData(response: Response, error: z.ZodError): void {
  sendZohoError(
    response,
    422,
    'INVALID_DATA',
    'The data is invalid due to validation restrictions',
    error.issues.map((issue) => ({
      fieldName: `/${issue.path.join('/')}`,
      errorType: issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : 'invalid',
      errorMessage: issue.message,
    })),
  );
}

function ticketRoutes(router: Router, context: ZohoContext): void {
  router.get('/api/v1/tickets', (request, response) => {
    const parsed = listSchema.safeParse(request.query);
    if (!parsed.success) return invalidData(response, parsed.error);
    const tickets = [...context.state.tickets.values()].slice(parsed.data.from, parsed.data.from + parsed.data.limit);
    // Zoho answers an empty list with 204 and no body.
    if (tickets.length === 0) return void response.status(204).end();
    response.json({ data: tickets.map((ticket) => ticketView(context, ticket)) });
  });
  router.get('/api/v1/tickets/:ticketId', (request, response) => {
    const ticket = ticketOf(context, request, response);
    if (ticket !== undefined) response.json(ticketView(context, ticket));
  });
  router.patch('/api/v1/tickets/:ticketId', (request, response) => {
    const ticket = ticketOf(context, request, response);
    if (ticket === undefined) return;
    const parsed = ticketPatchSchema.safeParse(request.body);
    if (!parsed.success) return invalidData(response, parsed.error);
    ticket.status = parsed.data.status;
    ticket.modifiedTime = isoNow(context);
    response.json(ticketView(context, ticket));
  });
  router.get('/api/v1/tickets/:ticketId/threads', (request, response) => {
    const ticket = ticketOf(context, request, response);
    if (ticket !== undefined) response.json({ data: context.state.threadsOf(ticket.id).map(threadView) });
  });
  router.get('/api/v1/tickets/:ticketId/comments', (request, response) => {
    const ticket = ticketOf(context, request, response);
    if (ticket === undefined) return;
    const comments = [...context.state.comments.values()].filter((comment) => comment.ticketId === ticket.id);
    response.json({ data: comments.map(commentView) });
  });
  router.post('/api/v1/tickets/:ticketId/comments', (request, response) => {
    const ticket = ticketOf(context, request, response);
    if (ticket === undefined) return;
    const parsed = commentSchema.safeParse(request.body);
    if (!parsed.success) return invalidData(response, parsed.error);
    const comment: Comment = {
      id: context.state.newId(),
      ticketId: ticket.id,
      content: parsed.data.content,
      contentType: parsed.data.contentType,
      isPublic: parsed.data.isPublic,
      commentedTime: isoNow(context),
      commenterName: 'API user',
    };
    context.state.comments.set(comment.id, comment);
    response.json(commentView(comment));
  });
}

export function zohoApiRouter(context: ZohoContext): Router {
  const router = Router();
  tokenRoute(router, context);
  router.use('/api/v1', context.faults.api.middleware(zohoFaultAnswers), express.json({ limit: 1024 * 1024 }));
  router.get('/api/v1/organizations', authenticate(context, false), (_request, response) => {
    response.json({ data: [{ id: context.org.id, companyName: context.org.name, isDefault: true }] });
  });
  router.use('/api/v1', authenticate(context, true));
  ticketRoutes(router, context);
  router.use('/api/v1', (_request, response) =>
    sendZohoError(response, 404, 'URL_NOT_FOUND', 'The URL you requested could not be found on our server.'),
  );
  router.use('/api/v1', ((error, _request, response, next) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') sendZohoError(response, 400, 'INVALID_DATA', 'The JSON body could not be parsed.');
    else next(error);
  }) as express.ErrorRequestHandler);
  return router;
}
