import type { Kysely, Transaction } from 'kysely';
import * as z from 'zod';
import type { Clock } from '../../clock.js';
import { receivesConversations } from '../../conversations/routing.js';
import { type FeedMessage, findFeedMessage } from '../../conversations/store.js';
import { type HttpExchange, type OutboundAnswer, undiciExchange } from '../../http/exchange.js';
import { jobKinds } from '../../jobs/kinds.js';
import { exponentialBackoffMs, type JobHandler, type JobOutcome, jobDead, jobDone, jobRetry } from '../../jobs/runner.js';
import { enqueueJob } from '../../jobs/store.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { Schema } from '../../storage/schema.js';
import { findActiveLink, pushTokenContext } from './links.js';
import { mediaUrl, resourceOf } from './pull.js';

/*
 * Push (developer.zendesk.com/documentation/channel_framework/understanding-the-channel-framework/push/ and the API
 * reference …/channel_framework/#push-content-to-support): when the account was set up with a push client id,
 * Zendesk gave the admin UI an `instance_push_id` and a `zendesk_access_token`, and the bridge POSTs new resources to
 * https://<subdomain>.zendesk.com/api/v2/any_channel/push at once instead of waiting for the next pull.
 *
 * Each message to push is a `zendesk_push` job, written in the transaction that recorded the message (the webhook's
 * for a customer's, the one that recorded Meta's wamid for the business's), so a crash never loses one; the job's
 * dedupe key makes a repeated webhook one job, and Zendesk's deduplication by `external_id` makes a repeated push one
 * comment (`already_imported`). Pull keeps running beside push: whatever push has not delivered, pull does, and what
 * both deliver is imported once.
 */

/** How long a message may stay undelivered by push before its job is dead (shown in GET /v1/jobs?status=dead). */
export const pushGiveUpAfterMs = 24 * 60 * 60_000;
/** A push answer comes within this, or the attempt is retried. */
const pushTimeoutMs = 30_000;
/** Zendesk's Retry-After is followed up to this; a longer one waits this long and asks again. */
const retryAfterMsMax = 60 * 60_000;

const pushPayload = z.object({
  link_id: z.string().regex(/^zcl_[0-9a-z]{24}$/),
  direction: z.enum(['inbound', 'outbound']),
  external_id: z.string().min(1).max(255),
});
type PushPayload = z.infer<typeof pushPayload>;

type Database = Kysely<Schema> | Transaction<Schema>;

/**
 * Queues a push of one message to every push-enabled Zendesk account linked through the installation that receives
 * the deployment's conversations. Call it in the transaction that recorded the message.
 */
export async function enqueueZendeskPushes(
  transaction: Database,
  deploymentId: string,
  message: { direction: FeedMessage['direction']; externalId: string; accountId: string },
): Promise<number> {
  return enqueueZendeskPushesTo(transaction, await zendeskPushLinksOf(transaction, deploymentId), message);
}

/**
 * The push-enabled Zendesk links of a deployment's live installations: the candidates that may receive its
 * conversations (`zendeskPushLinksOf` then asks which do). Most deployments have none: a statement that records a
 * message can ask whether any exist in the same round trip (`exists`), and skip the read when none do.
 */
export function zendeskPushLinkCandidates(transaction: Database, deploymentId: string) {
  return transaction
    .selectFrom('zendesk_channel_links as link')
    .innerJoin('installations', 'installations.id', 'link.installation_id')
    .select(['link.id', 'link.installation_id'])
    .where('installations.deployment_id', '=', deploymentId)
    .where('installations.revoked_at', 'is', null)
    .where('link.removed_at', 'is', null)
    .where('link.push_token_sealed', 'is not', null);
}

/** The push-enabled Zendesk links that receive a deployment's conversations (read once per webhook batch). */
export async function zendeskPushLinksOf(transaction: Database, deploymentId: string): Promise<string[]> {
  const links = await zendeskPushLinkCandidates(transaction, deploymentId).execute();
  const receiving: string[] = [];
  for (const link of links) if (await receivesConversations(transaction, link.installation_id)) receiving.push(link.id);
  return receiving;
}

/** Queues a push of one message to each of `linkIds` (from `zendeskPushLinksOf`). */
export async function enqueueZendeskPushesTo(
  transaction: Database,
  linkIds: readonly string[],
  message: { direction: FeedMessage['direction']; externalId: string; accountId: string },
): Promise<number> {
  let queued = 0;
  for (const linkId of linkIds) {
    const job = await enqueueJob(transaction, {
      kind: jobKinds.zendeskPush,
      accountId: message.accountId,
      payload: { link_id: linkId, direction: message.direction, external_id: message.externalId },
      dedupeKey: `zendesk_push:${linkId}:${message.externalId}`,
      attemptsMax: 1000,
    });
    if (job !== undefined) queued += 1;
  }
  return queued;
}

