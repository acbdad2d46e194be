/**
 * The files of the Zendesk app package that are not the bundle itself: `manifest.json`, `translations/*.json`
 * and the logos, generated from zendesk-app/definition/ at build time (the Vite plugin below emits them).
 */
import type { Plugin } from 'vite';
import { logoFiles } from '../definition/logos.js';
import { buildManifest } from '../definition/manifest.js';
import { buildRequirements } from '../definition/requirements.js';
import en from '../definition/translations/en.json' with { type: 'json' };
import ja from '../definition/translations/ja.json' with { type: 'json' };

export const translationSources = { en, ja } as const;

const generatedNote = (source: string) =>
  `Generated at build time by zendesk-app/scripts/app-files.ts from zendesk-app/definition/${source}; do not edit.`;

export function appFiles(environment: NodeJS.ProcessEnv = process.env): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {
    // Zendesk ignores keys it does not know; the note keeps the generated file from being edited by hand.
    'manifest.json': `${JSON.stringify({ _generated: generatedNote('manifest.ts'), ...buildManifest(environment) }, null, 2)}\n`,
    // No note here: Zendesk refuses a requirements.json with a top-level key that is not a resource type.
    'requirements.json': `${JSON.stringify(buildRequirements(environment), null, 2)}\n`,
    ...logoFiles(),
  };
  for (const [locale, translations] of Object.entries(translationSources)) {
    const note = { _warning: generatedNote(`translations/${locale}.json`) };
    files[`translations/${locale}.json`] = `${JSON.stringify({ ...note, ...translations }, null, 2)}\n`;
  }
  return files;
}

/** Emits the generated files next to the bundle, so `dist/app/` is the complete app folder. */
export function zendeskAppFiles(): Plugin {
  return {
    name: 'wabridge-zendesk-app-files',
    apply: 'build',
    generateBundle() {
      for (const [fileName, source] of Object.entries(appFiles())) this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
