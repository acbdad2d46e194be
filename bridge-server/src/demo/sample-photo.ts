import { crc32, deflateSync } from 'node:zlib';

/**
 * The photo the demo customer sends: a parcel (a brown box with a strip of tape) on a light table, 160 × 120 pixels,
 * drawn here as a PNG so the demo carries no binary file. PNG as the W3C specification lays it out: the signature,
 * IHDR (8-bit RGB), one IDAT of zlib-compressed scanlines each led by filter byte 0, IEND; each chunk with its CRC-32.
 */
const widthPx = 160;
const heightPx = 120;

function colourAt(x: number, y: number): [number, number, number] {
  const inBox = x >= 40 && x < 120 && y >= 30 && y < 95;
  if (!inBox) return y >= 95 ? [214, 204, 188] : [236, 240, 243];
  const onTape = x >= 74 && x < 86;
  const onCorner = x >= 104 && y < 46; // a torn corner: the customer's complaint
  if (onCorner) return [120, 84, 48];
  return onTape ? [222, 210, 160] : [176, 128, 80];
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, checksum]);
}

export function samplePhotoPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(widthPx, 0);
  header.writeUInt32BE(heightPx, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter method 0, no interlace
  const scanlines = Buffer.alloc(heightPx * (1 + widthPx * 3));
  for (let y = 0; y < heightPx; y++) {
    const row = y * (1 + widthPx * 3);
    for (let x = 0; x < widthPx; x++) scanlines.set(colourAt(x, y), row + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
