import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Crockford's base-32 alphabet in lower case: no i, l, o, u, so ids survive being read aloud or retyped. */
const base32Alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/** `prefix_` + 24 base-32 characters: 120 random bits, enough that ids are unguessable and never collide. */
export function newId(prefix: 'acc' | 'adm' | 'dep' | 'ins' | 'med' | 'msg' | 'pay' | 'tsy' | 'zcl' | 'aut' | 'zhl'): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += base32Alphabet[(value >>> bits) & 31];
    }
  }
  return `${prefix}_${text}`;
}

export interface IssuedToken {
  token: string;
  sha256: string;
  hint: string;
}

/** An installation token: `wbi_` + 256 random bits. Only its SHA-256 is stored. */
export function issueInstallationToken(): IssuedToken {
  const token = `wbi_${randomBytes(32).toString('base64url')}`;
  return { token, sha256: sha256Hex(token), hint: token.slice(0, 10) };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function secretsEqual(presented: string, expected: string): boolean {
  return secretMatches(presented, createHash('sha256').update(expected, 'utf8').digest());
}

/** `secretsEqual` against a secret whose SHA-256 was computed once (the administrator token, on every request). */
export function secretMatches(presented: string, expectedSha256: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), expectedSha256);
}
