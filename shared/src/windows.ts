/*
 * WhatsApp's customer service window and free entry point, as pure functions of a contact's activity.
 * No clock and no I/O: callers fold events into a `ContactActivity` and pass `now` in.
 *
 * Two separate questions, deliberately kept apart:
 * - May the business send free-form (non-template) messages? Only inside the customer service window:
 *   24 hours from the customer's latest message. This is `WindowState.state`.
 * - Are the business's messages free? Inside the customer service window, service messages are; inside a
 *   free entry point, everything is, templates included. This is `WindowState.kind` and `freeUntil`.
 * A free entry point does not allow free-form messages by itself: once the customer has been silent for
 * 24 hours, only templates may be sent, even while they are still free.
 *
 * Every period is half-open, [start, end): at the exact instant a period ends it is over. Meta's
 * timestamps have one-second resolution, so an instant exactly on the boundary is a real case; we
 * count it as closed, the side on which Meta rejects a free-form message (131047) rather than on which
 * we promise one that fails.
 */

const hourMs = 60 * 60 * 1000;

/** Meta's customer service window: free-form messages are allowed for 24 hours after the customer's latest message. */
export const customerServiceWindowMs = 24 * hourMs;

/** A free entry point needs the business to answer a click-to-WhatsApp message within 24 hours (Meta's rule). */
export const freeEntryPointReplyWindowMs = 24 * hourMs;

/** Once the business has answered in time, everything it sends for 72 hours from that answer is free (Meta's rule). */
export const freeEntryPointDurationMs = 72 * hourMs;

/**
 * What the window rules need to know about one contact, folded from events.
 * - `lastInboundAt`: Meta's timestamp of the customer's latest message (not when we received it).
 * - `lastReferralInboundAt`: latest customer message that came from a click-to-WhatsApp ad (it carried a
 *   `referral`) and still counts towards a free entry point.
 * - `firstReplyAfterReferralAt`: the business's first message at or after `lastReferralInboundAt`. Whether
 *   it came within 24 hours decides whether a free entry point started, at this instant.
 */
export type ContactActivity = {
  lastInboundAt: Date | null;
  lastReferralInboundAt: Date | null;
  firstReplyAfterReferralAt: Date | null;
};

export const noContactActivity: ContactActivity = {
  lastInboundAt: null,
  lastReferralInboundAt: null,
  firstReplyAfterReferralAt: null,
};

export type InboundActivity = { timestamp: Date; hasReferral: boolean };

export type BusinessReplyActivity = { sentAt: Date };

export type WindowState = {
  /** Whether free-form messages are allowed now: `open` exactly while the customer service window is. */
  state: 'open' | 'closed';
  /**
   * How messages sent now are priced: `free_entry_point` while one is active (even when `state` is
   * `closed`), else `customer_service` while the customer service window is open, else null (paid).
   */
  kind: 'customer_service' | 'free_entry_point' | null;
  /** The customer message that opened the current customer service window; null when it is closed. */
  openedAt: Date | null;
  /** End of the current customer service window; null when it is closed. */
  expiresAt: Date | null;
  /** End of the active free entry point; null when none is active. May be before or after `expiresAt`. */
  freeUntil: Date | null;
  /**
   * A click-to-WhatsApp message is waiting for its first answer: answer before this instant and a free
   * entry point starts. Null when there is no such message or it is too late.
   */
  freeEntryPointOfferExpiresAt: Date | null;
};

/**
 * Records a customer message. The latest timestamp wins, so messages may be folded in any order and
 * more than once. A click-to-WhatsApp message starts a new free entry point offer unless one already
 * stands or a free entry point is active at that moment: Meta does not stack or extend them.
 *
 * Known limit: a referral message that Meta delivers only after we answered a later one can start its
 * offer late (our answer is already folded). Meta's own `pricing.type` on the status webhooks stays
 * authoritative for billing.
 */
