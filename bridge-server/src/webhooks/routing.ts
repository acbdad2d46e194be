import type { WebhookEvent } from '@wabridge/shared';
import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../storage/schema.js';

/**
 * An event with its place among all the events of its stored body. The place, not the event's place among
 * those routed to one deployment, keys what the event records: `(webhook_event_id, position)` is unique, so
 * two deployments numbering their share of one body from 0 would collide and drop the second one's events.
 */
export interface PositionedEvent {
  position: number;
  event: WebhookEvent;
}

/** Events about one phone number go to the deployment of that number when it belongs to the same account. */
function phoneNumberIdOf(event: WebhookEvent): string | undefined {
  return 'phoneNumberId' in event ? event.phoneNumberId : undefined;
}

/**
 * The deployments a batch of webhooks can be routed to: those of the receiving deployments' accounts, read in one
 * query per batch (instead of one per webhook), inside the batch's transaction so that it is never stale.
 */
export interface DeploymentDirectory {
  accountOf(deploymentId: string): string;
  /** The deployment of `phoneNumberId` in `accountId`, if there is one. */
  byNumber(accountId: string, phoneNumberId: string): string | undefined;
}

export async function loadDeploymentDirectory(
  transaction: Transaction<Schema>,
  receivingDeploymentIds: string[],
): Promise<DeploymentDirectory> {
  const rows =
    receivingDeploymentIds.length === 0
      ? []
      : await transaction
          .selectFrom('deployments as sibling')
          .innerJoin('deployments as receiver', 'receiver.account_id', 'sibling.account_id')
          .select(['sibling.id', 'sibling.account_id', 'sibling.phone_number_id'])
          .distinct()
          .where('receiver.id', 'in', [...new Set(receivingDeploymentIds)])
          .execute();
  const accountByDeployment = new Map(rows.map((row) => [row.id, row.account_id]));
  const deploymentByNumber = new Map(rows.map((row) => [`${row.account_id}\u0000${row.phone_number_id}`, row.id]));
  return {
    accountOf(deploymentId) {
      const accountId = accountByDeployment.get(deploymentId);
      if (accountId === undefined) throw new Error(`deployment ${deploymentId} not found`);
      return accountId;
    },
    byNumber: (accountId, phoneNumberId) => deploymentByNumber.get(`${accountId}\u0000${phoneNumberId}`),
  };
}

/**
 * Meta calls one webhook URL per app, so a body sent to one deployment may carry events of another
 * number of the same app. Such events go to that number's deployment if it belongs to the same account;
 * otherwise they stay with the deployment that received them. Each keeps its position in the body.
 */
export function routeByNumber(
  directory: DeploymentDirectory,
  receivingDeploymentId: string,
  events: WebhookEvent[],
): Map<string, PositionedEvent[]> {
  const accountId = directory.accountOf(receivingDeploymentId);
  const routed = new Map<string, PositionedEvent[]>();
  for (const [position, event] of events.entries()) {
    const number = phoneNumberIdOf(event);
    const deploymentId = (number !== undefined ? directory.byNumber(accountId, number) : undefined) ?? receivingDeploymentId;
    const share = routed.get(deploymentId);
    if (share === undefined) routed.set(deploymentId, [{ position, event }]);
    else share.push({ position, event });
  }
  return routed;
}

/**
 * The phone numbers a deployment's signature may speak for: its own and those of its account's other
 * deployments (whose events `routeByNumber` hands on to them). A body signed with one deployment's app secret
 * that names any other number, of another account or of no deployment, is not that deployment's to deliver:
 * applied, it would write another tenant's customers, windows and statuses into this one (issue 16).
 */
export async function accountNumbersOf(db: Kysely<Schema>, deploymentId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('deployments as sibling')
    .innerJoin('deployments as receiver', 'receiver.account_id', 'sibling.account_id')
    .select('sibling.phone_number_id')
    .where('receiver.id', '=', deploymentId)
    .execute();
  return new Set(rows.map((row) => row.phone_number_id));
}

/** The numbers of `named` outside `accountNumbers` (shared's `readWebhookFrame` says which numbers a body names). */
export function foreignNumbersOf(named: readonly string[], accountNumbers: ReadonlySet<string>): string[] {
  return named.filter((number) => !accountNumbers.has(number));
}
