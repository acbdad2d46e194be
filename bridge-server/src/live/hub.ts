import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Schema } from '../storage/schema.js';
import { committedXidBound, runningTransactions } from '../storage/xid-bound.js';
import type { StreamScope } from './token.js';

/*
 * The live stream's fan-out, one per bridge process. Changes are rows of `live_events` (migration 0023: written by
 * triggers in the transaction that made the change, on whichever replica), so every replica sees every change by
 * reading that table. Each process polls it ONCE per interval for all its open streams (not once per stream) and
 * hands each event to the streams it concerns; it polls only while at least one stream is open.
 *
 * Why polling and not LISTEN/NOTIFY: the stream must resume after a reconnection (Last-Event-ID), so the events must
 * be kept in a table anyway, and a table read by position is all a reader needs. NOTIFY would only shorten the wait
 * (≤ one interval, 250 ms by default, well inside the panel's "about a second") at the price of a dedicated
 * connection per replica outside the pool (not possible behind a transaction-mode pooler), re-LISTEN after every
 * connection loss, and a second code path for PGlite. The measured cost of the poll is in test/BENCHMARKS.md.
 *
 * Positions are (recorded_xid, id): a transaction's id orders it by start, not commit, so the reader stops below the
 * oldest transaction still running (storage/xid-bound.ts) and an event committed late is never passed over.
 */

/** `<xid>.<id>`: everything at or before it has been seen. */
export type Position = { xid: bigint; id: bigint };

/** An id above any identity value: "every event of this transaction". */
const allOfTransaction = 9223372036854775807n;

export function formatPosition(position: Position): string {
  return `${position.xid}.${position.id}`;
}

export function parsePosition(text: string): Position | undefined {
  const match = /^(\d{1,20})\.(\d{1,20})$/.exec(text);
  return match === null ? undefined : { xid: BigInt(match[1] as string), id: BigInt(match[2] as string) };
}

