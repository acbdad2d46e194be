import { describe, expect, it } from 'vitest';
import {
  type ConsentContext,
  type ConsentCsvErrorCode,
  type ConsentCsvRow,
  consentCsvRowsMax,
  consentsToCsv,
  csvCell,
  parseConsentCsv,
  readCsv,
  restoreFormulaCell,
} from '../src/optin/index.js';

const now = new Date('2026-01-10T12:00:00Z');

const context: ConsentContext = {
  businessNames: ['Acme'],
  knownTopics: ['marketing', 'utility', 'authentication', 'order_updates'],
  now,
};

const header = 'phone,topic,state,source,evidence,occurred_at';

/** A valid row; `overrides` replace cells by column. */
function row(overrides: Partial<Record<'phone' | 'topic' | 'state' | 'source' | 'evidence' | 'occurred_at', string>> = {}) {
  const cells = {
    phone: '+819012345678',
    topic: 'order_updates',
    state: 'opted_in',
    source: 'checkout',
    evidence: '"I agree to receive order updates from Acme on WhatsApp, thank you"',
    occurred_at: '2025-12-01T10:00:00Z',
    ...overrides,
  };
  return [cells.phone, cells.topic, cells.state, cells.source, cells.evidence, cells.occurred_at].join(',');
}

function errorsOf(text: string | Uint8Array, overrides: Partial<ConsentContext> = {}) {
  const result = parseConsentCsv(text, { ...context, ...overrides });
  return result.ok ? [] : result.errors.map(({ line, column, code }) => ({ line, column, code }));
}

function rowsOf(text: string | Uint8Array) {
  const result = parseConsentCsv(text, context);
  if (!result.ok) throw new Error(`expected a valid file, got ${JSON.stringify(result.errors)}`);
  return result.rows;
}

describe('readCsv', () => {
  it.each([
    ['nothing', '', []],
    ['one record', 'a,b', [[1, ['a', 'b']]]],
    ['a trailing empty cell', 'a,', [[1, ['a', '']]]],
    ['an empty line', '\n', [[1, ['']]]],
    [
      'LF records',
      'a\nb\n',
      [
        [1, ['a']],
        [2, ['b']],
      ],
    ],
    [
      'CRLF records',
      'a\r\nb\r\n',
      [
        [1, ['a']],
        [2, ['b']],
      ],
    ],
    [
      'lone CR records',
      'a\rb',
      [
        [1, ['a']],
        [2, ['b']],
      ],
    ],
    ['a quoted comma', '"a,b",c', [[1, ['a,b', 'c']]]],
    ['an escaped quote', '"say ""stop""",x', [[1, ['say "stop"', 'x']]]],
    ['an empty quoted cell', '"",x', [[1, ['', 'x']]]],
    [
      'a quoted LF',
      '"a\nb",c\nd',
      [
        [1, ['a\nb', 'c']],
        [3, ['d']],
      ],
    ],
    [
      'a quoted CRLF',
      '"a\r\nb\r\nc",d\r\ne',
      [
        [1, ['a\r\nb\r\nc', 'd']],
        [4, ['e']],
      ],
    ],
    ['a quote inside an unquoted cell (kept)', '5" screen,x', [[1, ['5" screen', 'x']]]],
  ] as const)('reads %s', (_, text, expected) => {
    const { records, errors } = readCsv(text);
    expect(errors).toEqual([]);
    expect(records.map((record) => [record.line, record.cells])).toEqual(expected);
  });

  it('reports text after a closing quote, keeping the cells in line', () => {
    const { records, errors } = readCsv('x\n"a"b,c\n');
    expect(errors).toEqual([{ line: 2, code: 'invalid_quote', message: expect.any(String) }]);
    expect(records[1]?.cells).toEqual(['ab', 'c']);
  });

  it('reports an unterminated quote on the line where it opens, and stops reading', () => {
    const { records, errors } = readCsv('a\nb,"never closed\nc\nd');
    expect(errors).toEqual([{ line: 2, code: 'unterminated_quote', message: expect.any(String) }]);
    expect(records.map((record) => record.cells)).toEqual([['a']]);
  });
});

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' edge spaces ', '" edge spaces "'],
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+819012345678', "'+819012345678"],
    ['-1', "'-1"],
    ['@user', "'@user"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', '"\'\rCR"'],
    ["'=already", "''=already"],
    ["''+twice", "'''+twice"],
    ["'quoted text", "'quoted text"],
    ['a=b', 'a=b'],
    ['', ''],
  ])('writes %j as %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it.each(['=SUM(A1)', "'=x", "''@y", "'plain", 'plain', '+81', '-', "'"])('reads %j back unchanged', (value) => {
    const [record] = readCsv(csvCell(value)).records;
    expect(restoreFormulaCell(record?.cells[0] ?? '')).toBe(value);
  });
});