export function foldInbound(activity: ContactActivity, inbound: InboundActivity): ContactActivity {
  const lastInboundAt = laterOf(activity.lastInboundAt, inbound.timestamp);
  const withInbound = lastInboundAt === activity.lastInboundAt ? activity : { ...activity, lastInboundAt };
  return inbound.hasReferral ? foldReferral(withInbound, inbound.timestamp) : withInbound;
}

function foldReferral(activity: ContactActivity, referralAt: Date): ContactActivity {
  const { lastReferralInboundAt, firstReplyAfterReferralAt } = activity;
  if (lastReferralInboundAt !== null && referralAt <= lastReferralInboundAt) {
    return activity;
  }
  if (firstReplyAfterReferralAt === null || referralAt <= firstReplyAfterReferralAt) {
    // Still before any answer: the latest ad message sets the 24-hour deadline for that answer.
    return { ...activity, lastReferralInboundAt: referralAt };
  }
  const freeUntil = freeEntryPointEnd(activity);
  if (freeUntil !== null && referralAt < freeUntil) {
    return activity;
  }
  return { ...activity, lastReferralInboundAt: referralAt, firstReplyAfterReferralAt: null };
}

/**
 * Records a message the business sent. It never touches the customer service window (only the
 * customer can open that); it only matters as the first answer to a click-to-WhatsApp message.
 * Idempotent, and the earliest answer wins if answers are folded out of order.
 */
export function foldBusinessReply(activity: ContactActivity, reply: BusinessReplyActivity): ContactActivity {
  const { lastReferralInboundAt, firstReplyAfterReferralAt } = activity;
  if (lastReferralInboundAt === null || reply.sentAt < lastReferralInboundAt) {
    return activity;
  }
  if (firstReplyAfterReferralAt !== null && firstReplyAfterReferralAt <= reply.sentAt) {
    return activity;
  }
  return { ...activity, firstReplyAfterReferralAt: reply.sentAt };
}

/** The windows at `now`. See `WindowState` for the meaning of each field. */
export function windowState(activity: ContactActivity, now: Date): WindowState {
  const customerServiceExpiresAt =
    activity.lastInboundAt === null ? null : addMs(activity.lastInboundAt, customerServiceWindowMs);
  const customerServiceOpen = customerServiceExpiresAt !== null && now < customerServiceExpiresAt;
  const freeUntil = freeEntryPointEnd(activity);
  const freeEntryPointActive = freeUntil !== null && now < freeUntil;
  return {
    state: customerServiceOpen ? 'open' : 'closed',
    kind: freeEntryPointActive ? 'free_entry_point' : customerServiceOpen ? 'customer_service' : null,
    openedAt: customerServiceOpen ? activity.lastInboundAt : null,
    expiresAt: customerServiceOpen ? customerServiceExpiresAt : null,
    freeUntil: freeEntryPointActive ? freeUntil : null,
    freeEntryPointOfferExpiresAt: freeEntryPointOfferEnd(activity, now),
  };
}

/** End of the free entry point the activity started, whether or not it is still running; null if none started. */
function freeEntryPointEnd(activity: ContactActivity): Date | null {
  const { lastReferralInboundAt, firstReplyAfterReferralAt } = activity;
  if (lastReferralInboundAt === null || firstReplyAfterReferralAt === null) {
    return null;
  }
  const answeredInTime = firstReplyAfterReferralAt < addMs(lastReferralInboundAt, freeEntryPointReplyWindowMs);
  return answeredInTime ? addMs(firstReplyAfterReferralAt, freeEntryPointDurationMs) : null;
}

function freeEntryPointOfferEnd(activity: ContactActivity, now: Date): Date | null {
  if (activity.lastReferralInboundAt === null || activity.firstReplyAfterReferralAt !== null) {
    return null;
  }
  const offerExpiresAt = addMs(activity.lastReferralInboundAt, freeEntryPointReplyWindowMs);
  return now < offerExpiresAt ? offerExpiresAt : null;
}

function laterOf(current: Date | null, candidate: Date): Date {
  return current !== null && current >= candidate ? current : candidate;
}

function addMs(instant: Date, durationMs: number): Date {
  return new Date(instant.getTime() + durationMs);
}
