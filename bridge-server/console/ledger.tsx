import type { Deployment, WalletEntry } from '@wabridge/shared';
import { walletEntryKinds } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { LG } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { categoryName } from './charts.js';
import { type ConsoleI18n, useT } from './i18n.js';

/** What the ledger is filtered by: every filter GET /v1/wallet/ledger and its CSV export take, as the form holds it. */
interface Filters {
  /** Calendar days in the browser's time zone, `YYYY-MM-DD`; `to` is included. */
  from: string;
  to: string;
  kind: string;
  helpdesk: string;
  deployment: string;
  ticket: string;
}

const noFilters: Filters = { from: '', to: '', kind: '', helpdesk: '', deployment: '', ticket: '' };

/** The filters as the API's query: days become instants (midnight here), the last day included. */
function queryOf(accountId: string, filters: Filters): Record<string, string> {
  const dayStart = (day: string, plusDays = 0) => {
    const date = new Date(`${day}T00:00:00`);
    date.setDate(date.getDate() + plusDays);
    return date.toISOString();
  };
  return Object.fromEntries(
    Object.entries({
      account_id: accountId,
      from: filters.from === '' ? '' : dayStart(filters.from),
      to: filters.to === '' ? '' : dayStart(filters.to, 1),
      kind: filters.kind,
      helpdesk: filters.helpdesk,
      deployment_id: filters.deployment,
      ticket_id: filters.ticket.trim(),
    }).filter(([, value]) => value !== ''),
  );
}

/**
 * Why the entry was written, in the console's language, from its reason code (the ledger keeps the English sentence;
 * it stays in the cell's title). An adjustment shows the operator's own words.
 */
function reasonText(i18n: ConsoleI18n, entry: WalletEntry): string {
  const category = entry.rate?.category;
  return i18n.t(`walletWords.reason_${entry.reason_code}`, {
    points: i18n.number(entry.balance_delta_points),
    category: category === null || category === undefined ? '—' : categoryName(i18n, category),
    market: entry.rate?.market ?? '—',
    period: entry.hosting_period ?? '—',
    reason: entry.reason,
  });
}

function changeText(i18n: ConsoleI18n, entry: WalletEntry): string {
  const parts: string[] = [];
  if (entry.balance_delta_points !== 0) parts.push(i18n.number(entry.balance_delta_points));
  if (entry.reserved_delta_points !== 0) {
    parts.push(i18n.t('wallet.reservedChange', { points: i18n.number(entry.reserved_delta_points) }));
  }
  return parts.join(' ');
}

/** The ledger, newest first, filtered, a page at a time, and the same filters' CSV. */
export function Ledger({ accountId, refreshed }: { accountId: string; refreshed: number }) {
  const i18n = useT();
  const [form, setForm] = useState<Filters>(noFilters);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [entries, setEntries] = useState<WalletEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [deployments, setDeployments] = useState<Deployment[]>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    bridge.call('listDeployments', { query: { account_id: accountId, limit: 100 } }).then(
      (answer) => setDeployments(answer.data),
      (thrown) => setError(errorText(i18n.locale, thrown)),
    );
  }, [accountId, i18n.locale]);

  const load = useCallback(
    async (after: string | null) => {
      setError(undefined);
      try {
        const page = await bridge.call('listWalletEntries', {
          query: {
            ...queryOf(accountId, filters),
            order: 'newest_first',
            limit: 50,
            ...(after === null ? {} : { cursor: after }),
          },
        });
        setEntries((current) => (after === null ? page.data : [...current, ...page.data]));
        setCursor(page.next_cursor);
      } catch (thrown) {
        setError(errorText(i18n.locale, thrown));
      }
    },
    [accountId, filters, i18n.locale],
  );
  useEffect(() => {
    void refreshed;
    void load(null);
  }, [load, refreshed]);

  const csv = `/v1/wallet/ledger.csv?${new URLSearchParams(queryOf(accountId, filters))}`;
  const set = (name: keyof Filters) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  return (
    <section>
      <LG tag="h3">{i18n.t('wallet.ledger')}</LG>
      <form
        aria-label={i18n.t('wallet.ledgerFilters')}
        style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap', marginBottom: 8 }}
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(form);
        }}
      >
        <Field>
          <Field.Label>{i18n.t('wallet.from')}</Field.Label>
          <Input type="date" name="from" value={form.from} onChange={set('from')} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.to')}</Field.Label>
          <Input type="date" name="to" value={form.to} onChange={set('to')} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.kind')}</Field.Label>
          <Select name="kind" value={form.kind} onChange={set('kind')}>
            <option value="">{i18n.t('wallet.all')}</option>
            {walletEntryKinds.map((name) => (
              <option key={name} value={name}>
                {i18n.t(`walletWords.kind_${name}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.helpdesk')}</Field.Label>
          <Select name="helpdesk" value={form.helpdesk} onChange={set('helpdesk')}>
            <option value="">{i18n.t('wallet.all')}</option>
            <option value="zendesk">Zendesk</option>
            <option value="zoho">Zoho Desk</option>
          </Select>
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.deployment')}</Field.Label>
          <Select name="deployment" value={form.deployment} onChange={set('deployment')}>
            <option value="">{i18n.t('wallet.all')}</option>
            {deployments.map((deployment) => (
              <option key={deployment.id} value={deployment.id}>
                {deployment.display_name}
              </option>
            ))}
          </Select>
        </Field>
        <Field style={{ width: 140 }}>
          <Field.Label>{i18n.t('wallet.ticket')}</Field.Label>
          <Input name="ticket" value={form.ticket} onChange={set('ticket')} />
        </Field>
        <Button type="submit">{i18n.t('wallet.filter')}</Button>
        <a href={csv} download data-testid="ledger-csv" style={{ alignSelf: 'center' }}>
          {i18n.t('wallet.csv')}
        </a>
      </form>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      <table className="data" data-testid="ledger">
        <thead>
          <tr>
            <th>{i18n.t('wallet.when')}</th>
            <th>{i18n.t('wallet.kind')}</th>
            <th>{i18n.t('wallet.change')}</th>
            <th>{i18n.t('wallet.ticket')}</th>
            <th>{i18n.t('wallet.rate')}</th>
            <th>{i18n.t('wallet.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-kind={entry.kind}>
              <td>{i18n.dateTime(entry.created_at)}</td>
              <td>{i18n.t(`walletWords.kind_${entry.kind}`)}</td>
              <td>{changeText(i18n, entry)}</td>
              <td>{entry.ticket === null ? '' : `${entry.ticket.helpdesk} #${entry.ticket.id}`}</td>
              <td>
                {entry.rate === null
                  ? ''
                  : [entry.rate.category === null ? null : categoryName(i18n, entry.rate.category), entry.rate.market]
                      .filter(Boolean)
                      .join(' · ')}
              </td>
              <td data-testid="ledger-reason" title={entry.reason}>
                {reasonText(i18n, entry)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && <p>{i18n.t('wallet.noEntries')}</p>}
      {cursor !== null && (
        <Button size="small" onClick={() => void load(cursor)} style={{ marginTop: 8 }}>
          {i18n.t('wallet.more')}
        </Button>
      )}
    </section>
  );
}
