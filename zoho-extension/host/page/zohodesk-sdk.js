// @ts-check
/**
 * A stand-in for Zoho Desk's client SDK (ZohoDeskClientSDK.min.js v1) inside the widget's iframe, defining
 * `window.ZOHODESK` with the calls the extension uses and answering them the way Zoho documents them: every call is
 * asynchronous and goes to the parent page (host-page.js) by postMessage; `get(path)` resolves to
 * `{status: 'success', [path]: value}`; `request(options)` resolves with the JSON string Zoho's proxy answers, for
 * every HTTP status; `extension.onload()` resolves with the App (`locale`, `location`, `instance.on`), whose `on`
 * receives Desk's events. The messages between this file and the page are our own: Zoho's are not public.
 */
(() => {
  let nextId = 1;
  /** @type {Map<number, {resolve: (value: unknown) => void, reject: (reason: unknown) => void}>} */
  const pending = new Map();
  /** @type {Map<string, ((data: unknown) => void)[]>} */
  const handlers = new Map();
  const parentOrigin = window.location.origin;

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    const data = event.data;
    if (typeof data !== 'object' || data === null || data.source !== 'zohodesk-host') return;
    if (typeof data.event === 'string') {
      for (const handler of handlers.get(data.event) ?? []) handler(data.data);
      return;
    }
    const call = pending.get(data.id);
    if (call === undefined) return;
    pending.delete(data.id);
    if ('error' in data) call.reject(data.error);
    else call.resolve(data.result);
  });

  /** @param {string} action @param {unknown} [payload] */
  function ask(action, payload) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      window.parent.postMessage({ source: 'zohodesk-sdk', id, action, payload }, parentOrigin);
    });
  }

  const instance = {
    /** @param {string} event @param {(data: unknown) => void} handler */
    on(event, handler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
    },
    /** @param {string} event @param {unknown} data */
    emit(event, data) {
      for (const handler of handlers.get(event) ?? []) handler(data);
    },
  };

  Object.assign(window, {
    ZOHODESK: {
      extension: {
        onload: () => ask('onload').then((app) => Object.assign({}, app, { instance })),
      },
      /** @param {string} path */
      get: (path) => ask('get', path),
      /** @param {unknown} options */
      request: (options) => ask('request', options),
      /** @param {string} action @param {unknown} [options] */
      invoke: (action, options) => ask('invoke', { action, options }),
    },
  });
})();
