/*
 * Text comparison that ignores how a phone keyboard happened to type the text. Japanese input methods
 * switch between full-width and half-width forms (ＳＴＯＰ, ｽﾄｯﾌﾟ) and people mix cases freely, so both
 * keyword matching and the business-name check compare folded text, never raw text.
 */

/**
 * Unicode NFKC (full-width Latin and half-width katakana to their ordinary forms, ideographic space to
 * a space), then lower case, then every run of whitespace as one space, trimmed. Hiragana and katakana
 * stay distinct: すとっぷ is not ストップ, and treating them as equal would widen matches nobody asked for.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}
