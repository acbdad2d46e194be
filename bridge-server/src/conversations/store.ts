import type { ConversationEntry } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import { findContactByPhone } from '../contacts/store.js';
import { DomainError } from '../domain/errors.js';
import { type MessageRow, presentMessage, statusesOf } from '../messages/store.js';
import type { Schema } from '../storage/schema.js';
import { committedXidBound, runningTransactions } from '../storage/xid-bound.js';
import { chargesOf } from '../wallet/charges.js';
import { describeInbound, type InboundContent, type InboundMedia } from './inbound.js';
import { renderedTemplateTexts } from './rendered.js';

/*
 * The conversation with one customer on one deployment: what they wrote (inbound_messages, recorded by the webhook
 * processor) and what the business sent (messages, recorded by the send pipeline), read as one timeline. Nothing
 * here writes: both tables belong to their features; this module only reads them together.
 */

/**
 * A position in the timeline: entries strictly older than (at, key) come next. Meta's timestamps have one-second
 * resolution, so customers' messages of the same second are ordered by the transaction that recorded them; the key
 * (`i:<xid, 20 digits>:<wamid>` or `o:<message id>`) orders ties, compared byte by byte (COLLATE "C" in SQL).
 */
interface TimelineCursor {
  at: string;
  key: string;
}

function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): TimelineCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<TimelineCursor>;
    if (typeof value.at === 'string' && typeof value.key === 'string' && !Number.isNaN(Date.parse(value.at))) {
      return { at: value.at, key: value.key };
    }
  } catch {
    // Reported below as the validation problem it is.
  }
  throw new DomainError('validation_failed', 'query.cursor: not a cursor this endpoint gave', {
    errors: [{ path: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor this endpoint gave' }],
  });
}

type KeyedEntry = { entry: ConversationEntry; key: string };

/** Newest first, ties by key: the order pages are cut in (and reversed to oldest first for display). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const newerFirst = (a: KeyedEntry, b: KeyedEntry) => byteOrder(b.entry.at, a.entry.at) || byteOrder(b.key, a.key);

const inboundKey = sql<string>`('i:' || lpad(recorded_xid::text, 20, '0') || ':' || wamid) collate "C"`;
const outboundKey = sql<string>`('o:' || id) collate "C"`;

async function inboundEntries(
  db: Kysely<Schema>,
  contactId: number,
  before: TimelineCursor | undefined,
  limit: number,
): Promise<KeyedEntry[]> {
  let query = db
    .selectFrom('inbound_messages')
    .select(['wamid', 'type', 'sent_at', 'text_body', 'payload', inboundKey.as('key')])
    .where('contact_id', '=', contactId);
  if (before !== undefined) {
    query = query.where(sql<boolean>`(sent_at, ${inboundKey}) < (${new Date(before.at)}, ${before.key} collate "C")`);
  }
  const rows = await query.orderBy('sent_at', 'desc').orderBy(inboundKey, 'desc').limit(limit).execute();
  return rows.map((row) => ({ entry: inboundEntry(row, describeInbound(row.payload, row.text_body)), key: row.key }));
}

function inboundEntry(row: { wamid: string; type: string; sent_at: Date }, content: InboundContent): ConversationEntry {
  return {
    id: row.wamid,
    direction: 'inbound',
    at: row.sent_at.toISOString(),
    type: row.type,
    text: content.text,
    media:
      content.media === null
        ? null
        : {
            kind: content.media.kind,
            mime_type: content.media.mimeType,
            filename: content.media.filename,
            caption: content.media.caption,
          },
    wamid: row.wamid,
    message: null,
  };
}

async function outboundEntries(
  db: Kysely<Schema>,
  deploymentId: string,
  phone: string,
  before: TimelineCursor | undefined,
  limit: number,
): Promise<KeyedEntry[]> {
  let query = db
    .selectFrom('messages')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('recipient_phone', '=', phone);
  if (before !== undefined) {
    query = query.where(sql<boolean>`(created_at, ${outboundKey}) < (${new Date(before.at)}, ${before.key} collate "C")`);
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy(outboundKey, 'desc').limit(limit).execute();
  const statuses = await statusesOf(
    db,
    deploymentId,
    rows.map((row) => row.wamid),
  );
  const charges = await chargesOf(
    db,
    rows.map((row) => row.id),
  );
  const rendered = await renderedTemplateTexts(
    db,
    deploymentId,
    rows.map((row) => ({
      id: row.id,
      templateName: row.template_name,
      templateLanguage: row.template_language,
      content: row.content,
    })),
  );
  return rows.map((row) => {
    const message = presentMessage(row, statuses, charges.get(row.id));
    const entry: ConversationEntry = {
      id: message.id,
      direction: 'outbound',
      at: message.created_at,
      type: message.kind === 'media' ? (message.media?.kind ?? 'media') : message.kind,
      text:
        message.text ??
        message.media?.caption ??
        (message.template === null ? null : (rendered.get(message.id) ?? `[Template] ${message.template.name}`)),
      media:
        message.media === null
          ? null
          : {
              kind: message.media.kind,
              mime_type: message.media.mime_type,
              filename: message.media.filename,
              caption: message.media.caption,
            },
      wamid: message.wamid,
      message,
    };
    return { entry, key: `o:${row.id}` };
  });
}

export interface ConversationPage {
  contact: { phone: string; name: string | null };
  /** Oldest first within the page. */
  data: ConversationEntry[];
  /** Reads the next, older page; null when this page reaches the start of the conversation. */
  next_cursor: string | null;
}

