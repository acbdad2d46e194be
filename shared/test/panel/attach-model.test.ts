import { describe, expect, it } from 'vitest';
import { acceptedFiles, checkFile } from '../../src/panel/attach/model.js';

const limits = { image: 5_000_000, document: 20_000_000, video: 15_000_000, audio: 15_000_000 };

describe('the files a picker takes', () => {
  it('takes any kind WhatsApp takes for a reply, and only the header’s kind for a template’s media header', () => {
    const photo = { name: 'photo.png', type: 'image/png', size: 1_000 };
    const invoice = { name: 'invoice.pdf', type: 'application/pdf', size: 1_000 };
    expect(checkFile(photo, limits)).toEqual({ ok: true, kind: 'image' });
    expect(checkFile(invoice, limits)).toEqual({ ok: true, kind: 'document' });
    expect(checkFile(photo, limits, 'document')).toEqual({ ok: false, reason: 'type' });
    expect(checkFile(invoice, limits, 'document')).toEqual({ ok: true, kind: 'document' });
    expect(checkFile({ ...invoice, size: 20_000_001 }, limits, 'document')).toEqual({
      ok: false,
      reason: 'size',
      kind: 'document',
      limitBytes: 20_000_000,
    });
  });

  it('offers the browser’s dialog only the header’s types', () => {
    expect(acceptedFiles('document')).toBe('application/pdf,.pdf');
    expect(acceptedFiles()).toContain('image/png');
    expect(acceptedFiles()).toContain('application/pdf');
  });
});
