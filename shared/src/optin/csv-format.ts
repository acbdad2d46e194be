/*
 * RFC 4180 CSV, read and written without any library: fields separated by commas, records by CRLF, LF
 * or a lone CR (old Mac spreadsheets), a field in double quotes may hold commas, line breaks and `""`
 * for a quote. Two leniencies, both common in hand-made files: a quote in the middle of an unquoted
 * field is kept as a character (`5" screen`), and a final line break is optional. Text after a closing
 * quote (`"a"b`) is an error, since the writer clearly meant something the file does not say.
 *
 * Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas (CSV injection), and also
 * those starting with a tab or a carriage return (OWASP's list). The writer prefixes such cells with an
 * apostrophe, which spreadsheets show as text; the reader removes that apostrophe again. Cells that
 * start with apostrophes and then such a character get one more apostrophe, so every cell reads back
 * exactly as written. The one cost: a hand-made cell like `'=1` reads as `=1`.
 */

export type CsvRecord = {
  /** The 1-based line of the file on which the record starts (a quoted cell may span lines). */
  line: number;
  cells: string[];
};

export type CsvSyntaxError = {
  line: number;
  /** `record_too_long` only from a `CsvStreamReader` given a `recordCharactersMax`. */
  code: 'unterminated_quote' | 'invalid_quote' | 'record_too_long';
  message: string;
};

export type CsvReadResult = { records: CsvRecord[]; errors: CsvSyntaxError[] };

const quote = 0x22;
const comma = 0x2c;
const carriageReturn = 0x0d;
const lineFeed = 0x0a;

/** Reads every record; an unterminated quote ends the reading, since the rest of the file is inside it. */
export function readCsv(text: string): CsvReadResult {
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  const reader = new CsvStreamReader({ onRecord: (record) => records.push(record), onError: (error) => errors.push(error) });
  reader.write(text);
  reader.end();
  return { records, errors };
}

export type CsvStreamErrorCode = CsvSyntaxError['code'];

export interface CsvStreamHandlers {
  onRecord(record: CsvRecord): void;
  onError(error: { line: number; code: CsvStreamErrorCode; message: string }): void;
}

/**
 * Reads CSV text given in pieces, as it arrives over the network, and hands each record on as soon as its line
 * break has been read, so that a file is never held whole: what is held is the one record not yet complete.
 * A record is complete only once the line break after it is in (a CR at the end of a piece may be the first
 * half of a CRLF), so a piece may end anywhere, even inside a quoted cell or a `""`. `recordCharactersMax`
 * bounds that one record: a longer one (a line break never comes, or a quote never closes) stops the reading.
 */
export class CsvStreamReader {
  #pending = '';
  #pendingLine = 1;
  #stopped = false;
  /** The line of a quoted cell the pending record opens and has not closed yet. */
  #openQuoteLine: number | undefined;

  constructor(
    private readonly handlers: CsvStreamHandlers,
    private readonly recordCharactersMax = Number.POSITIVE_INFINITY,
  ) {}

  /** Reads the records `text` completes; false once the reading has stopped and what follows would be ignored. */
  write(text: string): boolean {
    if (this.#stopped) return false;
    this.#pending += text;
    this.#readRecords(false);
    if (!this.#stopped && this.#pending.length > this.recordCharactersMax) {
      const openQuoteLine = this.#openQuoteLine;
      this.#stopWith(
        openQuoteLine === undefined
          ? {
              line: this.#pendingLine,
              code: 'record_too_long',
              message: `a record starts here and does not end within ${this.recordCharactersMax} characters`,
            }
          : {
              line: openQuoteLine,
              code: 'unterminated_quote',
              message: `a quoted cell starts here and is not closed within ${this.recordCharactersMax} characters`,
            },
      );
    }
    return !this.#stopped;
  }

