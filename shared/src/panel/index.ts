export type { BridgeError } from './api.js';
export { type Clock, systemClock } from './clock.js';
export { HostProvider, useHost } from './HostProvider.js';
export type { BridgeRequest, BridgeResponse, HelpdeskHost, PanelLocale, PanelStorage, TicketContext } from './host.js';
export { type I18n, I18nProvider, useI18n } from './i18n/I18nProvider.js';
export { SidebarPanel, type SidebarPanelProps } from './SidebarPanel.js';
export { localPanelStorage } from './storage.js';
export type * from './ui/kit.js';
export { UiKitProvider, useUiKit } from './ui/UiKitProvider.js';
