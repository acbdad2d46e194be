import type { RequestHandler, Response } from 'express';
import * as z from 'zod';

/**
 * A fault the simulated helpdesk applies to the next requests of one of its APIs: the refusals a busy or broken
 * helpdesk answers (429 with `Retry-After`, 5xx) and slowness. Set through the control API; each sandbox answers
 * them in its own helpdesk's shapes.
 */
export const faultSchema = z.strictObject({
  mode: z.enum(['rate_limited', 'server_error', 'slow', 'none']),
  /** How many of the next requests are affected; leave out for every request until cleared with mode none. */
  count: z.int().min(1).max(10_000).optional(),
  /** `Retry-After` of a rate-limited answer, in seconds (both helpdesks send seconds). */
  retryAfterSeconds: z.int().min(0).max(3_600).default(1),
  httpStatus: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
  /** How long a slow request waits before it is handled normally. */
  delayMs: z.int().min(0).max(120_000).default(1_000),
});
export type FaultInput = z.infer<typeof faultSchema>;

export interface FaultAnswers {
  rateLimited(response: Response, retryAfterSeconds: number): void;
  serverError(response: Response, httpStatus: number): void;
}

/** The fault in force for one API, counting down the requests it affects. */
export class FaultSwitch {
  private fault: (FaultInput & { remaining?: number }) | undefined;
  private readonly slowTimers = new Set<NodeJS.Timeout>();

  set(input: FaultInput): void {
    this.fault = input.mode === 'none' ? undefined : { ...input, remaining: input.count };
  }

  view(): (FaultInput & { remaining?: number }) | null {
    return this.fault ?? null;
  }

  /** The fault for this request, if any, counted as used. */
  take(): FaultInput | undefined {
    const fault = this.fault;
    if (fault === undefined) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.fault = undefined;
    }
    return fault;
  }

  /** Express middleware answering the fault in the helpdesk's shapes, or delaying the request when slow. */
  middleware(answers: FaultAnswers): RequestHandler {
    return (_request, response, next) => {
      const fault = this.take();
      if (fault === undefined) return next();
      if (fault.mode === 'rate_limited') return answers.rateLimited(response, fault.retryAfterSeconds);
      if (fault.mode === 'server_error') return answers.serverError(response, fault.httpStatus);
      const timer = setTimeout(() => {
        this.slowTimers.delete(timer);
        next();
      }, fault.delayMs);
      this.slowTimers.add(timer);
    };
  }

  clear(): void {
    this.fault = undefined;
    for (const timer of this.slowTimers) clearTimeout(timer);
    this.slowTimers.clear();
  }
}
