import { normalizePhoneNumber } from '../phone.js';
import {
  type ConsentContext,
  type ConsentEntry,
  type ConsentProblemCode,
  consentProblemCodes,
  validateConsent,
} from './consent.js';
import { csvLine, readCsv, restoreFormulaCell } from './csv-format.js';

/*
 * Consent import and export as CSV, one consent record per row:
 *
 *   phone,topic,state,source,evidence,occurred_at,recorded_by
 *
 * The first six columns are required, `recorded_by` is optional; columns may come in any order and
 * header names ignore case and surrounding spaces. `occurred_at` is required on import, unlike in the
 * API: an imported record without its instant would be dated at the import and outrank every consent
 * or opt-out the customer gave since. UTF-8 only, with or without a BOM. Japanese Excel saves "CSV"
 * as Shift_JIS, which is refused with `not_utf8` (Excel's "CSV UTF-8" is the format to choose); the
 * export writes a BOM so that Excel opens it as UTF-8.
 *
 * All or nothing: one bad row and no row is imported, and every bad row is reported with the line of
 * the file on which it starts, as a text editor numbers lines. Cells are trimmed except `evidence`,
 * which is kept exactly as the customer saw it. `topic`, `state` and `source` ignore case. Empty lines,
 * and rows whose cells are all empty (spreadsheets write `,,,,,`), are skipped. A header with errors
 * stops the check there: without its columns no row can be read.
 */

export const consentCsvRequiredColumns = ['phone', 'topic', 'state', 'source', 'evidence', 'occurred_at'] as const;

export const consentCsvColumns = [...consentCsvRequiredColumns, 'recorded_by'] as const;

export type ConsentCsvColumn = (typeof consentCsvColumns)[number];

/**
 * One import is one transaction on the bridge. Twice the largest file we test (50,000 rows) leaves room
 * for real lists; a larger one should be split, so that one bad row does not hold up everything.
 */
export const consentCsvRowsMax = 100_000;

export const consentCsvErrorCodes = [
  /** The bytes are not UTF-8 (for example Shift_JIS from Japanese Excel). */
  'not_utf8',
  /** The file has no header line. */
  'empty_file',
  /** The file has a header but no rows. */
  'no_rows',
  /** More rows than `consentCsvRowsMax`. */
  'too_many_rows',
  /** The header lacks a required column. */
  'missing_column',
  /** The header has a column that is not one of `consentCsvColumns`. */
  'unknown_column',
  /** The header names a column twice. */
  'duplicate_column',
  /** A quoted cell is never closed. */
  'unterminated_quote',
  /** Text follows the closing quote of a cell. */
  'invalid_quote',
  /** A row has more or fewer cells than the header. */
  'wrong_field_count',
  /** The phone number is not a valid international number. */
  'invalid_phone_number',
  /** Two rows give the same phone, topic and instant: which one stands would depend on their order. */
  'duplicate_row',
  /** A cell breaks a rule of consent records (see `consentProblemCodes`). */
  ...consentProblemCodes,
] as const;

export type ConsentCsvErrorCode = (typeof consentCsvErrorCodes)[number];

export type ConsentCsvError = {
  /** 1-based line of the file on which the row (or the header) starts; 0 for the file as a whole. */
  line: number;
  column?: ConsentCsvColumn | (string & {});
  code: ConsentCsvErrorCode;
  message: string;
};

/** A consent record with the contact's phone number, as exported and imported. */
export type ConsentCsvRow = ConsentEntry & {
  /** E.164. */
  phone: string;
};

export type ConsentImportRow = ConsentCsvRow & { line: number };

export type ConsentCsvResult = { ok: true; rows: ConsentImportRow[] } | { ok: false; errors: ConsentCsvError[] };

type Header = { columns: Map<string, number>; width: number };

