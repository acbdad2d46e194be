import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { defaultPricingTimeZone, latestInForce } from './effective-dates.js';
import { PricingError } from './errors.js';
import type { CountryMarketRow, NanpAreaCodeRow } from './market-tables.js';
import { otherMarket } from './rate-cards.js';
import { countryMarkets20251001 } from './tables/markets-2025-10-01.js';
import { nanpListedAreaCodes } from './tables/nanp-exceptions.js';
import { nanpUnlistedAreaCodes } from './tables/nanp-unlisted-default-other.js';

/*
 * Which of Meta's pricing markets a recipient is in. Meta prices by the recipient's country calling code
 * and, for +1, the area code; it publishes a country → market table and puts every country it does not
 * list in "Other". We read the country from the number with libphonenumber-js (full metadata, which tells
 * apart countries that share a calling code), then look it up in the mapping in force at the send.
 *
 * Rules, in order:
 * 1. +1 numbers whose area code the tables list (Meta's explicit 809/829/849 → Dominican Republic, …, and
 *    the other Caribbean and Pacific NANP members) belong to that country, whatever else we might guess.
 * 2. Otherwise the country is libphonenumber-js's `country` for the number (valid or not, as long as the
 *    leading digits tell the country).
 * 3. A country the mapping lists is in its market; any other country is in "Other" (Meta's rule).
 * 4. A number whose country cannot be told is in "North America" for +1 (Meta's table: +1 is the United
 *    States and Canada apart from the listed area codes) and in "Other" for every other calling code.
 *
 * Countries that share a calling code with a listed country (+7 Kazakhstan with Russia; +44 Guernsey,
 * Jersey and the Isle of Man with the United Kingdom; +39 Vatican City; +358 Åland; +1 Bahamas, …) are
 * not listed, so rule 3 puts them in "Other". Meta's table does not settle this (its downloadable mapping
 * CSV would); we follow the same country-based rule the NANP data already applies to the Caribbean.
 */

export const northAmericaMarket = 'North America';

/** Where one country is priced under a mapping. */
export type CountryPlacement = {
  market: string;
  /**
   * The market the country belonged to before Meta made it a market of its own; null otherwise. While
   * the rate card in force predates the split it has no row for the new market, and the country is
   * priced at this market's rates, as it was.
   */
  splitFrom: string | null;
};

/**
 * A country → market mapping with the date it takes effect. `announced` mappings are what Meta has
 * announced without our data confirming it: they apply only when the operator enables them by id.
 */
export type MarketScheme = {
  id: string;
  effectiveFrom: string;
  status: 'published' | 'announced';
  source: string;
  /** ISO 3166-1 alpha-2 → placement. Countries not here are in "Other". */
  countries: Readonly<Record<string, CountryPlacement>>;
  /** `1` + area code → the country that area code belongs to, for +1 numbers. */
  nanpAreaCodes: Readonly<Record<string, string>>;
};

export type MarketAssignment = {
  /** ISO 3166-1 alpha-2 of the recipient's number; null when it cannot be told. */
  country: string | null;
  market: string;
  splitFrom: string | null;
  marketSchemeId: string;
};

export type MarketOptions = {
  /** Default: `marketSchemes`. */
  schemes?: readonly MarketScheme[];
  /** Ids of announced mappings the operator has switched on. */
  enabled?: readonly string[];
  /** The WABA's IANA time zone for effective dates; default UTC. */
  timeZone?: string;
};

function placementsOf(rows: readonly CountryMarketRow[]): Record<string, CountryPlacement> {
  return Object.fromEntries(rows.map((row) => [row.iso2, { market: row.market, splitFrom: null }]));
}

function areaCodesOf(...tables: (readonly NanpAreaCodeRow[])[]): Record<string, string> {
  return Object.fromEntries(tables.flat().map((row) => [row.prefix, row.countryIso2]));
}

/** `previous` with some countries made markets of their own (named `market`), remembering where they were. */
function withStandaloneMarkets(
  previous: Readonly<Record<string, CountryPlacement>>,
  standalone: readonly { iso2: string; market: string }[],
): Record<string, CountryPlacement> {
  const countries = { ...previous };
  for (const { iso2, market } of standalone) {
    countries[iso2] = { market, splitFrom: previous[iso2]?.market ?? otherMarket };
  }
  return countries;
}

