import { problemCodes, type RouteDefinition, routes } from '@wabridge/shared';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';
import { inboundText, metaJson, metaSignature, statusUpdate } from './support/meta.js';

/*
 * Every route of the contract, sent what a careless or hostile client sends (issue 16): malformed JSON, JSON of the
 * wrong type, the route's own fields with values of the wrong type, huge values, U+0000 and lone surrogates, invalid
 * UTF-8, wrong content types, bad query strings, bad path parameters. Every answer must be a 4xx problem+json with a
 * code of the catalogue (an input the route cannot accept must be refused; none may answer 5xx or hang), and the
 * database must read the same after the route's requests as before them (a digest of every row of every table).
 * Deterministic: fast-check runs with a fixed seed, so a failure names the input and reproduces.
 */

const seed = 16_016;
/** Generated bodies per route (the fixed cases below come on top). */
const generatedBodiesPerRoute = 12;
/** A request that has not answered after this long is a hang: a guard, not a measure of speed. */
const hangGuardMs = 20_000;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Whether the route must refuse this request (its body or query cannot be valid); else it may also succeed. */
  mustRefuse: boolean;
  label: string;
}

const knownCodes = new Set<string>(problemCodes);
const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** Text that must never reach the database as it is: NUL, a lone surrogate, and both ends of the BMP. */
const nastyText = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\uffff', '💬'.repeat(3), '%zz', '');
/** Values of every JSON type, some huge or deeply nested, some carrying nasty text. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyText,
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER * 10,
    1e308,
    -0,
    0.5,
    'x'.repeat(70_000),
    Array.from({ length: 5_000 }, () => 1),
    JSON.parse(`${'['.repeat(2_000)}${']'.repeat(2_000)}`),
    { __proto__: { admin: true } },
  ),
);

/** The keys of a route's body when it is an object, so that values of the wrong type reach its fields. */
function bodyKeys(route: RouteDefinition): string[] {
  const body = route.body;
  return body instanceof z.ZodObject ? Object.keys(body.shape) : [];
}

/** A body for the route's own fields with values of any type, or JSON of another shape entirely. */
function bodyArbitrary(route: RouteDefinition): fc.Arbitrary<unknown> {
  const keys = bodyKeys(route);
  const ownFields =
    keys.length > 0
      ? fc.record(Object.fromEntries(keys.map((key) => [key, anyJson])), { requiredKeys: [] })
      : fc.dictionary(fc.string(), anyJson, { maxKeys: 4 });
  return fc.oneof(ownFields, anyJson);
}

/** The body is one the route cannot accept: it fails the route's schema. */
const refusedBySchema = (route: RouteDefinition, body: unknown) =>
  route.body !== undefined && !route.body.safeParse(body).success;

