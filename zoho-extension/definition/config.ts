/**
 * The extension's configuration parameters (plugin-manifest.json `config`); the adapter, the packaging checks and
 * the local host page use the same names. Zoho requires lower-case names without spaces
 * (zoho.com/desk/extensions/guide/create-config-params.html).
 */
export const configNames = {
  bridgeUrl: 'bridge_url',
  deploymentId: 'deployment_id',
  installationToken: 'installation_token',
  phoneField: 'phone_field',
} as const;

/**
 * What the widget puts where the token goes. Zoho's request proxy replaces `{{<config name>}}` with the secure
 * value on its servers, by literal text match (so it must never be percent-encoded): the browser only ever holds
 * this placeholder. Written out in full, not assembled, so that the packaging check finds it in the bundle.
 */
export const installationTokenPlaceholder = '{{installation_token}}';