describe('parseConsentCsv', () => {
  it('reads valid rows with their line numbers, phone numbers in E.164 and instants', () => {
    const text = [
      header,
      row({ phone: '+81 90-1234-5678' }),
      row({
        phone: '+447911123456',
        topic: 'marketing',
        state: 'opted_out',
        source: 'sms',
        evidence: 'replied NO',
        occurred_at: '2025-12-02T09:00:00+09:00',
      }),
    ].join('\n');
    expect(rowsOf(text)).toEqual([
      {
        line: 2,
        phone: '+819012345678',
        topic: 'order_updates',
        state: 'opted_in',
        source: 'checkout',
        evidence: 'I agree to receive order updates from Acme on WhatsApp, thank you',
        recordedBy: null,
        occurredAt: new Date('2025-12-01T10:00:00Z'),
      },
      {
        line: 3,
        phone: '+447911123456',
        topic: 'marketing',
        state: 'opted_out',
        source: 'sms',
        evidence: 'replied NO',
        recordedBy: null,
        occurredAt: new Date('2025-12-02T00:00:00Z'),
      },
    ]);
  });

  const twoRows = [header, row(), row({ topic: 'marketing' })];

  it.each([
    ['LF', twoRows.join('\n')],
    ['LF with a final line break', `${twoRows.join('\n')}\n`],
    ['CRLF', `${twoRows.join('\r\n')}\r\n`],
    ['lone CR', twoRows.join('\r')],
    ['a BOM', `\uFEFF${twoRows.join('\r\n')}`],
    ['UTF-8 bytes', new TextEncoder().encode(twoRows.join('\r\n'))],
    ['UTF-8 bytes with a BOM', new TextEncoder().encode(`\uFEFF${twoRows.join('\r\n')}`)],
  ])('reads a file with %s', (_, input) => {
    expect(rowsOf(input).map((parsed) => [parsed.line, parsed.topic])).toEqual([
      [2, 'order_updates'],
      [3, 'marketing'],
    ]);
  });

  it('keeps quoted commas, quotes and line breaks in the evidence, and counts the lines they span', () => {
    const evidence = 'Acme: "Reply YES to get order updates",\r\nsigned at the counter\nby the customer';
    const text = [header, row({ evidence: csvCell(evidence) }), row({ topic: 'marketing' })].join('\r\n');
    const rows = rowsOf(text);
    expect(rows.map((parsed) => [parsed.line, parsed.evidence])).toEqual([
      [2, evidence],
      [5, 'I agree to receive order updates from Acme on WhatsApp, thank you'],
    ]);
  });

  it('reports the line a bad row starts on, after multi-line cells', () => {
    const text = [
      header,
      row({ evidence: '"Acme\nline two\nline three"' }),
      row({ topic: 'newsletter', evidence: '"Acme\r\nsecond line"' }),
      row({ state: 'yes' }),
    ].join('\r\n');
    expect(errorsOf(text)).toEqual([
      { line: 5, column: 'topic', code: 'unknown_topic' },
      { line: 7, column: 'state', code: 'invalid_state' },
    ]);
  });

  it('takes columns in any order, in any case, with recorded_by', () => {
    const text = [
      ' Occurred_At ,EVIDENCE,Source,State,Topic,Phone,recorded_by',
      '2025-12-01T10:00:00Z,Acme may message me,PAPER,Opted_In,Order_Updates,+819012345678,front desk',
    ].join('\n');
    expect(rowsOf(text)).toEqual([
      {
        line: 2,
        phone: '+819012345678',
        topic: 'order_updates',
        state: 'opted_in',
        source: 'paper',
        evidence: 'Acme may message me',
        recordedBy: 'front desk',
        occurredAt: new Date('2025-12-01T10:00:00Z'),
      },
    ]);
  });

  it('skips empty lines and rows of empty cells, keeping line numbers', () => {
    const text = ['', header, '', row(), ',,,,,', '  ', row({ topic: 'newsletter' }), ''].join('\n');
    expect(errorsOf(text)).toEqual([{ line: 7, column: 'topic', code: 'unknown_topic' }]);
  });

  it('reads back cells the export neutralised', () => {
    const text = [header, row({ phone: "'+819012345678", evidence: "'=Acme opt-in" })].join('\n');
    expect(rowsOf(text).map((parsed) => [parsed.phone, parsed.evidence])).toEqual([['+819012345678', '=Acme opt-in']]);
  });

  it('keeps the evidence as written but trims the other cells', () => {
    const text = [header, row({ phone: ' +819012345678 ', topic: ' marketing ', evidence: '"  Acme, spaced  "' })].join('\n');
    expect(rowsOf(text).map((parsed) => [parsed.phone, parsed.topic, parsed.evidence])).toEqual([
      ['+819012345678', 'marketing', '  Acme, spaced  '],
    ]);
  });

  type ExpectedError = { line: number; column?: string; code: ConsentCsvErrorCode };

  it.each<[string, string | Uint8Array, ExpectedError[]]>([
    // Shift_JIS bytes for 停止, as Japanese Excel saves "CSV".
    [
      'Shift_JIS',
      new Uint8Array([...new TextEncoder().encode(`${header}\n`), 0x92, 0xe2, 0x8e, 0x7e]),
      [{ line: 0, code: 'not_utf8' }],
    ],
    ['an empty file', '', [{ line: 1, code: 'empty_file' }]],
    ['only blank lines', '\r\n\r\n', [{ line: 1, code: 'empty_file' }]],
    ['only a BOM', '\uFEFF', [{ line: 1, code: 'empty_file' }]],
    ['a header without rows', `${header}\n`, [{ line: 0, code: 'no_rows' }]],
    [
      'a missing column',
      'phone,topic,state,source,occurred_at\n+819012345678,marketing,opted_out,sms,2025-12-01T10:00:00Z',
      [{ line: 1, column: 'evidence', code: 'missing_column' }],
    ],
    ['an unknown column', `${header},email\n${row()},a@example.com`, [{ line: 1, column: 'email', code: 'unknown_column' }]],
    ['an empty column name', `${header},\n${row()},`, [{ line: 1, column: '', code: 'unknown_column' }]],
    ['a column twice', `${header},topic\n${row()},marketing`, [{ line: 1, column: 'topic', code: 'duplicate_column' }]],
    [
      'an unterminated quote',
      `${header}\n${row()}\n${row({ evidence: '"Acme never closed' })}\n+81,x`,
      [{ line: 3, code: 'unterminated_quote' }],
    ],
    ['text after a closing quote', `${header}\n${row({ evidence: '"Acme"s form' })}`, [{ line: 2, code: 'invalid_quote' }]],
    ['too many cells', `${header}\n${row()},extra`, [{ line: 2, code: 'wrong_field_count' }]],
    ['too few cells', `${header}\n+819012345678,marketing`, [{ line: 2, code: 'wrong_field_count' }]],
    [
      'a number without country code',
      `${header}\n${row({ phone: '09012345678' })}`,
      [{ line: 2, column: 'phone', code: 'invalid_phone_number' }],
    ],
    [
      'a number too short',
      `${header}\n${row({ phone: '+81 12' })}`,
      [{ line: 2, column: 'phone', code: 'invalid_phone_number' }],
    ],
    ['no phone', `${header}\n${row({ phone: '' })}`, [{ line: 2, column: 'phone', code: 'invalid_phone_number' }]],
    ['no topic', `${header}\n${row({ topic: '' })}`, [{ line: 2, column: 'topic', code: 'missing' }]],
    ['no occurred_at', `${header}\n${row({ occurred_at: '' })}`, [{ line: 2, column: 'occurred_at', code: 'missing' }]],
    ['a malformed topic', `${header}\n${row({ topic: 'order updates' })}`, [{ line: 2, column: 'topic', code: 'invalid_topic' }]],
    ['an unknown topic', `${header}\n${row({ topic: 'newsletter' })}`, [{ line: 2, column: 'topic', code: 'unknown_topic' }]],
    ['an unknown state', `${header}\n${row({ state: 'yes' })}`, [{ line: 2, column: 'state', code: 'invalid_state' }]],
    ['an unknown source', `${header}\n${row({ source: 'email' })}`, [{ line: 2, column: 'source', code: 'unknown_source' }]],
    ['no evidence', `${header}\n${row({ evidence: '' })}`, [{ line: 2, column: 'evidence', code: 'missing' }]],
    ['blank evidence', `${header}\n${row({ evidence: '"   "' })}`, [{ line: 2, column: 'evidence', code: 'evidence_empty' }]],
    [
      'evidence too long',
      `${header}\n${row({ evidence: `Acme ${'x'.repeat(1996)}` })}`,
      [{ line: 2, column: 'evidence', code: 'evidence_too_long' }],
    ],
    [
      'an opt-in not naming the business',
      `${header}\n${row({ evidence: 'I agree' })}`,
      [{ line: 2, column: 'evidence', code: 'evidence_must_name_business' }],
    ],
    [
      'a long recorded_by',
      `${header},recorded_by\n${row()},${'x'.repeat(201)}`,
      [{ line: 2, column: 'recorded_by', code: 'invalid_recorded_by' }],
    ],
    [
      'a spreadsheet date',
      `${header}\n${row({ occurred_at: '2025/12/01 10:00' })}`,
      [{ line: 2, column: 'occurred_at', code: 'invalid_timestamp' }],
    ],
    [
      'a time without zone',
      `${header}\n${row({ occurred_at: '2025-12-01T10:00:00' })}`,
      [{ line: 2, column: 'occurred_at', code: 'invalid_timestamp' }],
    ],
    [
      'a future instant',
      `${header}\n${row({ occurred_at: '2026-02-01T00:00:00Z' })}`,
      [{ line: 2, column: 'occurred_at', code: 'in_the_future' }],
    ],
    [
      'the same phone, topic and instant twice, written differently',
      `${header}\n${row()}\n${row({ phone: '+81 90 1234 5678', state: 'opted_out', occurred_at: '2025-12-01T19:00:00+09:00' })}`,
      [{ line: 3, code: 'duplicate_row' }],
    ],
  ])('reports %s', (_, input, expected) => {
    expect(errorsOf(input)).toEqual(expected.map((error) => ({ column: undefined, ...error })));
  });

  it('reports an opt-in it cannot check when the account has no business name', () => {
    expect(errorsOf(`${header}\n${row()}`, { businessNames: [] })).toEqual([
      { line: 2, column: 'evidence', code: 'business_name_not_configured' },
    ]);
  });

  it('reports every bad row, every problem of a row, and imports nothing', () => {
    const text = [
      header,
      row(),
      row({ phone: '12345', topic: 'newsletter' }),
      row({ topic: 'marketing' }),
      row({ state: 'OPTED-IN', evidence: 'no name' }),
      row({ topic: 'utility' }),
    ].join('\n');
    const result = parseConsentCsv(text, context);
    expect(result.ok).toBe(false);
    expect(errorsOf(text)).toEqual([
      { line: 3, column: 'phone', code: 'invalid_phone_number' },
      { line: 3, column: 'topic', code: 'unknown_topic' },
      { line: 5, column: 'state', code: 'invalid_state' },
    ]);
  });

  it('refuses more rows than one import takes, before validating them', () => {
    const text = `${header}\n${`${row()}\n`.repeat(consentCsvRowsMax + 1)}`;
    expect(errorsOf(text)).toEqual([{ line: 0, column: undefined, code: 'too_many_rows' }]);
  });

  it('finds the one bad row among 50,000', () => {
    const lines = [header];
    for (let index = 0; index < 50_000; index += 1) {
      lines.push(row({ phone: `+8190${10_000_000 + index}`, occurred_at: '2025-12-01T10:00:00Z' }));
    }
    lines.splice(25_001, 0, row({ phone: '+8190', topic: 'marketing' }));
    expect(errorsOf(lines.join('\r\n'))).toEqual([{ line: 25_002, column: 'phone', code: 'invalid_phone_number' }]);
  });

  it('reads 50,000 valid rows', () => {
    const lines = [header];
    for (let index = 0; index < 50_000; index += 1) lines.push(row({ phone: `+8190${10_000_000 + index}` }));
    const rows = rowsOf(lines.join('\n'));
    expect([rows.length, rows.at(-1)?.line, rows.at(-1)?.phone]).toEqual([50_000, 50_001, '+819010049999']);
  });
});

