import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CsvFormatError,
  cardInForce,
  type PerMessageRateCard,
  parseCsv,
  parseRateCardCsv,
  type RateCard,
  seedRateCards,
  startOfDay,
} from '../src/pricing/index.js';
import { parseCountryMarketCsv, parseNanpAreaCodeCsv } from '../src/pricing/market-tables.js';
import { moduleFileOf, renderTableModule, tableSpecs } from '../src/pricing/tables-render.js';

const tablesDirectory = new URL('../src/pricing/tables/', import.meta.url);
const identity = { id: 'test-card', effectiveFrom: '2026-01-01', source: 'test' };

/** A card in Meta's layout: its preamble line, its header, then `rows`. */
function metaCsv(...rows: string[]): string {
  return [
    'WhatsApp Business Platform rate card, effective January 1, 2026',
    'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service',
    ...rows,
  ].join('\n');
}

const otherRow = 'Other,USD,0.0604,0.0077,0.0077,n/a,0';

/** The error `run` throws, for assertions on its place. */
function formatErrorOf(run: () => unknown): CsvFormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a CsvFormatError');
}

describe('parseCsv', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, and remembers where each cell starts', () => {
    const rows = parseCsv('a,"b, c","say ""hi"""\r\n"multi\nline",x,\n\n"last"');
    expect(rows.map((row) => row.cells.map((cell) => cell.value))).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['multi\nline', 'x', ''],
      ['last'],
    ]);
    expect(rows.map((row) => row.line)).toEqual([1, 2, 5]);
    expect(rows[1]?.cells.map((cell) => [cell.line, cell.column])).toEqual([
      [2, 1],
      [3, 2],
      [3, 3],
    ]);
  });

  it('ignores a byte-order mark and a missing final line break', () => {
    expect(parseCsv('\uFEFFa,b').map((row) => row.cells.map((cell) => cell.value))).toEqual([['a', 'b']]);
  });

  it.each([
    ['a,b"c', 1, 2, 'a quote inside an unquoted cell'],
    ['a,b\nc,"open', 2, 2, 'never closed'],
    ['a,"b"c', 1, 2, 'text after the closing quote'],
  ])('refuses %j at line %i, column %i', (text, line, column, problem) => {
    const error = formatErrorOf(() => parseCsv(text));
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toContain(problem);
    expect(error.message).toMatch(new RegExp(`^line ${line}, column ${column}: `));
  });
});

