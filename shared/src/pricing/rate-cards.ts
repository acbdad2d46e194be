import { parseDecimalMicro } from './amounts.js';
import { type CsvCell, CsvFormatError, type CsvRow, parseCsv } from './csv.js';
import { defaultPricingTimeZone, isIsoDate, latestInForce } from './effective-dates.js';

/*
 * Rate cards: what Meta charges per message (or, before July 2025, per conversation) in each market, in
 * integer millionths of the card's currency. Cards are data with an effective date; `cardInForce` picks
 * the one that governs a send.
 *
 * Three CSV layouts are read:
 * - Meta's published rate card: a preamble line, then
 *   `Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service`, with `n/a` where a
 *   market has no authentication-international rate. This is what an operator imports.
 * - Our per-message seed card (`market,marketing_usd,utility_usd,authentication_usd,
 *   authentication_international_usd,service_usd`, an empty cell for no international rate).
 * - Our conversation-based seed card (`market,market_ja,business_initiated_usd,user_initiated_usd`).
 */

/** Meta's catch-all market: every country its mapping does not list is priced here, so every card needs it. */
export const otherMarket = 'Other';

/** Per-message rates of one market, in millionths of the card's currency. */
export type CategoryRates = {
  marketingMicro: number;
  utilityMicro: number;
  authenticationMicro: number;
  /** Null where the market has no separate authentication-international rate (`n/a` or an empty cell). */
  authenticationInternationalMicro: number | null;
  serviceMicro: number;
};

/** Conversation-based (2022) rates of one market, per 24-hour conversation, in millionths of the card's currency. */
export type InitiatorRates = {
  businessInitiatedMicro: number;
  userInitiatedMicro: number;
};

/** What a CSV does not say about itself: the card's id, effective date and where its figures come from. */
export type RateCardIdentity = {
  id: string;
  /** Calendar date `YYYY-MM-DD`; see effective-dates.ts for the time zone it is read in. */
  effectiveFrom: string;
  source: string;
};

type RateCardCommon = RateCardIdentity & {
  /** ISO 4217 code of the currency the micro-amounts are in. */
  currency: string;
};

export type PerMessageRateCard = RateCardCommon & {
  model: 'per_message';
  /** Market name (as Meta writes it: `Rest of Asia Pacific`) → rates. */
  rates: Readonly<Record<string, CategoryRates>>;
};

export type ConversationRateCard = RateCardCommon & {
  model: 'conversation';
  rates: Readonly<Record<string, InitiatorRates>>;
};

export type RateCard = PerMessageRateCard | ConversationRateCard;
export type RateCardModel = RateCard['model'];

type ColumnRole =
  | 'market'
  | 'currency'
  | 'ignored'
  | 'marketing'
  | 'utility'
  | 'authentication'
  | 'authenticationInternational'
  | 'service'
  | 'businessInitiated'
  | 'userInitiated';

type CsvLayout = {
  model: RateCardModel;
  columns: readonly { header: string; role: ColumnRole }[];
  /** The currency when the layout has no Currency column. */
  impliedCurrency: string | null;
};

/** Meta's header, exactly as its rate card CSVs write it (matched case-insensitively). */
export const metaRateCardHeader = [
  'Market',
  'Currency',
  'Marketing',
  'Utility',
  'Authentication',
  'Authentication-International',
  'Service',
] as const;

