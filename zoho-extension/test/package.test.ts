import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExtension, type PackageFiles } from '../scripts/checks.js';
import { compareWithFolder, packageExtension, readExtensionFolder, unzipExtension } from '../scripts/package.js';
import { buildExtension } from './build.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const token = `wbi_${'A1b2C3d4'.repeat(5)}`;

const text = (files: PackageFiles, path: string) => new TextDecoder().decode(files.get(path));
// biome-ignore lint/suspicious/noExplicitAny: each case edits the JSON where it likes; a precise type would only add casts.
const withJson = (files: PackageFiles, path: string, change: (json: Record<string, any>) => void): PackageFiles => {
  const copy = new Map(files);
  const json = JSON.parse(text(files, path));
  change(json);
  copy.set(path, new TextEncoder().encode(JSON.stringify(json)));
  return copy;
};
const withFile = (files: PackageFiles, path: string, content: string | null): PackageFiles => {
  const copy = new Map(files);
  if (content === null) copy.delete(path);
  else copy.set(path, new TextEncoder().encode(content));
  return copy;
};
const script = (files: PackageFiles) => [...files.keys()].find((path) => /^app\/assets\/.+\.js$/.test(path))!;

describe('the Zoho Desk extension package', () => {
  let workDir: string;
  let folder: string;
  let zipPath: string;
  let files: PackageFiles;
  const options = { forbiddenStrings: [repositoryRoot] };

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'wabridge-zoho-package-'));
    folder = join(workDir, 'wabridge-zoho');
    zipPath = join(workDir, 'wabridge-zoho.zip');
    await buildExtension(folder, { WABRIDGE_BRIDGE_ORIGIN: 'https://bridge.test.example' });
    expect(await packageExtension(folder, zipPath, options)).toEqual([]);
    // What Zoho Desk receives: zet's zip, read back.
    files = await unzipExtension(await readFile(zipPath));
  }, 180_000);
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('is packed by zet with every file of the folder, and passes every rule', async () => {
    expect([...files.keys()].filter((path) => !path.startsWith('app/assets/'))).toEqual([
      'app/img/channel-logo.png',
      'app/img/icon.svg',
      'app/img/logo.svg',
      'app/translations/en.json',
      'app/translations/ja.json',
      'app/widget.html',
      'plugin-manifest.json',
      'resources.json',
    ]);
    expect(compareWithFolder(await readExtensionFolder(folder), files)).toEqual([]);
    expect(checkExtension(files, options)).toEqual([]);
  });

  it('generates the manifest Zoho Desk expects, with the bridge white-listed at build time', () => {
    const manifest = JSON.parse(text(files, 'plugin-manifest.json'));
    expect(manifest).toMatchObject({
      service: 'DESK',
      type: 'org',
      locale: ['en', 'ja'],
      storage: false,
      moduleSupport: false,
      whiteListedDomains: ['https://bridge.test.example'],
      modules: { widgets: [{ location: 'desk.ticket.detail.rightpanel', url: '/app/widget.html' }] },
    });
    expect(manifest.config.map((parameter: { name: string; secure: boolean }) => [parameter.name, parameter.secure])).toEqual([
      ['bridge_url', false],
      ['deployment_id', false],
      ['installation_token', true],
      ['phone_field', false],
    ]);
    expect(JSON.parse(text(files, 'app/translations/ja.json')).config.installation_token.label).toBe('インストールトークン');
  });

  it('declares the WhatsApp channel with the bridge’s pull and push endpoints and a PNG logo', () => {
    expect(JSON.parse(text(files, 'resources.json'))).toEqual({
      channels: [
        {
          resourceName: 'wabridge_whatsapp',
          channelLogoPath: '/app/img/channel-logo.png',
          acceptAttachments: false,
          updateRecords: false,
          contentTypes: ['text/plain'],
          includeQuotedMessage: false,
          sync: {
            push: 'https://bridge.test.example/v1/channels/zoho/push',
            pull: 'https://bridge.test.example/v1/channels/zoho/pull',
          },
        },
      ],
    });
    const logo = files.get('app/img/channel-logo.png')!;
    expect(Buffer.from(logo.subarray(0, 8)).toString('hex')).toBe('89504e470d0a1a0a');
    expect(logo.byteLength).toBeLessThan(500 * 1024);
  });

  it('loads Zoho’s SDK and its own script by a relative path, uses the token placeholder, and stays within budget', () => {
    const html = text(files, 'app/widget.html');
    expect(html).toContain('https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js');
    expect(html).toMatch(/src="(\.\.\/app\/assets\/|\.\/assets\/)widget-[\w-]+\.js"/);
    expect(text(files, script(files))).toContain('{{installation_token}}');
    const code = [...files].filter(([path]) => /\.(js|css)$/.test(path));
    const gzippedBytes = code.reduce((total, [, bytes]) => total + gzipSync(bytes, { level: 9 }).length, 0);
    // 157 KiB measured (test/BENCHMARKS.md, "Bundle sizes"), with libphonenumber-js's min metadata and without zod's
    // JSON Schema code (shared/src/bundle/browser.ts); 182 KiB before. The live conversation and the compact panel
    // (issues #11, #15) brought it to 161.6 KiB, attaching files to 166.1 KiB; cutting the schemas' `.meta()` from the
    // browser build (shared/src/bundle/browser.ts) to 157.0 KiB; Preact's compat layer for React and the panel's own
    // route table to 105 KiB. The budget is issue #15's goal of 160 KB (160,000 bytes, the stricter reading).
    expect(gzippedBytes).toBeLessThanOrEqual(160_000);
  });

  /** Each case breaks one rule on a copy of the real package; the check must name that rule. */
  const broken: [string, string, (files: PackageFiles) => PackageFiles][] = [
    ['required', 'no resources.json', (f) => withFile(f, 'resources.json', null)],
    [
      'resources',
      'a channel logo that is not png or jpg',
      (f) =>
        withJson(f, 'resources.json', (r) => {
          r.channels[0].channelLogoPath = '/app/img/logo.svg';
        }),
    ],
    [
      'resources',
      'a channel without a push endpoint',
      (f) =>
        withJson(f, 'resources.json', (r) => {
          delete r.channels[0].sync.push;
        }),
    ],
    [
      'resources',
      'a channel pulled over plain http',
      (f) =>
        withJson(f, 'resources.json', (r) => {
          r.channels[0].sync.pull = 'http://bridge.example.com/v1/channels/zoho/pull';
        }),
    ],
    [
      'resources',
      'a content type Zoho does not allow',
      (f) =>
        withJson(f, 'resources.json', (r) => {
          r.channels[0].contentTypes = ['text/markdown'];
        }),
    ],
    ['json', 'a manifest that is not JSON', (f) => withFile(f, 'plugin-manifest.json', '{ "service": ')],
    [
      'manifest',
      'another service',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.service = 'CRM';
        }),
    ],
    [
      'manifest',
      'moduleSupport on',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.moduleSupport = true;
        }),
    ],
    [
      'location',
      'an unknown location (zet validate accepts it)',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.modules.widgets[0].location = 'desk.ticket.detail.rightpane';
        }),
    ],
    [
      'widgets',
      'a widget page missing from the package',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.modules.widgets[0].url = '/app/panel.html';
        }),
    ],
    [
      'widgets',
      'no widgets',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.modules.widgets = [];
        }),
    ],
    [
      'placeholders',
      'a placeholder no config parameter defines',
      (f) => withFile(f, script(f), `${text(f, script(f))}\nconst h = "Bearer {{api_token}}";`),
    ],
    [
      'placeholders',
      'the token parameter renamed in the manifest only',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.config[2].name = 'bridge_token';
        }),
    ],
    [
      'secure',
      'the token parameter not secure',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.config[2].secure = false;
        }),
    ],
    [
      'secure',
      'no white-listed domain',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.whiteListedDomains = [];
        }),
    ],
    [
      'domains',
      'a host name instead of an https origin',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.whiteListedDomains = ['bridge.example.com'];
        }),
    ],
    [
      'translations',
      'ja.json lacking a key en.json has',
      (f) =>
        withJson(f, 'app/translations/ja.json', (t) => {
          delete t.config.phone_field.help;
        }),
    ],
    ['translations', 'no ja.json', (f) => withFile(f, 'app/translations/ja.json', null)],
    [
      'translations',
      'Japanese not declared',
      (f) =>
        withJson(f, 'plugin-manifest.json', (m) => {
          m.locale = ['en'];
        }),
    ],
    ['source-maps', 'a source map', (f) => withFile(f, 'app/assets/widget.js.map', '{"version":3}')],
    [
      'source-maps',
      'a sourceMappingURL comment',
      (f) => withFile(f, 'app/assets/extra.js', 'x();\n//# sourceMappingURL=extra.js.map'),
    ],
    ['dropped-by-zet', 'a .webp image', (f) => withFile(f, 'app/img/photo.webp', 'RIFF')],
    ['dropped-by-zet', 'an .mjs module', (f) => withFile(f, 'app/assets/chunk.mjs', 'export {}')],
    ['file-names', 'a file name over 50 characters', (f) => withFile(f, `app/assets/${'a'.repeat(48)}.js`, 'x')],
    ['file-names', 'a space in a file name', (f) => withFile(f, 'app/assets/my chunk.js', 'x')],
    [
      'assets',
      'an absolute script path',
      (f) => withFile(f, 'app/widget.html', text(f, 'app/widget.html').replace(/src="\.[^"]+"/, 'src="/main.js"')),
    ],
    ['assets', 'a script the page loads but the package lacks', (f) => withFile(f, script(f), null)],
    ['paths', 'the build machine’s path', (f) => withFile(f, 'app/assets/extra.js', `const root = "${repositoryRoot}src";`)],
    ['secrets', 'an installation token', (f) => withFile(f, 'app/assets/extra.js', `const t = "Bearer ${token}";`)],
    ['files', 'a file outside app/', (f) => withFile(f, 'server/index.js', 'x')],
  ];
  it.each(broken)('names the rule "%s" for %s', (rule, _case, breakPackage) => {
    expect(checkExtension(files, options)).toEqual([]);
    const problems = checkExtension(breakPackage(files), options);
    expect(problems.map((problem) => problem.rule)).toContain(rule);
  });

  it('notices a zip that lacks a file of the folder, or holds it differently', async () => {
    const folderFiles = await readExtensionFolder(folder);
    expect(compareWithFolder(folderFiles, withFile(files, 'app/translations/ja.json', null))).toEqual([
      'app/translations/ja.json is missing from the zip',
    ]);
    expect(compareWithFolder(folderFiles, withFile(files, 'resources.json', '{"x":1}'))).toEqual([
      'resources.json differs in the zip',
    ]);
  });

  describe('when zet misbehaves', () => {
    let copy: string;
    beforeAll(async () => {
      copy = join(workDir, 'broken', 'wabridge-zoho');
      await mkdir(join(workDir, 'broken'), { recursive: true });
      await cp(folder, copy, { recursive: true });
    });

    it('fails instead of shipping the 0-byte zip zet leaves when its prepack hears a line on standard error', async () => {
      // zet's prepack spawns npm; this one writes a warning, as a real npm may, and zet then exits 0 with an empty zip.
      const bin = join(workDir, 'noisy-npm');
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, 'npm'), '#!/bin/sh\necho "npm warn config something" >&2\n');
      await chmod(join(bin, 'npm'), 0o755);
      const output = join(workDir, 'noisy.zip');
      const problems = await packageExtension(copy, output, {
        ...options,
        environment: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/zet pack left an empty zip/);
      await expect(readFile(output)).rejects.toThrow(/ENOENT/);
    }, 60_000);

    it('fails when zet validate refuses the manifest', async () => {
      const manifestPath = join(copy, 'plugin-manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      delete manifest.connectors;
      await writeFile(manifestPath, JSON.stringify(manifest));
      const problems = await packageExtension(copy, join(workDir, 'invalid.zip'), options);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/zet validate failed[\s\S]*connectors/);
    }, 60_000);
  });
});
