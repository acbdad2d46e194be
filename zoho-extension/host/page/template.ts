import type { HostTicket } from '../server.js';

export interface HostPageModel {
  tickets: HostTicket[];
  ticketId: string;
  locale: string;
  /** Non-secure config parameters only, as `ZOHODESK.get('extension.config')` lists them. */
  config: { name: string; value: string }[];
  orgId: string;
  widgetId: string;
}

/**
 * The width of the right panel the page gives the widget. *Uncertain*: Zoho documents no width for
 * `desk.ticket.detail.rightpanel` (zoho.com/desk/extensions/guide/WidgetLocations.html describes it only as "a
 * collapsible panel on the right panel of the ticket detail page"; searched again for issue #15, no figure found), and
 * we have not measured a live Zoho Desk; 350 px is an assumption (a narrow sidebar, a little wider than Zendesk's
 * 320 px default). The compact-layout browser test (test/e2e/zoho.test.ts) holds the panel to it. Check it against a
 * real portal before relying on a layout that needs more.
 */
export const rightPanelWidthPx = 350;

/** The page that looks like a Zoho Desk ticket: tickets as tabs, the ticket in the middle, the widget on the right. */
export function hostPageHtml(model: HostPageModel): string {
  // `<` is escaped so that no value can close the script element.
  const config = JSON.stringify(model).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zoho Desk (local) — wabridge</title>
<style>
  body { margin: 0; font: 14px/1.5 system-ui, sans-serif; color: #333; background: #f3f5f8; }
  header { background: #1e2836; color: #fff; padding: .4rem 1rem; display: flex; gap: .5rem; align-items: center; }
  header button.tab { color: #c5ccd6; background: none; border: 0; font: inherit; padding: .25rem .75rem; border-radius: 4px; cursor: pointer; }
  header button.tab.active { background: #fff; color: #1e2836; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) ${rightPanelWidthPx}px; min-height: calc(100vh - 40px); }
  #ticket { padding: 1.5rem 2rem; background: #fff; }
  #ticket h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  #ticket dl { display: grid; grid-template-columns: 9rem minmax(0, 1fr); overflow-wrap: break-word; gap: .25rem 1rem; }
  #ticket dt { color: #6b778c; }
  aside { border-left: 1px solid #dde1e6; background: #f7f8fa; }
  aside h2 { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: #6b778c; margin: .75rem 1rem .5rem; }
  aside iframe { display: block; width: 100%; border: 0; background: #fff; height: 200px; }
  /* In a narrow frame (the demo page shows two helpdesks side by side) the sidebar keeps its width: the ticket stacks. */
  @media (max-width: 760px) { #ticket { padding: 1rem; } #ticket dl { grid-template-columns: minmax(0, 1fr); } #ticket dd { margin: 0 0 .35rem; } }
</style></head>
<body>
  <header><strong>Zoho Desk · local</strong><nav id="tabs"></nav></header>
  <main>
    <section id="ticket" aria-label="Ticket"></section>
    <aside aria-label="Extensions"><h2>Extensions</h2><div id="widget-frame"></div></aside>
  </main>
  <script id="zoho-config" type="application/json">${config}</script>
  <script type="module" src="/host-page.js"></script>
</body></html>`;
}
