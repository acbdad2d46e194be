import type { BridgeError } from '../api.js';
import type { I18n } from './I18nProvider.js';

/** What to tell the agent about a failed request: the translated problem, or whether the bridge was reached at all. */
export function describeError(i18n: I18n, error: BridgeError): string {
  switch (error.kind) {
    case 'problem':
      return i18n.t(`problems.${error.code}`);
    case 'unexpected':
      return i18n.t('errors.unexpectedResponse', { status: error.status });
    case 'unreachable':
      return i18n.t('errors.unreachable');
  }
}
