import { randomBytes } from 'node:crypto';
import type { AccountAdmin, AuditEntry, ConsoleSession } from '@wabridge/shared';
import { type Kysely, type Selectable, sql } from 'kysely';
import { newId, sha256Hex } from '../security/tokens.js';
import type { Schema } from '../storage/schema.js';

/*
 * The console's account admins, sessions and audit (migration 0019). Credentials and session tokens carry 256
 * random bits; the database keeps only their SHA-256, so a copy of it signs nobody in.
 */

/** An account admin's sign-in credential: `wba_` + 256 random bits. */
export function issueAdminCredential(): { credential: string; sha256: string; hint: string } {
  const credential = `wba_${randomBytes(32).toString('base64url')}`;
  return { credential, sha256: sha256Hex(credential), hint: credential.slice(0, 10) };
}

/** A session's cookie value: `wbs_` + 256 random bits. */
export function issueSessionToken(): { token: string; sha256: string } {
  const token = `wbs_${randomBytes(32).toString('base64url')}`;
  return { token, sha256: sha256Hex(token) };
}

export function presentAccountAdmin(row: Selectable<Schema['account_admins']>): AccountAdmin {
  return {
    id: row.id,
    account_id: row.account_id,
    name: row.name,
    credential_hint: row.credential_hint,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

export async function insertAccountAdmin(db: Kysely<Schema>, accountId: string, name: string) {
  const issued = issueAdminCredential();
  const row = await db
    .insertInto('account_admins')
    .values({
      id: newId('adm'),
      account_id: accountId,
      name,
      credential_sha256: issued.sha256,
      credential_hint: issued.hint,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, credential: issued.credential };
}

export async function listAccountAdmins(db: Kysely<Schema>, accountId: string) {
  return db
    .selectFrom('account_admins')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Revokes an account admin and ends its sessions, in one transaction; false when there is no such admin. */
export async function revokeAccountAdmin(db: Kysely<Schema>, adminId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable('account_admins')
      .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
      .where('id', '=', adminId)
      .returning('id')
      .executeTakeFirst();
    if (revoked === undefined) return false;
    await trx
      .updateTable('console_sessions')
      .set({ ended_at: sql<Date>`now()` })
      .where('account_admin_id', '=', adminId)
      .where('ended_at', 'is', null)
      .execute();
    return true;
  });
}

/** Who a session signs in, as the console shows it. */
export interface SessionRow {
  kind: 'operator' | 'account_admin';
  adminId: string | null;
  adminName: string | null;
  accountId: string | null;
  accountName: string | null;
  expiresAt: Date;
  /** Not expired (database clock), not signed out, its admin not revoked. */
  live: boolean;
}

export function presentSession(row: SessionRow): ConsoleSession {
  return {
    kind: row.kind,
    account_id: row.accountId,
    account_name: row.accountName,
    admin_id: row.adminId,
    admin_name: row.adminName,
    expires_at: row.expiresAt.toISOString(),
  };
}

/** The live account admin a credential names, if any. */
export async function adminOfCredential(db: Kysely<Schema>, credential: string) {
  return db
    .selectFrom('account_admins')
    .select(['id', 'account_id'])
    .where('credential_sha256', '=', sha256Hex(credential))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Starts a session that ends `minutes` from now on the database clock. */
export async function insertSession(
  db: Kysely<Schema>,
  kind: 'operator' | 'account_admin',
  adminId: string | null,
  minutes: number,
): Promise<string> {
  const issued = issueSessionToken();
  await db
    .insertInto('console_sessions')
    .values({
      token_sha256: issued.sha256,
      kind,
      account_admin_id: adminId,
      expires_at: sql<Date>`now() + make_interval(mins => ${minutes})`,
    })
    .execute();
  return issued.token;
}

export async function findSession(db: Kysely<Schema>, token: string): Promise<SessionRow | undefined> {
  const { rows } = await sql<{
    kind: 'operator' | 'account_admin';
    account_admin_id: string | null;
    admin_name: string | null;
    account_id: string | null;
    account_name: string | null;
    expires_at: Date;
    live: boolean;
  }>`
    SELECT s.kind, s.account_admin_id, a.name AS admin_name, a.account_id, acc.name AS account_name, s.expires_at,
      (s.ended_at IS NULL AND s.expires_at > now() AND a.revoked_at IS NULL) AS live
    FROM console_sessions s
    LEFT JOIN account_admins a ON a.id = s.account_admin_id
    LEFT JOIN accounts acc ON acc.id = a.account_id
    WHERE s.token_sha256 = ${sha256Hex(token)}`.execute(db);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    kind: row.kind,
    adminId: row.account_admin_id,
    adminName: row.admin_name,
    accountId: row.account_id,
    accountName: row.account_name,
    expiresAt: new Date(row.expires_at),
    live: row.live,
  };
}

export async function endSession(db: Kysely<Schema>, token: string): Promise<void> {
  await db
    .updateTable('console_sessions')
    .set({ ended_at: sql<Date>`now()` })
    .where('token_sha256', '=', sha256Hex(token))
    .where('ended_at', 'is', null)
    .execute();
}

/** Who did something in the console, as the audit records it. */
export interface ConsoleActor {
  actor: string;
  actorName: string | null;
  accountId: string | null;
}

export function actorOf(session: SessionRow): ConsoleActor {
  return session.kind === 'operator'
    ? { actor: 'operator', actorName: null, accountId: null }
    : { actor: session.adminId ?? 'unknown', actorName: session.adminName, accountId: session.accountId };
}

export async function recordAudit(
  db: Kysely<Schema>,
  actor: ConsoleActor,
  action: string,
  target: string,
  status: number,
): Promise<void> {
  await db
    .insertInto('console_audit')
    .values({ actor: actor.actor, actor_name: actor.actorName, account_id: actor.accountId, action, target, status })
    .execute();
}

export async function listAudit(
  db: Kysely<Schema>,
  scope: string | undefined,
  query: { limit: number; before?: string | undefined },
): Promise<AuditEntry[]> {
  let select = db.selectFrom('console_audit').selectAll().orderBy('id', 'desc').limit(query.limit);
  if (scope !== undefined) select = select.where('account_id', '=', scope);
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  const rows = await select.execute();
  return rows.map((row) => ({
    id: String(row.id),
    at: row.at.toISOString(),
    actor: row.actor,
    actor_name: row.actor_name,
    account_id: row.account_id,
    action: row.action,
    target: row.target,
    status: row.status,
  }));
}
