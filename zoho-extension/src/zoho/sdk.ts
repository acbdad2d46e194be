/**
 * The part of Zoho Desk's client SDK (`window.ZOHODESK`, ZohoDeskClientSDK.min.js v1) the extension uses, as Zoho's
 * extension guide documents it (zoho.com/desk/extensions/guide/): every call is asynchronous;
 * `ZOHODESK.get('ticket.id')` resolves to `{status: 'success', 'ticket.id': …}`, keyed by the path asked for;
 * `ZOHODESK.request({url, type, headers, postBody})` goes through Zoho's server-side proxy to a white-listed
 * domain; `ZOHODESK.invoke('RESIZE', {width, height})` sizes the widget; `App.instance.on(event, handler)` listens
 * to Desk's events. What `request` resolves with is not documented precisely: see zoho-answer.ts.
 */
export interface ZohoGetAnswer {
  status?: string;
  [path: string]: unknown;
}

export interface ZohoRequestOptions {
  url: string;
  type: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  headers: Record<string, string>;
  /** The entity body; Zoho wants an object (an empty one for GET). */
  postBody: unknown;
  /** Query parameters Zoho appends to the URL; ours are already in the URL. */
  data?: Record<string, string>;
  connectionLinkName?: string;
}

export interface ZohoApp {
  /** The agent's language code in Zoho Desk (`en`, `ja`, …). */
  locale?: string;
  location?: string;
  instance: {
    on(event: string, handler: (data: unknown) => void): void;
  };
}

export interface ZohoDeskSdk {
  extension: { onload(): Promise<ZohoApp> };
  get(path: string): Promise<ZohoGetAnswer>;
  request(options: ZohoRequestOptions): Promise<unknown>;
  invoke(action: string, options?: unknown): Promise<unknown>;
}
