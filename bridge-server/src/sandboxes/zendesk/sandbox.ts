import { type Express, Router } from 'express';
import pino, { type Logger } from 'pino';
import { Timers } from '../../meta-sandbox/timers.js';
import { FaultSwitch } from '../common/faults.js';
import { Outbound } from '../common/outbound.js';
import { PeriodicPull } from '../common/scheduling.js';
import type { ListeningServer } from '../common/server.js';
import { buildShell } from '../common/shell.js';
import { sendZendeskError, zendeskApiRouter } from './api-router.js';
import { defaultZendeskKnobs, type ZendeskContext, type ZendeskKnobs, zendeskKnobsSchema } from './context.js';
import { zendeskControlRoutes } from './control-router.js';
import { pullAll } from './pull.js';
import { zendeskSchemas } from './schemas.js';
import { ZendeskState } from './state.js';
import { zendeskTicketsApi } from './tickets-api.js';

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
  /** How integrations reach the sandbox (return_url, attachment URLs); default the URL it listens on. */
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
    faults: { push: new FaultSwitch(), tickets: new FaultSwitch() },
    subdomain: options.subdomain ?? 'sandbox',
    publicUrl: () => listeningUrl,
  };
  const shell = buildShell({
    ...context,
    knobsSchema: zendeskKnobsSchema,
    scheduler: new PeriodicPull(
      () => context.knobs.pullIntervalMs,
      () => pullAll(context),
      logger,
    ),
    controlRoutes: zendeskControlRoutes(context),
    // The Tickets API first: the Channel framework's router answers every other /api path with 404.
    apiRouter: Router().use(zendeskTicketsApi(context), zendeskApiRouter(context)),
    sendApiError: (response) => sendZendeskError(response, 500, { error: 'InternalError', description: 'Something went wrong.' }),
    resetState: () => {
      context.state = new ZendeskState();
      Object.assign(context.knobs, startKnobs);
    },
    onListening: (url) => {
      if (options.publicUrl === undefined) listeningUrl = url;
    },
  });
  return { ...shell, context };
}
