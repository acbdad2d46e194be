import type { Request } from 'express';
import { GraphError } from './graph-errors.js';
import type { Template } from './state.js';
import { templateResource } from './templates-seed.js';

/** Graph's default page size for edges. */
const pageSizeDefault = 25;
/** Graph refuses larger pages on most edges; the sandbox does the same so paging code is exercised. */
const pageSizeMax = 1_000;

const encodeCursor = (template: Template) => Buffer.from(`template:${template.id}`).toString('base64url');
const decodeCursor = (cursor: string) =>
  Buffer.from(cursor, 'base64url')
    .toString('utf8')
    .replace(/^template:/, '');

function stringParameter(request: Request, name: string): string | undefined {
  const value = request.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GraphError(100, `Param ${name} must be a string`);
  return value;
}

function listOf(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((item) => item.trim().toUpperCase())
        .filter(Boolean);
}

/** Filters Meta documents on this edge: status, category, language and name (partial match). */
function filterTemplates(request: Request, templates: Template[]): Template[] {
  const statuses = listOf(stringParameter(request, 'status'));
  const categories = listOf(stringParameter(request, 'category'));
  const language = stringParameter(request, 'language');
  const name = stringParameter(request, 'name');
  return templates.filter(
    (template) =>
      (statuses === undefined || statuses.includes(template.status)) &&
      (categories === undefined || categories.includes(template.category)) &&
      (language === undefined || template.language === language) &&
      (name === undefined || template.name.includes(name)),
  );
}

function pageSizeOf(request: Request): number {
  const limit = stringParameter(request, 'limit');
  if (limit === undefined) return pageSizeDefault;
  const size = Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > pageSizeMax) {
    throw new GraphError(100, `Param limit must be an integer between 1 and ${pageSizeMax}`);
  }
  return size;
}

/** Index of the first template of the page: just after `after`, or a page before `before`. */
function pageStart(request: Request, templates: Template[], pageSize: number): number {
  const after = stringParameter(request, 'after');
  const before = stringParameter(request, 'before');
  const indexOf = (cursor: string) => {
    const index = templates.findIndex((template) => template.id === decodeCursor(cursor));
    if (index === -1) throw new GraphError(100, 'Param after/before is not a valid cursor for this list');
    return index;
  };
  if (after !== undefined) return indexOf(after) + 1;
  if (before !== undefined) return Math.max(0, indexOf(before) - pageSize);
  return 0;
}

function selectFields(resource: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (fields === undefined) return resource;
  // Graph always returns the node id, whatever fields were asked for.
  return Object.fromEntries(Object.entries(resource).filter(([key]) => key === 'id' || fields.includes(key)));
}

function pageLink(request: Request, cursorName: 'after' | 'before', cursor: string): string {
  const url = new URL(`${request.protocol}://${request.get('host')}${request.originalUrl}`);
  url.searchParams.delete('after');
  url.searchParams.delete('before');
  url.searchParams.set(cursorName, cursor);
  return url.toString();
}

/**
 * `GET /{waba-id}/message_templates`: cursor paging as Graph does it —
 * `{data, paging:{cursors:{before, after}, next?, previous?}}`, with `next`/`previous` full URLs.
 */
export function listTemplates(request: Request, templates: Template[]): Record<string, unknown> {
  const fieldsParameter = stringParameter(request, 'fields');
  const fields = fieldsParameter
    ?.split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  const matching = filterTemplates(request, templates);
  const pageSize = pageSizeOf(request);
  const start = pageStart(request, matching, pageSize);
  const page = matching.slice(start, start + pageSize);
  const first = page[0];
  const last = page.at(-1);
  if (first === undefined || last === undefined) return { data: [] };
  return {
    data: page.map((template) => selectFields(templateResource(template), fields)),
    paging: {
      cursors: { before: encodeCursor(first), after: encodeCursor(last) },
      ...(start + pageSize < matching.length ? { next: pageLink(request, 'after', encodeCursor(last)) } : {}),
      ...(start > 0 ? { previous: pageLink(request, 'before', encodeCursor(first)) } : {}),
    },
  };
}
