export type { BridgeError } from './api.js';
export { type Clock, systemClock } from './clock.js';
export { HostProvider, useHost } from './HostProvider.js';
export type { BridgeRequest, BridgeResponse, HelpdeskHost, PanelLocale, TicketContext } from './host.js';
export { describeError } from './i18n/describeError.js';
export { createI18n, type I18n, I18nProvider, useI18n } from './i18n/I18nProvider.js';
export { SidebarPanel, type SidebarPanelProps } from './SidebarPanel.js';
export type * from './ui/kit.js';
export { UiKitProvider, useUiKit } from './ui/UiKitProvider.js';