  /** The end of the text: the last record needs no line break. */
  end(): void {
    if (!this.#stopped) this.#readRecords(true);
    this.#stopped = true;
    this.#pending = '';
  }

  /** Stops reading (the caller has seen enough); later writes are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#pending = '';
  }

  #stopWith(error: { line: number; code: CsvStreamErrorCode; message: string }): void {
    this.handlers.onError(error);
    this.stop();
  }

  #readRecords(final: boolean): void {
    const text = this.#pending;
    let start = 0;
    let line = this.#pendingLine;
    while (start < text.length && !this.#stopped) {
      const reader: Reader = { text, index: start, line, errors: [], final };
      const cells = readRecordCells(reader);
      this.#openQuoteLine = reader.openQuoteLine;
      if (cells === undefined) break;
      for (const error of reader.errors) this.handlers.onError(error);
      if (cells === null) {
        this.stop();
        return;
      }
      this.handlers.onRecord({ line, cells });
      start = reader.index;
      line = reader.line;
    }
    if (this.#stopped) return;
    this.#pending = text.slice(start);
    this.#pendingLine = line;
  }
}

/** `final`: the text ends here; otherwise more may follow, and a record that reaches the end is not complete yet. */
type Reader = {
  text: string;
  index: number;
  line: number;
  errors: CsvSyntaxError[];
  final: boolean;
  /** Where a quoted cell opened that the text read so far does not close. */
  openQuoteLine?: number;
};

/**
 * Reads the fields of one record and its line break; null when an unterminated quote ends the file, undefined
 * when the record is not complete in the text read so far.
 */
function readRecordCells(reader: Reader): string[] | null | undefined {
  const cells: string[] = [];
  for (;;) {
    const cell = reader.text.charCodeAt(reader.index) === quote ? readQuotedCell(reader) : readUnquotedCell(reader);
    if (cell === null || cell === undefined) return cell;
    cells.push(cell);
    const next = reader.text.charCodeAt(reader.index);
    if (next === comma) {
      reader.index += 1;
      continue;
    }
    if (!reader.final && !hasCompleteLineBreak(reader)) return undefined;
    skipLineBreak(reader);
    return cells;
  }
}

/** Whether the record's line break is all in: a CR last in the text may be the start of a CRLF. */
function hasCompleteLineBreak({ text, index }: Reader): boolean {
  if (index >= text.length) return false;
  return !(text.charCodeAt(index) === carriageReturn && index + 1 >= text.length);
}

function readUnquotedCell(reader: Reader): string {
  const start = reader.index;
  const end = fieldEnd(reader.text, start);
  reader.index = end;
  return reader.text.slice(start, end);
}

function readQuotedCell(reader: Reader): string | null | undefined {
  const { text } = reader;
  const openingLine = reader.line;
  let value = '';
  let start = reader.index + 1;
  for (;;) {
    const closing = text.indexOf('"', start);
    if (closing === -1) {
      if (!reader.final) {
        reader.openQuoteLine = openingLine;
        return undefined;
      }
      reader.errors.push({
        line: openingLine,
        code: 'unterminated_quote',
        message: 'a quoted cell starts here and is never closed',
      });
      return null;
    }
    value += text.slice(start, closing);
    reader.line += lineBreaksBetween(text, start, closing);
    if (text.charCodeAt(closing + 1) === quote) {
      value += '"';
      start = closing + 2;
      continue;
    }
    reader.index = closing + 1;
    return value + textAfterClosingQuote(reader);
  }
}

/** Anything between a closing quote and the end of its field is an error; it is kept so that later cells still line up. */
function textAfterClosingQuote(reader: Reader): string {
  const end = fieldEnd(reader.text, reader.index);
  if (end === reader.index) return '';
  reader.errors.push({ line: reader.line, code: 'invalid_quote', message: 'text follows the closing quote of a cell' });
  const rest = reader.text.slice(reader.index, end);
  reader.index = end;
  return rest;
}

function fieldEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === comma || code === carriageReturn || code === lineFeed) break;
    index += 1;
  }
  return index;
}

function skipLineBreak(reader: Reader): void {
  const code = reader.text.charCodeAt(reader.index);
  if (code === carriageReturn) {
    reader.index += reader.text.charCodeAt(reader.index + 1) === lineFeed ? 2 : 1;
    reader.line += 1;
  } else if (code === lineFeed) {
    reader.index += 1;
    reader.line += 1;
  }
}

/** CRLF, LF and a lone CR each count as one line break. */
function lineBreaksBetween(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index += 1) {
    const code = text.charCodeAt(index);
    if (code === lineFeed || (code === carriageReturn && text.charCodeAt(index + 1) !== lineFeed)) count += 1;
  }
  return count;
}

const formulaStart = /^'*[=+\-@\t\r]/;

/** One cell for a CSV file: formula-neutralised, and quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvCell(value: string): string {
  const safe = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Undoes the writer's formula prefix (see the notes at the top). */
export function restoreFormulaCell(cell: string): string {
  return cell.startsWith("'") && formulaStart.test(cell) ? cell.slice(1) : cell;
}

/** One record with its CRLF, as RFC 4180 writes it. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
