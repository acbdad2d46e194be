import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../test/support/properties.js';
import {
  type AccountPricingSettings,
  accountPricingSettingsSchema,
  ceilDivide,
  defaultPricingConfig,
  type PriceMessageInput,
  parseDecimalMicro,
  pointsForRate,
  purchaseReceipt,
  quote,
  roundHalfUpDivide,
} from '../src/pricing/index.js';

const runs = propertyRuns(500);

/** Seed 001 (Zoho SalesIQ): US$2 per credit plus a 3% fee. */
const salesIq = accountPricingSettingsSchema.parse({ currency: 'USD', pointPriceMinor: 200, pointValueMicroUsd: 10_000 });

describe('parseDecimalMicro', () => {
  it.each([
    ['0.0618', 61_800],
    ['0.0526', 52_600],
    ['0', 0],
    ['0.0', 0],
    ['1', 1_000_000],
    ['0.000001', 1],
    ['0.06180000', 61_800],
    ['12.5', 12_500_000],
    ['0.1', 100_000],
    ['0.3', 300_000],
  ])('reads %s as %i micro-units', (text, micro) => {
    expect(parseDecimalMicro(text)).toEqual({ ok: true, micro });
  });

  it.each(['', '.5', '5.', '-0.1', '+0.1', '1e-3', '0,06', '0.0000001', ' 0.1', 'n/a', '9007199254.740992'])(
    'refuses %j',
    (text) => {
      expect(parseDecimalMicro(text).ok).toBe(false);
    },
  );

  it('is exact where floats are not (0.1 + 0.2)', () => {
    const sum = [parseDecimalMicro('0.1'), parseDecimalMicro('0.2')].reduce(
      (total, parsed) => total + (parsed.ok ? parsed.micro : NaN),
      0,
    );
    expect(sum).toBe(300_000);
  });

  it('reads back every integer number of micro-units written as a decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (micro) => {
        const text = `${Math.floor(micro / 1_000_000)}.${String(micro % 1_000_000).padStart(6, '0')}`;
        expect(parseDecimalMicro(text)).toEqual({ ok: true, micro });
      }),
      runs,
    );
  });
});

describe('rounding helpers', () => {
  it.each([
    [0n, 3n, 0n, 0n],
    [1n, 3n, 1n, 0n],
    [3n, 3n, 1n, 1n],
    [4n, 3n, 2n, 1n],
    [5n, 2n, 3n, 3n],
    [3n, 2n, 2n, 2n],
    [1n, 2n, 1n, 1n],
    [149n, 100n, 2n, 1n],
    [150n, 100n, 2n, 2n],
  ])('%i / %i: ceil %i, half-up %i', (numerator, denominator, ceil, halfUp) => {
    expect(ceilDivide(numerator, denominator)).toBe(ceil);
    expect(roundHalfUpDivide(numerator, denominator)).toBe(halfUp);
  });

  it('refuses a negative numerator and a non-positive denominator', () => {
    expect(() => ceilDivide(-1n, 3n)).toThrow(RangeError);
    expect(() => roundHalfUpDivide(1n, 0n)).toThrow(RangeError);
  });

  it('agree with their definitions for any operands', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 15n }), (numerator, denominator) => {
        const ceil = ceilDivide(numerator, denominator);
        expect(ceil * denominator >= numerator && (ceil - 1n) * denominator < numerator).toBe(true);
        const rounded = roundHalfUpDivide(numerator, denominator);
        // |numerator/denominator - rounded| <= 1/2, with exact halves going up.
        expect(2n * numerator >= (2n * rounded - 1n) * denominator && 2n * numerator < (2n * rounded + 1n) * denominator).toBe(
          true,
        );
      }),
      runs,
    );
  });
});

describe('pointsForRate (rounds up to a whole point)', () => {
  it.each([
    ['a free message', 0, 10_000, 0],
    ['an exact multiple', 20_000, 10_000, 2],
    ['one micro-USD above a multiple', 20_001, 10_000, 3],
    ['one micro-USD below a multiple', 19_999, 10_000, 2],
    ['less than a point', 800, 10_000, 1],
    ['India marketing at US$0.01 a point', 11_800, 10_000, 2],
    ['India marketing at US$0.0001 a point', 11_800, 100, 118],
    ['a point worth one micro-USD', 61_800, 1, 61_800],
  ])('%s: %i micro-USD at %i micro-USD a point is %i points', (_, rateMicroUsd, pointValueMicroUsd, points) => {
    expect(pointsForRate(rateMicroUsd, pointValueMicroUsd)).toBe(points);
  });

  it.each([
    [-1, 10_000],
    [0.5, 10_000],
    [100, 0],
    [100, 2.5],
    [Number.MAX_SAFE_INTEGER + 1, 1],
  ])('refuses %d micro-USD at %d a point', (rate, value) => {
    expect(() => pointsForRate(rate, value)).toThrow(RangeError);
  });

  it('is the ceiling of rate / value, a safe integer, for any safe operands', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (rate, value) => {
        const points = pointsForRate(rate, value);
        expect(Number.isSafeInteger(points)).toBe(true);
        expect(BigInt(points) * BigInt(value) >= BigInt(rate)).toBe(true);
        expect(BigInt(points - 1) * BigInt(value) < BigInt(rate) || points === 0).toBe(true);
      }),
      runs,
    );
  });
});

