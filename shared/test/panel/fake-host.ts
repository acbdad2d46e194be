import { afterEach, expect } from 'vitest';
import { BridgeRequestError, type MatchedRoute, matchRoute, readAnswer } from '../../src/client/index.js';
import { problem as problemSchema } from '../../src/contract/common.js';
import type { ContactStatus, WindowStatus } from '../../src/contract/contacts.js';
import type { ConversationEntry } from '../../src/contract/conversations.js';
import { type Message, messagesQuery, sendMessageRequest } from '../../src/contract/messages.js';
import { type PricingQuoteResponse, pricingQuoteQuery } from '../../src/contract/pricing.js';
import { routes } from '../../src/contract/routes.js';
import type { TemplateSummary } from '../../src/contract/templates.js';
import type { WalletEvent } from '../../src/contract/wallet-events.js';
import { type ProblemCode, problemCatalogue } from '../../src/errors.js';
import {
  type ConsentRecord,
  checkSendConsent,
  currentConsent,
  describeConsentRefusal,
  type TemplateRule,
  type Topic,
  topicConfigurationSchema,
  topicForTemplate,
  topicIds,
  validateConsent,
} from '../../src/optin/index.js';
import type { BridgeRequest, BridgeResponse, HelpdeskHost, PanelLocale, TicketContext } from '../../src/panel/index.js';
import { countryOfPhoneNumber, normalizeCustomerNumber } from '../../src/phone.js';
import { listedParameters, messageTemplateSchema, validateTemplateValues } from '../../src/templates/index.js';

/*
 * An in-memory helpdesk with a bridge behind it, answering the routes the panel uses as the contract says
 * (shared/src/contract/routes.ts): answers in the contract's shapes, problems as problem+json with their catalogue
 * status, the send validated with the contract's own zod schema, and Idempotency-Key replayed, refused when reused
 * for another body. The opt-in registry as the bridge keeps it: the account's topics and business names
 * (`GET/PUT /v1/optin-topics`), consent records validated by the shared rules (`POST/GET /v1/contacts/{phone}/consents`),
 * each contact's `opt_in` derived from them, and a template send refused with `opt_in_required` without consent.
 * Points as the bridge keeps them: with `pricing` set (points per template category), `GET /v1/pricing/quote` prices a
 * template or a reply (free inside the window for replies and utility templates, free for everything in a free entry
 * point, `window_closed` for a reply outside it), `GET /v1/wallet` answers the wallet, and a paid send holds its
 * points (`insufficient_points` when they are not available). Without `pricing` (the default) the account is not
 * metered: quotes answer `pricing_not_configured`, the wallet reads zeros and messages carry no charge.
 * Every request is recorded, so tests can count them.
 */

export interface FakeOptinSettings {
  topics: Topic[];
  template_rules: TemplateRule[];
  business_names: string[];
}

export interface RecordedRequest extends BridgeRequest {
  /** The path without its query string. */
  route: string;
}

/** An answer in place of the bridge's: a response, a network failure, or undefined to let the bridge answer. */
type InterceptorAnswer = BridgeResponse | 'unreachable' | undefined;
type Interceptor = (request: RecordedRequest) => InterceptorAnswer | Promise<InterceptorAnswer>;

