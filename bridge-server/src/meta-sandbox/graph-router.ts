import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, Router } from 'express';
import type { SandboxContext } from './context.js';
import { authorizeMedia, authorizeNode, authorizeNumber, authorizeWaba } from './graph-auth.js';
import { GraphError, graphErrorBody, sendGraphError } from './graph-errors.js';
import { acceptUpload, mediaOfDownloadUrl, mediaResource, mediaUploadBodyBytesMax } from './media.js';
import {
  deregister,
  fieldList,
  phoneNumberResource,
  profileResource,
  register,
  requestCode,
  updateProfile,
  verifyCode,
  wabaResource,
} from './phone-number.js';
import {
  openUploadSession,
  pictureOfHandle,
  receiveUploadBytes,
  sandboxApp,
  uploadFileBytesMax,
  uploadSessionStatus,
} from './resumable-upload.js';
import { acceptSend } from './send-message.js';
import type { SendFaultMode } from './state.js';
import { listTemplates } from './templates-listing.js';

/** Cloud API bodies are small JSON (media uploads have their own limit). 1 MB is generous and bounds memory. */
const graphBodyLimitBytes = 1024 * 1024;

type Handler = (request: Request, response: Response) => void;

/** Graph takes edge parameters from the query string or the body (JSON or form), body winning. */
function parametersOf(request: Request): Record<string, unknown> {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const { access_token: _token, appsecret_proof: _proof, ...query } = request.query as Record<string, unknown>;
  const { appsecret_proof: _bodyProof, ...bodyParameters } = body;
  return { ...query, ...bodyParameters };
}

function route(handler: Handler): RequestHandler {
  return (request, response) => {
    try {
      handler(request, response);
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      sendGraphError(response, error);
    }
  };
}

function asyncRoute(handler: (request: Request, response: Response) => Promise<void>): RequestHandler {
  return async (request, response) => {
    try {
      await handler(request, response);
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      sendGraphError(response, error);
    }
  };
}

/** Where this request reached the sandbox, for URLs it hands out (download links). */
function originOf(request: Request): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}`;
}

function uploadRoute(context: SandboxContext) {
  return async (request: Request, response: Response) => {
    const phoneNumberId = String(request.params.phoneNumberId);
    const number = authorizeNumber(context.state, request, phoneNumberId);
    const uploaded = await acceptUpload(context, number, request);
    context.logger.info({ phoneNumberId, mediaId: uploaded.id }, 'media uploaded');
    response.json(uploaded);
  };
}

/** `GET /{media-id}` and `DELETE /{media-id}`, with Meta's optional `phone_number_id` guard. */
function mediaNodeRoute(context: SandboxContext, method: 'get' | 'delete'): Handler {
  return (request, response) => {
    const media = authorizeMedia(context, request, String(request.params.id));
    if (method === 'get') {
      response.json(mediaResource(context, media, originOf(request)));
      return;
    }
    media.deleted = true;
    response.json({ success: true });
  };
}

/** The fault the next send meets, if any, counting it down (state.ts `SendFault`). */
function takeSendFault(context: SandboxContext, phoneNumberId: string): SendFaultMode | undefined {
  const number = context.state.numbers.get(phoneNumberId);
  const fault = number?.sendFault;
  if (number === undefined || fault === undefined) return undefined;
  if (fault.remaining !== undefined) {
    fault.remaining -= 1;
    if (fault.remaining <= 0) number.sendFault = undefined;
  }
  return fault.mode;
}

/**
 * The accepted send answers 200 normally; the send-fault control makes it hang (no answer at all), answer 500, or
 * reset the connection after the message was accepted, to test that a client never sends twice after a timeout.
 */
function answerSend(
  context: SandboxContext,
  response: Response,
  body: unknown,
  fault: SendFaultMode | undefined,
  markOutcome: (outcome: 'hung' | 'error_500' | 'reset') => void,
): void {
  if (fault === 'hang') {
    markOutcome('hung');
    context.hungResponses.add(response);
    response.on('close', () => context.hungResponses.delete(response));
    return;
  }
  if (fault === 'reset') {
    markOutcome('reset');
    response.socket?.destroy();
    return;
  }
  if (fault === 'error_500') {
    markOutcome('error_500');
    response.status(500).json(graphErrorBody(new GraphError(1, 'An unknown error has occurred.')));
    return;
  }
  response.status(200).json(body);
}

function messagesRoute(context: SandboxContext): Handler {
  return (request, response) => {
    const phoneNumberId = String(request.params.phoneNumberId);
    const number = authorizeNumber(context.state, request, phoneNumberId);
    // Faults before Meta takes the message: refused as Meta refuses a send it did not act on, or the connection lost.
    const fault = takeSendFault(context, phoneNumberId);
    if (fault === 'throttle') throw new GraphError(130429, 'Cloud API message throughput has been reached.');
    if (fault === 'pair_limit') {
      throw new GraphError(
        131056,
        'Too many messages sent from this phone number to the same phone number in a short period of time.',
      );
    }
    if (fault === 'reset_before') {
      request.socket.destroy();
      return;
    }
    const { response: body, message } = acceptSend(context, number, request.body);
    context.logger.info({ phoneNumberId, wamid: message.wamid, type: message.type }, 'message accepted');
    answerSend(context, response, body, fault, (outcome) => {
      message.httpOutcome = outcome;
    });
  };
}

function templatesRoute(context: SandboxContext): Handler {
  return (request, response) => {
    const wabaId = String(request.params.wabaId);
    authorizeWaba(context.state, request, wabaId);
    response.json(listTemplates(request, context.state.templates.get(wabaId) ?? []));
  };
}

/**
 * `/{waba-id}/subscribed_apps` (WhatsApp Business Account > Subscribed Apps reference): GET lists the apps
 * subscribed to the WABA's webhooks as `{data: [{whatsapp_business_api_data: {id, link, name}}]}`; POST subscribes
 * the token's app and DELETE unsubscribes it, each answering `{success: true}`. An unsubscribed WABA gets no webhooks.
 */
function subscribedAppsRoute(context: SandboxContext, method: 'get' | 'post' | 'delete'): Handler {
  return (request, response) => {
    const wabaId = String(request.params.wabaId);
    authorizeWaba(context.state, request, wabaId);
    if (method === 'post') context.state.unsubscribedWabas.delete(wabaId);
    if (method === 'delete') context.state.unsubscribedWabas.add(wabaId);
    if (method !== 'get') {
      response.json({ success: true });
      return;
    }
    const subscribed = !context.state.unsubscribedWabas.has(wabaId);
    const link = `https://www.facebook.com/games/?app_id=${sandboxApp.id}`;
    response.json({ data: subscribed ? [{ whatsapp_business_api_data: { ...sandboxApp, link } }] : [] });
  };
}

