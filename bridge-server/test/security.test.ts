import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../src/security/secret-box.js';
import { issueInstallationToken, newId, secretsEqual, sha256Hex } from '../src/security/tokens.js';

const key = () => randomBytes(32).toString('hex');

describe('SecretBox', () => {
  it('round-trips text, including non-ASCII, and never repeats a ciphertext', () => {
    const box = new SecretBox(key());
    const first = box.seal('EAAG トークン ä', 'deployment:dep_1:access_token');
    const second = box.seal('EAAG トークン ä', 'deployment:dep_1:access_token');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(box.open(first, 'deployment:dep_1:access_token')).toBe('EAAG トークン ä');
  });

  it('refuses a value opened in another context, tampered with, malformed or sealed with another key', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('secret', 'deployment:dep_1:app_secret');
    expect(() => box.open(sealed, 'deployment:dep_2:app_secret')).toThrow(/authentication/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('SECRET').toString('base64url');
    expect(() => box.open(parts.join('.'), 'deployment:dep_1:app_secret')).toThrow(/authentication/);
    expect(() => box.open('v1.abc', 'deployment:dep_1:app_secret')).toThrow(/malformed/);
    expect(() => new SecretBox(key()).open(sealed, 'deployment:dep_1:app_secret')).toThrow(/neither BRIDGE_ENCRYPTION_KEY/);
  });

  it('opens values sealed with a previous key during rotation, and seals with the current one', () => {
    const oldKey = key();
    const sealed = new SecretBox(oldKey).seal('secret', 'context');
    const rotated = new SecretBox(key(), [oldKey]);
    expect(rotated.open(sealed, 'context')).toBe('secret');
    expect(rotated.seal('secret', 'context').split('.')[1]).not.toBe(sealed.split('.')[1]);
  });

  it('refuses keys that are not 32 bytes of hex', () => {
    expect(() => new SecretBox('abc')).toThrow(/64 hexadecimal/);
    expect(() => new SecretBox(key(), ['nothex'])).toThrow(/64 hexadecimal/);
  });
});

describe('tokens and ids', () => {
  it('makes prefixed ids of 120 random bits in Crockford base 32', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('dep')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^dep_[0-9abcdefghjkmnpqrstvwxyz]{24}$/);
  });

  it('issues installation tokens whose hash and hint match', () => {
    const issued = issueInstallationToken();
    expect(issued.token).toMatch(/^wbi_[A-Za-z0-9_-]{43}$/);
    expect(issued.sha256).toBe(sha256Hex(issued.token));
    expect(issued.token.startsWith(issued.hint)).toBe(true);
  });

  it('compares secrets of any length', () => {
    expect(secretsEqual('a'.repeat(64), 'a'.repeat(64))).toBe(true);
    expect(secretsEqual('a', 'a'.repeat(64))).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });
});
