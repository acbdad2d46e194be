import { DomainError } from '../domain/errors.js';
import { SignedTokens } from '../security/signed-tokens.js';

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

export class StreamTokens {
  readonly #tokens: SignedTokens;

  /** `encryptionKeyHex`: the bridge's BRIDGE_ENCRYPTION_KEY; the signing key is derived from it, never it. */
  constructor(encryptionKeyHex: string) {
    this.#tokens = new SignedTokens(encryptionKeyHex, 'wabridge stream tokens v1', 'wbs_');
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
    return { token: this.#tokens.encode(payload), expiresAt };
  }

  /**
   * The scope of a token presented for `phone`'s stream, and when it expires; `stream_token_invalid` for anything
   * else (malformed, altered, signed by another bridge, expired, or for another customer). The same problem for
   * every case: a caller learns nothing about why.
   */
  verify(token: string, phone: string, now: Date): { scope: StreamScope; expiresAt: Date } {
    const invalid = new DomainError('stream_token_invalid', 'This stream token is not valid for this stream.');
    const payload: Partial<Payload> | undefined = this.#tokens.decode(token);
    if (payload === undefined) throw invalid;
    const { v, i, a, d, p, e } = payload;
    if (v !== 1 || typeof i !== 'string' || typeof a !== 'string' || typeof d !== 'string' || typeof e !== 'number') {
      throw invalid;
    }
    if (p !== phone || e * 1000 <= now.getTime()) throw invalid;
    return { scope: { installationId: i, accountId: a, deploymentId: d, phone: p }, expiresAt: new Date(e * 1000) };
  }
}
