import { deflateSync } from 'node:zlib';

/**
 * Tiny, valid media files generated in code (no binary fixtures): each carries the real signature and structure
 * content sniffing reads, and is small enough to keep tests fast.
 */

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** The smallest PNG: one red pixel. */
const pngParts = () => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
  ];
};
const pngEnd = () => pngChunk('IEND', Buffer.alloc(0));

/** A 1×1 PNG, 69 bytes; with `sizeBytes`, padded to exactly that size with a tEXt chunk (still a valid PNG). */
export function png(sizeBytes?: number): Buffer {
  const plain = Buffer.concat([...pngParts(), pngEnd()]);
  if (sizeBytes === undefined) return plain;
  const paddingBytes = sizeBytes - plain.length - 12; // a chunk adds length, type and CRC
  if (paddingBytes < 0) throw new Error(`a padded PNG is at least ${plain.length + 12} bytes`);
  const text = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(Math.max(0, paddingBytes - 8), 0x61)]);
  const padded = Buffer.concat([...pngParts(), pngChunk('tEXt', text.subarray(0, paddingBytes)), pngEnd()]);
  if (padded.length !== sizeBytes) throw new Error(`padded PNG is ${padded.length} bytes, not ${sizeBytes}`);
  return padded;
}

/** A baseline 1×1 greyscale JPEG: one quantisation table, one Huffman code per table, one block (DC 0, end of block). */
export function jpeg(): Buffer {
  const oneCodeTable = (tableClassAndId: string) => `ffc40014${tableClassAndId}01${'00'.repeat(15)}00`;
  const hex = [
    'ffd8', // SOI
    'ffe000104a46494600010100000100010000', // APP0 JFIF
    `ffdb004300${'01'.repeat(64)}`, // DQT: all ones
    'ffc0000b080001000101011100', // SOF0: 8-bit, 1×1, one component
    oneCodeTable('00'), // DHT DC 0: a 1-bit code for category 0
    oneCodeTable('10'), // DHT AC 0: a 1-bit code for end of block
    'ffda0008010100003f00', // SOS
    '3f', // entropy-coded data: bits 0 (DC 0) and 0 (EOB), padded with ones
    'ffd9', // EOI
  ].join('');
  return Buffer.from(hex, 'hex');
}

/** A one-page-tree PDF. */
export function pdf(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
      'trailer<</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  );
}

function isoBox(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + data.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, data]);
}

/** An ISO media file with the given major brand: an `ftyp` box and an empty `free` box. */
function isoMedia(brand: string, compatible: string): Buffer {
  return Buffer.concat([
    isoBox('ftyp', Buffer.concat([Buffer.from(brand, 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from(compatible, 'latin1')])),
    isoBox('free', Buffer.alloc(0)),
  ]);
}

export const mp4 = () => isoMedia('isom', 'isomiso2mp41');
export const threeGp = () => isoMedia('3gp4', 'isom3gp4');

/** An ID3v2.3 tag (empty) and two silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each). */
export function mp3(): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([3, 0, 0, 0, 0, 0, 0]), frame, frame]);
}

function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  }
  return crc >>> 0;
}

function oggPage(packet: Buffer, headerType: number, sequence: number): Buffer {
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[5] = headerType;
  header.writeUInt32LE(0x5741, 14); // stream serial number
  header.writeUInt32LE(sequence, 18);
  header[26] = 1; // one segment
  const page = Buffer.concat([header, Buffer.from([packet.length]), packet]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** Ogg Opus: the OpusHead and OpusTags pages (mono, 48 kHz). */
export function oggOpus(): Buffer {
  const head = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
  const tags = Buffer.concat([
    Buffer.from('OpusTags', 'latin1'),
    Buffer.from([4, 0, 0, 0]),
    Buffer.from('test'),
    Buffer.alloc(4),
  ]);
  return Buffer.concat([oggPage(head, 2, 0), oggPage(tags, 0, 1)]);
}

/** Ogg Vorbis: an Ogg file Meta does not take ("OPUS codecs only; base audio/ogg not supported"). */
export function oggVorbis(): Buffer {
  return oggPage(Buffer.concat([Buffer.from([1]), Buffer.from('vorbis', 'latin1'), Buffer.alloc(23)]), 2, 0);
}

/** AMR narrowband: the `#!AMR\n` magic and one 12.2 kbit/s frame of silence. */
export function amr(): Buffer {
  return Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), Buffer.from([0x3c]), Buffer.alloc(31)]);
}

/** A Windows executable's first bytes (the MZ header). */
export function exe(): Buffer {
  return Buffer.concat([Buffer.from('MZ', 'latin1'), Buffer.alloc(126)]);
}

/** A ZIP archive with one stored file. */
export function zip(): Buffer {
  const name = Buffer.from('a.txt');
  const data = Buffer.from('hello');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(10, 4);
  header.writeUInt32LE(crc32(data), 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(data.length, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name, data]);
}
