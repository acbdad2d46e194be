import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const required = { BRIDGE_ADMIN_TOKEN: 'a'.repeat(40), BRIDGE_ENCRYPTION_KEY: 'ab'.repeat(32) };

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    expect(loadConfig(required)).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './data',
      publicUrl: 'http://localhost:8080',
      metaGraphUrl: 'https://graph.facebook.com',
      metaApiVersion: 'v24.0',
      logLevel: 'info',
      trustProxy: false,
      encryptionKeysPrevious: [],
    });
  });

  it('reads every variable and trims trailing slashes from URLs', () => {
    const config = loadConfig({
      ...required,
      PORT: '9000',
      DATABASE_URL: 'postgres://bridge@db:5432/wabridge',
      PUBLIC_URL: 'https://bridge.acme.example/',
      META_GRAPH_URL: 'http://127.0.0.1:8090/',
      META_API_VERSION: 'v23.0',
      TRUST_PROXY: '1',
      BRIDGE_ENCRYPTION_KEYS_PREVIOUS: `${'cd'.repeat(32)}, ${'ef'.repeat(32)}`,
    });
    expect(config).toMatchObject({
      port: 9000,
      databaseUrl: 'postgres://bridge@db:5432/wabridge',
      publicUrl: 'https://bridge.acme.example',
      metaGraphUrl: 'http://127.0.0.1:8090',
      metaApiVersion: 'v23.0',
      trustProxy: 1,
      encryptionKeysPrevious: ['cd'.repeat(32), 'ef'.repeat(32)],
    });
  });

  it('lists every problem at once, in readable words, treating empty values as unset', () => {
    let error: unknown;
    try {
      loadConfig({ BRIDGE_ADMIN_TOKEN: '', BRIDGE_ENCRYPTION_KEY: 'short', PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'BRIDGE_ADMIN_TOKEN is required',
        expect.stringMatching(/^BRIDGE_ENCRYPTION_KEY must be 32 random bytes written as 64 hexadecimal/),
        expect.stringMatching(/^PORT /),
        expect.stringMatching(/^DATABASE_URL must be a postgres:\/\/ URL/),
      ]),
    );
    expect((error as Error).message).toContain('  - BRIDGE_ADMIN_TOKEN is required');
  });
});
