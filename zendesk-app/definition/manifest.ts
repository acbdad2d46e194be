/**
 * The source of the app's `manifest.json`, which the build generates (zendesk-app/scripts/app-files.ts).
 * Rules followed, from Zendesk's manifest reference (developer.zendesk.com/documentation/apps/
 * app-developer-guide/manifest/) and the checks behind `zcli apps:validate` (zendesk/zendesk_apps_support,
 * lib/zendesk_apps_support/validations/manifest.rb and secure_settings.rb):
 * - `author` and `defaultLocale` are required, `frameworkVersion` and `location` too for an app with a UI;
 * - a location URL is either `https://…` or a path under `assets/` present in the package;
 * - parameter types: text, checkbox, url, number, multiline, hidden, oauth (`password` is deprecated);
 *   `hidden` parameters cannot be required; no parameter may be called `name`;
 * - a secure parameter should name its `scopes` (here `header`: the token only ever rides in a header), or
 *   Zendesk warns; secure settings are substituted by Zendesk's proxy into requests made with
 *   `client.request({secure: true})` (developer.zendesk.com/documentation/apps/app-developer-guide/
 *   making-api-requests-from-a-zendesk-app/, "Using secure settings").
 */
import packageJson from '../package.json' with { type: 'json' };
import { settingNames } from './settings.js';

export { settingNames };

export interface ManifestParameter {
  name: string;
  type: 'text' | 'checkbox' | 'url' | 'number' | 'multiline' | 'hidden' | 'oauth';
  required: boolean;
  secure?: boolean;
  scopes?: string[];
  default?: string | number | boolean;
}

export interface Manifest {
  name: string;
  author: { name: string; email: string; url: string };
  defaultLocale: string;
  private: boolean;
  location: { support: { ticket_sidebar: { url: string; flexible: boolean } } };
  version: string;
  frameworkVersion: '2.0';
  parameters: ManifestParameter[];
  domainWhitelist: string[];
}

/**
 * The bridge's host name, which Zendesk's proxy must be allowed to call with the secure token. It differs
 * per operator, so it is a build input: set WABRIDGE_BRIDGE_DOMAIN when building the app for an account.
 * The default is a reserved `.example` name: a package built without it cannot reach any real bridge.
 */
export function bridgeDomains(environment: NodeJS.ProcessEnv = process.env): string[] {
  const configured = environment.WABRIDGE_BRIDGE_DOMAIN?.split(',').map((domain) => domain.trim());
  return configured?.filter((domain) => domain !== '') ?? ['bridge.wabridge.example'];
}

export function buildManifest(environment: NodeJS.ProcessEnv = process.env): Manifest {
  return {
    name: 'WhatsApp by wabridge',
    author: { name: 'wabridge', email: 'support@wabridge.example', url: 'https://wabridge.example' },
    defaultLocale: 'en',
    private: true,
    location: { support: { ticket_sidebar: { url: 'assets/iframe.html', flexible: true } } },
    version: packageJson.version,
    frameworkVersion: '2.0',
    parameters: [
      { name: settingNames.bridgeUrl, type: 'url', required: true },
      { name: settingNames.deploymentId, type: 'text', required: true },
      { name: settingNames.installationToken, type: 'text', required: true, secure: true, scopes: ['header'] },
      { name: settingNames.phoneField, type: 'text', required: false },
    ],
    domainWhitelist: bridgeDomains(environment),
  };
}
