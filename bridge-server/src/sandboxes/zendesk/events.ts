import { isoNow, type ZendeskContext } from './context.js';
import type { Instance } from './state.js';

export type EventTypeId =
  | 'create_integration_instance'
  | 'destroy_integration_instance'
  | 'pull_request'
  | 'resources_created_from_external_ids'
  | 'channelback';

/**
 * Posts one event to the integration's `event_callback_url`, in the envelope of Zendesk's event callback schemas
 * (type_id, timestamp, subdomain, integration_name, integration_id, data, error). Zendesk does not retry events,
 * and neither does the sandbox; every delivery is recorded for inspection.
 */
export function emitEvent(
  context: ZendeskContext,
  instance: Instance,
  typeId: EventTypeId,
  data: Record<string, unknown>,
  error?: string,
): void {
  const integration = context.state.integrations.get(instance.integrationId);
  const url = integration?.manifest.urls.event_callback_url;
  if (integration === undefined || url === undefined) return;
  const event = {
    type_id: typeId,
    timestamp: isoNow(context),
    subdomain: context.subdomain,
    integration_name: integration.manifest.name,
    integration_id: integration.id,
    data: { integration_instance_name: instance.name, ...data },
    ...(error !== undefined ? { error } : {}),
  };
  const body = { events: [event] };
  const delivery: (typeof context.state.events)[number] = { at: event.timestamp, url, body };
  context.state.events.push(delivery);
  void context.timers
    .track(context.outbound.postJson(url, body, context.knobs.outboundTimeoutMs))
    .then((answer) => {
      delivery.httpStatus = answer.status;
    })
    .catch((failure: unknown) => {
      delivery.error = failure instanceof Error ? failure.message : String(failure);
    });
}
