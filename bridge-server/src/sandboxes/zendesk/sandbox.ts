import express, { type ErrorRequestHandler, type Express } from 'express';
import pino, { type Logger } from 'pino';
import { ControlError, sendControlError } from '../../meta-sandbox/control-errors.js';
import { Timers } from '../../meta-sandbox/timers.js';
import { withControlEdges } from '../common/control.js';
import { FaultSwitch } from '../common/faults.js';
import { Outbound } from '../common/outbound.js';
import { type ListeningServer, listenApp, requestLogging } from '../common/server.js';
import { sendZendeskError, zendeskApiRouter } from './api-router.js';
import { defaultZendeskKnobs, type ZendeskContext, type ZendeskKnobs } from './context.js';
import { zendeskControlRoutes } from './control-router.js';
import { PullScheduler } from './pull.js';
import { zendeskSchemas } from './schemas.js';
import { ZendeskState } from './state.js';

export interface ZendeskSandboxOptions {
  /** Defaults to a silent logger, so tests stay quiet. */
  logger?: Logger;
  now?: () => number;
  knobs?: Partial<ZendeskKnobs>;
  /** The account's subdomain (posted to admin UIs). Default "sandbox". */
  subdomain?: string;
  /**
   * Accept http URLs in manifests, file_urls and pushes. Zendesk requires https; tests and local demos run on plain
   * http, so they turn this on. Default false.
   */
  allowPlainHttp?: boolean;
  /** How integrations reach the sandbox; default the URL it listens on. */
  publicUrl?: string;
}

export interface ZendeskSandbox {
  app: Express;
  context: ZendeskContext;
  listen(port: number, host?: string): Promise<ListeningServer>;
  reset(): void;
  /** Resolves once no pull, import, channelback or event is in flight or scheduled (tests wait on this, not on sleeps). */
  idle(timeoutMs?: number): Promise<void>;
  stop(): void;
}

function unexpectedErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    logger.error({ err: error, path: request.path }, 'unhandled error');
    if (response.headersSent) response.destroy();
    else if (request.path.startsWith('/sandbox'))
      sendControlError(response, new ControlError(500, 'internal_error', 'The sandbox failed; see its log.'));
    else sendZendeskError(response, 500, { error: 'InternalError', description: 'Something went wrong.' });
  };
}

/** Builds the simulated Zendesk Support account: the Channel framework's side of a channel integration. */
export function createZendeskSandbox(options: ZendeskSandboxOptions = {}): ZendeskSandbox {
  const logger = options.logger ?? pino({ level: 'silent' });
  const startKnobs = { ...defaultZendeskKnobs(), ...options.knobs };
  let listeningUrl = options.publicUrl ?? 'http://127.0.0.1';
  const context: ZendeskContext = {
    state: new ZendeskState(),
    knobs: { ...startKnobs },
    schemas: zendeskSchemas(options.allowPlainHttp ?? false),
    logger,
    now: options.now ?? Date.now,
    timers: new Timers(),
    outbound: new Outbound(),
    faults: { push: new FaultSwitch() },
    subdomain: options.subdomain ?? 'sandbox',
    publicUrl: () => listeningUrl,
    onKnobsChanged: () => scheduler.restart(),
  };
  const scheduler = new PullScheduler(context);
  const reset = () => {
    context.state = new ZendeskState();
    Object.assign(context.knobs, startKnobs);
    context.faults.push.clear();
    scheduler.restart();
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging(logger));
  app.use(withControlEdges(express.Router(), zendeskControlRoutes(context, reset)));
  app.use(zendeskApiRouter(context));
  app.use(unexpectedErrors(logger));

  const stop = () => {
    scheduler.stop();
    context.timers.cancelAll();
    context.outbound.abortAll();
    context.faults.push.clear();
  };

  return {
    app,
    context,
    reset,
    stop,
    idle: (timeoutMs = 10_000) => context.timers.idle(timeoutMs),
    async listen(port, host = '127.0.0.1') {
      const running = await listenApp(app, port, host, stop);
      if (options.publicUrl === undefined) listeningUrl = running.url;
      scheduler.restart();
      return running;
    },
  };
}
