/**
 * Our own check of a Zendesk app package, since `zcli apps:validate` uploads to a live account. The rules
 * follow what Zendesk's validator checks (zendesk/zendesk_apps_support, lib/zendesk_apps_support/validations/:
 * manifest.rb, translations.rb, secure_settings.rb, secrets.rb) and the manifest reference
 * (developer.zendesk.com/documentation/apps/app-developer-guide/manifest/), made stricter where a warning
 * there would be a defect here (a token parameter that is not secure, a secure parameter without scopes).
 * Each problem names its rule, so a test can break one rule at a time and see it named.
 */
import { readPngHeader } from '../definition/png.js';

export interface Problem {
  rule: string;
  message: string;
  file?: string;
}

export interface ValidateOptions {
  /** Exact strings that must not appear in any file (the build machine's paths, test secrets). */
  forbiddenStrings?: string[];
}

export type PackageFiles = Map<string, Uint8Array>;

const parameterTypes = ['text', 'checkbox', 'url', 'number', 'multiline', 'hidden', 'oauth'];
/** Where Zendesk's proxy may put a secure setting (PLATFORM.md, "Zendesk apps"). */
const secureScopes = ['header', 'body', 'url', 'jwt_secret_key'];
const supportLocations = [
  'ticket_sidebar',
  'new_ticket_sidebar',
  'user_sidebar',
  'organization_sidebar',
  'top_bar',
  'nav_bar',
  'ticket_editor',
  'background',
  'modal',
];
const validLocale = /^[a-z]{2}(-\w{2,3})?$/; // translations.rb VALID_LOCALE
const requiredAppTranslations = ['name', 'short_description', 'long_description', 'installation_instructions'];
/** translations are marketplace keys; `helpText` is optional but every parameter needs a `label`. */
export const logoDimensions: Record<string, number> = { 'assets/logo.png': 320, 'assets/logo-small.png': 128 };
/** Secrets that must never ship: ours first, then the common ones Zendesk's secrets.rb looks for. */
const secretPatterns: [string, RegExp][] = [
  ['wabridge installation token', /wbi_[A-Za-z0-9_-]{20,}/],
  ['wabridge admin token', /\b[0-9a-f]{64}\b/],
  ['Meta access token', /\bEAA[A-Za-z0-9]{30,}/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['AWS access key id', /\bAKIA[0-9A-Z]{16}\b/],
  ['Slack token', /\bxox[abposr]-[0-9A-Za-z-]{10,}/],
];
const textExtensions = /\.(json|html|js|mjs|css|txt|svg|md)$/;

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

function checkManifestKeys(manifest: Record<string, unknown>, problems: Problem[]): void {
  const problem = (message: string) => problems.push({ rule: 'manifest', file: 'manifest.json', message });
  for (const key of ['name', 'version', 'defaultLocale']) {
    if (typeof manifest[key] !== 'string' || manifest[key] === '') problem(`"${key}" must be a non-empty string`);
  }
  if (manifest.frameworkVersion !== '2.0') problem('"frameworkVersion" must be "2.0"');
  if (typeof manifest.private !== 'boolean') problem('"private" must be a boolean');
  const author = manifest.author;
  if (!isObject(author) || ['name', 'email', 'url'].some((key) => typeof author[key] !== 'string')) {
    problem('"author" must have string "name", "email" and "url"');
  } else if (!/^https?:\/\/[^\s]+$/.test(String(author.url))) {
    problem('"author.url" must be an http(s) URL');
  }
  if (typeof manifest.defaultLocale === 'string' && !validLocale.test(manifest.defaultLocale)) {
    problem(`"defaultLocale" "${manifest.defaultLocale}" is not a locale like "en" or "pt-br"`);
  }
  const whitelist = manifest.domainWhitelist;
  if (whitelist !== undefined && !(Array.isArray(whitelist) && whitelist.every((domain) => typeof domain === 'string'))) {
    problem('"domainWhitelist" must be an array of strings');
  } else {
    for (const domain of (whitelist ?? []) as string[]) {
      if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(domain)) {
        problem(`"domainWhitelist" entry "${domain}" must be a bare host name (no scheme, port or path)`);
      }
    }
  }
}

