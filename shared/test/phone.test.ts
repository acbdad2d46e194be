import { describe, expect, it } from 'vitest';
import { normalizePhoneNumber } from '../src/phone.js';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+81 90 1234 5678', '+819012345678', 'JP'],
    ['+55 11 91234 5678', '+5511912345678', 'BR'],
    ['+1 (415) 555-2671', '+14155552671', 'US'],
    ['+44 20 7946 0958', '+442079460958', 'GB'],
    ['  +819012345678  ', '+819012345678', 'JP'],
  ])('normalises %s to %s', (input, e164, country) => {
    expect(normalizePhoneNumber(input)).toEqual({ ok: true, e164, country });
  });

  it.each([
    ['09012345678', 'must start with +'],
    ['+', 'is not a phone number'],
    ['+81 12', 'is not'],
    ['+1 555 0100', 'is not'],
    ['hello', 'must start with +'],
  ])('rejects %s', (input, reason) => {
    const result = normalizePhoneNumber(input);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toContain(reason);
  });
});