describe('parseRateCardCsv in Meta’s layout', () => {
  it('skips the preamble, reads quoted market names, n/a and exact micro-amounts', () => {
    const card = parseRateCardCsv(
      metaCsv(
        '"Rest of Central & Eastern Europe",USD,0.086,0.0212,0.0212,n/a,0',
        'India,USD,0.0118,0.0014,0.0014,0.0304,0',
        otherRow,
      ),
      identity,
    );
    expect(card).toEqual({
      ...identity,
      currency: 'USD',
      model: 'per_message',
      rates: {
        'Rest of Central & Eastern Europe': {
          marketingMicro: 86_000,
          utilityMicro: 21_200,
          authenticationMicro: 21_200,
          authenticationInternationalMicro: null,
          serviceMicro: 0,
        },
        India: {
          marketingMicro: 11_800,
          utilityMicro: 1400,
          authenticationMicro: 1400,
          authenticationInternationalMicro: 30_400,
          serviceMicro: 0,
        },
        Other: {
          marketingMicro: 60_400,
          utilityMicro: 7700,
          authenticationMicro: 7700,
          authenticationInternationalMicro: null,
          serviceMicro: 0,
        },
      },
    });
  });

  it('accepts the header in any case, surrounding spaces, CRLF and N/A', () => {
    const text = [
      'preamble',
      ' market , CURRENCY,marketing,utility,authentication,authentication-international,service',
      'Other, USD , 0.0604 ,0.0077,0.0077, N/A ,0',
    ].join('\r\n');
    expect((parseRateCardCsv(text, identity) as PerMessageRateCard).rates.Other?.marketingMicro).toBe(60_400);
  });

  it('reads a card in another currency', () => {
    const card = parseRateCardCsv(metaCsv('Other,INR,0.86,0.115,0.115,n/a,0'), identity);
    expect(card.currency).toBe('INR');
    expect((card as PerMessageRateCard).rates.Other?.marketingMicro).toBe(860_000);
  });

  it.each([
    ['a rate that is not a number', metaCsv('India,USD,abc,0.0014,0.0014,0.0304,0', otherRow), 3, 3, '"abc" is not'],
    ['a negative rate', metaCsv('India,USD,-0.01,0.0014,0.0014,0.0304,0', otherRow), 3, 3, 'non-negative'],
    ['a rate in exponent notation', metaCsv('India,USD,1e-2,0.0014,0.0014,0.0304,0', otherRow), 3, 3, 'is not'],
    ['more than six decimals', metaCsv('India,USD,0.0000001,0.0014,0.0014,0.0304,0', otherRow), 3, 3, 'more than 6 decimal'],
    ['n/a outside Authentication-International', metaCsv('India,USD,0.0118,n/a,0.0014,0.0304,0', otherRow), 3, 4, 'Utility'],
    ['an empty rate', metaCsv(otherRow, 'India,USD,0.0118,0.0014,,0.0304,0'), 4, 5, 'Authentication is empty'],
    ['a short row', metaCsv(otherRow, 'India,USD,0.0118,0.0014'), 4, 5, 'the row has 4 cells; the header has 7'],
    ['a long row', metaCsv(otherRow, 'India,USD,0.0118,0.0014,0.0014,0.0304,0,9'), 4, 8, 'the row has 8 cells'],
    ['a repeated market', metaCsv(otherRow, '"Other",USD,0.06,0.007,0.007,n/a,0'), 4, 1, 'listed twice (first on line 3)'],
    ['an empty market', metaCsv(otherRow, ',USD,0.06,0.007,0.007,n/a,0'), 4, 1, 'market name is empty'],
    ['a bad currency', metaCsv('Other,US$,0.06,0.007,0.007,n/a,0'), 3, 2, 'not an ISO 4217'],
    ['mixed currencies', metaCsv(otherRow, 'India,INR,0.86,0.115,0.115,2.5,0'), 4, 2, 'differs from USD'],
    ['an unclosed quote', metaCsv(otherRow, '"India,USD,0.0118,0.0014,0.0014,0.0304,0'), 4, 1, 'never closed'],
  ])('refuses %s, naming line and column', (_, text, line, column, problem) => {
    const error = formatErrorOf(() => parseRateCardCsv(text, identity));
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toContain(problem);
  });

  it.each([
    ['no header', 'just,some,text\n1,2,3', 1, 'no header row'],
    ['no rows', metaCsv(), 2, 'the card has no rows'],
    ['no Other row', metaCsv('India,USD,0.0118,0.0014,0.0014,0.0304,0'), 3, 'no "Other" row'],
  ])('refuses a card with %s', (_, text, line, problem) => {
    const error = formatErrorOf(() => parseRateCardCsv(text, identity));
    expect([error.line, error.column]).toEqual([line, null]);
    expect(error.message).toContain(problem);
  });

  it('refuses an identity without an id or a real effective date', () => {
    expect(() => parseRateCardCsv(metaCsv(otherRow), { ...identity, id: ' ' })).toThrow(RangeError);
    expect(() => parseRateCardCsv(metaCsv(otherRow), { ...identity, effectiveFrom: '2026-02-30' })).toThrow(RangeError);
    expect(() => parseRateCardCsv(metaCsv(otherRow), { ...identity, effectiveFrom: '1 Jan 2026' })).toThrow(RangeError);
  });
});

describe('the seed cards', () => {
  const [conversationCard, perMessageCard] = seedRateCards as [RateCard, RateCard];

  it('keep seed 001’s conversation rates exactly (business-initiated Argentina $0.0526)', () => {
    expect(conversationCard).toMatchObject({ id: 'cbp-2022-02-01', effectiveFrom: '2022-02-01', currency: 'USD' });
    expect(conversationCard.model === 'conversation' && conversationCard.rates.Argentina).toEqual({
      businessInitiatedMicro: 52_600,
      userInitiatedMicro: 31_600,
    });
    expect(Object.keys(conversationCard.rates)).toHaveLength(32);
  });

  it('keep the per-message rates exactly, with null where a market has no international rate', () => {
    expect(perMessageCard).toMatchObject({ id: 'pmp-2025-07-01', effectiveFrom: '2025-07-01', currency: 'USD' });
    const rates = perMessageCard.model === 'per_message' ? perMessageCard.rates : {};
    expect(rates.Argentina).toEqual({
      marketingMicro: 61_800,
      utilityMicro: 26_000,
      authenticationMicro: 26_000,
      authenticationInternationalMicro: null,
      serviceMicro: 0,
    });
    expect(rates.Indonesia?.authenticationInternationalMicro).toBe(136_000);
    const international = Object.entries(rates).filter(([, row]) => row.authenticationInternationalMicro !== null);
    expect(international.map(([market]) => market).sort()).toEqual([
      'Egypt',
      'India',
      'Indonesia',
      'Malaysia',
      'Nigeria',
      'Pakistan',
      'Saudi Arabia',
      'South Africa',
      'United Arab Emirates',
    ]);
  });

  it('hold only safe non-negative integers', () => {
    for (const card of seedRateCards) {
      for (const row of Object.values(card.rates)) {
        for (const value of Object.values(row) as (number | null)[]) {
          if (value !== null) expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
        }
      }
    }
  });
});

