import { createContext, type ReactNode, useContext, useMemo } from 'react';
import type { PanelLocale } from '../host.js';
import { formatDateTime, formatDuration } from './format.js';
import { catalogues, interpolate, lookupMessage, type MessageKey, type MessageParams } from './translate.js';

export interface I18n {
  locale: PanelLocale;
  t(key: MessageKey, params?: MessageParams): string;
  /** For keys built from data (a Meta failure reason): the translation, or undefined when there is none. */
  tIfKnown(key: string, params?: MessageParams): string | undefined;
  formatDuration(durationMs: number): string;
  formatDateTime(instant: string | Date): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ locale, children }: { locale: PanelLocale; children: ReactNode }) {
  const value = useMemo(() => createI18n(locale), [locale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (i18n === null) throw new Error('useI18n() must be used inside <I18nProvider>.');
  return i18n;
}

export function createI18n(locale: PanelLocale): I18n {
  const messages = catalogues[locale];
  const tIfKnown = (key: string, params?: MessageParams) => {
    const message = lookupMessage(messages, key) ?? lookupMessage(catalogues.en, key);
    return message === undefined ? undefined : interpolate(message, params);
  };
  return {
    locale,
    // A key missing at run time (impossible when types hold) shows the key itself rather than nothing.
    t: (key, params) => tIfKnown(key, params) ?? key,
    tIfKnown,
    formatDuration: (durationMs) => formatDuration(durationMs, locale),
    formatDateTime: (instant) => formatDateTime(instant, locale),
  };
}
