import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import pino, { type Logger } from 'pino';
import type { SandboxContext } from './context.js';
import { ControlError, parseInput, sendControlError } from './control-errors.js';
import { controlRouter } from './control-router.js';
import { WebhookDispatcher } from './delivery.js';
import { GraphError, sendGraphError } from './graph-errors.js';
import { graphRouter } from './graph-router.js';
import { defaultKnobs, effectiveKnobs, type Knobs } from './knobs.js';
import { type NumberInput, numberInputSchema, upsertNumber } from './numbers.js';
import { type PhoneNumber, SandboxState } from './state.js';
import { Timers } from './timers.js';

export interface MetaSandboxOptions {
  /** Defaults to a silent logger, so tests stay quiet. */
  logger?: Logger;
  /** The sandbox clock in milliseconds; inject one to move time in tests. */
  now?: () => number;
  /** Global knob values to start from (and to return to on reset). */
  knobs?: Partial<Knobs>;
  /** Numbers registered at start and again after every reset. */
  numbers?: NumberInput[];
}

export interface ListeningSandbox {
  /** Base URL, e.g. http://127.0.0.1:8090; Graph calls go to `${url}/v24.0/…`. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface MetaSandbox {
  app: Express;
  state: SandboxState;
  context: SandboxContext;
  listen(port: number, host?: string): Promise<ListeningSandbox>;
  registerNumber(input: NumberInput): PhoneNumber;
  /** Forgets everything and registers the configured numbers again. */
  reset(): void;
  /** Resolves once no status, batch or webhook attempt is pending (tests wait on this instead of sleeping). */
  idle(timeoutMs?: number): Promise<void>;
  /** Cancels pending work and aborts webhook requests in flight; the HTTP server is closed by `listen()`'s close. */
  stop(): void;
}

/** Logs one line per request: method, path without its query (tokens may ride there), status and duration. */
function requestLogging(logger: Logger): RequestHandler {
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

function unexpectedErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    logger.error({ err: error, path: request.path }, 'unhandled error');
    if (response.headersSent) {
      response.destroy();
    } else if (request.path.startsWith('/sandbox')) {
      sendControlError(response, new ControlError(500, 'internal_error', 'The sandbox failed; see its log.'));
    } else {
      sendGraphError(response, new GraphError(1, 'An unknown error has occurred.'));
    }
  };
}

/** Builds the simulated Meta: Graph API, control API and webhook delivery, sharing one in-memory state. */
export function createMetaSandbox(options: MetaSandboxOptions = {}): MetaSandbox {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const state = new SandboxState({ ...defaultKnobs(), ...options.knobs });
  const timers = new Timers();
  const knobsFor = (phoneNumberId: string) => effectiveKnobs(state.knobs, state.numbers.get(phoneNumberId)?.knobs ?? {});
  const dispatcher = new WebhookDispatcher({ state, timers, logger, now, knobsFor });
  const context: SandboxContext = { state, logger, now, timers, dispatcher, knobsFor, hungResponses: new Set<Response>() };

  const registerNumber = (input: NumberInput) => upsertNumber(state, parseInput(numberInputSchema, input, 'number'));
  const reset = () => {
    state.clear();
    for (const number of options.numbers ?? []) registerNumber(number);
  };
  reset();

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging(logger));
  app.use(controlRouter(context, reset));
  app.use(graphRouter(context));
  app.use(unexpectedErrors(logger));

  const stop = () => {
    timers.cancelAll();
    dispatcher.abortAll();
    for (const response of context.hungResponses) response.destroy();
    context.hungResponses.clear();
  };

  async function listen(port: number, host = '127.0.0.1'): Promise<ListeningSandbox> {
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

  return {
    app,
    state,
    context,
    listen,
    registerNumber,
    reset,
    idle: (timeoutMs = 10_000) => timers.idle(timeoutMs),
    stop,
  };
}
