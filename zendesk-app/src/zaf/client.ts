/**
 * The part of the ZAF v2 client the app uses, typed from the SDK's source (zendesk_app_framework_sdk
 * 2.0.11, lib/client.js): `get` resolves to `{[path]: value, errors: {[path]: error}}`; `invoke('resize',
 * {…})` posts `{resize: [{…}]}`; `on`/`off` subscribe to `zaf.<event>` messages; `request` resolves or
 * rejects with the first of the framework's `responseArgs`; `metadata` resolves once `app.registered`
 * arrived with `{metadata, context}`.
 */
export interface ZafGetResult {
  [path: string]: unknown;
  errors?: Record<string, { message?: string; name?: string }>;
}

export interface ZafRequestOptions {
  url: string;
  type: string;
  contentType?: string;
  data?: string;
  headers?: Record<string, string>;
  /** Ask Zendesk's proxy to substitute `{{setting.…}}` secure settings; only the proxy sees their values. */
  secure?: boolean;
  /** false: go through Zendesk's proxy rather than the browser (a cross-origin call would need CORS). */
  cors?: boolean;
  /** Resolve with `{status, responseJSON, responseText, headers}` instead of the body alone. */
  httpCompleteResponse?: boolean;
  dataType?: string;
  timeout?: number;
}

/** What Zendesk answers a request with when `httpCompleteResponse` is set (and, on failure, a jqXHR-like object). */
export interface ZafCompleteResponse {
  status?: number;
  statusText?: string;
  responseJSON?: unknown;
  responseText?: string;
  headers?: Record<string, string>;
}

export interface ZafMetadata {
  appId?: number;
  installationId?: number;
  name?: string;
  version?: string;
  /** Non-secure settings only: secure ones never reach the browser. */
  settings: Record<string, unknown>;
}

export interface ZafClient {
  get(paths: string | string[]): Promise<ZafGetResult>;
  invoke(name: string, ...args: unknown[]): Promise<unknown>;
  on(name: string, handler: (data: unknown) => void): void;
  off(name: string, handler: (data: unknown) => void): void;
  request(options: ZafRequestOptions): Promise<unknown>;
  metadata(): Promise<ZafMetadata>;
}
