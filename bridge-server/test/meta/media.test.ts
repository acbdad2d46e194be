import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaApiError, MetaOutcomeUnknownError, MetaRequestInvalidError } from '../../src/meta/errors.js';
import { type Harness, startHarness, testNumber } from '../meta-sandbox/harness.js';
import { pdf, png, zip } from '../support/media-files.js';
import { closedPort, fetchFailure, graphErrorResponse, jsonResponse, probeClient, scriptedFetch } from './support.js';

const token = testNumber.access_token;
const numberId = testNumber.phone_number_id;
const unusedBaseUrl = 'http://127.0.0.1:9';
const file = () => ({ bytes: png(), mimeType: 'image/png', filename: 'pixel.png' });

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

describe('uploadMedia', () => {
  it('uploads the file as multipart/form-data and answers Meta’s media id', async () => {
    const { client, fetchCalls, logLines } = probeClient(harness.url);
    const bytes = pdf();
    const uploaded = await client.uploadMedia(token, numberId, { bytes, mimeType: 'application/pdf', filename: 'invoice.pdf' });

    expect(uploaded).toEqual({ id: expect.stringMatching(/^\d+$/) });
    expect(fetchCalls).toHaveLength(1);
    expect(fetchCalls[0]).toMatchObject({ method: 'POST', url: `${harness.url}/v24.0/${numberId}/media` });
    const stored = (await harness.control('GET', `/sandbox/media/${uploaded.id}`)).body;
    expect(stored).toMatchObject({
      mime_type: 'application/pdf',
      file_size: bytes.length,
      filename: 'invoice.pdf',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    // One debug line per call, with the path and never the file.
    expect(logLines).toEqual([expect.objectContaining({ method: 'POST', path: `/v24.0/${numberId}/media`, status: 200 })]);
    expect(JSON.stringify(logLines)).not.toContain('PDF');
  });

  it('sends a file name with quotes and non-ASCII letters as it is', async () => {
    const { client } = probeClient(harness.url);
    const { id } = await client.uploadMedia(token, numberId, { ...file(), filename: 'Offer "Winter" 冬.png' });
    expect((await harness.control('GET', `/sandbox/media/${id}`)).body.filename).toBe('Offer "Winter" 冬.png');
  });

  it('reads the media back: type, size and SHA-256, only for the number it was uploaded on', async () => {
    const { client } = probeClient(harness.url);
    const bytes = png();
    const { id } = await client.uploadMedia(token, numberId, file());
    const info = await client.getMediaInfo(token, id, { phoneNumberId: numberId });
    expect(info).toEqual({
      mediaId: id,
      url: expect.stringContaining(harness.url),
      mimeType: 'image/png',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
    });
    await expect(client.getMediaInfo(token, id, { phoneNumberId: '200000000000001' })).rejects.toMatchObject({
      name: 'MetaApiError',
      code: 100,
    });
  });

  it.each([
    ['an empty file', { ...file(), bytes: new Uint8Array(0) }, 'file.bytes'],
    ['a MIME type with parameters', { ...file(), mimeType: 'audio/ogg; codecs=opus' }, 'file.mimeType'],
    ['a file name with a backslash', { ...file(), filename: 'a\\b.png' }, 'file.filename'],
    ['a file name with a path', { ...file(), filename: '../a.png' }, 'file.filename'],
    ['a file name with a line break', { ...file(), filename: 'a\r\n.png' }, 'file.filename'],
  ])('refuses %s before any call', async (_case, input, path) => {
    const { client, fetchCalls } = probeClient(unusedBaseUrl);
    const error = await client.uploadMedia(token, numberId, input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MetaRequestInvalidError);
    expect((error as MetaRequestInvalidError).issues[0]).toMatch(new RegExp(`^${path.replace('.', '\\.')}`));
    expect(fetchCalls).toEqual([]);
  });

  it('reports Meta’s refusal of the file as MetaApiError, without repeating it', async () => {
    const { client, fetchCalls, sleeps } = probeClient(harness.url);
    const error = await client
      .uploadMedia(token, numberId, { bytes: zip(), mimeType: 'application/zip', filename: 'a.zip' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MetaApiError);
    expect(error).toMatchObject({ code: 100, retryable: false, httpStatus: 400 });
    expect((error as MetaApiError).metaMessage).toContain("Received file of type 'application/zip'");
    expect(fetchCalls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not repeat an upload whose outcome is unknown: timeout, or a 5xx after Meta may have stored it', async () => {
    for (const step of ['hang', graphErrorResponse(500, 1, { message: 'An unknown error has occurred.' })] as const) {
      const scripted = scriptedFetch([step, jsonResponse({ id: '1' })]);
      const { client, sleeps } = probeClient(unusedBaseUrl, { fetch: scripted, uploadTimeoutMs: 100 });
      const error = await client.uploadMedia(token, numberId, file()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MetaOutcomeUnknownError);
      expect((error as MetaOutcomeUnknownError).operation).toContain('media upload');
      expect(scripted.calls).toBe(1);
      expect(sleeps).toEqual([]);
    }
  });

  it('repeats an upload Meta refused for the moment or never received, then succeeds', async () => {
    const rateLimited = graphErrorResponse(400, 80007, { message: '(#80007) Rate limit issues' });
    const scripted = scriptedFetch([rateLimited, fetchFailure('ECONNREFUSED'), jsonResponse({ id: '4490709327384033' })]);
    const { client, sleeps } = probeClient(unusedBaseUrl, { fetch: scripted });
    expect(await client.uploadMedia(token, numberId, file())).toEqual({ id: '4490709327384033' });
    expect(scripted.calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('gives uploads their own timeout: a whole file takes longer than a JSON call', async () => {
    // Ordered by events, not by a sleep: the upload's answer is held until a JSON call, started after the upload,
    // has timed out. By then a JSON call's timeout has run out for the upload too, so the upload can only still be
    // waiting if it has its own, longer one.
    let uploadStarted!: () => void;
    const uploading = new Promise<void>((resolve) => {
      uploadStarted = resolve;
    });
    let jsonCallTimedOut!: () => void;
    const jsonCallOver = new Promise<void>((resolve) => {
      jsonCallTimedOut = resolve;
    });
    const held: typeof fetch = async (input, init) => {
      const signal = init?.signal ?? undefined;
      if (init?.method !== 'POST') {
        // A JSON call that Meta never answers: it ends when its timeout aborts it, as fetch does.
        return new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
      }
      uploadStarted();
      await jsonCallOver;
      if (signal?.aborted) throw signal.reason;
      return fetch(input, init);
    };
    const { client } = probeClient(harness.url, { fetch: held, timeoutMs: 50, uploadTimeoutMs: 600_000 });
    const upload = client.uploadMedia(token, numberId, file());
    await uploading;
    await expect(client.getMediaInfo(token, '123456789012345')).rejects.toMatchObject({ name: 'MetaTimeoutError' });
    jsonCallTimedOut();
    expect(await upload).toEqual({ id: expect.any(String) });
  });

  it('reports a connection that never opens as a network failure after its retries', async () => {
    const { client, sleeps } = probeClient(`http://127.0.0.1:${await closedPort()}`);
    await expect(client.uploadMedia(token, numberId, file())).rejects.toMatchObject({
      name: 'MetaNetworkError',
      requestSent: false,
    });
    expect(sleeps).toHaveLength(3);
  });
});
