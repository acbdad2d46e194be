// The npm package `zendesk_app_framework_sdk` ships CommonJS without types; this is the part we use.
declare module 'zendesk_app_framework_sdk' {
  import type { ZafClient } from './client.js';

  const ZAFClient: {
    /** Returns false outside Zendesk: the page's URL must carry `origin` and `app_guid` (lib/index.js). */
    init(callback?: (context: unknown) => void): ZafClient | false;
  };
  export default ZAFClient;
}
