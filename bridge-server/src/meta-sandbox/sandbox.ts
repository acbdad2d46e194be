import express, { type ErrorRequestHandler, type Express, type Response } from 'express';
import pino, { type Logger } from 'pino';
import { type ListeningServer, listenApp, requestLogging } from '../sandboxes/common/server.js';
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

/** The listening sandbox: Graph calls go to `${url}/v24.0/…`. */
export type ListeningSandbox = ListeningServer;

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

  const listen = (port: number, host = '127.0.0.1'): Promise<ListeningSandbox> => listenApp(app, port, host, stop);

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
