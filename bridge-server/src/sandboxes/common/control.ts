import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ControlError, sendControlError } from '../../meta-sandbox/control-errors.js';

/** Control bodies are small JSON documents; 8 MB leaves room for base64 attachments in tests. */
export const controlBodyBytesMax = 8 * 1024 * 1024;

/** Wraps a control handler, synchronous or not: ControlErrors become `{error:{code, message}}` answers. */
export function controlHandler(handler: (request: Request, response: Response) => unknown): RequestHandler {
  return async (request, response, next) => {
    try {
      await handler(request, response);
    } catch (error) {
      if (error instanceof ControlError) sendControlError(response, error);
      else next(error);
    }
  };
}

const controlBodyErrors: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendControlError(response, new ControlError(400, 'invalid_json', `The body is not valid JSON: ${(error as Error).message}`));
  } else if (type === 'entity.too.large') {
    sendControlError(response, new ControlError(413, 'payload_too_large', `The body exceeds ${controlBodyBytesMax} bytes.`));
  } else {
    next(error);
  }
};

/** Mounts the JSON parser before, and the not-found and body-error answers after, a sandbox's `/sandbox` routes. */
export function withControlEdges(router: Router, routes: (router: Router) => void): Router {
  router.use('/sandbox', express.json({ limit: controlBodyBytesMax }));
  routes(router);
  router.use('/sandbox', (request, response) => {
    sendControlError(
      response,
      new ControlError(404, 'not_found', `No control endpoint ${request.method} ${request.originalUrl.split('?')[0]}.`),
    );
  });
  router.use('/sandbox', controlBodyErrors);
  return router;
}

/** The numeric path parameter `name`, or a 404 naming what was looked for. */
export function numericParameter(request: Request, name: string, what: string): number {
  const value = String(request.params[name]);
  if (!/^\d{1,15}$/.test(value)) throw new ControlError(404, 'not_found', `${what} ${value} does not exist in the sandbox.`);
  return Number(value);
}
