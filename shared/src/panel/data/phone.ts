import { normalizePhoneNumber } from '../../phone.js';

/** The requester's WhatsApp number as the panel can use it. */
export type RequesterPhone = { kind: 'missing' } | { kind: 'invalid'; given: string } | { kind: 'ok'; e164: string };

export function requesterPhoneOf(given: string | null): RequesterPhone {
  if (given === null || given.trim() === '') return { kind: 'missing' };
  const result = normalizePhoneNumber(given);
  return result.ok ? { kind: 'ok', e164: result.e164 } : { kind: 'invalid', given };
}
