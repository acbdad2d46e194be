import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserBundle, stubOf, withoutMeta } from '../src/bundle/browser.js';

// zod exports no deep paths: its files are found beside its package.json.
const zodRoot = dirname(createRequire(import.meta.url).resolve('zod/package.json'));
const zodCore = (module: string) => join(zodRoot, 'v4', 'core', module);

describe('what the browser bundles leave out', () => {
  it.each(['to-json-schema.js', 'json-schema-processors.js'])(
    'stubs zod’s %s with every export it has, each throwing',
    async (module) => {
      const path = zodCore(module);
      const real = await import(path);
      const stub = await import(`data:text/javascript,${encodeURIComponent((await browserBundle().load(path)) ?? '')}`);
      expect(Object.keys(stub).sort()).toEqual(Object.keys(real).sort());
      expect(Object.keys(stub).length).toBeGreaterThan(3);
      for (const name of Object.keys(stub)) expect(() => stub[name]()).toThrow(/left out of the browser bundle/);
    },
  );

  it('leaves every other module alone and swaps only libphonenumber-js/max for min', async () => {
    const plugin = browserBundle();
    expect(await plugin.load(zodCore('schemas.js'))).toBeUndefined();
    const [alias] = plugin.config().resolve.alias;
    expect('libphonenumber-js/max'.replace(alias!.find, alias!.replacement)).toBe('libphonenumber-js/min');
    expect(alias!.find.test('libphonenumber-js/max/metadata')).toBe(false);
  });

  it('aliases React’s entry points to preact/compat by their exact names, and no other module', () => {
    const aliases = browserBundle().config().resolve.alias;
    const resolve = (id: string) => aliases.find((alias) => alias.find.test(id))?.replacement ?? id;
    expect(resolve('react')).toBe('preact/compat');
    expect(resolve('react-dom')).toBe('preact/compat');
    expect(resolve('react-dom/client')).toBe('preact/compat/client');
    expect(resolve('react/jsx-runtime')).toBe('preact/compat/jsx-runtime');
    for (const other of ['react-is', 'react-dom/server', 'react-transition-group', '@zendeskgarden/react-forms', 'reactive']) {
      expect(resolve(other)).toBe(other);
    }
  });

  it('names renamed exports as they are exported', () => {
    const stub = stubOf('export function a() {}\nexport const b = 1;\nfunction c() {}\nexport { c as d, a as e };\n');
    expect(stub.match(/export const (\w+)/g)?.map((line) => line.slice('export const '.length))).toEqual(['a', 'b', 'd', 'e']);
  });

  it('cuts .meta(…) calls from the shared schemas, and nothing that only looks like one', () => {
    const source = [
      "const a = z.string().meta({ description: 'A (with parens) and .meta( in text' }).optional().meta({ id: 'A' });",
      "const b = z.object({ c: z.number().meta({ example: 1 }) }).meta({ id: 'B', description: `x ${'.meta('}` });",
      '// a comment that says .meta({ no })',
      "const text = 'z.string().meta({ kept })';",
      'const d = e.meta();',
    ].join('\n');
    expect(withoutMeta(source)).toBe(
      [
        'const a = z.string().optional();',
        'const b = z.object({ c: z.number() });',
        '// a comment that says .meta({ no })',
        "const text = 'z.string().meta({ kept })';",
        'const d = e.meta();',
      ].join('\n'),
    );
  });

  it('cuts every .meta( of a contract file, keeping its exports', async () => {
    const plugin = browserBundle();
    const path = join(dirname(new URL(import.meta.url).pathname), '..', 'src', 'contract', 'media.ts');
    const cut = await plugin.load(path);
    expect(cut).toBeDefined();
    expect(cut).not.toContain('.meta(');
    expect(cut).toContain('export const sendMediaContent');
  });
});
