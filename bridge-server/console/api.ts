import { routes } from '@wabridge/shared';
import { type BridgeError, bridgeErrorOf, createBridgeClient, fetchTransport } from '@wabridge/shared/client';
import { createI18n, describeError } from '@wabridge/shared/panel';
import type { Locale } from './i18n.js';

/**
 * The console calls the bridge it is served by, through the contract client: same origin, so the browser sends the
 * session cookie (HttpOnly: no script here ever sees it) and the Origin header the bridge checks on every change.
 */
export const bridge = createBridgeClient(fetchTransport({ baseUrl: '', token: null }), routes);

/** A failed call as a sentence in the console's language (the panel's translations of the problem codes). */
export function errorText(locale: Locale, thrown: unknown): string {
  const error: BridgeError = bridgeErrorOf(thrown);
  return describeError(createI18n(locale), error);
}

export function problemCode(thrown: unknown): string | undefined {
  const error = bridgeErrorOf(thrown);
  return error.kind === 'problem' ? error.code : undefined;
}
