// @ts-check
/**
 * The Zoho Desk side of the local host page: renders the ticket, loads the widget in the right panel's iframe and
 * answers the SDK stand-in (zohodesk-sdk.js) inside it. Properties come back keyed by the path asked for, as
 * `ZOHODESK.get` does; requests go to this page's server, whose proxy holds the secure config; the ticket tabs switch
 * tickets without reloading the widget and send it `ticket_Shift`. Every message both ways is kept in
 * `window.__zohoTraffic` so tests can inspect it.
 */

const config = JSON.parse(document.getElementById('zoho-config')?.textContent ?? '{}');
/** @type {{direction: 'in' | 'out', data: unknown}[]} */
const traffic = [];
Object.assign(window, { __zohoTraffic: traffic });

/** @type {{id: string, number: number, subject: string, contactName: string, mobile: string | null}[]} */
const tickets = config.tickets;
let ticket = tickets.find((entry) => entry.id === config.ticketId) ?? tickets[0];
if (ticket === undefined) throw new Error('no ticket configured');

const agent = { id: '1892000000042001', fullName: 'Aiko Agent', langCode: config.locale };

/** The ticket's contact as Desk holds it: first and last name, mobile and phone. */
function contact() {
  const [firstName, ...rest] = ticket.contactName.split(' ');
  return {
    firstName,
    lastName: rest.join(' '),
    mobile: ticket.mobile,
    phone: null,
    email: `${firstName.toLowerCase()}@example.com`,
  };
}

/** @param {string} path */
function property(path) {
  switch (path) {
    case 'ticket.id':
      return ticket.id;
    case 'ticket.number':
      return String(ticket.number);
    case 'ticket.subject':
      return ticket.subject;
    case 'ticket.contactName':
      return ticket.contactName;
    case 'ticket.phone':
      return null;
    case 'ticket.contact':
      return contact();
    case 'ticket.cf':
      return {};
    case 'extension.config':
      return config.config;
    case 'user.id':
      return agent.id;
    case 'user.fullName':
      return agent.fullName;
    case 'user.langCode':
      return agent.langCode;
    case 'portal.id':
      return config.orgId;
    default:
      throw new Error(`Unsupported property: ${path}`);
  }
}

const iframe = document.createElement('iframe');

/** @param {unknown} message */
function post(message) {
  traffic.push({ direction: 'out', data: message });
  iframe.contentWindow?.postMessage(message, window.location.origin);
}

/** @param {{id: number, action: string, payload: any}} call */
async function answer(call) {
  switch (call.action) {
    case 'onload':
      return {
        locale: config.locale,
        location: 'desk.ticket.detail.rightpanel',
        uniqueID: config.widgetId,
        extensionID: '1892000000077001',
      };
    case 'get':
      return { status: 'success', [call.payload]: property(call.payload) };
    case 'invoke': {
      if (String(call.payload.action).toUpperCase() !== 'RESIZE') throw new Error(`Unsupported action: ${call.payload.action}`);
      const height = call.payload.options?.height;
      if (height !== undefined) iframe.style.height = typeof height === 'number' ? `${height}px` : String(height);
      return { status: 'success' };
    }
    case 'request': {
      const response = await fetch('/__zoho/request', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call.payload),
      });
      if (!response.ok) throw new Error((await response.json()).error);
      return response.text();
    }
    default:
      throw new Error(`Unsupported call: ${call.action}`);
  }
}

window.addEventListener('message', (event) => {
  // Only our widget's iframe, from this page's origin.
  if (event.source !== iframe.contentWindow || event.origin !== window.location.origin) return;
  const call = event.data;
  if (typeof call !== 'object' || call === null || call.source !== 'zohodesk-sdk') return;
  traffic.push({ direction: 'in', data: call });
  answer(call).then(
    (result) => post({ source: 'zohodesk-host', id: call.id, result }),
    (error) => post({ source: 'zohodesk-host', id: call.id, error: { message: String(error?.message ?? error) } }),
  );
});

function render() {
  const tabs = document.getElementById('tabs');
  tabs?.replaceChildren(
    ...tickets.map((entry) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `tab${entry.id === ticket.id ? ' active' : ''}`;
      button.textContent = `#${entry.number} ${entry.subject}`;
      button.addEventListener('click', () => switchTo(entry.id));
      return button;
    }),
  );
  const section = document.getElementById('ticket');
  if (section === null) return;
  const title = document.createElement('h1');
  title.textContent = `#${ticket.number} ${ticket.subject}`;
  const details = document.createElement('dl');
  for (const [name, value] of [
    ['Contact', ticket.contactName],
    ['Mobile', ticket.mobile ?? '—'],
    ['Agent language', config.locale],
  ]) {
    const term = document.createElement('dt');
    term.textContent = name;
    const description = document.createElement('dd');
    description.textContent = value;
    description.dataset.field = name.toLowerCase();
    details.append(term, description);
  }
  section.replaceChildren(title, details);
}

/** The agent opens another ticket: Desk keeps the right panel's widget and tells it. @param {string} id */
function switchTo(id) {
  const next = tickets.find((entry) => entry.id === id);
  if (next === undefined || next.id === ticket.id) return;
  ticket = next;
  render();
  post({ source: 'zohodesk-host', event: 'ticket_Shift', data: { ticketId: ticket.id } });
}

render();
iframe.title = 'WhatsApp by wabridge';
iframe.name = 'wabridge-widget';
iframe.src = '/app/widget.html';
document.getElementById('widget-frame')?.append(iframe);
