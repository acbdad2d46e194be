import type { DeploymentHealth, HealthIssue, HealthIssueCode } from '@wabridge/shared';
import * as z from 'zod';
import type { MetaGraphClient } from '../meta/client.js';
import { MetaApiError } from '../meta/errors.js';
import type { HealthStatus, PhoneNumberStatus } from '../meta/resources.js';
import type { HealthEventRow, StoredHealth } from './health-store.js';

/**
 * A number's health, from two sources:
 *
 * - Meta's webhooks the bridge stored (`deployment_events`): `account_update` (ACCOUNT_RESTRICTION with
 *   `restriction_info`, DISABLED_UPDATE with `ban_info.waba_ban_state` DISABLE / REINSTATE),
 *   `phone_number_quality_update` (FLAGGED / UNFLAGGED, limit changes), `phone_number_name_update` (APPROVED /
 *   DEFERRED / REJECTED), and the templates their status webhooks keep up to date; plus the account's dead jobs.
 * - Graph reads with the deployment's token: the number (`quality_rating`, `messaging_limit_tier`, `throughput`,
 *   `name_status`, `status`), its `health_status` (Meta's "Messaging and Calling Health Status": AVAILABLE, LIMITED
 *   with `additional_info`, BLOCKED with `errors` and a `possible_solution`), and the WABA's `subscribed_apps`.
 *
 * Each problem is an issue with a stable code (the apps translate it), what fixes it, and `blocking` when no message
 * can go out until it is fixed. A Graph read that fails is an issue too, never a failed answer.
 */

/** A webhook older than this on a number that had them is worth a look (a business that sends hears back daily). */
const webhooksSilentAfterMs = 7 * 24 * 60 * 60 * 1000;

/** Which blocking issue is named first when several stop the number. */
const blockingOrder: readonly HealthIssueCode[] = [
  'account_banned',
  'account_restricted',
  'messaging_blocked',
  'number_not_registered',
  'meta_token_invalid',
];

const accountUpdate = z.looseObject({
  event: z.string(),
  restriction_info: z
    .array(z.looseObject({ restriction_type: z.string(), expiration: z.union([z.number(), z.string()]).optional() }))
    .optional(),
  ban_info: z.looseObject({ waba_ban_state: z.string().optional() }).optional(),
});
const qualityUpdate = z.looseObject({ event: z.string() });
const nameUpdate = z.looseObject({ decision: z.string(), rejection_reason: z.string().optional() });

interface Restriction {
  restriction_type: string;
  expires_at: string | null;
  reported_at: string | null;
}

/** What the stored account webhooks say now: the restrictions in force and whether the WABA is banned. */
export interface AccountStanding {
  restrictions: Restriction[];
  bannedSince: Date | null;
  restrictedSince: Date | null;
}

export function accountStandingOf(events: readonly HealthEventRow[], now: Date): AccountStanding {
  let restrictions: Restriction[] = [];
  let restrictedSince: Date | null = null;
  let bannedSince: Date | null = null;
  for (const event of events) {
    if (event.field !== 'account_update') continue;
    const parsed = accountUpdate.safeParse(event.payload);
    if (!parsed.success) continue;
    const { event: kind, restriction_info: info, ban_info: ban } = parsed.data;
    if (kind === 'ACCOUNT_RESTRICTION') {
      restrictions = (info ?? []).map((restriction) => ({
        restriction_type: restriction.restriction_type,
        expires_at: restriction.expiration === undefined ? null : new Date(Number(restriction.expiration) * 1000).toISOString(),
        reported_at: event.at.toISOString(),
      }));
      restrictedSince = restrictions.length > 0 ? event.at : null;
    }
    if (kind === 'DISABLED_UPDATE' && ban?.waba_ban_state === 'DISABLE') bannedSince = event.at;
    if (kind === 'DISABLED_UPDATE' && ban?.waba_ban_state === 'REINSTATE') bannedSince = null;
  }
  const inForce = restrictions.filter((restriction) => restriction.expires_at === null || new Date(restriction.expires_at) > now);
  return { restrictions: inForce, restrictedSince: inForce.length > 0 ? restrictedSince : null, bannedSince };
}

