/*
 * A small RFC 4180 reader that remembers where every cell came from, so that import errors can name the
 * line and column an operator has to fix. Quoted cells may hold commas, doubled quotes and line breaks;
 * lines may end in CRLF, LF or CR; a byte-order mark is ignored; blank lines are skipped.
 */

export type CsvCell = {
  value: string;
  /** 1-based line on which the cell starts. */
  line: number;
  /** 1-based position of the cell in its row (the CSV column), not a character offset. */
  column: number;
};

export type CsvRow = { line: number; cells: CsvCell[] };

/**
 * A CSV that cannot be read, or whose content is not what the reader expects, with the place to fix:
 * the line and, when the problem is one cell, its column.
 */
export class CsvFormatError extends Error {
  readonly line: number;
  /** 1-based CSV column; null when the problem is not one cell. */
  readonly column: number | null;
  readonly problem: string;

  constructor(line: number, column: number | null, problem: string) {
    super(column === null ? `line ${line}: ${problem}` : `line ${line}, column ${column}: ${problem}`);
    this.name = 'CsvFormatError';
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let index = 0;
  let row: CsvRow = { line, cells: [] };
  let cell: CsvCell = { value: '', line, column: 1 };

  const endCell = () => {
    row.cells.push(cell);
    cell = { value: '', line, column: row.cells.length + 1 };
  };
  const endRow = () => {
    endCell();
    const blank = row.cells.length === 1 && row.cells[0]?.value === '';
    if (!blank) rows.push(row);
    row = { line, cells: [] };
    cell = { value: '', line, column: 1 };
  };
  /** Length of the line break at `at` (2 for CRLF), or 0. */
  const lineBreakAt = (at: number) => (source.startsWith('\r\n', at) ? 2 : source[at] === '\n' || source[at] === '\r' ? 1 : 0);

  while (index < source.length) {
    const character = source[index];
    if (character === '"') {
      if (cell.value !== '') {
        throw new CsvFormatError(
          line,
          cell.column,
          'a quote inside an unquoted cell (quote the whole cell and double the quote)',
        );
      }
      const opened = { line, column: cell.column };
      index += 1;
      let closed = false;
      while (index < source.length) {
        if (source[index] === '"') {
          if (source[index + 1] === '"') {
            cell.value += '"';
            index += 2;
            continue;
          }
          index += 1;
          closed = true;
          break;
        }
        const lineBreak = lineBreakAt(index);
        if (lineBreak > 0) line += 1;
        cell.value += source.slice(index, index + Math.max(lineBreak, 1));
        index += Math.max(lineBreak, 1);
      }
      if (!closed) throw new CsvFormatError(opened.line, opened.column, 'a quoted cell is never closed');
      const next = source[index];
      if (index < source.length && next !== ',' && lineBreakAt(index) === 0) {
        throw new CsvFormatError(line, cell.column, 'text after the closing quote of a cell');
      }
      continue;
    }
    if (character === ',') {
      endCell();
      index += 1;
      continue;
    }
    const lineBreak = lineBreakAt(index);
    if (lineBreak > 0) {
      line += 1;
      endRow();
      index += lineBreak;
      continue;
    }
    cell.value += character;
    index += 1;
  }
  if (cell.value !== '' || row.cells.length > 0) endRow();
  return rows;
}
