import type { NumberSending } from '../../contract/contacts.js';
import type { I18n } from '../i18n/I18nProvider.js';

/** The number's sending state when it cannot send; null when it can, or the bridge does not say (an older bridge). */
export function numberBlock(number: NumberSending | undefined | null): NumberSending | null {
  return number != null && !number.can_send ? number : null;
}

/** Why the number cannot send, in words: the blocking issue the bridge named, with its end when Meta gave one. */
export function numberBlockedText(i18n: I18n, number: NumberSending): string {
  const { t, formatDateTime } = i18n;
  switch (number.cannot_send_reason) {
    case 'account_restricted':
      return number.blocked_until == null
        ? t('number.account_restricted')
        : t('number.account_restrictedUntil', { dateTime: formatDateTime(number.blocked_until) });
    case 'account_banned':
      return t('number.account_banned');
    case 'messaging_blocked':
      return t('number.messaging_blocked');
    case 'number_not_registered':
      return t('number.number_not_registered');
    case 'meta_token_invalid':
      return t('number.meta_token_invalid');
    default:
      return t('number.other');
  }
}
