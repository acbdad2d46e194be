/**
 * The source of the extension's `plugin-manifest.json`, which the build generates (zoho-extension/scripts/
 * extension-files.ts). Keys and shapes follow Zoho's manifest guide (zoho.com/desk/extensions/guide/manifest.html),
 * the DESK template shipped in zoho-extension-toolkit 1.0.24 (apptemplate/desk/plugin-manifest.json) and the rules
 * `zet validate` applies (lib/rules/DESK.PluginManifestRule.js):
 * - required keys: `locale` (with `en`, each with app/translations/<locale>.json), `storage`, `service`, `modules`,
 *   `connectors`, `config`, `whiteListedDomains` (full http(s) URLs);
 * - `type` is `personal` or `org`: `org` lets only an administrator configure the extension, for the whole portal;
 * - config parameters: at most 20; `userdefined` ones need `type` (text, number, radio, switch, picklist,
 *   multiselect, checkbox), `mandatory` and `secure`; `secure` values stay on Zoho's servers and are substituted
 *   into `ZOHODESK.request` calls where the widget writes `{{name}}`;
 * - `moduleSupport: false`: with it on, `zet pack` runs `npm run build` in the project itself.
 */
import { configNames } from './config.js';

export { configNames };

export interface ConfigParameter {
  name: string;
  displayName: string;
  description: string;
  type: 'text' | 'number' | 'radio' | 'switch' | 'picklist' | 'multiselect' | 'checkbox';
  mandatory: boolean;
  secure: boolean;
  userdefined: boolean;
}

export interface Widget {
  name: string;
  location: string;
  url: string;
  logo: string;
  icon: string;
}

export interface PluginManifest {
  locale: string[];
  service: 'DESK';
  storage: boolean;
  type: 'personal' | 'org';
  whiteListedDomains: string[];
  modules: { widgets: Widget[] };
  zohoAuthorisation: Record<string, never>;
  connectors: never[];
  config: ConfigParameter[];
  moduleSupport: false;
}

export const widgetPaths = { page: '/app/widget.html', logo: '/app/img/logo.svg', icon: '/app/img/icon.svg' } as const;

/**
 * The bridge's origin, which Zoho's proxy must be allowed to call. It differs per operator, so it is a build
 * input: set WABRIDGE_BRIDGE_ORIGIN (e.g. `https://bridge.example.com`; several, comma-separated) when building
 * the extension, as WABRIDGE_BRIDGE_DOMAIN is for the Zendesk app. Zoho wants full URLs here, not host names.
 * The default is a reserved `.example` name: a package built without it cannot reach any real bridge.
 */
export function bridgeOrigins(environment: NodeJS.ProcessEnv = process.env): string[] {
  const configured = environment.WABRIDGE_BRIDGE_ORIGIN?.split(',').map((origin) => origin.trim());
  return configured?.filter((origin) => origin !== '') ?? ['https://bridge.wabridge.example'];
}

export function buildManifest(environment: NodeJS.ProcessEnv = process.env): PluginManifest {
  const parameter = (name: string, displayName: string, description: string, mandatory: boolean, secure = false) =>
    ({ name, displayName, description, type: 'text', mandatory, secure, userdefined: true }) as const;
  return {
    locale: ['en', 'ja'],
    service: 'DESK',
    storage: false,
    type: 'org',
    whiteListedDomains: bridgeOrigins(environment),
    modules: {
      widgets: [
        {
          name: 'WhatsApp by wabridge',
          location: 'desk.ticket.detail.rightpanel',
          url: widgetPaths.page,
          logo: widgetPaths.logo,
          icon: widgetPaths.icon,
        },
      ],
    },
    zohoAuthorisation: {},
    connectors: [],
    config: [
      parameter(
        configNames.bridgeUrl,
        'Bridge URL',
        'The address of your wabridge bridge, e.g. https://bridge.example.com.',
        true,
      ),
      parameter(
        configNames.deploymentId,
        'Deployment ID',
        'The ID of the WhatsApp number registered with the bridge (dep_…).',
        true,
      ),
      parameter(
        configNames.installationToken,
        'Installation token',
        'The token the bridge issued for this Zoho Desk portal (wbi_…). Kept on Zoho’s servers, never sent to browsers.',
        true,
        true,
      ),
      parameter(
        configNames.phoneField,
        'Phone field (optional)',
        'The ticket custom field (e.g. cf_whatsapp_number) holding the customer’s WhatsApp number, if not the contact’s mobile.',
        false,
      ),
    ],
    moduleSupport: false,
  };
}
