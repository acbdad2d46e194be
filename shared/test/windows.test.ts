import { describe, expect, it } from 'vitest';
import {
  type ContactActivity,
  customerServiceWindowMs,
  foldBusinessReply,
  foldInbound,
  freeEntryPointDurationMs,
  freeEntryPointReplyWindowMs,
  noContactActivity,
  windowState,
} from '../src/windows.js';

const secondMs = 1000;
const hourMs = 60 * 60 * secondMs;
const start = Date.UTC(2026, 0, 10, 12, 0, 0);

/** The instant `offsetMs` after the start of every scenario. */
function at(offsetMs: number): Date {
  return new Date(start + offsetMs);
}

type InboundStep = { inboundAt: number; referral?: boolean };
type Step = InboundStep | { replyAt: number };

/** Folds steps in the given order; offsets are relative to `start`. */
function activityAfter(...steps: Step[]): ContactActivity {
  return steps.reduce<ContactActivity>(
    (activity, step) =>
      'replyAt' in step
        ? foldBusinessReply(activity, { sentAt: at(step.replyAt) })
        : foldInbound(activity, { timestamp: at(step.inboundAt), hasReferral: step.referral ?? false }),
    noContactActivity,
  );
}

function hoursLabel(offsetsMs: number[]): string {
  return offsetsMs.map((offsetMs) => `${offsetMs / hourMs} h`).join(', ');
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('durations', () => {
  it('are Meta’s 24 h, 24 h and 72 h', () => {
    expect([customerServiceWindowMs, freeEntryPointReplyWindowMs, freeEntryPointDurationMs]).toEqual([
      24 * hourMs,
      24 * hourMs,
      72 * hourMs,
    ]);
  });
});

describe('customer service window', () => {
  it('is closed, with nothing to report, when the customer never wrote', () => {
    expect(windowState(noContactActivity, at(0))).toEqual({
      state: 'closed',
      kind: null,
      openedAt: null,
      expiresAt: null,
      freeUntil: null,
      freeEntryPointOfferExpiresAt: null,
    });
  });

  it.each([
    ['1 s before the message (our clock behind Meta’s)', -secondMs, 'open'],
    ['at the message', 0, 'open'],
    ['1 s after the message', secondMs, 'open'],
    ['1 s before 24 h', 24 * hourMs - secondMs, 'open'],
    ['1 ms before 24 h', 24 * hourMs - 1, 'open'],
    ['at exactly 24 h', 24 * hourMs, 'closed'],
    ['1 s after 24 h', 24 * hourMs + secondMs, 'closed'],
    ['a week later', 7 * 24 * hourMs, 'closed'],
  ] as const)('is %s (%i ms): %s', (_, nowOffsetMs, state) => {
    const activity = activityAfter({ inboundAt: 0 });

    const window = windowState(activity, at(nowOffsetMs));

    expect(window).toEqual(
      state === 'open'
        ? {
            state,
            kind: 'customer_service',
            openedAt: at(0),
            expiresAt: at(24 * hourMs),
            freeUntil: null,
            freeEntryPointOfferExpiresAt: null,
          }
        : { state, kind: null, openedAt: null, expiresAt: null, freeUntil: null, freeEntryPointOfferExpiresAt: null },
    );
  });

  it.each(permutations([0, 2 * hourMs, hourMs]).map((order) => [hoursLabel(order), order] as const))(
    'is measured from the latest message, folded in the order %s',
    (_, offsets) => {
      const activity = activityAfter(...offsets.map((inboundAt) => ({ inboundAt })));

      expect(activity.lastInboundAt).toEqual(at(2 * hourMs));
      expect(windowState(activity, at(26 * hourMs - secondMs))).toMatchObject({ state: 'open', expiresAt: at(26 * hourMs) });
      expect(windowState(activity, at(26 * hourMs)).state).toBe('closed');
    },
  );

  it('is not changed by an older message that arrives later', () => {
    const before = activityAfter({ inboundAt: 5 * hourMs });

    const after = foldInbound(before, { timestamp: at(hourMs), hasReferral: false });

    expect(after).toEqual(before);
  });

  it('is not changed by folding the same message twice', () => {
    const once = activityAfter({ inboundAt: hourMs });

    expect(foldInbound(once, { timestamp: at(hourMs), hasReferral: false })).toEqual(once);
  });

  it.each([
    ['during the window', 23 * hourMs],
    ['at its end', 24 * hourMs],
    ['after it closed', 25 * hourMs],
  ])('is not extended by a business message sent %s', (_, replyAt) => {
    const activity = activityAfter({ inboundAt: 0 }, { replyAt });

    expect(activity).toEqual(activityAfter({ inboundAt: 0 }));
    expect(windowState(activity, at(24 * hourMs)).state).toBe('closed');
  });

  it('is renewed by a new customer message after it closed', () => {
    const activity = activityAfter({ inboundAt: 0 }, { inboundAt: 30 * hourMs });

    expect(windowState(activity, at(30 * hourMs))).toMatchObject({ state: 'open', openedAt: at(30 * hourMs) });
  });
});

describe('free entry point', () => {
  it.each([
    ['at once', 0, 72 * hourMs],
    ['after 1 h', hourMs, 73 * hourMs],
    ['1 s before 24 h', 24 * hourMs - secondMs, 96 * hourMs - secondMs],
    ['at exactly 24 h', 24 * hourMs, null],
    ['1 s after 24 h', 24 * hourMs + secondMs, null],
  ])('answered %s (%i ms after the ad message)', (_, replyAt, freeUntilOffsetMs) => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { replyAt });

    const window = windowState(activity, at(replyAt));

    expect(window.freeUntil).toEqual(freeUntilOffsetMs === null ? null : at(freeUntilOffsetMs));
    expect(window.kind).toBe(freeUntilOffsetMs === null ? null : 'free_entry_point');
  });

  it.each([
    ['while the customer service window is open', 2 * hourMs, 'open', 'free_entry_point', at(24 * hourMs), at(73 * hourMs)],
    ['after the customer service window closed', 30 * hourMs, 'closed', 'free_entry_point', null, at(73 * hourMs)],
    ['1 s before its 72 h end', 73 * hourMs - secondMs, 'closed', 'free_entry_point', null, at(73 * hourMs)],
    ['at exactly its 72 h end', 73 * hourMs, 'closed', null, null, null],
    ['1 s after its 72 h end', 73 * hourMs + secondMs, 'closed', null, null, null],
  ] as const)('is reported %s', (_, nowOffsetMs, state, kind, expiresAt, freeUntil) => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { replyAt: hourMs });

    expect(windowState(activity, at(nowOffsetMs))).toMatchObject({ state, kind, expiresAt, freeUntil });
  });

  it('runs 72 h from the first answer; later answers do not move it', () => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: hourMs },
      { replyAt: 5 * hourMs },
      { replyAt: 50 * hourMs },
    );

    expect(windowState(activity, at(50 * hourMs)).freeUntil).toEqual(at(73 * hourMs));
  });

  it('takes the earliest answer when answers are folded out of order', () => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { replyAt: 5 * hourMs }, { replyAt: hourMs });

    expect(activity.firstReplyAfterReferralAt).toEqual(at(hourMs));
  });

  it('does not count a business message sent before the ad message', () => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { replyAt: -hourMs });

    expect(activity.firstReplyAfterReferralAt).toBeNull();
    expect(windowState(activity, at(0)).freeEntryPointOfferExpiresAt).toEqual(at(24 * hourMs));
  });

  it.each([
    ['just after the ad message', hourMs, at(24 * hourMs)],
    ['1 s before the deadline', 24 * hourMs - secondMs, at(24 * hourMs)],
    ['the deadline', 24 * hourMs, null],
  ])('offers a free entry point until it is answered, looked at %s', (_, nowOffsetMs, offerExpiresAt) => {
    const activity = activityAfter({ inboundAt: 0, referral: true });

    expect(windowState(activity, at(nowOffsetMs))).toMatchObject({
      freeUntil: null,
      freeEntryPointOfferExpiresAt: offerExpiresAt,
    });
  });

  it('withdraws the offer once answered', () => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { replyAt: hourMs });

    expect(windowState(activity, at(hourMs)).freeEntryPointOfferExpiresAt).toBeNull();
  });

  it('never starts without an ad message', () => {
    const activity = activityAfter({ inboundAt: 0 }, { replyAt: hourMs }, { inboundAt: 2 * hourMs }, { replyAt: 3 * hourMs });

    expect(activity.lastReferralInboundAt).toBeNull();
    expect(activity.firstReplyAfterReferralAt).toBeNull();
    expect(windowState(activity, at(3 * hourMs))).toMatchObject({ kind: 'customer_service', freeUntil: null });
  });

  it('is not affected by a plain customer message after the ad message', () => {
    const activity = activityAfter({ inboundAt: 0, referral: true }, { inboundAt: 10 * hourMs }, { replyAt: 30 * hourMs });

    expect(windowState(activity, at(30 * hourMs))).toMatchObject({ state: 'open', kind: 'customer_service', freeUntil: null });
  });

  it('is idempotent for repeated ad messages and answers', () => {
    const once = activityAfter({ inboundAt: 0, referral: true }, { replyAt: hourMs });

    const twice = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: hourMs },
      { inboundAt: 0, referral: true },
      { replyAt: hourMs },
    );

    expect(twice).toEqual(once);
  });

  it.each(
    permutations<InboundStep>([
      { inboundAt: 0, referral: true },
      { inboundAt: 20 * hourMs, referral: true },
      { inboundAt: 22 * hourMs },
    ]).map((order) => [hoursLabel(order.map((step) => step.inboundAt)), order] as const),
  )('does not depend on the order of customer messages: %s', (_, steps) => {
    const activity = activityAfter(...steps, { replyAt: 30 * hourMs });

    expect(activity).toEqual({
      lastInboundAt: at(22 * hourMs),
      lastReferralInboundAt: at(20 * hourMs),
      firstReplyAfterReferralAt: at(30 * hourMs),
    });
    expect(windowState(activity, at(30 * hourMs)).freeUntil).toEqual(at(102 * hourMs));
  });
});

