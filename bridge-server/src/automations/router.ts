import { normalizePhoneNumber, routes, zendeskAutomationDelivery } from '@wabridge/shared';
import { type Response, Router } from 'express';
import { DomainError, validationFailed } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { putConnection, zendeskWebhookSecrets } from './connections.js';
import { automationDeliveryKey } from './delivery-key.js';
import { currentReminder } from './reminders.js';
import { type AutomationRequest, type AutomationSource, acceptDelivery } from './runs.js';
import { loadAutomationSettings, saveAutomationSettings } from './settings.js';
import { verifyZendeskSignature, zendeskSignatureHeader, zendeskTimestampHeader } from './zendesk-signature.js';

/** A trigger's body is a few hundred bytes; Zendesk's own limit on a webhook body is far above anything ours sends. */
const zendeskBodyBytesMax = 64 * 1024;

function signatureRefused(detail: string): DomainError {
  return new DomainError('invalid_automation_signature', detail);
}

/**
 * Helpdesk automations: Zendesk's webhook (signature, tenant from the ticket's account), Zoho Desk's workflow rules
 * (installation token), the installations' helpdesk connections, the reminder settings and the panel's notice.
 */
export function automationsRouter(services: Services, options: MountOptions, wakeJobs: () => void): Router {
  const router = Router();
  const { db, secretBox, clock } = services;

  /** Records the delivery once (a repeat answers the first run, marked replayed) and wakes the job that sends it. */
  async function accept(
    installation: { installationId: string; accountId: string },
    source: AutomationSource,
    delivery: AutomationRequest & { automation: string; ticket_id: string },
    updatedAt: string,
    response: Response,
  ) {
    const { run, replayed } = await acceptDelivery(db, {
      installationId: installation.installationId,
      accountId: installation.accountId,
      source,
      automation: delivery.automation,
      ticketId: delivery.ticket_id,
      deliveryKey: automationDeliveryKey(installation.installationId, { ...delivery, updated_at: updatedAt }),
      request: {
        phone: delivery.phone,
        template: delivery.template,
        language: delivery.language,
        parameters: delivery.parameters,
        text: delivery.text,
      },
    });
    if (replayed) response.set('Idempotent-Replayed', 'true');
    else wakeJobs();
    return run;
  }

  mountRoute(
    router,
    routes.receiveZendeskAutomation,
    async (_input, { request, response, rawBody }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch (error) {
        throw new DomainError('invalid_json', `The body is not valid JSON: ${(error as Error).message}.`);
      }
      // The tenant: the Zendesk account in {{ticket.url}}; its installations' secrets decide whether Zendesk signed it.
      const ticketUrl = (parsed as { ticket_url?: unknown } | null)?.ticket_url;
      const host =
        typeof ticketUrl === 'string' ? /^(?:https:\/\/)?([a-z0-9-]+\.zendesk\.com)\//.exec(ticketUrl)?.[1] : undefined;
      const candidates = host === undefined ? [] : await zendeskWebhookSecrets(db, secretBox, host);
      const signature = request.get(zendeskSignatureHeader);
      const timestamp = request.get(zendeskTimestampHeader);
      const verdicts = candidates.map((candidate) => ({
        candidate,
        verdict: verifyZendeskSignature({ body: rawBody, signature, timestamp, secret: candidate.secret }, clock),
      }));
      const signer = verdicts.find((entry) => entry.verdict === 'valid')?.candidate;
      if (signer === undefined) {
        const verdict = verdicts[0]?.verdict;
        if (signature === undefined || timestamp === undefined || verdict === 'missing') {
          throw signatureRefused('X-Zendesk-Webhook-Signature and its timestamp are required.');
        }
        if (verdict === 'stale')
          throw signatureRefused('The signature timestamp is more than 5 minutes from the bridge’s clock.');
        throw signatureRefused('The signature does not match the body with the webhook secret of this Zendesk account.');
      }
      const body = zendeskAutomationDelivery.safeParse(parsed);
      if (!body.success) {
        throw validationFailed(
          body.error.issues.map((issue) => ({
            path: ['body', ...issue.path.map(String)].join('.'),
            code: issue.code,
            message: issue.message,
          })),
        );
      }
      const delivery = body.data;
      return accept(signer, 'zendesk_automation', delivery, delivery.ticket_updated_at, response);
    },
    options,
    { rawBody: { limitBytes: zendeskBodyBytesMax } },
  );

  mountRoute(
    router,
    routes.receiveZohoAutomation,
    async ({ body }, { caller, response }) => {
      const installation = installationOf(caller);
      if (installation.helpdesk !== 'zoho') {
        throw new DomainError('installation_required', 'Workflow rules are Zoho Desk’s: use a Zoho Desk installation’s token.');
      }
      return accept(installation, 'zoho_workflow', body, body.ticket_modified_at, response);
    },
    options,
  );

  mountRoute(
    router,
    routes.putHelpdeskConnection,
    async ({ params, body }) => putConnection(db, secretBox, params.installation_id, body),
    options,
  );

  mountRoute(
    router,
    routes.getAutomationSettings,
    async (_input, { caller }) => loadAutomationSettings(db, installationOf(caller).accountId),
    options,
  );
  mountRoute(
    router,
    routes.putAutomationSettings,
    async ({ body }, { caller }) => saveAutomationSettings(db, installationOf(caller).accountId, body),
    options,
  );

  mountRoute(
    router,
    routes.getWindowReminder,
    async ({ params }, { caller }) => {
      const installation = installationOf(caller);
      const phone = normalizePhoneNumber(decodeURIComponent(params.phone));
      if (!phone.ok) throw validationFailed([{ path: 'path.phone', code: 'invalid_phone', message: phone.reason }]);
      return { reminder: await currentReminder(db, installation.deploymentId, phone.e164, clock.now()) };
    },
    options,
  );
  return router;
}
