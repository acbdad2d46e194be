import type { ReactNode } from 'react';

/*
 * WhatsApp's formatting marks as the customer's app shows them: *bold*, _italic_, ~strike~ and ```monospace```.
 * Marks may nest (`*_both_*`); monospace text is shown as it is. Line breaks are kept by `pre-wrap`.
 *
 * A placeholder not filled in yet (`{{first_name}}`) is a name, never formatting: its `_` must not start italics. Each
 * is swapped for a private-use character before the marks are read and put back in the text nodes after, so a mark
 * around a placeholder (`*{{order_id}}*`) still applies while nothing inside one does.
 */
const mark = /```([\s\S]+?)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
const placeholder = /\{\{[^{}]*\}\}/g;
/** Unicode's private use area: never in a template's text, and no formatting mark. */
const slotBase = 0xe000;
const slot = /[\ue000-\uf8ff]/g;

export function WhatsAppText({ text }: { text: string }) {
  const placeholders: string[] = [];
  const masked = text.replace(placeholder, (whole) => String.fromCharCode(slotBase + placeholders.push(whole) - 1));
  const unmask = (part: string) =>
    part.replace(slot, (character) => placeholders[character.charCodeAt(0) - slotBase] ?? character);
  return <span style={{ whiteSpace: 'pre-wrap' }}>{formatted(masked, unmask)}</span>;
}

function formatted(text: string, unmask: (part: string) => string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(mark)) {
    const index = match.index ?? 0;
    if (index > last) nodes.push(unmask(text.slice(last, index)));
    const [, mono, bold, italic, strike] = match;
    const key = `${index}`;
    if (mono !== undefined) nodes.push(<code key={key}>{unmask(mono)}</code>);
    else if (bold !== undefined) nodes.push(<strong key={key}>{formatted(bold, unmask)}</strong>);
    else if (italic !== undefined) nodes.push(<em key={key}>{formatted(italic, unmask)}</em>);
    else if (strike !== undefined) nodes.push(<s key={key}>{formatted(strike, unmask)}</s>);
    last = index + match[0].length;
  }
  if (last < text.length) nodes.push(unmask(text.slice(last)));
  return nodes;
}
