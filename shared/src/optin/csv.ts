import { unstorableTextReason } from '../contract/text.js';
import { normalizePhoneNumber } from '../phone.js';
import {
  type ConsentContext,
  type ConsentEntry,
  type ConsentProblemCode,
  consentProblemCodes,
  validateConsent,
} from './consent.js';
import { CsvStreamReader, csvLine, restoreFormulaCell } from './csv-format.js';

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

/**
 * Lines after the header, blank ones included: blank lines are skipped, but each one costs reading, so a file
 * of nothing but line breaks (30 MB of them once ran the bridge out of memory) stops here. Twice the rows
 * leaves a real file all the blank lines a spreadsheet writes.
 */
export const consentCsvLinesMax = 2 * consentCsvRowsMax;

/**
 * The longest record: a row's cells are at most a few thousand characters (evidence 2,000, recorded_by 200),
 * so a record that has not ended after this many is a broken file (a quote never closed, no line breaks).
 */
export const consentCsvRecordCharactersMax = 64 * 1024;

/** Problems kept for the answer: enough to fix a file, few enough that a broken file cannot fill memory. */
export const consentCsvErrorsMax = 1_000;

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
  /** A record does not end within `consentCsvRecordCharactersMax` characters. */
  'record_too_long',
  /** A cell holds text the bridge cannot store (U+0000, an unpaired surrogate). */
  'invalid_text',
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

/** `errorCount`: every problem found, of which `errors` keeps the first `consentCsvErrorsMax`. */
export type ConsentCsvResult =
  | { ok: true; rows: ConsentImportRow[] }
  | { ok: false; errors: ConsentCsvError[]; errorCount: number };

type Header = { columns: Map<string, number>; width: number };

/** Parses and validates a consent import; see the notes at the top of this module. */
export function parseConsentCsv(input: string | Uint8Array, context: ConsentContext): ConsentCsvResult {
  const reader = new ConsentCsvReader(context);
  reader.write(input);
  return reader.end();
}

const notUtf8: ConsentCsvError = { line: 0, code: 'not_utf8', message: 'The file is not UTF-8: save it as “CSV UTF-8”.' };

/**
 * A consent import read as it arrives: `write` each piece of the file (bytes, decoded as UTF-8, or text), then
 * `end`. Rows are validated as they come and only valid rows are kept, so memory holds at most
 * `consentCsvRowsMax` rows and `consentCsvErrorsMax` errors whatever the file. Once the file is refused
 * whatever follows (not UTF-8, a bad header, too many lines, a broken record), `write` answers false and the
 * rest need not be read.
 */
export class ConsentCsvReader {
  readonly #context: ConsentContext;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #records: CsvStreamReader;
  #started = false;
  #header: Header | undefined;
  #headerErrors: ConsentCsvError[] = [];
  #syntaxErrors: ConsentCsvError[] = [];
  #rowErrors: ConsentCsvError[] = [];
  #errorCount = 0;
  #rowCount = 0;
  #lineCount = 0;
  #notUtf8 = false;
  readonly #rows: ConsentImportRow[] = [];
  readonly #firstLineOfKey = new Map<string, number>();

  constructor(context: ConsentContext) {
    this.#context = context;
    this.#records = new CsvStreamReader(
      { onRecord: (record) => this.#read(record), onError: (error) => this.#note(this.#syntaxErrors, error) },
      consentCsvRecordCharactersMax,
    );
  }

