import { createHash } from 'node:crypto';
import {
  CsvFormatError,
  type CsvRow,
  cardInForce,
  parseCsv,
  parseRateCardCsv,
  type RateCard,
  type RateCardDetail,
  type RateCardIdentity,
  type RateCardPreview,
  type RateCardSummary,
  seedRateCards,
  startOfDay,
  unstorableTextCode,
  unstorableTextReason,
} from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Schema } from '../storage/schema.js';
import { rateCardDifferences } from './rate-card-diff.js';

/*
 * Rate cards as the bridge prices with them: the seed cards shipped in shared/src/pricing/tables, then the
 * cards operators imported, in import order (the order `latestInForce` settles equal effective dates in).
 * Imported cards never change, so every process keeps them in memory under a version: a hash of the ids and
 * content hashes of the stored cards, read with each quote. A card imported on one process changes the
 * version every process reads next, so none prices with a stale set.
 */

type Db = Kysely<Schema> | Transaction<Schema>;

export type StoredRateCard = { card: RateCard; origin: 'seed' | 'imported'; importedAt: Date | null };

/** The bridge prices in USD: a point's value is set in micro-USD (shared/src/pricing/points.ts). */
const pricingCurrency = 'USD';

/**
 * UTC+14 (Kiribati's Line Islands), where every calendar day starts first. A card whose effective date has
 * started there may already govern a send in some account's time zone.
 */
const earliestTimeZone = 'Etc/GMT-14';

/** The SQL that names the stored set of cards: it changes whenever a card is imported, on any process. */
export const storedCardsVersion = sql<string>`(select md5(coalesce(string_agg(id || ':' || content_sha256, ',' order by import_order), '')) from rate_cards)`;

/** A row of the load: one with null card columns when none was imported. */
type StoredCardRow = { version: string } & (
  | Omit<Selectable<Schema['rate_cards']>, 'import_order' | 'content_sha256' | 'csv'>
  | { [column in 'id' | 'model' | 'currency' | 'effective_from' | 'source' | 'rates' | 'imported_at']: null }
);

const seedCards: readonly StoredRateCard[] = seedRateCards.map((card) => ({ card, origin: 'seed', importedAt: null }));

/** The last set loaded; content-addressed, so one process serving several databases (tests) never mixes them. */
let cached: { version: string; cards: readonly StoredRateCard[] } | undefined;

/** Seed and imported cards as stored under `version` (read with `storedCardsVersion`), loading them on a change. */
export async function rateCardsAt(db: Db, version: string): Promise<readonly StoredRateCard[]> {
  if (cached?.version === version) return cached.cards;
  // The version is read in the same statement as the cards, so the two describe one snapshot.
  const { rows } = await sql<StoredCardRow>`
    select ${storedCardsVersion} as version, card.id, card.model, card.currency, card.effective_from, card.source,
      card.rates, card.imported_at
    from (select 1) as one left join rate_cards as card on true
    order by card.import_order`.execute(db);
  const imported = rows.flatMap((row) =>
    row.id === null
      ? []
      : [
          {
            // Written by importRateCard from parseRateCardCsv's output, which jsonb keeps as it was.
            card: {
              id: row.id,
              model: row.model,
              currency: row.currency,
              effectiveFrom: row.effective_from,
              source: row.source,
              rates: row.rates,
            } as RateCard,
            origin: 'imported' as const,
            importedAt: row.imported_at,
          },
        ],
  );
  cached = { version: rows[0]?.version ?? version, cards: [...seedCards, ...imported] };
  return cached.cards;
}

export async function allRateCards(db: Db): Promise<readonly StoredRateCard[]> {
  const { rows } = await sql<{ version: string }>`select ${storedCardsVersion} as version`.execute(db);
  return rateCardsAt(db, rows[0]?.version ?? '');
}

