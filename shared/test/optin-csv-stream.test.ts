import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../test/support/properties.js';
import {
  type ConsentContext,
  ConsentCsvReader,
  type ConsentCsvResult,
  type CsvRecord,
  CsvStreamReader,
  consentCsvLinesMax,
  consentCsvRowsMax,
  parseConsentCsv,
  readCsv,
} from '../src/optin/index.js';

/*
 * The consent import read in pieces, as the bridge reads it off the network (issue 16: 30 MB of blank lines ran
 * the bridge out of memory when the file was read whole). Whatever the pieces, the result is the one of the
 * whole file; a file that cannot succeed stops the reading early.
 */

const runs = propertyRuns(200);
const context: ConsentContext = {
  businessNames: ['Acme'],
  knownTopics: ['marketing', 'utility'],
  now: new Date('2026-01-10T12:00:00Z'),
};
const header = 'phone,topic,state,source,evidence,occurred_at';
const row = (phone = '+819012345678', evidence = '"I agree to receive utility messages from Acme"') =>
  `${phone},utility,opted_in,checkout,${evidence},2025-12-01T10:00:00Z`;

/** `text` cut at `cuts` (positions, in any order) into pieces. */
function piecesOf<T extends string | Uint8Array>(text: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((first, second) => first - second);
  const pieces: T[] = [];
  let start = 0;
  for (const point of [...points, text.length]) {
    pieces.push(text.slice(start, point) as T);
    start = point;
  }
  return pieces;
}

function streamed(pieces: readonly (string | Uint8Array)[]): ConsentCsvResult {
  const reader = new ConsentCsvReader(context);
  for (const piece of pieces) reader.write(piece);
  return reader.end();
}

describe('CsvStreamReader', () => {
  it('reads the same records and errors whatever the pieces the text comes in', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '""', '\r', '\n', '\r\n', ' ', 'あ'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (cells, cuts) => {
        const text = cells.join('');
        const records: CsvRecord[] = [];
        const errors: unknown[] = [];
        const reader = new CsvStreamReader({
          onRecord: (record) => records.push(record),
          onError: (error) => errors.push(error),
        });
        for (const piece of piecesOf(text, cuts)) reader.write(piece);
        reader.end();
        expect({ records, errors }).toEqual(readCsv(text));
      }),
      runs,
    );
  });

  it('stops at a record longer than its limit, and says where it starts', () => {
    const errors: unknown[] = [];
    const reader = new CsvStreamReader({ onRecord: () => {}, onError: (error) => errors.push(error) }, 100);
    expect(reader.write('a,b\nc,"open')).toBe(true);
    expect(reader.write('x'.repeat(200))).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ line: 2, code: 'unterminated_quote' })]);
  });
});

describe('ConsentCsvReader', () => {
  it('imports the same rows or reports the same problems whatever the pieces, even inside a UTF-8 character', () => {
    const lines = fc.array(
      fc.constantFrom(row(), row('+819012345679'), row('+81 12'), row('+819012345670', '"Acme: はい"'), '', ',,,,,', 'x'),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(lines, fc.constantFrom('\n', '\r\n'), fc.array(fc.nat(), { maxLength: 6 }), (rows, lineBreak, cuts) => {
        const bytes = new TextEncoder().encode([header, ...rows].join(lineBreak));
        expect(streamed(piecesOf(bytes, cuts))).toEqual(parseConsentCsv(bytes, context));
      }),
      runs,
    );
  });

  it('stops reading a file of blank lines at the line limit, holding nothing', () => {
    const reader = new ConsentCsvReader(context);
    const blankLines = '\n'.repeat(64 * 1024);
    let pieces = 0;
    while (reader.write(blankLines)) pieces += 1;
    // 30 MB of blank lines would be 480 such pieces: the reader refuses the file after about 3.
    expect(pieces).toBeLessThanOrEqual(Math.ceil(consentCsvLinesMax / blankLines.length));
    expect(reader.end()).toMatchObject({ ok: false, errors: [{ code: 'too_many_rows' }] });
  });

  it('stops reading at the row limit', () => {
    const reader = new ConsentCsvReader(context);
    reader.write(`${header}\n`);
    const rows = Array.from({ length: 1_000 }, (_, index) => row(`+8190${10_000_000 + index}`)).join('\n');
    let written = 0;
    while (reader.write(`${rows}\n`)) written += 1_000;
    expect(written).toBeLessThanOrEqual(consentCsvRowsMax);
    expect(reader.end()).toMatchObject({ ok: false, errors: [{ code: 'too_many_rows' }] });
  });

  it('refuses a cell with U+0000 or an unpaired surrogate (invalid_text), before any other rule reads it', () => {
    const result = parseConsentCsv(
      `${header}\n${row('+819012345678', '"Acme\u0000"')}\n${row('+819012345679', '"Acme \ud800"')}`,
      context,
    );
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { line: 2, column: 'evidence', code: 'invalid_text' },
        { line: 3, column: 'evidence', code: 'invalid_text' },
      ],
    });
  });

  it('keeps the first problems of a file that has very many, and counts them all', () => {
    const bad = Array.from({ length: 3_000 }, () => row('+81 12')).join('\n');
    const result = parseConsentCsv(`${header}\n${bad}`, context);
    expect(result).toMatchObject({ ok: false, errorCount: 3_000 });
    expect(result.ok || result.errors.length).toBe(1_000);
  });
});
