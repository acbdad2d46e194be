import { describe, expect, it } from 'vitest';
import { countryOfPhoneNumber, normalizeCustomerNumber, normalizePhoneNumber, normalizeWhatsAppNumber } from '../src/phone.js';

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

  it('answers the same input alike each time, the kept answer read-only, and per default country', () => {
    const first = normalizePhoneNumber('090-1234-0002', { defaultCountry: 'JP' });
    expect(normalizePhoneNumber('090-1234-0002', { defaultCountry: 'JP' })).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The same text in another country, or in none, is another number or none at all.
    expect(normalizePhoneNumber('090-1234-0002').ok).toBe(false);
    expect(normalizePhoneNumber('090-1234-0002', { defaultCountry: 'US' })).not.toEqual(first);
    // More inputs than the table keeps: every answer is still right.
    for (let k = 0; k < 12_000; k += 1) {
      const number = `+8190${String(10_000_000 + k)}`;
      expect(normalizePhoneNumber(number)).toEqual({ ok: true, e164: number, country: 'JP' });
    }
    expect(normalizePhoneNumber('090-1234-0002', { defaultCountry: 'JP' })).toEqual(first);
  });
});

describe('national numbers read in the deployment’s country', () => {
  it('accepts a Japanese national number with Japan as the default country', () => {
    expect(normalizePhoneNumber('090-1234-0002', { defaultCountry: 'JP' })).toEqual({
      ok: true,
      e164: '+819012340002',
      country: 'JP',
    });
  });

  it('takes the default country from the deployment’s display number', () => {
    const defaultCountry = countryOfPhoneNumber('+81 3-1234-5678');
    expect(defaultCountry).toBe('JP');
    expect(normalizePhoneNumber('03-1234-5678', { defaultCountry })).toMatchObject({ ok: true, e164: '+81312345678' });
  });

  it('still reads an international number as written, whatever the default', () => {
    expect(normalizePhoneNumber('+44 20 7946 0958', { defaultCountry: 'JP' })).toMatchObject({ e164: '+442079460958' });
  });

  it.each([
    ['no default country', '090-1234-0002', undefined],
    ['a default that is no country', '090-1234-0002', 'XX'],
    ['a number invalid in the default country', '090-12', 'JP'],
  ])('refuses a national number with %s', (_case, input, defaultCountry) => {
    expect(normalizePhoneNumber(input, { defaultCountry }).ok).toBe(false);
  });
});

describe('normalizeWhatsAppNumber (numbers WhatsApp delivered)', () => {
  it('accepts a wa_id in a range the metadata does not know', () => {
    // The full metadata refuses it: the range is not allocated as far as libphonenumber-js knows.
    expect(normalizePhoneNumber('+44 7700 900123').ok).toBe(false);
    expect(normalizeWhatsAppNumber('447700900123')).toEqual({ ok: true, e164: '+447700900123', country: undefined });
    expect(normalizeWhatsAppNumber('+447700900123')).toMatchObject({ ok: true, e164: '+447700900123' });
  });

  it('normalises a known number like any other', () => {
    expect(normalizeWhatsAppNumber('819012345678')).toEqual({ ok: true, e164: '+819012345678', country: 'JP' });
  });

  it.each(['', '+', '0819012345678', '81901', '81 90 1234 5678', '1234567890123456', 'whatsapp-user:US.123'])(
    'refuses %j, which is no wa_id',
    (input) => {
      expect(normalizeWhatsAppNumber(input).ok).toBe(false);
    },
  );
});

describe('normalizeCustomerNumber (a customer’s number, which WhatsApp may deliver outside known ranges)', () => {
  it('accepts +44 7700 900123, a possible UK mobile outside the ranges the metadata knows, marked as such', () => {
    expect(normalizePhoneNumber('+44 7700 900123').ok).toBe(false);
    expect(normalizeCustomerNumber('+44 7700 900123')).toEqual({
      ok: true,
      e164: '+447700900123',
      // +44 is shared by GB, GG, IM and JE: outside the known ranges, libphonenumber cannot tell which.
      country: undefined,
      rangeUnknown: true,
    });
  });

  it('reads a number the metadata knows as normalizePhoneNumber does, without the mark', () => {
    expect(normalizeCustomerNumber('+81 90-1234-0001')).toEqual({ ok: true, e164: '+819012340001', country: 'JP' });
    expect(normalizeCustomerNumber('090-1234-0002', { defaultCountry: 'JP' })).toEqual({
      ok: true,
      e164: '+819012340002',
      country: 'JP',
    });
  });

  it.each([
    ['+81 12', 'a length no Japanese number has'],
    ['+', 'no number at all'],
    ['07700 900123', 'a national number without a country to read it in'],
  ])('still refuses %s (%s)', (input) => {
    expect(normalizeCustomerNumber(input).ok).toBe(false);
  });
});
