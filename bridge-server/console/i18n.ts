import { createContext, useContext } from 'react';

/*
 * Every string of the console, in English and Japanese (`ja` must have the same keys: its type is `typeof en`).
 * Problem codes of the bridge are translated by the panel's catalogue (api.ts `errorText`). Numbers and dates are
 * formatted by Intl per locale.
 */
export const en = {
  title: 'wabridge console',
  signIn: {
    heading: 'Sign in',
    secret: 'Administrator token or account admin credential',
    hint: 'The operator signs in with the bridge’s administrator token (every account); an account’s admin with the wba_ credential the operator issued (that account only).',
    submit: 'Sign in',
    signOut: 'Sign out',
    operator: 'Operator (every account)',
    accountAdmin: 'Account admin: {name} ({account})',
    expires: 'Session ends {time}',
  },
  nav: { deployments: 'Deployments', wallet: 'Points', charts: 'Charts', audit: 'Audit', admins: 'Accounts and admins' },
  account: { label: 'Account', none: 'Create an account first (Accounts and admins).' },
  deployments: {
    heading: 'Deployments',
    none: 'No deployment yet.',
    create: 'Add a WhatsApp number',
    displayName: 'Display name',
    phone: 'Phone number (with country code)',
    wabaId: 'WhatsApp Business Account ID',
    phoneNumberId: 'Phone number ID',
    accessToken: 'System-user access token',
    appSecret: 'App secret (App settings → Basic)',
    submit: 'Create deployment',
    created: 'Deployment created. Its ID: {id}',
    id: 'Deployment ID',
    webhook: 'Paste into Meta (App dashboard → WhatsApp → Configuration → Webhook)',
    callbackUrl: 'Callback URL',
    verifyToken: 'Verify token',
    verifyTokenOnce: 'Shown only now: the bridge keeps it encrypted and never shows it again.',
    subscribe: 'Then subscribe to the messages field.',
    install: 'Install the helpdesk apps',
    zendeskSteps:
      'Zendesk Support: Admin Center → Apps and integrations → Zendesk Support apps → Upload private app (wabridge-zendesk.zip). Settings: bridge URL {url}, deployment ID {id}, installation token (below).',
    zohoSteps:
      'Zoho Desk: Setup → Marketplace → Extensions → install the wabridge extension. Settings: bridge URL {url}, deployment ID {id}, installation token (below).',
    installations: 'Installation tokens',
    helpdesk: 'Helpdesk',
    instance: 'Zendesk subdomain (acme.zendesk.com) or Zoho Desk org ID',
    issue: 'Issue a token',
    issued: 'Copy this token into the app’s settings now; it is not shown again:',
    revoke: 'Revoke',
    revoked: 'revoked',
    active: 'active',
    noInstallations: 'No installation yet.',
    registration: 'Register the number with WhatsApp',
    registrationHint:
      'Meta sends a 6-digit code to the number by SMS or voice call; enter it, then choose the two-step verification PIN (6 digits, kept by Meta).',
    codeMethod: 'Send the code by',
    sms: 'SMS',
    voice: 'Voice call',
    codeLanguage: 'Language of the code',
    requestCode: 'Send the code',
    code: '6-digit code',
    verify: 'Verify',
    pin: 'Two-step verification PIN',
    register: 'Register',
    step_code_requested: 'Code sent by {method}. Enter it below.',
    step_code_verified: 'Code verified. Choose the PIN and register.',
    step_registered: 'Registered: the number can send and receive WhatsApp messages.',
  },
  health: {
    heading: 'Health',
    canSend: 'The number can send.',
    cannotSend: 'This number cannot send: {reason}',
    quality: 'Quality {quality} · messaging limit {limit} · webhooks last received {last}',
    never: 'never',
    unknown: 'unknown',
    action: 'What fixes it:',
  },
  walletWords: {
    kind_purchase: 'purchase',
    kind_hold: 'hold',
    kind_capture: 'charge',
    kind_release: 'release',
    kind_expiry: 'expiry',
    kind_adjustment: 'adjustment',
    kind_hosting_fee: 'hosting fee',
    state_pending: 'pending',
    state_succeeded: 'succeeded',
    state_failed: 'failed',
    state_off: 'off',
    state_active: 'on',
    state_paused: 'paused',
  },
  wallet: {
    heading: 'Points',
    balance: 'Balance',
    reserved: 'Reserved',
    available: 'Available',
    low: 'The balance is low.',
    buy: 'Buy points',
    points: 'Points',
    method: 'Payment method',
    submit: 'Buy',
    receipt: 'Receipt',
    receiptLine: '{points} points × {unit} = {subtotal}; fee {fee}; tax {tax}; total {total}',
    pending: 'The payment is pending; the points arrive when the provider settles it.',
    ledger: 'Ledger',
    kind: 'Kind',
    all: 'All',
    change: 'Change',
    reason: 'Reason',
    when: 'When',
    csv: 'Download CSV',
    payments: 'Payments',
    state: 'State',
    amount: 'Amount',
    why: 'Why',
    autoRecharge: 'Auto-recharge',
    enabled: 'On',
    disabled: 'Off',
    threshold: 'When available is under',
    rechargeAmount: 'buy',
    save: 'Save',
    saved: 'Saved.',
  },
  charts: {
    heading: 'Spending',
    perDay: 'Points spent per day, by category',
    perMarket: 'Points spent by market',
    freePaid: 'Free and paid messages per day',
    free: 'Free',
    paid: 'Paid',
    balance: 'Balance over time',
    latestChanges: 'the latest changes',
    none: 'Nothing spent in the last 30 days.',
    category_marketing: 'Marketing',
    category_utility: 'Utility',
    category_authentication: 'Authentication',
    category_authentication_international: 'Authentication (international)',
    category_service: 'Service',
  },
  audit: { heading: 'Audit', who: 'Who', what: 'What', status: 'Answer', none: 'Nothing yet.' },
  admins: {
    heading: 'Accounts and admins',
    newAccount: 'New account name',
    createAccount: 'Create account',
    name: 'Admin’s name',
    issue: 'Issue an admin credential',
    issued: 'Give this credential to the account’s admin now; it is not shown again:',
    revoke: 'Revoke',
  },
  common: { loading: 'Loading…', language: '日本語' },
};