describe('purchaseReceipt', () => {
  it('charges seed 001’s US$2 per credit plus 3%', () => {
    expect(purchaseReceipt({ points: 1, settings: salesIq })).toEqual({
      points: 1,
      unit_price: 200,
      subtotal: 200,
      fee: 6,
      tax: 0,
      total: 206,
      currency: 'USD',
    });
    expect(purchaseReceipt({ points: 500, settings: salesIq })).toMatchObject({ subtotal: 100_000, fee: 3000, total: 103_000 });
  });

  it('taxes the total of subtotal and fee (seed 000), in a currency without a minor unit', () => {
    const settings = accountPricingSettingsSchema.parse({
      currency: 'JPY',
      pointPriceMinor: 3,
      taxRateBasisPoints: 1000,
      pointValueMicroUsd: 100,
    });
    expect(purchaseReceipt({ points: 1000, settings })).toEqual({
      points: 1000,
      unit_price: 3,
      subtotal: 3000,
      fee: 90,
      tax: 309,
      total: 3399,
      currency: 'JPY',
    });
  });

  it.each([
    ['an exact half rounds up', 50, 300, 0, { subtotal: 50, fee: 2, tax: 0 }],
    ['just under a half rounds down', 49, 300, 0, { subtotal: 49, fee: 1, tax: 0 }],
    ['a fee under half a cent is nothing', 16, 300, 0, { subtotal: 16, fee: 0, tax: 0 }],
    ['tax on subtotal + fee, half up', 150, 0, 1000, { subtotal: 150, fee: 0, tax: 15 }],
    ['tax on a fee-bearing total', 693, 300, 1000, { subtotal: 693, fee: 21, tax: 71 }],
  ])('%s', (_, subtotal, feePercentBasisPoints, taxRateBasisPoints, expected) => {
    const settings = accountPricingSettingsSchema.parse({
      currency: 'USD',
      pointPriceMinor: 1,
      feePercentBasisPoints,
      taxRateBasisPoints,
      pointValueMicroUsd: 10_000,
    });
    const receipt = purchaseReceipt({ points: subtotal, settings });
    expect(receipt).toMatchObject(expected);
    expect(receipt.total).toBe(receipt.subtotal + receipt.fee + receipt.tax);
  });

  it('prices every point of a purchase at the quantity price it reaches', () => {
    const settings = accountPricingSettingsSchema.parse({
      currency: 'USD',
      pointPriceMinor: 10,
      quantityPrices: [
        { minimumPoints: 10_000, pointPriceMinor: 8 },
        { minimumPoints: 1000, pointPriceMinor: 9 },
      ],
      feePercentBasisPoints: 0,
      pointValueMicroUsd: 10_000,
    });
    expect([999, 1000, 9999, 10_000].map((points) => purchaseReceipt({ points, settings }).unit_price)).toEqual([10, 9, 9, 8]);
  });

  it.each([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1])('refuses to sell %d points', (points) => {
    expect(() => purchaseReceipt({ points, settings: salesIq })).toThrow(RangeError);
  });

  it('refuses a purchase whose total would not be a safe integer rather than round it', () => {
    const settings = { ...salesIq, pointPriceMinor: Number.MAX_SAFE_INTEGER };
    expect(() => purchaseReceipt({ points: 2, settings })).toThrow(/beyond the safe integer range/);
  });

  const settingsArbitrary = fc.record({
    currency: fc.constantFrom('USD', 'JPY', 'EUR', 'INR'),
    pointPriceMinor: fc.integer({ min: 1, max: 1_000_000 }),
    quantityPrices: fc.constant([]),
    feePercentBasisPoints: fc.integer({ min: 0, max: 10_000 }),
    taxRateBasisPoints: fc.integer({ min: 0, max: 10_000 }),
    pointValueMicroUsd: fc.integer({ min: 1, max: 1_000_000 }),
  }) satisfies fc.Arbitrary<AccountPricingSettings>;

  it('adds up, in safe integers, with fee and tax within half a minor unit of exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), settingsArbitrary, (points, settings) => {
        const receipt = purchaseReceipt({ points, settings });
        for (const amount of [receipt.unit_price, receipt.subtotal, receipt.fee, receipt.tax, receipt.total]) {
          expect(Number.isSafeInteger(amount) && amount >= 0).toBe(true);
        }
        expect(receipt.total).toBe(receipt.subtotal + receipt.fee + receipt.tax);
        expect(receipt.subtotal).toBe(points * settings.pointPriceMinor);
        // 2·|fee·10000 − subtotal·bp| ≤ 10000, with an exact half rounded up (same for tax).
        const feeError = BigInt(receipt.fee) * 10_000n - BigInt(receipt.subtotal) * BigInt(settings.feePercentBasisPoints);
        expect(feeError > -5000n && feeError <= 5000n).toBe(true);
        const taxBase = BigInt(receipt.subtotal + receipt.fee);
        const taxError = BigInt(receipt.tax) * 10_000n - taxBase * BigInt(settings.taxRateBasisPoints);
        expect(taxError > -5000n && taxError <= 5000n).toBe(true);
      }),
      runs,
    );
  });
});

