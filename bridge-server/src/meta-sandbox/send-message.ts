import type * as z from 'zod';
import type { SandboxContext } from './context.js';
import { GraphError } from './graph-errors.js';
import { newWamid } from './ids.js';
import { checkMediaReference, type MetaMediaKind } from './media.js';
import { isWindowOpen, openFreeEntryPointIfDue, priceMessage } from './pricing.js';
import { type SendMessageRequest, sendMessageSchema, type TemplateParameter } from './send-schema.js';
import type { Customer, PhoneNumber, SentMessage, Template } from './state.js';
import { type LaterFailure, planStatuses, scheduleStatuses } from './status-scheduler.js';
import { checkTemplateParameters, findSendableTemplate } from './template-rules.js';

export interface SendResponse {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id?: string; user_id?: string }[];
  messages: { id: string; message_status?: 'accepted' }[];
}

/** One second: the span Meta's throughput limit (messages per second) is counted over. */
const throughputSpanMs = 1_000;

/** Graph-style detail for a validation issue: `Param text['body']: Too small…`. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((key, position) => (position === 0 ? String(key) : `['${String(key)}']`)).join('');
      return path === '' ? issue.message : `Param ${path}: ${issue.message}`;
    })
    .join('; ');
}

function parseRequest(body: unknown): SendMessageRequest {
  const parsed = sendMessageSchema.safeParse(body ?? {});
  if (!parsed.success) throw new GraphError(100, describeIssues(parsed.error));
  const request = parsed.data;
  if ((request.to === undefined) === (request.recipient === undefined)) {
    throw new GraphError(100, 'Param to is required (or recipient, for a business-scoped user id), but not both');
  }
  if (request[request.type] === undefined) {
    throw new GraphError(100, `Param ${request.type} is required for a message of type ${request.type}`);
  }
  return request;
}

/** `+81 90-1234-5678` → `819012345678`; Meta's wa_id is the number's digits (ignoring country quirks). */
function waIdOf(to: string): string {
  const digits = to.replace(/[\s().-]/g, '').replace(/^\+/, '');
  if (!/^\d{7,15}$/.test(digits)) {
    throw new GraphError(100, `Param to: (${to}) is not a valid phone number; use E.164, e.g. +15551234567`);
  }
  return digits;
}

/** Meta's limit counts API calls per number over the last second; calls over it are refused, not queued. */
function checkThroughput(context: SandboxContext, number: PhoneNumber): void {
  const nowMs = context.now();
  const limit = context.knobsFor(number.phoneNumberId).throughputMessagesPerSecond;
  number.recentSendTimesMs = number.recentSendTimesMs.filter((timeMs) => nowMs - timeMs < throughputSpanMs);
  if (number.recentSendTimesMs.length >= limit) {
    throw new GraphError(130429, 'Cloud API message throughput has been reached.');
  }
  number.recentSendTimesMs.push(nowMs);
}

interface Verdict {
  template: Template | undefined;
  /** A rule the message breaks that Meta reports either in the answer or as a `failed` status (policyErrors knob). */
  policyViolation: LaterFailure | undefined;
  /** Uploaded media Meta cannot deliver in this message: always a `failed` status after acceptance (131053). */
  mediaFailure: LaterFailure | undefined;
}

const mediaTypes: readonly MetaMediaKind[] = ['image', 'document', 'video', 'audio', 'sticker'];

function headerMediaOf(
  parameter: TemplateParameter,
): { kind: 'image' | 'document' | 'video'; id: string | undefined } | undefined {
  switch (parameter.type) {
    case 'image':
      return { kind: 'image', id: parameter.image.id };
    case 'document':
      return { kind: 'document', id: parameter.document.id };
    case 'video':
      return { kind: 'video', id: parameter.video.id };
    default:
      return undefined;
  }
}

/**
 * Every `{id}` media object of the send, the message's own or a template header's: an unusable id is refused now
 * (100), a file that does not fit the message fails later (131053). Links are fetched by Meta; the sandbox does not.
 */
