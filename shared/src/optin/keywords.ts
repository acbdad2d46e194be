import * as z from 'zod';
import { foldText } from './text.js';

/*
 * Opt-out and opt-back-in keywords in customers' WhatsApp messages.
 *
 * Only a WHOLE message counts: after normalisation it must equal a keyword, nothing more. Customers
 * write to a helpdesk in sentences, and "don't stop my order", "stop by the store", 「停止しないでください」
 * or 「配信停止の方法を教えて」 contain a keyword while asking for the opposite or for help. Matching a
 * keyword inside a sentence would unsubscribe exactly those customers; a customer who wants to stop
 * and writes a sentence is read by an agent, who records the opt-out (source `agent`).
 *
 * Normalisation (`normalizeKeywordText`): NFKC, so ＳＴＯＰ, ｽﾄｯﾌﾟ and a full-width space read as STOP,
 * ストップ and a space; lower case; runs of whitespace as one space; then surrounding whitespace,
 * trailing `.` `!` `。` (their full-width forms fold into these) and surrounding quotes or brackets
 * (「停止」, "STOP") are removed until none is left. A question mark is kept: "STOP?" asks about the
 * keyword rather than using it. The same normalisation applies to configured keywords, so an admin may
 * type them in any width or case.
 *
 * Scope: an opt-out keyword stops every topic (`all`), as STOP does for SMS, except a keyword that names
 * promotions, which stops only the marketing topics (`marketing`). A resume keyword restores only what
 * a keyword stop withdrew (see `consentFromKeyword`): a one-word reply does not say which topics the
 * customer wants, nor name the business, so it can never create consent that was not given before.
 */

export const keywordKinds = ['opt_out', 'opt_in'] as const;

export type KeywordKind = (typeof keywordKinds)[number];

export const keywordScopes = ['all', 'marketing'] as const;

export type KeywordScope = (typeof keywordScopes)[number];

/** A keyword is a word or two a customer types; a message longer than this is a sentence. */
export const keywordLengthMax = 50;

/** Per kind: room for several languages' keywords, few enough to review on one screen. */
export const keywordsPerKindMax = 100;

export type KeywordEntry = { keyword: string; scope: KeywordScope };

/**
 * Opt-out defaults, chosen to be unmistakable as whole messages in a support chat:
 * - English: the CTIA/Twilio core STOP, STOPALL, UNSUBSCRIBE, plus "stop all" and the opt-out spellings.
 *   CANCEL, END and QUIT are left out: to a helpdesk, "cancel" alone most often means an order.
 * - "stop promotions": the text of the opt-out quick-reply button of marketing templates; it stops
 *   marketing only, so tapping it does not also stop delivery notices. A Japanese template's button
 *   saying 配信停止 stops every topic: wider than meant, but on the side of the customer's wish.
 * - Japanese: 停止 and 配信停止 (the words LINE, SMS and mail services ask for), ストップ, 配信解除 and
 *   登録解除 (mail-magazine wording), 受信停止. Left out: 解除 alone (unlocking, cancelling a booking),
 *   キャンセル and 中止 (orders, events), 退会 (closing an account, which opt-out is not).
 */
export const defaultOptOutKeywords: readonly KeywordEntry[] = [
  ...['STOP', 'STOP ALL', 'STOPALL', 'UNSUBSCRIBE', 'OPT OUT', 'OPT-OUT', 'OPTOUT'].map(allTopics),
  { keyword: 'STOP PROMOTIONS', scope: 'marketing' },
  ...['停止', '配信停止', 'ストップ', '配信解除', '登録解除', '受信停止'].map(allTopics),
];

/**
 * Resume defaults: START and UNSTOP as for SMS, 再開 and 配信再開 in Japanese. YES, which SMS also
 * accepts, is left out: in a support chat it answers every other question.
 */
export const defaultOptInKeywords: readonly KeywordEntry[] = ['START', 'UNSTOP', '再開', '配信再開'].map(allTopics);

function allTopics(keyword: string): KeywordEntry {
  return { keyword, scope: 'all' };
}

const keywordEntrySchema = z.strictObject({
  keyword: z
    .string()
    .max(keywordLengthMax)
    .refine((keyword) => normalizeKeywordText(keyword) !== '', {
      message: 'must keep some text after normalisation (not only punctuation or spaces)',
      params: { problem: 'empty_keyword' },
    }),
  scope: z.enum(keywordScopes).default('all'),
});

/**
 * An account's keywords. With `include_defaults` the lists add to the defaults, and an entry repeating a
 * default of the same kind replaces it (to change its scope). A keyword may not be both an opt-out and
 * a resume keyword, nor be listed twice in one list (both compared after normalisation).
 */