/** JSON with object keys sorted at every level: equal cards hash equal whatever order their rows came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function contentSha256(card: RateCard): string {
  return createHash('sha256').update(canonicalJson(card)).digest('hex');
}

/** Reads the CSV an operator sent; throws `invalid_rate_card` naming the line and cell of the first problem. */
export function readRateCardCsv(body: Uint8Array, identity: RateCardIdentity): RateCard {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new DomainError('invalid_rate_card', 'The file is not UTF-8 text: save the CSV as UTF-8.', {
      line: null,
      column: null,
    });
  }
  refuseUnstorableCells(text);
  let card: RateCard;
  try {
    card = parseRateCardCsv(text, identity);
  } catch (error) {
    if (!(error instanceof CsvFormatError)) throw error;
    throw new DomainError('invalid_rate_card', `${error.message}; nothing was imported.`, {
      line: error.line,
      column: error.column,
    });
  }
  if (card.currency !== pricingCurrency) {
    throw new DomainError(
      'invalid_rate_card',
      `The card is in ${card.currency}; the bridge prices with ${pricingCurrency} cards (a point's value is set in micro-USD). Import Meta's USD card.`,
      { line: null, column: null },
    );
  }
  return card;
}

/**
 * The CSV is stored as sent (rate_cards.csv), and PostgreSQL's text cannot hold U+0000 (a lone surrogate cannot come
 * out of UTF-8): a cell with it is refused with the line and column, `issue: invalid_text`, before anything is read.
 * A CSV that does not parse is left for parseRateCardCsv to describe.
 */
function refuseUnstorableCells(text: string): void {
  if (unstorableTextReason(text) === undefined) return;
  let rows: CsvRow[];
  try {
    rows = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvFormatError) rows = [];
    else throw error;
  }
  const cell = rows.flatMap((row) => row.cells).find((candidate) => unstorableTextReason(candidate.value) !== undefined);
  const reason = unstorableTextReason(cell?.value ?? text) ?? '';
  const place = cell === undefined ? '' : `line ${cell.line}, column ${cell.column}: `;
  throw new DomainError('invalid_rate_card', `${place}a cell ${reason}; nothing was imported.`, {
    line: cell?.line ?? null,
    column: cell?.column ?? null,
    issue: unstorableTextCode,
  });
}

/**
 * Stores a card once: the same card again answers the stored one; a different card under a taken id is refused
 * (cards never change). A card whose effective date has started anywhere is refused: it could move the price of
 * a message already quoted or held.
 */
