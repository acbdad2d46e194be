import * as z from 'zod';

/**
 * Behaviour switches of the simulated Meta, settable globally or per number through the control API.
 * Defaults make the sandbox fast and well-behaved; tests turn on the misbehaviour they exercise.
 */
export const knobsSchema = z.strictObject({
  /**
   * Delays after an accepted send at which `sent`, `delivered` and `read` are emitted. Real WhatsApp takes
   * well under a second for sent/delivered to an online phone; 50/150/300 ms keeps that order visible while
   * keeping tests fast.
   */
  statusDelaysMs: z.strictObject({
    sent: z.int().min(0).max(600_000),
    delivered: z.int().min(0).max(600_000),
    read: z.int().min(0).max(600_000),
  }),
  /** Customers never open messages: no `read` status (read receipts off, or simply unread). */
  neverRead: z.boolean(),
  /** Emit `read` before `delivered`, which Meta's documentation says can happen. */
  reorderReadBeforeDelivered: z.boolean(),
  /**
   * Collect the updates of one number for this long and POST them as one body (0 = one POST per update).
   * Meta batches up to 1,000 updates per POST.
   */
  batchWindowMs: z.int().min(0).max(60_000),
  /** POST every webhook body twice, as Meta sometimes does; receivers must deduplicate. */
  duplicateDeliveries: z.boolean(),
  /** Extra latency before every webhook POST (a slow Meta). */
  deliveryDelayMs: z.int().min(0).max(600_000),
  /**
   * Total attempts for one webhook body, the first included. Meta retries anything but a 200 "with decreasing
   * frequency" for up to 7 days; the sandbox retries a few times quickly so tests observe retries in
   * milliseconds.
   */
  deliveryAttemptsMax: z.int().min(1).max(50),
  /** Wait before the first retry; doubled after every further failure up to `retryDelayMsMax`. */
  retryDelayMsInitial: z.int().min(0).max(3_600_000),
  retryDelayMsMax: z.int().min(0).max(3_600_000),
  /**
   * How long the sandbox waits for a receiver's answer. Meta documents no exact timeout but asks for a median
   * answer within 250 ms; 5 s keeps a stuck receiver from pinning the sandbox while tolerating slow test machines.
   */
  deliveryTimeoutMs: z.int().min(10).max(120_000),
  /** Graph `POST …/messages` calls per second per number before 130429; Meta's default is 80. */
  throughputMessagesPerSecond: z.int().min(1).max(100_000),
  /**
   * Where window (131047) and marketing-stop (131050) violations are reported: `response` answers the send
   * with a Graph error; `failed_status` accepts the send (HTTP 200, wamid) and then emits a `failed` status,
   * which is how the Cloud API often reports them (Meta: errors come "synchronously, asynchronously via
   * webhook, or sometimes through both"). A bridge must handle both.
   */
  policyErrors: z.enum(['response', 'failed_status']),
});

export type Knobs = z.infer<typeof knobsSchema>;

/** Knob changes: any subset (nested status delays too). DELETE on a number's knobs clears its overrides. */
export const knobsPatchSchema = knobsSchema.partial().extend({
  statusDelaysMs: knobsSchema.shape.statusDelaysMs.partial().optional(),
});
export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

/** The well-behaved Meta: every knob off, Meta's default throughput, quick statuses and retries. */
export function defaultKnobs(): Knobs {
  return {
    statusDelaysMs: { sent: 50, delivered: 150, read: 300 },
    neverRead: false,
    reorderReadBeforeDelivered: false,
    batchWindowMs: 0,
    duplicateDeliveries: false,
    deliveryDelayMs: 0,
    deliveryAttemptsMax: 5,
    // 100 ms doubling to 2 s: five attempts span about 1.5 s, long enough for a receiver restarting in a test.
    retryDelayMsInitial: 100,
    retryDelayMsMax: 2_000,
    deliveryTimeoutMs: 5_000,
    throughputMessagesPerSecond: 80,
    policyErrors: 'response',
  };
}

/** Applies a patch onto knobs (global, or a number's overrides), merging the nested status delays. */
export function applyKnobsPatch<T extends Partial<Knobs>>(current: T, patch: KnobsPatch): T {
  const { statusDelaysMs, ...rest } = patch;
  const next = { ...current, ...rest } as T;
  if (statusDelaysMs !== undefined) {
    next.statusDelaysMs = { ...(current.statusDelaysMs ?? {}), ...statusDelaysMs } as Knobs['statusDelaysMs'];
  }
  return next;
}

/** The knobs in force for one number: its overrides over the global values. */
export function effectiveKnobs(global: Knobs, numberOverrides: Partial<Knobs>): Knobs {
  return {
    ...global,
    ...numberOverrides,
    statusDelaysMs: { ...global.statusDelaysMs, ...(numberOverrides.statusDelaysMs ?? {}) },
  };
}
