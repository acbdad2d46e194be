import { foldBusinessReply, foldInbound, type WhatsAppContact, type WhatsAppUserIdentity } from '@wabridge/shared';
import { sql, type Transaction } from 'kysely';
import { activityOf, type ContactRow } from '../contacts/store.js';
import type { Schema } from '../storage/schema.js';

type Identity = { waId: string | null; userId: string | null };

/** A contact as the batch holds it: its state now, what the database holds, and from which event on it exists. */
interface HeldContact {
  row: ContactRow;
  /** The row as read or inserted: a difference at the end is written in one UPDATE. */
  stored: ContactRow | undefined;
  /** Index (in the batch's events) of the message that created it; -1 when it existed before the batch. */
  existsFrom: number;
}

const keysOf = (deploymentId: string, identity: Identity) => [
  ...(identity.waId === null ? [] : [`${deploymentId}\u0000w\u0000${identity.waId}`]),
  ...(identity.userId === null ? [] : [`${deploymentId}\u0000u\u0000${identity.userId}`]),
];

/** A unique insert raced with another worker: the processor runs the transaction again (a transient collision). */
function collision(message: string): Error {
  return Object.assign(new Error(message), { code: '23505' });
}

/**
 * The contacts of these deployments with any of these identities, in one statement (the unique wa_id and user_id
 * indexes, a BitmapOr); a superset when several deployments are named, which callers match by `keysOf`.
 */
function contactsNamed(transaction: Transaction<Schema>, named: { deploymentId: string; identity: Identity }[]) {
  const deploymentIds = [...new Set(named.map(({ deploymentId }) => deploymentId))];
  const waIds = [...new Set(named.flatMap(({ identity }) => identity.waId ?? []))];
  const userIds = [...new Set(named.flatMap(({ identity }) => identity.userId ?? []))];
  return transaction
    .selectFrom('contacts')
    .selectAll()
    .where('deployment_id', 'in', deploymentIds)
    .where((eb) =>
      eb.or([
        ...(waIds.length === 0 ? [] : [eb('wa_id', 'in', waIds)]),
        ...(userIds.length === 0 ? [] : [eb('user_id', 'in', userIds)]),
      ]),
    );
}

/** Rows per statement: 4 parameters a row, far below PostgreSQL's 65,535. */
const rowsPerStatementMax = 1000;

/**
 * The contacts a batch's inbound messages write, set-based (issue 16): one SELECT … FOR UPDATE of those that exist
 * (in id order, so two workers lock them in the same order), one INSERT of those that do not, the identity links and
 * profile names the messages bring resolved in memory in the messages' order, the windows folded in memory, and one
 * UPDATE at the end for the rows that changed. Per message, contacts/store.ts `lockContact` does the same in 2–4
 * statements.
 *
 * `hold` answers undefined when the batch needs the per-message path: two existing contacts that one message shows
 * are one person (contacts/store.ts merges them).
 */
export class BatchContacts {
  readonly #byKey = new Map<string, HeldContact>();
  readonly #held: HeldContact[] = [];
  /** `sent` statuses to contacts the batch does not hold, folded at `flush`. */
  readonly #replies: { deploymentId: string; recipient: WhatsAppUserIdentity; sentAt: Date }[] = [];

  private constructor(private readonly transaction: Transaction<Schema>) {}

