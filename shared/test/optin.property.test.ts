import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../test/support/properties.js';
import {
  type ConsentCsvRow,
  type ConsentRecord,
  consentSources,
  consentStates,
  consentsToCsv,
  csvLine,
  currentConsent,
  defaultOptInKeywords,
  defaultOptOutKeywords,
  isEarlier,
  matchOptOutKeyword,
  normalizeKeywordText,
  parseConsentCsv,
  readCsv,
  restoreFormulaCell,
} from '../src/optin/index.js';

const runs = propertyRuns(200);

const topics = ['marketing', 'utility', 'authentication', 'order_updates'];
const now = new Date('2026-01-10T12:00:00Z');
const dayMs = 24 * 60 * 60 * 1000;

/** Instants from a small range, so that generated records often share one. */
const instant = fc.integer({ min: 0, max: 20 }).map((offset) => new Date(now.getTime() - dayMs + offset * 1000));

const consentRecords = fc
  .array(
    fc.record({
      topic: fc.constantFrom(...topics),
      state: fc.constantFrom(...consentStates),
      source: fc.constantFrom(...consentSources),
      occurredAt: instant,
    }),
    { maxLength: 30 },
  )
  .map((records) =>
    records.map((record, index): ConsentRecord => ({ ...record, evidence: 'e', recordedBy: null, sequence: index + 1 })),
  );

/** The records in the order of `keys`: a permutation fast-check can shrink. */
function permuted<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, index) => ({ item, key: keys[index] ?? 0, index }))
    .sort((first, second) => first.key - second.key || first.index - second.index)
    .map(({ item }) => item);
}

describe('currentConsent (properties)', () => {
  it('does not depend on the order of the records', () => {
    fc.assert(
      fc.property(consentRecords, fc.array(fc.integer(), { minLength: 30, maxLength: 30 }), (records, keys) => {
        expect(currentConsent(permuted(records, keys), topics)).toEqual(currentConsent(records, topics));
      }),
      runs,
    );
  });

  it('is decided by the latest record of each topic, by instant then sequence', () => {
    fc.assert(
      fc.property(consentRecords, (records) => {
        const consent = currentConsent(records, topics);
        for (const topic of topics) {
          const ofTopic = records.filter((record) => record.topic === topic);
          const latest = ofTopic.reduce<ConsentRecord | undefined>(
            (best, record) => (best === undefined || isEarlier(best, record) ? record : best),
            undefined,
          );
          expect(consent[topic]?.state).toBe(latest?.state ?? 'unknown');
          expect(consent[topic]?.at).toEqual(latest?.occurredAt ?? null);
        }
      }),
      runs,
    );
  });
});

const validPhones = ['+819012345678', '+818011112222', '+447911123456', '+12025550123', '+33612345678', '+5511912345678'];

/** Any text, including commas, quotes, line breaks, formula characters and apostrophes, in any script. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(',', '"', '\n', '\r', '\r\n', '=', '+', '-', '@', "'", '\t', ' ', '。', 'Ａ'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
});

const csvRow = fc
  .record({
    phone: fc.constantFrom(...validPhones),
    topic: fc.constantFrom(...topics),
    state: fc.constantFrom(...consentStates),
    source: fc.constantFrom(...consentSources),
    // Starting with the business name keeps every opt-in valid whatever text follows.
    evidence: anyText.map((text) => `Acme: ${text}`),
    recordedBy: fc.option(
      anyText.filter((text) => text.trim() === text && text !== ''),
      { nil: null },
    ),
    occurredAt: fc.integer({ min: 0, max: 365 * dayMs }).map((offsetMs) => new Date(now.getTime() - offsetMs)),
  })
  .map((row): ConsentCsvRow => row);

describe('CSV (properties)', () => {
  it('reads back every cell the writer wrote', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyText, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 10 }), (records) => {
        const text = records.map(csvLine).join('');
        const read = readCsv(text);
        expect(read.errors).toEqual([]);
        expect(read.records.map((record) => record.cells.map(restoreFormulaCell))).toEqual(records);
      }),
      runs,
    );
  });

  it('imports exactly what it exported', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(csvRow, {
          maxLength: 20,
          selector: (row) => `${row.phone}/${row.topic}/${row.occurredAt.getTime()}`,
        }),
        (rows) => {
          const result = parseConsentCsv(consentsToCsv(rows), { businessNames: ['Acme'], knownTopics: topics, now });
          if (rows.length === 0) {
            expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'no_rows' })], errorCount: 1 });
            return;
          }
          expect(result.ok && result.rows.map(({ line: _, ...row }) => row)).toEqual(rows);
        },
      ),
      runs,
    );
  });
});

const defaultKeywords = [...defaultOptOutKeywords, ...defaultOptInKeywords];
const keywordForms = new Set(defaultKeywords.map((entry) => normalizeKeywordText(entry.keyword)));

/** A keyword as a phone might type it: any case, full-width letters, spaces around, trailing punctuation. */
const typedKeyword = fc
  .record({
    entry: fc.constantFrom(...defaultKeywords),
    fullWidth: fc.boolean(),
    upperCase: fc.boolean(),
    before: fc.constantFrom('', ' ', '　', '\n'),
    after: fc.constantFrom('', ' ', '!', '。', '！', '...', ' !'),
  })
  .map(({ entry, fullWidth, upperCase, before, after }) => {
    const cased = upperCase ? entry.keyword.toUpperCase() : entry.keyword.toLowerCase();
    const widened = fullWidth
      ? cased.replace(/[!-~]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0))
      : cased;
    return { entry, text: `${before}${widened}${after}` };
  });

/** Text wrapped in layers of the brackets, quotes, spaces and punctuation the normalisation removes. */
const punctuated = fc
  .tuple(
    fc.constantFrom('stop', '停止', '', '?', 'stop all'),
    fc.array(fc.constantFrom('「」', '()', '""', '“”', '.', '!', '。', '！', ' ', '　', '?'), { maxLength: 5 }),
  )
  .map(([core, layers]) =>
    layers.reduce<string>((text, layer) => (layer.length === 2 ? `${layer[0]}${text}${layer[1]}` : `${text}${layer}`), core),
  );

describe('keywords (properties)', () => {
  it('matches a keyword however it is typed', () => {
    fc.assert(
      fc.property(typedKeyword, ({ entry, text }) => {
        expect(matchOptOutKeyword(text)?.keyword).toBe(entry.keyword);
      }),
      runs,
    );
  });

  it('never matches a keyword inside a longer message', () => {
    const word = fc.stringMatching(/^[a-zA-Z\u3041-\u3093\u4e00-\u4e10]{1,8}$/);
    fc.assert(
      fc.property(typedKeyword, word, fc.boolean(), ({ text }, extra, extraFirst) => {
        const message = extraFirst ? `${extra} ${text}` : `${text} ${extra}`;
        fc.pre(!keywordForms.has(normalizeKeywordText(message)));
        expect(matchOptOutKeyword(message)).toBeNull();
      }),
      runs,
    );
  });

  it('normalises idempotently', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), punctuated), (text) => {
        const once = normalizeKeywordText(text);
        expect(normalizeKeywordText(once)).toBe(once);
      }),
      runs,
    );
  });
});
