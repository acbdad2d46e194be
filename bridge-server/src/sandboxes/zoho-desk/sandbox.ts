import type { Express } from 'express';
import pino, { type Logger } from 'pino';
import { Timers } from '../../meta-sandbox/timers.js';
import { FaultSwitch } from '../common/faults.js';
import { Outbound } from '../common/outbound.js';
import { PeriodicPull } from '../common/scheduling.js';
import type { ListeningServer } from '../common/server.js';
import { buildShell } from '../common/shell.js';
import { sendZohoError, zohoApiRouter } from './api-router.js';
import { defaultZohoKnobs, type ZohoContext, type ZohoKnobs, zohoKnobsSchema } from './context.js';
import { zohoControlRoutes } from './control-router.js';
import { ZohoDeskState } from './state.js';
import { pullAll } from './sync.js';

export interface ZohoDeskSandboxOptions {
  logger?: Logger;
  now?: () => number;
  knobs?: Partial<ZohoKnobs>;
  /** The org's id (the `orgId` header and query parameter). Default 60001234567. */
  orgId?: string;
  orgName?: string;
  /**
   * The `api_domain` the OAuth token answer carries (Zoho: the data centre's API host, e.g. https://www.zohoapis.jp).
   * Default: the URL the sandbox listens on, where it also serves the Desk API.
   */
  apiDomain?: string;
}

export interface ZohoDeskSandbox {
  app: Express;
  context: ZohoContext;
  listen(port: number, host?: string): Promise<ListeningServer>;
  reset(): void;
  /** Resolves once no pull, reply push or download is in flight or scheduled. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Builds the simulated Zoho Desk org: the channel integration engine, OAuth and a Desk API subset. */
export function createZohoDeskSandbox(options: ZohoDeskSandboxOptions = {}): ZohoDeskSandbox {
  const logger = options.logger ?? pino({ level: 'silent' });
  const startKnobs = { ...defaultZohoKnobs(), ...options.knobs };
  let listeningUrl = 'http://127.0.0.1';
  const context: ZohoContext = {
    state: new ZohoDeskState(),
    knobs: { ...startKnobs },
    logger,
    now: options.now ?? Date.now,
    timers: new Timers(),
    outbound: new Outbound(),
    faults: { api: new FaultSwitch() },
    org: { id: options.orgId ?? '60001234567', name: options.orgName ?? 'Sandbox Org' },
    apiDomain: () => options.apiDomain ?? listeningUrl,
  };
  const shell = buildShell({
    ...context,
    knobsSchema: zohoKnobsSchema,
    scheduler: new PeriodicPull(
      () => context.knobs.pullIntervalMs,
      () => pullAll(context),
      logger,
    ),
    controlRoutes: zohoControlRoutes(context),
    apiRouter: zohoApiRouter(context),
    sendApiError: (response) =>
      sendZohoError(response, 500, 'INTERNAL_SERVER_ERROR', 'An internal server error occurred while processing this request.'),
    resetState: () => {
      context.state = new ZohoDeskState();
      Object.assign(context.knobs, startKnobs);
    },
    onListening: (url) => {
      listeningUrl = url;
    },
  });
  return { ...shell, context };
}
