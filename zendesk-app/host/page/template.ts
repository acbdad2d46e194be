import type { HostTicket } from '../server.js';

export interface HostPageModel {
  tickets: HostTicket[];
  ticketId: number;
  locale: string;
  /** Non-secure settings only. */
  settings: Record<string, string>;
  appGuid: string;
}

/**
 * The width Zendesk Support gives a ticket sidebar app's iframe by default (Zendesk, "Ticket and New Ticket sidebar":
 * https://developer.zendesk.com/apps/docs/support-api/ticket_sidebar); the column is one pixel wider for its border.
 */
export const sidebarWidthPx = 320;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The page that looks like a Zendesk ticket: the ticket on the left, the app's iframe on the right. */
export function hostPageHtml(model: HostPageModel): string {
  // `<` is escaped so that no value can close the script element.
  const config = JSON.stringify(model).replace(/</g, '\\u003c');
  const tabs = model.tickets
    .map(
      (ticket) =>
        `<a class="tab${ticket.id === model.ticketId ? ' active' : ''}" href="?ticket=${ticket.id}&amp;locale=${encodeURIComponent(model.locale)}">#${ticket.id} ${escapeHtml(ticket.subject)}</a>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zendesk Support (local) — wabridge</title>
<style>
  body { margin: 0; font: 14px/1.5 system-ui, sans-serif; color: #2f3941; background: #f8f9f9; }
  header { background: #03363d; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: center; }
  header .tab { color: #d8dcde; text-decoration: none; padding: .25rem .75rem; border-radius: 4px; }
  header .tab.active { background: #fff; color: #03363d; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) ${sidebarWidthPx + 1}px; gap: 0; min-height: calc(100vh - 42px); }
  #ticket { padding: 1.5rem 2rem; background: #fff; }
  #ticket h1 { font-size: 1.25rem; margin: 0 0 1rem; }
  #ticket dl { display: grid; grid-template-columns: 9rem minmax(0, 1fr); overflow-wrap: break-word; gap: .25rem 1rem; }
  #ticket dt { color: #68737d; }
  #ticket .controls { margin-top: 1.5rem; display: flex; gap: .5rem; flex-wrap: wrap; }
  aside { border-left: 1px solid #d8dcde; background: #f8f9f9; }
  aside h2 { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: #68737d; margin: .75rem 1rem .5rem; }
  aside iframe { display: block; width: 100%; border: 0; background: #fff; height: 200px; }
  /* In a narrow frame (the demo page shows two helpdesks side by side) the sidebar keeps its width: the ticket stacks. */
  @media (max-width: 760px) { #ticket { padding: 1rem; } #ticket dl { grid-template-columns: minmax(0, 1fr); } #ticket dd { margin: 0 0 .35rem; } }
</style></head>
<body>
  <header><strong>Zendesk Support · local</strong>${tabs}</header>
  <main>
    <section id="ticket" aria-label="Ticket"></section>
    <aside aria-label="Apps"><h2>Apps</h2><div id="app-frame"></div></aside>
  </main>
  <script id="zaf-config" type="application/json">${config}</script>
  <script type="module" src="/host-page.js"></script>
</body></html>`;
}
