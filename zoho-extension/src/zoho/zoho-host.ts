import {
  type BridgeRequest,
  type BridgeResponse,
  type HelpdeskHost,
  localPanelStorage,
  type PanelLocale,
  type TicketContext,
} from '@wabridge/shared/panel';
import { configNames, installationTokenPlaceholder } from '../../definition/config.js';
import type { ZohoApp, ZohoDeskSdk } from './sdk.js';
import { readZohoAnswer } from './zoho-answer.js';

/**
 * Desk events after which the panel must read the ticket again. `ticket_Shift` is what extensions in the ticket
 * detail page listen to for "the agent moved to another ticket" without the widget reloading (*uncertain*: it is
 * used that way in public extensions, not in Zoho's event list); if Zoho reloads the widget instead, the panel
 * simply starts afresh.
 */
export const ticketChangeEvents = ['ticket_Shift'] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
};

/**
 * One property of the page: `ZOHODESK.get(path)` answers `{[path]: value}`; a failure, a `status: 'failure'` or
 * a missing key all read as null, because Zoho does not fill every property for every ticket.
 */
async function read(sdk: ZohoDeskSdk, path: string): Promise<unknown> {
  try {
    const answer = await sdk.get(path);
    if (!isObject(answer) || answer.status === 'failure') return null;
    return answer[path] ?? null;
  } catch {
    return null;
  }
}

/**
 * The extension's non-secure configuration. `ZOHODESK.get('extension.config')` answers its parameters either as
 * a list of `{name, value}` or as an object keyed by name (*uncertain* which; both are read). Secure parameters
 * never come back here.
 */
function configValues(answer: unknown): Record<string, unknown> {
  if (Array.isArray(answer)) {
    return Object.fromEntries(
      answer.filter((entry) => isObject(entry) && typeof entry.name === 'string').map((entry) => [entry.name, entry.value]),
    );
  }
  return isObject(answer) ? answer : {};
}

/**
 * Where the customer's WhatsApp number is, from the optional `phone_field` parameter: a ticket custom field's API
 * name (`cf_whatsapp_number`, read from `ticket.cf`), or a `ZOHODESK.get` path given as is (`ticket.phone`).
 */
async function configuredPhone(sdk: ZohoDeskSdk, setting: unknown): Promise<string | null> {
  const field = text(setting);
  if (field === null) return null;
  if (field.includes('.')) return text(await read(sdk, field));
  const customFields = await read(sdk, 'ticket.cf');
  return isObject(customFields) ? text(customFields[field]) : null;
}

/** The contact's name from `ticket.contact` (first and last name), else the ticket's `contactName`. */
function contactName(contact: unknown, ticketContactName: unknown): string | null {
  if (isObject(contact)) {
    const full = [text(contact.firstName), text(contact.lastName)].filter((part) => part !== null).join(' ');
    if (full !== '') return full;
  }
  return text(ticketContactName);
}

/** The Zoho Desk implementation of the panel's `HelpdeskHost`, on the ZOHODESK SDK and the loaded extension. */
export function createZohoHost(sdk: ZohoDeskSdk, app: ZohoApp): HelpdeskHost {
  let config: Promise<Record<string, unknown>> | undefined;
  const loadConfig = () => {
    config ??= read(sdk, 'extension.config').then(configValues);
    return config;
  };
  const listeners = new Set<() => void>();
  let subscribed = false;

  return {
    async ticket(): Promise<TicketContext> {
      const [ticketId, contact, ticketContactName, ticketPhone, settings] = await Promise.all([
        read(sdk, 'ticket.id'),
        read(sdk, 'ticket.contact'),
        read(sdk, 'ticket.contactName'),
        read(sdk, 'ticket.phone'),
        loadConfig(),
      ]);
      const id = text(ticketId);
      if (id === null) throw new Error('Zoho Desk did not say which ticket is open.');
      // The customer's WhatsApp number: the configured field, else the contact's mobile, phone, the ticket's phone.
      const fieldPhone = await configuredPhone(sdk, settings[configNames.phoneField]);
      const contactPhone = isObject(contact) ? (text(contact.mobile) ?? text(contact.phone)) : null;
      return {
        ticketId: id,
        helpdesk: 'zoho',
        requesterName: contactName(contact, ticketContactName),
        // Zoho Desk keeps the contact's first name apart: a template's {{first_name}} starts with it.
        requesterFirstName: isObject(contact) ? text(contact.firstName) : null,
        requesterPhone: fieldPhone ?? contactPhone ?? text(ticketPhone),
      };
    },

    // Per installation: its deployment ID names it (Zoho gives the widget no installation id of its own).
    storage: localPanelStorage(async () => `zoho:${(await loadConfig())[configNames.deploymentId] ?? 'local'}`),

    async locale(): Promise<PanelLocale> {
      const locale = text(app.locale) ?? text(await read(sdk, 'user.langCode'));
      return locale?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
    },

    async agent(): Promise<string | null> {
      const id = text(await read(sdk, 'user.id'));
      return id === null ? null : `zoho:agent:${id}`;
    },

    async request(request: BridgeRequest): Promise<BridgeResponse> {
      const bridgeUrl = String((await loadConfig())[configNames.bridgeUrl] ?? '').replace(/\/+$/, '');
      let answer: unknown;
      try {
        answer = await sdk.request({
          url: `${bridgeUrl}${request.path}`,
          type: request.method,
          // Zoho's proxy replaces the placeholder with the secure parameter on its servers; the browser only ever
          // holds the placeholder. Content-Type goes in the headers: Zoho's request has no separate option for it.
          headers: {
            Accept: 'application/json',
            'Content-Type': 'application/json',
            ...request.headers,
            Authorization: `Bearer ${installationTokenPlaceholder}`,
          },
          postBody: request.body ?? {},
        });
      } catch (failure) {
        // Zoho resolves for HTTP errors; should it reject with the same envelope, the status still counts.
        const rejected = readZohoAnswer(failure);
        if (rejected === null) throw new Error('The bridge could not be reached through Zoho Desk.', { cause: failure });
        return rejected;
      }
      const response = readZohoAnswer(answer);
      if (response === null) throw new Error('Zoho Desk answered the bridge request without a status.');
      return response;
    },

    resize(heightPx: number): void {
      sdk.invoke('RESIZE', { width: '100%', height: `${Math.ceil(heightPx)}px` }).catch(() => {
        // Sizing is cosmetic: a refusal (e.g. the location cannot be resized) must not break the panel.
      });
    },

    onTicketChanged(listener: () => void): () => void {
      // Zoho has no way to unsubscribe: subscribe once and keep the current listeners here.
      if (!subscribed) {
        subscribed = true;
        const notify = () => {
          for (const current of listeners) current();
        };
        for (const event of ticketChangeEvents) app.instance.on(event, notify);
      }
      const entry = () => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
  };
}
