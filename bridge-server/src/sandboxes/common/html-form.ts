/**
 * Reads a self-submitting HTML form, the way a browser would submit it: Zendesk's own channel tutorial answers the
 * admin UI with a page whose script posts a hidden form (`name`, `metadata`, `state`) to the `return_url`. The
 * sandbox has no browser, so when asked to it finds that form and posts its hidden fields itself.
 */
export interface HtmlForm {
  action: string;
  method: string;
  fields: Record<string, string>;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#34': '"' };

export function decodeHtmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return entities[lower] ?? whole;
  });
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  if (match === null) return undefined;
  return decodeHtmlEntities(match[2] ?? match[3] ?? '');
}

/** Every form in `html`, in page order, with its action as written (undefined when it has none) and its named fields. */
export function formsOf(html: string): (Omit<HtmlForm, 'action'> & { action: string | undefined })[] {
  const forms: (Omit<HtmlForm, 'action'> & { action: string | undefined })[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const openingTag = /<form\b[^>]*>/i.exec(match[0])?.[0] ?? '';
    const fields: Record<string, string> = {};
    for (const input of (match[1] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      if (name !== undefined) fields[name] = attribute(input[0], 'value') ?? '';
    }
    for (const textarea of (match[1] ?? '').matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attribute(`<textarea${textarea[1] ?? ''}>`, 'name');
      if (name !== undefined) fields[name] = decodeHtmlEntities(textarea[2] ?? '');
    }
    forms.push({
      action: attribute(openingTag, 'action'),
      method: (attribute(openingTag, 'method') ?? 'get').toLowerCase(),
      fields,
    });
  }
  return forms;
}

/** The first form in `html` whose action is `actionUrl`, with its named input fields; undefined when there is none. */
export function findForm(html: string, actionUrl: string): HtmlForm | undefined {
  const form = formsOf(html).find((candidate) => candidate.action === actionUrl);
  return form === undefined ? undefined : { ...form, action: actionUrl };
}
