import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/clock.js';
import { waitFor } from '../../test/support/wait-for.js';
import { StreamTokens } from '../src/live/token.js';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from './support/wallet.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
type Json = any;

interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A server-sent-events reader over fetch (as a browser's EventSource reads the stream): every event the bridge sent so
 * far, parsed per the WHATWG HTML "event stream interpretation" (fields, blank line ends an event, `:` lines are comments).
 */
class SseReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  ended = false;
  readonly #controller = new AbortController();

  static async open(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; reader: SseReader; response: Response }> {
    const reader = new SseReader();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: reader.#controller.signal,
    });
    if (response.ok) void reader.#read(response.body as ReadableStream<Uint8Array>);
    return { status: response.status, reader, response };
  }

  changes(): string[] {
    return this.events.filter((event) => event.event === 'change').map((event) => JSON.parse(event.data).kind as string);
  }

  lastId(): string | undefined {
    return this.events.filter((event) => event.id !== undefined).at(-1)?.id;
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: Partial<SseEvent> & { data?: string } = {};
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (current.data !== undefined) {
              this.events.push({ id: current.id, event: current.event ?? 'message', data: current.data });
            }
            current = {};
          } else if (line.startsWith(':')) {
            this.comments++;
          } else {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            if (field === 'id') current.id = value;
            if (field === 'event') current.event = value;
          }
          newline = buffer.indexOf('\n');
        }
      }
    } catch {
      // Aborted by the test.
    }
    this.ended = true;
  }
}

const hanako = '+819012345001';
const taro = '+819012345002';

