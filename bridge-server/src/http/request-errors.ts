import { DomainError } from '../domain/errors.js';

/*
 * Errors thrown while a request is being read, before any handler runs: Express's router decoding a path
 * parameter, and body-parser (express.json, express.raw) inflating a Content-Encoding. Both are the
 * client's mistake and answer 4xx; without this mapping they fell through to 500 (issue 16).
 */

/**
 * Express 5's router decodes each path parameter with decodeURIComponent and rethrows its URIError
 * (`Failed to decode param '%zz'`) before any route, and so before authentication, runs.
 */
function isUndecodablePath(error: unknown): boolean {
  return error instanceof URIError;
}

/**
 * body-parser inflates gzip, deflate and br with node:zlib and passes its failure on as a 400: zlib's codes
 * start with `Z_` (`Z_DATA_ERROR: incorrect header check`, `Z_BUF_ERROR: unexpected end of file`), Brotli's
 * with `ERR__ERROR_` (`ERR__ERROR_FORMAT_PADDING_2`).
 */
function isUndecodableBody(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code);
}

/** The problem for an error thrown while reading the request, or undefined when it is not one of those. */
export function requestReadingProblem(error: unknown): DomainError | undefined {
  if (isUndecodablePath(error)) {
    return new DomainError(
      'invalid_url',
      'A path segment has a malformed percent-encoding (% must be followed by two hex digits of UTF-8).',
    );
  }
  if (isUndecodableBody(error)) {
    return new DomainError(
      'invalid_content_encoding',
      `The body could not be decoded as its Content-Encoding says (${(error as Error).message}); send it uncompressed or compressed as declared.`,
    );
  }
  if ((error as { type?: unknown }).type === 'encoding.unsupported') {
    return new DomainError(
      'unsupported_content_encoding',
      'Send the body uncompressed, or with Content-Encoding gzip, deflate or br.',
    );
  }
  return undefined;
}

/** A body over the endpoint's limit (body-parser's `entity.too.large`, or a body read by hand). */
export function payloadTooLarge(limitBytes: number): DomainError {
  return new DomainError('payload_too_large', `The body exceeds this endpoint's limit of ${limitBytes} bytes.`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a body that must be UTF-8 (JSON, RFC 8259 §8.1), refusing malformed bytes instead of letting them
 * become U+FFFD: a body in Latin-1 or Shift_JIS would otherwise be stored changed, without anyone being told.
 */
export function decodeUtf8Body(body: Uint8Array): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    throw new DomainError('invalid_json', 'The body is not UTF-8: JSON must be sent encoded as UTF-8.');
  }
}

/** body-parser's `verify` hook for JSON bodies: the raw bytes must be UTF-8 before they are decoded. */
export function verifyUtf8(_request: unknown, _response: unknown, body: Buffer): void {
  decodeUtf8Body(body);
}