describe.each(backends)('HTTP fuzzing of every contract route on $name', (backend) => {
  let bridge: TestBridge;
  const ids: Record<string, string> = {};
  let installationToken = '';
  let spareInstallationId = '';
  let metaNumber = { phoneNumberId: '', appSecret: '' };

  /** A digest of every row of every table: equal digests, nothing was written. */
  async function databaseDigest(): Promise<Record<string, string>> {
    const db = bridge.bridge.database.db;
    const tables = await sql<{ tablename: string }>`
      SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`.execute(db);
    const parts = tables.rows.map(
      ({ tablename }) =>
        sql`SELECT ${tablename} AS name, coalesce(md5(string_agg(md5(row_text), ',' ORDER BY md5(row_text))), '') AS digest
            FROM (SELECT t::text AS row_text FROM ${sql.table(tablename)} t) rows`,
    );
    const digests = await sql<{ name: string; digest: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    return Object.fromEntries(digests.rows.map((row) => [row.name, row.digest]));
  }

  /** The route's path with every parameter filled: the caller's own ids (so that validation is reached), or `value`. */
  function pathOf(route: RouteDefinition, value?: string): string {
    const own = (name: string) =>
      route.method === 'delete' && name === 'installation_id' ? spareInstallationId : (ids[name] ?? 'x');
    return route.path.replace(/\{(\w+)\}/g, (_, name: string) => value ?? own(name));
  }

  function authorization(route: RouteDefinition): Record<string, string> {
    if (route.auth === 'none') return {};
    const token = route.auth === 'installation' ? installationToken : bridge.adminToken;
    return { authorization: `Bearer ${token}` };
  }

  /** What is sent to a route: the fixed cases, then the generated bodies. */
  function requestsFor(route: RouteDefinition): Sent[] {
    const method = route.method.toUpperCase();
    const path = pathOf(route);
    const auth = authorization(route);
    const json = { ...auth, 'content-type': 'application/json' };
    const sent: Sent[] = [];
    const send = (label: string, mustRefuse: boolean, request: Partial<Sent>) =>
      sent.push({ method, path, headers: auth, mustRefuse, label, ...request });

    if (route.params !== undefined) {
      send('bad percent-encoding in a path parameter', true, { path: pathOf(route, '%zz') });
      send('U+0000 in a path parameter', true, { path: pathOf(route, '%00') });
      send('a lone surrogate in a path parameter', true, { path: pathOf(route, '%ED%A0%80') });
      send('a path parameter of 4 KB', true, { path: pathOf(route, 'a'.repeat(4_096)) });
    }
    const query = (label: string, text: string, mustRefuse: boolean) => send(label, mustRefuse, { path: `${path}?${text}` });
    query('bad percent-encoding in the query', '%zz=%zz', route.query !== undefined);
    query(
      'U+0000 in every query parameter',
      queryKeys(route)
        .map((key) => `${key}=%00`)
        .join('&') || 'x=%00',
      false,
    );
    query(
      'wrong types in every query parameter',
      queryKeys(route)
        .map((key) => `${key}=-1e309&${key}=[]`)
        .join('&') || 'x=1&x=2',
      false,
    );
    query('a query parameter of 8 KB', `${queryKeys(route)[0] ?? 'x'}=${'9'.repeat(8_192)}`, false);
    query('bracketed query keys', 'a[b][c]=1&__proto__[admin]=true&constructor[prototype][x]=1', false);

    if (route.method === 'get' || route.method === 'delete') return sent;
    const isJsonBody = route.body !== undefined && route.rawBody === undefined;
    const body = (label: string, content: Uint8Array, headers: Record<string, string>, mustRefuse = isJsonBody) =>
      send(label, mustRefuse, { headers, body: content });
    body('malformed JSON', bytes('{"a":'), json);
    body('invalid UTF-8 in JSON', Uint8Array.from([...bytes('{"name":"Caf'), 0xe9, 0xff, ...bytes('"}')]), json);
    body('U+0000 escaped in keys and values', bytes('{"\\u0000":"\\u0000","name":"a\\u0000"}'), json);
    body('a lone surrogate escaped', bytes('{"name":"\\ud800"}'), json);
    body('JSON nested 100,000 deep', bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), json);
    body('a JSON body of 3 MB', bytes(JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) })), json);
    for (const value of ['[]', '"text"', '42', 'null', 'true']) body(`the JSON ${value}`, bytes(value), json);
    body('text/plain', bytes('{"name":"Acme"}'), { ...auth, 'content-type': 'text/plain' });
    body('a form', bytes('name=Acme&a[b]=1'), { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    body('JSON in Latin-1', bytes('{"name":"Acme"}'), { ...auth, 'content-type': 'application/json; charset=latin1' });
    body('no content type', bytes('{"name":"Acme"}'), auth);
    body('a content type that does not parse', bytes('{}'), { ...auth, 'content-type': '/;;;=' });
    body('gzip that is not', bytes('{}'), { ...json, 'content-encoding': 'gzip' });
    if (route.rawBody !== undefined) {
      body('raw bytes that are not UTF-8', Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]), {
        ...auth,
        'content-type': route.rawBody.contentTypes[0] ?? 'application/octet-stream',
      });
    }
    if (route.headers !== undefined) {
      for (const key of Object.keys((route.headers as z.ZodObject).shape)) {
        body(`the header ${key} with bad text`, bytes('{}'), { ...json, [key]: 'a b\u00e9'.repeat(100) });
      }
    }
    if (isJsonBody) {
      const generated = fc.sample(bodyArbitrary(route), { seed: seed + route.path.length, numRuns: generatedBodiesPerRoute });
      for (const [index, value] of generated.entries()) {
        const text = JSON.stringify(value);
        if (text === undefined) continue;
        body(`generated body ${index}: ${text.slice(0, 120)}`, bytes(text), json, refusedBySchema(route, value));
      }
    }
    return sent;
  }

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    const account = await bridge.request('POST', '/v1/accounts', { json: { name: 'Fuzz' } });
    const { answer: deployment, request } = await bridge.createDeployment(account.body.id);
    metaNumber = { phoneNumberId: String(request.phone_number_id), appSecret: String(request.app_secret) };
    const install = (instance: string) =>
      bridge.request('POST', `/v1/deployments/${deployment.body.id}/installations`, {
        json: { helpdesk: 'zendesk', instance },
      });
    const installation = await install('fuzz.zendesk.com');
    // The one a DELETE may remove, so that the caller's own installation keeps its token.
    const spare = await install('spare.zendesk.com');
    expect([account.status, deployment.status, installation.status, spare.status]).toEqual([201, 201, 201, 201]);
    spareInstallationId = spare.body.id;
    installationToken = installation.body.token;
    Object.assign(ids, {
      account_id: account.body.id,
      deployment_id: deployment.body.id,
      installation_id: installation.body.id,
      phone: encodeURIComponent('+819011112222'),
    });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it.each(Object.entries(routes))(
    '%s: every malformed request is a 4xx problem+json and writes nothing',
    async (_name, route) => {
      let before = await databaseDigest();
      const wrong: string[] = [];
      for (const request of requestsFor(route)) {
        const answer = await send(request);
        const verdict = judge(route, request, answer);
        if (verdict !== undefined) wrong.push(`${request.label} → ${verdict}`);
        // A refused request writes nothing; an accepted write may, and becomes the new baseline. A read writes
        // nothing at all: its route's digest is compared once, after all its requests.
        if (route.method === 'get') continue;
        const after = await databaseDigest();
        const changed = Object.keys(after).filter((table) => after[table] !== before[table]);
        if (changed.length > 0 && answer.status >= 400) {
          wrong.push(`${request.label} → ${answer.status} but wrote to ${changed.join(', ')}`);
        }
        before = after;
      }
      expect(wrong).toEqual([]);
      if (route.method === 'get') expect(await databaseDigest()).toEqual(before);
    },
  );

  it('acknowledges or refuses every signed webhook body with any field of the wrong shape, and applies each it took without failing', async () => {
    const db = bridge.bridge.database.db;
    const before = await db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    const change = ['entry', 0, 'changes', 0];
    const value = [...change, 'value'];
    const paths: (string | number)[][] = [
      ['entry'],
      ['object'],
      [...change, 'field'],
      value,
      [...value, 'metadata'],
      [...value, 'contacts', 0, 'wa_id'],
      [...value, 'contacts', 0, 'profile'],
      [...value, 'messages', 0, 'id'],
      [...value, 'messages', 0, 'timestamp'],
      [...value, 'messages', 0, 'type'],
      [...value, 'messages', 0, 'text'],
      [...value, 'statuses'],
      [...value, 'statuses', 0, 'status'],
      [...value, 'statuses', 0, 'timestamp'],
      [...value, 'statuses', 0, 'pricing'],
      [...value, 'statuses', 0, 'recipient_id'],
      [...value, 'statuses', 0, 'errors'],
    ];
    const mutated = fc.tuple(fc.boolean(), fc.constantFrom(...paths), anyJson, fc.nat());
    const samples = fc.sample(mutated, { seed, numRuns: 60 });
    const wrong: string[] = [];
    const answers: number[] = [];
    for (const [inbound, path, replacement, index] of samples) {
      const at = new Date();
      const body: Record<string, unknown> = inbound
        ? inboundText(metaNumber.phoneNumberId, { waId: '819011112222', id: `wamid.FUZZ${index}`, at })
        : statusUpdate(metaNumber.phoneNumberId, [{ id: `wamid.FUZZ${index}`, status: 'delivered', at, waId: '819011112222' }]);
      setAt(body, path, replacement);
      const text = metaJson(body);
      const answer = await send({
        method: 'POST',
        path: `/v1/webhooks/meta/${ids.deployment_id}`,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(text, metaNumber.appSecret) },
        body: bytes(text),
        mustRefuse: false,
        label: `${path.join('.')} = ${JSON.stringify(replacement)?.slice(0, 80)}`,
      });
      answers.push(answer.status);
      if (answer.status >= 500 || (answer.status >= 300 && !answer.contentType.startsWith('application/problem+json'))) {
        wrong.push(`${path.join('.')} → ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }
    await bridge.bridge.processor.drain();
    const failed = await db
      .selectFrom('webhook_events')
      .select(['id', 'last_error'])
      .where('id', '>', Number(before?.id ?? 0))
      .where((eb) => eb.or([eb('processed_at', 'is', null), eb('last_error', 'is not', null)]))
      .execute();
    expect(wrong).toEqual([]);
    expect(failed).toEqual([]);
    // Most mutations leave a body Meta could send (a change the bridge keeps as malformed): they were applied above.
    const taken = answers.filter((status) => status === 200).length;
    console.info(`signed webhook bodies: ${taken} of ${answers.length} acknowledged and applied, the others refused (4xx)`);
    expect(taken).toBeGreaterThan(answers.length / 2);
  });

  async function send(request: Sent): Promise<{ status: number; contentType: string; text: string }> {
    const response = await fetch(`${bridge.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(hangGuardMs),
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
  }
});

/** What is wrong with an answer, or undefined when it is right. */
function judge(
  route: RouteDefinition,
  request: Sent,
  answer: { status: number; contentType: string; text: string },
): string | undefined {
  if (answer.status >= 500) return `${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status < 400) return request.mustRefuse ? `accepted (${answer.status})` : undefined;
  if (answersInProviderFormat(route)) return undefined;
  if (!answer.contentType.startsWith('application/problem+json')) return `${answer.status} as ${answer.contentType}`;
  const problem = JSON.parse(answer.text) as { code?: string; status?: number };
  if (problem.code === undefined || !knownCodes.has(problem.code)) return `unknown code ${problem.code}`;
  if (problem.status !== answer.status) return `problem status ${problem.status} on a ${answer.status}`;
  return undefined;
}

function queryKeys(route: RouteDefinition): string[] {
  return route.query instanceof z.ZodObject ? Object.keys(route.query.shape) : [];
}

/**
 * Routes that answer in their caller's own format rather than problem+json: Zendesk's channel framework (its admin
 * UI is an HTML form, its pull and channelback read JSON or text) and the Zoho channel. A 4xx of any type is right
 * there; never a 5xx, and nothing written.
 */
function answersInProviderFormat(route: RouteDefinition): boolean {
  return route.mountedByHand === true && route.path.startsWith('/v1/channels/');
}

/** Sets the value at `path` in a JSON object, creating nothing: a path that does not exist is left alone. */
function setAt(target: unknown, path: (string | number)[], replacement: unknown): void {
  let node = target as Record<string | number, unknown> | undefined;
  for (const key of path.slice(0, -1)) {
    node = node?.[key] as Record<string | number, unknown> | undefined;
    if (node === null || typeof node !== 'object') return;
  }
  const last = path.at(-1);
  if (node !== undefined && last !== undefined) node[last] = replacement;
}
