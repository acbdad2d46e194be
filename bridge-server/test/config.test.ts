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
      // Seed 001's attachment limits, MB = 1,000,000 bytes; media.url confined to https and public addresses.
      mediaBytesMax: { image: 5_000_000, document: 20_000_000, video: 15_000_000, audio: 15_000_000 },
      mediaUrl: { allowHttp: false, allowPrivateAddresses: false, timeoutMs: 30_000, redirectsMax: 3 },
      metaUploadTimeoutMs: 60_000,
    });
  });

  it('reads the webhook processing settings, and refuses a process that applies nothing on embedded PGlite', () => {
    expect(loadConfig(required)).toMatchObject({
      webhookBacklogMax: 50_000,
      webhookProcessor: true,
      webhookPollIntervalMs: 1_000,
      webhookProcessing: {},
    });
    expect(
      loadConfig({
        ...required,
        DATABASE_URL: 'postgres://bridge@db:5432/wabridge',
        WEBHOOK_PROCESSOR: 'off',
        WEBHOOK_POLL_INTERVAL_MS: '50',
        WEBHOOK_BATCH_SIZE: '250',
        WEBHOOK_BATCHES_IN_FLIGHT: '2',
        WEBHOOK_BACKLOG_MAX: '0',
      }),
    ).toMatchObject({
      webhookProcessor: false,
      webhookPollIntervalMs: 50,
      webhookProcessing: { batchSize: 250, parallelBatches: 2 },
      webhookBacklogMax: 0,
    });
    expect(() => loadConfig({ ...required, WEBHOOK_PROCESSOR: 'off' })).toThrow(/WEBHOOK_PROCESSOR off needs DATABASE_URL/);
    expect(() => loadConfig({ ...required, WEBHOOK_PROCESSOR: 'maybe' })).toThrow(ConfigError);
  });

  it('reads the media limits and URL rules, refusing limits above Meta’s own and flags that are not true/false', () => {
    expect(
      loadConfig({
        ...required,
        MEDIA_IMAGE_BYTES_MAX: '1024',
        MEDIA_DOCUMENT_BYTES_MAX: String(100 * 1024 * 1024),
        MEDIA_URL_ALLOW_HTTP: 'true',
        MEDIA_URL_ALLOW_PRIVATE_ADDRESSES: 'true',
        MEDIA_URL_REDIRECTS_MAX: '0',
      }),
    ).toMatchObject({
      mediaBytesMax: { image: 1024, document: 100 * 1024 * 1024 },
      mediaUrl: { allowHttp: true, allowPrivateAddresses: true, redirectsMax: 0 },
    });
    let error: unknown;
    try {
      loadConfig({
        ...required,
        MEDIA_IMAGE_BYTES_MAX: String(5 * 1024 * 1024 + 1),
        MEDIA_VIDEO_BYTES_MAX: '0',
        MEDIA_URL_ALLOW_HTTP: 'yes',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "MEDIA_IMAGE_BYTES_MAX must be at most Meta's own limit of 5 MB",
      expect.stringMatching(/^MEDIA_VIDEO_BYTES_MAX /),
      'MEDIA_URL_ALLOW_HTTP must be true or false',
    ]);
  });

  it('documents every variable it reads in .env.example', async () => {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(new URL('../src/config.ts', import.meta.url), 'utf8');
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const schema = source.slice(source.indexOf('const environmentSchema'), source.indexOf('export interface Config'));
    const variables = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]);
    expect(variables.length).toBeGreaterThan(20);
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
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
