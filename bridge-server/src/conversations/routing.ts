import type { ConversationRouting, Helpdesk } from '@wabridge/shared';
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { isActiveInstallationOf } from '../installations/store.js';
import type { Schema } from '../storage/schema.js';

/*
 * Which installation receives a number's conversations. A deployment may be installed in a Zendesk account and a
 * Zoho Desk organisation at once: each helpdesk gets the conversations, through its own installation. Per helpdesk
 * the deployment may name one installation (deployments.conversations_<helpdesk>_installation_id): then only that
 * one's channel (Zendesk pull and push, Zoho Desk sync) receives them, and every other installation of that helpdesk
 * still reads and sends from its sidebar but receives no conversation. Named none (or one since revoked): every live
 * installation of that helpdesk receives them, through each account linked to it.
 */

type Database = Kysely<Schema> | Transaction<Schema>;

const columnOf = {
  zendesk: 'conversations_zendesk_installation_id',
  zoho: 'conversations_zoho_installation_id',
} as const satisfies Record<Helpdesk, keyof Schema['deployments']>;

/** The installation of each helpdesk that receives the deployment's conversations, and whether it was named. */
export async function readConversationRouting(db: Database, deploymentId: string): Promise<ConversationRouting | undefined> {
  const deployment = await db
    .selectFrom('deployments')
    .select(['conversations_zendesk_installation_id', 'conversations_zoho_installation_id'])
    .where('id', '=', deploymentId)
    .executeTakeFirst();
  if (deployment === undefined) return undefined;
  const live = await db
    .selectFrom('installations')
    .select(['id', 'helpdesk'])
    .where('deployment_id', '=', deploymentId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const routeOf = (helpdesk: Helpdesk) => {
    const named = deployment[columnOf[helpdesk]];
    const namedLive = named !== null && live.some((row) => row.id === named);
    return {
      installation_ids: namedLive ? [named] : live.filter((row) => row.helpdesk === helpdesk).map((row) => row.id),
      explicit: namedLive,
    };
  };
  return { deployment_id: deploymentId, zendesk: routeOf('zendesk'), zoho: routeOf('zoho') };
}

/** Whether this installation receives its deployment's conversations for its helpdesk. */
export async function receivesConversations(db: Database, installationId: string): Promise<boolean> {
  const installation = await db
    .selectFrom('installations')
    .select(['deployment_id', 'helpdesk'])
    .where('id', '=', installationId)
    .executeTakeFirst();
  if (installation === undefined) return false;
  const routing = await readConversationRouting(db, installation.deployment_id);
  return routing?.[installation.helpdesk].installation_ids.includes(installationId) === true;
}

/**
 * Names the installation of a helpdesk that receives the conversations (null: back to all of them). The
 * installation must be a live one of this deployment and of that helpdesk.
 */
export async function setConversationRouting(
  db: Kysely<Schema>,
  deploymentId: string,
  change: Partial<Record<Helpdesk, string | null>>,
): Promise<ConversationRouting> {
  return db.transaction().execute(async (transaction) => {
    const current = await readConversationRouting(transaction, deploymentId);
    if (current === undefined) throw new DomainError('not_found', `No deployment ${deploymentId}.`);
    for (const helpdesk of ['zendesk', 'zoho'] as const) {
      const installationId = change[helpdesk];
      if (installationId === undefined) continue;
      if (installationId !== null) {
        if (!(await isActiveInstallationOf(transaction, installationId, deploymentId, helpdesk))) {
          const path = `body.${helpdesk}_installation_id`;
          const message = `not a live ${helpdesk} installation of ${deploymentId}`;
          throw new DomainError('validation_failed', `${path}: ${message}`, {
            errors: [{ path, code: 'not_routable', message }],
          });
        }
      }
      await transaction
        .updateTable('deployments')
        .set({ [columnOf[helpdesk]]: installationId })
        .where('id', '=', deploymentId)
        .execute();
    }
    return (await readConversationRouting(transaction, deploymentId))!;
  });
}
