import { createHmac } from 'node:crypto';
import { parseWebhook } from '@wabridge/shared';
import { inboundText, messagesBody, metaJson } from '../../bridge-server/test/support/meta.js';

/**
 * A pool of distinct, signed Meta webhook bodies, built before any load is sent. Everything lives in
 * shared memory so that the load-generator thread reads bodies and signatures without copying them.
 */
export interface BodyPool {
  count: number;
  /** Every body, back to back (the exact bytes that are signed and sent). */
  bytes: Uint8Array;
  /** Body `i` is `bytes[offsets[i]..offsets[i + 1])`. */
  offsets: Uint32Array;
  /** 64 ASCII hexadecimal characters per body: HMAC-SHA256 of the body keyed by the app secret. */
  signatures: Uint8Array;
  /** How many events (status updates or messages) body `i` carries. */
  events: Uint8Array;
  /** 1 when body `i` is an inbound message, 0 when it carries statuses. */
  inbound: Uint8Array;
}

export interface PoolOptions {
  count: number;
  appSecret: string;
  phoneNumberId: string;
  /** Seeds the mix, so every run sends the same sequence of body shapes and sizes. */
  seed?: number;
}

/** Share of bodies that are inbound messages; the rest carry delivery statuses (Meta: ~3 statuses per message). */
export const inboundShare = 0.25;
/** Statuses per status body: Meta usually sends one, and batches a few under load. */
const statusesPerBody = [
  { statuses: 1, weight: 0.7 },
  { statuses: 2, weight: 0.2 },
  { statuses: 3, weight: 0.1 },
];
const customerCount = 5_000;

/** mulberry32: a tiny deterministic PRNG, so the mix does not depend on Math.random. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const names = ['山田 花子', '佐藤 健', '鈴木 美咲', '高橋 大輔', '田中 陽菜', '伊藤 翔太', '渡辺 さくら', '中村 蓮'];
const phrases = [
  'こんにちは、注文について質問です。',
  '先週注文した商品がまだ届いていません。配送状況を確認していただけますか？',
  '注文番号は下記のとおりです。',
  'サイズ交換をお願いしたいのですが、手続きを教えてください。',
  'ありがとうございます！',
  '領収書の再発行は可能でしょうか。宛名は会社名でお願いします。',
  '明日の午前中に受け取りたいです。',
  'Thanks, the tracking link works now.',
];

const customer = (index: number) => ({
  waId: String(819_000_000_000 + index),
  userId: `JP.${String(4_000_000_000_000_000_000n + BigInt(index * 7_919))}`,
  name: names[index % names.length] as string,
});

/** Meta's wamids: base64 of the user's number, then a 20-hex-digit id; unique per `serial`. */
function wamid(waId: string, serial: number, direction: 'in' | 'out'): string {
  const id = `${direction === 'in' ? 'A' : 'B'}${serial.toString(16).toUpperCase().padStart(19, '0')}`;
  return `wamid.HBgM${Buffer.from(waId).toString('base64')}FQIAEhgU${Buffer.from(id).toString('base64')}AA==`;
}

const unixSeconds = (instant: Date) => String(Math.floor(instant.getTime() / 1000));

/** One outbound message moves sent → delivered → read; each status of each message appears in exactly one body. */
function statusBody(phoneNumberId: string, first: number, count: number, baseTime: number): Record<string, unknown> {
  const statuses = [];
  const contacts = new Map<string, ReturnType<typeof customer>>();
  for (let n = first; n < first + count; n += 1) {
    const message = Math.floor(n / 3);
    const status = (['sent', 'delivered', 'read'] as const)[n % 3];
    const who = customer((message * 7) % customerCount);
    contacts.set(who.waId, who);
    const at = new Date(baseTime + n * 250);
    statuses.push({
      id: wamid(who.waId, message, 'out'),
      status,
      timestamp: unixSeconds(at),
      recipient_id: who.waId,
      recipient_user_id: who.userId,
      conversation: {
        id: `c0${message.toString(16).padStart(30, '0')}`,
        ...(status === 'sent' ? { expiration_timestamp: unixSeconds(new Date(at.getTime() + 86_400_000)) } : {}),
        origin: { type: 'service' },
      },
      pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: message % 4 === 0 ? 'utility' : 'service' },
    });
  }
  return messagesBody(phoneNumberId, {
    contacts: [...contacts.values()].map((who) => ({ profile: { name: who.name }, wa_id: who.waId, user_id: who.userId })),
    statuses,
  });
}

