import { readFileSync } from 'node:fs';

/** The bridge's version, from its package.json (the same from src/ and dist/). */
export const bridgeVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
