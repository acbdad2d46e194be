import { furthestStatus, type Message } from '@wabridge/shared';

/** Meta's timestamps have one-second resolution: statuses of the same second are ordered by how far they go. */
const statusOrder = ['accepted', 'sent', 'delivered', 'read', 'played', 'failed'];
const orderOf = (status: string) => {
  const index = statusOrder.indexOf(status);
  return index === -1 ? statusOrder.length : index;
};

import { type Expression, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { MetaApiError } from '../meta/errors.js';
import type { Schema } from '../storage/schema.js';
import { type ChargeRow, chargesOf } from '../wallet/charges.js';

export type MessageRow = Selectable<Schema['messages']>;
type StatusRow = { wamid: string; status: string; occurred_at: Date };
/** What the API shows of a message's charge. */
type ShownCharge = Pick<
  ChargeRow,
  'points' | 'state' | 'captured_points' | 'free_reason' | 'category' | 'market' | 'meta_category' | 'category_mismatch'
>;

/** What the API shows of a message: its record, and its delivery as the furthest status Meta reported. */
export function presentMessage(row: MessageRow, statuses: StatusRow[], charge?: ShownCharge): Message {
  const timeline = statuses
    .filter((status) => status.wamid === row.wamid)
    .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || orderOf(a.status) - orderOf(b.status))
    .map((status) => ({ status: status.status, at: status.occurred_at.toISOString() }));
  const furthest = furthestStatus(timeline.map((entry) => entry.status));
  const status = row.state === 'failed' ? 'failed' : (furthest ?? (row.state === 'accepted' ? 'accepted' : null));
  const content = row.content as { text?: { body?: string }; media?: Message['media'] };
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    to: row.recipient_phone,
    kind: row.kind,
    state: row.state,
    status,
    wamid: row.wamid,
    template:
      row.template_name === null
        ? null
        : { name: row.template_name, language: row.template_language ?? '', category: row.template_category },
    text: content.text?.body ?? null,
    media: mediaOf(content.media),
    ticket: row.ticket_helpdesk === null || row.ticket_id === null ? null : { helpdesk: row.ticket_helpdesk, id: row.ticket_id },
    source: row.source,
    automation: row.automation,
    error:
      row.error_reason === null
        ? null
        : {
            code: row.error_code,
            title: row.error_title ?? row.error_reason,
            details: row.error_details,
            reason: row.error_reason,
          },
    charge: charge === undefined ? null : presentCharge(charge),
    timeline,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A message's points: as held at the send, and as settled on Meta's pricing. */
function presentCharge(charge: ShownCharge): NonNullable<Message['charge']> {
  return {
    points: Number(charge.points),
    state: charge.state,
    captured_points: charge.captured_points === null ? null : Number(charge.captured_points),
    free_reason: charge.free_reason,
    category: charge.category,
    market: charge.market,
    meta_category: charge.meta_category,
    category_mismatch: charge.category_mismatch,
  };
}

/** The media a message recorded, as the API shows it (the recorded object may carry more, like its source). */
function mediaOf(media: Message['media'] | undefined): Message['media'] {
  if (media === undefined || media === null) return null;
  const { kind, upload_id, mime_type, size_bytes, filename, caption } = media;
  return { kind, upload_id, mime_type, size_bytes, filename, caption };
}

export async function statusesOf(db: Kysely<Schema>, deploymentId: string, wamids: (string | null)[]): Promise<StatusRow[]> {
  const known = wamids.filter((wamid): wamid is string => wamid !== null);
  if (known.length === 0) return [];
  return db
    .selectFrom('message_statuses')
    .select(['wamid', 'status', 'occurred_at'])
    .where('deployment_id', '=', deploymentId)
    .where('wamid', 'in', known)
    .execute();
}

/**
 * A message's statuses and charge as two JSON columns of the statement that reads (or accepts) the message: one round
 * trip instead of three (issue 16, sends per second). `alias` names the message's row in that statement.
 */
function deliveryColumns(alias: 'messages' | 'accepted') {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  return [
    sql<{ wamid: string; status: string; occurred_at: string }[]>`coalesce((
      select json_agg(json_build_object('wamid', s.wamid, 'status', s.status, 'occurred_at', s.occurred_at))
      from message_statuses as s where s.deployment_id = ${column('deployment_id')} and s.wamid = ${column('wamid')}
    ), '[]')`.as('statuses'),
    sql<ShownCharge | null>`(
      select json_build_object('points', c.points, 'state', c.state, 'captured_points', c.captured_points,
        'free_reason', c.free_reason, 'category', c.category, 'market', c.market, 'meta_category', c.meta_category,
        'category_mismatch', c.category_mismatch)
      from message_charges as c where c.message_id = ${column('id')}
    )`.as('charge'),
  ];
}

/** A row read with deliveryColumns, as the API shows it. */
function presentRead(
  read: MessageRow & { statuses: { wamid: string; status: string; occurred_at: string }[]; charge: ShownCharge | null },
) {
  const { statuses, charge, ...row } = read;
  return presentMessage(
    row,
    statuses.map((status) => ({ ...status, occurred_at: new Date(status.occurred_at) })),
    charge ?? undefined,
  );
}

export async function findMessage(db: Kysely<Schema>, deploymentId: string, id: string): Promise<Message | undefined> {
  const read = await db
    .selectFrom('messages')
    .selectAll('messages')
    .select(deliveryColumns('messages'))
    .where('id', '=', id)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
  return read === undefined ? undefined : presentRead(read);
}

/**
 * Meta accepted the send (its answer gave the wamid): the message is accepted, unless a status webhook failed it first,
 * and answered as the API shows it, with whether it was a helpdesk's own reply and whether `find` found anything, in
 * one statement. Undefined when no such message exists.
 */
export async function acceptMessage(
  transaction: Transaction<Schema>,
  id: string,
  wamid: string,
  /** Rows whose existence the answer reports as `found` (whether there is anything to deliver it to), or none. */
  find: Expression<unknown>,
): Promise<{ message: Message; channelReply: MessageRow['channel_reply']; found: boolean } | undefined> {
  const read = await transaction
    .with('accepted', (db) =>
      db
        .updateTable('messages')
        .set({
          wamid,
          state: sql`case when state = 'failed' then state else 'accepted' end`,
          accepted_xid: sql`coalesce(accepted_xid, pg_current_xact_id())`,
          updated_at: sql<Date>`now()`,
        })
        // By its primary key alone: the id was made for this deployment's send, and a second condition lets a plan made
        // while the table was small pick the (deployment, recipient) index and filter a deployment's every message.
        .where('id', '=', id)
        .returningAll(),
    )
    .selectFrom('accepted')
    .selectAll('accepted')
    .select(deliveryColumns('accepted'))
    .select((eb) => eb.exists(find).as('found'))
    .executeTakeFirst();
  // Anything but a plain false errs on the side of looking (the delivery reads what there is).
  return read === undefined
    ? undefined
    : { message: presentRead(read), channelReply: read.channel_reply, found: read.found !== false };
}

export async function listTicketMessages(
  db: Kysely<Schema>,
  deploymentId: string,
  ticket: { helpdesk: 'zendesk' | 'zoho'; id: string },
): Promise<Message[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('ticket_helpdesk', '=', ticket.helpdesk)
    .where('ticket_id', '=', ticket.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const statuses = await statusesOf(
    db,
    deploymentId,
    rows.map((row) => row.wamid),
  );
  const charges = await chargesOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => presentMessage(row, statuses, charges.get(row.id)));
}

export function errorColumns(error: MetaApiError) {
  return { error_code: error.code, error_title: error.title, error_details: error.details ?? null, error_reason: error.reason };
}

/**
 * A status webhook carrying our message id (biz_opaque_callback_data) tells us the wamid of a send whose
 * answer we never saw: the message was accepted after all. Applied in the webhook's transaction. Answers the id of a
 * message accepted now, to be fed to the helpdesks (unless it was a helpdesk's own reply).
 */
export async function reconcileFromStatus(
  transaction: Transaction<Schema>,
  deploymentId: string,
  status: { wamid: string; bizOpaqueCallbackData: string | null; failure: MetaApiError | undefined },
): Promise<string | undefined> {
  let acceptedNow: string | undefined;
  if (status.bizOpaqueCallbackData?.startsWith('msg_')) {
    const accepted = await transaction
      .updateTable('messages')
      .set({
        wamid: status.wamid,
        state: sql`case when state in ('sending', 'outcome_unknown') then 'accepted' else state end`,
        accepted_xid: sql`pg_current_xact_id()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', status.bizOpaqueCallbackData)
      .where('deployment_id', '=', deploymentId)
      .where('wamid', 'is', null)
      .returning(['id', 'channel_reply'])
      .executeTakeFirst();
    if (accepted !== undefined && accepted.channel_reply === null) acceptedNow = accepted.id;
  }
  if (status.failure !== undefined) {
    await transaction
      .updateTable('messages')
      .set({ state: 'failed', ...errorColumns(status.failure), updated_at: sql<Date>`now()` })
      .where('deployment_id', '=', deploymentId)
      .where('wamid', '=', status.wamid)
      .execute();
  }
  return acceptedNow;
}

/** Our message a status is about: by the id we passed as biz_opaque_callback_data, else by its wamid. */
export async function messageIdOfStatus(
  transaction: Transaction<Schema>,
  deploymentId: string,
  status: { wamid: string; bizOpaqueCallbackData: string | null },
): Promise<string | undefined> {
  const query = transaction.selectFrom('messages').select('id').where('deployment_id', '=', deploymentId);
  const byCallback = status.bizOpaqueCallbackData?.startsWith('msg_')
    ? await query.where('id', '=', status.bizOpaqueCallbackData).executeTakeFirst()
    : undefined;
  return (byCallback ?? (await query.where('wamid', '=', status.wamid).executeTakeFirst()))?.id;
}
