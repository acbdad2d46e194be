import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals secrets at rest with AES-256-GCM (node:crypto; no extra dependency, authenticated encryption,
 * hardware-accelerated). Format: `v1.<key id>.<iv>.<ciphertext>.<tag>` in base64url, so a sealed value
 * says which key sealed it (key rotation: keep the old key in the previous-keys list until re-sealed).
 * The `context` (e.g. `deployment:dep_…:app_secret`) is bound as additional authenticated data: a
 * ciphertext copied to another row or column fails to open instead of yielding the wrong secret.
 */
export class SecretBox {
  readonly #keys: Map<string, Buffer>;
  readonly #currentKeyId: string;

  /** `keyHex`: 32 bytes as 64 hex characters; `previousKeysHex`: keys that may still open old values. */
  constructor(keyHex: string, previousKeysHex: readonly string[] = []) {
    const current = parseKey(keyHex);
    this.#currentKeyId = keyIdOf(current);
    this.#keys = new Map([[this.#currentKeyId, current]]);
    for (const hex of previousKeysHex) {
      const key = parseKey(hex);
      this.#keys.set(keyIdOf(key), key);
    }
  }

  seal(plaintext: string, context: string): string {
    const key = this.#keys.get(this.#currentKeyId) as Buffer;
    // 96-bit random nonces: NIST SP 800-38D's recommended size; collision risk is negligible below 2^32 seals per key.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', this.#currentKeyId, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || keyId === undefined || iv === undefined || ciphertext === undefined || tag === undefined) {
      throw new SecretBoxError('the sealed value is malformed');
    }
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new SecretBoxError(
        `the value was sealed with key ${keyId}, which is neither BRIDGE_ENCRYPTION_KEY nor a previous key`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`the sealed value failed authentication (tampered, or sealed for another place than ${context})`);
    }
  }
}

export class SecretBoxError extends Error {}

function parseKey(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new SecretBoxError('an encryption key must be 64 hexadecimal characters');
  return Buffer.from(hex, 'hex');
}

/** A short, non-secret fingerprint of a key, so a sealed value names the key that can open it. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('wabridge key id\0').update(key).digest('hex').slice(0, 8);
}