/**
 * One page of the conversation with `phone` on a deployment, going back in time from `cursor`: both directions read
 * newest first with the same keyset, merged, cut at `limit`, shown oldest first.
 */
export async function readConversation(
  db: Kysely<Schema>,
  deploymentId: string,
  phone: string,
  page: { limit: number; cursor: string | undefined },
): Promise<ConversationPage> {
  const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const contact = await findContactByPhone(db, deploymentId, phone);
  const inbound = contact === undefined ? [] : await inboundEntries(db, contact.id, before, page.limit + 1);
  const outbound = await outboundEntries(db, deploymentId, phone, before, page.limit + 1);
  const merged = [...inbound, ...outbound].sort(newerFirst);
  const shown = merged.slice(0, page.limit);
  const oldest = shown.at(-1);
  return {
    contact: { phone, name: contact?.profile_name ?? null },
    data: shown.reverse().map((keyed) => keyed.entry),
    next_cursor:
      merged.length > page.limit && oldest !== undefined ? encodeCursor({ at: oldest.entry.at, key: oldest.key }) : null,
  };
}

/** A message of a conversation as a helpdesk feed hands it on: a customer's, or one the business sent. */
export interface FeedMessage {
  direction: 'inbound' | 'outbound';
  /** The external id the helpdesk deduplicates by: the wamid of a customer's message, our message id (msg_…) of ours. */
  externalId: string;
  wamid: string;
  type: string;
  sentAt: Date;
  content: InboundContent;
  /** The customer: the author of an inbound message, the recipient of an outbound one. */
  customer: { waId: string | null; userId: string | null; profileName: string | null };
  /** The feed position just after this message. */
  position: FeedPosition;
}

/** Where a helpdesk's pull stands: after the message recorded by `xid` with `wamid` (both compared in that order). */
export interface FeedPosition {
  xid: string;
  wamid: string;
}

/**
 * The feed's upper bound, as a value: no transaction of this database below it can still commit (see
 * `readInboundFeed`), so the queries that follow may all read up to it.
 */
async function feedBound(db: Kysely<Schema>): Promise<string> {
  const bound = committedXidBound(await runningTransactions(db));
  const result = await sql<{ bound: string }>`select ${bound}::text as bound`.execute(db);
  return result.rows[0]!.bound;
}

/** Wamids compared byte by byte, in SQL as in `byFeedOrder`, so both directions merge in one order. */
const feedKey = (column: string) => sql<string>`${sql.ref(column)} collate "C"`;

function inboundFeedQuery(db: Kysely<Schema>, deploymentId: string) {
  return db
    .selectFrom('inbound_messages')
    .innerJoin('contacts', 'contacts.id', 'inbound_messages.contact_id')
    .select([
      'inbound_messages.wamid',
      'inbound_messages.type',
      'inbound_messages.sent_at',
      'inbound_messages.text_body',
      'inbound_messages.payload',
      sql<string>`inbound_messages.recorded_xid::text`.as('xid'),
      'contacts.wa_id',
      'contacts.user_id',
      'contacts.profile_name',
    ])
    .where('inbound_messages.deployment_id', '=', deploymentId);
}