/** Whether the number can send, as the panel's status and the send pipeline read it from the stored webhooks. */
export interface NumberSending {
  can_send: boolean;
  cannot_send_reason: HealthIssueCode | null;
  /** When the last restriction in force ends; null when blocked without an end (a ban, or a restriction without one). */
  blocked_until: string | null;
}

/**
 * Meta's restriction types that stop messages, and which (`account_update` ACCOUNT_RESTRICTION `restriction_info`):
 * RESTRICTED_BIZ_INITIATED_MESSAGING stops the business from starting a conversation (a template outside the
 * customer's 24-hour window) and still lets it answer; RESTRICTED_CUSTOMER_INITIATED_MESSAGING stops answers within
 * the window and still lets it start conversations. Others (RESTRICTED_ADD_PHONE_NUMBER_ACTION) stop no message.
 */
const restrictionStopping = {
  starting: 'RESTRICTED_BIZ_INITIATED_MESSAGING',
  answering: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING',
};

/** Whether the stored webhooks may stop a send at all: then, and only then, the customer's window decides. */
export function mayStopSending(standing: AccountStanding): boolean {
  return (
    standing.bannedSince !== null ||
    standing.restrictions.some((restriction) => Object.values(restrictionStopping).includes(restriction.restriction_type))
  );
}

/**
 * Whether the number can send to a customer whose window is open or closed: a disabled account sends nothing; a
 * restriction stops only the messages of its kind (above), until the last such restriction ends.
 */
export function numberSendingOf(standing: AccountStanding, window: { open: boolean }): NumberSending {
  if (standing.bannedSince !== null) return { can_send: false, cannot_send_reason: 'account_banned', blocked_until: null };
  const kind = window.open ? restrictionStopping.answering : restrictionStopping.starting;
  const stopping = standing.restrictions.filter((restriction) => restriction.restriction_type === kind);
  if (stopping.length === 0) return { can_send: true, cannot_send_reason: null, blocked_until: null };
  const ends = stopping.map((restriction) => restriction.expires_at);
  // ISO instants in UTC sort as text; a restriction without an end has no end to give.
  const blockedUntil = ends.includes(null) ? null : ([...ends].sort().at(-1) ?? null);
  return { can_send: false, cannot_send_reason: 'account_restricted', blocked_until: blockedUntil };
}

