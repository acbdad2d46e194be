import { encodePng, type Rgba } from './png.js';

/**
 * The app's logos, drawn at build time (no binary files in the repository): a speech bubble on a rounded
 * square. Zendesk's app asset guidelines ask for `assets/logo.png` at 320×320 (admin pages) and
 * `assets/logo-small.png` at 128×128 (the app's header), PNG with transparency and square corners
 * (Zendesk applies its own mask) — as summarised from Zendesk's "Marketing assets" page in
 * miguelcorderocollar/bundle-icon-generator docs/zendesk-icon-docs.md.
 */
export const logoSizes = { 'assets/logo.png': 320, 'assets/logo-small.png': 128 } as const;

const background: Rgba = [3, 54, 61, 255]; // Garden's "kale" tone, readable on light and dark headers
const bubble: Rgba = [255, 255, 255, 255];
const accent: Rgba = [38, 166, 91, 255];

function drawLogo(size: number): Buffer {
  const centre = size / 2;
  const radius = size * 0.3;
  return encodePng(size, size, (x, y) => {
    const dx = x + 0.5 - centre;
    const dy = y + 0.5 - centre * 0.94;
    const inBubble = dx * dx + dy * dy <= radius * radius;
    // The bubble's tail: a triangle below-left of the circle.
    const tailX = x + 0.5 - (centre - radius * 0.75);
    const tailY = y + 0.5 - (centre + radius * 0.45);
    const inTail = tailY >= 0 && tailY <= radius * 0.55 && tailX >= -tailY * 0.6 && tailX <= radius * 0.5 - tailY * 0.9;
    if (inBubble || inTail) {
      // Three dots, as in a chat bubble.
      for (const offset of [-1, 0, 1]) {
        const ddx = dx - offset * radius * 0.42;
        if (ddx * ddx + dy * dy <= (radius * 0.13) ** 2) return accent;
      }
      return bubble;
    }
    return background;
  });
}

export function logoFiles(): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(logoSizes).map(([path, size]) => [path, drawLogo(size)]));
}
