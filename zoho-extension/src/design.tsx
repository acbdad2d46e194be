/**
 * The one place that decides how the panel looks in Zoho Desk. For now it renders the shared panel as the Zendesk
 * app does (Zendesk Garden); when the panel's UI-kit layer lands, this module switches it to the Zoho-styled kit,
 * and nothing else in the extension changes.
 */
import { type HelpdeskHost, SidebarPanel } from '@wabridge/shared/panel';

export function ZohoPanel({ host }: { host: HelpdeskHost }) {
  return <SidebarPanel host={host} />;
}