const layouts: readonly CsvLayout[] = [
  {
    model: 'per_message',
    impliedCurrency: null,
    columns: [
      { header: 'Market', role: 'market' },
      { header: 'Currency', role: 'currency' },
      { header: 'Marketing', role: 'marketing' },
      { header: 'Utility', role: 'utility' },
      { header: 'Authentication', role: 'authentication' },
      { header: 'Authentication-International', role: 'authenticationInternational' },
      { header: 'Service', role: 'service' },
    ],
  },
  {
    model: 'per_message',
    impliedCurrency: 'USD',
    columns: [
      { header: 'market', role: 'market' },
      { header: 'marketing_usd', role: 'marketing' },
      { header: 'utility_usd', role: 'utility' },
      { header: 'authentication_usd', role: 'authentication' },
      { header: 'authentication_international_usd', role: 'authenticationInternational' },
      { header: 'service_usd', role: 'service' },
    ],
  },
  {
    model: 'conversation',
    impliedCurrency: 'USD',
    columns: [
      { header: 'market', role: 'market' },
      { header: 'market_ja', role: 'ignored' },
      { header: 'business_initiated_usd', role: 'businessInitiated' },
      { header: 'user_initiated_usd', role: 'userInitiated' },
    ],
  },
];

const currencyPattern = /^[A-Z]{3}$/;

/**
 * Reads a rate card CSV in any of the three layouts (recognised by the header row; rows before it are the
 * preamble and ignored). Throws `CsvFormatError` naming the line and column of the first problem:
 * a missing header, a row of the wrong width, an empty or repeated market, a cell that is not an exact
 * decimal amount, `n/a` anywhere but Authentication-International, mixed currencies, no `Other` row.
 */
export function parseRateCardCsv(text: string, identity: RateCardIdentity): RateCard {
  if (identity.id.trim() === '') throw new RangeError('a rate card needs an id');
  if (!isIsoDate(identity.effectiveFrom)) {
    throw new RangeError(`effectiveFrom "${identity.effectiveFrom}" is not a calendar date written YYYY-MM-DD`);
  }
  const rows = parseCsv(text);
  const headerIndex = rows.findIndex((row) => layoutOf(row) !== null);
  const headerRow = rows[headerIndex];
  const layout = headerRow === undefined ? null : layoutOf(headerRow);
  if (headerRow === undefined || layout === null) {
    const expected = layouts.map((candidate) => candidate.columns.map((column) => column.header).join(',')).join('" or "');
    throw new CsvFormatError(rows[0]?.line ?? 1, null, `no header row: expected "${expected}"`);
  }
  const dataRows = rows.slice(headerIndex + 1);
  const currency = layout.impliedCurrency ?? currencyOf(dataRows, layout, headerRow.line);
  const markets = marketRows(dataRows, layout, headerRow.line);
  if (layout.model === 'per_message') {
    const rates: Record<string, CategoryRates> = {};
    for (const [market, cells] of markets) {
      rates[market] = {
        marketingMicro: amount(cells, 'marketing'),
        utilityMicro: amount(cells, 'utility'),
        authenticationMicro: amount(cells, 'authentication'),
        authenticationInternationalMicro: optionalAmount(cells, 'authenticationInternational'),
        serviceMicro: amount(cells, 'service'),
      };
    }
    return { ...identity, currency, model: 'per_message', rates };
  }
  const rates: Record<string, InitiatorRates> = {};
  for (const [market, cells] of markets) {
    rates[market] = {
      businessInitiatedMicro: amount(cells, 'businessInitiated'),
      userInitiatedMicro: amount(cells, 'userInitiated'),
    };
  }
  return { ...identity, currency, model: 'conversation', rates };
}

/** The data rows by market name, checking that every market is named once and that `Other` is there. */
function marketRows(rows: readonly CsvRow[], layout: CsvLayout, headerLine: number): Map<string, RoleCells> {
  const markets = new Map<string, RoleCells>();
  for (const row of rows) {
    const cells = cellsByRole(row, layout);
    const market = cells.market.value.trim();
    if (market === '') throw new CsvFormatError(row.line, cells.market.column, 'the market name is empty');
    const first = markets.get(market);
    if (first !== undefined) {
      throw new CsvFormatError(
        row.line,
        cells.market.column,
        `market "${market}" is listed twice (first on line ${first.market.line})`,
      );
    }
    markets.set(market, cells);
  }
  if (!markets.has(otherMarket)) {
    const lastLine = rows.at(-1)?.line ?? headerLine;
    throw new CsvFormatError(lastLine, null, `no "${otherMarket}" row: countries outside every listed market are priced there`);
  }
  return markets;
}

