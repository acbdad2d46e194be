import type { Deployment, TemplateSummary, TemplateSync } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Select } from '@zendeskgarden/react-forms';
import { Dots } from '@zendeskgarden/react-loaders';
import { Alert } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { translatedOr, WithDeployment } from './deployment-picker.js';
import { useT } from './i18n.js';

/**
 * Meta's template statuses (WhatsApp Business Management API, message template `status`): the ones a filter offers,
 * and every one listed when no filter is chosen (`GET /v1/templates` lists approved ones only unless asked).
 */
const filterStatuses = ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
const everyStatus = [...filterStatuses, 'IN_APPEAL', 'FLAGGED', 'PENDING_DELETION', 'LIMIT_EXCEEDED', 'ARCHIVED'].join(',');

/** How often a running sync is asked for its progress: often enough to watch pages arrive, rare enough to be cheap. */
const syncPollIntervalMs = 500;

const statusHue: Record<string, string> = { APPROVED: 'green', PENDING: 'yellow', REJECTED: 'red', PAUSED: 'orange' };

function SyncButton({ deployment, onSynced }: { deployment: Deployment; onSynced: () => void }) {
  const i18n = useT();
  const [sync, setSync] = useState<TemplateSync>();
  const [error, setError] = useState<string>();
  const query = { deployment_id: deployment.id };
  // While a sync runs, its progress is read again until it ends; then the list is read again.
  useEffect(() => {
    if (sync?.state !== 'running') return;
    const timer = setTimeout(async () => {
      try {
        const next = await bridge.call('getTemplateSync', { params: { sync_id: sync.id }, query });
        setSync(next);
        if (next.state !== 'running') onSynced();
      } catch (thrown) {
        setError(errorText(i18n.locale, thrown));
      }
    }, syncPollIntervalMs);
    return () => clearTimeout(timer);
  });
  const counts = { pages: sync?.pages_fetched ?? 0, templates: sync?.templates_seen ?? 0 };
  return (
    <div>
      <Button
        disabled={sync?.state === 'running'}
        onClick={async () => {
          setError(undefined);
          try {
            setSync(await bridge.call('syncTemplates', { query }));
          } catch (thrown) {
            setError(errorText(i18n.locale, thrown));
          }
        }}
      >
        {i18n.t('templates.sync')}
      </Button>
      {sync !== undefined && (
        <Alert
          type={sync.state === 'failed' ? 'error' : sync.state === 'running' ? 'info' : 'success'}
          role="status"
          data-testid="template-sync"
          style={{ marginTop: 8 }}
        >
          {sync.state === 'running' && <Dots style={{ marginRight: 8 }} />}
          {sync.state === 'running'
            ? i18n.t('templates.syncing', counts)
            : sync.state === 'succeeded'
              ? i18n.t('templates.synced', counts)
              : i18n.t('templates.syncFailed', { error: sync.error ?? '' })}
        </Alert>
      )}
      {error !== undefined && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }}>
          {error}
        </Alert>
      )}
    </div>
  );
}

function TemplateTable({ rows }: { rows: TemplateSummary[] }) {
  const i18n = useT();
  return (
    <table className="data" data-testid="templates">
      <thead>
        <tr>
          <th>{i18n.t('templates.name')}</th>
          <th>{i18n.t('templates.language')}</th>
          <th>{i18n.t('templates.status')}</th>
          <th>{i18n.t('templates.category')}</th>
          <th>{i18n.t('templates.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-testid="template" data-status={row.status}>
            <td>
              <code>{row.name}</code>
            </td>
            <td>{row.language}</td>
            <td>
              <Tag hue={statusHue[row.status] ?? 'grey'}>{translatedOr(i18n, `templates.status_${row.status}`, row.status)}</Tag>
            </td>
            <td>
              {translatedOr(i18n, `templates.category_${row.category}`, row.category)}
              {row.previous_category !== null && row.previous_category !== row.category && (
                <div style={{ color: '#68737d' }}>
                  {i18n.t('templates.previousCategory', {
                    category: translatedOr(i18n, `templates.category_${row.previous_category}`, row.previous_category),
                  })}
                </div>
              )}
            </td>
            <td>{i18n.dateTime(row.updated_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeploymentTemplates({ deployment }: { deployment: Deployment }) {
  const i18n = useT();
  const [status, setStatus] = useState('');
  const [rows, setRows] = useState<TemplateSummary[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      const query = { deployment_id: deployment.id, status: status === '' ? everyStatus : status };
      setRows((await bridge.call('listTemplates', { query })).data);
      setError(undefined);
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  }, [deployment.id, status, i18n.locale]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section>
      <LG tag="h2">{i18n.t('templates.heading')}</LG>
      <MD style={{ marginBottom: 12 }}>{i18n.t('templates.hint')}</MD>
      <SyncButton deployment={deployment} onSynced={() => void load()} />
      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-end', flexWrap: 'wrap', margin: '12px 0' }}>
        <Field>
          <Field.Label>{i18n.t('templates.status')}</Field.Label>
          <Select name="template_status" value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">{i18n.t('templates.allStatuses')}</option>
            {filterStatuses.map((name) => (
              <option key={name} value={name}>
                {i18n.t(`templates.status_${name}`)}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      {error !== undefined && (
        <Alert type="error" role="alert">
          {error}
        </Alert>
      )}
      {rows !== undefined && (
        <MD data-testid="template-count">
          {rows.length === 0 ? i18n.t('templates.none') : i18n.t('templates.count', { count: rows.length })}
        </MD>
      )}
      {rows !== undefined && rows.length > 0 && <TemplateTable rows={rows} />}
    </section>
  );
}

export function TemplatesPage({ accountId }: { accountId: string }) {
  return (
    <WithDeployment accountId={accountId}>
      {(deployment) => <DeploymentTemplates key={deployment.id} deployment={deployment} />}
    </WithDeployment>
  );
}
