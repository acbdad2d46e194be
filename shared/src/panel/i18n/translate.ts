import type { PanelLocale } from '../host.js';
import { en, type Messages } from './en.js';
import { ja } from './ja.js';

/** One module per language; `Messages` makes each complete at compile time, a test checks it at run time. */
export const catalogues: Record<PanelLocale, Messages> = { en, ja };

/** Every translation key, as a dotted path to a string (`window.open`, `problems.window_closed`). */
export type MessageKey = PathsOf<Messages>;

type PathsOf<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${PathsOf<T[K]>}`;
}[keyof T & string];

export type MessageParams = Readonly<Record<string, string | number>>;

/** The string at a dotted path, or undefined when the catalogue has none (a key built from data, such as a reason). */
export function lookupMessage(messages: Messages, key: string): string | undefined {
  const [group, ...rest] = key.split('.');
  const section: unknown = group === undefined ? undefined : (messages as unknown as Record<string, unknown>)[group];
  // Leaf keys may contain dots themselves (`parameter.header.text`), so the rest of the path is one key.
  const leaf =
    rest.length === 0
      ? section
      : typeof section === 'object' && section !== null
        ? (section as Record<string, unknown>)[rest.join('.')]
        : undefined;
  return typeof leaf === 'string' ? leaf : undefined;
}

/** Fills `{name}` placeholders; a placeholder without a value stays as it is, so a missing parameter is visible. */
export function interpolate(template: string, params: MessageParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}
