/**
 * The internal notes the bridge writes on tickets, in the helpdesk's language (English or Japanese): what an
 * automation sent and what it cost, why it was not sent, and window reminders. Worded for the agent reading the
 * ticket, not for a developer: the refusal's code stays in the bridge's records.
 */
export type NoteLocale = 'en' | 'ja';

export type Note =
  | { kind: 'sent'; automation: string; template: string | null; points: number | null }
  | { kind: 'not_sent'; automation: string; code: string; detail: string; facts: Record<string, unknown> }
  | { kind: 'reminder'; minutes: number; closesAt: string };

const prefix = { en: 'WhatsApp (wabridge)', ja: 'WhatsApp（wabridge）' } as const;

function refusalText(locale: NoteLocale, code: string, detail: string, facts: Record<string, unknown>): string {
  const ja = locale === 'ja';
  switch (code) {
    case 'opt_in_required': {
      const topic = String(facts.topic ?? (ja ? 'このトピック' : 'this topic'));
      return ja ? `${topic} のオプトインがありません` : `no opt-in for ${topic}`;
    }
    case 'window_closed':
      return ja
        ? '24時間の応答期間が終了しているため、自由形式のメッセージは送れません（テンプレートを使ってください）'
        : 'the 24-hour window is closed, so free text cannot be sent (use a template)';
    case 'number_cannot_send':
      return ja
        ? 'Meta がこの番号のアカウントを制限または無効にしているため、送信できません'
        : 'Meta has restricted or disabled this number’s account, so nothing can be sent';
    case 'insufficient_points':
      return ja
        ? `ポイントが足りません（必要 ${String(facts.needed ?? '?')}、利用可能 ${String(facts.available ?? '?')}）`
        : `not enough points (${String(facts.needed ?? '?')} needed, ${String(facts.available ?? '?')} available)`;
    case 'template_not_approved':
      return ja
        ? `テンプレート ${String(facts.name ?? '')} は ${String(facts.status ?? '')} のため送信できません`
        : `template ${String(facts.name ?? '')} is ${String(facts.status ?? 'not approved')}`;
    case 'template_not_found':
      return ja
        ? `テンプレート ${String(facts.name ?? '')}（${String(facts.language ?? '')}）がありません`
        : `no template ${String(facts.name ?? '')} in ${String(facts.language ?? '')}`;
    case 'invalid_template_parameters':
      return ja ? `テンプレートの値が不正です: ${detail}` : `the template's values are wrong: ${detail}`;
    case 'unknown_number':
      return ja ? '依頼者に有効な WhatsApp 番号がありません' : 'the requester has no valid WhatsApp number';
    case 'meta_rejected':
      return ja ? `WhatsApp が拒否しました: ${detail}` : `WhatsApp refused it: ${detail}`;
    default:
      return ja ? `${detail}（${code}）` : `${detail} (${code})`;
  }
}

/** The note's text in the helpdesk's language. */
export function noteText(locale: NoteLocale, note: Note): string {
  const ja = locale === 'ja';
  switch (note.kind) {
    case 'sent': {
      const what =
        note.template === null
          ? ja
            ? 'メッセージ'
            : 'Message'
          : ja
            ? `テンプレート ${note.template}`
            : `Template ${note.template}`;
      const cost = note.points === null ? '' : ja ? ` — ${note.points} ポイント` : ` — ${note.points} points`;
      return ja
        ? `${prefix.ja}: ${what} を送信しました${cost}（自動化: ${note.automation}）`
        : `${prefix.en}: ${what} sent${cost} (automation: ${note.automation})`;
    }
    case 'not_sent': {
      const why = refusalText(locale, note.code, note.detail, note.facts);
      return ja
        ? `${prefix.ja}: 未送信: ${why}（自動化: ${note.automation}）`
        : `${prefix.en}: Not sent: ${why} (automation: ${note.automation})`;
    }
    case 'reminder':
      return ja
        ? `${prefix.ja}: お客様の24時間の応答期間は ${note.minutes} 分後（${note.closesAt}）に終了します。最後のメッセージはお客様からです。`
        : `${prefix.en}: the customer's 24-hour window closes in ${note.minutes} minutes (${note.closesAt}) and the customer wrote last.`;
  }
}
