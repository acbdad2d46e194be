/**
 * The kinds of job the bridge runs, each with its handler beside its feature. Written here once because some are
 * also written by SQL (the wallet-event trigger of migrations/0014_jobs.sql) or read by other features.
 */
export const jobKinds = {
  /** A text the bridge sends on its own (outbox/send-text.ts). */
  sendText: 'send_text',
  /** A wallet event POSTed to its account's webhook (wallet/events-webhook.ts); queued by a trigger. */
  walletEventWebhook: 'wallet_event_webhook',
  /** Media uploaded to Meta for a send that never recorded a message: deleted there (media/delete-job.ts). */
  deleteMetaMedia: 'delete_meta_media',
  /** A pending payment asked about at its provider until it is settled (payments/check-job.ts). */
  paymentCheck: 'payment_check',
  /** A helpdesk automation's send, accepted by its webhook (automations/runs.ts). */
  automationSend: 'automation_send',
  /** An internal note on a helpdesk ticket: an automation's outcome or a window reminder (automations/runs.ts). */
  helpdeskNote: 'helpdesk_note',
} as const;
