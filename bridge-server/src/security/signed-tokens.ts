import { createHmac, hkdfSync } from 'node:crypto';
import { secretsEqual } from './tokens.js';

/*
 * Stateless signed tokens (the live stream's `wbs_`, the sidebar's upload `wbu_`): `<prefix><payload>.<signature>`,
 * the payload base64url JSON, the signature HMAC-SHA256 under a key derived (HKDF) from BRIDGE_ENCRYPTION_KEY for
 * one purpose only, so a token of one kind never verifies as another. Any bridge replica verifies one without a
 * database read; callers check the payload's fields and expiry.
 */
export class SignedTokens {
  readonly #key: Buffer;
  readonly #prefix: string;

  /** `purpose`: the HKDF info string, distinct per kind of token; `prefix`: what the tokens start with (`wbs_`). */
  constructor(encryptionKeyHex: string, purpose: string, prefix: string) {
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), purpose, 32));
    this.#prefix = prefix;
  }

  encode(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${this.#prefix}${body}.${this.#sign(body)}`;
  }

  /** The payload of a token this signer issued, or undefined for anything else (malformed, altered, another kind). */
  decode(token: string): Record<string, unknown> | undefined {
    if (!token.startsWith(this.#prefix)) return undefined;
    const [body, signature, ...rest] = token.slice(this.#prefix.length).split('.');
    if (body === undefined || signature === undefined || rest.length > 0) return undefined;
    if (!secretsEqual(signature, this.#sign(body))) return undefined;
    try {
      const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(`${this.#prefix}${body}`).digest('base64url');
  }
}
