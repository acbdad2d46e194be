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

export type DemoLocale = 'en' | 'ja';

/** The page's `?locale=`: Japanese when asked for (`ja`, `ja-JP`), English otherwise. */
export function demoLocaleOf(query: unknown): DemoLocale {
  return typeof query === 'string' && /^ja\b/i.test(query) ? 'ja' : 'en';
}

/** What the page shows beyond the links: its language (and the helpdesks') and how far the demo clock moved. */
export interface DemoView {
  locale: DemoLocale;
  advancedMinutes: number;
}

/** The page's words in English and Japanese; the script reads the ones it needs from the page. */
const texts = {
  en: {
    tagline:
      'WhatsApp for the helpdesks people already use: Zendesk and Zoho Desk on one bridge and one points wallet, with a Meta Cloud API sandbox standing in for Meta.',
    bridge: 'Bridge:',
    console: 'Admin console ↗',
    consoleHint:
      ': sign in as the demo operator with the <b>Admin token</b> the terminal printed (also <code>adminToken</code> in the data folder’s <code>demo.json</code>).',
    ready: 'ready',
    notReady: 'not ready',
    language: 'Language of the helpdesks',
    clock: 'Demo clock',
    clockNow: 'real time',
    clockMoved: 'moved forward {duration}',
    clockHint: 'Move time forward to watch a window close.',
    openAlone: 'open alone ↗',
    zendeskMissing: 'The local Zendesk page is not running: build it with <code>npm run build -w zendesk-app</code>.',
    zohoMissing: 'The local Zoho Desk page is not running: build it with <code>npm run build -w zoho-extension</code>.',
    phone: 'The customer’s WhatsApp',
    actAs: 'Act as',
    placeholder: 'Write as the customer…',
    send: 'Send',
    fromAd: 'from an ad',
    late: '23 h 58 min ago',
    photo: 'Send a photo',
    photoAlt: 'The customer’s photo: a parcel with a torn corner',
    stop: 'Stop marketing',
    resume: 'Resume',
    noMessages: 'No messages yet.',
    sent: 'Sent. The helpdesks refresh in a moment.',
    photoSent: 'Photo sent. The helpdesks refresh in a moment.',
    stopped: 'Marketing stopped.',
    resumed: 'Marketing resumed.',
    moved: 'Time moved forward by {duration}.',
    refused: 'Refused: ',
    hours: '{hours} h',
    minutes: '{minutes} min',
    details: 'What is running, and how',
    explanation:
      'Writing opens the customer’s 24-hour window; from an ad it opens the 72-hour free entry point too; “23 h 58 min ago” leaves a window that closes in two minutes; a photo arrives as WhatsApp delivers images; Stop turns marketing messages off (Meta then refuses them with 131050). Each goes through the Meta sandbox, which signs and delivers the webhook to the bridge; both helpdesks refresh a moment later. The demo clock moves the customers’ past back (in the bridge and the sandbox) as if that much time had passed. The terminal that started the demo printed the administrator and installation tokens.',
  },
  ja: {
    tagline:
      'いつものヘルプデスクで WhatsApp を：Zendesk と Zoho Desk を 1 つのブリッジと 1 つのポイントウォレットで。Meta の代わりに Meta Cloud API のサンドボックスが動いています。',
    bridge: 'ブリッジ:',
    console: '管理コンソール ↗',
    consoleHint:
      '：ターミナルに表示された <b>管理者トークン</b>（データフォルダーの <code>demo.json</code> の <code>adminToken</code>）で、デモの運営者としてサインインします。',
    ready: '稼働中',
    notReady: '準備中',
    language: 'ヘルプデスクの言語',
    clock: 'デモの時計',
    clockNow: '現在時刻',
    clockMoved: '{duration} 進めています',
    clockHint: '時間を進めて、ウィンドウが閉じるところを確認できます。',
    openAlone: '単独で開く ↗',
    zendeskMissing:
      'ローカルの Zendesk ページが起動していません。<code>npm run build -w zendesk-app</code> でビルドしてください。',
    zohoMissing:
      'ローカルの Zoho Desk ページが起動していません。<code>npm run build -w zoho-extension</code> でビルドしてください。',
    phone: 'お客様の WhatsApp',
    actAs: 'お客様',
    placeholder: 'お客様としてメッセージを入力…',
    send: '送信',
    fromAd: '広告から',
    late: '23 時間 58 分前',
    photo: '写真を送信',
    photoAlt: 'お客様の写真：角が破れた荷物',
    stop: 'マーケティングを停止',
    resume: '再開',
    noMessages: 'まだメッセージはありません。',
    sent: '送信しました。ヘルプデスクはまもなく更新されます。',
    photoSent: '写真を送信しました。ヘルプデスクはまもなく更新されます。',
    stopped: 'マーケティングメッセージを停止しました。',
    resumed: 'マーケティングメッセージを再開しました。',
    moved: '時間を {duration} 進めました。',
    refused: '拒否されました: ',
    hours: '{hours} 時間',
    minutes: '{minutes} 分',
    details: '動いているものと仕組み',
    explanation:
      'お客様がメッセージを送ると 24 時間のウィンドウが開きます。広告からの場合は 72 時間の無料エントリーポイントも開きます。「23 時間 58 分前」は 2 分後に閉じるウィンドウを作ります。写真は WhatsApp が画像を届けるのと同じ形で届きます。「マーケティングを停止」でマーケティングメッセージが止まります（Meta は 131050 で拒否します）。どれも Meta サンドボックスを通り、署名された Webhook がブリッジに届き、両方のヘルプデスクが少し後に更新されます。デモの時計は、お客様の過去（ブリッジとサンドボックス内）をその分だけ前に動かし、時間が経ったのと同じ状態にします。管理者トークンとインストールトークンは、デモを起動したターミナルに表示されています。',
  },
} as const;

