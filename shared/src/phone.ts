import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneNumberResult = { ok: true; e164: string; country: string | undefined } | { ok: false; reason: string };

/**
 * Validates an international phone number and normalises it to E.164 (`+819012345678`).
 * Numbers must carry their country calling code (a leading `+`): the bridge serves every market,
 * so there is no default country to guess from. Uses libphonenumber-js's full metadata, which
 * checks number ranges per country rather than only lengths.
 */
export function normalizePhoneNumber(input: string): PhoneNumberResult {
  const trimmed = input.trim();
  if (!trimmed.startsWith('+')) {
    return { ok: false, reason: 'must start with + and the country calling code, e.g. +81 90 1234 5678' };
  }
  const parsed = parsePhoneNumberFromString(trimmed);
  if (parsed === undefined) {
    return { ok: false, reason: 'is not a phone number' };
  }
  if (!parsed.isValid()) {
    return { ok: false, reason: `is not a valid phone number for its country (${parsed.country ?? 'unknown country'})` };
  }
  return { ok: true, e164: parsed.number, country: parsed.country };
}
