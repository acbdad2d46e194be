import type { DemoState } from './secrets.js';

export interface DemoLinks {
  bridgeUrl: string;
  sandboxUrl: string;
  /** The bridge's readiness, checked by the demo server when the page is rendered. */
  bridgeReady: boolean;
  /** The local Zendesk host page with the app, when it runs. */
  zendeskUrl: string | null;
  /** The local Zoho Desk host page with the extension, when it runs. */
  zohoUrl: string | null;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * The demo's local page: what is running and where. It shows ids, never tokens or secrets (those stay
 * in the terminal and in data/demo.json). The sidebar apps will be embedded here as they are built.
 */
export function demoPage(state: DemoState, links: DemoLinks): string {
  const rows: [string, string][] = [
    ['Bridge API', `<a href="${links.bridgeUrl}/openapi.json">${links.bridgeUrl}</a> (OpenAPI document)`],
    ['Health', `<a href="${links.bridgeUrl}/readyz">/readyz</a> · <a href="${links.bridgeUrl}/metrics">/metrics</a>`],
    ['Meta sandbox', `<a href="${links.sandboxUrl}/sandbox/numbers">${links.sandboxUrl}</a> (control API: /sandbox/…)`],
    ['Account', escapeHtml(state.accountId ?? '—')],
    ['Deployment ID', `<code>${escapeHtml(state.deploymentId ?? '—')}</code> for ${escapeHtml(state.displayPhoneNumber)}`],
    ['Installations', `Zendesk <code>demo.zendesk.com</code>, Zoho Desk org <code>60000000001</code>`],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wabridge demo</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; color: #2f3941; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; } p.lead { color: #68737d; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; } td { border-bottom: 1px solid #e9ebed; padding: .5rem; vertical-align: top; }
  td:first-child { color: #68737d; width: 12rem; } code { background: #f8f9f9; padding: 0 .25rem; border-radius: 3px; }
  .status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #edf8f4; color: #186146; }
</style></head>
<body>
  <h1>wabridge demo</h1>
  <p class="lead">WhatsApp for the helpdesks people already use. Everything below runs on this machine: the bridge on embedded
  storage and a Meta Cloud API sandbox standing in for Meta.</p>
  <p>Bridge: <span class="status">${links.bridgeReady ? 'ready' : 'not ready'}</span></p>
  <table>${rows.map(([name, value]) => `<tr><td>${name}</td><td>${value}</td></tr>`).join('')}</table>
  <h2>Sidebar apps</h2>
  ${
    links.zendeskUrl === null
      ? '<p>Zendesk Support: the local Zendesk page is not running (build it with <code>npm run build -w zendesk-app</code>).</p>'
      : `<p><a href="${escapeHtml(links.zendeskUrl)}">Zendesk Support (local)</a>: a ticket page with the app in its sidebar, talking to
  this bridge through a stand-in for Zendesk's proxy. Ticket #101's customer has just written (window open); ticket #102's
  never has (templates only).</p>`
  }
  ${
    links.zohoUrl === null
      ? '<p>Zoho Desk: the local Zoho Desk page is not running (build it with <code>npm run build -w zoho-extension</code>).</p>'
      : `<p><a href="${escapeHtml(links.zohoUrl)}">Zoho Desk (local)</a>: a ticket page with the extension in its right panel,
  through a stand-in for Zoho's request proxy (the token is a secure config parameter, substituted on the server). The same
  customers and the same points wallet as in Zendesk: a send from either helpdesk shows in the other's balance.</p>`
  }
  <p>The terminal that started the demo printed the administrator and installation tokens and example requests.</p>
</body></html>`;
}