describe('generated table modules', () => {
  it.each(tableSpecs.map((spec) => [moduleFileOf(spec), spec] as const))('%s is what its CSV generates', (moduleFile, spec) => {
    const csvText = readFileSync(new URL(spec.csvFile, tablesDirectory), 'utf8');
    const moduleText = readFileSync(new URL(moduleFile, tablesDirectory), 'utf8');
    expect(moduleText).toBe(renderTableModule(spec, csvText));
    expect(moduleText.startsWith(`// Generated by shared/src/pricing/generate-tables.ts from tables/${spec.csvFile}.`)).toBe(
      true,
    );
  });

  it('refuses market tables with bad rows, naming line and column', () => {
    const markets = 'iso2,country,market,source_note\nAR,Argentina,Argentina,x\nar,Argentina,Argentina,x';
    expect(formatErrorOf(() => parseCountryMarketCsv(markets))).toMatchObject({ line: 3, column: 1 });
    const duplicate = 'iso2,country,market,source_note\nAR,Argentina,Argentina,x\nAR,Argentina,Argentina,x';
    expect(formatErrorOf(() => parseCountryMarketCsv(duplicate)).message).toContain('listed twice (first on line 2)');
    const nanp = 'prefix,country_iso2,market\n1809,DO,Rest of Latin America\n809,DO,Rest of Latin America';
    expect(formatErrorOf(() => parseNanpAreaCodeCsv(nanp))).toMatchObject({ line: 3, column: 1 });
    expect(formatErrorOf(() => parseNanpAreaCodeCsv('prefix,country,market\n1809,DO,x'))).toMatchObject({
      line: 1,
      column: null,
    });
  });
});

describe('cardInForce', () => {
  const cardsFrom = (...dates: string[]) =>
    dates.map((effectiveFrom, index) =>
      parseRateCardCsv(metaCsv(otherRow), { id: `card-${index}`, effectiveFrom, source: 'test' }),
    );

  it.each([
    ['2025-06-30T23:59:59.999Z', 'cbp-2022-02-01'],
    ['2025-07-01T00:00:00.000Z', 'pmp-2025-07-01'],
    ['2022-02-01T00:00:00.000Z', 'cbp-2022-02-01'],
    ['2030-01-01T00:00:00.000Z', 'pmp-2025-07-01'],
  ])('at %s is %s', (at, id) => {
    expect(cardInForce(seedRateCards, new Date(at))?.id).toBe(id);
  });

  it('is null before the first card', () => {
    expect(cardInForce(seedRateCards, new Date('2022-01-31T23:59:59.999Z'))).toBeNull();
  });

  it('picks the latest date not after the send, whatever the order of the list', () => {
    const cards = cardsFrom('2026-01-01', '2025-10-01', '2026-04-01');
    expect(cardInForce(cards, new Date('2026-03-31T23:59:59.999Z'))?.id).toBe('card-0');
    expect(cardInForce(cards, new Date('2026-04-01T00:00:00.000Z'))?.id).toBe('card-2');
    expect(cardInForce(cards, new Date('2025-12-31T00:00:00.000Z'))?.id).toBe('card-1');
  });

  it('lets a later card of the same date (a corrected re-import) replace an earlier one', () => {
    expect(cardInForce(cardsFrom('2026-01-01', '2026-01-01'), new Date('2026-02-01T00:00:00Z'))?.id).toBe('card-1');
  });

  it('filters by model and currency', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(cardInForce(seedRateCards, at, { model: 'conversation' })?.id).toBe('cbp-2022-02-01');
    expect(cardInForce(seedRateCards, at, { currency: 'INR' })).toBeNull();
  });

  it.each([
    ['UTC', '2025-07-01T00:00:00.000Z'],
    ['Asia/Tokyo', '2025-06-30T15:00:00.000Z'],
    ['America/Los_Angeles', '2025-07-01T07:00:00.000Z'],
    ['Asia/Kolkata', '2025-06-30T18:30:00.000Z'],
    ['Pacific/Kiritimati', '2025-06-30T10:00:00.000Z'],
  ])('starts a card at midnight in the WABA’s time zone (%s: %s)', (timeZone, start) => {
    const startMs = Date.parse(start);
    expect(startOfDay('2025-07-01', timeZone).toISOString()).toBe(start);
    expect(cardInForce(seedRateCards, new Date(startMs), { timeZone })?.id).toBe('pmp-2025-07-01');
    expect(cardInForce(seedRateCards, new Date(startMs - 1), { timeZone })?.id).toBe('cbp-2022-02-01');
  });

  it('starts a day whose midnight a daylight-saving change skips at its first instant', () => {
    // São Paulo moved its clocks from 00:00 to 01:00 on 2018-11-04: that day began at 01:00 local (03:00 UTC).
    expect(startOfDay('2018-11-04', 'America/Sao_Paulo').toISOString()).toBe('2018-11-04T03:00:00.000Z');
  });

  it('refuses an unknown time zone and a date that does not exist', () => {
    expect(() => startOfDay('2025-07-01', 'Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => startOfDay('2025-06-31')).toThrow(RangeError);
  });
});
