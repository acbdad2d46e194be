import { type CsvCell, CsvFormatError, type CsvRow, parseCsv } from './csv.js';

/*
 * Readers for the country → market tables (tables/markets-*.csv, tables/nanp-*.csv). They only check the
 * shape of the data; markets.ts turns the rows into dated mappings.
 */

/** One row of Meta's country → market table. */
export type CountryMarketRow = {
  /** ISO 3166-1 alpha-2, as libphonenumber-js reports a number's country. */
  iso2: string;
  country: string;
  market: string;
  sourceNote: string;
};

/** A +1 area code (NANP numbering plan area) placed in a market. */
export type NanpAreaCodeRow = {
  /** `1` and the three-digit area code: `1809`. */
  prefix: string;
  countryIso2: string;
  market: string;
  /** Why: absent where Meta lists the area code itself, a sentence where the placement is derived. */
  basis: string | null;
};

const iso2Pattern = /^[A-Z]{2}$/;
const nanpPrefixPattern = /^1[2-9]\d{2}$/;

export function parseCountryMarketCsv(text: string): CountryMarketRow[] {
  const rows = tableRows(text, ['iso2', 'country', 'market', 'source_note']);
  const seen = new Map<string, number>();
  return rows.map(({ row, cells }) => {
    const [iso2, country, market, sourceNote] = cells as [CsvCell, CsvCell, CsvCell, CsvCell];
    requireMatch(iso2, iso2Pattern, 'an ISO 3166-1 alpha-2 country code in capitals');
    requireUnique(seen, iso2, row);
    requireNonEmpty(country, 'country');
    requireNonEmpty(market, 'market');
    return { iso2: iso2.value, country: country.value, market: market.value, sourceNote: sourceNote.value };
  });
}

export function parseNanpAreaCodeCsv(text: string): NanpAreaCodeRow[] {
  const withBasis = headerOf(text).length === 4;
  const rows = tableRows(text, withBasis ? ['prefix', 'country_iso2', 'market', 'basis'] : ['prefix', 'country_iso2', 'market']);
  const seen = new Map<string, number>();
  return rows.map(({ row, cells }) => {
    const [prefix, countryIso2, market, basis] = cells as [CsvCell, CsvCell, CsvCell, CsvCell | undefined];
    requireMatch(prefix, nanpPrefixPattern, '1 followed by a three-digit area code, like 1809');
    requireUnique(seen, prefix, row);
    requireMatch(countryIso2, iso2Pattern, 'an ISO 3166-1 alpha-2 country code in capitals');
    requireNonEmpty(market, 'market');
    return { prefix: prefix.value, countryIso2: countryIso2.value, market: market.value, basis: basis?.value ?? null };
  });
}

function headerOf(text: string): string[] {
  return parseCsv(text)[0]?.cells.map((cell) => cell.value.trim()) ?? [];
}

/** The data rows of a table whose first row must be exactly `headers`; cells are trimmed. */
function tableRows(text: string, headers: readonly string[]): { row: CsvRow; cells: CsvCell[] }[] {
  const [headerRow, ...rows] = parseCsv(text);
  const found = headerRow?.cells.map((cell) => cell.value.trim()) ?? [];
  if (found.join(',') !== headers.join(',')) {
    throw new CsvFormatError(headerRow?.line ?? 1, null, `the header is "${found.join(',')}"; expected "${headers.join(',')}"`);
  }
  return rows.map((row) => {
    if (row.cells.length !== headers.length) {
      throw new CsvFormatError(
        row.line,
        Math.min(row.cells.length, headers.length) + 1,
        `the row has ${row.cells.length} cells; the header has ${headers.length}`,
      );
    }
    return { row, cells: row.cells.map((cell) => ({ ...cell, value: cell.value.trim() })) };
  });
}

function requireMatch(cell: CsvCell, pattern: RegExp, expected: string): void {
  if (!pattern.test(cell.value)) throw new CsvFormatError(cell.line, cell.column, `"${cell.value}" is not ${expected}`);
}

function requireNonEmpty(cell: CsvCell, name: string): void {
  if (cell.value === '') throw new CsvFormatError(cell.line, cell.column, `the ${name} is empty`);
}

function requireUnique(seen: Map<string, number>, cell: CsvCell, row: CsvRow): void {
  const firstLine = seen.get(cell.value);
  if (firstLine !== undefined) {
    throw new CsvFormatError(row.line, cell.column, `"${cell.value}" is listed twice (first on line ${firstLine})`);
  }
  seen.set(cell.value, row.line);
}