export const keywordConfigurationSchema = z
  .strictObject({
    include_defaults: z.boolean().default(true),
    opt_out: z.array(keywordEntrySchema).max(keywordsPerKindMax).default([]),
    opt_in: z.array(keywordEntrySchema).max(keywordsPerKindMax).default([]),
  })
  .superRefine((configuration, context) => {
    for (const issue of keywordConfigurationIssues(configuration)) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path, params: { problem: issue.problem } });
    }
  });

export type KeywordConfigurationInput = z.input<typeof keywordConfigurationSchema>;
export type KeywordConfiguration = z.output<typeof keywordConfigurationSchema>;

export const defaultKeywordConfiguration: KeywordConfiguration = { include_defaults: true, opt_out: [], opt_in: [] };

type KeywordIssue = { path: (string | number)[]; problem: string; message: string };

function keywordConfigurationIssues(configuration: KeywordConfiguration): KeywordIssue[] {
  const issues: KeywordIssue[] = [];
  const kindOf = new Map<string, KeywordKind>();
  if (configuration.include_defaults) {
    for (const entry of defaultOptOutKeywords) kindOf.set(normalizeKeywordText(entry.keyword), 'opt_out');
    for (const entry of defaultOptInKeywords) kindOf.set(normalizeKeywordText(entry.keyword), 'opt_in');
  }
  for (const kind of keywordKinds) {
    const listed = new Set<string>();
    configuration[kind].forEach((entry, index) => {
      const normalized = normalizeKeywordText(entry.keyword);
      const path = [kind, index, 'keyword'];
      if (listed.has(normalized)) {
        issues.push({ path, problem: 'duplicate_keyword', message: `${entry.keyword} is listed twice` });
      }
      const otherKind = kindOf.get(normalized);
      if (otherKind !== undefined && otherKind !== kind) {
        issues.push({ path, problem: 'keyword_conflict', message: `${entry.keyword} is also a ${otherKind} keyword` });
      }
      listed.add(normalized);
      kindOf.set(normalized, kind);
    });
  }
  return issues;
}

export type KeywordMatch = {
  kind: KeywordKind;
  /** The keyword as configured (or as in the defaults), not as the customer typed it. */
  keyword: string;
  scope: KeywordScope;
};

/** Trailing sentence punctuation and the spaces between (`STOP ! .`); full-width forms are folded into these first. */
const trailingPunctuation = /[\s.!。]+$/u;

const bracketPairs: readonly (readonly [string, string])[] = [
  ['「', '」'],
  ['『', '』'],
  ['【', '】'],
  ['(', ')'],
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
];

/**
 * The form in which messages and keywords are compared; see the notes at the top of this module.
 * Punctuation and brackets are removed until none is left (「停止。」。), so normalising twice changes nothing.
 */
export function normalizeKeywordText(text: string): string {
  let current = foldText(text);
  for (;;) {
    const next = stripOuterPunctuation(current);
    if (next === current) return current;
    current = next;
  }
}

/** One round: trailing punctuation, then one pair of surrounding brackets or quotes. Never lengthens the text. */
function stripOuterPunctuation(text: string): string {
  const stripped = text.replace(trailingPunctuation, '');
  const pair = bracketPairs.find(
    ([open, close]) => stripped.length >= open.length + close.length && stripped.startsWith(open) && stripped.endsWith(close),
  );
  return pair === undefined ? stripped : stripped.slice(pair[0].length, stripped.length - pair[1].length).trim();
}

const compiledKeywords = new WeakMap<KeywordConfiguration, Map<string, KeywordMatch>>();

/** Normalised keyword → match, compiled once per configuration object (configurations are never mutated). */
function keywordTable(configuration: KeywordConfiguration): Map<string, KeywordMatch> {
  let table = compiledKeywords.get(configuration);
  if (table === undefined) {
    table = new Map();
    const defaults = configuration.include_defaults;
    addKeywords(table, 'opt_out', defaults ? defaultOptOutKeywords : []);
    addKeywords(table, 'opt_in', defaults ? defaultOptInKeywords : []);
    addKeywords(table, 'opt_out', configuration.opt_out);
    addKeywords(table, 'opt_in', configuration.opt_in);
    compiledKeywords.set(configuration, table);
  }
  return table;
}

function addKeywords(table: Map<string, KeywordMatch>, kind: KeywordKind, entries: readonly KeywordEntry[]): void {
  for (const { keyword, scope } of entries) {
    table.set(normalizeKeywordText(keyword), { kind, keyword, scope });
  }
}

/**
 * Whether a customer's whole message is an opt-out or resume keyword; null for any other message.
 * A message much longer than any keyword is rejected before normalising it (a keyword with its
 * punctuation and brackets never needs more), so long messages cost nothing.
 */
export function matchOptOutKeyword(
  text: string,
  configuration: KeywordConfiguration = defaultKeywordConfiguration,
): KeywordMatch | null {
  if (text.length > keywordLengthMax * 2) return null;
  return keywordTable(configuration).get(normalizeKeywordText(text)) ?? null;
}
