import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import type { Logger } from 'pino';

export interface ListeningServer {
  /** Base URL, e.g. http://127.0.0.1:8091. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on `port` (0 = any free port) and answers a close that first stops the sandbox's own work. */
export async function listenApp(app: Express, port: number, host: string, stop: () => void): Promise<ListeningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const address = server.address() as AddressInfo;
  const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      stop();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://${reachableHost}:${address.port}`, server, close };
}

/** One log line per request: method, path without its query (tokens and security contexts ride there), status, duration. */
export function requestLogging(logger: Logger): RequestHandler {
  return (request, response, next) => {
    const startedAtMs = Date.now();
    response.on('finish', () => {
      logger.info(
        { method: request.method, path: request.path, status: response.statusCode, durationMs: Date.now() - startedAtMs },
        'request',
      );
    });
    next();
  };
}