type Read<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function read<T>(call: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

const tokenRefused = (result: Read<unknown>) => !result.ok && result.error instanceof MetaApiError && result.error.code === 190;

export interface HealthInput {
  deploymentId: string;
  wabaId: string;
  phoneNumberId: string;
  accessToken: string;
  stored: StoredHealth;
  now: Date;
}

export async function deploymentHealth(meta: MetaGraphClient, input: HealthInput): Promise<DeploymentHealth> {
  const { accessToken, phoneNumberId, wabaId, stored, now } = input;
  const [status, health, subscribed] = await Promise.all([
    read(() => meta.getPhoneNumberStatus(accessToken, phoneNumberId)),
    read(() => meta.getHealthStatus(accessToken, phoneNumberId)),
    read(() => meta.wabaHasSubscribedApp(accessToken, wabaId)),
  ]);
  const reads = [status, health, subscribed];
  const tokenInvalid = reads.some(tokenRefused);
  const number: PhoneNumberStatus | undefined = status.ok ? status.value : undefined;
  const standing = accountStandingOf(stored.events, now);
  const issues: HealthIssue[] = [];
  const add = (code: HealthIssueCode, severity: HealthIssue['severity'], message: string, action: string, since?: Date | null) =>
    issues.push({ code, severity, message, action, since: since?.toISOString() ?? null });

  if (tokenInvalid) {
    add(
      'meta_token_invalid',
      'blocking',
      'Meta refuses the deployment’s access token (error 190): it expired, was revoked, or lost its permissions.',
      'Generate a new system user access token with whatsapp_business_messaging and whatsapp_business_management in Meta Business Suite, and give it to the bridge.',
    );
  } else if (reads.some((result) => !result.ok)) {
    add(
      'meta_unreachable',
      'warning',
      'Meta could not be asked about the number; what follows comes from its webhooks only.',
      'Check again in a few minutes; if it lasts, check Meta’s platform status.',
    );
  }
  if (standing.bannedSince !== null) {
    add(
      'account_banned',
      'blocking',
      'Meta disabled the WhatsApp Business Account for a policy violation.',
      'Open WhatsApp Manager, read the violation and request a review.',
      standing.bannedSince,
    );
  }
  if (standing.restrictions.length > 0) {
    const types = standing.restrictions.map((restriction) => restriction.restriction_type).join(', ');
    add(
      'account_restricted',
      'blocking',
      `Meta restricted the account’s messaging (${types}).`,
      'Wait for the restriction to end (see expires_at), read the violation in WhatsApp Manager, and improve message quality.',
      standing.restrictedSince,
    );
  }
  addHealthStatusIssues(health.ok ? health.value : undefined, standing, add);
  if (number !== undefined && number.status !== undefined && number.status !== 'CONNECTED') {
    add(
      'number_not_registered',
      'blocking',
      `The number is not registered on the Cloud API (status ${number.status}).`,
      'Register the number: request a code, verify it, and register with the two-step PIN.',
    );
  }
  addQualityIssues(number, stored.events, add);
  addNameIssues(number, stored.events, add);
  addWebhookIssues(subscribed.ok ? subscribed.value : null, stored.lastWebhookAt, now, add);
  addTemplateIssues(stored.templatesByStatus, add);
  if (stored.deadDeliveries > 0) {
    add(
      'deliveries_failing',
      'warning',
      `${stored.deadDeliveries} deliveries to the helpdesk or the account’s webhooks failed for good.`,
      'Read the failed jobs (GET /v1/jobs?status=dead), fix their cause, and replay them.',
    );
  }
  const blocker = blockingOrder.find((code) => issues.some((issue) => issue.code === code && issue.severity === 'blocking'));
  return {
    deployment_id: input.deploymentId,
    checked_at: now.toISOString(),
    can_send: blocker === undefined,
    cannot_send_reason: blocker ?? null,
    token_valid: tokenInvalid ? false : reads.some((result) => result.ok) ? true : null,
    webhook_subscribed: subscribed.ok ? subscribed.value : null,
    webhook_last_received_at: stored.lastWebhookAt?.toISOString() ?? null,
    verified_name: number?.verifiedName ?? null,
    name_status: number?.nameStatus ?? null,
    quality_rating: number?.qualityRating ?? null,
    messaging_limit_tier: number?.messagingLimitTier ?? null,
    throughput_level: number?.throughputLevel ?? null,
    code_verification_status: number?.codeVerificationStatus ?? null,
    registered: number === undefined ? null : number.status === 'CONNECTED',
    restrictions: standing.restrictions,
    templates_by_status: stored.templatesByStatus,
    dead_deliveries: stored.deadDeliveries,
    issues,
  };
}

type Add = (
  code: HealthIssueCode,
  severity: HealthIssue['severity'],
  message: string,
  action: string,
  since?: Date | null,
) => void;

/** Meta's own verdict, where the webhooks did not already explain it: its error and possible solution, as given. */
function addHealthStatusIssues(health: HealthStatus | undefined, standing: AccountStanding, add: Add): void {
  if (health === undefined) return;
  for (const entity of health.entities) {
    if (entity.can_send_message === 'BLOCKED') {
      for (const error of entity.errors ?? []) {
        // Explained by a webhook or the number's own status: not repeated.
        if (String(error.error_code) === '133010') continue;
        if (String(error.error_code) === '131031' && standing.bannedSince !== null) continue;
        add(
          'messaging_blocked',
          'blocking',
          `Meta blocks messaging (${entity.entity_type}${error.error_code === undefined ? '' : ` ${error.error_code}`}): ${error.error_description ?? 'no description'}.`,
          error.possible_solution ?? 'Open WhatsApp Manager to see what Meta requires.',
        );
      }
    }
    if (entity.can_send_message === 'LIMITED' && standing.restrictions.length === 0) {
      add(
        'messaging_limited',
        'warning',
        `Meta limits messaging (${entity.entity_type}): ${(entity.additional_info ?? []).join(' ') || 'no detail given'}.`,
        'Open WhatsApp Manager to see the limitation and what lifts it.',
      );
    }
  }
}

function addQualityIssues(number: PhoneNumberStatus | undefined, events: readonly HealthEventRow[], add: Add): void {
  if (number?.qualityRating === 'RED') {
    add(
      'quality_low',
      'warning',
      'The number’s quality rating is low (red): customers block or report its messages.',
      'Send fewer marketing messages, only to customers who opted in, and make them easy to stop.',
    );
  }
  let flaggedSince: Date | null = null;
  for (const event of events) {
    if (event.field !== 'phone_number_quality_update') continue;
    const parsed = qualityUpdate.safeParse(event.payload);
    if (parsed.success && parsed.data.event === 'FLAGGED') flaggedSince = event.at;
    if (parsed.success && parsed.data.event === 'UNFLAGGED') flaggedSince = null;
  }
  if (flaggedSince !== null) {
    add(
      'quality_flagged',
      'warning',
      'Meta flagged the number for low quality: its messaging limit goes down if quality does not improve within 7 days.',
      'Pause marketing sends and review which templates customers block or report.',
      flaggedSince,
    );
  }
}

function addNameIssues(number: PhoneNumberStatus | undefined, events: readonly HealthEventRow[], add: Add): void {
  let decision: { value: string; at: Date } | null = null;
  for (const event of events) {
    if (event.field !== 'phone_number_name_update') continue;
    const parsed = nameUpdate.safeParse(event.payload);
    if (parsed.success) decision = { value: parsed.data.decision, at: event.at };
  }
  const declined = number?.nameStatus === 'DECLINED' || (number === undefined && decision?.value === 'REJECTED');
  if (declined) {
    add(
      'display_name_declined',
      'warning',
      'Meta declined the number’s display name.',
      'Choose a display name that matches the business’s brand and Meta’s display name guidelines, and submit it again.',
      decision?.value === 'REJECTED' ? decision.at : null,
    );
  } else if (number?.nameStatus === 'PENDING_REVIEW') {
    add(
      'display_name_pending',
      'warning',
      'Meta is reviewing the number’s display name.',
      'Nothing to do: the review usually takes one or two days.',
    );
  }
}

function addWebhookIssues(subscribed: boolean | null, lastWebhookAt: Date | null, now: Date, add: Add): void {
  if (subscribed === false) {
    add(
      'webhooks_not_subscribed',
      'warning',
      'No app is subscribed to the WhatsApp Business Account’s webhooks: customers’ messages and delivery statuses never reach the bridge.',
      'Subscribe the app to the WABA (POST /{waba-id}/subscribed_apps) and paste the deployment’s webhook URL and verify token into the app’s WhatsApp configuration.',
    );
  }
  if (lastWebhookAt === null) {
    add(
      'webhooks_never_received',
      'warning',
      'The bridge has never received a webhook for this number.',
      'Check the webhook URL and verify token in the app’s WhatsApp configuration, and the messages field subscription.',
    );
  } else if (now.getTime() - lastWebhookAt.getTime() > webhooksSilentAfterMs) {
    add(
      'webhooks_silent',
      'warning',
      'No webhook for this number for more than 7 days.',
      'Check that the app is still subscribed to the WABA and that the webhook URL still points at the bridge.',
      lastWebhookAt,
    );
  }
}

function addTemplateIssues(byStatus: Record<string, number>, add: Add): void {
  const rejected = byStatus.REJECTED ?? 0;
  if (rejected > 0) {
    add(
      'templates_rejected',
      'warning',
      `${rejected} templates were rejected by Meta.`,
      'Read each rejection reason in WhatsApp Manager, fix the template and submit it again.',
    );
  }
  const stopped = (byStatus.PAUSED ?? 0) + (byStatus.DISABLED ?? 0);
  if (stopped > 0) {
    add(
      'templates_paused_or_disabled',
      'warning',
      `${stopped} templates are paused or disabled for low quality.`,
      'Change the paused templates’ content or audience; a disabled template must be replaced by a new one.',
    );
  }
}
