/*
 * The wallet's store is split by what each part does: settings.ts (an account's point prices), balance.ts (the
 * wallet row), charges.ts (a message's charge and its hold), settlement.ts (capture, release, expiry),
 * purchases.ts, adjustments.ts and audit.ts. payments/store.ts still imports the purchase presenter from here
 * until it is rewritten onto the job primitive; new code imports the part it needs.
 */
export { type PurchaseRow, presentPurchase } from './purchases.js';