function checkParameters(manifest: Record<string, unknown>, problems: Problem[]): string[] {
  const problem = (message: string) => problems.push({ rule: 'parameters', file: 'manifest.json', message });
  if (!Array.isArray(manifest.parameters)) {
    problem('"parameters" must be an array');
    return [];
  }
  const names: string[] = [];
  for (const parameter of manifest.parameters as unknown[]) {
    if (!isObject(parameter) || typeof parameter.name !== 'string' || parameter.name === '') {
      problem('every parameter needs a "name"');
      continue;
    }
    const { name, type } = parameter;
    if (names.includes(name)) problem(`parameter "${name}" is declared twice`);
    names.push(name);
    if (name === 'name') problem('a parameter may not be called "name"');
    if (typeof type !== 'string' || !parameterTypes.includes(type)) {
      problem(`parameter "${name}" has type "${String(type)}"; allowed: ${parameterTypes.join(', ')}`);
    }
    for (const flag of ['required', 'secure'] as const) {
      if (parameter[flag] !== undefined && typeof parameter[flag] !== 'boolean')
        problem(`parameter "${name}".${flag} must be a boolean`);
    }
    if (type === 'hidden' && parameter.required === true) problem(`hidden parameter "${name}" cannot be required`);
    if (type === 'oauth' && parameter.secure === true) problem(`oauth parameter "${name}" cannot be secure`);
    if (parameter.secure === true) {
      const scopes = parameter.scopes;
      if (!Array.isArray(scopes) || scopes.length === 0) {
        problem(`secure parameter "${name}" must declare its "scopes" (${secureScopes.join(', ')})`);
      } else if (scopes.some((scope) => !secureScopes.includes(String(scope)))) {
        problem(`secure parameter "${name}" has an unknown scope; allowed: ${secureScopes.join(', ')}`);
      }
    } else if (/token|key|pwd|password|secret/i.test(name) && (type === 'text' || type === 'multiline')) {
      problem(`parameter "${name}" looks like a secret but is not secure: the browser would see it`);
    }
    if ((parameter.secure === true || type === 'hidden') && 'default' in parameter) {
      problem(`parameter "${name}" is secure or hidden and must not carry a default`);
    }
  }
  if (manifest.parameters.filter((parameter) => isObject(parameter) && parameter.type === 'oauth').length > 1) {
    problem('at most one oauth parameter');
  }
  const secure = (manifest.parameters as Record<string, unknown>[]).some((parameter) => parameter.secure === true);
  if (secure && (!Array.isArray(manifest.domainWhitelist) || manifest.domainWhitelist.length === 0)) {
    problem('secure settings are only sent to whitelisted domains: "domainWhitelist" must not be empty');
  }
  return names;
}

function checkLocations(manifest: Record<string, unknown>, files: PackageFiles, problems: Problem[]): void {
  const problem = (message: string, file = 'manifest.json') => problems.push({ rule: 'location', file, message });
  const location = manifest.location;
  if (!isObject(location) || Object.keys(location).length === 0) {
    problem('"location" is required');
    return;
  }
  for (const [product, places] of Object.entries(location)) {
    if (product !== 'support' || !isObject(places)) {
      problem(`unknown product "${product}" in "location"`);
      continue;
    }
    for (const [name, options] of Object.entries(places)) {
      if (!supportLocations.includes(name)) problem(`unknown Support location "${name}"`);
      const url = typeof options === 'string' ? options : isObject(options) ? options.url : undefined;
      if (isObject(options) && options.flexible !== undefined && typeof options.flexible !== 'boolean') {
        problem(`location "${name}".flexible must be a boolean`);
      }
      if (typeof url !== 'string' || url === '') {
        problem(`location "${name}" needs a "url"`);
      } else if (/^[a-z]+:/i.test(url)) {
        if (!url.startsWith('https://')) problem(`location "${name}" URL must be https: ${url}`);
      } else if (!url.startsWith('assets/') || !files.has(url)) {
        problem(`location "${name}" URL "${url}" must be a file under assets/ in the package`);
      } else {
        checkHtmlReferences(url, files, problems);
      }
    }
  }
}

