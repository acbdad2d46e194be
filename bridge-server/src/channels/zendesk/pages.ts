/*
 * The pages Zendesk shows in its admin UI iframe: the linking form, and the page that hands `name` and `metadata`
 * back to Zendesk's return_url (posted by a script, with a button for browsers without scripts, as Zendesk's channel
 * tutorial does). English and Japanese, by the `locale` Zendesk posts.
 */

export type PageLanguage = 'en' | 'ja';

export function pageLanguageOf(locale: string | undefined): PageLanguage {
  return locale?.toLowerCase().startsWith('ja') === true ? 'ja' : 'en';
}

const texts = {
  en: {
    title: 'Connect WhatsApp',
    intro:
      'Link this Zendesk account to a WhatsApp number of the bridge. Customers’ WhatsApp messages become tickets, and agents’ public replies are sent back on WhatsApp.',
    name: 'Account name (shown in Zendesk)',
    token: 'Installation token (given by your bridge administrator, starts with wbi_)',
    submit: 'Connect',
    finishing: 'Saving the account in Zendesk…',
    continue: 'Continue',
    invalidToken: 'This installation token is not valid for this Zendesk account. Check it and try again.',
    tooManyAttempts: 'Too many attempts. Wait a minute and try again.',
    expired: 'This page has expired. Close it and add the account again from Zendesk.',
    invalidRequest: 'This request did not come from Zendesk as expected.',
  },
  ja: {
    title: 'WhatsApp を接続',
    intro:
      'この Zendesk アカウントをブリッジの WhatsApp 番号に接続します。お客様の WhatsApp メッセージはチケットになり、エージェントの公開返信は WhatsApp で送信されます。',
    name: 'アカウント名（Zendesk に表示）',
    token: 'インストールトークン（ブリッジ管理者から提供。wbi_ で始まります）',
    submit: '接続',
    finishing: 'Zendesk にアカウントを保存しています…',
    continue: '続行',
    invalidToken: 'このインストールトークンはこの Zendesk アカウントでは使用できません。確認してもう一度お試しください。',
    tooManyAttempts: '試行回数が多すぎます。1 分ほど待ってからもう一度お試しください。',
    expired: 'このページの有効期限が切れました。閉じてから Zendesk でアカウントをもう一度追加してください。',
    invalidRequest: 'このリクエストは Zendesk から想定どおりに送信されたものではありません。',
  },
} as const;

export type PageMessage = 'invalidToken' | 'tooManyAttempts' | 'expired' | 'invalidRequest';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(language: PageLanguage, body: string): string {
  return (
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(texts[language].title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:560px;color:#2f3941}' +
    'label{display:block;margin:16px 0 4px;font-weight:600}input{width:100%;padding:8px;box-sizing:border-box}' +
    'button{margin-top:20px;padding:8px 16px}.error{color:#cc3340}</style></head>' +
    `<body>${body}</body></html>`
  );
}

/** The linking form: the sealed setup rides along as a hidden field; the admin types a name and the token. */
export function linkFormPage(
  language: PageLanguage,
  options: { action: string; setup: string; name: string; error?: PageMessage },
): string {
  const text = texts[language];
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(text[options.error])}</p>`;
  return page(
    language,
    `<h1>${escapeHtml(text.title)}</h1><p>${escapeHtml(text.intro)}</p>${error}` +
      `<form method="post" action="${escapeHtml(options.action)}">` +
      `<input type="hidden" name="setup" value="${escapeHtml(options.setup)}">` +
      `<label for="name">${escapeHtml(text.name)}</label>` +
      `<input id="name" name="name" required maxlength="255" value="${escapeHtml(options.name)}">` +
      `<label for="installation_token">${escapeHtml(text.token)}</label>` +
      '<input id="installation_token" name="installation_token" type="password" required autocomplete="off" value="">' +
      `<button type="submit">${escapeHtml(text.submit)}</button></form>`,
  );
}

/** The end of the linking: posts name, metadata and state to Zendesk's return_url. */
export function returnPage(language: PageLanguage, returnUrl: string, fields: Record<string, string>): string {
  const text = texts[language];
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return page(
    language,
    `<p>${escapeHtml(text.finishing)}</p><form id="finish" method="post" action="${escapeHtml(returnUrl)}">${inputs}` +
      `<button type="submit">${escapeHtml(text.continue)}</button></form>` +
      '<script>document.getElementById("finish").submit()</script>',
  );
}

export function messagePage(language: PageLanguage, message: PageMessage): string {
  return page(language, `<p class="error" role="alert">${escapeHtml(texts[language][message])}</p>`);
}
