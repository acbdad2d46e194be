import type { RouteDefinition, RouteGroup } from '../contract/route.js';

/** `{name}` placeholders of a contract path template. */
const placeholder = /\{(\w+)\}/g;

/**
 * A contract path template with its parameters filled in, each percent-encoded as one path segment (a `/` or
 * `?` in a value cannot change which route is called). A parameter the template names but `params` lacks is a
 * programming error.
 */
export function buildPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(placeholder, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`The path ${template} needs the parameter ${name}.`);
    }
    return encodeURIComponent(String(value));
  });
}

/** A query string (with its `?`) from a query object: undefined members are left out, arrays repeat the key. */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (query === undefined) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export interface MatchedRoute {
  name: string;
  route: RouteDefinition;
  /** The path parameters, decoded. */
  params: Record<string, string>;
  /** The query parameters as the bridge reads them: one value a key is a string, repeated keys an array. */
  query: Record<string, string | string[]>;
}

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(placeholder)
    .map((part, index) => (index % 2 === 1 ? `(?<${part}>[^/]+)` : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${escaped.join('')}$`);
}

/**
 * Which contract route a request is for (method and path, query string included), as the bridge would route it:
 * for fakes of the bridge that answer by route name. Undefined when no route has this method and path.
 */
export function matchRoute(table: RouteGroup, method: string, pathWithQuery: string): MatchedRoute | undefined {
  const url = new URL(pathWithQuery, 'http://bridge.invalid');
  for (const [name, route] of Object.entries(table)) {
    if (route.method !== method.toLowerCase()) continue;
    const match = templatePattern(route.path).exec(url.pathname);
    if (match === null) continue;
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]));
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const earlier = query[key];
      query[key] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
    }
    return { name, route, params, query };
  }
  return undefined;
}
