import { type CountryCode, getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import {
  type MarketScheme,
  marketOf,
  marketSchemeInForce,
  marketSchemes,
  marketsOf,
  PricingError,
  pmp20250701RuleSet,
  seedRateCards,
} from '../src/pricing/index.js';
import { countryMarkets20251001 } from '../src/pricing/tables/markets-2025-10-01.js';
import { nanpListedAreaCodes } from '../src/pricing/tables/nanp-exceptions.js';
import { nanpUnlistedAreaCodes } from '../src/pricing/tables/nanp-unlisted-default-other.js';

const during20251001Scheme = new Date('2026-01-15T12:00:00Z');
const enableAnnounced = { enabled: ['markets-2026-10-01'] };

/** A valid mobile number of the country, from libphonenumber-js's own examples. */
function exampleNumber(iso2: string): string {
  const number = getExampleNumber(iso2 as CountryCode, examples);
  if (number === undefined) throw new Error(`no example number for ${iso2}`);
  return number.number;
}

function schemeById(id: string): MarketScheme {
  const scheme = marketSchemes.find((candidate) => candidate.id === id);
  if (scheme === undefined) throw new Error(`no scheme ${id}`);
  return scheme;
}

describe('the country → market table (2025-10-01)', () => {
  it('places 140 countries in 31 markets, Other being the 32nd', () => {
    expect(countryMarkets20251001).toHaveLength(140);
    const markets = marketsOf(schemeById('markets-2025-10-01'));
    expect(markets).toHaveLength(32);
  });

  it('uses exactly the markets of both seed rate cards', () => {
    const markets = marketsOf(schemeById('markets-2025-10-01')).sort();
    for (const card of seedRateCards) {
      expect(Object.keys(card.rates).sort()).toEqual(markets);
    }
  });

  it.each(countryMarkets20251001.map((row) => [row.iso2, row.country, row.market] as const))(
    '%s (%s) is in %s',
    (iso2, _country, market) => {
      expect(marketOf(exampleNumber(iso2), during20251001Scheme)).toEqual({
        country: iso2,
        market,
        splitFrom: null,
        marketSchemeId: 'markets-2025-10-01',
      });
    },
  );
});

describe('+1 (North American Numbering Plan)', () => {
  it.each([
    ['+1 212 555 1234', 'US'],
    ['+1 415 555 2671', 'US'],
    ['+1 416 555 0123', 'CA'],
    ['+1 604 555 0199', 'CA'],
  ])('%s (%s) is North America', (e164, country) => {
    expect(marketOf(e164, during20251001Scheme)).toMatchObject({ country, market: 'North America' });
  });

  it.each(nanpListedAreaCodes.map((row) => [row.prefix, row.countryIso2, row.market] as const))(
    'Meta lists +%s: %s, %s',
    (prefix, country, market) => {
      expect(marketOf(`+${prefix}2345678`, during20251001Scheme)).toMatchObject({ country, market });
    },
  );

  it.each(nanpUnlistedAreaCodes.map((row) => [row.prefix, row.countryIso2] as const))(
    '+%s (%s) is not listed by Meta, so Other',
    (prefix, country) => {
      expect(marketOf(`+${prefix}2345678`, during20251001Scheme)).toMatchObject({ country, market: 'Other' });
    },
  );

  it('agrees with the country table for the area codes Meta lists', () => {
    for (const row of nanpListedAreaCodes) {
      expect(countryMarkets20251001.find((country) => country.iso2 === row.countryIso2)?.market).toBe(row.market);
    }
  });

  it('trusts the listed area code over libphonenumber-js even for a number it cannot validate', () => {
    expect(marketOf('+1 809 000 0000', during20251001Scheme)).toMatchObject({ country: 'DO', market: 'Rest of Latin America' });
  });

  it('prices a +1 number whose country cannot be told as North America, with no country', () => {
    expect(marketOf('+1 555 010 0000', during20251001Scheme)).toMatchObject({ country: null, market: 'North America' });
  });
});

describe('shared calling codes and unlisted countries', () => {
  it.each([
    ['+7 495 123 4567', 'RU', 'Russia'],
    ['+7 701 234 5678', 'KZ', 'Other'],
    ['+44 7400 123456', 'GB', 'United Kingdom'],
    ['+44 20 7946 0958', 'GB', 'United Kingdom'],
    ['+44 7781 123456', 'GG', 'Other'],
    ['+44 7797 123456', 'JE', 'Other'],
    ['+44 7624 123456', 'IM', 'Other'],
    ['+39 06 698 12345', 'VA', 'Other'],
    ['+39 06 1234 5678', 'IT', 'Italy'],
    ['+358 18 123456', 'AX', 'Other'],
    ['+358 40 123 4567', 'FI', 'Rest of Western Europe'],
    ['+383 44 123 456', 'XK', 'Other'],
    ['+243 81 234 5678', 'CD', 'Other'],
    ['+81 90 1234 5678', 'JP', 'Rest of Asia Pacific'],
  ])('%s is %s, in %s', (e164, country, market) => {
    expect(marketOf(e164, during20251001Scheme)).toMatchObject({ country, market });
  });

  it('prices a number of a non-geographic calling code (+800) as Other, with no country', () => {
    expect(marketOf('+800 1234 5678', during20251001Scheme)).toMatchObject({ country: null, market: 'Other' });
  });

  it.each(['', 'hello', '+', '819012345678', '+999', '81 90 1234 5678'])('refuses %j', (text) => {
    expect(() => marketOf(text, during20251001Scheme)).toThrow(PricingError);
    try {
      marketOf(text, during20251001Scheme);
    } catch (error) {
      expect((error as PricingError).code).toBe('invalid_recipient');
    }
  });
});

describe('the mapping changes over time', () => {
  const zimbabwe = '+263 77 123 4567';

  it.each([
    ['2025-09-30T23:59:59.999Z', 'Other', 'markets-2022-02-01'],
    ['2025-10-01T00:00:00.000Z', 'Rest of Africa', 'markets-2025-10-01'],
  ])('Zimbabwe at %s is in %s', (at, market, marketSchemeId) => {
    expect(marketOf(zimbabwe, new Date(at))).toMatchObject({ country: 'ZW', market, marketSchemeId });
  });

  it.each([
    ['+852 5123 4567', 'HK', 'Hong Kong', 'Rest of Asia Pacific'],
    ['+65 8123 4567', 'SG', 'Singapore', 'Rest of Asia Pacific'],
    ['+36 20 123 4567', 'HU', 'Hungary', 'Rest of Central & Eastern Europe'],
    ['+48 512 345 678', 'PL', 'Poland', 'Rest of Central & Eastern Europe'],
    ['+40 712 034 567', 'RO', 'Romania', 'Rest of Central & Eastern Europe'],
    ['+974 3312 3456', 'QA', 'Qatar', 'Rest of Middle East'],
  ])('%s (%s) becomes %s on 2026-07-01, split from %s', (e164, country, market, splitFrom) => {
    expect(marketOf(e164, new Date('2026-06-30T23:59:59.999Z'))).toEqual({
      country,
      market: splitFrom,
      splitFrom: null,
      marketSchemeId: 'markets-2025-10-01',
    });
    expect(marketOf(e164, new Date('2026-07-01T00:00:00.000Z'))).toEqual({
      country,
      market,
      splitFrom,
      marketSchemeId: 'markets-2026-07-01',
    });
  });

  it('has 38 markets from 2026-07-01 and 47 in the announced 2026-10-01 mapping', () => {
    expect(marketsOf(schemeById('markets-2026-07-01'))).toHaveLength(38);
    expect(marketsOf(schemeById('markets-2026-10-01'))).toHaveLength(47);
  });

  it('does not apply the announced 2026-10-01 mapping unless the operator enables it', () => {
    const after = new Date('2027-01-01T00:00:00Z');
    expect(marketSchemeInForce(after)?.id).toBe('markets-2026-07-01');
    expect(marketSchemeInForce(after, enableAnnounced)?.id).toBe('markets-2026-10-01');
  });

  it.each([
    ['+880 1812 345678', 'BD', 'Bangladesh', 'Rest of Asia Pacific'],
    ['+977 984 1234567', 'NP', 'Nepal', 'Rest of Asia Pacific'],
    ['+94 71 234 5678', 'LK', 'Sri Lanka', 'Rest of Asia Pacific'],
    ['+964 791 234 5678', 'IQ', 'Iraq', 'Rest of Middle East'],
    ['+965 500 12345', 'KW', 'Kuwait', 'Rest of Middle East'],
    ['+968 9212 3456', 'OM', 'Oman', 'Rest of Middle East'],
    ['+212 650 123456', 'MA', 'Morocco', 'Rest of Africa'],
    ['+380 50 123 4567', 'UA', 'Ukraine', 'Rest of Central & Eastern Europe'],
    ['+7 701 234 5678', 'KZ', 'Kazakhstan', 'Other'],
  ])('enabled, the 2026-10-01 mapping makes %s (%s) %s, split from %s', (e164, country, market, splitFrom) => {
    const options = enableAnnounced;
    expect(marketOf(e164, new Date('2026-09-30T23:59:59.999Z'), options)).toMatchObject({ country, market: splitFrom });
    expect(marketOf(e164, new Date('2026-10-01T00:00:00.000Z'), options)).toEqual({
      country,
      market,
      splitFrom,
      marketSchemeId: 'markets-2026-10-01',
    });
  });

  it('starts a mapping at midnight in the WABA’s time zone', () => {
    const hongKong = '+852 5123 4567';
    const timeZone = 'Asia/Tokyo';
    expect(marketOf(hongKong, new Date('2026-06-30T14:59:59.999Z'), { timeZone }).market).toBe('Rest of Asia Pacific');
    expect(marketOf(hongKong, new Date('2026-06-30T15:00:00.000Z'), { timeZone }).market).toBe('Hong Kong');
  });

  it('has no mapping before the oldest one', () => {
    expect(() => marketOf('+81 90 1234 5678', new Date('2022-01-31T23:59:59.999Z'))).toThrow(/no country → market mapping/);
    expect(marketOf('+81 90 1234 5678', new Date('2022-02-01T00:00:00.000Z')).marketSchemeId).toBe('markets-2022-02-01');
  });

  it('keeps every scheme’s markets priced by a seed card, directly or through the market it was split from', () => {
    const perMessageCard = seedRateCards.find((card) => card.model === pmp20250701RuleSet.model);
    for (const scheme of marketSchemes) {
      for (const placement of Object.values(scheme.countries)) {
        const row = placement.market in (perMessageCard?.rates ?? {}) ? placement.market : placement.splitFrom;
        expect(row !== null && row in (perMessageCard?.rates ?? {}), `${scheme.id}: ${placement.market}`).toBe(true);
      }
    }
  });
});