function phoneNumbersRoute(context: SandboxContext): Handler {
  return (request, response) => {
    const numbers = authorizeWaba(context.state, request, String(request.params.wabaId));
    const fields = fieldList(request.query.fields);
    response.json({ data: numbers.map((number) => phoneNumberResource(number, fields)) });
  };
}

function nodeRoute(context: SandboxContext): Handler {
  const media = mediaNodeRoute(context, 'get');
  return (request, response) => {
    if (String(request.params.id).startsWith('upload:')) {
      response.json(uploadSessionStatus(context, request, String(request.params.id)));
      return;
    }
    if (context.state.media.has(String(request.params.id))) {
      media(request, response);
      return;
    }
    const node = authorizeNode(context.state, request, String(request.params.id));
    const fields = fieldList(request.query.fields);
    response.json(
      node.kind === 'number'
        ? phoneNumberResource(node.number, fields)
        : wabaResource(String(request.params.id), node.numbers, fields),
    );
  };
}

/** Routes that act on one number with the request parameters: profile update and registration. */
function numberAction(
  context: SandboxContext,
  action: (number: ReturnType<typeof authorizeNumber>, parameters: Record<string, unknown>) => unknown,
): Handler {
  return (request, response) => {
    const number = authorizeNumber(context.state, request, String(request.params.phoneNumberId));
    response.json(action(number, parametersOf(request)));
  };
}

/** Body-parser failures answered as Graph errors, as Graph does for a body it cannot read. */
const graphErrorHandler: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendGraphError(response, new GraphError(100, `The request body is not valid JSON: ${(error as Error).message}`));
  } else if (type === 'entity.too.large') {
    const limitBytes = (error as { limit?: number }).limit ?? graphBodyLimitBytes;
    sendGraphError(response, new GraphError(100, `The request body exceeds ${limitBytes} bytes`));
  } else {
    next(error);
  }
};

