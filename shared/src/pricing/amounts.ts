/*
 * Integer money arithmetic. Every amount in the pricing model is an integer in a named small unit
 * (`rateMicroUsd`, `subtotalMinor`, `points`); nothing here ever holds a fraction in a float.
 *
 * Products and quotients go through BigInt, so intermediate values cannot lose precision, and every result
 * is checked to be a safe integer before it becomes a `number` again. Rounding is always one of the two
 * named helpers below, never an implicit `Math.round` of a float.
 */

/** Rates are stored in millionths of a currency unit: US$0.0618 is 61_800 micro-USD. */
export const microPerUnit = 1_000_000;

/** Six decimal places: one more than the most precise rate Meta has published (four decimals). */
export const microDigits = 6;

/** Percentages are basis points: 3% is 300, 10% is 1_000, 100% is 10_000. */
export const basisPointsPerWhole = 10_000;

export type DecimalParseResult = { ok: true; micro: number } | { ok: false; reason: string };

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/**
 * Reads a non-negative decimal string (`0.0618`, `0`, `.5` is refused) as an exact integer number of
 * millionths, without ever building a float: the digits are shifted as text. More than six decimals are
 * refused unless the extra digits are zeros (`0.06180000` is fine), because rounding a price on import
 * would silently change it.
 */
export function parseDecimalMicro(text: string): DecimalParseResult {
  const match = decimalPattern.exec(text);
  if (match === null) {
    return { ok: false, reason: `"${text}" is not a non-negative decimal number (digits, optionally a point and more digits)` };
  }
  const wholeDigits = match[1] ?? '0';
  const fractionDigits = (match[2] ?? '').replace(/0+$/, '');
  if (fractionDigits.length > microDigits) {
    return { ok: false, reason: `"${text}" has more than ${microDigits} decimal places; rates are kept exact to the micro-unit` };
  }
  const micro = BigInt(wholeDigits) * BigInt(microPerUnit) + BigInt(fractionDigits.padEnd(microDigits, '0'));
  if (micro > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, reason: `"${text}" is too large` };
  }
  return { ok: true, micro: Number(micro) };
}

/** Converts back to a safe integer, or throws: an amount that does not fit is a bug or an absurd input, never rounded. */
export function toSafeInteger(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} (${value}) is beyond the safe integer range`);
  }
  return Number(value);
}

/** Throws unless `value` is a safe integer, at least `minimum`. Money inputs are checked, not coerced. */
export function requireSafeInteger(value: number, what: string, minimum = 0): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${what} must be a safe integer of at least ${minimum}, got ${value}`);
  }
}

function requireDivisionOperands(numerator: bigint, denominator: bigint): void {
  if (numerator < 0n) throw new RangeError(`the numerator must not be negative, got ${numerator}`);
  if (denominator <= 0n) throw new RangeError(`the denominator must be positive, got ${denominator}`);
}

/** ⌈numerator / denominator⌉ for a non-negative numerator: `(n + d - 1) / d` in integer division. */
export function ceilDivide(numerator: bigint, denominator: bigint): bigint {
  requireDivisionOperands(numerator, denominator);
  return (numerator + denominator - 1n) / denominator;
}

/**
 * numerator / denominator rounded to the nearest integer, halves up (2.5 → 3), for a non-negative numerator:
 * `(2n + d) / 2d` in integer division. With non-negative amounts, half-up and half-away-from-zero agree.
 */
export function roundHalfUpDivide(numerator: bigint, denominator: bigint): bigint {
  requireDivisionOperands(numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}
