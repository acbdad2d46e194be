import type { ContactStatus } from '../contract/contacts.js';
import type { Message, SendMessageRequest } from '../contract/messages.js';
import type { PricingQuoteResponse } from '../contract/pricing.js';
import type { TemplateSummary } from '../contract/templates.js';
import type { WalletOverview } from '../contract/wallet.js';
import { type ProblemCode, problemCodes } from '../errors.js';
import type { ConsentSource, ConsentState } from '../optin/consent.js';
import type { TemplateRule, Topic } from '../optin/topics.js';
import type { BridgeRequest, HelpdeskHost, TicketContext } from './host.js';

/*
 * The bridge API as the panel uses it: typed answers, and every failure as a `BridgeError` the panel can show.
 * Answers are trusted to follow the contract (the bridge validates its own output); only errors are inspected,
 * because proxies in between (Zendesk's, Zoho's) may answer with something that is not problem+json.
 */

export type BridgeError =
  /** The bridge answered with one of its problems (problem+json with a stable `code`). */
  | {
      kind: 'problem';
      code: ProblemCode;
      status: number;
      detail: string | undefined;
      requestId: string | undefined;
      /** The problem's `errors[]` (validation problems, `invalid_consent`): what is wrong, field by field. */
      errors?: ProblemFieldError[];
    }
  /** Something answered, but not with a problem the panel knows (a proxy's error page, an unknown code). */
  | { kind: 'unexpected'; status: number }
  /** Nothing answered: the request never reached the bridge. The outcome of a send is then unknown. */
  | { kind: 'unreachable' };

/** One entry of a problem's `errors[]`: `path` is `body.<field>`, `code` a stable code of the failed check. */
export interface ProblemFieldError {
  path: string;
  code: string;
  message: string;
}

/** An account's opt-in settings as the panel uses them (`GET /v1/optin-topics`, contract `OptinSettings`). */
export interface PanelOptinSettings {
  topics: Topic[];
  template_rules: TemplateRule[];
  business_names: string[];
}

/** The body of `POST /v1/contacts/{phone}/consents` (contract `RecordConsentRequest`). */
export interface RecordConsentBody {
  topic: string;
  state: ConsentState;
  source: ConsentSource;
  evidence: string;
  recorded_by?: string;
}

export class BridgeRequestError extends Error {
  constructor(readonly error: BridgeError) {
    super(error.kind === 'problem' ? `bridge problem ${error.code}` : `bridge ${error.kind}`);
    this.name = 'BridgeRequestError';
  }
}

export function bridgeErrorOf(thrown: unknown): BridgeError {
  return thrown instanceof BridgeRequestError ? thrown.error : { kind: 'unreachable' };
}

export interface BridgeApi {
  contactStatus(phoneE164: string): Promise<ContactStatus>;
  templates(): Promise<TemplateSummary[]>;
  ticketMessages(ticket: Pick<TicketContext, 'helpdesk' | 'ticketId'>): Promise<Message[]>;
  send(request: SendMessageRequest, idempotencyKey: string): Promise<Message>;
  optinSettings(): Promise<PanelOptinSettings>;
  recordConsent(phoneE164: string, body: RecordConsentBody): Promise<unknown>;
  /** What a message would cost now: a template (`template` + `language`) or a free-form reply (`text`). */
  quote(query: QuoteQuery): Promise<PricingQuoteResponse>;
  /** The wallet, its low-balance threshold and any unresolved payment problem. */
  wallet(): Promise<WalletOverview>;
}

/** The query of `GET /v1/pricing/quote` (contract `pricingQuoteQuery`). */
export type QuoteQuery = { to: string } & ({ template: string; language: string } | { text: true });

export function createBridgeApi(host: HelpdeskHost): BridgeApi {
  const call = async <T>(request: BridgeRequest): Promise<T> => {
    let response: Awaited<ReturnType<HelpdeskHost['request']>>;
    try {
      response = await host.request(request);
    } catch {
      throw new BridgeRequestError({ kind: 'unreachable' });
    }
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw new BridgeRequestError(problemOf(response.status, response.body));
  };
  return {
    contactStatus: (phoneE164) =>
      call<ContactStatus>({ method: 'GET', path: `/v1/contacts/${encodeURIComponent(phoneE164)}/status` }),
    templates: async () => (await call<{ data: TemplateSummary[] }>({ method: 'GET', path: '/v1/templates' })).data,
    ticketMessages: async (ticket) => {
      const query = new URLSearchParams({ ticket_helpdesk: ticket.helpdesk, ticket_id: ticket.ticketId });
      return (await call<{ data: Message[] }>({ method: 'GET', path: `/v1/messages?${query}` })).data;
    },
    send: (request, idempotencyKey) =>
      call<Message>({ method: 'POST', path: '/v1/messages', body: request, headers: { 'Idempotency-Key': idempotencyKey } }),
    optinSettings: () => call<PanelOptinSettings>({ method: 'GET', path: '/v1/optin-topics' }),
    recordConsent: (phoneE164, body) =>
      call<unknown>({ method: 'POST', path: `/v1/contacts/${encodeURIComponent(phoneE164)}/consents`, body }),
    quote: (query) => {
      const search = new URLSearchParams(
        'text' in query ? { to: query.to, text: '1' } : { to: query.to, template: query.template, language: query.language },
      );
      return call<PricingQuoteResponse>({ method: 'GET', path: `/v1/pricing/quote?${search}` });
    },
    wallet: () => call<WalletOverview>({ method: 'GET', path: '/v1/wallet' }),
  };
}

function problemOf(status: number, body: unknown): BridgeError {
  if (typeof body !== 'object' || body === null) return { kind: 'unexpected', status };
  const { code, detail, request_id: requestId, errors } = body as Record<string, unknown>;
  if (typeof code !== 'string' || !(problemCodes as string[]).includes(code)) return { kind: 'unexpected', status };
  const fieldErrors = Array.isArray(errors) ? errors.filter(isFieldError) : [];
  return {
    kind: 'problem',
    code: code as ProblemCode,
    status,
    detail: typeof detail === 'string' ? detail : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    ...(fieldErrors.length > 0 ? { errors: fieldErrors } : {}),
  };
}

function isFieldError(value: unknown): value is ProblemFieldError {
  if (typeof value !== 'object' || value === null) return false;
  const { path, code, message } = value as Record<string, unknown>;
  return typeof path === 'string' && typeof code === 'string' && typeof message === 'string';
}
