import type { Deployment } from '@wabridge/shared';
import { Field, Select } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { type ReactNode, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, type Key, useT } from './i18n.js';

/**
 * The account's numbers to choose from, for the pages that act on one (templates, profile and link); the first is
 * chosen at first. Renders `children` with the chosen deployment, or says there is none yet.
 */
export function WithDeployment({ accountId, children }: { accountId: string; children: (deployment: Deployment) => ReactNode }) {
  const i18n = useT();
  const [rows, setRows] = useState<Deployment[]>();
  const [chosen, setChosen] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    bridge.call('listDeployments', { query: { account_id: accountId, limit: 100 } }).then(
      (answer) => {
        if (!current) return;
        setRows(answer.data);
        setChosen(answer.data[0]?.id);
      },
      (thrown) => current && setError(errorText(i18n.locale, thrown)),
    );
    return () => {
      current = false;
    };
  }, [accountId, i18n.locale]);
  if (error !== undefined) return <Alert type="error">{error}</Alert>;
  if (rows === undefined) return <p>{i18n.t('common.loading')}</p>;
  const deployment = rows.find((row) => row.id === chosen);
  if (deployment === undefined) return <Alert type="info">{i18n.t('picker.none')}</Alert>;
  return (
    <div style={{ paddingTop: 16 }}>
      <Field style={{ maxWidth: 480, marginBottom: 16 }}>
        <Field.Label>{i18n.t('picker.deployment')}</Field.Label>
        <Select name="deployment" value={deployment.id} onChange={(event) => setChosen(event.target.value)}>
          {rows.map((row) => (
            <option key={row.id} value={row.id}>
              {row.display_name} · {row.display_phone_number}
            </option>
          ))}
        </Select>
      </Field>
      {children(deployment)}
    </div>
  );
}

/** A translation whose key is built from data (a Meta status, a vertical): Meta's own word when there is none. */
export function translatedOr(i18n: ConsoleI18n, key: string, fallback: string): string {
  const text = i18n.t(key as Key);
  return text === key ? fallback : text;
}