export async function importRateCard(db: Kysely<Schema>, card: RateCard, csv: string, now: Date): Promise<StoredRateCard> {
  const sha256 = contentSha256(card);
  const existing = await checkImportable(db, card, now);
  if (existing !== undefined) return existing;
  const inserted = await db
    .insertInto('rate_cards')
    .values({
      id: card.id,
      model: card.model,
      currency: card.currency,
      effective_from: card.effectiveFrom,
      source: card.source,
      rates: JSON.stringify(card.rates),
      content_sha256: sha256,
      csv,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('imported_at')
    .executeTakeFirst();
  if (inserted !== undefined) return { card, origin: 'imported', importedAt: inserted.imported_at };
  // Another request stored this id between our check and our insert.
  const raced = await sameOrConflict(db, card, sha256);
  if (raced === undefined) throw new Error(`rate card ${card.id} was neither inserted nor found`);
  return raced;
}

/**
 * The checks of an import, shared with its dry run (the preview): the same card already stored answers it; a
 * different card under its id, or an effective date that has started anywhere, is refused.
 */
export async function checkImportable(db: Kysely<Schema>, card: RateCard, now: Date): Promise<StoredRateCard | undefined> {
  const existing = await sameOrConflict(db, card, contentSha256(card));
  if (existing !== undefined) return existing;
  if (startOfDay(card.effectiveFrom, earliestTimeZone).getTime() <= now.getTime()) {
    throw new DomainError(
      'rate_card_backdated',
      `${card.effectiveFrom} has already started in some time zone, so messages may have been priced on it. Give the card a later effective date; it replaces the card in force from then.`,
      { effective_from: card.effectiveFrom },
    );
  }
  return undefined;
}

/**
 * The dry run of an import: the same checks, and the card's differences from the card of its model in force now.
 * Nothing is stored.
 */
export async function previewRateCard(db: Kysely<Schema>, card: RateCard, now: Date): Promise<RateCardPreview> {
  const existing = await checkImportable(db, card, now);
  const cards = await allRateCards(db);
  const inForce = inForceIds(cards, now);
  const current = cards.find((stored) => stored.card.model === card.model && inForce.has(stored.card.id)) ?? null;
  return {
    card: presentSummary(existing ?? { card, origin: 'imported', importedAt: null }, inForce),
    compared_with: current === null ? null : presentSummary(current, inForce),
    ...rateCardDifferences(card, current?.card ?? null),
  };
}

/** The stored card with this id when it is the same card; throws `rate_card_exists` when it differs. */
async function sameOrConflict(db: Kysely<Schema>, card: RateCard, sha256: string): Promise<StoredRateCard | undefined> {
  const stored = (await allRateCards(db)).find((candidate) => candidate.card.id === card.id);
  if (stored === undefined) return undefined;
  if (contentSha256(stored.card) === sha256) return stored;
  throw new DomainError(
    'rate_card_exists',
    `Rate card ${card.id} (${stored.origin}, effective ${stored.card.effectiveFrom}) exists with other content. Cards never change: import the new card under a new id.`,
    { rate_card: card.id },
  );
}

/** The id of the card of each model that governs a send now, in UTC. */
function inForceIds(cards: readonly StoredRateCard[], now: Date): Set<string> {
  const all = cards.map((stored) => stored.card);
  const ids = new Set<string>();
  for (const model of ['per_message', 'conversation'] as const) {
    const card = cardInForce(all, now, { model, currency: pricingCurrency });
    if (card !== null) ids.add(card.id);
  }
  return ids;
}

export function presentRateCards(cards: readonly StoredRateCard[], now: Date): RateCardSummary[] {
  const inForce = inForceIds(cards, now);
  return cards.map((stored) => presentSummary(stored, inForce));
}

function presentSummary({ card, origin, importedAt }: StoredRateCard, inForce: Set<string>): RateCardSummary {
  return {
    id: card.id,
    model: card.model,
    currency: card.currency,
    effective_from: card.effectiveFrom,
    source: card.source,
    origin,
    imported_at: importedAt?.toISOString() ?? null,
    in_force: inForce.has(card.id),
    markets: Object.keys(card.rates).length,
  };
}

/** One card with its rates, markets in alphabetical order (jsonb does not keep the CSV's order). */
export function presentRateCard(stored: StoredRateCard, cards: readonly StoredRateCard[], now: Date): RateCardDetail {
  const summary = presentSummary(stored, inForceIds(cards, now));
  const { card } = stored;
  if (card.model === 'per_message') {
    return {
      ...summary,
      model: 'per_message',
      rates: byMarket(card.rates).map(([market, rates]) => ({
        market,
        marketing_micro_usd: rates.marketingMicro,
        utility_micro_usd: rates.utilityMicro,
        authentication_micro_usd: rates.authenticationMicro,
        authentication_international_micro_usd: rates.authenticationInternationalMicro,
        service_micro_usd: rates.serviceMicro,
      })),
    };
  }
  return {
    ...summary,
    model: 'conversation',
    rates: byMarket(card.rates).map(([market, rates]) => ({
      market,
      business_initiated_micro_usd: rates.businessInitiatedMicro,
      user_initiated_micro_usd: rates.userInitiatedMicro,
    })),
  };
}

function byMarket<T>(rates: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(rates).sort(([a], [b]) => a.localeCompare(b, 'en'));
}
