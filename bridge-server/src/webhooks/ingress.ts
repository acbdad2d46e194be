import type { IncomingMessage, ServerResponse } from 'node:http';
import { routes } from '@wabridge/shared';
import type { Logger } from 'pino';
import { type HttpMetrics, logRequest, type RequestFacts } from '../http/observability.js';
import { problemOfFailure, writeProblem } from '../http/problem.js';
import { readCapped } from '../http/read-capped.js';
import { payloadTooLarge } from '../http/request-errors.js';
import { isShedWebhook, metaBodyLimitBytes, type WebhookReceiver } from './receiver.js';

/** Takes a request and answers it, or leaves it (false) for the next listener: Express. */
export type Ingress = (request: IncomingMessage, response: ServerResponse) => boolean;

const routePath = routes.receiveMetaWebhook.path;
/**
 * The contract's path with a deployment id as the bridge issues them: no percent-encoding (Express decodes and
 * refuses a malformed one), no query string, no trailing slash.
 */
const plainPath = new RegExp(`^${routePath.replace('{deployment_id}', '([A-Za-z0-9_-]{1,128})').replaceAll('/', '\\/')}$`);

/**
 * Meta's webhooks, answered before Express (issue 16). They are nearly all the bridge's traffic on a busy number, and
 * Express's request handling cost this machine more than everything the webhook itself needs: a bare Express 5
 * route reading a body answered 5,500–6,800 requests/s where Node's own handler answered 27,000–32,000 (test/BENCHMARKS.md,
 * session 15). The ingress takes the usual request, a plain `POST /v1/webhooks/meta/{deployment_id}` with an
 * uncompressed body, and does for it what the middleware would: the request id and log line, the metrics, the
 * no-store headers, the body's limit, the problem+json answers. The checks and the durable store are the receiver's,
 * the same for both ways in; anything else (a Content-Encoding, a query string, a percent-encoded id, another
 * method) goes on to Express, whose route answers it as before.
 */
export function metaWebhookIngress(receiver: WebhookReceiver, logger: Logger, metrics: HttpMetrics): Ingress {
  return (request, response) => {
    if (request.method !== 'POST' || request.headers['content-encoding'] !== undefined) return false;
    const deploymentId = plainPath.exec(request.url ?? '')?.[1];
    if (deploymentId === undefined) return false;
    answer(request, response, deploymentId).catch((error: unknown) => {
      // answer() turns every failure into a problem; this is for a fault in that turning, never a crash.
      logger.error({ err: error }, 'webhook ingress failed');
      response.destroy();
    });
    return true;
  };

  async function answer(request: IncomingMessage, response: ServerResponse, deploymentId: string): Promise<void> {
    const path = request.url as string;
    const facts: RequestFacts = { routePath };
    logRequest(logger, request, response, path, facts);
    metrics.track(response, facts);
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    let body: Buffer | undefined;
    try {
      body = await readBody(request);
    } catch {
      // The client went away while sending: there is no one to answer.
      response.destroy();
      return;
    }
    try {
      if (body === undefined) throw payloadTooLarge(metaBodyLimitBytes);
      const signature = request.headers['x-hub-signature-256'];
      await receiver.receive({ deployment_id: deploymentId }, path, body, typeof signature === 'string' ? signature : undefined);
      response.writeHead(200, { 'Content-Length': 0 });
      response.end();
    } catch (error) {
      if (isShedWebhook(error)) facts.shed = true;
      if (response.headersSent) {
        response.destroy();
        return;
      }
      writeProblem(response, problemOfFailure(error, request.log ?? logger), path);
    }
  }
}

/**
 * The body, or undefined when it is over the limit: then the rest is read and thrown away, so that the refusal is
 * answered on its connection, as body-parser does. A Content-Length over the limit is refused without reading.
 */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length']) > metaBodyLimitBytes) {
    request.resume();
    return undefined;
  }
  const read = await readCapped(request, metaBodyLimitBytes, 'discard');
  return read.complete ? read.bytes : undefined;
}
