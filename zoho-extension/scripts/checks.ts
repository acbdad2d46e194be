/**
 * Our own checks of a Zoho Desk extension package, for what `zet validate` does not look at (zoho-extension-toolkit
 * 1.0.24 checks keys, types, file names and sizes, but not location names, not which `{{placeholders}}` the
 * widget uses, not what the files contain). Each problem names its rule, so a test can break one rule at a time
 * and see it named. Run on the built folder before `zet pack` and on the zip it produced.
 */
export interface Problem {
  rule: string;
  message: string;
  file?: string;
}

export interface CheckOptions {
  /** Exact strings that must not appear in any file (the build machine's paths, test secrets). */
  forbiddenStrings?: string[];
}

export type PackageFiles = Map<string, Uint8Array>;

/** Widget locations in Zoho Desk (zoho.com/desk/extensions/guide/WidgetLocations.html). */
export const deskLocations = [
  'desk.ticket.detail.rightpanel',
  'desk.ticket.detail.subtab',
  'desk.ticket.detail.lefttab',
  'desk.ticket.detail.moreaction',
  'desk.ticket.thread.moreaction',
  'desk.ticket.form.rightpanel',
  'desk.contact.detail.rightpanel',
  'desk.contact.detail.subtab',
  'desk.contact.detail.lefttab',
  'desk.contact.form.rightpanel',
  'desk.account.detail.rightpanel',
  'desk.account.detail.subtab',
  'desk.account.detail.lefttab',
  'desk.account.form.rightpanel',
  'desk.ticket.blueprint.transition',
  'desk.topband',
  'desk.bottomband',
  'desk.extension.telephony',
  'desk.background',
  'desk.extension.preference',
];
/** What zet's packer keeps (lib/commands/constants.js, ALLOWED_EXTNS) and its name rule (FileCheckRule.js). */
const packedExtensions = /\.(jpg|jpeg|png|gif|svg|css|woff|woff2|ttf|eot|webm|js|mp3|mp4|json|txt|md|xml|html)$/;
const fileNamePattern = /^[A-Za-z0-9_.$-]{1,50}$/;
const filesMax = 250;
const fileBytesMax = 5_000_000;
/** Zoho's SDK is the one script a widget may load from outside the package. */
export const zohoSdkUrl = 'https://js.zohostatic.com/support/developer_sdk/v1/js/ZohoDeskClientSDK.min.js';
/** `{{name}}` where name could be a config parameter (Zoho names start with a letter); `{{1}}` is WhatsApp's. */
const placeholderPattern = /\{\{([A-Za-z][A-Za-z0-9_-]*)\}\}/g;
/** Secrets that must never ship: ours first, then common ones. */
const secretPatterns: [string, RegExp][] = [
  ['wabridge installation token', /wbi_[A-Za-z0-9_-]{20,}/],
  ['wabridge admin token', /\b[0-9a-f]{64}\b/],
  ['Meta access token', /\bEAA[A-Za-z0-9]{30,}/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['AWS access key id', /\bAKIA[0-9A-Z]{16}\b/],
];
const textFiles = /\.(json|html|js|mjs|css|txt|svg|md|xml|map)$/;

const decoder = new TextDecoder();
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(files: PackageFiles, path: string, problems: Problem[]): unknown {
  try {
    return JSON.parse(decoder.decode(files.get(path)));
  } catch (error) {
    problems.push({ rule: 'json', file: path, message: `${path} is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

function checkWidgets(manifest: Record<string, unknown>, files: PackageFiles, problems: Problem[]): void {
  const problem = (message: string, file = 'plugin-manifest.json') => problems.push({ rule: 'widgets', file, message });
  const widgets = isObject(manifest.modules) ? manifest.modules.widgets : undefined;
  if (!Array.isArray(widgets) || widgets.length === 0) {
    problem('"modules.widgets" must list at least one widget');
    return;
  }
  for (const widget of widgets as unknown[]) {
    if (!isObject(widget)) {
      problem('every widget must be an object');
      continue;
    }
    const name = String(widget.name);
    if (typeof widget.location !== 'string' || !deskLocations.includes(widget.location)) {
      problems.push({
        rule: 'location',
        file: 'plugin-manifest.json',
        message: `widget "${name}" has unknown location "${String(widget.location)}"`,
      });
    }
    for (const key of ['url', 'logo', 'icon']) {
      const path = widget[key];
      if (typeof path !== 'string' || !path.startsWith('/app/') || !files.has(path.slice(1))) {
        problem(`widget "${name}".${key} "${String(path)}" must be a file under /app/ in the package`);
      }
    }
    if (typeof widget.url === 'string' && files.has(widget.url.slice(1)))
      checkHtmlReferences(widget.url.slice(1), files, problems);
  }
}

/** The scripts and styles a widget page loads must be relative and present (Zoho serves the app under its own prefix). */
function checkHtmlReferences(htmlPath: string, files: PackageFiles, problems: Problem[]): void {
  const html = decoder.decode(files.get(htmlPath));
  const directory = htmlPath.slice(0, htmlPath.lastIndexOf('/') + 1);
  for (const match of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)) {
    const reference = match[1]!;
    if (reference === zohoSdkUrl) continue;
    if (/^(https?:)?\/\//.test(reference) || reference.startsWith('/')) {
      problems.push({
        rule: 'assets',
        file: htmlPath,
        message: `${htmlPath} loads "${reference}": assets must be relative paths in the package`,
      });
      continue;
    }
    const resolved = new URL(reference, `file:///${directory}`).pathname.slice(1);
    if (!files.has(resolved))
      problems.push({ rule: 'assets', file: htmlPath, message: `${htmlPath} loads "${reference}", which is not in the package` });
  }
}

function checkConfig(manifest: Record<string, unknown>, files: PackageFiles, problems: Problem[]): void {
  const problem = (rule: string, message: string) => problems.push({ rule, file: 'plugin-manifest.json', message });
  const config = Array.isArray(manifest.config) ? manifest.config.filter(isObject) : [];
  const names = new Set(config.map((parameter) => String(parameter.name)));
  for (const parameter of config) {
    if (/token|secret|password|key/i.test(String(parameter.name)) && parameter.secure !== true) {
      problem(
        'secure',
        `config parameter "${String(parameter.name)}" looks like a secret but is not secure: browsers would see it`,
      );
    }
    if (parameter.secure === true && 'default' in parameter)
      problem('secure', `secure parameter "${String(parameter.name)}" must not carry a default`);
  }
  const whitelist = manifest.whiteListedDomains;
  if (config.some((parameter) => parameter.secure === true) && (!Array.isArray(whitelist) || whitelist.length === 0)) {
    problem('secure', 'secure parameters are only sent to white-listed domains: "whiteListedDomains" must not be empty');
  }
  for (const origin of Array.isArray(whitelist) ? whitelist : []) {
    if (typeof origin !== 'string' || !/^https:\/\/[^/\s]+$/.test(origin)) {
      problem('domains', `"whiteListedDomains" entry "${String(origin)}" must be an https origin without a path`);
    }
  }
  for (const [path, bytes] of files) {
    if (!/\.(js|html)$/.test(path)) continue;
    for (const match of decoder.decode(bytes).matchAll(placeholderPattern)) {
      if (!names.has(match[1]!)) {
        problems.push({
          rule: 'placeholders',
          file: path,
          message: `${path} uses {{${match[1]}}}, which no config parameter defines`,
        });
      }
    }
  }
}

function flattenKeys(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => flattenKeys(inner, prefix === '' ? key : `${prefix}.${key}`));
}

function checkTranslations(manifest: Record<string, unknown>, files: PackageFiles, problems: Problem[]): void {
  const problem = (message: string, file: string) => problems.push({ rule: 'translations', file, message });
  const locales = Array.isArray(manifest.locale) ? manifest.locale.map(String) : [];
  if (!locales.includes('en') || !locales.includes('ja')) problem('"locale" must list "en" and "ja"', 'plugin-manifest.json');
  const keysByLocale = new Map<string, string[]>();
  for (const locale of locales) {
    const path = `app/translations/${locale}.json`;
    if (!files.has(path)) {
      problem(`${path} is missing`, path);
      continue;
    }
    const json = parseJson(files, path, problems);
    if (isObject(json)) keysByLocale.set(locale, flattenKeys(json).sort());
  }
  const english = keysByLocale.get('en');
  if (english === undefined) return;
  for (const [locale, keys] of keysByLocale) {
    const path = `app/translations/${locale}.json`;
    const missing = english.filter((key) => !keys.includes(key));
    const extra = keys.filter((key) => !english.includes(key));
    if (missing.length > 0) problem(`${path} lacks keys that en.json has: ${missing.join(', ')}`, path);
    if (extra.length > 0) problem(`${path} has keys that en.json lacks: ${extra.join(', ')}`, path);
  }
}

/** Zoho's channel logo rule ("image-format : png, jpg / max-size : 500kb") and its content types. */
const channelLogoTypes = /\.(png|jpe?g)$/;
const channelLogoBytesMax = 500 * 1024;
const channelContentTypes = ['text/plain', 'text/html'];

const isHttpsUrl = (value: unknown) => {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * resources.json's channel entries (zoho.com/desk/extensions/guide/channel-integration-configuration.html): a
 * resourceName, a logo that is in the package as png or jpg under 500 KB, a push endpoint (required) and a pull one,
 * both https, and only the content types Zoho allows. `zet validate` 1.0.24 does not read resources.json at all.
 */
function checkResources(files: PackageFiles, problems: Problem[]): void {
  if (!files.has('resources.json')) return;
  const problem = (message: string): void => {
    problems.push({ rule: 'resources', file: 'resources.json', message });
  };
  const resources = parseJson(files, 'resources.json', problems);
  if (!isObject(resources)) {
    problem('resources.json must be an object');
    return;
  }
  const channels = resources.channels ?? [];
  if (!Array.isArray(channels)) {
    problem('"channels" must be an array');
    return;
  }
  const names = new Set<string>();
  for (const [index, channel] of channels.entries()) {
    const at = `channels[${index}]`;
    if (!isObject(channel)) {
      problem(`${at} must be an object`);
      continue;
    }
    const name = channel.resourceName;
    if (typeof name !== 'string' || name === '') problem(`${at}.resourceName is required`);
    else if (names.has(name)) problem(`${at}.resourceName "${name}" is not unique`);
    else names.add(name);
    const logo = typeof channel.channelLogoPath === 'string' ? channel.channelLogoPath.replace(/^\//, '') : undefined;
    const logoBytes = logo === undefined ? undefined : files.get(logo);
    if (logo === undefined || logoBytes === undefined) problem(`${at}.channelLogoPath must name a file of the package`);
    else if (!channelLogoTypes.test(logo)) problem(`${at}.channelLogoPath must be a png or jpg`);
    else if (logoBytes.byteLength > channelLogoBytesMax) problem(`${at}.channelLogoPath is over Zoho's 500 KB`);
    const sync = channel.sync;
    if (!isObject(sync) || !isHttpsUrl(sync.push)) problem(`${at}.sync.push must be an https URL`);
    else if (sync.pull !== undefined && !isHttpsUrl(sync.pull)) problem(`${at}.sync.pull must be an https URL`);
    const types = channel.contentTypes ?? ['text/plain'];
    if (!Array.isArray(types) || types.length === 0 || types.some((type) => !channelContentTypes.includes(type as string))) {
      problem(`${at}.contentTypes may only hold ${channelContentTypes.join(' and ')}`);
    }
  }
}

function checkFiles(files: PackageFiles, options: CheckOptions, problems: Problem[]): void {
  const problem = (rule: string, file: string, message: string) => problems.push({ rule, file, message });
  if (files.size > filesMax) problem('files', '', `${files.size} files; zet packs at most ${filesMax}`);
  for (const [path, bytes] of files) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const allowed = path === 'plugin-manifest.json' || path === 'resources.json' || path.startsWith('app/');
    if (!allowed || path.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) {
      problem('files', path, `${path} does not belong in the extension`);
    }
    if (/\.(map|mjs|ico|webp)$/.test(path))
      problem('dropped-by-zet', path, `${path}: zet pack silently drops .map, .mjs, .ico and .webp files`);
    else if (!packedExtensions.test(path)) problem('files', path, `${path} has a type zet does not pack`);
    if (!fileNamePattern.test(name)) problem('file-names', path, `${name}: zet wants at most 50 characters of [A-Za-z0-9_.$-]`);
    if (bytes.byteLength > fileBytesMax) problem('files', path, `${path} is over zet's 5 MB per file`);
    if (path.endsWith('.map')) problem('source-maps', path, `${path} is a source map`);
    if (!textFiles.test(path)) continue;
    const text = decoder.decode(bytes);
    if (/sourceMappingURL=(?!data:)/.test(text)) problem('source-maps', path, `${path} points at a source map`);
    if (/file:\/\/\//.test(text)) problem('paths', path, `${path} contains a file:/// path`);
    for (const forbidden of options.forbiddenStrings ?? []) {
      if (forbidden !== '' && text.includes(forbidden))
        problem('paths', path, `${path} contains "${forbidden.slice(0, 12)}…", which must not ship`);
    }
    for (const [name, pattern] of secretPatterns) {
      if (pattern.test(text)) problem('secrets', path, `${path} contains what looks like a ${name}`);
    }
  }
}

/** Every problem of the extension's files; an empty list means the package may ship. */
export function checkExtension(files: PackageFiles, options: CheckOptions = {}): Problem[] {
  const problems: Problem[] = [];
  for (const required of ['plugin-manifest.json', 'resources.json']) {
    if (!files.has(required)) problems.push({ rule: 'required', file: required, message: `${required} is missing` });
  }
  if (!files.has('plugin-manifest.json')) return problems;
  const manifest = parseJson(files, 'plugin-manifest.json', problems);
  if (!isObject(manifest))
    return problems.length > 0 ? problems : [{ rule: 'json', message: 'plugin-manifest.json must be an object' }];
  if (manifest.service !== 'DESK')
    problems.push({ rule: 'manifest', file: 'plugin-manifest.json', message: '"service" must be "DESK"' });
  if (manifest.moduleSupport !== false) {
    problems.push({
      rule: 'manifest',
      file: 'plugin-manifest.json',
      message: '"moduleSupport" must be false: with it, zet pack runs a build of its own',
    });
  }
  checkWidgets(manifest, files, problems);
  checkConfig(manifest, files, problems);
  checkTranslations(manifest, files, problems);
  checkResources(files, problems);
  checkFiles(files, options, problems);
  return problems;
}
