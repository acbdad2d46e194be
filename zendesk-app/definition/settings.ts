/** The setting names the app reads (manifest parameters); the adapter and the local host page use the same names. */
export const settingNames = {
  bridgeUrl: 'bridge_url',
  deploymentId: 'deployment_id',
  installationToken: 'installation_token',
  phoneField: 'phone_field',
} as const;