const nanpAreaCodes = areaCodesOf(nanpListedAreaCodes, nanpUnlistedAreaCodes);
const countries20251001 = placementsOf(countryMarkets20251001);
/** Zimbabwe moved from Other to Rest of Africa on 2025-10-01: before, it was not listed. */
const countriesBefore20251001 = Object.fromEntries(Object.entries(countries20251001).filter(([iso2]) => iso2 !== 'ZW'));
const countries20260701 = withStandaloneMarkets(countries20251001, [
  { iso2: 'HK', market: 'Hong Kong' },
  { iso2: 'SG', market: 'Singapore' },
  { iso2: 'HU', market: 'Hungary' },
  { iso2: 'PL', market: 'Poland' },
  { iso2: 'RO', market: 'Romania' },
  { iso2: 'QA', market: 'Qatar' },
]);
const countries20261001 = withStandaloneMarkets(countries20260701, [
  { iso2: 'BD', market: 'Bangladesh' },
  { iso2: 'NP', market: 'Nepal' },
  { iso2: 'LK', market: 'Sri Lanka' },
  { iso2: 'IQ', market: 'Iraq' },
  { iso2: 'KW', market: 'Kuwait' },
  { iso2: 'OM', market: 'Oman' },
  { iso2: 'MA', market: 'Morocco' },
  { iso2: 'UA', market: 'Ukraine' },
  { iso2: 'KZ', market: 'Kazakhstan' },
]);

/** The mappings we know, oldest first. Sources: tables/README.md. */
export const marketSchemes: readonly MarketScheme[] = [
  {
    id: 'markets-2022-02-01',
    effectiveFrom: '2022-02-01',
    status: 'published',
    source:
      "Meta's 32-market scheme before 2025-10-01: the 2025-10-01 table without Zimbabwe, which was in Other until then (Meta's 2025-10-01 changelog). Assumed unchanged back to 2022-02-01, the oldest rate card we hold (its 32 markets are the same).",
    countries: countriesBefore20251001,
    nanpAreaCodes,
  },
  {
    id: 'markets-2025-10-01',
    effectiveFrom: '2025-10-01',
    status: 'published',
    source:
      "Meta's pricing page 'Country calling codes' table, 2025-10-01 to 2026-06-30 (tables/markets-2025-10-01.csv), with the +1 area codes of tables/nanp-*.csv.",
    countries: countries20251001,
    nanpAreaCodes,
  },
  {
    id: 'markets-2026-07-01',
    effectiveFrom: '2026-07-01',
    status: 'published',
    source:
      "Meta's pricing page: from 2026-07-01 Hong Kong, Singapore, Hungary, Poland, Romania and Qatar are markets of their own (38 markets); everything else as on 2025-10-01.",
    countries: countries20260701,
    nanpAreaCodes,
  },
  {
    id: 'markets-2026-10-01',
    effectiveFrom: '2026-10-01',
    status: 'announced',
    source:
      'Announced by Meta for 2026-10-01 (tables/README.md), not in our data: Bangladesh, Nepal, Sri Lanka, Iraq, Kuwait, Oman, Morocco, Ukraine and Kazakhstan become markets of their own. Applied only when an operator enables it.',
    countries: countries20261001,
    nanpAreaCodes,
  },
];

/** The mapping in force at `at`: the latest published one, or an enabled announced one, not after `at`. */
export function marketSchemeInForce(at: Date, options: MarketOptions = {}): MarketScheme | null {
  const enabled = new Set(options.enabled ?? []);
  const usable = (options.schemes ?? marketSchemes).filter((scheme) => scheme.status === 'published' || enabled.has(scheme.id));
  return latestInForce(usable, at, options.timeZone ?? defaultPricingTimeZone);
}

/** Every market a mapping places some country in, plus "Other". */
export function marketsOf(scheme: MarketScheme): string[] {
  return [...new Set([...Object.values(scheme.countries).map((placement) => placement.market), otherMarket])];
}

/**
 * The recipient's country and pricing market at `at`. Throws `PricingError` `invalid_recipient` for text
 * that is not an international number (`+` and a calling code), `no_market_mapping` before the oldest
 * mapping.
 */
export function marketOf(e164: string, at: Date, options: MarketOptions = {}): MarketAssignment {
  const number = parsePhoneNumberFromString(e164.trim());
  if (number === undefined || !e164.trim().startsWith('+')) {
    throw new PricingError(
      'invalid_recipient',
      `"${e164}" is not an international phone number (+ and the country calling code)`,
    );
  }
  const scheme = marketSchemeInForce(at, options);
  if (scheme === null) {
    throw new PricingError('no_market_mapping', `no country → market mapping is in force at ${at.toISOString()}`);
  }
  const areaCodeCountry =
    number.countryCallingCode === '1' ? scheme.nanpAreaCodes[`1${number.nationalNumber.slice(0, 3)}`] : undefined;
  const country = areaCodeCountry ?? number.country ?? null;
  if (country === null) {
    const market = number.countryCallingCode === '1' ? northAmericaMarket : otherMarket;
    return { country, market, splitFrom: null, marketSchemeId: scheme.id };
  }
  const placement = scheme.countries[country] ?? { market: otherMarket, splitFrom: null };
  return { country, ...placement, marketSchemeId: scheme.id };
}