export class FakeHost implements HelpdeskHost {
  ticketContext: TicketContext = {
    ticketId: '4321',
    helpdesk: 'zendesk',
    requesterName: 'Hanako Yamada',
    requesterPhone: '+81 90-1234-5678',
  };
  agentLocale: PanelLocale = 'en';
  contacts = new Map<string, ContactStatus>();
  templates: TemplateSummary[] = [];
  messages: Message[] = [];
  optin: FakeOptinSettings = {
    topics: [{ id: 'marketing' }, { id: 'utility' }, { id: 'authentication' }],
    template_rules: [],
    business_names: ['Example Shop'],
  };
  /** The consent log, append-only; `phone` says whose. */
  consents: (ConsentRecord & { phone: string; recordedAt: string })[] = [];
  /** Who the agent is, as `HelpdeskHost.agent()` answers; undefined: the host cannot tell (the method is absent). */
  agentId: string | undefined = undefined;
  /** Points per template category (`marketing`, `utility`…), or null: the account has no point prices. */
  pricing: Record<string, number> | null = null;
  /** The account's wallet, in points. */
  wallet = { balance: 0, reserved: 0 };
  /** The account's low-balance threshold, as `GET /v1/wallet` answers it (the bridge's default). */
  lowBalanceThreshold = 100;
  /** The unresolved payment problem `GET /v1/wallet` answers, or null. */
  paymentProblem: WalletEvent | null = null;
  /** What customers wrote, as the conversation lists it (`phone` says whose). */
  inbound: (ConversationEntry & { phone: string })[] = [];
  /** The customer's WhatsApp profile name, as the conversation names them. */
  customerProfileName: string | null = null;
  /** Stream tokens issued so far. */
  streamTokens = 0;
  /** What the panel keeps in the host's storage (`HelpdeskHost.storage`), by key. */
  readonly stored = new Map<string, string>();
  readonly storage = {
    get: async (key: string) => this.stored.get(key) ?? null,
    set: async (key: string, value: string) => {
      this.stored.set(key, value);
    },
  };
  readonly requests: RecordedRequest[] = [];
  readonly heights: number[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly interceptors: Interceptor[] = [];
  private readonly idempotency = new Map<string, { body: string; response: BridgeResponse }>();
  private nextMessage = 1;
  /** The deployment's business number, as `GET /v1/installation` answers it: national numbers are read in its country. */
  displayPhoneNumber = '+81 3-1234-5678';
  /** The bridge's clock, for message timestamps. */
  now: () => number = () => Date.now();

  async ticket(): Promise<TicketContext> {
    return { ...this.ticketContext };
  }

  async locale(): Promise<PanelLocale> {
    return this.agentLocale;
  }

  get agent(): (() => Promise<string | null>) | undefined {
    const agentId = this.agentId;
    return agentId === undefined ? undefined : async () => agentId;
  }

  /** A consent recorded earlier (by a website, an import…), as if through `POST /v1/contacts/{phone}/consents`. */
  consent(
    phone: string,
    topic: string,
    state: 'opted_in' | 'opted_out' = 'opted_in',
    source: ConsentRecord['source'] = 'checkout',
  ) {
    const at = new Date(this.now() - 86_400_000);
    this.consents.push({
      phone,
      topic,
      state,
      source,
      evidence: `I agree to receive ${topic} messages from ${this.optin.business_names[0] ?? ''}.`,
      recordedBy: null,
      occurredAt: at,
      recordedAt: at.toISOString(),
      sequence: this.consents.length + 1,
    });
  }

  resize(heightPx: number): void {
    this.heights.push(heightPx);
  }

  onTicketChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The helpdesk tells the panel the agent opened another ticket. */
  changeTicket(ticket: Partial<TicketContext>): void {
    this.ticketContext = { ...this.ticketContext, ...ticket };
    for (const listener of this.listeners) listener();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Answers the next requests the interceptor cares about (it returns undefined to let the bridge answer). */
  intercept(interceptor: Interceptor): () => void {
    this.interceptors.push(interceptor);
    return () => this.interceptors.splice(this.interceptors.indexOf(interceptor), 1);
  }

  count(method: BridgeRequest['method'], route: string | RegExp): number {
    return this.requests.filter(
      (request) => request.method === method && (typeof route === 'string' ? request.route === route : route.test(request.route)),
    ).length;
  }

  posts(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.route === '/v1/messages');
  }

  async request(request: BridgeRequest): Promise<BridgeResponse> {
    const recorded: RecordedRequest = { ...request, route: request.path.split('?')[0] ?? request.path };
    this.requests.push(recorded);
    for (const interceptor of this.interceptors) {
      const answer = await interceptor(recorded);
      if (answer === 'unreachable') throw new TypeError('Failed to fetch');
      // Interceptors stand for what sits between the panel and the bridge (proxies, faults): not checked.
      if (answer !== undefined) return answer;
    }
    const matched = matchRoute(routes, request.method, request.path);
    const answer = matched === undefined ? problem('not_found') : this.answer(matched, recorded);
    checkAnswer(matched, request, answer);
    return answer;
  }

  /** The bridge's answer to a request for one of the contract's routes, by the route's name. */
  private answer({ name, params, query }: MatchedRoute, request: RecordedRequest): BridgeResponse {
    switch (name) {
      case 'contactStatus':
        return this.contactStatus(params.phone ?? '');
      case 'listTemplates':
        return ok({ data: this.templates.filter((template) => template.status === 'APPROVED') });
      case 'listMessages': {
        const parsed = messagesQuery.safeParse(query);
        if (!parsed.success) return problem('validation_failed');
        const { ticket_helpdesk: helpdesk, ticket_id: ticketId } = parsed.data;
        return ok({
          data: this.messages.filter((message) => message.ticket?.helpdesk === helpdesk && message.ticket.id === ticketId),
        });
      }
      case 'sendMessage':
        return this.send(request);
      case 'pricingQuote':
        return this.quoteAnswer(query);
      case 'getWallet': {
        const { balance, reserved } = this.wallet;
        const available = balance - reserved;
        return ok({
          balance,
          reserved,
          available,
          unit: 'point',
          low_balance_threshold: this.lowBalanceThreshold,
          low: available < this.lowBalanceThreshold,
          payment_problem: this.paymentProblem,
        });
      }
      case 'getConversation': {
        const phone = params.phone ?? '';
        const entries = [
          ...this.inbound.filter((entry) => entry.phone === phone).map(({ phone: _phone, ...entry }) => entry),
          ...this.messages
            .filter((message) => message.to === phone)
            .map((message) => ({
              id: message.id,
              direction: 'outbound' as const,
              at: message.created_at,
              type:
                message.kind === 'template' ? 'template' : message.kind === 'media' ? (message.media?.kind ?? 'media') : 'text',
              text:
                message.text ??
                message.media?.caption ??
                (message.template === null ? null : `Rendered ${message.template.name}`),
              media: null,
              wamid: message.wamid,
              message,
            })),
        ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        return ok({ contact: { phone, name: this.customerProfileName }, data: entries, next_cursor: null });
      }
      case 'createStreamToken': {
        const phone = params.phone ?? '';
        const token = `wbs_test${++this.streamTokens}`;
        return {
          status: 201,
          body: {
            token,
            expires_at: new Date(this.now() + 600_000).toISOString(),
            stream_url: `https://bridge.test/v1/conversations/${encodeURIComponent(phone)}/events?token=${token}&last_event_id=1.1`,
            position: '1.1',
          },
        };
      }
      case 'getOptinSettings':
        return ok(this.presentOptin());
      case 'getInstallationContext':
        return ok({
          installation_id: 'ins_0h2kq3v8x9w1m4n5p6r7s8t9',
          helpdesk: this.ticketContext.helpdesk,
          deployment: {
            id: 'dep_0h2kq3v8x9w1m4n5p6r7s8t9',
            display_phone_number: this.displayPhoneNumber,
            country: countryOfPhoneNumber(this.displayPhoneNumber) ?? null,
          },
        });
      case 'putOptinSettings':
        return this.putOptin(request.body);
      case 'recordConsent':
      case 'listConsents': {
        const phone = params.phone ?? '';
        if (!normalizeCustomerNumber(phone).ok) return problem('validation_failed');
        if (name === 'recordConsent') return this.recordConsent(phone, request.body);
        return ok({ data: this.consentsOf(phone).map(presentConsent) });
      }
      default:
        // A route of the contract the panel does not use: this fake does not serve it.
        return problem('not_found');
    }
  }

  private quoteAnswer(query: MatchedRoute['query']): BridgeResponse {
    const parsed = pricingQuoteQuery.safeParse(query);
    if (!parsed.success) return problem('validation_failed');
    const { to, template, language } = parsed.data;
    const quote = this.quote(to, template === undefined || language === undefined ? null : { name: template, language });
    return 'status' in quote ? quote : ok(quote);
  }

  /** The price of a message to `to`: a template, or a free-form reply (null); a problem when it has none. */
  private quote(to: string, template: { name: string; language: string } | null): PricingQuoteResponse | BridgeResponse {
    if (this.pricing === null) return problem('pricing_not_configured');
    let category = 'service';
    if (template !== null) {
      const listed = this.templates.find(
        (candidate) => candidate.name === template.name && candidate.language === template.language,
      );
      if (listed === undefined) return problem('template_not_found');
      category = listed.category.toLowerCase();
    }
    const window = this.contacts.get(to)?.window;
    const now = this.now();
    const open = window?.state === 'open' && window.expires_at !== null && Date.parse(window.expires_at) > now;
    const freeEntryPoint = window?.free_until != null && Date.parse(window.free_until) > now;
    const price = { category, market: 'JP', rate_card: 'rc-test', rule_set: 'pmp-2025-07-01' };
    if (freeEntryPoint) return { ...price, points: 0, free_reason: 'free_entry_point', rate_micro_usd: 0 };
    if (template === null && !open) return problem('window_closed');
    if (open && (category === 'service' || category === 'utility')) {
      return { ...price, points: 0, free_reason: 'customer_service_window', rate_micro_usd: 0 };
    }
    const points = this.pricing[category];
    if (points === undefined) return problem('not_priceable');
    return { ...price, points, free_reason: points === 0 ? 'free_tier' : null, rate_micro_usd: points * 1000 };
  }

  private contactStatus(phone: string): BridgeResponse {
    const normalized = normalizeCustomerNumber(phone);
    if (!normalized.ok || normalized.e164 !== phone) return problem('validation_failed');
    // An unknown contact has a closed window, not an error (contract: ContactStatus).
    const status = this.contacts.get(phone) ?? contactStatus(phone, closedWindow());
    return ok({ ...status, opt_in: this.optInOf(phone) });
  }

  private consentsOf(phone: string) {
    return this.consents.filter((record) => record.phone === phone);
  }

  private optInOf(phone: string): ContactStatus['opt_in'] {
    const consent = currentConsent(this.consentsOf(phone), topicIds(this.optin));
    return Object.fromEntries(
      Object.entries(consent).map(([topic, { state, source, at }]) => [
        topic,
        { state, source, at: at === null ? null : at.toISOString() },
      ]),
    );
  }

  private presentOptin() {
    return {
      topics: topicConfigurationSchema.parse({ topics: this.optin.topics }).topics,
      template_rules: this.optin.template_rules,
      keywords: {},
      business_names: this.optin.business_names,
      confirmations: { opt_out: null, opt_in: null },
    };
  }

  private putOptin(body: unknown): BridgeResponse {
    const { business_names: businessNames, ...configuration } = (body ?? {}) as Record<string, unknown>;
    const parsed = topicConfigurationSchema.safeParse({
      topics: configuration.topics,
      template_rules: configuration.template_rules,
    });
    if (!parsed.success) return problem('validation_failed');
    this.optin = {
      ...parsed.data,
      business_names: Array.isArray(businessNames) ? (businessNames as string[]) : this.optin.business_names,
    };
    return ok(this.presentOptin());
  }

  private recordConsent(phone: string, body: unknown): BridgeResponse {
    const validation = validateConsent(body, {
      businessNames: this.optin.business_names,
      knownTopics: topicIds(this.optin),
      now: new Date(this.now()),
    });
    if (!validation.ok) {
      const answer = problem('invalid_consent', validation.problems.map((entry) => entry.message).join('; '));
      return {
        ...answer,
        body: {
          ...(answer.body as object),
          errors: validation.problems.map((entry) => ({ path: `body.${entry.field}`, code: entry.code, message: entry.message })),
        },
      };
    }
    const record = {
      ...validation.entry,
      phone,
      recordedAt: new Date(this.now()).toISOString(),
      sequence: this.consents.length + 1,
    };
    this.consents.push(record);
    return { status: 201, body: presentConsent(record) };
  }

  private send(request: RecordedRequest): BridgeResponse {
    const key = headerOf(request, 'idempotency-key');
    if (key === undefined) return problem('validation_failed');
    const body = JSON.stringify(request.body);
    const earlier = this.idempotency.get(key);
    if (earlier !== undefined) return earlier.body === body ? earlier.response : problem('idempotency_key_reused');
    const response = this.sendOnce(request.body);
    this.idempotency.set(key, { body, response });
    return response;
  }

  private sendOnce(body: unknown): BridgeResponse {
    const parsed = sendMessageRequest.safeParse(body);
    if (!parsed.success) return problem('validation_failed');
    const { to, text, template, ticket } = parsed.data;
    if (text !== undefined) {
      const window = this.contacts.get(to)?.window;
      const open = window?.state === 'open' && window.expires_at !== null && Date.parse(window.expires_at) > this.now();
      if (!open) return problem('window_closed');
    }
    if (template !== undefined) {
      const listed = this.templates.find(
        (candidate) => candidate.name === template.name && candidate.language === template.language,
      );
      if (listed === undefined) return problem('template_not_found');
      if (listed.status !== 'APPROVED') return problem('template_not_approved');
      const topic = topicForTemplate(this.optin, { name: listed.name, category: listed.category });
      const verdict = checkSendConsent({
        messageKind: 'template',
        topic,
        consent: currentConsent(this.consentsOf(to), topicIds(this.optin)),
      });
      if (!verdict.allowed) {
        const answer = problem('opt_in_required', describeConsentRefusal(verdict));
        return {
          ...answer,
          body: { ...(answer.body as object), topic: verdict.topic, opt_in_state: verdict.state, reason: verdict.reason },
        };
      }
      if (validateTemplateValues(messageTemplateSchema.parse(listed), template.parameters).length > 0) {
        return problem('invalid_template_parameters');
      }
    }
    const quote = this.quote(to, template === undefined ? null : { name: template.name, language: template.language });
    let charge: Message['charge'] = null;
    if (!('status' in quote)) {
      if (quote.points > this.wallet.balance - this.wallet.reserved) return problem('insufficient_points');
      this.wallet = { ...this.wallet, reserved: this.wallet.reserved + quote.points };
      charge = {
        points: quote.points,
        state: quote.points === 0 ? 'free' : 'held',
        captured_points: null,
        free_reason: quote.free_reason,
        category: quote.category,
        market: quote.market,
        meta_category: null,
        category_mismatch: false,
      };
    } else if (this.pricing !== null) {
      return quote;
    }
    const at = new Date(this.now()).toISOString();
    const message: Message = {
      id: `msg_${String(this.nextMessage++).padStart(24, '0')}`,
      deployment_id: 'dep_000000000000000000000001',
      to,
      kind: template !== undefined ? 'template' : 'text',
      state: 'accepted',
      status: 'accepted',
      wamid: `wamid.${this.nextMessage}`,
      template: template === undefined ? null : { name: template.name, language: template.language, category: 'UTILITY' },
      text: text?.body ?? null,
      media: null,
      source: 'agent',
      automation: null,
      ticket: ticket ?? null,
      error: null,
      charge,
      timeline: [{ status: 'accepted', at }],
      created_at: at,
      updated_at: at,
    };
    this.messages.push(message);
    return { status: 202, body: message };
  }

  /**
   * Meta reports a status for a message, as the webhook processor would store it: a held charge is captured when the
   * message is read and returned when it failed, and Meta's 131050 opts the customer out of marketing.
   */
  reportStatus(id: string, status: NonNullable<Message['status']>, error: Message['error'] = null): void {
    this.messages = this.messages.map((message) => {
      if (message.id !== id) return message;
      let charge = message.charge;
      if (charge?.state === 'held' && (status === 'read' || status === 'failed')) {
        const captured = status === 'read' ? charge.points : 0;
        this.wallet = { balance: this.wallet.balance - captured, reserved: this.wallet.reserved - charge.points };
        charge =
          status === 'read' ? { ...charge, state: 'captured', captured_points: captured } : { ...charge, state: 'released' };
      }
      if (status === 'failed' && error?.code === 131050)
        this.consent(message.to, 'marketing', 'opted_out', 'whatsapp_preferences');
      return {
        ...message,
        status,
        state: status === 'failed' ? 'failed' : message.state,
        error,
        charge,
        timeline: [...message.timeline, { status, at: new Date(this.now()).toISOString() }],
      };
    });
  }
}

/**
 * Answers of this fake's bridge that the contract does not allow: a success with another status or a body its
 * response schema refuses, a problem that is not problem+json with the catalogue's status. Each is a defect of
 * the fake (tests against it would mean nothing), so every test fails when one is left.
 */
const contractViolations: string[] = [];

afterEach(() => {
  const violations = contractViolations.splice(0);
  expect(violations, 'the fake bridge answered against the contract').toEqual([]);
});

function checkAnswer(matched: MatchedRoute | undefined, request: BridgeRequest, answer: BridgeResponse): void {
  const where = `${request.method} ${request.path} (${matched?.name ?? 'no route'})`;
  if (answer.status >= 400) {
    const parsed = problemSchema.safeParse(answer.body);
    if (!parsed.success) contractViolations.push(`${where}: ${answer.status} is not problem+json`);
    else if (problemCatalogue[parsed.data.code].status !== answer.status) {
      contractViolations.push(`${where}: ${parsed.data.code} answered with ${answer.status}`);
    }
    return;
  }
  if (matched === undefined) {
    contractViolations.push(`${where}: answered ${answer.status} for a path the contract does not have`);
    return;
  }
  try {
    readAnswer(matched.name, matched.route, answer);
  } catch (error) {
    contractViolations.push(error instanceof BridgeRequestError ? error.message : String(error));
  }
}

/** A request header, whatever the case of its name (HTTP header names are case-insensitive). */
function headerOf(request: BridgeRequest, name: string): string | undefined {
  return Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** A consent record as the contract's `ConsentRecord` presents it. */
function presentConsent(record: ConsentRecord & { phone: string; recordedAt: string }) {
  return {
    id: record.sequence,
    phone: record.phone,
    topic: record.topic,
    state: record.state,
    source: record.source,
    evidence: record.evidence,
    recorded_by: record.recordedBy,
    occurred_at: record.occurredAt.toISOString(),
    recorded_at: record.recordedAt,
    message_ref: null,
  };
}

export function ok(body: unknown): BridgeResponse {
  return { status: 200, body };
}

export function problem(code: ProblemCode, detail = 'detail from the bridge'): BridgeResponse {
  const { status, title } = problemCatalogue[code];
  return { status, body: { type: `/problems/${code}`, title, status, detail, code, request_id: 'req_1' } };
}

export function closedWindow(fields: Partial<WindowStatus> = {}): WindowStatus {
  return {
    state: 'closed',
    kind: null,
    opened_at: null,
    expires_at: null,
    free_until: null,
    free_entry_point_offer_expires_at: null,
    ...fields,
  };
}

/** A window the customer opened `ageMs` ago, as the bridge reports it at `nowMs`. */
export function openWindow(nowMs: number, ageMs: number, fields: Partial<WindowStatus> = {}): WindowStatus {
  const openedAt = nowMs - ageMs;
  return {
    state: 'open',
    kind: 'customer_service',
    opened_at: new Date(openedAt).toISOString(),
    expires_at: new Date(openedAt + 24 * 3600_000).toISOString(),
    free_until: null,
    free_entry_point_offer_expires_at: null,
    ...fields,
  };
}

export function contactStatus(
  phone: string,
  window: WindowStatus,
  lastInboundAt: string | null = window.opened_at,
): ContactStatus {
  return {
    contact: { phone, wa_id: phone.slice(1), user_id: null, name: null },
    window,
    last_inbound_at: lastInboundAt,
    opt_in: {},
  };
}

/** A template as `GET /v1/templates` lists it, its `parameters` computed as the bridge does (templates/model.ts). */
export function listedTemplate(fields: {
  name: string;
  language: string;
  category?: string;
  status?: string;
  parameter_format?: 'POSITIONAL' | 'NAMED';
  components: Record<string, unknown>[];
}): TemplateSummary {
  const parsed = messageTemplateSchema.parse({
    id: `id_${fields.name}_${fields.language}`,
    category: 'UTILITY',
    status: 'APPROVED',
    ...fields,
  });
  return {
    id: parsed.id,
    name: parsed.name,
    language: parsed.language,
    category: parsed.category,
    previous_category: null,
    status: parsed.status,
    parameter_format: parsed.parameter_format,
    components: parsed.components,
    parameters: listedParameters(parsed),
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}