function layoutOf(row: CsvRow): CsvLayout | null {
  const headers = row.cells.map((cell) => cell.value.trim().toLowerCase());
  return (
    layouts.find(
      (layout) =>
        layout.columns.length === headers.length &&
        layout.columns.every((column, index) => column.header.toLowerCase() === headers[index]),
    ) ?? null
  );
}

type RoleCells = Partial<Record<ColumnRole, CsvCell & { header: string }>> & { market: CsvCell & { header: string } };

function cellsByRole(row: CsvRow, layout: CsvLayout): RoleCells {
  if (row.cells.length !== layout.columns.length) {
    throw new CsvFormatError(
      row.line,
      Math.min(row.cells.length, layout.columns.length) + 1,
      `the row has ${row.cells.length} cells; the header has ${layout.columns.length}`,
    );
  }
  const cells: Partial<Record<ColumnRole, CsvCell & { header: string }>> = {};
  layout.columns.forEach((column, index) => {
    const cell = row.cells[index];
    if (cell !== undefined) cells[column.role] = { ...cell, header: column.header };
  });
  return cells as RoleCells;
}

function currencyOf(rows: readonly CsvRow[], layout: CsvLayout, headerLine: number): string {
  let currency: string | null = null;
  for (const row of rows) {
    const cell = cellsByRole(row, layout).currency;
    if (cell === undefined) continue;
    const value = cell.value.trim().toUpperCase();
    if (!currencyPattern.test(value)) {
      throw new CsvFormatError(row.line, cell.column, `"${cell.value}" is not an ISO 4217 currency code (Currency)`);
    }
    if (currency !== null && value !== currency) {
      throw new CsvFormatError(row.line, cell.column, `currency ${value} differs from ${currency}: one card, one currency`);
    }
    currency = value;
  }
  if (currency === null) throw new CsvFormatError(headerLine, null, 'the card has no rows');
  return currency;
}

const notApplicable = 'n/a';

function amount(cells: RoleCells, role: ColumnRole): number {
  const cell = cells[role];
  if (cell === undefined) throw new Error(`layout without a ${role} column`);
  const value = cell.value.trim();
  if (value.toLowerCase() === notApplicable || value === '') {
    throw new CsvFormatError(
      cell.line,
      cell.column,
      `${cell.header} is ${value === '' ? 'empty' : `"${value}"`}; only the authentication-international rate may be missing`,
    );
  }
  const parsed = parseDecimalMicro(value);
  if (!parsed.ok) throw new CsvFormatError(cell.line, cell.column, `${parsed.reason} (${cell.header})`);
  return parsed.micro;
}

function optionalAmount(cells: RoleCells, role: ColumnRole): number | null {
  const value = cells[role]?.value.trim() ?? '';
  return value === '' || value.toLowerCase() === notApplicable ? null : amount(cells, role);
}

export type CardInForceOptions = {
  /** The WABA's IANA time zone; see effective-dates.ts. Default UTC. */
  timeZone?: string;
  /** Only cards of this model (a rule set needs per-message or conversation rates). */
  model?: RateCardModel;
  /** Only cards in this currency. */
  currency?: string;
};

/**
 * The card in force at `at`: the latest effective date not after the send (a card effective at exactly
 * `at` counts). Ties go to the card later in the list. Null when none has taken effect.
 */
export function cardInForce<T extends RateCard>(cards: readonly T[], at: Date, options: CardInForceOptions = {}): T | null {
  const candidates = cards.filter(
    (card) =>
      (options.model === undefined || card.model === options.model) &&
      (options.currency === undefined || card.currency === options.currency),
  );
  return latestInForce(candidates, at, options.timeZone ?? defaultPricingTimeZone);
}
