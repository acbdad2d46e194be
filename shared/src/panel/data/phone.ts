import { useMemo } from 'react';
import { normalizeCustomerNumber } from '../../phone.js';
import type { BridgeApi } from '../api.js';
import { useResource } from './useResource.js';

/** The requester's WhatsApp number as the panel can use it. */
export type RequesterPhone =
  | { kind: 'missing' }
  | { kind: 'invalid'; given: string }
  /** `rangeUnknown`: a possible number outside the ranges the metadata knows (WhatsApp may deliver it; see phone.ts). */
  | { kind: 'ok'; e164: string; rangeUnknown?: boolean };

/**
 * The ticket's number as the panel can use it. International numbers (`+81 90…`) are read at once; a national one
 * (`090-1234-0002`, as agents in one country type them) is read in the country of the deployment's business number,
 * which the bridge tells (`GET /v1/installation`, asked only then): null while that answer is awaited.
 */
export function useRequesterPhone(api: BridgeApi, given: string | null): RequesterPhone | null {
  const national = given !== null && given.trim() !== '' && !given.trim().startsWith('+');
  const installation = useResource(national ? 'installation' : null, () => api.installation());
  const defaultCountry = installation.state === 'ready' ? (installation.data.deployment.country ?? undefined) : undefined;
  const waiting = national && installation.state === 'loading';
  return useMemo(() => (waiting ? null : requesterPhoneOf(given, defaultCountry)), [waiting, given, defaultCountry]);
}

export function requesterPhoneOf(given: string | null, defaultCountry?: string): RequesterPhone {
  if (given === null || given.trim() === '') return { kind: 'missing' };
  const result = normalizeCustomerNumber(given, { defaultCountry });
  if (!result.ok) return { kind: 'invalid', given };
  return result.rangeUnknown === true ? { kind: 'ok', e164: result.e164, rangeUnknown: true } : { kind: 'ok', e164: result.e164 };
}
