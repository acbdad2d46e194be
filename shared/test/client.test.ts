import { describe, expect, it } from 'vitest';
import {
  type BridgeRequest,
  BridgeRequestError,
  type BridgeResponse,
  bridgeErrorOf,
  contractIssuesOf,
  createBridgeClient,
  isProblem,
  matchRoute,
} from '../src/client/index.js';
import { routes } from '../src/contract/routes.js';
import { problemCatalogue } from '../src/errors.js';

/** A transport that records the requests and answers each with the next of `answers`. */
function recording(...answers: (BridgeResponse | Error)[]) {
  const requests: BridgeRequest[] = [];
  const transport = async (request: BridgeRequest) => {
    requests.push(request);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no answer left');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { requests, client: createBridgeClient(transport, routes) };
}

const wallet = {
  balance: 120,
  reserved: 20,
  available: 100,
  unit: 'point',
  low_balance_threshold: 100,
  low: false,
  payment_problem: null,
};

const problemBody = (code: keyof typeof problemCatalogue, fields: Record<string, unknown> = {}) => ({
  type: `/problems/${code}`,
  title: problemCatalogue[code].title,
  status: problemCatalogue[code].status,
  detail: 'from the bridge',
  code,
  request_id: 'req_1',
  ...fields,
});

describe('the bridge client', () => {
  it('builds the path from the route template with each parameter encoded as one segment', async () => {
    const { requests, client } = recording({ status: 200, body: { data: [] } });

    await client.call('listConsents', { params: { phone: '+81 90/1234?5678' } });

    expect(requests).toEqual([{ method: 'GET', path: '/v1/contacts/%2B81%2090%2F1234%3F5678/consents' }]);
  });

  it('writes the query, leaving out what is undefined, and sends headers and the JSON body as given', async () => {
    const { requests, client } = recording(
      { status: 200, body: { data: [] } },
      { status: 202, body: null }, // the send's answer does not matter here
    );

    await client.call('listMessages', { query: { ticket_helpdesk: 'zoho', ticket_id: 'a b&c' } });
    await client
      .call('sendMessage', {
        headers: { 'idempotency-key': 'key-1' },
        body: { to: '+819012345678', text: { body: 'hello' } },
      })
      .catch(() => undefined);

    expect(requests[0]).toEqual({ method: 'GET', path: '/v1/messages?ticket_helpdesk=zoho&ticket_id=a+b%26c' });
    expect(requests[1]).toEqual({
      method: 'POST',
      path: '/v1/messages',
      headers: { 'idempotency-key': 'key-1' },
      body: { to: '+819012345678', text: { body: 'hello' } },
    });
  });

  it('answers the response schema’s output for an answer the contract allows', async () => {
    const { client } = recording({ status: 200, body: wallet });

    await expect(client.call('getWallet')).resolves.toEqual(wallet);
  });

  it('refuses an answer whose body the route’s response schema does not accept', async () => {
    const { client } = recording({ status: 200, body: { ...wallet, balance: '120' } });

    const failure = await client.call('getWallet').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BridgeRequestError);
    const error = bridgeErrorOf(failure);
    expect(error).toMatchObject({ kind: 'unexpected', status: 200 });
    expect(error.kind === 'unexpected' && error.issues?.join()).toContain('body.balance');
  });

  it('refuses a success status the route does not answer', async () => {
    const record = { id: 1, phone: '+819012345678', topic: 'marketing', state: 'opted_in' };
    const { client } = recording({ status: 200, body: record });

    const failure = await client
      .call('recordConsent', {
        params: { phone: '+819012345678' },
        body: { topic: 'marketing', state: 'opted_in', source: 'agent', evidence: 'yes' },
      })
      .catch((error: unknown) => error);

    expect(bridgeErrorOf(failure)).toMatchObject({ kind: 'unexpected', status: 200 });
  });

  it('turns a problem into a typed error carrying its code, detail, request id and field errors', async () => {
    const errors = [{ path: 'body.evidence', code: 'business_name_missing', message: 'name the business' }];
    const { client } = recording({ status: 422, body: problemBody('invalid_consent', { errors }) });

    const failure = await client
      .call('recordConsent', {
        params: { phone: '+819012345678' },
        body: { topic: 'marketing', state: 'opted_in', source: 'agent', evidence: 'yes' },
      })
      .catch((error: unknown) => error);

    expect(isProblem(failure, 'invalid_consent')).toBe(true);
    expect(isProblem(failure, 'validation_failed')).toBe(false);
    expect(bridgeErrorOf(failure)).toMatchObject({
      kind: 'problem',
      code: 'invalid_consent',
      status: 422,
      detail: 'from the bridge',
      requestId: 'req_1',
      errors,
    });
  });

  it('reads an answer that is not a known problem as unexpected, and a rejected transport as unreachable', async () => {
    const { client } = recording(
      { status: 502, body: '<html>Bad gateway</html>' },
      { status: 400, body: { code: 'no_such_code' } },
      new TypeError('Failed to fetch'),
    );

    const answers = [];
    for (let attempt = 0; attempt < 3; attempt += 1) answers.push(await client.call('getWallet').catch(bridgeErrorOf));

    expect(answers).toEqual([{ kind: 'unexpected', status: 502 }, { kind: 'unexpected', status: 400 }, { kind: 'unreachable' }]);
  });

  it('answers nothing for a 204 route and the text of a CSV route', async () => {
    const { client } = recording({ status: 204, body: null }, { status: 200, body: 'phone,topic\r\n' });

    await expect(client.call('revokeInstallation', { params: { installation_id: 'ins_x' } })).resolves.toBeUndefined();
    await expect(client.call('exportConsents', { query: {} })).resolves.toBe('phone,topic\r\n');
  });

  it('refuses a raw body for a route that takes JSON', async () => {
    const { requests, client } = recording();

    await expect(client.call('getWallet', { rawBody: { bytes: 'a,b', contentType: 'text/csv' } })).rejects.toThrow(/JSON body/);
    expect(requests).toEqual([]);
  });
});

