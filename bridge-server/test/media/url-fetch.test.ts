import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { downloadMedia, filenameOfContentDisposition, type UrlFetchPolicy } from '../../src/media/url-fetch.js';
import { pdf, png } from '../support/media-files.js';

/** A local file server whose answers each test sets; it records every request it gets. */
let routes: Record<string, (response: ServerResponse) => void> = {};
const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
const server = createServer((request, response) => {
  requests.push({ path: request.url ?? '', headers: request.headers });
  const handler = routes[request.url ?? ''];
  if (handler === undefined) response.writeHead(404).end();
  else handler(response);
});
let port: number;
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  routes = {};
  requests.length = 0;
});

const localPolicy: UrlFetchPolicy = { allowHttp: true, allowPrivateAddresses: true, timeoutMs: 2_000, redirectsMax: 3 };
const strictPolicy: UrlFetchPolicy = { allowHttp: false, allowPrivateAddresses: false, timeoutMs: 2_000, redirectsMax: 3 };

const serve =
  (bytes: Buffer, headers: Record<string, string> = {}) =>
  (response: ServerResponse) =>
    response.writeHead(200, { 'Content-Length': String(bytes.length), ...headers }).end(bytes);
const redirect = (location: string) => (response: ServerResponse) => response.writeHead(302, { Location: location }).end();

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('downloadMedia', () => {
  it('downloads the file with its Content-Type and a name from Content-Disposition or the path', async () => {
    routes['/files/a.pdf'] = serve(pdf(), {
      'Content-Type': 'application/pdf',
      'Content-Disposition': 'attachment; filename="Invoice 7.pdf"',
    });
    routes['/files/b.png'] = serve(png(), { 'Content-Type': 'image/png' });
    const first = await downloadMedia(`${base}/files/a.pdf`, 1_000, localPolicy);
    expect(first).toMatchObject({
      complete: true,
      sizeBytes: pdf().length,
      contentType: 'application/pdf',
      filenameGuess: 'Invoice 7.pdf',
    });
    expect(first.bytes).toEqual(pdf());
    expect((await downloadMedia(`${base}/files/b.png`, 1_000, localPolicy)).filenameGuess).toBe('b.png');
    // The bytes must be the file: no compression, no cookies.
    expect(requests[0]?.headers['accept-encoding']).toBe('identity');
    expect(requests[0]?.headers.cookie).toBeUndefined();
  });

  it('refuses plain http unless allowed, before connecting', async () => {
    routes['/a.png'] = serve(png());
    const error = await refusal(downloadMedia(`${base}/a.png`, 1_000, strictPolicy));
    expect(error.code).toBe('media_url_refused');
    expect(error.detail).toContain('must be https://');
    expect(requests).toEqual([]);
  });

  it.each([
    ['a loopback literal', (p: number) => `https://127.0.0.1:${p}/a.png`, 'a loopback address'],
    ['a loopback literal in decimal', (p: number) => `https://2130706433:${p}/a.png`, 'a loopback address'],
    ['an IPv4-mapped IPv6 literal', (p: number) => `https://[::ffff:127.0.0.1]:${p}/a.png`, 'a loopback address'],
    ['localhost', (p: number) => `https://localhost:${p}/a.png`, 'a loopback address'],
    ['the cloud metadata address', () => 'https://169.254.169.254/latest/meta-data/', 'a link-local address'],
    ['a private network address', () => 'https://10.0.0.7/a.png', 'a private address'],
  ])('refuses %s by default, before connecting', async (_case, url, reason) => {
    const error = await refusal(downloadMedia(url(port), 1_000, strictPolicy));
    expect(error.code).toBe('media_url_refused');
    expect(error.detail).toContain(reason);
    expect(error.detail).toContain('only from public addresses');
    expect(requests).toEqual([]);
  });

  it('checks every address a name resolves to, not only the first', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const error = await refusal(downloadMedia('https://files.example.test/a.png', 1_000, strictPolicy, { resolve }));
    expect(error.detail).toBe(
      'The host files.example.test resolves to a private address; the bridge fetches media only from public addresses.',
    );
  });

  it('connects to the addresses it checked, not to what DNS might answer next (no rebinding)', async () => {
    routes['/a.png'] = serve(png());
    let lookups = 0;
    const resolve = async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    // cdn.example.test exists in no DNS: the connection can only have gone to the pinned address.
    const file = await downloadMedia(`http://cdn.example.test:${port}/a.png`, 1_000, localPolicy, { resolve });
    expect(file.bytes).toEqual(png());
    expect(lookups).toBe(1);
    expect(requests[0]?.headers.host).toBe(`cdn.example.test:${port}`);
  });

  it('checks each redirect target like the first URL', async () => {
    routes['/start'] = redirect(`http://127.0.0.2:${port}/internal`);
    const addressReason = (address: string) => (address === '127.0.0.2' ? 'an address this test forbids' : undefined);
    const policy = { ...localPolicy, allowPrivateAddresses: false };
    const error = await refusal(downloadMedia(`${base}/start`, 1_000, policy, { addressReason }));
    expect(error.code).toBe('media_url_refused');
    expect(error.detail).toContain('127.0.0.2 resolves to an address this test forbids');
    expect(requests.map((request) => request.path)).toEqual(['/start']);

    routes['/to-ftp'] = redirect('ftp://files.example.test/a.png');
    expect((await refusal(downloadMedia(`${base}/to-ftp`, 1_000, localPolicy))).detail).toContain(
      'Redirect 1 of media.url must be https://',
    );
  });

  it('follows a few redirects, relative ones too, and refuses one more than allowed', async () => {
    routes['/one'] = redirect('/two');
    routes['/two'] = redirect(`${base}/three`);
    routes['/three'] = serve(png());
    expect((await downloadMedia(`${base}/one`, 1_000, { ...localPolicy, redirectsMax: 2 })).finalUrl).toBe(`${base}/three`);
    requests.length = 0;
    routes['/loop'] = redirect('/loop');
    const error = await refusal(downloadMedia(`${base}/loop`, 1_000, localPolicy));
    expect(error.code).toBe('media_url_refused');
    expect(error.detail).toBe('media.url redirects more than 3 times.');
    expect(requests).toHaveLength(4);
  });

  it('refuses credentials in the URL', async () => {
    const error = await refusal(downloadMedia(`http://user:secret@127.0.0.1:${port}/a.png`, 1_000, localPolicy));
    expect(error.detail).toContain('carries credentials');
    expect(requests).toEqual([]);
  });

  it('reports a server that cannot deliver as a failed download (502), not a refusal', async () => {
    routes['/gone'] = (response) => response.writeHead(410).end();
    const gone = await refusal(downloadMedia(`${base}/gone`, 1_000, localPolicy));
    expect(gone.code).toBe('media_url_failed');
    expect(gone.detail).toBe('media.url answered HTTP 410; it must answer 200 with the file.');
    const unresolvable = await refusal(downloadMedia('https://no-such-host.invalid/a.png', 1_000, localPolicy));
    expect(unresolvable.code).toBe('media_url_failed');
    expect(unresolvable.detail).toContain('could not be resolved');
  });

  it('gives up after its deadline on a server that never answers', async () => {
    routes['/slow'] = () => {};
    // The detail names the deadline that fired; how soon it fires is a timer's business, not this test's.
    const error = await refusal(downloadMedia(`${base}/slow`, 1_000, { ...localPolicy, timeoutMs: 200 }));
    expect(error.code).toBe('media_url_failed');
    expect(error.detail).toBe('media.url did not answer within 200 ms.');
  });

  it('stops reading past the cap, and reads only the beginning of a file announced as too large', async () => {
    const big = Buffer.concat([png(), Buffer.alloc(100_000, 1)]);
    routes['/unannounced'] = (response) => {
      response.writeHead(200, { 'Content-Type': 'image/png' });
      response.end(big);
    };
    const capped = await downloadMedia(`${base}/unannounced`, 5_000, localPolicy);
    expect(capped).toMatchObject({ complete: false, sizeBytes: undefined });
    expect(capped.bytes.length).toBe(5_000);
    routes['/announced'] = serve(big, { 'Content-Type': 'image/png' });
    const announced = await downloadMedia(`${base}/announced`, 50_000, localPolicy);
    expect(announced).toMatchObject({ complete: false, sizeBytes: big.length });
    expect(announced.bytes.length).toBe(4_100);
  });

  it('reads file names from both forms of Content-Disposition', () => {
    expect(filenameOfContentDisposition('attachment; filename="a b.pdf"')).toBe('a b.pdf');
    expect(filenameOfContentDisposition('inline; filename=report.pdf')).toBe('report.pdf');
    expect(filenameOfContentDisposition('attachment; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf; filename="resume.pdf"')).toBe(
      'résumé.pdf',
    );
    expect(filenameOfContentDisposition('inline')).toBeUndefined();
  });
});
