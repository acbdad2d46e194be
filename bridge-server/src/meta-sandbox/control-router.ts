/**
 * The control API of the sandbox, under /sandbox (no Graph token; JSON in and out; every body validated with
 * zod; errors answered as {error:{code, message, issues?}}):
 *
 *   GET    /sandbox/health                                  liveness and pending work
 *   POST   /sandbox/reset                                   forget everything, re-register configured numbers
 *   GET    /sandbox/knobs            PUT /sandbox/knobs     global knobs (see knobs.ts), partial updates
 *   POST   /sandbox/numbers                                 create or replace a number (seeds its WABA's templates)
 *   GET    /sandbox/numbers[/:id]    PATCH /sandbox/numbers/:id   read / change a number (quality, tier, registration…)
 *   PUT    /sandbox/numbers/:id/knobs  DELETE …/knobs       per-number knob overrides
 *   POST   /sandbox/numbers/:id/send-fault                  {mode: hang|error_500|reset|throttle|pair_limit|reset_before|none, count?}
 *   GET    /sandbox/numbers/:id/customers  POST …/customers customer settings (undeliverable, never_read…)
 *   POST   /sandbox/numbers/:id/inbound                     the customer writes (text or image, timestamp?, referral?)
 *   POST   /sandbox/numbers/:id/marketing-preference        the customer presses Stop / Resume
 *   POST   /sandbox/numbers/:id/quality                     phone_number_quality_update
 *   POST   /sandbox/numbers/:id/name-decision               phone_number_name_update (display name review)
 *   GET    /sandbox/numbers/:id/verification-codes          the codes request_code "sent" (SMS/VOICE, language)
 *   GET    /sandbox/wabas/:waba/templates                   templates with their current state
 *   POST   /sandbox/wabas/:waba/template-status             message_template_status_update
 *   POST   /sandbox/wabas/:waba/template-category           template_category_update
 *   POST   /sandbox/wabas/:waba/account-update              account_update
 *   GET    /sandbox/messages[/:wamid]                       accepted sends and their statuses
 *   GET    /sandbox/media[/:id]?phone_number_id             uploaded media (type declared and detected, size, SHA-256)
 *   GET    /sandbox/deliveries?phone_number_id&field&state  webhook bodies, signatures and attempts
 */
import express, { type ErrorRequestHandler, type Request, Router } from 'express';
import * as z from 'zod';
import type { SandboxContext } from './context.js';
import { ControlError, controlRoute, notFound, parseInput, sendControlError } from './control-errors.js';
import { inspectionRoutes } from './control-inspection.js';
import {
  accountUpdateSchema,
  changeMarketingPreference,
  changeQuality,
  changeTemplateCategory,
  changeTemplateStatus,
  customerInputSchema,
  customerView,
  decideName,
  emitAccountUpdate,
  inboundSchema,
  nameDecisionSchema,
  preferenceSchema,
  qualitySchema,
  receiveInbound,
  templateCategorySchema,
  templateStatusSchema,
  upsertCustomerSettings,
} from './customer-actions.js';
import { applyKnobsPatch, knobsPatchSchema } from './knobs.js';
import { numberInputSchema, numberPatchSchema, numberView, patchNumber, upsertNumber } from './numbers.js';
import { type PhoneNumber, sendFaultModes } from './state.js';
import { templateResource } from './templates-seed.js';

/** Control bodies are a few hundred bytes of JSON; 256 KB leaves room for long test texts and bounds memory. */
const controlBodyLimitBytes = 256 * 1024;

function numberOf(context: SandboxContext, request: Request): PhoneNumber {
  const phoneNumberId = String(request.params.phoneNumberId);
  const number = context.state.numbers.get(phoneNumberId);
  if (number === undefined) throw notFound(`Number ${phoneNumberId}`);
  return number;
}

const sendFaultSchema = z.strictObject({
  mode: z.enum([...sendFaultModes, 'none']),
  /** How many of the next sends are affected; leave out for every send until cleared with mode none. */
  count: z.int().min(1).max(10_000).optional(),
});

