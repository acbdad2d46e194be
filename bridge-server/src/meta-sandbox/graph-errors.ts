import type { Response } from 'express';
import { newFbtraceId } from './ids.js';

/**
 * The Graph API errors the sandbox answers, with Meta's titles and HTTP statuses.
 *
 * Sources: the Cloud API error-code table (developers.facebook.com/documentation/business-messaging/
 * whatsapp/support/error-codes) as mirrored by BSP help pages (niswey.com, help.botbee.io, heltar.com);
 * the Graph reference pages of request_code (136024), verify_code (136025) and register (133005, 133006,
 * 133010). Meta recommends that clients branch on `code` and `error_data.details`, not on titles or HTTP
 * statuses, and says `error_subcode` is no longer sent from v16.0 except on generic Graph errors.
 */
export const graphErrorCatalogue = {
  // What Graph answers when something failed on its side after the request was taken.
  1: { title: 'An unknown error has occurred.', httpStatus: 500, whatsappDetails: false },
  // HTTP 401 is what Graph answers for a token it cannot use (help.botbee.io error table: "190 … HTTP Status: 401").
  190: { title: 'Invalid OAuth access token - Cannot parse access token', httpStatus: 401, whatsappDetails: false },
  100: { title: 'Invalid parameter', httpStatus: 400, whatsappDetails: true },
  2500: { title: 'Unknown path components', httpStatus: 400, whatsappDetails: false },
  // heltar.com on 130429: "This error comes with a 400 Bad Request status"; Meta's example message is "(#130429) Rate limit hit".
  130429: { title: 'Rate limit hit', httpStatus: 400, whatsappDetails: true },
  // "(Business Account, Consumer Account) pair rate limit hit": too many messages from one number to one customer in
  // a short time (Meta's error-code table as mirrored by help.botbee.io and heltar.com: HTTP 400).
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', httpStatus: 400, whatsappDetails: true },
  131009: { title: 'Parameter value is not valid', httpStatus: 400, whatsappDetails: true },
  131026: { title: 'Message undeliverable', httpStatus: 400, whatsappDetails: true },
  131047: { title: 'Re-engagement message', httpStatus: 400, whatsappDetails: true },
  // "Unable to upload the media used in the message", details in error_data.details (Meta's error-code table; the
  // title is the one failed statuses carry, e.g. "Media upload error" in chatwoot/chatwoot#12260 and pywa's fixtures).
  131053: { title: 'Media upload error', httpStatus: 400, whatsappDetails: true },
  131050: {
    title:
      'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    httpStatus: 400,
    whatsappDetails: true,
  },
  132000: { title: 'Number of parameters does not match the expected number of params', httpStatus: 400, whatsappDetails: true },
  132001: { title: 'Template name does not exist in the translation', httpStatus: 404, whatsappDetails: true },
  132012: { title: 'Parameter format does not match format in the created template', httpStatus: 400, whatsappDetails: true },
  132015: { title: 'Template is Paused', httpStatus: 400, whatsappDetails: true },
  132016: { title: 'Template is Disabled', httpStatus: 400, whatsappDetails: true },
  133005: { title: 'Two step verification PIN Mismatch', httpStatus: 400, whatsappDetails: true },
  133006: { title: 'Phone number re-verification needed', httpStatus: 400, whatsappDetails: true },
  133008: { title: 'Too many two step verification PIN guesses for this phone number', httpStatus: 400, whatsappDetails: true },
  133010: { title: 'Account not registered', httpStatus: 400, whatsappDetails: true },
  136024: { title: 'Request code error', httpStatus: 400, whatsappDetails: true },
  136025: { title: 'Verify code error', httpStatus: 400, whatsappDetails: true },
} as const;

export type GraphErrorCode = keyof typeof graphErrorCatalogue;

/** Meta's documentation link, carried by errors inside `failed` statuses (see the pywa `failed` fixture). */
export const errorCodesHref = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

/** A Graph API error, thrown by handlers and answered by `sendGraphError` in one place. */
export class GraphError extends Error {
  constructor(
    readonly code: GraphErrorCode,
    readonly details: string,
    readonly overrides: { message?: string; type?: string; subcode?: number; httpStatus?: number; omitDetails?: boolean } = {},
  ) {
    super(`(#${code}) ${details}`);
  }
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    error_subcode?: number;
    fbtrace_id: string;
  };
}

/** `{error:{message, type, code, error_data?{messaging_product, details}, error_subcode?, fbtrace_id}}`. */
export function graphErrorBody(error: GraphError): GraphErrorBody {
  const entry = graphErrorCatalogue[error.code];
  // Graph writes the code in front of the title ("(#131047) Re-engagement message") except for its generic errors.
  const bare = error.code === 1 || error.code === 190;
  const message = error.overrides.message ?? (bare ? entry.title : `(#${error.code}) ${entry.title}`);
  return {
    error: {
      message,
      type: error.overrides.type ?? 'OAuthException',
      code: error.code,
      ...(entry.whatsappDetails && !error.overrides.omitDetails
        ? { error_data: { messaging_product: 'whatsapp' as const, details: error.details } }
        : {}),
      ...(error.overrides.subcode !== undefined ? { error_subcode: error.overrides.subcode } : {}),
      fbtrace_id: newFbtraceId(),
    },
  };
}

export function sendGraphError(response: Response, error: GraphError): void {
  const httpStatus = error.overrides.httpStatus ?? graphErrorCatalogue[error.code].httpStatus;
  // Graph sends this header with every error; clients sometimes read it for the code.
  response
    .status(httpStatus)
    .set('WWW-Authenticate', `OAuth "Facebook Platform" "${httpStatus === 401 ? 'invalid_token' : 'invalid_request'}"`)
    .json(graphErrorBody(error));
}

/** The error object carried by a `failed` status: `{code, title, message, error_data:{details}, href}`. */
export function statusErrorObject(code: GraphErrorCode, details: string) {
  const title = graphErrorCatalogue[code].title;
  return { code, title, message: title, error_data: { details }, href: errorCodesHref };
}

/** Graph's answer for an object id that does not exist or that the token may not see. */
export function unsupportedRequest(method: string, objectId: string): GraphError {
  return new GraphError(100, `Object with ID '${objectId}' does not exist`, {
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    type: 'GraphMethodException',
    subcode: 33,
    omitDetails: true,
  });
}