/** The scripts and styles a location page loads must be relative and present (Zendesk serves assets under a prefix). */
function checkHtmlReferences(htmlPath: string, files: PackageFiles, problems: Problem[]): void {
  const html = decoder.decode(files.get(htmlPath));
  const directory = htmlPath.slice(0, htmlPath.lastIndexOf('/') + 1);
  for (const match of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)) {
    const reference = match[1]!;
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

function flattenKeys(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => flattenKeys(inner, prefix === '' ? key : `${prefix}.${key}`));
}

function checkTranslations(
  manifest: Record<string, unknown>,
  parameterNames: string[],
  files: PackageFiles,
  problems: Problem[],
): void {
  const problem = (message: string, file: string) => problems.push({ rule: 'translations', file, message });
  const translationFiles = [...files.keys()].filter((path) => path.startsWith('translations/'));
  const defaultFile = `translations/${String(manifest.defaultLocale)}.json`;
  if (!files.has('translations/en.json')) problem('translations/en.json is required', 'translations/en.json');
  if (!files.has(defaultFile)) problem(`the default locale needs ${defaultFile}`, defaultFile);
  const keysByFile = new Map<string, string[]>();
  for (const path of translationFiles) {
    const locale = path.match(/^translations\/(.+)\.json$/)?.[1];
    if (locale === undefined || !validLocale.test(locale)) {
      problem(`${path} is not named after a locale`, path);
      continue;
    }
    const json = parseJson(files, path, problems);
    if (!isObject(json) || !isObject(json.app)) {
      problem(`${path} must be an object with an "app" object`, path);
      continue;
    }
    keysByFile.set(
      path,
      flattenKeys(json.app).filter((key) => key !== ''),
    );
    for (const key of requiredAppTranslations) {
      if (typeof json.app[key] !== 'string' || json.app[key] === '') problem(`${path} lacks app.${key}`, path);
    }
    const parameters = isObject(json.app.parameters) ? json.app.parameters : {};
    for (const name of parameterNames) {
      const entry = parameters[name];
      if (!isObject(entry) || typeof entry.label !== 'string' || entry.label === '') {
        problem(`${path} lacks app.parameters.${name}.label`, path);
      }
    }
  }
  const english = keysByFile.get('translations/en.json');
  if (english === undefined) return;
  for (const [path, keys] of keysByFile) {
    const missing = english.filter((key) => !keys.includes(key));
    const extra = keys.filter((key) => !english.includes(key));
    if (missing.length > 0) problem(`${path} lacks keys that en.json has: ${missing.join(', ')}`, path);
    if (extra.length > 0) problem(`${path} has keys that en.json lacks: ${extra.join(', ')}`, path);
  }
}

function checkLogos(files: PackageFiles, problems: Problem[]): void {
  for (const [path, size] of Object.entries(logoDimensions)) {
    const bytes = files.get(path);
    const header = bytes === undefined ? null : readPngHeader(bytes);
    if (bytes === undefined) problems.push({ rule: 'logos', file: path, message: `${path} is missing` });
    else if (header === null) problems.push({ rule: 'logos', file: path, message: `${path} is not a PNG` });
    else if (header.width !== size || header.height !== size) {
      problems.push({
        rule: 'logos',
        file: path,
        message: `${path} is ${header.width}×${header.height}; Zendesk expects ${size}×${size}`,
      });
    }
  }
}

