import { type Kysely, type RawBuilder, sql } from 'kysely';

/*
 * Reading a table in the order its rows were committed. A row's transaction id (pg_current_xact_id, xid8) orders rows
 * by when their transactions started, not committed: a reader whose cursor passed a row of a transaction still
 * running would skip that row for ever once it commits. Readers that follow a table by (xid, …) therefore stop below
 * the oldest transaction of this database still running (the helpdesk pull in conversations/store.ts, the panel's
 * live stream in live/hub.ts).
 */

/**
 * Transactions of this database running now, and the first transaction id not yet assigned. Read in a statement of
 * its own, before the reading statement: see `committedXidBound`.
 */
export async function runningTransactions<S>(db: Kysely<S>): Promise<{ running: string[]; nextXid: string }> {
  const result = await sql<{ running: string[]; next_xid: string }>`
    select array(
             select backend_xid::text from pg_stat_activity
             where datname = current_database() and backend_xid is not null
           ) as running,
           pg_snapshot_xmax(pg_current_snapshot())::text as next_xid`.execute(db);
  const row = result.rows[0]!;
  return { running: row.running, nextXid: row.next_xid };
}

/**
 * The xid below which every row the reading statement's snapshot sees is final: the oldest transaction that snapshot
 * sees running that may belong to this database (one that was running here just before, per `running`, or that got
 * its id since, at or above `nextXid`); transactions of other databases on the same server are not waited for, so a
 * long transaction elsewhere (a report, a dump) never stalls a reader.
 */
export function committedXidBound(before: { running: string[]; nextXid: string }): RawBuilder<string> {
  return sql<string>`(
    select coalesce(min(xid), pg_snapshot_xmax(pg_current_snapshot()))
    from pg_snapshot_xip(pg_current_snapshot()) as xid
    where xid::text = any(${before.running}::text[]) or xid >= ${before.nextXid}::xid8
  )`;
}
