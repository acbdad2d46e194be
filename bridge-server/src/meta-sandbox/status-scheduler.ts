import type { WebhookDispatcher } from './delivery.js';
import { type GraphErrorCode, statusErrorObject } from './graph-errors.js';
import type { Knobs } from './knobs.js';
import type { Customer, PhoneNumber, SentMessage, StatusRecord } from './state.js';
import type { Timers } from './timers.js';
import { statusChange, unixSeconds } from './webhooks.js';

export interface StatusSchedulerDependencies {
  timers: Timers;
  dispatcher: WebhookDispatcher;
  logger: { error(object: unknown, message: string): void };
  now(): number;
}

/** A send accepted by the API and then failed by "WhatsApp", like 131026 for an unreachable customer. */
export interface LaterFailure {
  code: GraphErrorCode;
  details: string;
}

interface PlannedStatus {
  delayMs: number;
  status: StatusRecord['status'];
  errors?: StatusRecord['errors'];
}

/**
 * The statuses one accepted message will go through: `sent`, `delivered`, `read` at the configured delays
 * (no `read` for customers who never read; `read` first when reordering), or a lone `failed`.
 */
export function planStatuses(knobs: Knobs, customer: Customer, failure: LaterFailure | undefined): PlannedStatus[] {
  const delays = knobs.statusDelaysMs;
  if (failure !== undefined) {
    return [{ delayMs: delays.sent, status: 'failed', errors: [statusErrorObject(failure.code, failure.details)] }];
  }
  const plan: PlannedStatus[] = [
    { delayMs: delays.sent, status: 'sent' },
    { delayMs: delays.delivered, status: 'delivered' },
  ];
  if (knobs.neverRead || customer.neverRead) return plan;
  if (!knobs.reorderReadBeforeDelivered) return [...plan, { delayMs: delays.read, status: 'read' }];
  // Swap the moments of delivered and read, so read goes out first.
  return [plan[0] as PlannedStatus, { delayMs: delays.delivered, status: 'read' }, { delayMs: delays.read, status: 'delivered' }];
}

export function scheduleStatuses(
  dependencies: StatusSchedulerDependencies,
  number: PhoneNumber,
  message: SentMessage,
  plan: PlannedStatus[],
): void {
  for (const planned of plan) {
    dependencies.timers.after(
      planned.delayMs,
      () => {
        const record: StatusRecord = {
          status: planned.status,
          timestampSeconds: unixSeconds(dependencies.now()),
          ...(planned.errors !== undefined ? { errors: planned.errors } : {}),
        };
        message.statuses.push(record);
        dependencies.dispatcher.emit(number, statusChange(number, message, record));
      },
      (error) => dependencies.logger.error({ err: error }, 'status emission failed'),
    );
  }
}