/** The clock buttons: enough to close a fresh 24-hour window in three presses, and to watch its last minutes. */
const clockStepsMinutes = [10, 60, 6 * 60, 23 * 60] as const;

function formatDuration(locale: DemoLocale, minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [
    hours > 0 ? texts[locale].hours.replace('{hours}', String(hours)) : '',
    rest > 0 || hours === 0 ? texts[locale].minutes.replace('{minutes}', String(rest)) : '',
  ];
  return parts.filter((part) => part !== '').join(' ');
}

/**
 * A local host page in the page's language: both take `?locale=` (Zendesk's agent locale, Zoho Desk's language code;
 * `ja` in both) and default to English.
 */
function hostPageUrl(url: string, locale: DemoLocale): string {
  return locale === 'en' ? url : `${url}/?locale=ja`;
}

/**
 * The demo's local page: both helpdesks side by side, each with the sidebar app, and the customer's phone; the
 * language of the page and of the helpdesks (`?locale=ja`), and the demo clock. It shows ids, never tokens or secrets
 * (those stay in the terminal and in data/demo.json).
 */
export function demoPage(state: DemoState, links: DemoLinks, view: DemoView): string {
  const t = texts[view.locale];
  const rows: [string, string][] = [
    ['Bridge API', `<a href="${links.bridgeUrl}/openapi.json">${links.bridgeUrl}</a> (OpenAPI document)`],
    ['Health', `<a href="${links.bridgeUrl}/readyz">/readyz</a> · <a href="${links.bridgeUrl}/metrics">/metrics</a>`],
    ['Meta sandbox', `<a href="${links.sandboxUrl}/sandbox/numbers">${links.sandboxUrl}</a> (control API: /sandbox/…)`],
    ['Account', escapeHtml(state.accountId ?? '—')],
    ['Deployment ID', `<code>${escapeHtml(state.deploymentId ?? '—')}</code> for ${escapeHtml(state.displayPhoneNumber)}`],
    ['Installations', `Zendesk <code>demo.zendesk.com</code>, Zoho Desk org <code>60000000001</code>`],
  ];
  const frame = (title: string, url: string | null, missing: string) => {
    if (url === null) return `<section class="app"><h2>${title}</h2><p class="missing">${missing}</p></section>`;
    const src = escapeHtml(hostPageUrl(url, view.locale));
    return `<section class="app"><h2>${title} <a href="${escapeHtml(url)}" target="_blank" rel="noopener">${t.openAlone}</a></h2>
      <iframe class="helpdesk" title="${title}" src="${src}"></iframe></section>`;
  };
  const customers = demoCustomers
    .map((customer, index) => `<option value="${index}">${escapeHtml(customer.name)} · #${customer.ticket}</option>`)
    .join('');
  const languages = (['en', 'ja'] as const)
    .map((locale) =>
      locale === view.locale
        ? `<strong aria-current="true">${locale === 'en' ? 'English' : '日本語'}</strong>`
        : `<a href="?locale=${locale}" hreflang="${locale}">${locale === 'en' ? 'English' : '日本語'}</a>`,
    )
    .join(' · ');
  const clockButtons = clockStepsMinutes
    .map((minutes) => `<button type="button" data-minutes="${minutes}">+${formatDuration(view.locale, minutes)}</button>`)
    .join('');
  const script = {
    noMessages: t.noMessages,
    sent: t.sent,
    photoSent: t.photoSent,
    photoAlt: t.photoAlt,
    stopped: t.stopped,
    resumed: t.resumed,
    refused: t.refused,
    moved: t.moved,
    durations: Object.fromEntries(clockStepsMinutes.map((minutes) => [minutes, formatDuration(view.locale, minutes)])),
  };
  return `<!doctype html>
<html lang="${view.locale}"><head><meta charset="utf-8"><title>wabridge demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 0; color: #2f3941; background: #f3f4f6; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .35rem 1rem; padding: .6rem 1.25rem; background: #fff; border-bottom: 1px solid #d8dcde; }
  h1 { font-size: 1.2rem; margin: 0; } header p { margin: 0; color: #68737d; }
  header .tagline { flex: 1 1 30rem; }
  .status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #edf8f4; color: #186146; }
  .status.down { background: #fff0f1; color: #8c232c; }
  .controls { display: flex; flex-wrap: wrap; gap: .35rem 1.5rem; align-items: center; padding: .45rem 1.25rem; background: #f8f9f9; border-bottom: 1px solid #e9ebed; }
  .controls button { font: inherit; padding: .1rem .5rem; border: 1px solid #c2c8cc; border-radius: 4px; background: #fff; cursor: pointer; }
  .controls .clock-state { font-variant-numeric: tabular-nums; font-weight: 600; }
  .controls .hint { color: #68737d; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) 300px; gap: .75rem; padding: .75rem; }
  .app, .phone { background: #fff; border: 1px solid #d8dcde; border-radius: 6px; display: flex; flex-direction: column; min-height: 0; }
  .app h2, .phone h2 { font-size: .95rem; margin: 0; padding: .5rem .75rem; border-bottom: 1px solid #e9ebed; }
  .app h2 a { font-weight: normal; font-size: .8rem; margin-left: .5rem; }
  iframe.helpdesk { border: 0; width: 100%; height: calc(100vh - 11rem); min-height: 640px; }
  .missing { padding: 1rem; color: #8c232c; }
  .phone { background: #e5ddd5; }
  .phone h2 { background: #075e54; color: #fff; border-radius: 6px 6px 0 0; }
  .phone select, .phone textarea, .phone button { font: inherit; }
  .phone .who { padding: .5rem; background: #fff; }
  .phone .who select { width: 100%; }
  .chat { flex: 1; overflow-y: auto; padding: .5rem; display: flex; flex-direction: column; gap: .35rem; min-height: 300px; max-height: calc(100vh - 26rem); }
  .bubble { max-width: 85%; padding: .35rem .55rem; border-radius: 7px; background: #fff; overflow-wrap: anywhere; box-shadow: 0 1px 0 rgba(0,0,0,.1); }
  .bubble.in { align-self: flex-end; background: #dcf8c6; }
  .bubble img.photo { display: block; width: 160px; max-width: 100%; border-radius: 4px; margin-bottom: .2rem; }
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
    <p class="tagline">${t.tagline}</p>
    <p>${t.bridge} <span class="status${links.bridgeReady ? '' : ' down'}">${links.bridgeReady ? t.ready : t.notReady}</span></p>
    <p class="console"><a href="${links.bridgeUrl}/?lang=${view.locale}" target="_blank" rel="noopener">${t.console}</a>${t.consoleHint}</p>
  </header>
  <div class="controls">
    <span>${t.language}: ${languages}</span>
    <span id="clock" role="group" aria-label="${t.clock}">${t.clock}: <span class="clock-state" id="clock-state">${clockLabel(view.locale, view.advancedMinutes)}</span> ${clockButtons}
      <span class="hint">${t.clockHint}</span></span>
  </div>
  <main>
    ${frame('Zendesk Support', links.zendeskUrl, t.zendeskMissing)}
    ${frame('Zoho Desk', links.zohoUrl, t.zohoMissing)}
    <section class="phone" aria-label="${t.phone}">
      <h2>${t.phone}</h2>
      <div class="who"><label>${t.actAs} <select id="customer">${customers}</select></label></div>
      <div class="chat" id="chat" aria-live="polite"></div>
      <form class="compose" id="compose">
        <textarea id="text" aria-label="${t.placeholder}" placeholder="${t.placeholder}"></textarea>
        <div class="row">
          <button class="primary" type="submit">${t.send}</button>
          <label><input type="checkbox" id="from-ad"> ${t.fromAd}</label>
          <label><input type="checkbox" id="late"> ${t.late}</label>
        </div>
        <div class="row">
          <button type="button" id="photo">${t.photo}</button>
          <button type="button" id="stop">${t.stop}</button>
          <button type="button" id="resume">${t.resume}</button>
        </div>
        <div class="note" id="note"></div>
      </form>
    </section>
  </main>
  <details>
    <summary>${t.details}</summary>
    <table>${rows.map(([name, value]) => `<tr><td>${name}</td><td>${value}</td></tr>`).join('')}</table>
    <p>${t.explanation}</p>
  </details>
  <script id="texts" type="application/json">${JSON.stringify(script).replace(/</g, '\\u003c')}</script>
  <script>
  (() => {
    const T = JSON.parse(document.getElementById('texts').textContent);
    const select = document.getElementById('customer');
    const chat = document.getElementById('chat');
    const note = document.getElementById('note');
    const text = document.getElementById('text');
    const esc = (value) => String(value).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
    const time = (iso) => new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: 'short', timeStyle: 'short' });
    async function load() {
      const answer = await fetch('/phone/' + select.value + '/messages');
      if (!answer.ok) return;
      const { messages } = await answer.json();
      chat.innerHTML = messages.length === 0
        ? '<p class="bubble"><small>' + esc(T.noMessages) + '</small></p>'
        : messages.map((m) => '<div class="bubble ' + m.direction + '">' +
            (m.photo ? '<img class="photo" src="/phone/photo.png" alt="' + esc(T.photoAlt) + '">' : '') + esc(m.text) + '<small>' + time(m.at) +
            (m.status ? ' · ' + esc(m.status) : '') + '</small></div>').join('');
      chat.scrollTop = chat.scrollHeight;
    }
    function refreshHelpdesks() {
      setTimeout(() => { for (const frame of document.querySelectorAll('iframe.helpdesk')) frame.src = frame.src; }, 1200);
    }
    async function post(path, body, done) {
      note.textContent = '…';
      const answer = await fetch(path, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      note.textContent = answer.ok ? done : T.refused + ((await answer.json().catch(() => ({}))).error ?? answer.status);
      if (answer.ok) { await load(); refreshHelpdesks(); }
      return answer.ok;
    }
    const act = (path, body, done) => post('/phone/' + select.value + '/' + path, body, done);
    document.getElementById('compose').addEventListener('submit', (event) => {
      event.preventDefault();
      act('write', {
        text: text.value,
        from_ad: document.getElementById('from-ad').checked,
        minutes_ago: document.getElementById('late').checked ? 1438 : 0,
      }, T.sent).then((ok) => { if (ok) text.value = ''; });
    });
    document.getElementById('photo').addEventListener('click', () =>
      act('photo', { caption: text.value }, T.photoSent).then((ok) => { if (ok) text.value = ''; }));
    document.getElementById('stop').addEventListener('click', () => act('marketing', { value: 'stop' }, T.stopped));
    document.getElementById('resume').addEventListener('click', () => act('marketing', { value: 'resume' }, T.resumed));
    for (const button of document.querySelectorAll('#clock button')) {
      button.addEventListener('click', async () => {
        const minutes = Number(button.dataset.minutes);
        if (await post('/clock/advance', { minutes }, T.moved.replace('{duration}', T.durations[minutes]))) {
          const state = await (await fetch('/clock?locale=' + document.documentElement.lang)).json();
          document.getElementById('clock-state').textContent = state.label;
        }
      });
    }
    select.addEventListener('change', load);
    load();
    setInterval(load, 3000);
  })();
  </script>
</body></html>`;
}

/** The clock's state as the page shows it after a move. */
export function clockLabel(locale: DemoLocale, advancedMinutes: number): string {
  return advancedMinutes === 0
    ? texts[locale].clockNow
    : texts[locale].clockMoved.replace('{duration}', formatDuration(locale, advancedMinutes));
}