  static async hold(
    transaction: Transaction<Schema>,
    messages: { index: number; deploymentId: string; contact: WhatsAppContact }[],
  ): Promise<BatchContacts | undefined> {
    const contacts = new BatchContacts(transaction);
    if (messages.length === 0) return contacts;
    const existing = await contactsNamed(
      transaction,
      messages.map(({ deploymentId, contact }) => ({ deploymentId, identity: contact })),
    )
      .orderBy('id')
      .forUpdate()
      .execute();
    for (const row of existing) contacts.#add({ row: { ...row }, stored: row, existsFrom: -1 });
    const created: HeldContact[] = [];
    for (const { index, deploymentId, contact } of messages) {
      const matches = [...new Set(keysOf(deploymentId, contact).flatMap((key) => contacts.#byKey.get(key) ?? []))];
      if (matches.length > 1) return undefined;
      let held = matches[0];
      if (held === undefined) {
        held = {
          row: {
            id: 0,
            deployment_id: deploymentId,
            wa_id: contact.waId,
            user_id: contact.userId,
            profile_name: contact.profileName,
            last_inbound_at: null,
            last_referral_inbound_at: null,
            first_reply_after_referral_at: null,
            marketing_preference: null,
            marketing_preference_at: null,
            created_at: new Date(0),
            updated_at: new Date(0),
          },
          stored: undefined,
          existsFrom: index,
        };
        created.push(held);
      } else {
        held.row.wa_id ??= contact.waId;
        held.row.user_id ??= contact.userId;
        held.row.profile_name = contact.profileName ?? held.row.profile_name;
      }
      contacts.#add(held);
    }
    for (let start = 0; start < created.length; start += rowsPerStatementMax) {
      const chunk = created.slice(start, start + rowsPerStatementMax);
      const inserted = await transaction
        .insertInto('contacts')
        .values(
          chunk.map(({ row }) => ({
            deployment_id: row.deployment_id,
            wa_id: row.wa_id,
            user_id: row.user_id,
            profile_name: row.profile_name,
          })),
        )
        .onConflict((conflict) => conflict.doNothing())
        .returningAll()
        .execute();
      // Another worker created one of them since the SELECT: run the batch again, it will read it.
      if (inserted.length !== chunk.length) throw collision('a contact of the batch was created by another worker meanwhile');
      const byIdentity = new Map(
        inserted.map((row) => [keysOf(row.deployment_id, { waId: row.wa_id, userId: row.user_id }).join('\u0001'), row]),
      );
      for (const held of chunk) {
        const row = byIdentity.get(
          keysOf(held.row.deployment_id, { waId: held.row.wa_id, userId: held.row.user_id }).join('\u0001'),
        );
        if (row === undefined) throw collision('a contact of the batch was not inserted');
        held.row = { ...row };
        held.stored = row;
      }
    }
    return contacts;
  }

  #add(held: HeldContact): void {
    if (!this.#held.includes(held)) this.#held.push(held);
    for (const key of keysOf(held.row.deployment_id, { waId: held.row.wa_id, userId: held.row.user_id }))
      this.#byKey.set(key, held);
  }

  /** The contact of an inbound message (held: `hold` saw every message of the batch). */
  of(deploymentId: string, identity: WhatsAppContact): ContactRow {
    const held = keysOf(deploymentId, identity)
      .map((key) => this.#byKey.get(key))
      .find((entry) => entry !== undefined);
    if (held === undefined) throw new Error('inbound message without a held contact');
    return held.row;
  }

  /** A new inbound message moves its contact's windows (written at `flush`). */
  recordInbound(contact: ContactRow, inbound: { timestamp: Date; hasReferral: boolean }): void {
    const activity = foldInbound(activityOf(contact), inbound);
    contact.last_inbound_at = activity.lastInboundAt;
    contact.last_referral_inbound_at = activity.lastReferralInboundAt;
    contact.first_reply_after_referral_at = activity.firstReplyAfterReferralAt;
  }

  /**
   * A `sent` status at event `index`: when its recipient is a contact this batch holds, the reply is folded in memory
   * if that contact exists at this point of the batch; otherwise it is kept for `flush`, which reads (and locks) only
   * the recipients whose reply can change something, all in one statement.
   * The contact is found by its identity at the end of the batch: a status that precedes, in the same batch, the
   * message linking its recipient's user id to an existing contact folds onto that contact, where the per-message path
   * (reading the database at that point) found none. It moves only the free entry point's first reply, and only then.
   */
  recordBusinessReply(index: number, deploymentId: string, recipient: WhatsAppUserIdentity, sentAt: Date): void {
    const held = keysOf(deploymentId, recipient)
      .map((key) => this.#byKey.get(key))
      .find((entry) => entry !== undefined);
    if (held === undefined) {
      if (recipient.waId !== null || recipient.userId !== null) this.#replies.push({ deploymentId, recipient, sentAt });
      return;
    }
    if (held.existsFrom < index) this.#foldReply(held.row, sentAt);
  }

  #foldReply(row: ContactRow, sentAt: Date): void {
    row.first_reply_after_referral_at = foldBusinessReply(activityOf(row), { sentAt }).firstReplyAfterReferralAt;
  }

  /**
   * The replies to contacts the batch does not hold (most `sent` statuses) move a contact only while it waits for the
   * first answer to a click-to-WhatsApp message, which few contacts do: one SELECT … FOR UPDATE reads and locks only
   * the recipients with such a message (`last_referral_inbound_at`), in id order, and the replies fold onto them in
   * memory. A status per statement locked every recipient instead and, under load, waited for the other batch in
   * flight that held the same customers (issue 16: 5,200 such statements took 12 of 40 seconds of a run). Folding is
   * order-independent here (the earliest eligible answer wins, and no reply moves a referral), so reading them at the
   * end of the batch changes nothing; a referral another worker commits meanwhile is as if that batch came after.
   */
  async #holdRepliedContacts(): Promise<void> {
    if (this.#replies.length === 0) return;
    const heldIds = this.#held.flatMap(({ row }) => (row.id === 0 ? [] : [row.id]));
    const rows = await contactsNamed(
      this.transaction,
      this.#replies.map(({ deploymentId, recipient }) => ({ deploymentId, identity: recipient })),
    )
      .where('last_referral_inbound_at', 'is not', null)
      .$if(heldIds.length > 0, (query) => query.where('id', 'not in', heldIds))
      .orderBy('id')
      .forUpdate()
      .execute();
    const byKey = new Map<string, HeldContact>();
    for (const row of rows) {
      const held: HeldContact = { row: { ...row }, stored: row, existsFrom: -1 };
      this.#held.push(held);
      for (const key of keysOf(row.deployment_id, { waId: row.wa_id, userId: row.user_id })) byKey.set(key, held);
    }
    for (const { deploymentId, recipient, sentAt } of this.#replies) {
      const matches = new Set(keysOf(deploymentId, recipient).flatMap((key) => byKey.get(key) ?? []));
      for (const held of matches) this.#foldReply(held.row, sentAt);
    }
    this.#replies.length = 0;
  }

  /** Folds the replies to contacts the batch does not hold, then writes every contact that changed, in one UPDATE. */
  async flush(): Promise<void> {
    await this.#holdRepliedContacts();
    const same = (a: Date | string | null, b: Date | string | null) =>
      (a instanceof Date ? a.getTime() : a) === (b instanceof Date ? b.getTime() : b);
    const changed = this.#held.filter(
      ({ row, stored }) =>
        stored !== undefined &&
        (!same(row.wa_id, stored.wa_id) ||
          !same(row.user_id, stored.user_id) ||
          !same(row.profile_name, stored.profile_name) ||
          !same(row.last_inbound_at, stored.last_inbound_at) ||
          !same(row.last_referral_inbound_at, stored.last_referral_inbound_at) ||
          !same(row.first_reply_after_referral_at, stored.first_reply_after_referral_at)),
    );
    if (changed.length === 0) return;
    const column = <T>(pick: (row: ContactRow) => T) => changed.map(({ row }) => pick(row));
    const iso = (date: Date | null) => (date === null ? null : date.toISOString());
    await sql`
      UPDATE contacts SET
        wa_id = v.wa_id, user_id = v.user_id, profile_name = v.profile_name,
        last_inbound_at = v.last_inbound_at, last_referral_inbound_at = v.last_referral_inbound_at,
        first_reply_after_referral_at = v.first_reply_after_referral_at, updated_at = now()
      FROM unnest(
        ${column((row) => row.id)}::bigint[], ${column((row) => row.wa_id)}::text[], ${column((row) => row.user_id)}::text[],
        ${column((row) => row.profile_name)}::text[], ${column((row) => iso(row.last_inbound_at))}::timestamptz[],
        ${column((row) => iso(row.last_referral_inbound_at))}::timestamptz[],
        ${column((row) => iso(row.first_reply_after_referral_at))}::timestamptz[]
      ) AS v(id, wa_id, user_id, profile_name, last_inbound_at, last_referral_inbound_at, first_reply_after_referral_at)
      WHERE contacts.id = v.id`.execute(this.transaction);
    for (const held of changed) held.stored = { ...held.row };
  }
}