describe('consentsToCsv', () => {
  const exported: ConsentCsvRow[] = [
    {
      phone: '+819012345678',
      topic: 'marketing',
      state: 'opted_in',
      source: 'website_form',
      evidence: 'Acme: "Yes, send me offers"\nvia the footer form',
      recordedBy: null,
      occurredAt: new Date('2025-12-01T10:00:00.250Z'),
    },
    {
      phone: '+447911123456',
      topic: 'order_updates',
      state: 'opted_out',
      source: 'agent',
      evidence: '=HYPERLINK("http://evil.example")',
      recordedBy: '@mallory',
      occurredAt: new Date('2025-12-02T00:00:00Z'),
    },
  ];

  it('writes a BOM, the header, CRLF lines, quoted and formula-neutralised cells', () => {
    expect(consentsToCsv(exported)).toBe(
      '\uFEFFphone,topic,state,source,evidence,occurred_at,recorded_by\r\n' +
        `'+819012345678,marketing,opted_in,website_form,"Acme: ""Yes, send me offers""\nvia the footer form",2025-12-01T10:00:00.250Z,\r\n` +
        `'+447911123456,order_updates,opted_out,agent,"'=HYPERLINK(""http://evil.example"")",2025-12-02T00:00:00.000Z,'@mallory\r\n`,
    );
  });

  it('writes only the header when there is nothing to export', () => {
    expect(consentsToCsv([])).toBe('\uFEFFphone,topic,state,source,evidence,occurred_at,recorded_by\r\n');
  });

  it('is read back by the import as it was', () => {
    const rows = rowsOf(consentsToCsv(exported));
    expect(rows.map(({ line: _, ...parsed }) => parsed)).toEqual(exported);
    expect(rows.map((parsed) => parsed.line)).toEqual([2, 4]);
  });
});
