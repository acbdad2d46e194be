// @ts-check
/**
 * The parent side of the ZAF v2 postMessage protocol, as the SDK (zendesk_app_framework_sdk 2.0.11,
 * lib/client.js) speaks it. Every message is a JSON string posted to the iframe with the app's origin:
 * - the app posts `{key: 'iframe.handshake', message: {version}}` first (Client constructor); we answer
 *   `{key: 'zaf.app.registered', message: {metadata, context}}`, after which the SDK marks itself ready and
 *   sends everything it queued (rawPostMessage waits for `app.registered`);
 * - `get` / `set` / `invoke` arrive as `{id, request, params}` (wrappedPostMessage); we answer `{id, result}`
 *   or `{id, error: {name, message}}` (finalizePendingPromise); `get` results carry `errors: {path: …}` for
 *   paths we cannot answer (processResponse throws them for a single path);
 * - `iframe.on:<event>` / `iframe.off:<event>` carry `{subscriberCount}`; we send `{key: 'zaf.<event>',
 *   message}` to subscribed events (messageHandler → triggerEvent);
 * - `iframe.trigger:<event>` is an app-to-host event (we record it);
 * - `request:<n>` carries the request options; we answer with the event `zaf.request:<n>.done` or `.fail`,
 *   message `{responseArgs: [...]}` (Client.request resolves/rejects with the first argument). The request
 *   itself goes to our server's proxy, which holds the secure settings.
 * Every message in both directions is kept in `window.__zafTraffic` so tests can inspect it.
 */

const config = JSON.parse(document.getElementById('zaf-config')?.textContent ?? '{}');
/** @type {{direction: 'in' | 'out', data: string}[]} */
const traffic = [];
Object.assign(window, { __zafTraffic: traffic, __zafTimings: {} });

const tickets = /** @type {{id: number, subject: string, requesterName: string, requesterPhone: string | null}[]} */ (
  config.tickets
);
const ticket = tickets.find((entry) => entry.id === config.ticketId) ?? tickets[0];
if (ticket === undefined) throw new Error('no ticket configured');
let requesterVersion = 0;
/** The requester as ZAF's user object shows it: identities list the phone (`type: 'phone_number'`). */
function requester() {
  return {
    id: 1000 + ticket.id * 10 + requesterVersion,
    name: ticket.requesterName,
    email: `${ticket.requesterName.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`,
    identities: ticket.requesterPhone === null ? [] : [{ type: 'phone_number', value: ticket.requesterPhone }],
  };
}

const currentUser = { id: 42, name: 'Aiko Agent', locale: config.locale, role: 'agent' };

/** @param {string} path */
function resolvePath(path) {
  switch (path) {
    case 'ticket.id':
      return ticket.id;
    case 'ticket.subject':
      return ticket.subject;
    case 'ticket.requester':
      return requester();
    case 'ticket.requester.name':
      return ticket.requesterName;
    case 'currentUser':
      return currentUser;
    case 'currentUser.locale':
      return currentUser.locale;
    case 'currentUser.name':
      return currentUser.name;
    default:
      throw new Error(`Could not find handler for: "${path}"`);
  }
}

function renderTicket() {
  const section = document.getElementById('ticket');
  if (section === null) return;
  section.innerHTML = '';
  const title = document.createElement('h1');
  title.textContent = `#${ticket.id} ${ticket.subject}`;
  const details = document.createElement('dl');
  for (const [name, value] of [
    ['Requester', ticket.requesterName],
    ['Phone', ticket.requesterPhone ?? '—'],
    ['Agent locale', config.locale],
  ]) {
    const term = document.createElement('dt');
    term.textContent = name;
    const description = document.createElement('dd');
    description.textContent = value;
    description.dataset.field = name.toLowerCase();
    details.append(term, description);
  }
  const controls = document.createElement('div');
  controls.className = 'controls';
  const others = tickets.filter((entry) => entry.id !== ticket.id && entry.requesterPhone !== ticket.requesterPhone);
  for (const other of others) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `Change requester to ${other.requesterName}`;
    button.addEventListener('click', () => changeRequester(other.requesterName, other.requesterPhone));
    controls.append(button);
  }
  section.append(title, details, controls);
}

const appOrigin = window.location.origin;
/** @type {HTMLIFrameElement} */
const iframe = document.createElement('iframe');
const subscriptions = new Map();

/** @param {unknown} message */
function post(message) {
  const data = JSON.stringify(message);
  traffic.push({ direction: 'out', data });
  iframe.contentWindow?.postMessage(data, appOrigin);
}