function numberRoutes(router: Router, context: SandboxContext): void {
  router.post(
    '/sandbox/numbers',
    controlRoute((request, response) => {
      const input = parseInput(numberInputSchema, request.body, 'body');
      const existed = context.state.numbers.has(input.phone_number_id);
      response.status(existed ? 200 : 201).json(numberView(upsertNumber(context.state, input)));
    }),
  );
  router.get(
    '/sandbox/numbers',
    controlRoute((_request, response) => {
      response.json({ data: [...context.state.numbers.values()].map(numberView) });
    }),
  );
  router.get(
    '/sandbox/numbers/:phoneNumberId',
    controlRoute((request, response) => {
      response.json(numberView(numberOf(context, request)));
    }),
  );
  router.patch(
    '/sandbox/numbers/:phoneNumberId',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      patchNumber(number, parseInput(numberPatchSchema, request.body, 'body'));
      response.json(numberView(number));
    }),
  );
  router.put(
    '/sandbox/numbers/:phoneNumberId/knobs',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      number.knobs = applyKnobsPatch(number.knobs, parseInput(knobsPatchSchema, request.body, 'body'));
      response.json({ overrides: number.knobs, effective: context.knobsFor(number.phoneNumberId) });
    }),
  );
  router.delete(
    '/sandbox/numbers/:phoneNumberId/knobs',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      number.knobs = {};
      response.json({ overrides: number.knobs, effective: context.knobsFor(number.phoneNumberId) });
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/send-fault',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      const input = parseInput(sendFaultSchema, request.body, 'body');
      number.sendFault = input.mode === 'none' ? undefined : { mode: input.mode, remaining: input.count };
      response.json({ send_fault: number.sendFault ?? null });
    }),
  );
}

function customerRoutes(router: Router, context: SandboxContext): void {
  router.get(
    '/sandbox/numbers/:phoneNumberId/customers',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      const nowMs = context.now();
      response.json({ data: context.state.customersOf(number.phoneNumberId).map((customer) => customerView(customer, nowMs)) });
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/customers',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      response.json(upsertCustomerSettings(context, number, parseInput(customerInputSchema, request.body, 'body')));
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/inbound',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      response.status(201).json(receiveInbound(context, number, parseInput(inboundSchema, request.body, 'body')));
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/marketing-preference',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      response.json(changeMarketingPreference(context, number, parseInput(preferenceSchema, request.body, 'body')));
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/name-decision',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      response.json(decideName(context, number, parseInput(nameDecisionSchema, request.body, 'body')));
    }),
  );
  router.get(
    '/sandbox/numbers/:phoneNumberId/verification-codes',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      const codes = number.sentCodes.map((sent) => ({
        code: sent.code,
        code_method: sent.codeMethod,
        language: sent.language,
        sent_at: new Date(sent.sentAtMs).toISOString(),
      }));
      response.json({ data: codes });
    }),
  );
  router.post(
    '/sandbox/numbers/:phoneNumberId/quality',
    controlRoute((request, response) => {
      const number = numberOf(context, request);
      response.json(changeQuality(context, number, parseInput(qualitySchema, request.body, 'body')));
    }),
  );
}

function wabaRoutes(router: Router, context: SandboxContext): void {
  router.get(
    '/sandbox/wabas/:wabaId/templates',
    controlRoute((request, response) => {
      const templates = context.state.templates.get(String(request.params.wabaId));
      if (templates === undefined) throw notFound(`WABA ${String(request.params.wabaId)}`);
      response.json({ data: templates.map(templateResource) });
    }),
  );
  router.post(
    '/sandbox/wabas/:wabaId/template-status',
    controlRoute((request, response) => {
      const input = parseInput(templateStatusSchema, request.body, 'body');
      response.json(changeTemplateStatus(context, String(request.params.wabaId), input));
    }),
  );
  router.post(
    '/sandbox/wabas/:wabaId/template-category',
    controlRoute((request, response) => {
      const input = parseInput(templateCategorySchema, request.body, 'body');
      response.json(changeTemplateCategory(context, String(request.params.wabaId), input));
    }),
  );
  router.post(
    '/sandbox/wabas/:wabaId/account-update',
    controlRoute((request, response) => {
      const input = parseInput(accountUpdateSchema, request.body, 'body');
      response.json(emitAccountUpdate(context, String(request.params.wabaId), input));
    }),
  );
}

const controlErrorHandler: ErrorRequestHandler = (error: unknown, _request, response, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    sendControlError(response, new ControlError(400, 'invalid_json', `The body is not valid JSON: ${(error as Error).message}`));
  } else if (type === 'entity.too.large') {
    sendControlError(response, new ControlError(413, 'payload_too_large', `The body exceeds ${controlBodyLimitBytes} bytes.`));
  } else {
    next(error);
  }
};

/** `/sandbox/…`: drive the simulated Meta (numbers, customers, template reviews, knobs) and inspect what it did. */
export function controlRouter(context: SandboxContext, reset: () => void): Router {
  const router = Router();
  router.use('/sandbox', express.json({ limit: controlBodyLimitBytes }));
  numberRoutes(router, context);
  customerRoutes(router, context);
  wabaRoutes(router, context);
  inspectionRoutes(router, context, reset);
  router.use('/sandbox', (request, response) => {
    sendControlError(
      response,
      new ControlError(404, 'not_found', `No control endpoint ${request.method} ${request.originalUrl.split('?')[0]}.`),
    );
  });
  router.use('/sandbox', controlErrorHandler);
  return router;
}
