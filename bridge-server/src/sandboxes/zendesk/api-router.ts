/**
 * The Zendesk API surface an integration calls (answers in Zendesk's shapes, see ../README.md for what is documented
 * and what is the sandbox's assumption):
 *
 *   POST /api/v2/any_channel/push                    pushed resources, per-resource results
 *   POST /api/v2/any_channel/channelback/report_error   a channelback that failed after it was answered
 *   POST /api/v2/any_channel/validate_token          whether a push token is still good
 *   GET  /attachments/token/:token/                  an attachment, with the account's push token (channelback files)
 *   POST /zendesk/channels/integration_service_instances/editor_finalizer/:setup   the admin UI's return_url
 */
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import type * as z from 'zod';
import { inQueue } from '../common/scheduling.js';
import type { ZendeskContext } from './context.js';
import { emitEvent } from './events.js';
import { importResources } from './import.js';
import { completeSetup } from './integrations.js';
import { issueDetails } from './schemas.js';
import type { Instance } from './state.js';

/** 256 resources of up to 64 KiB each (message plus html_message) fit; anything larger is refused before parsing. */
const pushBodyBytesMax = 40 * 1024 * 1024;

export function sendZendeskError(response: Response, httpStatus: number, body: Record<string, unknown>): void {
  response.status(httpStatus).json(body);
}

export const zendeskFaultAnswers = {
  rateLimited(response: Response, retryAfterSeconds: number) {
    response.setHeader('Retry-After', String(retryAfterSeconds));
    sendZendeskError(response, 429, {
      error: 'APIRateLimitExceeded',
      description: 'Number of allowed API requests per minute exceeded',
    });
  },
  serverError(response: Response, httpStatus: number) {
    sendZendeskError(response, httpStatus, {
      error: 'ServiceUnavailable',
      description: 'The service is temporarily unavailable.',
    });
  },
};

function unauthorized(response: Response): void {
  response.setHeader('WWW-Authenticate', 'Bearer realm="Zendesk"');
  sendZendeskError(response, 401, {
    error: 'invalid_token',
    error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.',
  });
}

function forbidden(response: Response): void {
  sendZendeskError(response, 403, {
    error: 'Forbidden',
    description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.',
  });
}

/** The account whose push token authenticates the request (an OAuth bearer token the Channel framework issued). */
function authenticated(context: ZendeskContext, request: Request): Instance | undefined {
  const header = request.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] === undefined ? undefined : context.state.instanceByToken(match[1]);
}

function validated<S extends z.ZodType>(schema: S, body: unknown, response: Response): z.output<S> | undefined {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  sendZendeskError(response, 422, {
    error: 'RecordInvalid',
    description: 'Record validation errors',
    details: issueDetails(parsed.error),
  });
  return undefined;
}

/** Authenticates, parses JSON and checks that `instance_push_id` names the token's own account. */
function anyChannelRoute<S extends z.ZodType<{ instance_push_id: string }>>(
  context: ZendeskContext,
  schema: () => S,
  handler: (instance: Instance, body: z.output<S>, response: Response) => Promise<void> | void,
): RequestHandler[] {
  const authenticate: RequestHandler = (request, response, next) => {
    const instance = authenticated(context, request);
    if (instance === undefined) return unauthorized(response);
    response.locals.instance = instance;
    next();
  };
  const handle: RequestHandler = async (request, response) => {
    const instance = response.locals.instance as Instance;
    const body = validated(schema(), request.body, response);
    if (body === undefined) return;
    if (body.instance_push_id !== instance.pushId) return forbidden(response);
    await handler(instance, body, response);
  };
  return [authenticate, express.json({ limit: pushBodyBytesMax }), handle];
}

const jsonErrors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendZendeskError(response, 400, { error: 'Unprocessable Entity', message: 'Server could not parse JSON' });
  } else if (type === 'entity.too.large') {
    sendZendeskError(response, 413, { error: 'RequestTooLarge', description: 'The request body is too large.' });
  } else {
    next(error);
  }
};

function pushRoutes(router: Router, context: ZendeskContext): void {
  const push = anyChannelRoute(
    context,
    () => context.schemas.push,
    async (instance, body, response) => {
      const outcome = await context.timers.track(
        inQueue(instance, () => importResources(context, instance, body.external_resources)),
      );
      if (outcome.events.length > 0) {
        emitEvent(context, instance, 'resources_created_from_external_ids', {
          request_id: body.request_id ?? '',
          resource_events: outcome.events,
        });
      }
      response.json({ results: outcome.results });
    },
  );
  router.post(
    ['/api/v2/any_channel/push', '/api/v2/any_channel/push.json'],
    context.faults.push.middleware(zendeskFaultAnswers),
    ...push,
  );

  const reportError = anyChannelRoute(
    context,
    () => context.schemas.reportChannelbackError,
    (instance, body, response) => {
      const commentId = context.state.externalIds.get(context.state.externalIdKey(instance.id, body.external_id));
      const channelback = commentId === undefined ? undefined : context.state.comments.get(commentId)?.channelback;
      if (channelback === undefined) {
        sendZendeskError(response, 404, { error: 'RecordNotFound', description: 'Not found' });
        return;
      }
      channelback.reportedError = { description: body.description, requestId: body.request_id };
      response.status(200).end();
    },
  );
  router.post('/api/v2/any_channel/channelback/report_error', ...reportError);

  router.post(
    '/api/v2/any_channel/validate_token',
    ...anyChannelRoute(
      context,
      () => context.schemas.validateToken,
      (_instance, _body, response) => {
        response.status(200).end();
      },
    ),
  );
}

function attachmentRoute(router: Router, context: ZendeskContext): void {
  // Channelback files "can be downloaded using the push access token".
  router.get('/attachments/token/:token', (request, response) => {
    const instance = authenticated(context, request);
    if (instance === undefined) return unauthorized(response);
    const attachment = context.state.attachments.get(String(request.params.token));
    const comment =
      attachment === undefined
        ? undefined
        : [...context.state.comments.values()].find((candidate) => candidate.attachments.includes(attachment));
    const ticket = comment === undefined ? undefined : context.state.tickets.get(comment.ticketId);
    if (attachment === undefined || ticket?.instanceId !== instance.id) {
      return sendZendeskError(response, 404, { error: 'RecordNotFound', description: 'Not found' });
    }
    response.setHeader('Content-Type', attachment.contentType);
    response.setHeader('Content-Disposition', `attachment; filename="${attachment.fileName.replace(/"/g, '')}"`);
    response.send(attachment.bytes);
  });
}

function returnUrlRoute(router: Router, context: ZendeskContext): void {
  router.post(
    '/zendesk/channels/integration_service_instances/editor_finalizer/:setup',
    express.urlencoded({ extended: false, limit: 64 * 1024 }),
    (request, response) => {
      const result = completeSetup(context, String(request.params.setup), request.body);
      const page = (title: string) => `<!doctype html><html><body><p>${title.replace(/[<>&]/g, '')}</p></body></html>`;
      if ('error' in result) {
        response
          .status(400)
          .type('html')
          .send(page(`The account could not be saved: ${result.error}`));
        return;
      }
      response
        .status(200)
        .type('html')
        .send(page(`Account "${result.instance.name}" saved.`));
    },
  );
}

export function zendeskApiRouter(context: ZendeskContext): Router {
  const router = Router();
  pushRoutes(router, context);
  attachmentRoute(router, context);
  returnUrlRoute(router, context);
  router.use('/api', (_request, response) =>
    sendZendeskError(response, 404, { error: 'InvalidEndpoint', description: 'Not found' }),
  );
  router.use(jsonErrors);
  return router;
}
