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
  code: 'unterminated_quote' | 'invalid_quote';
  message: string;
};

export type CsvReadResult = { records: CsvRecord[]; errors: CsvSyntaxError[] };

const quote = 0x22;
const comma = 0x2c;
const carriageReturn = 0x0d;
const lineFeed = 0x0a;

/** Reads every record; an unterminated quote ends the reading, since the rest of the file is inside it. */
export function readCsv(text: string): CsvReadResult {
  const reader = { text, index: 0, line: 1, errors: [] as CsvSyntaxError[] };
  const records: CsvRecord[] = [];
  while (reader.index < text.length) {
    const line = reader.line;
    const cells = readRecordCells(reader);
    if (cells === null) break;
    records.push({ line, cells });
  }
  return { records, errors: reader.errors };
}

type Reader = { text: string; index: number; line: number; errors: CsvSyntaxError[] };

/** Reads the fields of one record and its line break; null when an unterminated quote ends the file. */
function readRecordCells(reader: Reader): string[] | null {
  const cells: string[] = [];
  for (;;) {
    const cell = reader.text.charCodeAt(reader.index) === quote ? readQuotedCell(reader) : readUnquotedCell(reader);
    if (cell === null) return null;
    cells.push(cell);
    const next = reader.text.charCodeAt(reader.index);
    if (next === comma) {
      reader.index += 1;
      continue;
    }
    skipLineBreak(reader);
    return cells;
  }
}

function readUnquotedCell(reader: Reader): string {
  const start = reader.index;
  const end = fieldEnd(reader.text, start);
  reader.index = end;
  return reader.text.slice(start, end);
}

function readQuotedCell(reader: Reader): string | null {
  const { text } = reader;
  const openingLine = reader.line;
  let value = '';
  let start = reader.index + 1;
  for (;;) {
    const closing = text.indexOf('"', start);
    if (closing === -1) {
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
