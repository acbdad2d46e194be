/*
 * Effective dates. Rate cards, rule sets and market mappings take effect on a calendar date
 * (`2025-07-01`); a send at instant `at` is governed by the latest item whose date has started by `at`.
 *
 * Which midnight? Meta applies its pricing changes at the start of the day in the WhatsApp Business
 * Account's time zone, not at 00:00 UTC: the per-message pricing switch applied "starting July 1, 2025,
 * at 12am, by WhatsApp Business Account timezone" (Meta's pricing-updates page, as mirrored in YCloud's
 * docs, docs.ycloud.com/reference/whatsapp-message-pricing-updates), and the conversation-based free tier
 * "is refreshed monthly, based on the timezone associated with the WABA" (Meta's conversation-based
 * pricing page). So every function here takes the WABA's IANA time zone (`timeZone`, the WABA's
 * `timezone_id` mapped to its zone name), and defaults to UTC when the caller does not know it.
 *
 * The boundary is inclusive: a send at exactly the first instant of the effective date is governed by
 * the new item; one millisecond earlier, by the previous one.
 */

/** Used when the WABA's time zone is unknown. */
export const defaultPricingTimeZone = 'UTC';

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written `YYYY-MM-DD` (2025-02-29 is refused). */
export function isIsoDate(text: string): boolean {
  const match = isoDatePattern.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a time zone the runtime does not know. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for an IANA time zone name this runtime knows (`Asia/Tokyo`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDateOf(instantMs: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const hourMs = 60 * 60 * 1000;
/** UTC offsets run from -12:00 to +14:00; a day's first instant is within 15 hours of its UTC midnight. */
const searchRadiusMs = 15 * hourMs;
const startOfDayCache = new Map<string, number>();

/**
 * The first instant (to the second) at which it is `date` in `timeZone`: local midnight, or the first
 * second after it where a daylight-saving change skips midnight. Found by bisection on the local date,
 * so it needs nothing but `Intl` (no time zone tables of our own, no Node-only API).
 */
export function startOfDay(date: string, timeZone: string = defaultPricingTimeZone): Date {
  if (!isIsoDate(date)) throw new RangeError(`"${date}" is not a calendar date written YYYY-MM-DD`);
  const key = `${timeZone} ${date}`;
  const cached = startOfDayCache.get(key);
  if (cached !== undefined) return new Date(cached);
  const utcMidnightMs = Date.parse(`${date}T00:00:00Z`);
  let startMs = utcMidnightMs;
  if (timeZone !== 'UTC') {
    // Invariant: the local date at `low` is before `date`, at `high` it is `date` or later.
    let low = (utcMidnightMs - searchRadiusMs) / 1000;
    let high = (utcMidnightMs + searchRadiusMs) / 1000;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (localDateOf(middle * 1000, timeZone) >= date) high = middle;
      else low = middle;
    }
    startMs = high * 1000;
  }
  startOfDayCache.set(key, startMs);
  return new Date(startMs);
}

/** Something that takes effect on a calendar date. */
export type Dated = { readonly id: string; readonly effectiveFrom: string };

/**
 * The item in force at `at`: the one with the latest effective date whose first instant (in `timeZone`)
 * is not after `at`. Two items with the same date: the later one in the list wins, so an operator's
 * corrected re-import appended after the original replaces it. Null when nothing has taken effect yet.
 */
export function latestInForce<T extends Dated>(
  items: readonly T[],
  at: Date,
  timeZone: string = defaultPricingTimeZone,
): T | null {
  let found: T | null = null;
  for (const item of items) {
    if (startOfDay(item.effectiveFrom, timeZone).getTime() > at.getTime()) continue;
    if (found === null || item.effectiveFrom >= found.effectiveFrom) found = item;
  }
  return found;
}
