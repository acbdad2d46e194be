import type { WindowStatus } from '../../contract/contacts.js';

/** Below this, the window card warns that the window is about to close: time enough to reply, short enough to matter. */
export const closingSoonMs = 60 * 60 * 1000;

export interface LiveWindow {
  /** Free-form replies are allowed now: the bridge said open and the local clock has not passed `expires_at`. */
  open: boolean;
  /** Time left in the customer service window; 0 when closed. */
  remainingMs: number;
  closingSoon: boolean;
  /** Time left in an active free entry point; null when none. */
  freeRemainingMs: number | null;
  /** Time left to answer a click-to-WhatsApp ad and start a free entry point; null when there is no such offer. */
  offerRemainingMs: number | null;
}

/**
 * The window at `nowMs`, from the status the bridge answered earlier. The bridge's answer is a snapshot; the
 * deadlines in it let the panel count down without asking again, and close the window on time by itself.
 */
export function liveWindow(window: WindowStatus, nowMs: number): LiveWindow {
  const remaining = (instant: string | null) => {
    if (instant === null) return null;
    const left = Date.parse(instant) - nowMs;
    return left > 0 ? left : null;
  };
  const remainingMs = window.state === 'open' ? (remaining(window.expires_at) ?? 0) : 0;
  return {
    open: remainingMs > 0,
    remainingMs,
    closingSoon: remainingMs > 0 && remainingMs < closingSoonMs,
    freeRemainingMs: remaining(window.free_until),
    offerRemainingMs: remaining(window.free_entry_point_offer_expires_at),
  };
}
