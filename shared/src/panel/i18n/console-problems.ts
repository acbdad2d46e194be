import type { consoleProblemCatalogue } from '../../console-problems.js';

/* The console's sign-in problems in both languages: spread into the `problems` of en.ts and ja.ts. */

type ConsoleProblemCode = keyof typeof consoleProblemCatalogue;

export const consoleProblemsEn: Record<ConsoleProblemCode, string> = {
  session_required: 'You are signed out (the session ended). Sign in again.',
  cross_origin_refused: 'The request did not come from the console’s own page, so it was refused. Reload the console.',
  operator_required: 'Only the bridge operator may do this. Your account admin sign-in covers your own account only.',
};

export const consoleProblemsJa: Record<ConsoleProblemCode, string> = {
  session_required: 'サインアウトしています（セッションが終了しました）。もう一度サインインしてください。',
  cross_origin_refused: 'コンソール自身のページからのリクエストではないため拒否されました。コンソールを再読み込みしてください。',
  operator_required: 'この操作はブリッジの運営者のみが行えます。アカウント管理者は自分のアカウントのみを操作できます。',
};
