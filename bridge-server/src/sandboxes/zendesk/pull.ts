import { randomUUID } from 'node:crypto';
import type { OutboundError } from '../common/outbound.js';
import { inQueue } from '../common/scheduling.js';
import { isoNow, type ZendeskContext } from './context.js';
import { emitEvent } from './events.js';
import { importResources } from './import.js';
import type { Instance, PullRecord } from './state.js';

/** Pull records kept per account for inspection; older ones are dropped. */
const pullRecordsKept = 100;

function record(instance: Instance, pull: PullRecord): PullRecord {
  instance.pulls.push(pull);
  if (instance.pulls.length > pullRecordsKept) instance.pulls.splice(0, instance.pulls.length - pullRecordsKept);
  return pull;
}

async function pullOnce(context: ZendeskContext, instance: Instance, pullUrl: string): Promise<PullRecord> {
  const base = { at: isoNow(context), stateSent: instance.state, results: [] };
  let answer: Awaited<ReturnType<ZendeskContext['outbound']['request']>>;
  try {
    // Zendesk POSTs `metadata` and `state`, form-encoded, in the body.
    answer = await context.outbound.postForm(
      pullUrl,
      { metadata: instance.metadata, state: instance.state },
      context.knobs.outboundTimeoutMs,
    );
  } catch (error) {
    return record(instance, { ...base, outcome: 'failed', error: (error as OutboundError).message, stateAfter: instance.state });
  }
  const failed = (error: string) =>
    record(instance, { ...base, outcome: 'failed', httpStatus: answer.status, error, stateAfter: instance.state });
  if (answer.status !== 200) return failed(`HTTP ${answer.status}`);
  const parsed = context.schemas.pullAnswer.safeParse(answer.json());
  if (!parsed.success)
    return failed(
      `invalid pull answer: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const outcome = await importResources(context, instance, parsed.data.external_resources);
  // A resource that could not be processed would be lost if the cursor moved past it, so the sandbox keeps the old
  // state then and the integration sends the page again (repeats are already_imported).
  const processed = outcome.results.every(
    (result) => result.status.code === 'success' || result.status.code === 'already_imported',
  );
  if (processed && parsed.data.state !== undefined) instance.state = parsed.data.state;
  if (parsed.data.metadata !== undefined) instance.metadata = parsed.data.metadata;
  if (parsed.data.metadata_needs_update === true) instance.metadataNeedsUpdate = true;
  const requestId = randomUUID();
  if (outcome.events.length > 0) {
    emitEvent(context, instance, 'resources_created_from_external_ids', {
      request_id: requestId,
      resource_events: outcome.events,
    });
  }
  emitEvent(context, instance, 'pull_request', {
    url: pullUrl,
    request_id: requestId,
    duplicate_external_ids: outcome.duplicates.map((externalId) => ({ external_id: externalId, request_id: requestId })),
  });
  return record(instance, { ...base, outcome: 'ok', httpStatus: 200, stateAfter: instance.state, results: outcome.results });
}

/** Polls one account's pull_url now (after anything already queued for it); undefined when it has none. */
export function pullNow(context: ZendeskContext, instance: Instance): Promise<PullRecord | undefined> {
  const pullUrl = context.state.integrations.get(instance.integrationId)?.manifest.urls.pull_url;
  if (pullUrl === undefined || !instance.active) return Promise.resolve(undefined);
  return context.timers.track(inQueue(instance, () => pullOnce(context, instance, pullUrl)));
}

/** Pulls every active account with a pull_url, one round of Zendesk's polling. */
export function pullAll(context: ZendeskContext): Promise<unknown> {
  return Promise.all([...context.state.instances.values()].map((instance) => pullNow(context, instance)));
}
