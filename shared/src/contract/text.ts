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

/** `String.prototype.isWellFormed` (ES2024), written out for the ES2023 library this repo compiles against. */
function isWellFormedUtf16(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