/** The Graph API surface: `/{version}/…` with a version like v24.0. */
export function graphRouter(context: SandboxContext): Router {
  const router = Router();
  router.use(express.json({ limit: graphBodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  router.use(express.urlencoded({ extended: false, limit: graphBodyLimitBytes }));
  // Meta's download URLs (lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…) need the access token too.
  router.get(
    '/whatsapp_business/attachments/',
    route((request, response) => {
      const media = mediaOfDownloadUrl(context, request.query as Record<string, unknown>);
      if (media === undefined) {
        response.status(404).type('text/plain').send('This download URL is unknown or has expired.');
        return;
      }
      authorizeMedia(context, request, media.id);
      response.status(200).type(media.mimeType).send(media.bytes);
    }),
  );
  // Profile pictures, public as Meta's are (pps.whatsapp.net links carry their own signature, no token).
  router.get('/pps/:pictureId', (request, response) => {
    const picture = context.state.profilePictures.get(String(request.params.pictureId));
    if (picture === undefined) {
      response.status(404).type('text/plain').send('No such picture.');
      return;
    }
    response.status(200).type(picture.mimeType).send(picture.bytes);
  });
  router.use('/:version', (request, response, next) => {
    if (/^v\d+\.\d+$/.test(String(request.params.version))) {
      next();
      return;
    }
    sendGraphError(
      response,
      new GraphError(2500, 'Unknown path components', {
        message: `Unknown path components: ${request.originalUrl.split('?')[0]}`,
      }),
    );
  });
  router.post('/:version/:phoneNumberId/messages', route(messagesRoute(context)));
  router.post(
    '/:version/:phoneNumberId/media',
    express.raw({ type: 'multipart/form-data', limit: mediaUploadBodyBytesMax }),
    asyncRoute(uploadRoute(context)),
  );
  router.get('/:version/:wabaId/message_templates', route(templatesRoute(context)));
  router.get('/:version/:wabaId/phone_numbers', route(phoneNumbersRoute(context)));
  router.get('/:version/:wabaId/subscribed_apps', route(subscribedAppsRoute(context, 'get')));
  router.post('/:version/:wabaId/subscribed_apps', route(subscribedAppsRoute(context, 'post')));
  router.delete('/:version/:wabaId/subscribed_apps', route(subscribedAppsRoute(context, 'delete')));
  router.get(
    '/:version/:phoneNumberId/whatsapp_business_profile',
    route((request, response) => {
      const number = authorizeNumber(context.state, request, String(request.params.phoneNumberId));
      response.json(profileResource(number, fieldList(request.query.fields)));
    }),
  );
  router.post(
    '/:version/:phoneNumberId/whatsapp_business_profile',
    route((request, response) => {
      const number = authorizeNumber(context.state, request, String(request.params.phoneNumberId));
      const pictureUrlOf = (handle: string) =>
        `${originOf(request)}/pps/${pictureOfHandle(context, number.accessToken, handle).id}`;
      response.json(updateProfile(number, parametersOf(request), pictureUrlOf));
    }),
  );
  router.post(
    '/:version/:appId/uploads',
    route((request, response) => {
      response.json(openUploadSession(context, request, String(request.params.appId)));
    }),
  );
  router.post(
    '/:version/:sessionId',
    express.raw({ type: () => true, limit: uploadFileBytesMax }),
    route((request, response) => {
      const sessionId = String(request.params.sessionId);
      if (!sessionId.startsWith('upload:')) {
        const path = request.originalUrl.split('?')[0] ?? '';
        throw new GraphError(2500, 'Unknown path components', { message: `Unknown path components: ${path}` });
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      response.json(receiveUploadBytes(context, request, sessionId, body));
    }),
  );
  router.post(
    '/:version/:phoneNumberId/request_code',
    route(numberAction(context, (number, parameters) => requestCode(number, parameters, context.now()))),
  );
  router.post('/:version/:phoneNumberId/verify_code', route(numberAction(context, verifyCode)));
  router.post('/:version/:phoneNumberId/register', route(numberAction(context, register)));
  router.post('/:version/:phoneNumberId/deregister', route(numberAction(context, (number) => deregister(number))));
  router.get('/:version/:id', route(nodeRoute(context)));
  router.delete('/:version/:id', route(mediaNodeRoute(context, 'delete')));
  router.use((request, response) => {
    const path = request.originalUrl.split('?')[0] ?? '';
    sendGraphError(response, new GraphError(2500, 'Unknown path components', { message: `Unknown path components: ${path}` }));
  });
  router.use(graphErrorHandler);
  return router;
}
