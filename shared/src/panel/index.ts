export type { BridgeRequest, BridgeResponse, HelpdeskHost, PanelLocale, TicketContext } from './host.js';