type InboundFeedRow = Awaited<ReturnType<ReturnType<typeof inboundFeedQuery>['executeTakeFirstOrThrow']>>;

function inboundFeedMessage(row: InboundFeedRow): FeedMessage {
  return {
    direction: 'inbound',
    externalId: row.wamid,
    wamid: row.wamid,
    type: row.type,
    sentAt: row.sent_at,
    content: describeInbound(row.payload, row.text_body),
    customer: { waId: row.wa_id, userId: row.user_id, profileName: row.profile_name },
    position: { xid: row.xid, wamid: row.wamid },
  };
}

async function inboundFeed(
  db: Kysely<Schema>,
  deploymentId: string,
  after: FeedPosition,
  limit: number,
  bound: string,
): Promise<FeedMessage[]> {
  const rows = await inboundFeedQuery(db, deploymentId)
    .where(
      sql<boolean>`(inbound_messages.recorded_xid, ${feedKey('inbound_messages.wamid')}) > (${after.xid}::xid8, ${after.wamid} collate "C")`,
    )
    .where(sql<boolean>`inbound_messages.recorded_xid < ${bound}::xid8`)
    .orderBy('inbound_messages.recorded_xid')
    .orderBy(feedKey('inbound_messages.wamid'))
    .limit(limit)
    .execute();
  return rows.map(inboundFeedMessage);
}

/** What the business sent, in words a ticket shows (a file's label and caption; the file itself comes by its URL). */
function outboundText(row: Pick<MessageRow, 'content' | 'template_name'>): string {
  const content = row.content as {
    text?: { body?: string };
    media?: { kind?: string; filename?: string | null; caption?: string | null };
  };
  if (content.text?.body !== undefined) return content.text.body;
  if (row.template_name !== null) return `[Template] ${row.template_name}`;
  const media = content.media;
  if (media === undefined) return '[Message]';
  const label = `${(media.kind ?? 'file').replace(/^./, (first) => first.toUpperCase())}${media.filename ? `: ${media.filename}` : ''}`;
  return media.caption ? `${media.caption}\n[${label}]` : `[${label}]`;
}

function outboundFeedQuery(db: Kysely<Schema>, deploymentId: string) {
  return db
    .selectFrom('messages')
    .leftJoin('contacts', (join) =>
      join
        .onRef('contacts.deployment_id', '=', 'messages.deployment_id')
        .on(sql<boolean>`contacts.wa_id = substr(messages.recipient_phone, 2)`),
    )
    .leftJoin('media_uploads', 'media_uploads.id', 'messages.media_upload_id')
    .select([
      'media_uploads.meta_media_id',
      'media_uploads.kind as media_kind',
      'media_uploads.mime_type as media_mime_type',
      'media_uploads.filename as media_filename',
      'messages.id',
      'messages.wamid',
      'messages.kind',
      'messages.content',
      'messages.template_name',
      'messages.recipient_phone',
      'messages.created_at',
      sql<string>`messages.accepted_xid::text`.as('xid'),
      'contacts.profile_name',
    ])
    .where('messages.deployment_id', '=', deploymentId)
    .where('messages.accepted_xid', 'is not', null)
    .where('messages.channel_reply', 'is', null);
}

type OutboundFeedRow = Awaited<ReturnType<ReturnType<typeof outboundFeedQuery>['executeTakeFirstOrThrow']>>;

/** A file the business sent stays at Meta (the upload's media id): the helpdesk gets the file, not just its label. */
function outboundMedia(row: OutboundFeedRow): InboundMedia | null {
  if (row.meta_media_id === null || row.media_kind === null) return null;
  return {
    kind: row.media_kind,
    metaMediaId: row.meta_media_id,
    mimeType: row.media_mime_type,
    filename: row.media_filename,
    caption: null,
    voice: false,
  };
}

function outboundFeedMessage(row: OutboundFeedRow): FeedMessage {
  return {
    direction: 'outbound',
    externalId: row.id,
    wamid: row.wamid!,
    type: row.kind,
    sentAt: row.created_at,
    content: { text: outboundText(row), media: outboundMedia(row) },
    customer: { waId: row.recipient_phone.slice(1), userId: null, profileName: row.profile_name ?? null },
    position: { xid: row.xid, wamid: row.wamid! },
  };
}

