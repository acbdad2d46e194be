import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { SandboxContext } from './context.js';
import { GraphError, unsupportedRequest } from './graph-errors.js';
import { findLiveMedia } from './media.js';
import type { PhoneNumber, SandboxState, UploadedMedia } from './state.js';

/** Graph takes the token from `Authorization: Bearer …` or, as in Meta's paging links, an `access_token` parameter. */
function tokenOf(request: Request): string | undefined {
  const header = request.get('authorization');
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (match !== null) return match[1];
  const query = request.query.access_token;
  return typeof query === 'string' && query !== '' ? query : undefined;
}

const invalidToken = () => new GraphError(190, 'Invalid OAuth access token');

/**
 * A token that belongs to no number is an invalid token (190, HTTP 401). A valid token used on an object it
 * does not own gets Graph's "object does not exist or cannot be loaded due to missing permissions" (100/33).
 */
function knownToken(state: SandboxState, request: Request): string {
  const token = tokenOf(request);
  const owner = token === undefined ? undefined : [...state.numbers.values()].find((number) => number.accessToken === token);
  if (token === undefined || owner === undefined) throw invalidToken();
  checkAppSecretProof(request, token, owner.appSecret);
  return token;
}

/**
 * `appsecret_proof` is the hex HMAC-SHA256 of the access token keyed by the app secret (Graph API "Securing
 * requests"). When a request carries one, Graph checks it whether or not the app requires it, and a proof made
 * with another app's secret is refused with "Invalid appsecret_proof provided in the API argument" (code 100;
 * reported in facebookarchive/php-graph-sdk#800 and Kdyby/Facebook#22). A sandbox token belongs to one number,
 * so the app secret is that number's.
 */
function checkAppSecretProof(request: Request, token: string, appSecret: string): void {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const proof = body.appsecret_proof ?? request.query.appsecret_proof;
  if (proof === undefined) return;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(token).digest('hex'));
  const given = Buffer.from(String(proof));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new GraphError(100, 'Invalid appsecret_proof provided in the API argument', {
      message: 'Invalid appsecret_proof provided in the API argument',
      type: 'GraphMethodException',
      omitDetails: true,
    });
  }
}

export function authorizeNumber(state: SandboxState, request: Request, phoneNumberId: string): PhoneNumber {
  const token = knownToken(state, request);
  const number = state.numbers.get(phoneNumberId);
  if (number === undefined || number.accessToken !== token) throw unsupportedRequest(request.method, phoneNumberId);
  return number;
}

/** A WABA is visible to the token of any of its numbers. */
export function authorizeWaba(state: SandboxState, request: Request, wabaId: string): PhoneNumber[] {
  const token = knownToken(state, request);
  const numbers = state.numbersOfWaba(wabaId);
  if (!numbers.some((number) => number.accessToken === token)) throw unsupportedRequest(request.method, wabaId);
  return numbers;
}

/** Resolves an id to a number or a WABA the token may see. */
export function authorizeNode(
  state: SandboxState,
  request: Request,
  id: string,
): { kind: 'number'; number: PhoneNumber } | { kind: 'waba'; numbers: PhoneNumber[] } {
  if (state.numbers.has(id)) return { kind: 'number', number: authorizeNumber(state, request, id) };
  return { kind: 'waba', numbers: authorizeWaba(state, request, id) };
}

/**
 * A media object is visible to the token of the number that uploaded it, while it lives (30 days, not deleted). With
 * `phone_number_id`, only if that is the number it was uploaded on (Meta: "the request will only be processed if the
 * business phone number ID included in the query matches").
 */
export function authorizeMedia(context: SandboxContext, request: Request, mediaId: string): UploadedMedia {
  const token = knownToken(context.state, request);
  const media = findLiveMedia(context, mediaId);
  const owner = media === undefined ? undefined : context.state.numbers.get(media.phoneNumberId);
  if (media === undefined || owner?.accessToken !== token) throw unsupportedRequest(request.method, mediaId);
  const phoneNumberId = request.query.phone_number_id;
  if (phoneNumberId !== undefined && phoneNumberId !== media.phoneNumberId) {
    throw new GraphError(100, `Param phone_number_id is not a valid whatsapp business phone number id ID`, {
      message: '(#100) Param phone_number_id is not a valid whatsapp business phone number id ID',
      omitDetails: true,
    });
  }
  return media;
}
