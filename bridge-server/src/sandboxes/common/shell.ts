import express, { type ErrorRequestHandler, type Express, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { ControlError, parseInput, sendControlError } from '../../meta-sandbox/control-errors.js';
import type { Timers } from '../../meta-sandbox/timers.js';
import { controlHandler, withControlEdges } from './control.js';
import { type FaultSwitch, faultSchema } from './faults.js';
import type { Outbound } from './outbound.js';
import type { PeriodicPull } from './scheduling.js';
import { type ListeningServer, listenApp, requestLogging } from './server.js';

/** What both helpdesk sandboxes are made of; each brings its state, routes and error shapes. */
export interface ShellParts<Knobs extends Record<string, unknown>> {
  logger: Logger;
  timers: Timers;
  outbound: Outbound;
  /** The helpdesk's fault switches by name, set through `PUT /sandbox/faults/:name`. */
  faults: Record<string, FaultSwitch>;
  scheduler: PeriodicPull;
  knobs: Knobs;
  knobsSchema: z.ZodObject;
  /** The helpdesk's own control routes (after health, reset, knobs and faults). */
  controlRoutes(router: Router): void;
  apiRouter: Router;
  /** An unexpected failure of the helpdesk API, in the helpdesk's error shape. */
  sendApiError(response: Response): void;
  /** Forgets everything (a fresh state; knobs back to their start values). */
  resetState(): void;
  onListening(url: string): void;
}

export interface SandboxShell {
  app: Express;
  listen(port: number, host?: string): Promise<ListeningServer>;
  reset(): void;
  /** Resolves once no pull, import, delivery or event is in flight or scheduled (tests wait on this, not on sleeps). */
  idle(timeoutMs?: number): Promise<void>;
  stop(): void;
}

function sharedControlRoutes<Knobs extends Record<string, unknown>>(parts: ShellParts<Knobs>, reset: () => void) {
  return (router: Router): void => {
    router.get(
      '/sandbox/health',
      controlHandler((_request, response) => {
        response.json({ status: 'ok', pending_work: parts.timers.pendingCount });
      }),
    );
    router.post(
      '/sandbox/reset',
      controlHandler((_request, response) => {
        reset();
        response.json({ status: 'reset' });
      }),
    );
    router.get(
      '/sandbox/knobs',
      controlHandler((_request, response) => {
        response.json(parts.knobs);
      }),
    );
    router.put(
      '/sandbox/knobs',
      controlHandler((request, response) => {
        Object.assign(parts.knobs, parseInput(parts.knobsSchema.partial(), request.body, 'body'));
        parts.scheduler.restart();
        response.json(parts.knobs);
      }),
    );
    router.put(
      '/sandbox/faults/:name',
      controlHandler((request, response) => {
        const name = String(request.params.name);
        const fault = parts.faults[name];
        if (fault === undefined)
          throw new ControlError(
            404,
            'not_found',
            `No fault switch ${name}; there are: ${Object.keys(parts.faults).join(', ')}.`,
          );
        fault.set(parseInput(faultSchema, request.body, 'body'));
        response.json({ [name]: fault.view() });
      }),
    );
    parts.controlRoutes(router);
  };
}

/** Assembles a helpdesk sandbox: request logs, the control API, the helpdesk's API, and start/stop/reset. */
export function buildShell<Knobs extends Record<string, unknown>>(parts: ShellParts<Knobs>): SandboxShell {
  const clearFaults = () => {
    for (const fault of Object.values(parts.faults)) fault.clear();
  };
  const reset = () => {
    parts.resetState();
    clearFaults();
    parts.scheduler.restart();
  };
  const unexpectedErrors: ErrorRequestHandler = (error: unknown, request, response, _next) => {
    parts.logger.error({ err: error, path: request.path }, 'unhandled error');
    if (response.headersSent) response.destroy();
    else if (request.path.startsWith('/sandbox'))
      sendControlError(response, new ControlError(500, 'internal_error', 'The sandbox failed; see its log.'));
    else parts.sendApiError(response);
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging(parts.logger));
  app.use(withControlEdges(express.Router(), sharedControlRoutes(parts, reset)));
  app.use(parts.apiRouter);
  app.use(unexpectedErrors);

  const stop = () => {
    parts.scheduler.stop();
    parts.timers.cancelAll();
    parts.outbound.abortAll();
    clearFaults();
  };
  return {
    app,
    reset,
    stop,
    idle: (timeoutMs = 10_000) => parts.timers.idle(timeoutMs),
    async listen(port, host = '127.0.0.1') {
      const running = await listenApp(app, port, host, stop);
      parts.onListening(running.url);
      parts.scheduler.restart();
      return running;
    },
  };
}
