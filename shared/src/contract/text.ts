import type { ValidationIssue } from './common.js';

/*
 * Text the bridge can store. PostgreSQL's `text` and `jsonb` cannot hold U+0000 (`invalid byte sequence for
 * encoding "UTF8": 0x00`, `unsupported Unicode escape sequence`), and a lone UTF-16 surrogate has no UTF-8 form:
 * the driver writes U+FFFD instead, so what is stored is not what was sent. Both are refused wherever text
 * enters: every contract route's path, query, headers and JSON body (`bridge-server/src/http/mount.ts`,
 * through this one check rather than a rule on each field), the cells of CSV imports, and query strings of
 * hand-mounted routes.
 */

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (!isWellFormedUtf16(text)) return 'must not contain an unpaired surrogate (text that is not valid Unicode)';
  return undefined;
}

/** The issue code of unstorable text, in `errors[].code` of a validation problem. */
export const unstorableTextCode = 'invalid_text';

/**
 * One issue per string (object key or value, at any depth) that cannot be stored, with its path written as
 * validation problems write paths (`body.topics[0].label`). Non-string leaves are not this check's business.
 */
export function unstorableTextIssues(value: unknown, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const visit = (node: unknown, at: string): void => {
    if (typeof node === 'string') {
      const reason = unstorableTextReason(node);
      if (reason !== undefined) issues.push({ path: at, code: unstorableTextCode, message: reason });
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${at}[${index}]`);
    } else if (node !== null && typeof node === 'object' && !ArrayBuffer.isView(node) && !(node instanceof Date)) {
      for (const [key, item] of Object.entries(node)) {
        const reason = unstorableTextReason(key);
        if (reason !== undefined) issues.push({ path: `${at}.${key}`, code: unstorableTextCode, message: `its name ${reason}` });
        visit(item, `${at}.${key}`);
      }
    }
  };
  visit(value, path);
  return issues;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this replaces.
const unstorableCharacters = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `value` with U+0000 and every lone surrogate in its strings (object keys and values, at any depth) replaced by
 * U+FFFD, for text the bridge must keep although it cannot refuse it: what Meta's webhooks say was already
 * acknowledged (Meta would not send it differently), and refusing it would lose a customer's message. The same
 * object when nothing needed replacing; dates and byte arrays are kept as they are.
 */
export function storableCopy<T>(value: T): T {
  if (typeof value === 'string') {
    return (unstorableTextReason(value) === undefined ? value : value.replace(unstorableCharacters, '\uFFFD')) as T;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => storableCopy(item));
    return (items.every((item, index) => item === value[index]) ? value : items) as T;
  }
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof Date)) {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const entry = [storableCopy(key), storableCopy(item)] as const;
      if (entry[0] !== key || entry[1] !== item) changed = true;
      return entry;
    });
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}

/** `String.prototype.isWellFormed` (ES2024), written out for the ES2023 library this repo compiles against. */
function isWellFormedUtf16(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
