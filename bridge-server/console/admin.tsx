import type { Account, AccountAdmin, AuditEntry } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input } from '@zendeskgarden/react-forms';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { LG } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { useT } from './i18n.js';

/** What was done in the console; an account admin's view is its own account's (the bridge scopes it). */
export function AuditPage() {
  const i18n = useT();
  const [rows, setRows] = useState<AuditEntry[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    bridge.call('listAudit', { query: { limit: 100 } }).then(
      (answer) => setRows(answer.data),
      (thrown) => setError(errorText(i18n.locale, thrown)),
    );
  }, [i18n.locale]);
  if (error !== undefined) return <Alert type="error">{error}</Alert>;
  return (
    <table className="data" data-testid="audit" style={{ marginTop: 16 }}>
      <thead>
        <tr>
          <th>{i18n.t('wallet.when')}</th>
          <th>{i18n.t('audit.who')}</th>
          <th>{i18n.t('audit.what')}</th>
          <th>{i18n.t('audit.status')}</th>
        </tr>
      </thead>
      <tbody>
        {rows?.map((row) => (
          <tr key={row.id}>
            <td>{i18n.dateTime(row.at)}</td>
            <td>{row.actor_name === null ? row.actor : `${row.actor_name} (${row.actor})`}</td>
            <td>
              {row.action} <code>{row.target}</code>
            </td>
            <td>{row.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AccountAdmins({ account }: { account: Account }) {
  const i18n = useT();
  const [rows, setRows] = useState<AccountAdmin[]>([]);
  const [name, setName] = useState('');
  const [issued, setIssued] = useState<string>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    setRows((await bridge.call('listAccountAdmins', { params: { account_id: account.id } })).data);
  }, [account.id]);
  useEffect(() => {
    load().catch((thrown) => setError(errorText(i18n.locale, thrown)));
  }, [load, i18n.locale]);
  return (
    <Well style={{ marginTop: 12 }} data-testid={`account-${account.id}`}>
      <Well.Title>
        {account.name} <code>{account.id}</code>
      </Well.Title>
      <ul>
        {rows.map((row) => (
          <li key={row.id}>
            {row.name} <code>{row.credential_hint}…</code> {row.revoked_at !== null && `(${i18n.t('deployments.revoked')})`}
            {row.revoked_at === null && (
              <Button
                size="small"
                isBasic
                isDanger
                onClick={async () => {
                  await bridge.call('revokeAccountAdmin', { params: { admin_id: row.id } });
                  await load();
                }}
              >
                {i18n.t('admins.revoke')}
              </Button>
            )}
          </li>
        ))}
      </ul>
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            const admin = await bridge.call('createAccountAdmin', { params: { account_id: account.id }, body: { name } });
            setIssued(admin.credential);
            setName('');
            await load();
          } catch (thrown) {
            setError(errorText(i18n.locale, thrown));
          }
        }}
      >
        <Field>
          <Field.Label>{i18n.t('admins.name')}</Field.Label>
          <Input name="admin-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        <Button type="submit" disabled={name.trim() === ''}>
          {i18n.t('admins.issue')}
        </Button>
      </form>
      {issued !== undefined && (
        <Alert type="success" style={{ marginTop: 8 }}>
          {i18n.t('admins.issued')} <code data-testid="admin-credential">{issued}</code>
        </Alert>
      )}
      {error !== undefined && <Alert type="error">{error}</Alert>}
    </Well>
  );
}

/** The operator's page: accounts, and each account's admins (issue a credential, revoke one). */
export function AdminsPage({ accounts, onAccountsChanged }: { accounts: Account[]; onAccountsChanged: () => Promise<void> }) {
  const i18n = useT();
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  return (
    <div style={{ paddingTop: 16 }}>
      <LG tag="h2">{i18n.t('admins.heading')}</LG>
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            await bridge.call('createAccount', { body: { name } });
            setName('');
            await onAccountsChanged();
          } catch (thrown) {
            setError(errorText(i18n.locale, thrown));
          }
        }}
      >
        <Field>
          <Field.Label>{i18n.t('admins.newAccount')}</Field.Label>
          <Input name="account-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        <Button type="submit" disabled={name.trim() === ''}>
          {i18n.t('admins.createAccount')}
        </Button>
      </form>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      {accounts.map((account) => (
        <AccountAdmins key={account.id} account={account} />
      ))}
    </div>
  );
}
