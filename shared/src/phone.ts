import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/*
 * The browser bundles (zendesk-app, zoho-extension) resolve `libphonenumber-js/max` to `libphonenumber-js/min`
 * (shared/src/bundle/browser.ts): the panel only needs to read a ticket's number and spot a typo, and the bridge, which
 * keeps the full metadata, checks every number again. libphonenumber-js documents the two metadata sets as
 * interchangeable apart from `max` validating number ranges, `min` only lengths
 * (https://gitlab.com/catamphetamine/libphonenumber-js#min-vs-max-vs-mobile).
 */

export type PhoneNumberResult =
  | {
      ok: true;
      e164: string;
      country: string | undefined;
      /**
       * Set by `normalizeCustomerNumber` only: the number has a possible length for its country but lies outside the
       * ranges the metadata knows (a new range, or one WhatsApp delivers anyway, such as `+44 7700 900…`).
       */
      rangeUnknown?: true;
    }
  | { ok: false; reason: string };

export interface PhoneNumberOptions {
  /**
   * The country a national number (one without `+` and a calling code, `090-1234-0002`) is read in: the deployment's
   * own country (`countryOfPhoneNumber` of its display number). Without it a national number is refused.
   */
  defaultCountry?: string | undefined;
}

/**
 * Validates a phone number and normalises it to E.164 (`+819012345678`). International numbers (a leading `+`) are
 * read as written; a national number only with a default country. Uses libphonenumber-js's full metadata, which
 * checks number ranges per country rather than only lengths.
 */
export function normalizePhoneNumber(input: string, options: PhoneNumberOptions = {}): PhoneNumberResult {
  const defaultCountry = knownCountry(options.defaultCountry);
  const key = `${defaultCountry ?? ''} ${input}`;
  let result = normalized.get(key);
  if (result === undefined) {
    if (normalized.size >= normalizedMax) normalized.clear();
    result = Object.freeze(parsePhoneNumber(input.trim(), defaultCountry));
    normalized.set(key, result);
  }
  return result;
}

/**
 * Numbers already normalised, by default country and input: a panel asks about the same customer on every load, and
 * libphonenumber's parse was 5% of the bridge's thread on the status endpoint (test/BENCHMARKS.md, session 14). The
 * answer depends on nothing else, so it is kept; the table is emptied when full rather than grown.
 */
const normalized = new Map<string, Readonly<PhoneNumberResult>>();
const normalizedMax = 10_000;

function parsePhoneNumber(trimmed: string, defaultCountry: CountryCode | undefined): PhoneNumberResult {
  if (!trimmed.startsWith('+') && defaultCountry === undefined) {
    return { ok: false, reason: 'must start with + and the country calling code, e.g. +81 90 1234 5678' };
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (parsed === undefined) {
    return { ok: false, reason: 'is not a phone number' };
  }
  if (!parsed.isValid()) {
    return { ok: false, reason: `is not a valid phone number for its country (${parsed.country ?? 'unknown country'})` };
  }
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * A number WhatsApp itself delivered: a webhook's `wa_id` (`447700900123`) or the `+<wa_id>` we made of it. WhatsApp
 * has already proved it is a reachable number, so it is accepted on its E.164 shape alone (a calling code and 7–15
 * digits in all, ITU-T E.164 §6) even where the phone-number metadata does not know its range yet: refusing it would
 * leave a customer who wrote to us without an answer. It is still normalised like any number when the metadata
 * knows it.
 */
export function normalizeWhatsAppNumber(waIdOrPhone: string): PhoneNumberResult {
  const digits = waIdOrPhone.trim().replace(/^\+/, '');
  if (!/^[1-9][0-9]{6,14}$/.test(digits)) {
    return { ok: false, reason: 'is not a WhatsApp number (a country calling code and 7 to 15 digits)' };
  }
  const known = normalizePhoneNumber(`+${digits}`);
  if (known.ok) return known;
  return { ok: true, e164: `+${digits}`, country: parsePhoneNumberFromString(`+${digits}`)?.country };
}

/**
 * A customer's number as the API and the panel take it (issue #15): valid by the metadata, or, written internationally
 * with `+`, of a possible length for its country (`isPossible`: the length check, not the range check) though its range
 * is unknown, then marked `rangeUnknown`. A number WhatsApp delivered (a `wa_id`) must always be accepted even where
 * libphonenumber's metadata does not know its range yet; the bridge refuses a template to a range-unknown number that
 * has never written to us (messages/pipeline.ts), so a mistyped number is still caught where it matters.
 */
export function normalizeCustomerNumber(input: string, options: PhoneNumberOptions = {}): PhoneNumberResult {
  const known = normalizePhoneNumber(input, options);
  if (known.ok || !input.trim().startsWith('+')) return known;
  const parsed = parsePhoneNumberFromString(input.trim());
  if (parsed === undefined || !parsed.isPossible()) return known;
  return { ok: true, e164: parsed.number, country: parsed.country, rangeUnknown: true };
}

/** The country of an international number (`+81 3-1234-5678` → `JP`), or undefined when it names none. */
export function countryOfPhoneNumber(phone: string): string | undefined {
  const parsed = parsePhoneNumberFromString(phone.trim());
  return parsed?.country;
}

/** An ISO 3166-1 alpha-2 code libphonenumber-js can read numbers in; anything else is no default at all. */
function knownCountry(country: string | undefined): CountryCode | undefined {
  return country !== undefined && isSupportedCountry(country) ? country : undefined;
}
