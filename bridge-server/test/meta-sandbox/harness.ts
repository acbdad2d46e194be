import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetaSandbox, type MetaSandbox, type MetaSandboxOptions } from '../../src/meta-sandbox/sandbox.js';

/** A parsed JSON answer; tests assert on it field by field, so a precise type would only add casts. */
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type Json = any;

/** The number every test registers, with ids in the shape Meta uses. */
export const testNumber = {
  phone_number_id: '106540352242922',
  waba_id: '102290129340398',
  display_phone_number: '+1 555-078-3881',
  verified_name: 'Sandbox Shop',
  access_token: 'EAAtest-sandbox-token-0001',
  app_secret: 'test-app-secret-0001',
};
export const customerWaId = '819012345678';
export const graphVersion = 'v24.0';

export interface ReceivedWebhook {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  json: WebhookBody;
  answeredStatus: number;
}

export interface WebhookBody {
  object: string;
  entry: { id: string; time?: number; changes: { field: string; value: Record<string, unknown> }[] }[];
}

export interface StatusUpdate {
  id: string;
  status: string;
  timestamp: string;
  recipient_id?: string;
  recipient_user_id?: string;
  biz_opaque_callback_data?: string;
  pricing?: { billable: boolean; pricing_model: string; type: string; category: string };
  errors?: { code: number; title: string; message: string; error_data: { details: string }; href?: string }[];
}

/** A local HTTP receiver standing in for the bridge: records the raw bytes of every webhook POST. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Status to answer for the n-th request (0-based); 200 unless a test says otherwise. */
  answer: (requestIndex: number) => number = () => 200;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = receiver as WebhookReceiver;
        const status = target.answer(target.received.length);
        const rawBody = Buffer.concat(chunks);
        target.received.push({
          rawBody,
          headers: request.headers,
          json: JSON.parse(rawBody.toString('utf8')),
          answeredStatus: status,
        });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/meta`);
    return receiver;
  }

  /** Bodies this receiver accepted with a 200 (the ones a bridge would have processed). */
  accepted(): ReceivedWebhook[] {
    return this.received.filter((webhook) => webhook.answeredStatus === 200);
  }

  changes(field?: string): { field: string; value: Record<string, unknown> }[] {
    return this.accepted()
      .flatMap((webhook) => webhook.json.entry.flatMap((entry) => entry.changes))
      .filter((change) => field === undefined || change.field === field);
  }

  statuses(wamid?: string): StatusUpdate[] {
    return this.changes('messages')
      .flatMap((change) => (change.value.statuses as StatusUpdate[] | undefined) ?? [])
      .filter((status) => wamid === undefined || status.id === wamid);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** HMAC-SHA256 of the exact bytes received, keyed by the app secret, compared in constant time. */
export function signatureMatches(rawBody: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(rawBody).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface Harness {
  sandbox: MetaSandbox;
  receiver: WebhookReceiver;
  url: string;
  /** A Graph API call with the test number's token unless another is given (null = no token). */
  graph(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: Json }>;
  /** A control API call. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Sends a free-form text through the Graph API. */
  sendText(text: string, extra?: Record<string, unknown>): Promise<{ status: number; body: Json }>;
  sendTemplate(
    name: string,
    language: string,
    components: unknown[],
    extra?: Record<string, unknown>,
  ): Promise<{ status: number; body: Json }>;
  /**
   * `POST /{phone-number-id}/media` as multipart/form-data. `fields` replaces the form fields (null leaves one out);
   * by default `messaging_product=whatsapp`, `type` = the file's type, and the file.
   */
  upload(
    file: { bytes: Uint8Array; type: string; filename?: string } | null,
    fields?: Record<string, string | null>,
    options?: { token?: string | null; phoneNumberId?: string },
  ): Promise<{ status: number; body: Json }>;
  /** The customer writes to the business (opens the window), optionally at an explicit unix timestamp. */
  inbound(body?: Record<string, unknown>): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

async function call(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Fast status delays keep each test in the tens of milliseconds while preserving the order sent → delivered → read. */
export const fastStatusDelaysMs = { sent: 5, delivered: 10, read: 15 };

export async function startHarness(options: MetaSandboxOptions = {}): Promise<Harness> {
  const receiver = await WebhookReceiver.start();
  const sandbox = createMetaSandbox({
    knobs: { statusDelaysMs: fastStatusDelaysMs, retryDelayMsInitial: 5, retryDelayMsMax: 20, ...options.knobs },
    numbers: [{ ...testNumber, webhook_url: receiver.url }],
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  const running = await sandbox.listen(0, '127.0.0.1');
  const graph: Harness['graph'] = (method, path, body, token) =>
    call(
      `${running.url}/${graphVersion}${path}`,
      method,
      body,
      token === null ? {} : { Authorization: `Bearer ${token ?? testNumber.access_token}` },
    );
  const control: Harness['control'] = (method, path, body) => call(`${running.url}${path}`, method, body, {});
  const upload: Harness['upload'] = async (file, fields = {}, options = {}) => {
    const form = new FormData();
    const values: Record<string, string | null> = { messaging_product: 'whatsapp', type: file?.type ?? null, ...fields };
    for (const [name, value] of Object.entries(values)) if (value !== null) form.set(name, value);
    if (file !== null) form.set('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.filename ?? 'file');
    const token = options.token === undefined ? testNumber.access_token : options.token;
    const response = await fetch(`${running.url}/${graphVersion}/${options.phoneNumberId ?? testNumber.phone_number_id}/media`, {
      method: 'POST',
      headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      body: form,
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    sandbox,
    receiver,
    url: running.url,
    graph,
    control,
    upload,
    sendText: (text, extra = {}) =>
      graph('POST', `/${testNumber.phone_number_id}/messages`, {
        messaging_product: 'whatsapp',
        to: `+${customerWaId}`,
        type: 'text',
        text: { body: text },
        ...extra,
      }),
    sendTemplate: (name, language, components, extra = {}) =>
      graph('POST', `/${testNumber.phone_number_id}/messages`, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: `+${customerWaId}`,
        type: 'template',
        template: { name, language: { code: language }, components },
        ...extra,
      }),
    inbound: (body = {}) =>
      control('POST', `/sandbox/numbers/${testNumber.phone_number_id}/inbound`, {
        from: customerWaId,
        name: 'Hanako',
        text: 'Hello',
        ...body,
      }),
    close: async () => {
      await running.close();
      await receiver.close();
    },
  };
}

/** Body parameters for the seeded `order_confirmation` (positional, three body parameters). */
export const orderConfirmationBody = (values: string[] = ['Hanako', 'ORD-1', 'May 3']) => [
  { type: 'body', parameters: values.map((text) => ({ type: 'text', text })) },
];

/** Minimal valid components for the seeded `summer_sale` (marketing, image header, three body parameters). */
export const summerSaleComponents = [
  { type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/sale.jpg' } }] },
  { type: 'body', parameters: ['Hanako', '20%', 'August 31'].map((text) => ({ type: 'text', text })) },
];

export const unixNow = () => Math.floor(Date.now() / 1000);
export const hoursAgo = (hours: number) => unixNow() - hours * 3600;
