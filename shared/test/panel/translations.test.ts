import { describe, expect, it } from 'vitest';
import { problemCatalogue, problemCodes } from '../../src/errors.js';
import { consentProblemCodes, consentSources } from '../../src/optin/index.js';
import { en } from '../../src/panel/i18n/en.js';
import { formatDuration } from '../../src/panel/i18n/format.js';
import { ja } from '../../src/panel/i18n/ja.js';
import { catalogues, interpolate, lookupMessage } from '../../src/panel/i18n/translate.js';
import { templateProblemCodes } from '../../src/templates/index.js';

/** Every dotted key of a catalogue with its string. */
function entries(messages: object, prefix = ''): [string, string][] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : entries(value as object, `${prefix}${key}.`),
  );
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const hasJapanese = (text: string) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(text);

describe('translations', () => {
  it('translate EVERY problem code of the catalogue into English and Japanese', () => {
    expect(problemCodes.length).toBe(Object.keys(problemCatalogue).length);
    for (const code of problemCodes) {
      expect(lookupMessage(en, `problems.${code}`), `en: ${code}`).toMatch(/\S/);
      expect(lookupMessage(ja, `problems.${code}`), `ja: ${code}`).toSatisfy(hasJapanese);
    }
  });

  it('translate every template value problem code', () => {
    for (const code of templateProblemCodes) {
      expect(lookupMessage(en, `templateProblems.${code}`), `en: ${code}`).toMatch(/\S/);
      expect(lookupMessage(ja, `templateProblems.${code}`), `ja: ${code}`).toSatisfy(hasJapanese);
    }
  });

  it('translate every consent problem code and every consent source', () => {
    for (const code of consentProblemCodes) {
      expect(lookupMessage(en, `consentProblems.${code}`), `en: ${code}`).toMatch(/\S/);
      expect(lookupMessage(ja, `consentProblems.${code}`), `ja: ${code}`).toSatisfy(hasJapanese);
    }
    for (const source of consentSources) {
      expect(lookupMessage(en, `consentSources.${source}`), `en: ${source}`).toMatch(/\S/);
      expect(lookupMessage(ja, `consentSources.${source}`), `ja: ${source}`).toSatisfy(hasJapanese);
    }
  });

  it('have the same keys in every language, each with the same placeholders', () => {
    const english = new Map(entries(en));
    const japanese = new Map(entries(ja));
    expect([...japanese.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) {
      expect(placeholders(japanese.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('have Japanese text in every Japanese string but the few that are names or placeholders only', () => {
    const untranslatable = new Set([
      'panel.title',
      'window.contact',
      'window.contactNamed',
      'templates.statusLine',
      'attach.chosen',
    ]);
    for (const [key, text] of entries(catalogues.ja)) {
      if (!untranslatable.has(key)) expect(text, key).toSatisfy(hasJapanese);
    }
  });

  it('fill placeholders, and leave an unfilled one visible', () => {
    expect(interpolate('Reply within {duration}.', { duration: '3 hr' })).toBe('Reply within 3 hr.');
    expect(interpolate('Reply within {duration}.')).toBe('Reply within {duration}.');
  });

  it('format durations per language, rounded down', () => {
    expect(formatDuration(3 * 3600_000 + 12 * 60_000 + 59_999, 'en')).toBe('3 hr 12 min');
    expect(formatDuration(3 * 3600_000 + 12 * 60_000 + 59_999, 'ja')).toBe('3 時間12 分');
    expect(formatDuration(59_999, 'en')).toBe('0 min 59 sec');
    expect(formatDuration(-5, 'en')).toBe('0 min 0 sec');
  });
});
