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