/**
 * Builds `count` distinct bodies: 25% inbound text messages (Japanese text, escaped as Meta escapes it), 75% status
 * bodies carrying 1–3 sent/delivered/read updates with pricing. Every wamid and status is unique, so no two bodies are
 * equal (the bridge stores a body it already has only once).
 */
export function buildBodyPool({ count, appSecret, phoneNumberId, seed = 20_260_101 }: PoolOptions): BodyPool {
  const next = random(seed);
  const baseTime = Date.UTC(2026, 0, 1);
  const encoded: Buffer[] = new Array(count);
  const events = new Uint8Array(new SharedArrayBuffer(count));
  const inbound = new Uint8Array(new SharedArrayBuffer(count));
  let statusSerial = 0;
  let inboundSerial = 0;
  let total = 0;
  for (let index = 0; index < count; index += 1) {
    let body: Record<string, unknown>;
    if (next() < inboundShare) {
      const who = customer(Math.floor(next() * customerCount));
      const parts = 1 + Math.floor(next() * 3);
      const text = Array.from({ length: parts }, () => phrases[Math.floor(next() * phrases.length)]).join('');
      body = inboundText(phoneNumberId, {
        waId: who.waId,
        userId: who.userId,
        name: who.name,
        id: wamid(who.waId, inboundSerial, 'in'),
        at: new Date(baseTime + inboundSerial * 1_000),
        text: `${text}（#${inboundSerial}）`,
      });
      inboundSerial += 1;
      events[index] = 1;
      inbound[index] = 1;
    } else {
      const draw = next();
      let cumulative = 0;
      const statuses =
        statusesPerBody.find((option) => {
          cumulative += option.weight;
          return draw < cumulative;
        })?.statuses ?? 1;
      body = statusBody(phoneNumberId, statusSerial, statuses, baseTime);
      statusSerial += statuses;
      events[index] = statuses;
    }
    const buffer = Buffer.from(metaJson(body));
    encoded[index] = buffer;
    total += buffer.length;
  }

  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  const offsets = new Uint32Array(new SharedArrayBuffer((count + 1) * 4));
  const signatures = new Uint8Array(new SharedArrayBuffer(count * 64));
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const buffer = encoded[index] as Buffer;
    bytes.set(buffer, offset);
    offsets[index] = offset;
    offset += buffer.length;
    signatures.set(Buffer.from(createHmac('sha256', appSecret).update(buffer).digest('hex'), 'latin1'), index * 64);
  }
  offsets[count] = offset;
  return { count, bytes, offsets, signatures, events, inbound };
}

export function poolBody(pool: BodyPool, index: number): Buffer {
  return Buffer.from(pool.bytes.buffer, pool.bytes.byteOffset + (pool.offsets[index] as number), bodySize(pool, index));
}

export function bodySize(pool: BodyPool, index: number): number {
  return (pool.offsets[index + 1] as number) - (pool.offsets[index] as number);
}

/** Events carried by bodies `first..first + count`. */
export function eventsIn(pool: BodyPool, first: number, count: number): number {
  let sum = 0;
  for (let index = first; index < first + count; index += 1) sum += pool.events[index] as number;
  return sum;
}

/**
 * Checks a sample of the pool the way the bridge will: the envelope parses, each body carries the events counted for
 * it, and no two bodies are equal. Throws on the first problem: a benchmark of rejected bodies would measure nothing.
 */
export function checkPool(pool: BodyPool, sample = 2_000): void {
  const seen = new Set<string>();
  for (let index = 0; index < Math.min(sample, pool.count); index += 1) {
    const text = poolBody(pool, index).toString('utf8');
    if (seen.has(text)) throw new Error(`body ${index} repeats an earlier body`);
    seen.add(text);
    const parsed = parseWebhook(JSON.parse(text));
    if (!parsed.ok) throw new Error(`body ${index} does not parse: ${parsed.issues[0]?.message}`);
    const kinds = parsed.events.map((event) => event.kind);
    const expected = pool.inbound[index] === 1 ? 'inbound_message' : 'message_status';
    if (kinds.length !== pool.events[index] || kinds.some((kind) => kind !== expected)) {
      throw new Error(`body ${index}: expected ${pool.events[index]} × ${expected}, parsed ${kinds.join(', ')}`);
    }
  }
}