describe('free entry point with a second ad message', () => {
  it('before any answer: the deadline runs from the latest ad message', () => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { inboundAt: 20 * hourMs, referral: true },
      { replyAt: 30 * hourMs },
    );

    expect(windowState(activity, at(30 * hourMs)).freeUntil).toEqual(at(102 * hourMs));
  });

  it('during an active free entry point: neither restarts nor extends it', () => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: hourMs },
      { inboundAt: 10 * hourMs, referral: true },
      { replyAt: 11 * hourMs },
    );

    expect(windowState(activity, at(11 * hourMs)).freeUntil).toEqual(at(73 * hourMs));
    expect(windowState(activity, at(73 * hourMs)).kind).toBeNull();
  });

  it.each([
    ['at the moment the first one ended', 73 * hourMs],
    ['after the first one ended', 80 * hourMs],
  ])('%s: a new answer starts a new one', (_, secondAdAt) => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: hourMs },
      { inboundAt: secondAdAt, referral: true },
      { replyAt: secondAdAt + hourMs },
    );

    expect(windowState(activity, at(secondAdAt + hourMs)).freeUntil).toEqual(at(secondAdAt + 73 * hourMs));
  });

  it('after an answer that came too late: a new answer in time starts one', () => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: 30 * hourMs },
      { inboundAt: 40 * hourMs, referral: true },
      { replyAt: 41 * hourMs },
    );

    expect(windowState(activity, at(41 * hourMs)).freeUntil).toEqual(at(113 * hourMs));
  });

  it('delivered late but sent before the answer: makes that answer count', () => {
    const activity = activityAfter(
      { inboundAt: 0, referral: true },
      { replyAt: 30 * hourMs },
      { inboundAt: 20 * hourMs, referral: true },
    );

    expect(windowState(activity, at(30 * hourMs)).freeUntil).toEqual(at(102 * hourMs));
  });
});
