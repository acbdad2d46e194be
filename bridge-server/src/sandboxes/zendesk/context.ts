import type { Logger } from 'pino';
import * as z from 'zod';
import type { Timers } from '../../meta-sandbox/timers.js';
import type { FaultSwitch } from '../common/faults.js';
import type { Outbound } from '../common/outbound.js';
import type { ZendeskSchemas } from './schemas.js';
import type { ZendeskState } from './state.js';

/** Behaviour switches of the simulated Zendesk, settable through the control API. */
export const zendeskKnobsSchema = z.strictObject({
  /**
   * How often each account's `pull_url` is polled. Zendesk pulls "approximately every 2 minutes"; 0 turns the
   * timer off so tests pull only through the control API.
   */
  pullIntervalMs: z.int().min(0).max(3_600_000),
  /**
   * Attempts per channelback, the first included. Zendesk documents only that a request remade "due to network
   * errors" carries the same request_unique_identifier; the count is the sandbox's assumption (see README).
   */
  channelbackAttemptsMax: z.int().min(1).max(20),
  /** Wait before the first channelback retry; doubled per further retry up to `retryDelayMsMax`. */
  retryDelayMsInitial: z.int().min(0).max(600_000),
  retryDelayMsMax: z.int().min(0).max(3_600_000),
  /** A `Retry-After` longer than this is cut to it, so a misbehaving integration cannot park a reply for hours. */
  retryAfterMsMax: z.int().min(0).max(3_600_000),
  /** How long Zendesk waits for one channelback answer (assumed; Zendesk documents none). */
  channelbackTimeoutMs: z.int().min(10).max(120_000),
  /** How long other calls to the integration (manifest, admin UI, pull, files, events) may take. */
  outboundTimeoutMs: z.int().min(10).max(120_000),
  /** Largest file imported from `file_urls`; Zendesk's attachment limit is 50 MB. */
  fileBytesMax: z
    .int()
    .min(1)
    .max(100 * 1024 * 1024),
  /** Updates one API user may make to one ticket in 10 minutes (Zendesk: 30), then 429 with Retry-After. */
  ticketUpdatesPerTenMinutes: z.int().min(1).max(1_000),
});
export type ZendeskKnobs = z.infer<typeof zendeskKnobsSchema>;

export function defaultZendeskKnobs(): ZendeskKnobs {
  return {
    pullIntervalMs: 120_000,
    channelbackAttemptsMax: 3,
    // 1 s doubling to 30 s: three attempts span a few seconds, enough for a bridge restarting.
    retryDelayMsInitial: 1_000,
    retryDelayMsMax: 30_000,
    retryAfterMsMax: 60_000,
    channelbackTimeoutMs: 10_000,
    outboundTimeoutMs: 10_000,
    fileBytesMax: 50 * 1024 * 1024,
    ticketUpdatesPerTenMinutes: 30,
  };
}

export interface ZendeskContext {
  state: ZendeskState;
  knobs: ZendeskKnobs;
  schemas: ZendeskSchemas;
  logger: Logger;
  now(): number;
  timers: Timers;
  outbound: Outbound;
  faults: { push: FaultSwitch; tickets: FaultSwitch };
  /** The account's subdomain, posted to the admin UI. */
  subdomain: string;
  /** How integrations reach this sandbox (return_url, attachment URLs); known once it listens. */
  publicUrl(): string;
}

export const isoNow = (context: Pick<ZendeskContext, 'now'>) => new Date(context.now()).toISOString();