/** Parses and validates a consent import; see the notes at the top of this module. */
export function parseConsentCsv(input: string | Uint8Array, context: ConsentContext): ConsentCsvResult {
  const text = decodeUtf8(input);
  if (text === null) return failure([{ line: 0, code: 'not_utf8', message: 'The file is not UTF-8: save it as “CSV UTF-8”.' }]);
  const { records, errors: syntaxErrors } = readCsv(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const [headerRecord, ...rowRecords] = records.filter((record) => !isBlank(record.cells));
  if (headerRecord === undefined) {
    return failure([...syntaxErrors, { line: 1, code: 'empty_file', message: 'The file has no header line.' }]);
  }
  const header = readHeader(headerRecord);
  if (header.errors.length > 0) return failure([...syntaxErrors, ...header.errors]);
  const sizeErrors = rowCountErrors(rowRecords.length);
  if (sizeErrors.length > 0) return failure([...syntaxErrors, ...sizeErrors]);
  const rows = readRows(rowRecords, header.header, context);
  const errors = [...syntaxErrors, ...rows.errors];
  return errors.length > 0 ? failure(errors) : { ok: true, rows: rows.rows };
}

/** Errors in the order of the file; a sort is stable, so a row's errors keep the order of its columns. */
function failure(errors: ConsentCsvError[]): ConsentCsvResult {
  return { ok: false, errors: errors.sort((first, second) => first.line - second.line) };
}

function decodeUtf8(input: string | Uint8Array): string | null {
  if (typeof input === 'string') return input;
  try {
    // `fatal` refuses malformed bytes instead of replacing them; the decoder drops a leading BOM itself.
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return null;
  }
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}

function rowCountErrors(rowCount: number): ConsentCsvError[] {
  if (rowCount === 0) return [{ line: 0, code: 'no_rows', message: 'The file has a header but no rows.' }];
  if (rowCount > consentCsvRowsMax) {
    return [{ line: 0, code: 'too_many_rows', message: `At most ${consentCsvRowsMax} rows per file; split it.` }];
  }
  return [];
}

function readHeader({ line, cells }: { line: number; cells: readonly string[] }): { header: Header; errors: ConsentCsvError[] } {
  const errors: ConsentCsvError[] = [];
  const columns = new Map<string, number>();
  cells.forEach((cell, index) => {
    const name = cell.trim().toLowerCase();
    if (!(consentCsvColumns as readonly string[]).includes(name)) {
      errors.push({ line, column: name, code: 'unknown_column', message: `Unknown column “${cell}”.` });
    } else if (columns.has(name)) {
      errors.push({ line, column: name, code: 'duplicate_column', message: `The column ${name} appears twice.` });
    } else {
      columns.set(name, index);
    }
  });
  for (const name of consentCsvRequiredColumns) {
    if (!columns.has(name))
      errors.push({ line, column: name, code: 'missing_column', message: `The column ${name} is missing.` });
  }
  return { header: { columns, width: cells.length }, errors };
}

type RowsResult = { rows: ConsentImportRow[]; errors: ConsentCsvError[] };

function readRows(records: readonly { line: number; cells: string[] }[], header: Header, context: ConsentContext): RowsResult {
  const rows: ConsentImportRow[] = [];
  const errors: ConsentCsvError[] = [];
  const firstLineOfKey = new Map<string, number>();
  for (const record of records) {
    const row = readRow(record, header, context);
    if ('errors' in row) {
      errors.push(...row.errors);
      continue;
    }
    const key = `${row.phone} ${row.topic} ${row.occurredAt.getTime()}`;
    const firstLine = firstLineOfKey.get(key);
    if (firstLine !== undefined) {
      const message = `Line ${firstLine} has the same phone, topic and occurred_at.`;
      errors.push({ line: record.line, code: 'duplicate_row', message });
      continue;
    }
    firstLineOfKey.set(key, record.line);
    rows.push(row);
  }
  return { rows, errors };
}

function readRow(
  { line, cells }: { line: number; cells: string[] },
  header: Header,
  context: ConsentContext,
): ConsentImportRow | { errors: ConsentCsvError[] } {
  if (cells.length !== header.width) {
    const message = `The row has ${cells.length} cells; the header has ${header.width}.`;
    return { errors: [{ line, code: 'wrong_field_count', message }] };
  }
  const cell = (column: ConsentCsvColumn): string => {
    const index = header.columns.get(column);
    return index === undefined ? '' : restoreFormulaCell(cells[index] ?? '');
  };
  const phone = normalizePhoneNumber(cell('phone'));
  const errors: ConsentCsvError[] = phone.ok
    ? []
    : [{ line, column: 'phone', code: 'invalid_phone_number', message: `The phone number ${phone.reason}.` }];
  const validation = validateConsent(consentInputOf(cell), context);
  if (!validation.ok) {
    errors.push(...validation.problems.map((problem) => rowProblem(line, problem.field, problem.code, problem.message)));
  }
  const occurredAtMissing = cell('occurred_at').trim() === '';
  if (occurredAtMissing) errors.push({ line, column: 'occurred_at', code: 'missing', message: 'occurred_at is required.' });
  if (!validation.ok || !phone.ok || occurredAtMissing) return { errors };
  return { line, phone: phone.e164, ...validation.entry };
}

/**
 * The row as an API body: cells trimmed except the evidence, enumerations in lower case, and an empty
 * cell as an absent field (`missing` for a required one, the default for `recorded_by`).
 */
function consentInputOf(cell: (column: ConsentCsvColumn) => string): Record<string, string> {
  const input: Record<string, string> = {};
  const put = (field: string, value: string) => {
    if (value !== '') input[field] = value;
  };
  put('topic', cell('topic').trim().toLowerCase());
  put('state', cell('state').trim().toLowerCase());
  put('source', cell('source').trim().toLowerCase());
  put('evidence', cell('evidence'));
  put('occurred_at', cell('occurred_at').trim());
  put('recorded_by', cell('recorded_by').trim());
  return input;
}

function rowProblem(line: number, column: string, code: ConsentProblemCode, message: string): ConsentCsvError {
  return { line, column, code, message: `${column} ${message}.` };
}

/**
 * The export: the import's columns with a header, CRLF line breaks, a BOM for Excel, instants in UTC
 * ISO 8601, and every cell formula-neutralised (see `csv-format.ts`). Phone numbers therefore come out
 * as `'+819012345678`, which also keeps spreadsheets from turning them into numbers; the import reads
 * them back unchanged.
 */
export function consentsToCsv(rows: readonly ConsentCsvRow[]): string {
  const lines = rows.map((row) =>
    csvLine([row.phone, row.topic, row.state, row.source, row.evidence, row.occurredAt.toISOString(), row.recordedBy ?? '']),
  );
  return `\uFEFF${csvLine(consentCsvColumns)}${lines.join('')}`;
}