  /** Reads the next piece of the file; false once the file is refused whatever follows. */
  write(piece: string | Uint8Array): boolean {
    if (this.#notUtf8) return false;
    let text: string;
    if (typeof piece === 'string') {
      text = piece;
    } else {
      try {
        // `fatal` refuses malformed bytes instead of replacing them; `stream` keeps a character split between pieces.
        text = this.#decoder.decode(piece, { stream: true });
      } catch {
        this.#notUtf8 = true;
        this.#records.stop();
        return false;
      }
    }
    if (!this.#started) {
      this.#started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    return this.#records.write(text);
  }

  /** The end of the file: the rows to import, or every problem found (sorted by line). */
  end(): ConsentCsvResult {
    if (!this.#notUtf8) {
      try {
        const rest = this.#decoder.decode();
        if (rest !== '') this.#records.write(rest);
      } catch {
        this.#notUtf8 = true;
      }
    }
    this.#records.end();
    if (this.#notUtf8) return failure([notUtf8], 1);
    if (this.#lineCount > consentCsvLinesMax) return failure([...this.#syntaxErrors, ...this.#sizeErrors()]);
    if (this.#header === undefined && this.#headerErrors.length === 0) {
      return failure([...this.#syntaxErrors, { line: 1, code: 'empty_file', message: 'The file has no header line.' }]);
    }
    if (this.#headerErrors.length > 0) return failure([...this.#syntaxErrors, ...this.#headerErrors]);
    const sizeErrors = this.#sizeErrors();
    if (sizeErrors.length > 0) return failure([...this.#syntaxErrors, ...sizeErrors]);
    const errors = [...this.#syntaxErrors, ...this.#rowErrors];
    return this.#errorCount > 0 ? failure(errors, this.#errorCount) : { ok: true, rows: this.#rows };
  }

  #sizeErrors(): ConsentCsvError[] {
    if (this.#lineCount > consentCsvLinesMax) {
      const message = `At most ${consentCsvRowsMax} rows and ${consentCsvLinesMax} lines (blank ones included) per file; split it.`;
      return [{ line: 0, code: 'too_many_rows', message }];
    }
    return rowCountErrors(this.#rowCount);
  }

  #note(list: ConsentCsvError[], error: ConsentCsvError): void {
    this.#errorCount += 1;
    if (this.#errorCount <= consentCsvErrorsMax) list.push(error);
  }

  #read(record: { line: number; cells: string[] }): void {
    if (isBlank(record.cells)) {
      this.#countLine();
      return;
    }
    if (this.#header === undefined) {
      const header = readHeader(record);
      if (header.errors.length > 0) {
        this.#headerErrors = header.errors;
        this.#records.stop();
        return;
      }
      this.#header = header.header;
      return;
    }
    this.#countLine();
    this.#rowCount += 1;
    // Past the limit nothing more is validated: the answer is the limit alone.
    if (this.#rowCount > consentCsvRowsMax) {
      this.#records.stop();
      return;
    }
    this.#readRow(record, this.#header);
  }

  #countLine(): void {
    this.#lineCount += 1;
    if (this.#lineCount > consentCsvLinesMax) this.#records.stop();
  }

  #readRow(record: { line: number; cells: string[] }, header: Header): void {
    const row = readRow(record, header, this.#context);
    if ('errors' in row) {
      for (const error of row.errors) this.#note(this.#rowErrors, error);
      return;
    }
    const key = `${row.phone} ${row.topic} ${row.occurredAt.getTime()}`;
    const firstLine = this.#firstLineOfKey.get(key);
    if (firstLine !== undefined) {
      const message = `Line ${firstLine} has the same phone, topic and occurred_at.`;
      this.#note(this.#rowErrors, { line: record.line, code: 'duplicate_row', message });
      return;
    }
    this.#firstLineOfKey.set(key, record.line);
    if (this.#errorCount === 0) this.#rows.push(row);
  }
}

/** Errors in the order of the file; a sort is stable, so a row's errors keep the order of its columns. */
function failure(errors: ConsentCsvError[], errorCount = errors.length): ConsentCsvResult {
  return { ok: false, errors: errors.sort((first, second) => first.line - second.line), errorCount };
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

function readRow(
  { line, cells }: { line: number; cells: string[] },
  header: Header,
  context: ConsentContext,
): ConsentImportRow | { errors: ConsentCsvError[] } {
  if (cells.length !== header.width) {
    const message = `The row has ${cells.length} cells; the header has ${header.width}.`;
    return { errors: [{ line, code: 'wrong_field_count', message }] };
  }
  const unstorable = unstorableCellErrors(line, cells, header);
  if (unstorable.length > 0) return { errors: unstorable };
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

/** A cell the database cannot hold (`contract/text.ts`) is refused before any other rule reads it. */
function unstorableCellErrors(line: number, cells: readonly string[], header: Header): ConsentCsvError[] {
  const errors: ConsentCsvError[] = [];
  for (const [column, index] of header.columns) {
    const reason = unstorableTextReason(cells[index] ?? '');
    if (reason !== undefined) errors.push({ line, column, code: 'invalid_text', message: `${column} ${reason}.` });
  }
  return errors;
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