describe('matching a request to its contract route', () => {
  it('finds the route, with decoded parameters and the query', () => {
    const match = matchRoute(routes, 'GET', '/v1/contacts/%2B819012345678/status?x=1&x=2&y=3');

    expect(match?.name).toBe('contactStatus');
    expect(match?.params).toEqual({ phone: '+819012345678' });
    expect(match?.query).toEqual({ x: ['1', '2'], y: '3' });
  });

  it('tells routes of one path apart by method, and knows no route for an unknown path or method', () => {
    expect(matchRoute(routes, 'POST', '/v1/contacts/%2B81/consents')?.name).toBe('recordConsent');
    expect(matchRoute(routes, 'GET', '/v1/contacts/%2B81/consents')?.name).toBe('listConsents');
    expect(matchRoute(routes, 'PATCH', '/v1/contacts/%2B81/consents')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/v1/contacts/a/b/consents')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/v1/wallet/ledger.csv')?.name).toBe('exportWalletLedger');
    expect(matchRoute(routes, 'GET', '/v1/wallet/ledgerXcsv')).toBeUndefined();
  });
});

describe('checking an answer passed on by a proxy against the contract', () => {
  const problem = (code: string, status: number) => JSON.stringify({ type: `/problems/${code}`, title: code, status, code });

  it('accepts what the route promises and any known problem, and says nothing of paths outside the contract', () => {
    const wallet = {
      balance: 10,
      reserved: 0,
      available: 10,
      unit: 'point',
      low_balance_threshold: 0,
      low: false,
      payment_problem: null,
    };
    expect(contractIssuesOf(routes, 'GET', '/v1/wallet', 200, JSON.stringify(wallet))).toEqual([]);
    expect(contractIssuesOf(routes, 'GET', '/v1/contacts/%2B81/status', 404, problem('not_found', 404))).toEqual([]);
    expect(contractIssuesOf(routes, 'GET', '/elsewhere', 200, 'anything')).toEqual([]);
  });

  it('names the route and what is wrong: a body the schema refuses, another success status, an unknown problem, no JSON', () => {
    const [wrongBody] = contractIssuesOf(routes, 'GET', '/v1/wallet', 200, JSON.stringify({ balance: 'ten' }));
    expect(wrongBody).toMatch(/getWallet.*unexpected answer \(200\)/);
    expect(contractIssuesOf(routes, 'GET', '/v1/wallet', 201, '{}')[0]).toMatch(/answers 200, not 201/);
    expect(contractIssuesOf(routes, 'GET', '/v1/wallet', 418, problem('no_such_code', 418))[0]).toMatch(/getWallet/);
    expect(contractIssuesOf(routes, 'GET', '/v1/wallet', 502, '<html>Bad gateway</html>')).toEqual([
      'getWallet: the answer (502) is not JSON',
    ]);
  });
});

describe('the client’s types', () => {
  it('require what the route’s contract requires, and nothing it does not take', async () => {
    const { client } = recording(...Array.from({ length: 4 }, () => new Error('not sent')));
    const ignore = () => undefined;

    // @ts-expect-error the route has a path parameter
    await client.call('listConsents').catch(ignore);
    // @ts-expect-error the parameter is named phone
    await client.call('listConsents', { params: { number: '+81' } }).catch(ignore);
    // @ts-expect-error the route takes no body
    await client.call('getWallet', { body: { balance: 1 } }).catch(ignore);
    // @ts-expect-error no such route
    await client.call('getWalet').catch(ignore);
    expect(true).toBe(true);
  });
});