/** @param {string} event @param {unknown} message */
function trigger(event, message) {
  if ((subscriptions.get(event) ?? 0) > 0) post({ key: `zaf.${event}`, message });
}

/** @param {string} name @param {string | null} phone */
function changeRequester(name, phone) {
  ticket.requesterName = name;
  ticket.requesterPhone = phone;
  requesterVersion += 1;
  renderTicket();
  const user = requester();
  trigger('ticket.requester.changed', user);
  trigger('ticket.requester.id.changed', user.id);
}

/** @param {string} key @param {any} options */
async function proxyRequest(key, options) {
  const answer = await fetch('/__zaf/proxy', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  }).then((response) => response.json());
  let responseJSON;
  if (/json/.test(answer.headers?.['content-type'] ?? '') && answer.responseText !== '') {
    try {
      responseJSON = JSON.parse(answer.responseText);
    } catch {
      responseJSON = undefined;
    }
  }
  const complete = {
    status: answer.status,
    statusText: answer.statusText,
    headers: answer.headers,
    responseText: answer.responseText,
    responseJSON,
  };
  const succeeded = answer.status >= 200 && answer.status < 300;
  // Without httpCompleteResponse the framework resolves with the body alone (jQuery's `data`).
  const first = succeeded && options.httpCompleteResponse !== true ? (responseJSON ?? answer.responseText) : complete;
  post({ key: `zaf.${key}.${succeeded ? 'done' : 'fail'}`, message: { responseArgs: [first, succeeded ? 'success' : 'error'] } });
}

/** @param {{id: number, request: string, params: any}} data */
function answerCall(data) {
  if (data.request === 'get') {
    /** @type {Record<string, unknown>} */
    const result = { errors: {} };
    for (const path of data.params) {
      try {
        result[path] = resolvePath(path);
      } catch (error) {
        /** @type {any} */ (result.errors)[path] = { name: 'Error', message: /** @type {Error} */ (error).message, path };
      }
    }
    post({ id: data.id, result });
  } else if (data.request === 'invoke') {
    /** @type {Record<string, unknown>} */
    const errors = {};
    for (const [action, args] of Object.entries(data.params)) {
      if (action === 'resize') {
        const size = args[0] ?? {};
        if (size.height !== undefined)
          iframe.style.height = typeof size.height === 'number' ? `${size.height}px` : String(size.height);
      } else {
        errors[action] = { name: 'Error', message: `"${action}" is not available in this location` };
      }
    }
    post({ id: data.id, result: { errors } });
  } else {
    post({ id: data.id, error: { name: 'Error', message: `"${data.request}" is not supported by the local host page` } });
  }
}

window.addEventListener('message', (event) => {
  // As the SDK checks on its side (isValidEvent): only our iframe, from the app's origin.
  if (event.source !== iframe.contentWindow || event.origin !== appOrigin || typeof event.data !== 'string') return;
  traffic.push({ direction: 'in', data: event.data });
  const data = JSON.parse(event.data);
  if (typeof data.request === 'string' && typeof data.id === 'number') {
    answerCall(data);
    return;
  }
  const key = String(data.key ?? '');
  if (key === 'iframe.handshake') {
    post({
      key: 'zaf.app.registered',
      message: {
        metadata: { appId: 0, installationId: 1, name: 'WhatsApp by wabridge', version: '0.1.0', settings: config.settings },
        context: {
          product: 'support',
          location: 'ticket_sidebar',
          instanceGuid: config.appGuid,
          account: { subdomain: 'local' },
        },
      },
    });
  } else if (key.startsWith('iframe.on:')) {
    subscriptions.set(key.slice('iframe.on:'.length), data.message?.subscriberCount ?? 1);
  } else if (key.startsWith('iframe.off:')) {
    subscriptions.set(key.slice('iframe.off:'.length), data.message?.subscriberCount ?? 0);
  } else if (key.startsWith('request:')) {
    proxyRequest(key, data.message).catch((error) => {
      post({ key: `zaf.${key}.fail`, message: { responseArgs: [{ status: 0, statusText: String(error), responseText: '' }] } });
    });
  }
});

renderTicket();
const frameUrl = `/app/assets/iframe.html?origin=${encodeURIComponent(appOrigin)}&app_guid=${encodeURIComponent(config.appGuid)}`;
iframe.title = 'WhatsApp by wabridge';
iframe.name = 'wabridge-app';
iframe.addEventListener('load', () =>
  Object.assign(/** @type {any} */ (window).__zafTimings, { iframeLoadedAt: performance.now() }),
);
Object.assign(/** @type {any} */ (window).__zafTimings, { iframeStartedAt: performance.now() });
iframe.src = frameUrl;
document.getElementById('app-frame')?.append(iframe);