describe.each(backends)('the live stream on $name', (backend) => {
  let world: SandboxBridge;
  let other: { token: string; installationId: string; deploymentId: string };
  const clock = new TestClock(new Date());
  const readers: SseReader[] = [];

  const streamToken = async (phone: string, token = world.token) =>
    world.bridge.request('POST', `/v1/conversations/${encodeURIComponent(phone)}/stream-tokens`, { token });
  // The stream URL names the bridge's PUBLIC_URL; the test reaches the same path on the bridge's real port.
  const local = (url: string) => {
    const parsed = new URL(url);
    return `${world.bridge.url}${parsed.pathname}${parsed.search}`;
  };
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const opened = await SseReader.open(local(url), headers);
    readers.push(opened.reader);
    return opened;
  };
  const openFor = async (phone: string, token = world.token) => {
    const answer = await streamToken(phone, token);
    expect(answer.status).toBe(201);
    const opened = await open(answer.body.stream_url);
    expect(opened.status).toBe(200);
    await waitFor('the ready event', () => opened.reader.events.some((event) => event.event === 'ready'));
    return { ...opened, token: answer.body as Json };
  };

  /** An account of its own with a deployment and one installation: its token and ids. */
  const tenant = async (name: string, installation: { helpdesk: string; instance: string }) => {
    const account = await world.bridge.request('POST', '/v1/accounts', { json: { name } });
    const { answer } = await world.bridge.createDeployment(account.body.id, { display_name: name }, { sandbox: world.sandbox });
    const created = await world.bridge.request('POST', `/v1/deployments/${answer.body.id}/installations`, { json: installation });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return {
      token: created.body.token as string,
      installationId: created.body.id as string,
      deploymentId: answer.body.id as string,
    };
  };

  beforeAll(async () => {
    world = await startSandboxBridge(backend, { clock });
    // Another tenant: its own account, deployment and installation on the same bridge.
    other = await tenant('Other Shop', { helpdesk: 'zoho', instance: '700123456' });
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await world?.close();
  });

  describe('the stream token', () => {
    it('is issued to an installation, for one customer, short-lived, with the stream URL', async () => {
      const answer = await streamToken(hanako);
      expect(answer.status).toBe(201);
      expect(answer.body.token).toMatch(/^wbs_/);
      expect(Date.parse(answer.body.expires_at)).toBe(Math.floor(clock.now().getTime() / 1000) * 1000 + 10 * 60 * 1000);
      const url = new URL(answer.body.stream_url);
      expect(url.origin).toBe(world.bridge.config.publicUrl);
      expect(url.pathname).toBe(`/v1/conversations/${encodeURIComponent(hanako)}/events`);
      expect(url.searchParams.get('token')).toBe(answer.body.token);
      expect(url.searchParams.get('last_event_id')).toBe(answer.body.position);
      expect(answer.body.token).not.toContain(world.token);
      // The bridge's logs never hold it.
      // (A request's log line is written when it ends.)
      (await open(answer.body.stream_url)).reader.close();
      await waitFor('the request log line', () => world.bridge.logs().includes('/events?'));
      expect(world.bridge.logs()).not.toContain(answer.body.token);
    });

    it('is refused to the administrator and to no token', async () => {
      expect((await streamToken(hanako, world.bridge.adminToken)).body.code).toBe('installation_required');
      expect(
        (await world.bridge.request('POST', `/v1/conversations/${encodeURIComponent(hanako)}/stream-tokens`, { token: null }))
          .status,
      ).toBe(401);
    });

    it('cannot be used as an installation token', async () => {
      const { token } = (await streamToken(hanako)).body;
      for (const path of ['/v1/wallet', '/v1/templates', `/v1/conversations/${encodeURIComponent(hanako)}`]) {
        const answer = await world.bridge.request('GET', path, { token });
        expect(answer.status, path).toBe(401);
        expect(answer.body.code, path).toBe('invalid_token');
      }
    });

    it('opens only its own customer’s stream, unaltered, signed by this bridge, before it expires', async () => {
      const answer = (await streamToken(hanako)).body;
      const eventsOf = (phone: string, token: string) =>
        `${world.bridge.url}/v1/conversations/${encodeURIComponent(phone)}/events?token=${encodeURIComponent(token)}`;
      const refused = async (url: string) => {
        const opened = await open(url);
        expect(opened.status, url).toBe(401);
        expect(((await opened.response.json()) as Json).code).toBe('stream_token_invalid');
      };
      // Another customer.
      await refused(eventsOf(taro, answer.token));
      // Altered: the payload names another customer, the signature is the old one.
      const [body, signature] = (answer.token as string).slice(4).split('.');
      const payload = JSON.parse(Buffer.from(body as string, 'base64url').toString());
      const altered = `wbs_${Buffer.from(JSON.stringify({ ...payload, p: taro })).toString('base64url')}.${signature}`;
      await refused(eventsOf(taro, altered));
      // Signed with another key (another bridge's).
      const foreign = new StreamTokens('11'.repeat(32)).issue(
        { installationId: payload.i, accountId: payload.a, deploymentId: payload.d, phone: hanako },
        clock.now(),
      );
      await refused(eventsOf(hanako, foreign.token));
      // The installation token itself.
      await refused(eventsOf(hanako, world.token));
      // Expired.
      clock.advance(10 * 60 * 1000);
      try {
        await refused(eventsOf(hanako, answer.token));
      } finally {
        clock.advance(-10 * 60 * 1000);
      }
      // Still good.
      expect((await open(eventsOf(hanako, answer.token))).status).toBe(200);
    });

    it('stops opening streams once its installation is revoked', async () => {
      const gone = await tenant('Short Lived', { helpdesk: 'zendesk', instance: 'gone.zendesk.com' });
      const issued = (await streamToken(hanako, gone.token)).body;
      await world.bridge.request('DELETE', `/v1/installations/${gone.installationId}`);
      const opened = await open(issued.stream_url);
      expect(opened.status).toBe(401);
    });
  });

  describe('the events', () => {
    it('tells the customer’s stream when they write, press Stop, a status arrives and the wallet changes; no other tenant hears', async () => {
      const mine = await openFor(hanako);
      const theirs = await openFor(hanako, other.token);
      const taros = await openFor(taro);

      await world.customerWrites(hanako, 'Where is my order?');
      await waitFor('the conversation change', () => mine.reader.changes().includes('conversation'));
      expect(mine.reader.changes()).toContain('contact');

      const sent = await world.send({ to: hanako, text: { body: 'It ships today.' } });
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      await world.settle();
      const conversationChanges = () => mine.reader.changes().filter((kind) => kind === 'conversation').length;
      // Recorded, accepted, then Meta's sent, delivered and read: each a change.
      await waitFor('the statuses', () => conversationChanges() >= 4);

      const before = mine.reader.changes().length;
      await world.control('POST', `/sandbox/numbers/${world.deployment.phone_number_id}/marketing-preference`, {
        wa_id: hanako.slice(1),
        value: 'stop',
      });
      await world.settle();
      await waitFor('the Stop', () => mine.reader.changes().slice(before).includes('contact'));

      const { account_id: account } = await world.bridge.bridge.database.db
        .selectFrom('deployments')
        .select('account_id')
        .where('id', '=', world.deployment.id)
        .executeTakeFirstOrThrow();
      const adjusted = await world.bridge.request('POST', '/v1/wallet/adjustments', {
        json: { account_id: account, points: 100, reason: 'Live test', reference: 'live-1' },
      });
      expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(201);
      await waitFor('the wallet change', () => mine.reader.changes().includes('wallet'));
      // Taro's stream hears the wallet (the account's) but nothing of Hanako.
      await waitFor('the wallet change for Taro', () => taros.reader.changes().includes('wallet'));
      expect(taros.reader.changes().filter((kind) => kind !== 'wallet')).toEqual([]);
      // The other tenant's stream for the same number hears nothing at all.
      expect(theirs.reader.changes()).toEqual([]);
      // Every change has a position as its id, in increasing order.
      const ids = mine.reader.events.filter((event) => event.event === 'change').map((event) => event.id as string);
      expect(ids.every((id) => /^\d+\.\d+$/.test(id))).toBe(true);
    });

    it('resumes after a reconnection from Last-Event-ID, missing nothing and repeating nothing', async () => {
      const first = await openFor(taro);
      await world.customerWrites(taro, 'Hello');
      await waitFor('the first message', () => first.reader.changes().includes('conversation'));
      const lastId = first.reader.lastId() as string;
      first.reader.close();

      // While disconnected, the customer writes again.
      await world.customerWrites(taro, 'Are you there?');
      const again = await open(first.token.stream_url, { 'last-event-id': lastId });
      expect(again.status).toBe(200);
      await waitFor('the missed message', () => again.reader.changes().includes('conversation'));
      const ready = JSON.parse(again.reader.events.find((event) => event.event === 'ready')?.data ?? '{}');
      expect(ready.resumed).toBe(true);
      const resumedIds = again.reader.events.filter((event) => event.event === 'change').map((event) => event.id as string);
      expect(resumedIds).not.toContain(lastId);
    });

    it('gives a template message in the conversation as the text the customer received', async () => {
      const phone = '+819012345003';
      expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
      await world.settle();
      const consent = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
        token: world.token,
        json: utilityConsent(),
      });
      expect(consent.status, JSON.stringify(consent.body)).toBe(201);
      const sent = await world.send({ to: phone, template: orderConfirmationTemplate });
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      const conversation = await world.bridge.request('GET', `/v1/conversations/${encodeURIComponent(phone)}`, {
        token: world.token,
      });
      expect(conversation.body.data.at(-1)).toMatchObject({
        direction: 'outbound',
        type: 'template',
        text: '山田様、ご注文（ORD-1）ありがとうございます。12月1日までに発送いたします。\nご不明な点はこのメッセージにご返信ください。',
      });
    });

    it('ends the stream when its token expires, saying so', async () => {
      const opened = await openFor(taro);
      clock.advance(10 * 60 * 1000);
      try {
        // The expiry timer was set when the stream opened; a new stream shows the refusal at once.
        const refused = await open(opened.token.stream_url);
        expect(refused.status).toBe(401);
      } finally {
        clock.advance(-10 * 60 * 1000);
      }
      opened.reader.close();
    });
  });
});
