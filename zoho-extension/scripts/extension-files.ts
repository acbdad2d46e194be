/**
 * The files of the Zoho Desk extension that are not the widget's bundle: `plugin-manifest.json`, `resources.json`,
 * `app/translations/*.json` and the images, generated from zoho-extension/definition/ at build time (the Vite plugin
 * below emits them next to the bundle). JSON has no comments and Zoho's loader is strict about the manifest, so
 * these files carry no "generated" marker: they only ever exist in build output (dist/), never in the sources.
 */
import type { Plugin } from 'vite';
import { buildResources, channelLogoPath } from '../definition/channel.js';
import { channelLogoPng, logoFiles } from '../definition/logos.js';
import { buildManifest } from '../definition/manifest.js';
import en from '../definition/translations/en.json' with { type: 'json' };
import ja from '../definition/translations/ja.json' with { type: 'json' };

export const translationSources = { en, ja } as const;

/**
 * `resources.json` declares Zoho Desk resources the extension brings; ours is the WhatsApp channel (its pull and push
 * endpoints on the bridge, see definition/channel.ts), whose logo must be a PNG or JPEG file.
 */
export function extensionFiles(environment: NodeJS.ProcessEnv = process.env): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = {
    'plugin-manifest.json': `${JSON.stringify(buildManifest(environment), null, 2)}\n`,
    'resources.json': `${JSON.stringify(buildResources(environment), null, 2)}\n`,
    ...logoFiles(),
    [channelLogoPath.slice(1)]: channelLogoPng(),
  };
  for (const [locale, translations] of Object.entries(translationSources)) {
    files[`app/translations/${locale}.json`] = `${JSON.stringify(translations, null, 2)}\n`;
  }
  return files;
}

/** Emits the generated files next to the bundle, so the output folder is the complete extension project. */
export function zohoExtensionFiles(): Plugin {
  return {
    name: 'wabridge-zoho-extension-files',
    apply: 'build',
    generateBundle() {
      for (const [fileName, source] of Object.entries(extensionFiles())) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
