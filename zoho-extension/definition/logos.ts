import { crc32, deflateSync } from 'node:zlib';
import { widgetPaths } from './manifest.js';

/**
 * The widget's logo and icon, drawn at build time as SVG (no binary files in the repository): a speech bubble with
 * three dots on a rounded square. Zoho accepts .svg among a widget's image types (zoho-extension-toolkit 1.0.24,
 * lib/commands/constants.js); *uncertain* whether Zoho Desk's Marketplace review prefers PNG for the logo.
 */
function bubble(size: number, rounded: boolean): string {
  const corner = rounded ? size * 0.18 : 0;
  const centre = size / 2;
  const radius = size * 0.3;
  const dots = [-1, 0, 1]
    .map(
      (offset) => `<circle cx="${centre + offset * radius * 0.42}" cy="${centre * 0.94}" r="${radius * 0.13}" fill="#26a65b"/>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">` +
    `<rect width="${size}" height="${size}" rx="${corner}" fill="#03363d"/>` +
    `<circle cx="${centre}" cy="${centre * 0.94}" r="${radius}" fill="#fff"/>` +
    `<path d="M${centre - radius * 0.75} ${centre + radius * 0.3} l${-radius * 0.3} ${radius * 0.7} l${radius * 0.8} ${-radius * 0.35}z" fill="#fff"/>` +
    `${dots}</svg>\n`
  );
}

/** Paths in the extension folder (the manifest's paths without their leading slash) and their contents. */
export function logoFiles(): Record<string, string> {
  return { [widgetPaths.logo.slice(1)]: bubble(128, true), [widgetPaths.icon.slice(1)]: bubble(32, false) };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/**
 * The channel's logo as PNG (Zoho accepts only png or jpg for `channelLogoPath`), drawn at build time like the SVGs:
 * the same bubble, rasterised by a distance test, 8-bit RGBA, no dependency.
 */
export function channelLogoPng(size = 128): Buffer {
  const centre = size / 2;
  const radius = size * 0.3;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x += 1) {
      const inBubble = Math.hypot(x + 0.5 - centre, y + 0.5 - centre * 0.94) <= radius;
      const dot = [-1, 0, 1].some(
        (offset) => Math.hypot(x + 0.5 - (centre + offset * radius * 0.42), y + 0.5 - centre * 0.94) <= radius * 0.13,
      );
      const [red, green, blue] = dot ? [0x26, 0xa6, 0x5b] : inBubble ? [0xff, 0xff, 0xff] : [0x03, 0x36, 0x3d];
      row.set([red, green, blue, 0xff], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
