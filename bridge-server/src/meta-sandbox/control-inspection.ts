import type { Request, Router } from 'express';
import type { SandboxContext } from './context.js';
import { controlRoute, notFound, parseInput } from './control-errors.js';
import { applyKnobsPatch, knobsPatchSchema } from './knobs.js';
import { mediaOf, mediaView } from './media.js';
import type { Delivery, SentMessage } from './state.js';

/** The inspection side of the control API: what was sent, what was delivered, knobs, reset and health. */

function messageView(message: SentMessage): Record<string, unknown> {
  return {
    id: message.wamid,
    phone_number_id: message.phoneNumberId,
    to: message.input,
    wa_id: message.recipientWaId ?? null,
    user_id: message.recipientUserId ?? null,
    type: message.type,
    template: message.templateName === undefined ? null : { name: message.templateName, language: message.templateLanguage },
    pricing: message.pricing ?? null,
    biz_opaque_callback_data: message.bizOpaqueCallbackData ?? null,
    accepted_at: new Date(message.acceptedAtMs).toISOString(),
    http_outcome: message.httpOutcome,
    statuses: message.statuses.map((record) => ({
      status: record.status,
      timestamp: String(record.timestampSeconds),
      ...(record.errors !== undefined ? { errors: record.errors } : {}),
    })),
    request: message.request,
  };
}

function deliveryView(delivery: Delivery): Record<string, unknown> {
  return {
    id: delivery.id,
    phone_number_id: delivery.phoneNumberId,
    waba_id: delivery.wabaId,
    url: delivery.url ?? null,
    fields: delivery.fields,
    state: delivery.state,
    duplicate_of: delivery.duplicateOf ?? null,
    created_at: new Date(delivery.createdAtMs).toISOString(),
    attempts: delivery.attempts.map((attempt) => ({
      at: new Date(attempt.atMs).toISOString(),
      duration_ms: attempt.durationMs,
      http_status: attempt.httpStatus ?? null,
      error: attempt.error ?? null,
    })),
    signature: delivery.signature,
    body: delivery.body,
  };
}

const optionalQuery = (request: Request, name: string) => {
  const value = request.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

export function inspectionRoutes(router: Router, context: SandboxContext, reset: () => void): void {
  router.get(
    '/sandbox/messages',
    controlRoute((request, response) => {
      const phoneNumberId = optionalQuery(request, 'phone_number_id');
      const recipient = optionalQuery(request, 'recipient');
      const messages = [...context.state.messages.values()].filter(
        (message) =>
          (phoneNumberId === undefined || message.phoneNumberId === phoneNumberId) &&
          (recipient === undefined || message.recipientWaId === recipient || message.recipientUserId === recipient),
      );
      response.json({ data: messages.map(messageView) });
    }),
  );
  router.get(
    '/sandbox/messages/:wamid',
    controlRoute((request, response) => {
      const message = context.state.messages.get(String(request.params.wamid));
      if (message === undefined) throw notFound(`Message ${String(request.params.wamid)}`);
      response.json(messageView(message));
    }),
  );
  router.get(
    '/sandbox/media',
    controlRoute((request, response) => {
      response.json({ data: mediaOf(context.state, optionalQuery(request, 'phone_number_id')).map(mediaView) });
    }),
  );
  router.get(
    '/sandbox/media/:mediaId',
    controlRoute((request, response) => {
      const media = context.state.media.get(String(request.params.mediaId));
      if (media === undefined) throw notFound(`Media ${String(request.params.mediaId)}`);
      response.json(mediaView(media));
    }),
  );
  router.get(
    '/sandbox/deliveries',
    controlRoute((request, response) => {
      const phoneNumberId = optionalQuery(request, 'phone_number_id');
      const field = optionalQuery(request, 'field');
      const state = optionalQuery(request, 'state');
      const deliveries = context.state.deliveries.filter(
        (delivery) =>
          (phoneNumberId === undefined || delivery.phoneNumberId === phoneNumberId) &&
          (field === undefined || delivery.fields.includes(field)) &&
          (state === undefined || delivery.state === state),
      );
      response.json({ data: deliveries.map(deliveryView) });
    }),
  );
  router.get(
    '/sandbox/knobs',
    controlRoute((_request, response) => {
      const overrides = Object.fromEntries(
        [...context.state.numbers.values()].map((number) => [number.phoneNumberId, number.knobs]),
      );
      response.json({ global: context.state.knobs, numbers: overrides });
    }),
  );
  router.put(
    '/sandbox/knobs',
    controlRoute((request, response) => {
      context.state.knobs = applyKnobsPatch(context.state.knobs, parseInput(knobsPatchSchema, request.body, 'body'));
      response.json({ global: context.state.knobs });
    }),
  );
  router.post(
    '/sandbox/reset',
    controlRoute((_request, response) => {
      reset();
      response.json({ numbers: [...context.state.numbers.keys()] });
    }),
  );
  router.get(
    '/sandbox/health',
    controlRoute((_request, response) => {
      response.json({ ok: true, numbers: context.state.numbers.size, pending_work: context.timers.pendingCount });
    }),
  );
}
