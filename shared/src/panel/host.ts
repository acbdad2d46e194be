import type { BridgeRequest, BridgeResponse } from '../client/transport.js';

export type { BridgeRequest, BridgeResponse };

/**
 * What the sidebar panel needs from the helpdesk it runs in. The panel is written once against this
 * interface; each app (Zendesk, Zoho Desk) is a thin adapter that implements it with its own SDK.
 * Components never touch a host SDK directly.
 */
export type PanelLocale = 'en' | 'ja';

export interface TicketContext {
  /** The helpdesk's ticket id, as a string. */
  ticketId: string;
  /** Which helpdesk: the bridge records what was sent from which ticket. */
  helpdesk: 'zendesk' | 'zoho';
  requesterName: string | null;
  /** The customer's WhatsApp number as the helpdesk holds it (any notation; the panel normalises it). */
  requesterPhone: string | null;
  /**
   * The requester's first (given) name, where the helpdesk keeps it or it can be told safely from the name; null or
   * absent otherwise. A template's `{{first_name}}` starts filled with it.
   */
  requesterFirstName?: string | null;
  /**
   * The requester's language as the helpdesk holds it (`ja`, `en-US`), or null or absent when it cannot tell: the
   * templates in that language are offered first.
   */
  requesterLanguage?: string | null;
}

/**
 * Small settings the panel keeps in the agent's browser for this installation (which sections are collapsed, the
 * templates used last). Each host keys them by its installation, so two installations never share them.
 */
export interface PanelStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface HelpdeskHost {
  /** The ticket the agent has open now. */
  ticket(): Promise<TicketContext>;
  /** The agent's language, reduced to the ones the panel speaks. */
  locale(): Promise<PanelLocale>;
  /**
   * Calls the bridge through the helpdesk's proxy, which adds the installation token server-side
   * (Zendesk secure settings, Zoho connections): the token never reaches the browser.
   * Resolves for every HTTP answer, errors included; rejects only when the bridge could not be reached.
   */
  request(request: BridgeRequest): Promise<BridgeResponse>;
  /** Asks the helpdesk to size the iframe to the panel's content. */
  resize(heightPx: number): void;
  /**
   * Who the agent is, as a consent record's `recorded_by` names them (`zendesk:agent:12345`); null or absent when
   * the helpdesk cannot tell. Optional: a host without it records consent without naming the agent.
   */
  agent?(): Promise<string | null>;
  /** Where the panel remembers the agent's choices; absent: nothing is remembered beyond the page. */
  storage?: PanelStorage;
  /** Called when the agent switches ticket or the ticket's requester changes; returns an unsubscribe. */
  onTicketChanged(listener: () => void): () => void;
}
