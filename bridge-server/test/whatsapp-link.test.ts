import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { waMeUrl, whatsAppLinkOf } from '../src/numbers/link.js';

// jsQR is CommonJS whose typings declare an ES default export: under NodeNext the default import is the module object.
const jsQR = jsQRModule.default;

/**
 * Draws the SVG `qrcode` renders (one white background path, then one stroked path of horizontal runs:
 * `M x y.5` / `m dx dy` moves, `h n` a run of n dark modules) as RGBA pixels, `scale` pixels a module, for a decoder
 * to read. Anything else in the SVG fails the test: the drawing is what a browser would show.
 */
function rasterize(svg: string, scale = 4): { data: Uint8ClampedArray; width: number; height: number } {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1];
  if (!Number.isInteger(size) || path === undefined) throw new Error(`not the SVG qrcode draws: ${svg.slice(0, 200)}`);
  const width = size * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of path.matchAll(/([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    const first = Number(a);
    if (command === 'M') [x, y] = [first, Number(b)];
    else if (command === 'm') [x, y] = [x + first, y + Number(b)];
    else {
      const row = Math.floor(y);
      for (let column = x; column < x + first; column += 1) {
        for (let dy = 0; dy < scale; dy += 1) {
          for (let dx = 0; dx < scale; dx += 1) {
            const at = ((row * scale + dy) * width + column * scale + dx) * 4;
            data.fill(0, at, at + 3);
          }
        }
      }
      x += first;
    }
  }
  return { data, width, height: width };
}

describe('the number’s wa.me link and its QR code', () => {
  it('puts the international number’s digits in the path and the prefilled text URL-encoded (%20, not +)', () => {
    expect(waMeUrl('+81 3-4510-0001', undefined)).toBe('https://wa.me/81345100001');
    expect(waMeUrl('+1 (555) 010-9999', 'Hi there & more')).toBe('https://wa.me/15550109999?text=Hi%20there%20%26%20more');
    expect(waMeUrl('+81 3-4510-0001', '注文について')).toBe(
      `https://wa.me/81345100001?text=${encodeURIComponent('注文について')}`,
    );
  });

  it('draws a QR code that a decoder reads back as exactly the link', async () => {
    for (const text of [undefined, '注文について: 12345', 'x'.repeat(1000)]) {
      const link = await whatsAppLinkOf('+81 3-4510-0001', text);
      expect(link.qr_svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
      const image = rasterize(link.qr_svg);
      const decoded = jsQR(image.data, image.width, image.height);
      expect(decoded?.data, `text ${text?.slice(0, 20)}`).toBe(link.url);
    }
  });

  it('draws the same link the same way every time, and another link differently', async () => {
    const first = await whatsAppLinkOf('+81 3-4510-0001', 'hello');
    const again = await whatsAppLinkOf('+81 3-4510-0001', 'hello');
    const other = await whatsAppLinkOf('+81 3-4510-0001', 'hello!');
    expect(again).toEqual(first);
    expect(other.qr_svg).not.toBe(first.qr_svg);
    const image = rasterize(other.qr_svg);
    expect(jsQR(image.data, image.width, image.height)?.data).toBe(other.url);
  });
});