function checkMediaIds(context: SandboxContext, number: PhoneNumber, request: SendMessageRequest): LaterFailure | undefined {
  const references: { kind: MetaMediaKind; id: string; path: string }[] = [];
  for (const kind of mediaTypes) {
    const id = request.type === kind ? request[kind]?.id : undefined;
    if (id !== undefined) references.push({ kind, id, path: kind });
  }
  for (const [componentIndex, component] of (request.template?.components ?? []).entries()) {
    for (const [parameterIndex, parameter] of component.parameters.entries()) {
      const media = headerMediaOf(parameter);
      const path = `template['components'][${componentIndex}]['parameters'][${parameterIndex}]['${media?.kind}']`;
      if (media?.id !== undefined) references.push({ kind: media.kind, id: media.id, path });
    }
  }
  let failure: LaterFailure | undefined;
  for (const reference of references)
    failure ??= checkMediaReference(context, number, reference.kind, reference.id, reference.path);
  return failure;
}

function judge(context: SandboxContext, number: PhoneNumber, request: SendMessageRequest, customer: Customer): Verdict {
  const mediaFailure = checkMediaIds(context, number, request);
  if (request.type === 'template' && request.template !== undefined) {
    const { name, language, components } = request.template;
    const template = findSendableTemplate(context.state, number.wabaId, name, language.code);
    checkTemplateParameters(template, components);
    const stopped = template.category === 'MARKETING' && customer.marketingStopped;
    const policyViolation = stopped
      ? {
          code: 131050 as const,
          details:
            'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
        }
      : undefined;
    return { template, policyViolation, mediaFailure };
  }
  const policyViolation = isWindowOpen(customer, context.now())
    ? undefined
    : {
        code: 131047 as const,
        details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      };
  return { template: undefined, policyViolation, mediaFailure };
}

/**
 * `POST /{phone-number-id}/messages`: applies Meta's rules in Meta's order (throughput, request shape,
 * registration, template, window and opt-out), records the accepted message and schedules its statuses.
 * Throws GraphError for everything Meta refuses synchronously.
 */
export function acceptSend(
  context: SandboxContext,
  number: PhoneNumber,
  body: unknown,
): { response: SendResponse; message: SentMessage } {
  checkThroughput(context, number);
  const request = parseRequest(body);
  if (!number.registered) {
    throw new GraphError(
      133010,
      'This phone number is not registered with the Cloud API; call POST /{phone-number-id}/register.',
    );
  }
  const waId = request.to !== undefined ? waIdOf(request.to) : undefined;
  const customer = context.state.upsertCustomer(number.phoneNumberId, { waId, userId: request.recipient });
  const knobs = context.knobsFor(number.phoneNumberId);
  const verdict = judge(context, number, request, customer);
  if (verdict.policyViolation !== undefined && knobs.policyErrors === 'response') {
    throw new GraphError(verdict.policyViolation.code, verdict.policyViolation.details);
  }
  const failure =
    verdict.policyViolation ??
    verdict.mediaFailure ??
    (customer.undeliverable ? { code: 131026 as const, details: 'Message Undeliverable.' } : undefined);
  const nowMs = context.now();
  if (failure === undefined) openFreeEntryPointIfDue(customer, nowMs);
  const message: SentMessage = {
    wamid: newWamid(customer.waId ?? customer.userId ?? 'unknown'),
    phoneNumberId: number.phoneNumberId,
    recipientWaId: customer.waId,
    recipientUserId: customer.userId,
    input: request.to ?? request.recipient ?? '',
    type: request.type,
    templateName: verdict.template?.name,
    templateLanguage: verdict.template?.language,
    pricing: failure === undefined ? priceMessage(customer, nowMs, verdict.template?.category) : undefined,
    bizOpaqueCallbackData: request.biz_opaque_callback_data,
    acceptedAtMs: nowMs,
    httpOutcome: 'answered',
    statuses: [],
    request: body,
  };
  context.state.messages.set(message.wamid, message);
  scheduleStatuses(context, number, message, planStatuses(knobs, customer, failure));
  return { response: sendResponse(message, waId, request.recipient), message };
}

function sendResponse(message: SentMessage, waId: string | undefined, userId: string | undefined): SendResponse {
  return {
    messaging_product: 'whatsapp',
    contacts: [
      {
        input: message.input,
        ...(waId !== undefined ? { wa_id: waId } : {}),
        ...(userId !== undefined ? { user_id: userId } : {}),
      },
    ],
    // Template sends carry message_status "accepted" (Cloud API send reference); free-form sends do not.
    messages: [{ id: message.wamid, ...(message.type === 'template' ? { message_status: 'accepted' as const } : {}) }],
  };
}
