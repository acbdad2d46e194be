import { demoCustomers } from './host-pages.js';
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
  const frame = (title: string, url: string | null, missing: string) =>
    url === null
      ? `<section class="app"><h2>${title}</h2><p class="missing">${missing}</p></section>`
      : `<section class="app"><h2>${title} <a href="${escapeHtml(url)}" target="_blank" rel="noopener">open alone ↗</a></h2>
      <iframe class="helpdesk" title="${title}" src="${escapeHtml(url)}"></iframe></section>`;
  const customers = demoCustomers
    .map((customer, index) => `<option value="${index}">${escapeHtml(customer.name)} · #${customer.ticket}</option>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wabridge demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 0; color: #2f3941; background: #f3f4f6; }
  header { display: flex; align-items: baseline; gap: 1rem; padding: .75rem 1.25rem; background: #fff; border-bottom: 1px solid #d8dcde; }
  h1 { font-size: 1.2rem; margin: 0; } header p { margin: 0; color: #68737d; }
  .status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #edf8f4; color: #186146; }
  .status.down { background: #fff0f1; color: #8c232c; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) 330px; gap: .75rem; padding: .75rem; }
  .app, .phone { background: #fff; border: 1px solid #d8dcde; border-radius: 6px; display: flex; flex-direction: column; min-height: 0; }
  .app h2, .phone h2 { font-size: .95rem; margin: 0; padding: .5rem .75rem; border-bottom: 1px solid #e9ebed; }
  .app h2 a { font-weight: normal; font-size: .8rem; margin-left: .5rem; }
  iframe.helpdesk { border: 0; width: 100%; height: calc(100vh - 9rem); min-height: 640px; }
  .missing { padding: 1rem; color: #8c232c; }
  .phone { background: #e5ddd5; }
  .phone h2 { background: #075e54; color: #fff; border-radius: 6px 6px 0 0; }
  .phone select, .phone textarea, .phone button { font: inherit; }
  .phone .who { padding: .5rem; background: #fff; }
  .phone .who select { width: 100%; }
  .chat { flex: 1; overflow-y: auto; padding: .5rem; display: flex; flex-direction: column; gap: .35rem; min-height: 300px; max-height: calc(100vh - 24rem); }
  .bubble { max-width: 85%; padding: .35rem .55rem; border-radius: 7px; background: #fff; overflow-wrap: anywhere; box-shadow: 0 1px 0 rgba(0,0,0,.1); }
  .bubble.in { align-self: flex-end; background: #dcf8c6; }
  .bubble small { display: block; color: #68737d; font-size: .72rem; }
  .compose { padding: .5rem; background: #f0f0f0; display: flex; flex-direction: column; gap: .35rem; border-radius: 0 0 6px 6px; }
  .compose textarea { width: 100%; box-sizing: border-box; min-height: 3.2rem; resize: vertical; }
  .compose .row { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; }
  .compose button { padding: .25rem .6rem; border: 1px solid #c2c8cc; border-radius: 4px; background: #fff; cursor: pointer; }
  .compose button.primary { background: #128c7e; color: #fff; border-color: #128c7e; }
  .compose .note { color: #68737d; font-size: .78rem; min-height: 1.1rem; }
  details { margin: 0 .75rem 1rem; background: #fff; border: 1px solid #d8dcde; border-radius: 6px; padding: .5rem .75rem; }
  table { border-collapse: collapse; width: 100%; } td { border-bottom: 1px solid #e9ebed; padding: .4rem; vertical-align: top; }
  td:first-child { color: #68737d; width: 12rem; } code { background: #f8f9f9; padding: 0 .25rem; border-radius: 3px; }
  @media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
</style></head>
<body>
  <header>
    <h1>wabridge demo</h1>
    <p>WhatsApp for the helpdesks people already use: Zendesk and Zoho Desk on one bridge and one points wallet, with a
    Meta Cloud API sandbox standing in for Meta.</p>
    <p>Bridge: <span class="status${links.bridgeReady ? '' : ' down'}">${links.bridgeReady ? 'ready' : 'not ready'}</span></p>
    <p class="console"><a href="${links.bridgeUrl}/" target="_blank" rel="noopener">Admin console ↗</a>: sign in as the demo
    operator with the <b>Admin token</b> the terminal printed (also <code>adminToken</code> in the data folder's
    <code>demo.json</code>).</p>
  </header>
  <main>
    ${frame('Zendesk Support', links.zendeskUrl, 'The local Zendesk page is not running: build it with <code>npm run build -w zendesk-app</code>.')}
    ${frame('Zoho Desk', links.zohoUrl, 'The local Zoho Desk page is not running: build it with <code>npm run build -w zoho-extension</code>.')}
    <section class="phone" aria-label="The customer's phone">
      <h2>The customer's WhatsApp</h2>
      <div class="who"><label>Act as <select id="customer">${customers}</select></label></div>
      <div class="chat" id="chat" aria-live="polite"></div>
      <form class="compose" id="compose">
        <textarea id="text" aria-label="Message" placeholder="Write as the customer…"></textarea>
        <div class="row">
          <button class="primary" type="submit">Send</button>
          <label><input type="checkbox" id="from-ad"> from an ad</label>
          <label><input type="checkbox" id="late"> 23 h 58 min ago</label>
        </div>
        <div class="row">
          <button type="button" id="stop">Stop marketing</button>
          <button type="button" id="resume">Resume</button>
        </div>
        <div class="note" id="note"></div>
      </form>
    </section>
  </main>
  <details>
    <summary>What is running, and how</summary>
    <table>${rows.map(([name, value]) => `<tr><td>${name}</td><td>${value}</td></tr>`).join('')}</table>
    <p>Writing opens the customer's 24-hour window; from an ad it opens the 72-hour free entry point too; "23 h 58 min
    ago" leaves a window that closes in two minutes; Stop turns marketing messages off (Meta then refuses them with
    131050). Each goes through the Meta sandbox, which signs and delivers the webhook to the bridge; both helpdesks
    refresh a moment later. The terminal that started the demo printed the administrator and installation tokens.</p>
  </details>
  <script>
  (() => {
    const select = document.getElementById('customer');
    const chat = document.getElementById('chat');
    const note = document.getElementById('note');
    const text = document.getElementById('text');
    const esc = (value) => String(value).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
    const time = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
    async function load() {
      const answer = await fetch('/phone/' + select.value + '/messages');
      if (!answer.ok) return;
      const { messages } = await answer.json();
      chat.innerHTML = messages.length === 0
        ? '<p class="bubble"><small>No messages yet.</small></p>'
        : messages.map((m) => '<div class="bubble ' + m.direction + '">' + esc(m.text) + '<small>' + time(m.at) +
            (m.status ? ' · ' + esc(m.status) : '') + '</small></div>').join('');
      chat.scrollTop = chat.scrollHeight;
    }
    function refreshHelpdesks() {
      setTimeout(() => { for (const frame of document.querySelectorAll('iframe.helpdesk')) frame.src = frame.src; }, 1200);
    }
    async function act(path, body, done) {
      note.textContent = '…';
      const answer = await fetch('/phone/' + select.value + '/' + path, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      note.textContent = answer.ok ? done : 'Refused: ' + ((await answer.json().catch(() => ({}))).error ?? answer.status);
      if (answer.ok) { await load(); refreshHelpdesks(); }
    }
    document.getElementById('compose').addEventListener('submit', (event) => {
      event.preventDefault();
      act('write', {
        text: text.value,
        from_ad: document.getElementById('from-ad').checked,
        minutes_ago: document.getElementById('late').checked ? 1438 : 0,
      }, 'Sent. The helpdesks refresh in a moment.').then(() => { text.value = ''; });
    });
    document.getElementById('stop').addEventListener('click', () => act('marketing', { value: 'stop' }, 'Marketing stopped.'));
    document.getElementById('resume').addEventListener('click', () => act('marketing', { value: 'resume' }, 'Marketing resumed.'));
    select.addEventListener('change', load);
    load();
    setInterval(load, 3000);
  })();
  </script>
</body></html>`;
}