export type Messages = typeof en;

export const ja: Messages = {
  title: 'wabridge コンソール',
  signIn: {
    heading: 'サインイン',
    secret: '管理者トークンまたはアカウント管理者の認証情報',
    hint: '運営者はブリッジの管理者トークンで（すべてのアカウント）、アカウント管理者は運営者が発行した wba_ 認証情報で（そのアカウントのみ）サインインします。',
    submit: 'サインイン',
    signOut: 'サインアウト',
    operator: '運営者（すべてのアカウント）',
    accountAdmin: 'アカウント管理者: {name}（{account}）',
    expires: 'セッション終了 {time}',
  },
  nav: { deployments: 'デプロイメント', wallet: 'ポイント', charts: 'グラフ', audit: '監査ログ', admins: 'アカウントと管理者' },
  account: { label: 'アカウント', none: '先にアカウントを作成してください（アカウントと管理者）。' },
  deployments: {
    heading: 'デプロイメント',
    none: 'デプロイメントはまだありません。',
    create: 'WhatsApp 番号を追加',
    displayName: '表示名',
    phone: '電話番号（国番号から）',
    wabaId: 'WhatsApp Business アカウント ID',
    phoneNumberId: '電話番号 ID',
    accessToken: 'システムユーザーのアクセストークン',
    appSecret: 'app シークレット（アプリの設定 → ベーシック）',
    submit: 'デプロイメントを作成',
    created: 'デプロイメントを作成しました。ID: {id}',
    id: 'デプロイメント ID',
    webhook: 'Meta に貼り付け（アプリダッシュボード → WhatsApp → 構成 → Webhook）',
    callbackUrl: 'コールバック URL',
    verifyToken: '認証トークン',
    verifyTokenOnce: '表示は今回のみです。ブリッジは暗号化して保管し、再表示しません。',
    subscribe: '続けて messages フィールドをサブスクライブしてください。',
    install: 'ヘルプデスクアプリのインストール',
    zendeskSteps:
      'Zendesk Support: 管理センター → アプリおよびインテグレーション → Zendesk Support アプリ → プライベートアプリをアップロード（wabridge-zendesk.zip）。設定: ブリッジ URL {url}、デプロイメント ID {id}、インストールトークン（下記）。',
    zohoSteps:
      'Zoho Desk: 設定 → マーケットプレイス → 拡張機能 → wabridge 拡張機能をインストール。設定: ブリッジ URL {url}、デプロイメント ID {id}、インストールトークン（下記）。',
    installations: 'インストールトークン',
    helpdesk: 'ヘルプデスク',
    instance: 'Zendesk サブドメイン（acme.zendesk.com）または Zoho Desk 組織 ID',
    issue: 'トークンを発行',
    issued: 'このトークンを今すぐアプリの設定にコピーしてください。再表示されません:',
    revoke: '取り消す',
    revoked: '取り消し済み',
    active: '有効',
    noInstallations: 'インストールはまだありません。',
    registration: '番号を WhatsApp に登録',
    registrationHint:
      'Meta が SMS または音声通話で 6 桁のコードを番号に送ります。コードを入力し、続けて 2 段階認証の PIN（6 桁、Meta が保管）を決めてください。',
    codeMethod: 'コードの受け取り方法',
    sms: 'SMS',
    voice: '音声通話',
    codeLanguage: 'コードの言語',
    requestCode: 'コードを送信',
    code: '6 桁のコード',
    verify: '確認',
    pin: '2 段階認証の PIN',
    register: '登録',
    step_code_requested: '{method} でコードを送りました。下に入力してください。',
    step_code_verified: 'コードを確認しました。PIN を決めて登録してください。',
    step_registered: '登録しました。この番号で WhatsApp メッセージを送受信できます。',
  },
  health: {
    heading: '状態',
    canSend: 'この番号は送信できます。',
    cannotSend: 'この番号は送信できません: {reason}',
    quality: '品質 {quality} · メッセージ上限 {limit} · Webhook の最終受信 {last}',
    never: 'なし',
    unknown: '不明',
    action: '対処:',
  },
  walletWords: {
    kind_purchase: '購入',
    kind_hold: '予約',
    kind_capture: '課金',
    kind_release: '予約解除',
    kind_expiry: '失効',
    kind_adjustment: '調整',
    kind_hosting_fee: 'ホスティング料金',
    state_pending: '処理中',
    state_succeeded: '成功',
    state_failed: '失敗',
    state_off: 'オフ',
    state_active: 'オン',
    state_paused: '一時停止',
  },
  wallet: {
    heading: 'ポイント',
    balance: '残高',
    reserved: '予約中',
    available: '利用可能',
    low: '残高が少なくなっています。',
    buy: 'ポイントを購入',
    points: 'ポイント数',
    method: '支払い方法',
    submit: '購入',
    receipt: '領収書',
    receiptLine: '{points} ポイント × {unit} = {subtotal}、手数料 {fee}、税 {tax}、合計 {total}',
    pending: '支払いは処理中です。決済が完了するとポイントが追加されます。',
    ledger: '台帳',
    kind: '種類',
    all: 'すべて',
    change: '増減',
    reason: '理由',
    when: '日時',
    csv: 'CSV をダウンロード',
    payments: '支払い',
    state: '状態',
    amount: '金額',
    why: '理由',
    autoRecharge: '自動チャージ',
    enabled: 'オン',
    disabled: 'オフ',
    threshold: '利用可能ポイントがこれを下回ったら',
    rechargeAmount: '購入するポイント',
    save: '保存',
    saved: '保存しました。',
  },
  charts: {
    heading: '利用状況',
    perDay: '日別の消費ポイント（カテゴリ別）',
    perMarket: '市場別の消費ポイント',
    freePaid: '日別の無料・有料メッセージ',
    free: '無料',
    paid: '有料',
    balance: '残高の推移',
    latestChanges: '直近の変動',
    none: '過去 30 日間の消費はありません。',
    category_marketing: 'マーケティング',
    category_utility: 'ユーティリティ',
    category_authentication: '認証',
    category_authentication_international: '認証（国際）',
    category_service: 'サービス',
  },
  audit: { heading: '監査ログ', who: '誰が', what: '何を', status: '応答', none: 'まだありません。' },
  admins: {
    heading: 'アカウントと管理者',
    newAccount: '新しいアカウント名',
    createAccount: 'アカウントを作成',
    name: '管理者の名前',
    issue: '管理者の認証情報を発行',
    issued: 'この認証情報を今すぐアカウント管理者に渡してください。再表示されません:',
    revoke: '取り消す',
  },
  common: { loading: '読み込み中…', language: 'English' },
};

export type Locale = 'en' | 'ja';

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
export type Key = Leaves<Messages>;

export function translate(locale: Locale, key: Key, params: Record<string, string | number> = {}): string {
  let node: unknown = locale === 'ja' ? ja : en;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  const text = typeof node === 'string' ? node : key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface ConsoleI18n {
  locale: Locale;
  t: (key: Key, params?: Record<string, string | number>) => string;
  number: (value: number) => string;
  money: (minor: number, currency: string) => string;
  dateTime: (iso: string) => string;
}

export function consoleI18n(locale: Locale): ConsoleI18n {
  return {
    locale,
    t: (key, params) => translate(locale, key, params),
    number: (value) => new Intl.NumberFormat(locale).format(value),
    money: (minor, currency) => {
      const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
      const digits = format.resolvedOptions().maximumFractionDigits ?? 0;
      return format.format(minor / 10 ** digits);
    },
    dateTime: (iso) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)),
  };
}

export const I18nContext = createContext<ConsoleI18n>(consoleI18n('en'));
export const useT = () => useContext(I18nContext);
