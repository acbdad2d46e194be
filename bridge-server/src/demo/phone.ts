import express, { type Router } from 'express';
import * as z from 'zod';
import { demoCustomers } from './host-pages.js';
import { samplePhotoPng } from './sample-photo.js';

/**
 * The customer's phone on the demo page: act as one of the demo customers through the Meta sandbox's control API
 * (which signs and delivers the webhook to the bridge, as Meta would), and see what the business sent them. Writing
 * opens their window, writing from an ad opens the 72-hour free entry point, "wrote 23 h 58 min ago" leaves a window
 * that closes in two minutes, a photo arrives as WhatsApp delivers images (a media id the bridge fetches), Stop turns
 * marketing off. Everything goes through the sandbox: the demo never writes
 * into the bridge behind its back.
 */

/** What the demo page shows in the phone: the customer's own messages and the business's, oldest first. */
export interface PhoneMessage {
  direction: 'in' | 'out';
  at: string;
  text: string;
  /** The business's message: its last delivery status in the sandbox (accepted, sent, delivered, read, failed). */
  status?: string;
  /** The customer sent the demo's photo (`GET /phone/photo.png`); `text` is its caption. */
  photo?: true;
}

const customerIndex = z.coerce
  .number()
  .int()
  .min(0)
  .max(demoCustomers.length - 1);

const writeSchema = z.strictObject({
  text: z.string().trim().min(1, 'write something first').max(4096),
  /** The customer taps a click-to-WhatsApp ad first: the free entry point opens. */
  from_ad: z.boolean().default(false),
  /** The customer wrote this many minutes ago (0–1,440): 1,438 leaves a window that closes in two minutes. */
  minutes_ago: z.number().int().min(0).max(1_440).default(0),
});

const preferenceSchema = z.strictObject({ value: z.enum(['stop', 'resume']) });

const photoSchema = z.strictObject({ caption: z.string().trim().max(1024).default('') });

const digits = (phone: string) => phone.replace(/\D/g, '');

/** The photo "Send a photo" sends, base64 as the sandbox takes it. */
const samplePhotoBytes = samplePhotoPng();
const samplePhoto = samplePhotoBytes.toString('base64');

/** A template send as the customer reads it: its name and the values it was sent with. */
function describeSent(request: Record<string, unknown>): string {
  const text = request.text as { body?: unknown } | undefined;
  if (typeof text?.body === 'string') return text.body;
  const template = request.template as { name?: unknown; components?: { parameters?: { text?: unknown }[] }[] } | undefined;
  if (template !== undefined) {
    const values = (template.components ?? [])
      .flatMap((component) => component.parameters ?? [])
      .map((parameter) => parameter.text)
      .filter((value): value is string => typeof value === 'string');
    return `[${String(template.name)}] ${values.join(' · ')}`.trim();
  }
  return `[${String(request.type ?? 'message')}]`;
}

interface SandboxMessage {
  wa_id: string | null;
  accepted_at: string;
  statuses: { status: string }[];
  request: Record<string, unknown>;
}

export interface Phone {
  router: Router;
  /** Shows a message the customer wrote outside the phone (the one the demo writes at start). */
  remember(customer: number, text: string, at: Date): void;
  /** Moves what the customers wrote back in time (the demo clock moved forward). */
  movePast(byMs: number): void;
}

export function customerPhone(options: { sandboxUrl: string; phoneNumberId: string }): Phone {
  const router = express.Router();
  /** What each customer wrote, kept by the demo process (the sandbox keeps only the window's times). */
  const written = new Map<number, PhoneMessage[]>();
  const remember = (customer: number, text: string, at: Date, photo = false) => {
    const list = written.get(customer) ?? [];
    list.push({ direction: 'in', at: at.toISOString(), text, ...(photo ? { photo: true as const } : {}) });
    written.set(customer, list);
  };

  const control = async (path: string, body: unknown) => {
    const answer = await fetch(`${options.sandboxUrl}/sandbox/numbers/${options.phoneNumberId}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`the sandbox refused: ${answer.status} ${await answer.text()}`);
  };

  router.use(express.json({ limit: '16kb' }));

  router.get('/phone/photo.png', (_request, response) => {
    response.type('png').send(samplePhotoBytes);
  });

  router.get('/phone/:customer/messages', async (request, response) => {
    const index = customerIndex.safeParse(request.params.customer);
    if (!index.success) return void response.status(404).json({ error: 'no such customer' });
    const waId = digits(demoCustomers[index.data]!.phone);
    const answer = await fetch(
      `${options.sandboxUrl}/sandbox/messages?phone_number_id=${options.phoneNumberId}&recipient=${waId}`,
    );
    const sent = answer.ok ? ((await answer.json()) as { data: SandboxMessage[] }).data : [];
    const messages: PhoneMessage[] = [
      ...(written.get(index.data) ?? []),
      ...sent.map((message) => ({
        direction: 'out' as const,
        at: message.accepted_at,
        text: describeSent(message.request),
        status: message.statuses.at(-1)?.status ?? 'accepted',
      })),
    ].sort((a, b) => a.at.localeCompare(b.at));
    response.json({ customer: demoCustomers[index.data], messages });
  });

  router.post('/phone/:customer/write', async (request, response) => {
    const index = customerIndex.safeParse(request.params.customer);
    const input = writeSchema.safeParse(request.body);
    if (!index.success) return void response.status(404).json({ error: 'no such customer' });
    if (!input.success) return void response.status(400).json({ error: z.prettifyError(input.error) });
    const customer = demoCustomers[index.data]!;
    const atMs = Date.now() - input.data.minutes_ago * 60_000;
    try {
      await control('inbound', {
        from: digits(customer.phone),
        name: customer.name,
        text: input.data.text,
        timestamp: Math.floor(atMs / 1000),
        ...(input.data.from_ad ? { referral: {} } : {}),
      });
    } catch (error) {
      return void response.status(502).json({ error: (error as Error).message });
    }
    remember(index.data, input.data.text, new Date(atMs));
    response.status(204).end();
  });

  router.post('/phone/:customer/photo', async (request, response) => {
    const index = customerIndex.safeParse(request.params.customer);
    const input = photoSchema.safeParse(request.body);
    if (!index.success) return void response.status(404).json({ error: 'no such customer' });
    if (!input.success) return void response.status(400).json({ error: z.prettifyError(input.error) });
    const customer = demoCustomers[index.data]!;
    const caption = input.data.caption === '' ? undefined : input.data.caption;
    try {
      await control('inbound', {
        from: digits(customer.phone),
        name: customer.name,
        image: { mime_type: 'image/png', data_base64: samplePhoto, ...(caption === undefined ? {} : { caption }) },
      });
    } catch (error) {
      return void response.status(502).json({ error: (error as Error).message });
    }
    remember(index.data, caption ?? '', new Date(), true);
    response.status(204).end();
  });

  router.post('/phone/:customer/marketing', async (request, response) => {
    const index = customerIndex.safeParse(request.params.customer);
    const input = preferenceSchema.safeParse(request.body);
    if (!index.success) return void response.status(404).json({ error: 'no such customer' });
    if (!input.success) return void response.status(400).json({ error: z.prettifyError(input.error) });
    try {
      await control('marketing-preference', { wa_id: digits(demoCustomers[index.data]!.phone), value: input.data.value });
    } catch (error) {
      return void response.status(502).json({ error: (error as Error).message });
    }
    response.status(204).end();
  });

  const movePast = (byMs: number) => {
    for (const messages of written.values()) {
      for (const message of messages) message.at = new Date(Date.parse(message.at) - byMs).toISOString();
    }
  };

  return { router, remember, movePast };
}