function compare(a: Position, b: Position): number {
  return a.xid < b.xid ? -1 : a.xid > b.xid ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export type LiveKind = 'conversation' | 'contact' | 'wallet';

export interface LiveEvent {
  position: string;
  kind: LiveKind;
}

interface Row {
  xid: string;
  id: string;
  account_id: string;
  deployment_id: string | null;
  phone: string | null;
  kind: LiveKind;
}

/** A stream's callbacks. */
export interface LiveListener {
  /** Events for this stream, in order; the first call may carry the catch-up of a resumed stream. */
  events(events: LiveEvent[]): void;
  /** The hub stops (shutdown): the stream should end. */
  close(): void;
}

interface Subscriber {
  scope: StreamScope;
  listener: LiveListener;
  /** Events at or before this were delivered (or came before the stream). */
  delivered: Position;
  /** Set until the subscriber's catch-up ran (in the next tick). */
  catchUpFrom: Position | undefined;
}

export interface LiveHubOptions {
  /** How often open streams' changes are read; 250 ms keeps the panel well within about a second. */
  intervalMs?: number;
  /** How long events are kept for resuming streams. */
  retentionMs?: number;
  /** Events read per poll at most (more wait for the next poll, which comes at once). */
  batchMax?: number;
}

/** Whether `row` concerns the stream of `scope`: its customer's conversation or contact, or its account's wallet. */
function concerns(scope: StreamScope, row: Pick<Row, 'account_id' | 'deployment_id' | 'phone' | 'kind'>): boolean {
  if (row.account_id !== scope.accountId) return false;
  if (row.kind === 'wallet') return true;
  return row.phone === scope.phone && (row.deployment_id === null || row.deployment_id === scope.deploymentId);
}

export class LiveHub {
  readonly #db: Kysely<Schema>;
  readonly #logger: Logger | undefined;
  readonly #intervalMs: number;
  readonly #retentionMs: number;
  readonly #batchMax: number;
  readonly #subscribers = new Set<Subscriber>();
  #cursor: Position | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #lastPrune = 0;
  #stopped = false;

  constructor(db: Kysely<Schema>, logger?: Logger, options: LiveHubOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#retentionMs = options.retentionMs ?? 60 * 60 * 1000;
    this.#batchMax = options.batchMax ?? 500;
  }

  /** Streams open in this process. */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * The position now: every change committed before it is at or before it, every later one after it. What a stream
   * token carries, so that a stream opened with it misses nothing that happened after the panel asked.
   */
  async head(): Promise<string> {
    const bound = committedXidBound(await runningTransactions(this.#db));
    const { rows } = await sql<{ bound: string }>`select ${bound}::text as bound`.execute(this.#db);
    return formatPosition({ xid: BigInt(rows[0]!.bound) - 1n, id: allOfTransaction });
  }

  /**
   * Opens a stream for `scope`, after `after` (a position the client saw: its missed events come first) or from now.
   * Events are kept `retentionMs`: a client away longer reads everything again (the panel does, after a long gap).
   */
  async subscribe(scope: StreamScope, listener: LiveListener, after: Position | undefined): Promise<() => void> {
    if (this.#stopped) throw new Error('The live hub is stopped.');
    const start = after ?? (parsePosition(await this.head()) as Position);
    const subscriber: Subscriber = { scope, listener, delivered: start, catchUpFrom: after };
    this.#subscribers.add(subscriber);
    this.#ensureRunning();
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  /** Ends every stream and stops polling (shutdown). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const subscriber of this.#subscribers) subscriber.listener.close();
    this.#subscribers.clear();
    await this.#running;
  }

  #ensureRunning(): void {
    if (this.#timer !== undefined || this.#running !== undefined || this.#stopped) return;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#tick()
        .catch((error: unknown) => this.#logger?.warn({ err: error }, 'reading live events failed; retrying'))
        .then((more) => {
          this.#running = undefined;
          if (this.#stopped) return;
          if (this.#subscribers.size === 0) {
            // Nobody listens: stop polling; the next stream starts again from its own position.
            this.#cursor = undefined;
            return;
          }
          this.#schedule(more === true ? 0 : this.#intervalMs);
        });
    }, delayMs);
  }

  /** One poll: catch-ups of new resumed streams, then the new events for all. Resolves true when more are waiting. */
  async #tick(): Promise<boolean> {
    this.#cursor ??= parsePosition(await this.head()) as Position;
    const cursor = this.#cursor;
    for (const subscriber of this.#subscribers) {
      if (subscriber.catchUpFrom === undefined) continue;
      await this.#catchUp(subscriber, subscriber.catchUpFrom, cursor);
      subscriber.catchUpFrom = undefined;
    }
    const rows = await this.#db
      .selectFrom('live_events')
      .select([
        sql<string>`recorded_xid::text`.as('xid'),
        sql<string>`id::text`.as('id'),
        'account_id',
        'deployment_id',
        'phone',
        'kind',
      ])
      .where(sql<boolean>`(recorded_xid, id) > (${cursor.xid.toString()}::xid8, ${cursor.id.toString()}::bigint)`)
      .where(sql<boolean>`recorded_xid < ${committedXidBound(await runningTransactions(this.#db))}`)
      .orderBy('recorded_xid')
      .orderBy('id')
      .limit(this.#batchMax)
      .execute();
    this.#deliver(rows);
    // Only past what was read: the bound of a later statement may be above events this read could not yet see.
    const last = rows.at(-1);
    if (last !== undefined) this.#cursor = { xid: BigInt(last.xid), id: BigInt(last.id) };
    await this.#prune();
    return rows.length === this.#batchMax;
  }

  /** A resumed stream's missed events, between its position and the hub's: one per kind (the latest), in order. */
  async #catchUp(subscriber: Subscriber, from: Position, to: Position): Promise<void> {
    if (compare(from, to) >= 0) return;
    const { scope } = subscriber;
    const rows = await this.#db
      .selectFrom('live_events')
      .select(['kind', sql<string>`max(recorded_xid)::text`.as('xid'), sql<string>`max(id)::text`.as('id')])
      .where(sql<boolean>`(recorded_xid, id) > (${from.xid.toString()}::xid8, ${from.id.toString()}::bigint)`)
      .where(sql<boolean>`(recorded_xid, id) <= (${to.xid.toString()}::xid8, ${to.id.toString()}::bigint)`)
      .where('account_id', '=', scope.accountId)
      .where((eb) =>
        eb.or([
          eb('kind', '=', 'wallet'),
          eb.and([
            eb('phone', '=', scope.phone),
            eb.or([eb('deployment_id', 'is', null), eb('deployment_id', '=', scope.deploymentId)]),
          ]),
        ]),
      )
      .groupBy('kind')
      .execute();
    const events = rows
      .map((row) => ({ kind: row.kind, position: { xid: BigInt(row.xid), id: BigInt(row.id) } }))
      .sort((a, b) => compare(a.position, b.position));
    if (events.length > 0) {
      subscriber.listener.events(events.map((event) => ({ kind: event.kind, position: formatPosition(event.position) })));
    }
    subscriber.delivered = to;
  }

  #deliver(rows: Row[]): void {
    if (rows.length === 0) return;
    for (const subscriber of this.#subscribers) {
      const events: LiveEvent[] = [];
      for (const row of rows) {
        const position = { xid: BigInt(row.xid), id: BigInt(row.id) };
        if (compare(position, subscriber.delivered) <= 0 || !concerns(subscriber.scope, row)) continue;
        events.push({ kind: row.kind, position: formatPosition(position) });
        subscriber.delivered = position;
      }
      if (events.length > 0) subscriber.listener.events(events);
    }
  }

  /** Deletes events past the retention, at most once a minute per process (any replica's pruning serves all). */
  async #prune(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    await this.#db
      .deleteFrom('live_events')
      .where('created_at', '<', sql<Date>`now() - ${`${this.#retentionMs} milliseconds`}::interval`)
      .execute();
  }
}
