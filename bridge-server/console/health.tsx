import type { DeploymentHealth, HealthIssueCode } from '@wabridge/shared';
import { Alert } from '@zendeskgarden/react-notifications';
import { MD, SM } from '@zendeskgarden/react-typography';
import { useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, useT } from './i18n.js';

/**
 * Each health problem in Japanese, by its stable code (the bridge words them in English: numbers/health.ts). The
 * English view shows the bridge's own sentences, which carry the figures (counts, restriction types).
 */
const japanese: Record<HealthIssueCode, { message: string; action: string }> = {
  deliveries_failing: {
    message: 'ヘルプデスクまたはアカウントの Webhook への配信が完全に失敗しています。',
    action: '失敗したジョブ（GET /v1/jobs?status=dead）を確認し、原因を直して再実行してください。',
  },
  messaging_blocked: {
    message: 'Meta がこの番号からの送信を止めています。',
    action: 'WhatsApp マネージャーで番号とアカウントの状態を確認し、表示された問題を解消してください。',
  },
  messaging_limited: {
    message: 'Meta がこの番号の送信を制限しています。',
    action: 'WhatsApp マネージャーで制限の理由を確認し、メッセージの品質を改善してください。',
  },
  meta_token_invalid: {
    message: 'Meta がアクセストークンを拒否しています（エラー 190）。期限切れ、取り消し、または権限がありません。',
    action:
      'Meta ビジネススイートで whatsapp_business_messaging と whatsapp_business_management 権限のシステムユーザートークンを新しく発行し、ブリッジに設定してください。',
  },
  meta_unreachable: {
    message: 'Meta に番号の状態を問い合わせできませんでした。以下は Webhook の情報のみです。',
    action: '数分後にもう一度確認してください。続く場合は Meta のプラットフォーム状況を確認してください。',
  },
  webhooks_not_subscribed: {
    message: 'アプリが WhatsApp Business アカウントの Webhook をサブスクライブしていません。',
    action:
      'Meta のアプリダッシュボードでコールバック URL と認証トークンを設定し、messages フィールドをサブスクライブしてください。',
  },
  webhooks_never_received: {
    message: 'Meta からの Webhook をまだ一度も受信していません。',
    action: 'コールバック URL と認証トークンが Meta に正しく設定され、messages がサブスクライブされているか確認してください。',
  },
  webhooks_silent: {
    message: 'しばらく Meta からの Webhook を受信していません。',
    action: 'Meta のアプリダッシュボードで Webhook の設定と配信エラーを確認してください。',
  },
  number_not_registered: {
    message: '番号が Cloud API に登録されていません。',
    action: '番号を登録してください: コードを受け取り、確認し、2 段階認証の PIN で登録します。',
  },
  quality_low: {
    message: '番号の品質評価が低くなっています。',
    action: 'オプトインした相手にだけ、期待される内容を送り、ブロックや報告を減らしてください。',
  },
  quality_flagged: {
    message: '番号の品質に警告が出ています。改善しないと送信上限が下がります。',
    action: '直近のテンプレートの内容と送信先を見直し、ブロックや報告の原因を取り除いてください。',
  },
  account_restricted: {
    message: 'Meta がアカウントのメッセージ送信を制限しています。',
    action: '制限の終了を待ち、WhatsApp マネージャーで違反内容を確認して、メッセージの品質を改善してください。',
  },
  account_banned: {
    message: 'Meta がポリシー違反で WhatsApp Business アカウントを無効にしました。',
    action: 'WhatsApp マネージャーで違反内容を確認し、審査を請求してください。',
  },
  display_name_declined: {
    message: 'Meta が表示名を承認しませんでした。',
    action: 'WhatsApp マネージャーで表示名のガイドラインに沿った名前に変更し、再審査を受けてください。',
  },
  display_name_pending: {
    message: '表示名は Meta の審査中です。',
    action: '審査が終わるまでお待ちください。承認されると顧客に表示されます。',
  },
  templates_rejected: {
    message: '却下されたテンプレートがあります。',
    action: 'WhatsApp マネージャーで却下理由を確認し、テンプレートを修正して再申請してください。',
  },
  templates_paused_or_disabled: {
    message: '一時停止または無効になったテンプレートがあります。',
    action: '品質の低いテンプレートを見直し、WhatsApp マネージャーで状態を確認してください。',
  },
};

function wording(i18n: ConsoleI18n, issue: DeploymentHealth['issues'][number]): { message: string; action: string } {
  return i18n.locale === 'ja' ? japanese[issue.code] : { message: issue.message, action: issue.action };
}

/** The number's health (GET /v1/deployments/{id}/health): whether it can send, and a banner per problem with its fix. */
export function Health({ deploymentId }: { deploymentId: string }) {
  const i18n = useT();
  const [health, setHealth] = useState<DeploymentHealth>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    bridge
      .call('getDeploymentHealth', { params: { deployment_id: deploymentId } })
      .then(setHealth, (thrown) => setError(errorText(i18n.locale, thrown)));
  }, [deploymentId, i18n.locale]);
  if (error !== undefined) return <Alert type="error">{error}</Alert>;
  if (health === undefined) return <SM>{i18n.t('common.loading')}</SM>;
  const reason = health.issues.find((issue) => issue.code === health.cannot_send_reason);
  return (
    <section data-testid="health" style={{ marginTop: 12 }}>
      <MD isBold tag="h4">
        {i18n.t('health.heading')}
      </MD>
      <SM>
        {i18n.t('health.quality', {
          quality: health.quality_rating ?? i18n.t('health.unknown'),
          limit: health.messaging_limit_tier ?? i18n.t('health.unknown'),
          last:
            health.webhook_last_received_at === null ? i18n.t('health.never') : i18n.dateTime(health.webhook_last_received_at),
        })}
      </SM>
      <Alert type={health.can_send ? 'success' : 'error'} style={{ marginTop: 8 }} data-testid="health-can-send">
        {health.can_send || reason === undefined
          ? i18n.t('health.canSend')
          : i18n.t('health.cannotSend', { reason: wording(i18n, reason).message })}
      </Alert>
      {health.issues.map((issue) => {
        const { message, action } = wording(i18n, issue);
        return (
          <Alert
            key={issue.code}
            type={issue.severity === 'blocking' ? 'error' : 'warning'}
            style={{ marginTop: 8 }}
            data-testid="health-issue"
            data-code={issue.code}
          >
            <Alert.Title>{message}</Alert.Title>
            {i18n.t('health.action')} {action}
          </Alert>
        );
      })}
    </section>
  );
}
