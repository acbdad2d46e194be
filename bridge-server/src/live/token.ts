import { createHmac, hkdfSync } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { secretsEqual } from '../security/tokens.js';

/*
 * Stream tokens: what the panel's EventSource carries in its URL instead of the installation token (which stays in the
 * helpdesk's secure proxy). Stateless and signed, so any bridge replica verifies one without a database write:
 * `wbs_<payload>.<signature>`, the payload base64url JSON, the signature HMAC-SHA256 under a key derived (HKDF) from
 * BRIDGE_ENCRYPTION_KEY for this purpose only. A stream token names one installation (its account and deployment)
 * and one customer, expires after `streamTokenTtlSeconds`, and is accepted by the customer's event stream only: the
 * API's authentication takes installation tokens (`wbi_`) and the administrator's, never these. Opening a stream
 * also checks that the installation is not revoked, and a stream ends when its token expires, so a revocation takes
 * effect within one token lifetime at the most.
 */

/** Long enough that a panel left open renews rarely; short enough that a leaked URL (logs, history) soon expires. */
export const streamTokenTtlSeconds = 10 * 60;

export interface StreamScope {
  installationId: string;
  accountId: string;
  deploymentId: string;
  /** The customer, E.164. */
  phone: string;
}

interface Payload {
  v: 1;
  i: string;
  a: string;
  d: string;
  p: string;
  /** Expiry, Unix seconds. */
  e: number;
}

const prefix = 'wbs_';

export class StreamTokens {
  readonly #key: Buffer;

  /** `encryptionKeyHex`: the bridge's BRIDGE_ENCRYPTION_KEY; the signing key is derived from it, never it. */
  constructor(encryptionKeyHex: string) {
    this.#key = Buffer.from(
      hkdfSync('sha256', Buffer.from(encryptionKeyHex, 'hex'), Buffer.alloc(0), 'wabridge stream tokens v1', 32),
    );
  }

  issue(scope: StreamScope, now: Date): { token: string; expiresAt: Date } {
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + streamTokenTtlSeconds) * 1000);
    const payload: Payload = {
      v: 1,
      i: scope.installationId,
      a: scope.accountId,
      d: scope.deploymentId,
      p: scope.phone,
      e: expiresAt.getTime() / 1000,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${prefix}${body}.${this.#sign(body)}`, expiresAt };
  }

  /**
   * The scope of a token presented for `phone`'s stream, and when it expires; `stream_token_invalid` for anything
   * else (malformed, altered, signed by another bridge, expired, or for another customer). The same problem for
   * every case: a caller learns nothing about why.
   */
  verify(token: string, phone: string, now: Date): { scope: StreamScope; expiresAt: Date } {
    const invalid = new DomainError('stream_token_invalid', 'This stream token is not valid for this stream.');
    if (!token.startsWith(prefix)) throw invalid;
    const [body, signature, ...rest] = token.slice(prefix.length).split('.');
    if (body === undefined || signature === undefined || rest.length > 0) throw invalid;
    if (!secretsEqual(signature, this.#sign(body))) throw invalid;
    let payload: Partial<Payload>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload>;
    } catch {
      throw invalid;
    }
    const { v, i, a, d, p, e } = payload;
    if (v !== 1 || typeof i !== 'string' || typeof a !== 'string' || typeof d !== 'string' || typeof e !== 'number') {
      throw invalid;
    }
    if (p !== phone || e * 1000 <= now.getTime()) throw invalid;
    return { scope: { installationId: i, accountId: a, deploymentId: d, phone: p }, expiresAt: new Date(e * 1000) };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(`${prefix}${body}`).digest('base64url');
  }
}
