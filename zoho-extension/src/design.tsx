/**
 * The one place that decides how the panel looks in Zoho Desk: the shared panel drawn with the Zoho-styled kit
 * (plain React and CSS, no Zendesk Garden), so the extension looks like Zoho Desk rather than Zendesk.
 */
import { type HelpdeskHost, SidebarPanel } from '@wabridge/shared/panel';
import { zohoKit } from '@wabridge/shared/ui-zoho';

export function ZohoPanel({ host }: { host: HelpdeskHost }) {
  return <SidebarPanel host={host} kit={zohoKit} />;
}
