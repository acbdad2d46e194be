import { type BridgeClient, type CallInput, createBridgeClient, fetchTransport } from '../client/index.js';
import type { ContactStatus } from '../contract/contacts.js';
import { type Conversation, conversationRoutes } from '../contract/conversations.js';
import type { MediaUpload } from '../contract/media.js';
import type { Message, SendMessageRequest } from '../contract/messages.js';
import type { OptinSettings } from '../contract/optin.js';
import type { PricingQuoteResponse } from '../contract/pricing.js';
import { type InstallationContext, installationContextRoutes } from '../contract/routes/installation.js';
import { liveRoutes, type StreamToken } from '../contract/routes/live.js';
import { mediaUploadRoutes, type UploadToken, uploadMediaWithTokenPath } from '../contract/routes/media-uploads.js';
import { panelRoutes } from '../contract/routes/panel.js';
import type { TemplateSummary } from '../contract/templates.js';
import type { WalletOverview } from '../contract/wallet.js';
import type { HelpdeskHost, TicketContext } from './host.js';

/*
 * The bridge API as the panel uses it, on the contract's client (shared/src/client) over the helpdesk host's
 * proxy: paths come from the contract's route table, answers are checked against the route's response schema
 * (a proxy or a fake answering otherwise is an `unexpected` failure, never a mistyped value), and every failure is
 * a `BridgeRequestError` the panel can show.
 */

export {
  type BridgeError,
  BridgeRequestError,
  bridgeErrorOf,
  type ProblemFieldError,
} from '../client/index.js';

/**
 * The routes the panel calls, and only those: the client checks every answer against its route, and the contract's
 * whole table (contract/routes.ts) would bring every admin route's schemas, and the rate-card tables behind them, into
 * both helpdesk apps' bundles (test/BENCHMARKS.md).
 */
export const panelRouteTable = {
  ...panelRoutes,
  getConversation: conversationRoutes.getConversation,
  createStreamToken: liveRoutes.createStreamToken,
  getInstallationContext: installationContextRoutes.getInstallationContext,
  createUploadToken: mediaUploadRoutes.createUploadToken,
  uploadMediaWithToken: mediaUploadRoutes.uploadMediaWithToken,
};

export type PanelRoutes = typeof panelRouteTable;

/** The body of `POST /v1/contacts/{phone}/consents`, as the contract takes it. */
export type RecordConsentBody = NonNullable<CallInput<PanelRoutes['recordConsent']>['body']>;

/** The query of `GET /v1/pricing/quote`: a template (`template` + `language`) or a free-form reply (`text: '1'`). */
export type QuoteQuery = NonNullable<CallInput<PanelRoutes['pricingQuote']>['query']>;

export interface BridgeApi {
  contactStatus(phoneE164: string): Promise<ContactStatus>;
  templates(): Promise<TemplateSummary[]>;
  ticketMessages(ticket: Pick<TicketContext, 'helpdesk' | 'ticketId'>): Promise<Message[]>;
  send(request: SendMessageRequest, idempotencyKey: string): Promise<Message>;
  optinSettings(): Promise<OptinSettings>;
  recordConsent(phoneE164: string, body: RecordConsentBody): Promise<unknown>;
  /** What a message would cost now: a template (`template` + `language`) or a free-form reply (`text`). */
  quote(query: QuoteQuery): Promise<PricingQuoteResponse>;
  /** The wallet, its low-balance threshold and any unresolved payment problem. */
  wallet(): Promise<WalletOverview>;
  /** The latest page of the conversation with a customer, both directions, oldest first. */
  conversation(phoneE164: string): Promise<Conversation>;
  /** A short-lived token for the customer's live stream (data/live.ts). */
  streamToken(phoneE164: string): Promise<StreamToken>;
  /** The installation's business number and its country (national numbers on tickets are read in it). */
  installation(): Promise<InstallationContext>;
  /** A short-lived token for uploading a file from the browser, with the bridge's size limits. */
  uploadToken(): Promise<UploadToken>;
  /**
   * Posts the file to the bridge from the browser itself, with the upload token: the helpdesks' proxies carry no
   * binary body (contract/routes/media-uploads.ts).
   */
  upload(token: UploadToken, file: Blob & { name: string }): Promise<MediaUpload>;
}

/** The contract's client over the host's proxy. */
export function hostClient(host: HelpdeskHost): BridgeClient<PanelRoutes> {
  return createBridgeClient((request) => host.request(request), panelRouteTable);
}

export function createBridgeApi(host: HelpdeskHost): BridgeApi {
  const client = hostClient(host);
  return {
    contactStatus: (phone) => client.call('contactStatus', { params: { phone } }),
    templates: async () => (await client.call('listTemplates')).data,
    ticketMessages: async (ticket) =>
      (await client.call('listMessages', { query: { ticket_helpdesk: ticket.helpdesk, ticket_id: ticket.ticketId } })).data,
    send: (body, idempotencyKey) => client.call('sendMessage', { headers: { 'idempotency-key': idempotencyKey }, body }),
    optinSettings: () => client.call('getOptinSettings'),
    recordConsent: (phone, body) => client.call('recordConsent', { params: { phone }, body }),
    quote: (query) => client.call('pricingQuote', { query }),
    wallet: () => client.call('getWallet'),
    conversation: (phone) => client.call('getConversation', { params: { phone }, query: { limit: 50 } }),
    streamToken: (phone) => client.call('createStreamToken', { params: { phone } }),
    installation: () => client.call('getInstallationContext'),
    uploadToken: () => client.call('createUploadToken'),
    upload: async (token, file) => {
      // The bridge's own address, as its public URL gives it (a path prefix included).
      const baseUrl = token.upload_url.slice(0, token.upload_url.indexOf(uploadMediaWithTokenPath));
      const direct = createBridgeClient(fetchTransport({ baseUrl, token: null }), panelRouteTable);
      const bytes = new Uint8Array(await file.arrayBuffer());
      return direct.call('uploadMediaWithToken', {
        query: { token: token.token, filename: file.name },
        rawBody: { bytes, contentType: file.type === '' ? 'application/octet-stream' : file.type },
      });
    },
  };
}
