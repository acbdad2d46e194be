import type { Response } from 'express';
import type { Logger } from 'pino';
import type { WebhookDispatcher } from './delivery.js';
import type { Knobs } from './knobs.js';
import type { SandboxState } from './state.js';
import type { Timers } from './timers.js';

/** What the Graph and control routes share: the state, the clock, and the machinery that sends webhooks. */
export interface SandboxContext {
  state: SandboxState;
  logger: Logger;
  /** The sandbox clock in milliseconds (injectable so tests can move time). */
  now(): number;
  timers: Timers;
  dispatcher: WebhookDispatcher;
  knobsFor(phoneNumberId: string): Knobs;
  /** Answers held back by the `hang` send fault; destroyed on close. */
  hungResponses: Set<Response>;
}
