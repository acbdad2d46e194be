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
 * Meta calls one webhook URL per app, so a body sent to one deployment may carry events of another
 * number of the same app. Such events go to that number's deployment if it belongs to the same account;
 * otherwise they stay with the deployment that received them. Each keeps its position in the body.
 */
export async function routeByNumber(
  transaction: Transaction<Schema>,
  receivingDeploymentId: string,
  events: WebhookEvent[],
): Promise<Map<string, PositionedEvent[]>> {
  const numbers = [...new Set(events.map(phoneNumberIdOf).filter((id): id is string => id !== undefined))];
  const siblings =
    numbers.length === 0
      ? []
      : await transaction
          .selectFrom('deployments as sibling')
          .innerJoin('deployments as receiver', 'receiver.account_id', 'sibling.account_id')
          .select(['sibling.id', 'sibling.phone_number_id'])
          .where('receiver.id', '=', receivingDeploymentId)
          .where('sibling.phone_number_id', 'in', numbers)
          .execute();
  const deploymentByNumber = new Map(siblings.map((sibling) => [sibling.phone_number_id, sibling.id]));
  const routed = new Map<string, PositionedEvent[]>();
  for (const [position, event] of events.entries()) {
    const number = phoneNumberIdOf(event);
    const deploymentId = (number !== undefined ? deploymentByNumber.get(number) : undefined) ?? receivingDeploymentId;
    routed.set(deploymentId, [...(routed.get(deploymentId) ?? []), { position, event }]);
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

/** The numbers that events name outside `accountNumbers`; events that name no number (a WABA's templates) pass. */
export function foreignNumbersOf(events: readonly WebhookEvent[], accountNumbers: ReadonlySet<string>): string[] {
  const named = events.map(phoneNumberIdOf).filter((id): id is string => id !== undefined);
  return [...new Set(named)].filter((number) => !accountNumbers.has(number));
}
