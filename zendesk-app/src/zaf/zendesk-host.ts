import {
  type BridgeRequest,
  type BridgeResponse,
  type HelpdeskHost,
  localPanelStorage,
  type PanelLocale,
  type TicketContext,
} from '@wabridge/shared/panel';
import { settingNames } from '../../definition/settings.js';
import type { ZafClient, ZafCompleteResponse } from './client.js';

/**
 * ZAF events after which the panel must read the ticket again. ZAF fires `<property path>.changed` for ticket
 * properties (developer.zendesk.com/api-reference/apps/apps-support-api/ticket_sidebar/, "Events"); which of
 * the requester's fire for a requester swap is *uncertain*, so we listen to both forms. `app.activated` fires
 * when the agent returns to this ticket's tab (each ticket tab has its own app instance in Zendesk).
 */
export const ticketChangeEvents = ['ticket.requester.changed', 'ticket.requester.id.changed', 'app.activated'] as const;

/**
 * Where the customer's WhatsApp number is, from the optional `phone_field` setting: a ticket field id
 * (`360001234567` → `ticket.customField:custom_field_360001234567`), a user field key (`whatsapp_number` →
 * `ticket.requester.customField:whatsapp_number`), or a ZAF path given as is. Empty: the requester's phone.
 */
export function phoneFieldPath(setting: unknown): string | null {
  const value = typeof setting === 'string' ? setting.trim() : '';
  if (value === '') return null;
  if (/^\d+$/.test(value)) return `ticket.customField:custom_field_${value}`;
  if (/[.:]/.test(value)) return value;
  return `ticket.requester.customField:${value}`;
}

interface ZafUser {
  name?: string | null;
  /** The user's language (`ja`, `en-US`): developer.zendesk.com/api-reference/apps/apps-support-api/all_locations/#user-object. */
  locale?: string | null;
  phone?: string | null;
  identities?: { type?: string; value?: string }[];
}

/**
 * The requester's phone: ZAF's user object lists identities (`{type: 'phone_number', value}`); a `phone`
 * property is read first in case the object carries one (*uncertain* which one Zendesk fills for every account).
 */
function requesterPhone(requester: ZafUser | null): string | null {
  if (requester === null) return null;
  if (typeof requester.phone === 'string' && requester.phone.trim() !== '') return requester.phone;
  const identity = requester.identities?.find((entry) => entry.type === 'phone_number' && typeof entry.value === 'string');
  return identity?.value ?? null;
}

function parseBody(response: ZafCompleteResponse): unknown {
  if (response.responseJSON !== undefined) return response.responseJSON;
  const text = response.responseText ?? '';
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function asCompleteResponse(value: unknown): ZafCompleteResponse | null {
  if (typeof value !== 'object' || value === null) return null;
  const response = value as ZafCompleteResponse;
  return typeof response.status === 'number' && response.status > 0 ? response : null;
}

/** The Zendesk implementation of the panel's `HelpdeskHost`, on a ZAF v2 client. */
/**
 * The given name in a Zendesk user's one `name` field, where it can be told: the first of two or more words in Latin
 * script ("Hanako Yamada" → "Hanako"). Names in other scripts are often written family name first ("山田 花子"), and
 * a single word may be either, so those give none rather than a wrong guess. (Zendesk users have only `name`:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/)
 */
export function givenName(name: string | null): string | null {
  const words = name?.trim().split(/\s+/) ?? [];
  const first = words[0];
  return words.length >= 2 && first !== undefined && /^\p{Script=Latin}[\p{Script=Latin}'’.-]*$/u.test(first) ? first : null;
}

export function createZendeskHost(client: ZafClient): HelpdeskHost {
  let settings: Promise<Record<string, unknown>> | undefined;
  const loadSettings = () => {
    settings ??= client.metadata().then((metadata) => metadata.settings ?? {});
    return settings;
  };

  return {
    async ticket(): Promise<TicketContext> {
      const phonePath = phoneFieldPath((await loadSettings())[settingNames.phoneField]);
      const paths = ['ticket.id', 'ticket.requester', ...(phonePath === null ? [] : [phonePath])];
      const data = await client.get(paths);
      const requester = (data['ticket.requester'] ?? null) as ZafUser | null;
      const fieldValue = phonePath === null ? undefined : data[phonePath];
      const fieldPhone = typeof fieldValue === 'string' && fieldValue.trim() !== '' ? fieldValue : null;
      return {
        ticketId: String(data['ticket.id']),
        helpdesk: 'zendesk',
        requesterName: requester?.name ?? null,
        requesterFirstName: givenName(requester?.name ?? null),
        requesterPhone: fieldPhone ?? requesterPhone(requester),
        requesterLanguage: typeof requester?.locale === 'string' ? requester.locale : null,
      };
    },

    // Per installation: two installations of the app in one account never share what an agent folded away.
    storage: localPanelStorage(async () => `zendesk:${(await client.metadata()).installationId ?? 'local'}`),

    async locale(): Promise<PanelLocale> {
      const data = await client.get('currentUser.locale');
      const locale = data['currentUser.locale'];
      return typeof locale === 'string' && locale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
    },

    async request(request: BridgeRequest): Promise<BridgeResponse> {
      const bridgeUrl = String((await loadSettings())[settingNames.bridgeUrl] ?? '').replace(/\/+$/, '');
      let answer: unknown;
      try {
        answer = await client.request({
          url: `${bridgeUrl}${request.path}`,
          type: request.method,
          contentType: 'application/json',
          ...(request.body === undefined ? {} : { data: JSON.stringify(request.body) }),
          // Zendesk's proxy replaces the placeholder with the secure setting on its servers: the browser only
          // ever holds the placeholder (developer.zendesk.com/documentation/apps/app-developer-guide/
          // making-api-requests-from-a-zendesk-app/, "Using secure settings"; the parameter's scope is `header`).
          headers: {
            Accept: 'application/json',
            ...request.headers,
            Authorization: `Bearer {{setting.${settingNames.installationToken}}}`,
          },
          secure: true,
          cors: false,
          httpCompleteResponse: true,
        });
      } catch (failure) {
        // The framework rejects for HTTP errors too, with a jqXHR-like object carrying the status; only a
        // failure without a status means the bridge was not reached.
        const response = asCompleteResponse(failure);
        if (response === null) throw new Error('The bridge could not be reached through Zendesk.', { cause: failure });
        return { status: response.status!, body: parseBody(response) };
      }
      const response = asCompleteResponse(answer);
      if (response === null) throw new Error('Zendesk answered the bridge request without a status.');
      return { status: response.status!, body: parseBody(response) };
    },

    resize(heightPx: number): void {
      client.invoke('resize', { width: '100%', height: `${Math.ceil(heightPx)}px` }).catch(() => {
        // Sizing is cosmetic: a refusal (e.g. the location is not resizable) must not break the panel.
      });
    },

    onTicketChanged(listener: () => void): () => void {
      const handler = () => listener();
      for (const event of ticketChangeEvents) client.on(event, handler);
      return () => {
        for (const event of ticketChangeEvents) client.off(event, handler);
      };
    },
  };
}
