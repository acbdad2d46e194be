import type { ReactNode } from 'react';

/*
 * WhatsApp's formatting marks as the customer's app shows them: *bold*, _italic_, ~strike~ and ```monospace```.
 * Marks may nest (`*_both_*`); monospace text is shown as it is. Line breaks are kept by `pre-wrap`.
 */
const mark = /```([\s\S]+?)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;

export function WhatsAppText({ text }: { text: string }) {
  return <span style={{ whiteSpace: 'pre-wrap' }}>{formatted(text)}</span>;
}

function formatted(text: string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(mark)) {
    const index = match.index ?? 0;
    if (index > last) nodes.push(text.slice(last, index));
    const [, mono, bold, italic, strike] = match;
    const key = `${index}`;
    if (mono !== undefined) nodes.push(<code key={key}>{mono}</code>);
    else if (bold !== undefined) nodes.push(<strong key={key}>{formatted(bold)}</strong>);
    else if (italic !== undefined) nodes.push(<em key={key}>{formatted(italic)}</em>);
    else if (strike !== undefined) nodes.push(<s key={key}>{formatted(strike)}</s>);
    last = index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}