describe('accountPricingSettingsSchema', () => {
  it('defaults the fee to seed 001’s 3% and tax to none', () => {
    expect(salesIq).toEqual({
      currency: 'USD',
      pointPriceMinor: 200,
      quantityPrices: [],
      feePercentBasisPoints: 300,
      taxRateBasisPoints: 0,
      pointValueMicroUsd: 10_000,
    });
  });

  it.each([
    ['a lower-case currency', { currency: 'usd' }],
    ['a fractional point price', { pointPriceMinor: 1.5 }],
    ['a zero point price', { pointPriceMinor: 0 }],
    ['a fee above 100%', { feePercentBasisPoints: 10_001 }],
    ['a negative tax', { taxRateBasisPoints: -1 }],
    ['a point worth nothing', { pointValueMicroUsd: 0 }],
    ['an unsafe point value', { pointValueMicroUsd: Number.MAX_SAFE_INTEGER + 1 }],
    [
      'a repeated quantity minimum',
      {
        quantityPrices: [
          { minimumPoints: 100, pointPriceMinor: 9 },
          { minimumPoints: 100, pointPriceMinor: 8 },
        ],
      },
    ],
  ])('refuses %s', (_, change) => {
    const valid = { currency: 'USD', pointPriceMinor: 200, pointValueMicroUsd: 10_000 };
    expect(accountPricingSettingsSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});

describe('quote', () => {
  const base: PriceMessageInput = {
    at: new Date('2026-01-10T12:00:00Z'),
    recipientE164: '+91 98765 43210',
    messageKind: 'template',
    templateCategory: 'MARKETING',
    window: { state: 'closed', kind: null },
    config: defaultPricingConfig,
  };

  it('quotes a paid template in points, with its category, market, card and rule set', () => {
    expect(quote({ ...base, pointValueMicroUsd: 10_000 })).toEqual({
      category: 'marketing',
      market: 'India',
      points: 2,
      free_reason: null,
      rate_card: 'pmp-2025-07-01',
      rule_set: 'pmp-2025-07-01',
      rate_micro_usd: 11_800,
      rate_market: 'India',
    });
    expect(quote({ ...base, pointValueMicroUsd: 100 }).points).toBe(118);
  });

  it('quotes a free message at 0 points, with the reason', () => {
    const inWindow = { ...base, templateCategory: 'UTILITY', window: { state: 'open', kind: 'customer_service' } } as const;
    expect(quote({ ...inWindow, pointValueMicroUsd: 1 })).toMatchObject({
      category: 'utility',
      points: 0,
      free_reason: 'customer_service_window',
      rate_micro_usd: 0,
    });
  });

  it('never quotes fewer points than Meta charges, nor a whole point more', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('+91 98765 43210', '+55 11 91234 5678', '+49 1512 3456789', '+1 212 555 1234', '+383 44 123 456'),
        fc.constantFrom('MARKETING', 'UTILITY', 'AUTHENTICATION'),
        fc.integer({ min: 1, max: 1_000_000 }),
        (recipientE164, templateCategory, pointValueMicroUsd) => {
          const quoted = quote({ ...base, recipientE164, templateCategory, pointValueMicroUsd });
          expect(quoted.points * pointValueMicroUsd).toBeGreaterThanOrEqual(quoted.rate_micro_usd);
          expect((quoted.points - 1) * pointValueMicroUsd).toBeLessThan(quoted.rate_micro_usd);
        },
      ),
      runs,
    );
  });
});
