import type { WalletEntry, WalletReasonCode } from '@wabridge/shared';

/**
 * An entry's reason as a stable code (the contract's `walletReasonCodes`), for the apps to translate. The ledger is
 * append-only and keeps the English sentence it was written with; the code is derived on reading, from the entry's
 * kind and, where one kind has several causes, from the start of the sentence the bridge itself wrote for each:
 * - capture (settlement.ts): "Meta billed it as <category> …" (another category than we priced), "… after its hold
 *   had expired" (billed after the hold timeout), otherwise "Meta billed it (…): captured";
 * - release: "Meta did not bill it (…)" and "Meta reported the message failed …" (webhooks/apply.ts), "the send failed
 *   (…)" (messages/pipeline.ts);
 * - hosting_fee (hosting.ts): "…; N collected, M uncollected (the available balance was short)" when short.
 * A sentence none of these match (an older wording) falls back to the kind's own code.
 */
export function walletReasonCodeOf(entry: Pick<WalletEntry, 'kind' | 'reason'>): WalletReasonCode {
  const { kind, reason } = entry;
  switch (kind) {
    case 'purchase':
    case 'hold':
    case 'expiry':
    case 'adjustment':
      return kind;
    case 'capture':
      if (reason.startsWith('Meta billed it as ')) return 'capture_other_category';
      return reason.endsWith('after its hold had expired') ? 'capture_after_expiry' : 'capture';
    case 'release':
      if (reason.startsWith('Meta did not bill it')) return 'release_not_billed';
      if (reason.startsWith('Meta reported the message failed')) return 'release_failed';
      return reason.startsWith('the send failed') ? 'release_send_failed' : 'release';
    case 'hosting_fee':
      return reason.endsWith('(the available balance was short)') ? 'hosting_fee_short' : 'hosting_fee';
  }
}