function checkContents(files: PackageFiles, options: ValidateOptions, problems: Problem[]): void {
  for (const [path, bytes] of files) {
    const allowed = path === 'manifest.json' || path === 'requirements.json' || /^(translations|assets)\/[^\0]+$/.test(path);
    if (!allowed || path.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) {
      problems.push({ rule: 'files', file: path, message: `${path} does not belong in an app package` });
    }
    if (path.endsWith('.map')) problems.push({ rule: 'source-maps', file: path, message: `${path} is a source map` });
    if (!textExtensions.test(path)) continue;
    const text = decoder.decode(bytes);
    if (/sourceMappingURL=(?!data:)/.test(text) || /sourceMappingURL=.*file:\/\//.test(text)) {
      problems.push({ rule: 'source-maps', file: path, message: `${path} points at a source map` });
    }
    if (/file:\/\/\//.test(text)) problems.push({ rule: 'paths', file: path, message: `${path} contains a file:/// path` });
    for (const forbidden of options.forbiddenStrings ?? []) {
      if (forbidden !== '' && text.includes(forbidden)) {
        problems.push({
          rule: 'paths',
          file: path,
          message: `${path} contains "${forbidden.slice(0, 12)}…", which must not ship`,
        });
      }
    }
    for (const [name, pattern] of secretPatterns) {
      if (pattern.test(text))
        problems.push({ rule: 'secrets', file: path, message: `${path} contains what looks like a ${name}` });
    }
  }
}

export function validateAppPackage(files: PackageFiles, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  if (!files.has('manifest.json')) {
    const nested = [...files.keys()].find((path) => /^[^/]+\/manifest\.json$/.test(path));
    const message = nested ? `manifest.json must be at the package root, not ${nested}` : 'manifest.json is missing';
    return [{ rule: 'manifest', file: 'manifest.json', message }];
  }
  const manifest = parseJson(files, 'manifest.json', problems);
  if (!isObject(manifest))
    return problems.length > 0 ? problems : [{ rule: 'manifest', message: 'manifest.json must be an object' }];
  checkManifestKeys(manifest, problems);
  const parameterNames = checkParameters(manifest, problems);
  checkLocations(manifest, files, problems);
  checkTranslations(manifest, parameterNames, files, problems);
  checkLogos(files, problems);
  checkContents(files, options, problems);
  if (files.has('requirements.json')) checkRequirements(parseJson(files, 'requirements.json', problems), problems);
  return problems;
}

/**
 * requirements.json (https://developer.zendesk.com/documentation/apps/app-developer-guide/apps_requirements/, and
 * zendesk_apps_support's validations/requirements.rb): an object of known resource types, each an object of
 * requirements by key; plus what our automations need: the webhook posts JSON to the bridge's automation endpoint
 * and carries no secret (one package, every account), each webhook action names a declared webhook with a body of
 * our delivery's fields whose `automation` is the trigger's key, a trigger on a `wa_send_` tag removes the tag (or it
 * would send on every later update), and every macro's `wa_send_` tag has its trigger.
 */
const requirementTypes = [
  'automations',
  'channel_integrations',
  'custom_objects',
  'macros',
  'organization_fields',
  'targets',
  'ticket_fields',
  'triggers',
  'user_fields',
  'views',
  'webhooks',
];
const deliveryFields = ['ticket_url', 'ticket_id', 'ticket_updated_at', 'automation', 'phone'];
const deliveryOptional = ['template', 'language', 'parameters', 'text'];

function checkRequirements(requirements: unknown, problems: Problem[]): void {
  const file = 'requirements.json';
  const problem = (message: string) => problems.push({ rule: 'requirements', file, message });
  if (!isObject(requirements)) return void problem('requirements.json must be an object of resource types');
  for (const [type, entries] of Object.entries(requirements)) {
    if (!requirementTypes.includes(type)) problem(`"${type}" is not a requirement type Zendesk knows`);
    else if (!isObject(entries)) problem(`${type} must be an object of requirements by key`);
    else
      for (const key of Object.keys(entries)) if (!/^[a-z0-9_]{1,64}$/.test(key)) problem(`${type}.${key}: keys are a-z, 0-9, _`);
  }
  const webhooks = isObject(requirements.webhooks) ? requirements.webhooks : {};
  for (const [key, webhook] of Object.entries(webhooks)) {
    if (!isObject(webhook)) continue;
    for (const field of ['name', 'endpoint', 'http_method', 'request_format', 'status']) {
      if (typeof webhook[field] !== 'string') problem(`webhooks.${key}.${field} is required`);
    }
    if (typeof webhook.endpoint === 'string' && !/^https:\/\/[^/]+\/v1\/automations\/zendesk$/.test(webhook.endpoint)) {
      problem(`webhooks.${key}.endpoint must be https://{bridge}/v1/automations/zendesk`);
    }
    if (webhook.http_method !== 'POST' || webhook.request_format !== 'json') problem(`webhooks.${key} must POST json`);
    if (JSON.stringify(webhook.subscriptions) !== '["conditional_ticket_events"]') {
      problem(`webhooks.${key}.subscriptions must be ["conditional_ticket_events"] to serve triggers and automations`);
    }
    if ('signing_secret' in webhook || 'authentication' in webhook) {
      problem(
        `webhooks.${key} must not carry a secret: the package is the same for every account (Zendesk generates one per account)`,
      );
    }
  }
  const triggerTags = new Set<string>();
  for (const type of ['triggers', 'automations'] as const) {
    const entries = isObject(requirements[type]) ? requirements[type] : {};
    for (const [key, entry] of Object.entries(entries)) {
      if (!isObject(entry)) continue;
      const where = `${type}.${key}`;
      if (typeof entry.title !== 'string') problem(`${where}.title is required`);
      const conditions = isObject(entry.conditions) ? entry.conditions : {};
      const all = Array.isArray(conditions.all) ? conditions.all : [];
      const any = Array.isArray(conditions.any) ? conditions.any : [];
      if (all.length + any.length === 0) problem(`${where} needs conditions`);
      const actions = Array.isArray(entry.actions) ? entry.actions.filter(isObject) : [];
      if (actions.length === 0) problem(`${where} needs actions`);
      for (const action of actions.filter((candidate) => candidate.field === 'notification_webhook')) {
        const [webhook, body] = Array.isArray(action.value) ? action.value : [];
        if (typeof webhook !== 'string' || !(webhook in webhooks))
          problem(`${where}: its webhook action names no declared webhook`);
        checkDeliveryBody(where, key, body, problem);
      }
      const tags = all
        .filter((condition) => isObject(condition) && condition.field === 'current_tags' && condition.operator === 'includes')
        .map((condition) => String((condition as Record<string, unknown>).value));
      for (const tag of tags.filter((candidate) => candidate.startsWith('wa_send_'))) {
        triggerTags.add(tag);
        const removes = actions.some(
          (action) => action.field === 'remove_tags' && String(action.value).split(/\s+/).includes(tag),
        );
        if (!removes) problem(`${where} acts on the tag ${tag} and must remove it, or every later update sends again`);
      }
    }
  }
  const macros = isObject(requirements.macros) ? requirements.macros : {};
  for (const [key, macro] of Object.entries(macros)) {
    if (!isObject(macro)) continue;
    if (typeof macro.title !== 'string') problem(`macros.${key}.title is required`);
    const actions = Array.isArray(macro.actions) ? macro.actions.filter(isObject) : [];
    if (actions.length === 0) problem(`macros.${key} needs actions`);
    for (const action of actions.filter((candidate) => candidate.field === 'current_tags')) {
      for (const tag of String(action.value)
        .split(/\s+/)
        .filter((candidate) => candidate.startsWith('wa_send_'))) {
        if (!triggerTags.has(tag)) problem(`macros.${key} adds ${tag}, which no trigger acts on`);
      }
    }
  }
}

function checkDeliveryBody(where: string, key: string, body: unknown, problem: (message: string) => void): void {
  let parsed: unknown;
  try {
    parsed = typeof body === 'string' ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) return void problem(`${where}: the webhook body must be a JSON object (placeholders inside strings)`);
  for (const field of deliveryFields) if (typeof parsed[field] !== 'string') problem(`${where}: the body needs ${field}`);
  for (const field of Object.keys(parsed)) {
    if (!deliveryFields.includes(field) && !deliveryOptional.includes(field))
      problem(`${where}: the body has an unknown field ${field}`);
  }
  if (parsed.ticket_url !== '{{ticket.url}}' || parsed.ticket_updated_at !== '{{ticket.updated_at_with_timestamp}}') {
    problem(`${where}: ticket_url and ticket_updated_at must be {{ticket.url}} and {{ticket.updated_at_with_timestamp}}`);
  }
  if (parsed.automation !== key) problem(`${where}: the body's automation must be the trigger's key (${key})`);
  if ((parsed.template === undefined) === (parsed.text === undefined)) problem(`${where}: the body needs a template or a text`);
}
