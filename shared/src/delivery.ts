/**
 * Where a message's delivery stands, from the statuses Meta reported, in any order and with repeats.
 * Meta guarantees neither order nor uniqueness (a `read` may arrive before or without `delivered`), so
 * the current status is the furthest one reported, never the latest to arrive. `failed` ends a message
 * that had not been delivered; a message once delivered or read stays so (Meta does not fail those).
 */
const progress = ['accepted', 'sent', 'delivered', 'read', 'played'] as const;

export type DeliveryStatus = (typeof progress)[number] | 'failed';

function rank(status: string): number {
  return (progress as readonly string[]).indexOf(status);
}

export function furthestStatus(statuses: readonly string[]): DeliveryStatus | null {
  let furthest: DeliveryStatus | null = null;
  for (const status of statuses) {
    if (rank(status) > (furthest === null || furthest === 'failed' ? -1 : rank(furthest))) {
      if (furthest !== 'failed' || rank(status) >= rank('delivered')) furthest = status as DeliveryStatus;
    } else if (status === 'failed' && (furthest === null || rank(furthest) < rank('delivered'))) {
      furthest = 'failed';
    }
  }
  return furthest;
}
