import type { numberProblemCatalogue } from '../../numbers-problems.js';

/*
 * The number problems (credentials, registration) in both languages, for an administrator: spread into the
 * `problems` of en.ts and ja.ts so that the catalogue and its translations grow in one file.
 */

type NumberProblemCode = keyof typeof numberProblemCatalogue;

export const numberProblemsEn: Record<NumberProblemCode, string> = {
  meta_token_invalid: 'Meta refused the access token. Create a new system-user token with the WhatsApp permissions.',
  meta_app_secret_invalid:
    'The app secret does not belong to the Meta app of the access token. Copy it from App settings → Basic.',
  phone_number_not_accessible:
    'The access token cannot read this phone number ID. Check the ID and give the system user the WhatsApp account as an asset.',
  waba_not_accessible:
    'The access token cannot read this WhatsApp Business Account ID. Check the ID and the system user’s assets.',
  phone_number_not_in_waba: 'This phone number ID does not belong to this WhatsApp Business Account.',
  number_already_registered: 'This number is already registered. No code is needed.',
  verification_code_requests_exceeded: 'Meta will not send more codes for now. Enter the last code received, or try again later.',
  verification_code_invalid: 'Meta did not accept this code. Check it, or request a new one.',
  number_not_verified: 'Verify the number with a code before registering it.',
  registration_pin_mismatch: 'This PIN does not match the number’s two-step verification PIN.',
  registration_pin_locked: 'Too many wrong PINs. Meta blocks registration for a while; try again later.',
  profile_picture_type_not_allowed: 'The profile picture must be a JPEG or PNG image.',
  profile_picture_too_large: 'The profile picture is larger than 5 MB. Choose a smaller image (640 × 640 pixels is enough).',
  meta_app_id_missing: 'Give this number’s Meta app ID first (App settings → Basic). Meta needs it to upload a picture.',
};

export const numberProblemsJa: Record<NumberProblemCode, string> = {
  meta_token_invalid:
    'Meta がアクセストークンを拒否しました。WhatsApp の権限を持つシステムユーザーのトークンを新しく作成してください。',
  meta_app_secret_invalid:
    'App Secret がアクセストークンの Meta アプリのものではありません。アプリ設定 → ベーシックからコピーしてください。',
  phone_number_not_accessible:
    'アクセストークンでこの電話番号 ID を読み取れません。ID と、システムユーザーに WhatsApp アカウントが割り当てられているかを確認してください。',
  waba_not_accessible:
    'アクセストークンでこの WhatsApp ビジネスアカウント ID を読み取れません。ID とシステムユーザーのアセットを確認してください。',
  phone_number_not_in_waba: 'この電話番号 ID はこの WhatsApp ビジネスアカウントに属していません。',
  number_already_registered: 'この番号はすでに登録されています。認証コードは不要です。',
  verification_code_requests_exceeded:
    'Meta は現在これ以上コードを送信しません。最後に届いたコードを入力するか、しばらくしてから再試行してください。',
  verification_code_invalid: 'Meta がこのコードを受け付けませんでした。確認するか、新しいコードをリクエストしてください。',
  number_not_verified: '登録の前に、認証コードで番号を確認してください。',
  registration_pin_mismatch: 'この PIN は番号の 2 段階認証 PIN と一致しません。',
  registration_pin_locked: 'PIN の誤りが多すぎます。Meta がしばらく登録を停止しています。後で再試行してください。',
  profile_picture_type_not_allowed: 'プロフィール画像は JPEG または PNG の画像にしてください。',
  profile_picture_too_large:
    'プロフィール画像が 5 MB を超えています。小さい画像を選んでください（640 × 640 ピクセルで十分です）。',
  meta_app_id_missing:
    '先にこの番号の Meta アプリ ID を入力してください（アプリ設定 → ベーシック）。画像のアップロードに Meta が必要とします。',
};
