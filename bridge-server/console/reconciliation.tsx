import type { ReconciliationItem, ReconciliationReport } from '@wabridge/shared';
import { discrepancyClasses, reconciliationClasses } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { categoryName } from './charts.js';
import { useT } from './i18n.js';

/*
 * Reconciliation (GET /v1/wallet/reconciliation): our charges in a period against what Meta's status webhooks said
 * of each message's billing (`pricing.billable`, `pricing.category`; Meta never says how much). The summary counts
 * every class; the table lists the discrepancies a page at a time, optionally one class.
 */

const dayMs = 24 * 3600 * 1000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export function ReconciliationPage({ accountId }: { accountId: string }) {
  const i18n = useT();
  const [form, setForm] = useState({
    from: isoDay(new Date(Date.now() - 30 * dayMs)),
    to: isoDay(new Date(Date.now() + dayMs)),
    only: '',
  });
  const [period, setPeriod] = useState(form);
  const [report, setReport] = useState<ReconciliationReport>();
  const [items, setItems] = useState<ReconciliationItem[]>([]);
  const [error, setError] = useState<string>();

  const load = useCallback(
    async (cursor: string | null) => {
      setError(undefined);
      try {
        const answer = await bridge.call('getReconciliation', {
          query: {
            account_id: accountId,
            from: period.from,
            to: period.to,
            timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
            limit: 50,
            ...(period.only === '' ? {} : { class: period.only as (typeof discrepancyClasses)[number] }),
            ...(cursor === null ? {} : { cursor }),
          },
        });
        setReport(answer);
        setItems((current) => (cursor === null ? answer.discrepancies : [...current, ...answer.discrepancies]));
      } catch (thrown) {
        setError(errorText(i18n.locale, thrown));
      }
    },
    [accountId, period, i18n.locale],
  );
  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <div style={{ paddingTop: 16, display: 'grid', gap: 16 }}>
      <LG tag="h2">{i18n.t('reconciliation.heading')}</LG>
      <MD>{i18n.t('reconciliation.hint')}</MD>
      <form
        aria-label={i18n.t('reconciliation.heading')}
        style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}
        onSubmit={(event) => {
          event.preventDefault();
          // A new object even when nothing changed: "Show" reads the report again.
          setPeriod({ ...form });
        }}
      >
        <Field>
          <Field.Label>{i18n.t('wallet.from')}</Field.Label>
          <Input type="date" name="from" value={form.from} onChange={(event) => setForm({ ...form, from: event.target.value })} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('reconciliation.until')}</Field.Label>
          <Input type="date" name="to" value={form.to} onChange={(event) => setForm({ ...form, to: event.target.value })} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('reconciliation.class')}</Field.Label>
          <Select name="class" value={form.only} onChange={(event) => setForm({ ...form, only: event.target.value })}>
            <option value="">{i18n.t('wallet.all')}</option>
            {discrepancyClasses.map((name) => (
              <option key={name} value={name}>
                {i18n.t(`reconciliation.class_${name}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit">{i18n.t('reconciliation.show')}</Button>
      </form>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      {report !== undefined && (
        <table className="data" data-testid="reconciliation-summary">
          <thead>
            <tr>
              <th>{i18n.t('reconciliation.class')}</th>
              <th>{i18n.t('reconciliation.messages')}</th>
              <th>{i18n.t('wallet.points')}</th>
            </tr>
          </thead>
          <tbody>
            {reconciliationClasses.map((name) => {
              const figures = report.summary[name] ?? { messages: 0, points: 0 };
              const discrepancy = (discrepancyClasses as readonly string[]).includes(name);
              return (
                <tr key={name} data-class={name}>
                  <td>
                    <Tag hue={!discrepancy ? (name === 'matched' ? 'green' : 'grey') : figures.messages > 0 ? 'red' : 'grey'}>
                      {i18n.t(`reconciliation.class_${name}`)}
                    </Tag>
                  </td>
                  <td>{i18n.number(figures.messages)}</td>
                  <td>{i18n.number(figures.points)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <section>
        <LG tag="h3">{i18n.t('reconciliation.discrepancies')}</LG>
        {items.length === 0 ? (
          <MD data-testid="no-discrepancies">{i18n.t('reconciliation.none')}</MD>
        ) : (
          <table className="data" data-testid="discrepancies">
            <thead>
              <tr>
                <th>{i18n.t('wallet.when')}</th>
                <th>{i18n.t('reconciliation.class')}</th>
                <th>{i18n.t('reconciliation.ours')}</th>
                <th>{i18n.t('reconciliation.meta')}</th>
                <th>{i18n.t('wallet.ticket')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.message_id}>
                  <td>{i18n.dateTime(item.sent_at)}</td>
                  <td>{i18n.t(`reconciliation.class_${item.class}`)}</td>
                  <td>
                    {categoryName(i18n, item.charge.captured_category ?? item.charge.category)} · {item.charge.market} ·{' '}
                    {i18n.number(item.charge.captured_points ?? item.charge.points)}
                  </td>
                  <td>
                    {item.meta === null
                      ? i18n.t('reconciliation.notYet')
                      : `${item.meta.billable ? i18n.t('reconciliation.billable') : i18n.t('reconciliation.notBillable')} · ${
                          item.meta.category === null ? '—' : categoryName(i18n, item.meta.category)
                        } (${item.meta.status})`}
                  </td>
                  <td>{item.ticket === null ? '' : `${item.ticket.helpdesk} #${item.ticket.id}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {report?.next_cursor != null && (
          <Button size="small" onClick={() => void load(report.next_cursor)} style={{ marginTop: 8 }}>
            {i18n.t('wallet.more')}
          </Button>
        )}
      </section>
    </div>
  );
}