/**
 * The business's messages in the feed: accepted by Meta (messages.accepted_xid), sent from the sidebar, the API or an
 * automation. Replies written in a helpdesk's own composer (channel_reply) are on their ticket already and left out.
 */
async function outboundFeed(
  db: Kysely<Schema>,
  deploymentId: string,
  after: FeedPosition,
  limit: number,
  bound: string,
): Promise<FeedMessage[]> {
  const rows = await outboundFeedQuery(db, deploymentId)
    .where(sql<boolean>`(messages.accepted_xid, ${feedKey('messages.wamid')}) > (${after.xid}::xid8, ${after.wamid} collate "C")`)
    .where(sql<boolean>`messages.accepted_xid < ${bound}::xid8`)
    .orderBy('messages.accepted_xid')
    .orderBy(feedKey('messages.wamid'))
    .limit(limit)
    .execute();
  return rows.map(outboundFeedMessage);
}

/** One message of the feed by its external id (a wamid, or our message id), for a push of that message alone. */
export async function findFeedMessage(
  db: Kysely<Schema>,
  deploymentId: string,
  direction: FeedMessage['direction'],
  externalId: string,
): Promise<FeedMessage | undefined> {
  if (direction === 'inbound') {
    const row = await inboundFeedQuery(db, deploymentId).where('inbound_messages.wamid', '=', externalId).executeTakeFirst();
    return row === undefined ? undefined : inboundFeedMessage(row);
  }
  const row = await outboundFeedQuery(db, deploymentId).where('messages.id', '=', externalId).executeTakeFirst();
  return row === undefined ? undefined : outboundFeedMessage(row);
}

const byFeedOrder = (a: FeedMessage, b: FeedMessage) => {
  const xa = BigInt(a.position.xid);
  const xb = BigInt(b.position.xid);
  return xa < xb ? -1 : xa > xb ? 1 : byteOrder(a.wamid, b.wamid);
};

/**
 * Customers' messages on a deployment recorded after `after`, in recording order, at most `limit`.
 *
 * A reader may move its position past a message only once no transaction below it can still commit, or a message
 * committed late (webhooks are applied by several processors, and retried) would be skipped for ever. The bound is
 * the oldest transaction the query's snapshot sees running that may belong to this database: one that was running
 * here just before (pg_stat_activity, read first) or that got its id since (at or above the id then unassigned);
 * transactions of other databases on the same server are not waited for, so a long transaction elsewhere (a report,
 * a dump) never stalls the feed. Messages of transactions still running come in a later read.
 */
export async function readInboundFeed(
  db: Kysely<Schema>,
  deploymentId: string,
  after: FeedPosition,
  limit: number,
): Promise<FeedMessage[]> {
  return inboundFeed(db, deploymentId, after, limit, await feedBound(db));
}

/**
 * The whole conversation as a helpdesk feed: customers' messages and the business's (once Meta accepted them), merged
 * in the order of the transactions that recorded them, with the same bound as `readInboundFeed`.
 */
export async function readConversationFeed(
  db: Kysely<Schema>,
  deploymentId: string,
  after: FeedPosition,
  limit: number,
): Promise<FeedMessage[]> {
  const bound = await feedBound(db);
  const inbound = await inboundFeed(db, deploymentId, after, limit, bound);
  const outbound = await outboundFeed(db, deploymentId, after, limit, bound);
  return [...inbound, ...outbound].sort(byFeedOrder).slice(0, limit);
}

/** One customer's message on a deployment, with the file it carries (for serving that file). */
export async function findInboundMessage(
  db: Kysely<Schema>,
  deploymentId: string,
  wamid: string,
): Promise<{ wamid: string; content: InboundContent } | undefined> {
  const row = await db
    .selectFrom('inbound_messages')
    .select(['wamid', 'payload', 'text_body'])
    .where('deployment_id', '=', deploymentId)
    .where('wamid', '=', wamid)
    .executeTakeFirst();
  return row === undefined ? undefined : { wamid: row.wamid, content: describeInbound(row.payload, row.text_body) };
}
