import { describe, expect, it } from 'vitest';
import { sniffMedia } from '../../src/media/sniff.js';
import { amr } from '../support/media-files.js';

function isoMedia(brand: string): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 20]),
    Buffer.from(`ftyp${brand}`, 'latin1'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from(brand, 'latin1'),
  ]);
  return Buffer.concat([ftyp, Buffer.from([0, 0, 0, 8]), Buffer.from('free', 'latin1')]);
}

describe('sniffMedia', () => {
  it('recognises AMR by its #!AMR header without help (file-type 21 knows it)', async () => {
    expect(await sniffMedia(amr())).toMatchObject({ accepted: true, type: { mime: 'audio/amr', kind: 'audio' } });
    expect(await sniffMedia(Buffer.from('#!AMR-WB\n\u0000', 'latin1'))).toMatchObject({
      accepted: true,
      type: { mime: 'audio/amr' },
    });
  });

  it('tells 3GP from MP4 by the ftyp brand, and refuses audio-only and QuickTime brands', async () => {
    expect(await sniffMedia(isoMedia('3gp5'))).toMatchObject({ accepted: true, type: { mime: 'video/3gpp' } });
    expect(await sniffMedia(isoMedia('mp42'))).toMatchObject({ accepted: true, type: { mime: 'video/mp4' } });
    expect(await sniffMedia(isoMedia('M4A '))).toEqual({ accepted: false, detected: 'audio/x-m4a' });
    expect(await sniffMedia(isoMedia('qt  '))).toEqual({ accepted: false, detected: 'video/quicktime' });
  });
});
