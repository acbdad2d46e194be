import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../definition/png.js';
import { readAppFolder, unzipApp, zipApp } from '../scripts/package.js';
import { type PackageFiles, validateAppPackage } from '../scripts/validate.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const token = `wbi_${'A1b2C3d4'.repeat(5)}`;

/** Builds the app with Vite into a temporary folder (tests never touch dist/, which other runs may be using). */
async function build(outDir: string): Promise<void> {
  const vite = join(repositoryRoot, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', 'zendesk-app/vite.config.ts', '--outDir', outDir], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`vite build failed:\n${output}`);
}

const text = (files: PackageFiles, path: string) => new TextDecoder().decode(files.get(path));
// biome-ignore lint/suspicious/noExplicitAny: each case edits the JSON where it likes; a precise type would only add casts.
const withJson = (files: PackageFiles, path: string, change: (json: Record<string, any>) => void): PackageFiles => {
  const copy = new Map(files);
  const json = JSON.parse(text(files, path));
  change(json);
  copy.set(path, new TextEncoder().encode(JSON.stringify(json)));
  return copy;
};
const withFile = (files: PackageFiles, path: string, content: string | Uint8Array | null): PackageFiles => {
  const copy = new Map(files);
  if (content === null) copy.delete(path);
  else copy.set(path, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  return copy;
};

describe('the Zendesk app package', () => {
  let outDir: string;
  let files: PackageFiles;
  const options = { forbiddenStrings: [repositoryRoot] };

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wabridge-zendesk-package-'));
    await build(outDir);
    // What Zendesk receives: the zip, read back.
    files = await unzipApp(await zipApp(await readAppFolder(outDir)));
  }, 120_000);
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('zips the app folder with its files at the root, and passes every rule', () => {
    expect([...files.keys()].filter((path) => !path.startsWith('assets/iframe-'))).toEqual([
      'assets/iframe.html',
      'assets/logo-small.png',
      'assets/logo.png',
      'manifest.json',
      'requirements.json',
      'translations/en.json',
      'translations/ja.json',
    ]);
    expect(validateAppPackage(files, options)).toEqual([]);
  });

  it('generates the manifest Zendesk expects, and says it is generated', () => {
    const manifest = JSON.parse(text(files, 'manifest.json'));
    expect(manifest._generated).toMatch(/Generated at build time .* do not edit/);
    expect(manifest).toMatchObject({
      frameworkVersion: '2.0',
      defaultLocale: 'en',
      private: true,
      location: { support: { ticket_sidebar: { url: 'assets/iframe.html', flexible: true } } },
    });
    expect(manifest.parameters).toEqual([
      { name: 'bridge_url', type: 'url', required: true },
      { name: 'deployment_id', type: 'text', required: true },
      { name: 'installation_token', type: 'text', required: true, secure: true, scopes: ['header'] },
      { name: 'phone_field', type: 'text', required: false },
    ]);
    expect(JSON.parse(text(files, 'translations/ja.json')).app.parameters.installation_token.label).toBe('インストールトークン');
  });

  it('declares the automations webhook, the example triggers and the macros, with no secret', () => {
    const requirements = JSON.parse(text(files, 'requirements.json'));
    expect(Object.keys(requirements)).toEqual(['webhooks', 'triggers', 'macros']);
    expect(requirements.webhooks.wabridge_automations).toMatchObject({
      endpoint: 'https://bridge.wabridge.example/v1/automations/zendesk',
      http_method: 'POST',
      request_format: 'json',
      subscriptions: ['conditional_ticket_events'],
    });
    expect(requirements.webhooks.wabridge_automations.signing_secret).toBeUndefined();
    const solved = requirements.triggers.wa_solved_satisfaction;
    expect(solved.conditions.all).toEqual([{ field: 'status', operator: 'value', value: 'solved' }]);
    expect(JSON.parse(solved.actions[0].value[1])).toMatchObject({
      ticket_url: '{{ticket.url}}',
      ticket_updated_at: '{{ticket.updated_at_with_timestamp}}',
      automation: 'wa_solved_satisfaction',
      phone: '{{ticket.requester.phone}}',
      template: 'satisfaction_survey',
    });
    expect(requirements.triggers.wa_send_order_update.actions[1]).toEqual({
      field: 'remove_tags',
      value: 'wa_send_order_update',
    });
    expect(requirements.macros.wa_macro_order_update.actions).toEqual([{ field: 'current_tags', value: 'wa_send_order_update' }]);
  });

  it('loads its script by a relative path and stays within the size budget', () => {
    const html = text(files, 'assets/iframe.html');
    expect(html).toMatch(/src="(\.\.\/assets\/|\.\/)iframe-[\w-]+\.js"/);
    const code = [...files].filter(([path]) => /\.(js|css)$/.test(path));
    const gzippedBytes = code.reduce((total, [, bytes]) => total + gzipSync(bytes, { level: 9 }).length, 0);
    process.stdout.write(`zendesk app JS+CSS: ${code.length} files, ${(gzippedBytes / 1024).toFixed(1)} KiB gzipped\n`);
    // 200 KiB: 198 KiB measured (test/BENCHMARKS.md, "Bundle sizes"), with libphonenumber-js's min metadata and
    // without zod's JSON Schema code (shared/src/bundle/browser.ts); 223 KiB before. The live conversation (issue #11:
    // the conversation view, the event-stream client, the stream-token and conversation schemas) adds about 3 KiB.
    // Attaching files (issue #15) added 4 KiB; cutting the schemas' `.meta()` from the browser build took 8.7 KiB
    // off: 198.2 KiB. React and React DOM as Preact's compat layer (shared/src/bundle/browser.ts) and a client of the
    // panel's own routes only (contract/routes/panel.ts) brought it to 147 KiB: within issue #15's goal of 160 KB,
    // which is now the budget (read as 160,000 bytes, the stricter reading).
    expect(gzippedBytes).toBeLessThanOrEqual(160_000);
  });

  /** Each case breaks one rule on a copy of the real package; the validator must name that rule. */
  const broken: [string, string, (files: PackageFiles) => PackageFiles][] = [
    ['manifest', 'no manifest', (f) => withFile(f, 'manifest.json', null)],
    ['json', 'a manifest that is not JSON', (f) => withFile(f, 'manifest.json', '{ "name": ')],
    [
      'manifest',
      'frameworkVersion 1.0',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.frameworkVersion = '1.0';
        }),
    ],
    [
      'manifest',
      'no author',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          delete m.author;
        }),
    ],
    [
      'manifest',
      'private as a string',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.private = 'true';
        }),
    ],
    [
      'manifest',
      'a URL in domainWhitelist',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.domainWhitelist = ['https://x.example'];
        }),
    ],
    [
      'parameters',
      'a password parameter',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters[1].type = 'password';
        }),
    ],
    [
      'parameters',
      'a secure parameter without scopes',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          delete m.parameters[2].scopes;
        }),
    ],
    [
      'parameters',
      'an unknown scope',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters[2].scopes = ['cookie'];
        }),
    ],
    [
      'parameters',
      'a token that is not secure',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters[2] = { name: 'installation_token', type: 'text', required: true };
        }),
    ],
    [
      'parameters',
      'a duplicate parameter',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters.push(m.parameters[0]);
        }),
    ],
    [
      'parameters',
      'a required hidden parameter',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters.push({ name: 'h', type: 'hidden', required: true });
        }),
    ],
    [
      'parameters',
      'a parameter called name',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.parameters[1].name = 'name';
        }),
    ],
    [
      'parameters',
      'secure settings with no whitelisted domain',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.domainWhitelist = [];
        }),
    ],
    [
      'location',
      'a location file missing from the package',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.location.support.ticket_sidebar.url = 'assets/sidebar.html';
        }),
    ],
    [
      'location',
      'an http location',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.location.support.ticket_sidebar.url = 'http://app.example/';
        }),
    ],
    [
      'location',
      'an unknown location',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.location.support.ticket_sidebars = m.location.support.ticket_sidebar;
        }),
    ],
    [
      'location',
      'flexible as a string',
      (f) =>
        withJson(f, 'manifest.json', (m) => {
          m.location.support.ticket_sidebar.flexible = 'yes';
        }),
    ],
    [
      'assets',
      'a script the page loads but the package lacks',
      (f) => withFile(f, [...f.keys()].find((p) => p.endsWith('.js'))!, null),
    ],
    [
      'assets',
      'an absolute script path',
      (f) => withFile(f, 'assets/iframe.html', text(f, 'assets/iframe.html').replace(/src="[^"]+"/, 'src="/main.js"')),
    ],
    [
      'translations',
      'no app.name',
      (f) =>
        withJson(f, 'translations/en.json', (t) => {
          delete t.app.name;
        }),
    ],
    [
      'translations',
      'no installation instructions',
      (f) =>
        withJson(f, 'translations/en.json', (t) => {
          delete t.app.installation_instructions;
        }),
    ],
    [
      'translations',
      'a parameter without a label',
      (f) =>
        withJson(f, 'translations/en.json', (t) => {
          delete t.app.parameters.phone_field.label;
        }),
    ],
    [
      'translations',
      'ja.json lacking a key en.json has',
      (f) =>
        withJson(f, 'translations/ja.json', (t) => {
          delete t.app.parameters.phone_field.helpText;
        }),
    ],
    ['translations', 'no en.json', (f) => withFile(f, 'translations/en.json', null)],
    ['logos', 'no small logo', (f) => withFile(f, 'assets/logo-small.png', null)],
    [
      'logos',
      'a logo of the wrong size',
      (f) =>
        withFile(
          f,
          'assets/logo.png',
          encodePng(64, 64, () => [0, 0, 0, 255]),
        ),
    ],
    ['logos', 'a logo that is not a PNG', (f) => withFile(f, 'assets/logo.png', 'GIF89a')],
    ['source-maps', 'a source map', (f) => withFile(f, 'assets/iframe.js.map', '{"version":3}')],
    [
      'source-maps',
      'a sourceMappingURL comment',
      (f) => withFile(f, 'assets/extra.js', 'x();\n//# sourceMappingURL=extra.js.map'),
    ],
    ['paths', 'the build machine’s path', (f) => withFile(f, 'assets/extra.js', `const root = "${repositoryRoot}src";`)],
    [
      'secrets',
      'an installation token',
      (f) => withFile(f, 'assets/extra.js', `fetch(u, {headers: {Authorization: "Bearer ${token}"}})`),
    ],
    ['secrets', 'a private key', (f) => withFile(f, 'assets/key.txt', '-----BEGIN RSA PRIVATE KEY-----\nMIIE…')],
    ['files', 'a file outside assets and translations', (f) => withFile(f, 'node_modules/x/index.js', 'x')],
    ['files', 'a dotfile', (f) => withFile(f, 'assets/.env', 'A=1')],
    ['requirements', 'requirements.json that is not an object', (f) => withFile(f, 'requirements.json', '[]')],
    [
      'requirements',
      'an unknown resource type (Zendesk refuses the install)',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r._note = { x: {} };
        }),
    ],
    [
      'requirements',
      'a signing secret in the package',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.webhooks.wabridge_automations.signing_secret = { algorithm: 'SHA256', secret: 'same-for-everyone' };
        }),
    ],
    [
      'requirements',
      'a webhook to another endpoint',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.webhooks.wabridge_automations.endpoint = 'https://bridge.example/v1/messages';
        }),
    ],
    [
      'requirements',
      'a webhook not subscribed to trigger events',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.webhooks.wabridge_automations.subscriptions = [];
        }),
    ],
    [
      'requirements',
      'a trigger naming an undeclared webhook',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.triggers.wa_solved_satisfaction.actions[0].value[0] = 'other_webhook';
        }),
    ],
    [
      'requirements',
      "a trigger whose body's automation is not its key",
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          const action = r.triggers.wa_solved_satisfaction.actions[0];
          action.value[1] = action.value[1].replace('"automation":"wa_solved_satisfaction"', '"automation":"other"');
        }),
    ],
    [
      'requirements',
      'a trigger body without the ticket update',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          const action = r.triggers.wa_solved_satisfaction.actions[0];
          const body = JSON.parse(action.value[1]);
          delete body.ticket_updated_at;
          action.value[1] = JSON.stringify(body);
        }),
    ],
    [
      'requirements',
      'a tag trigger that keeps its tag (it would send on every update)',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.triggers.wa_send_order_update.actions.pop();
        }),
    ],
    [
      'requirements',
      'a macro adding a tag no trigger acts on',
      (f) =>
        withJson(f, 'requirements.json', (r) => {
          r.macros.wa_macro_order_update.actions[0].value = 'wa_send_unknown';
        }),
    ],
  ];
  it.each(broken)('names the rule "%s" for %s', (rule, _case, breakPackage) => {
    const problems = validateAppPackage(breakPackage(files), options);
    expect(problems.map((problem) => problem.rule)).toContain(rule);
  });
});
