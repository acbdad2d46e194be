import type { zohoChannelProblemCatalogue } from '../../zoho-channel-problems.js';

/*
 * The Zoho channel's linking problems in both languages, for an administrator: spread into the `problems` of en.ts
 * and ja.ts so that the catalogue and its translations grow in one file.
 */

type ZohoChannelProblemCode = keyof typeof zohoChannelProblemCatalogue;

export const zohoChannelProblemsEn: Record<ZohoChannelProblemCode, string> = {
  zoho_accounts_url_not_allowed: 'This is not a Zoho accounts server. Use https://accounts.zoho.com or your data centre’s.',
  zoho_oauth_refused: 'Zoho refused the OAuth client or refresh token. Create a new one in Zoho’s API console.',
  zoho_org_not_reachable: 'The Zoho token cannot reach this Zoho Desk organisation.',
  zoho_unavailable: 'Zoho could not be reached. Try again in a few minutes.',
};

export const zohoChannelProblemsJa: Record<ZohoChannelProblemCode, string> = {
  zoho_accounts_url_not_allowed:
    'Zoho のアカウントサーバーではありません。https://accounts.zoho.com またはご利用のデータセンターのものを指定してください。',
  zoho_oauth_refused:
    'Zoho が OAuth クライアントまたはリフレッシュトークンを拒否しました。Zoho の API コンソールで作成し直してください。',
  zoho_org_not_reachable: 'この Zoho トークンではこの Zoho Desk 組織にアクセスできません。',
  zoho_unavailable: 'Zoho に接続できませんでした。数分後にもう一度お試しください。',
};