const pushAnswerSchema = z.object({
  results: z.array(
    z.object({
      external_resource_id: z.string().optional(),
      status: z.object({ code: z.string(), description: z.string().optional() }),
    }),
  ),
});

function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, retryAfterMsMax);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - nowMs), retryAfterMsMax);
}

export interface PushDependencies {
  db: Kysely<Schema>;
  secretBox: SecretBox;
  clock: Clock;
  publicUrl: string;
  /** The wait before the next attempt after `attempts` failed ones (1 s doubling up to an hour by default). */
  retryDelayMs?: (attempts: number) => number;
  /** How the push reaches Zendesk: undici's keep-alive pool by default (one push per customer message). */
  exchange?: HttpExchange;
}

/** `zendesk_push` jobs: one message POSTed to the account's push endpoint, until Zendesk has it or a day has passed. */
export function zendeskPushHandler(dependencies: PushDependencies): JobHandler<PushPayload> {
  const { db, secretBox, clock } = dependencies;
  const backoff = dependencies.retryDelayMs ?? exponentialBackoffMs;
  const exchange = dependencies.exchange ?? undiciExchange();
  return {
    payload: pushPayload,
    leaseMs: 2 * pushTimeoutMs + 60_000,
    attemptsMax: 1000,
    retryDelayMs: backoff,
    async run(job): Promise<JobOutcome> {
      const { link_id: linkId, direction, external_id: externalId } = job.payload;
      const link = await findActiveLink(db, secretBox, linkId);
      if (link === undefined) return jobDone('the Zendesk account is no longer linked; nothing pushed');
      const credentials = await db
        .selectFrom('zendesk_channel_links')
        .select(['instance_push_id', 'push_token_sealed'])
        .where('id', '=', linkId)
        .executeTakeFirstOrThrow();
      if (credentials.instance_push_id === null || credentials.push_token_sealed === null) {
        return jobDone('the account no longer has push; pull delivers the message');
      }
      if (!(await receivesConversations(db, link.installationId))) {
        return jobDone('this installation no longer receives the conversations; nothing pushed');
      }
      const message = await findFeedMessage(db, link.deploymentId, direction, externalId);
      if (message === undefined) return jobDead(`no ${direction} message ${externalId} on ${link.deploymentId}`);
      const nowMs = clock.now().getTime();
      const resource = resourceOf(message, link, (wamid) => mediaUrl(dependencies.publicUrl, link, wamid, nowMs));
      const failed = (error: string, afterMs?: number): JobOutcome => {
        if (nowMs - job.created_at.getTime() >= pushGiveUpAfterMs) {
          return jobDead(`not delivered by push for a day (${job.attempts} attempts): ${error}; pull still delivers it`);
        }
        return jobRetry(error, afterMs === undefined ? {} : { afterMs });
      };
      let response: OutboundAnswer;
      try {
        response = await exchange(new URL(`${link.apiOrigin}/api/v2/any_channel/push`), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${secretBox.open(credentials.push_token_sealed, pushTokenContext(linkId))}`,
          },
          body: JSON.stringify({
            instance_push_id: credentials.instance_push_id,
            request_id: `wabridge-job-${job.id}-${job.attempts}`,
            external_resources: [resource],
          }),
          timeoutMs: pushTimeoutMs,
        });
      } catch (error) {
        return failed(`Zendesk unreachable: ${error instanceof Error ? error.message : String(error)}`);
      }
      const body = response.text;
      if (response.status === 429) {
        return failed('Zendesk answered 429 (rate limited)', retryAfterMs(response.header('retry-after'), nowMs));
      }
      if (response.status >= 500) {
        return failed(`Zendesk answered HTTP ${response.status}`, retryAfterMs(response.header('retry-after'), nowMs));
      }
      if (response.status !== 200) {
        // 401 (the push token revoked: the admin links the account again), 403, 422: as it stands, never accepted.
        return jobDead(`Zendesk refused the push with HTTP ${response.status}: ${body.slice(0, 500)}`);
      }
      let answer: z.infer<typeof pushAnswerSchema>;
      try {
        answer = pushAnswerSchema.parse(JSON.parse(body));
      } catch {
        return failed('Zendesk’s push answer was not the documented {results: [...]}');
      }
      const status = answer.results[0]?.status;
      if (status?.code === 'success') return jobDone();
      if (status?.code === 'already_imported') return jobDone('already in Zendesk (already_imported)');
      // processing_error (a file Zendesk could not download), could_not_locate_parent_external_resource, halted: again.
      return failed(
        `Zendesk did not import the message: ${status?.code ?? 'no result'}${status?.description ? ` (${status.description})` : ''}`,
      );
    },
  };
}
