import type { BalanceHistory, UsageReport } from '@wabridge/shared';
import { Alert } from '@zendeskgarden/react-notifications';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, useT } from './i18n.js';

/*
 * Charts with Recharts (recharts.org): React components over D3's scales, SVG out, kept up (v3, MIT, millions of
 * weekly downloads), tree-shaken to what is drawn. The figures come from the bridge's usage report (GET
 * /v1/wallet/usage, grouped by day, category and market) and its balance history (GET /v1/wallet/balance-history).
 *
 * The balance over time used to look flat after a charge: it summed the first ledger page from zero (so it froze
 * after 200 entries) and drew it on an axis from 0, where a charge of 12 points on 1,000 is 1% of the height. It now
 * draws the wallet after each change as the bridge computes it from the whole ledger, on an axis fitted to the
 * values (test/e2e/console-wallet.test.ts measures the line's drop).
 */

const palette = ['#1f73b7', '#c72a1c', '#038153', '#ad5918', '#6a27b8', '#68737d'];
const dayMs = 24 * 3600 * 1000;

interface Figures {
  perDay: Record<string, string | number>[];
  categories: string[];
  perMarket: { market: string; points: number }[];
  freePaid: { day: string; free: number; paid: number }[];
  balance: { at: string; balance: number; available: number }[];
  balanceTruncated: boolean;
}

function figuresOf(byDayCategory: UsageReport, byMarket: UsageReport, byDay: UsageReport, history: BalanceHistory): Figures {
  const categories = [...new Set(byDayCategory.groups.map((group) => group.key.category ?? '—'))].sort();
  const days = new Map<string, Record<string, string | number>>();
  for (const group of byDayCategory.groups) {
    const day = group.key.day ?? '';
    const row = days.get(day) ?? { day };
    row[group.key.category ?? '—'] = group.points_captured;
    days.set(day, row);
  }
  return {
    perDay: [...days.values()],
    categories,
    perMarket: byMarket.groups.map((group) => ({ market: group.key.market ?? '—', points: group.points_captured })),
    freePaid: byDay.groups.map((group) => ({ day: group.key.day ?? '', free: group.free_messages, paid: group.paid_messages })),
    balance: [
      ...history.changes.map((change) => ({ at: change.at, balance: change.balance, available: change.available })),
      // The last change holds until now: a step line would otherwise draw it on the chart's right edge, unseen.
      ...history.changes
        .slice(-1)
        .map((last) => ({ at: new Date().toISOString(), balance: last.balance, available: last.available })),
    ],
    balanceTruncated: history.truncated,
  };
}

const categories = ['marketing', 'utility', 'authentication', 'authentication_international', 'service'] as const;

/** Meta's pricing category in the console's language; one the console does not know is shown as the bridge gave it. */
export function categoryName(i18n: ConsoleI18n, category: string): string {
  const known = categories.find((name) => name === category.toLowerCase());
  return known === undefined ? category : i18n.t(`charts.category_${known}`);
}

function Chart({ title, testId, children }: { title: string; testId: string; children: React.ReactElement }) {
  return (
    <section data-testid={testId} style={{ background: '#fff', padding: 12, borderRadius: 8 }}>
      <MD isBold tag="h3">
        {title}
      </MD>
      <ResponsiveContainer width="100%" height={240}>
        {children}
      </ResponsiveContainer>
    </section>
  );
}

export function ChartsPage({ accountId }: { accountId: string }) {
  const i18n = useT();
  const [figures, setFigures] = useState<Figures>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const to = new Date(Date.now() + dayMs).toISOString().slice(0, 10);
    const from = new Date(Date.now() - 30 * dayMs).toISOString().slice(0, 10);
    const period = { account_id: accountId, from, to, timezone };
    Promise.all([
      bridge.call('getUsage', { query: { ...period, group_by: 'day,category' } }),
      bridge.call('getUsage', { query: { ...period, group_by: 'market' } }),
      bridge.call('getUsage', { query: { ...period, group_by: 'day' } }),
      bridge.call('getBalanceHistory', { query: { ...period, limit: 500 } }),
    ]).then(
      ([byDayCategory, byMarket, byDay, history]) => setFigures(figuresOf(byDayCategory, byMarket, byDay, history)),
      (thrown) => setError(errorText(i18n.locale, thrown)),
    );
  }, [accountId, i18n.locale]);
  if (error !== undefined) return <Alert type="error">{error}</Alert>;
  if (figures === undefined) return <MD>{i18n.t('common.loading')}</MD>;
  return (
    <div style={{ paddingTop: 16, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(420px, 1fr))', gap: 16 }}>
      <LG tag="h2" style={{ gridColumn: '1 / -1' }}>
        {i18n.t('charts.heading')}
      </LG>
      {figures.perDay.length === 0 && <MD style={{ gridColumn: '1 / -1' }}>{i18n.t('charts.none')}</MD>}
      <Chart title={i18n.t('charts.perDay')} testId="chart-per-day">
        <BarChart data={figures.perDay}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          {figures.categories.map((category, index) => (
            <Bar
              key={category}
              dataKey={category}
              name={categoryName(i18n, category)}
              stackId="points"
              fill={palette[index % palette.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </Chart>
      <Chart title={i18n.t('charts.perMarket')} testId="chart-per-market">
        <BarChart data={figures.perMarket}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="market" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="points" fill={palette[0]} isAnimationActive={false} />
        </BarChart>
      </Chart>
      <Chart title={i18n.t('charts.freePaid')} testId="chart-free-paid">
        <BarChart data={figures.freePaid}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar dataKey="free" name={i18n.t('charts.free')} stackId="messages" fill={palette[2]} isAnimationActive={false} />
          <Bar dataKey="paid" name={i18n.t('charts.paid')} stackId="messages" fill={palette[1]} isAnimationActive={false} />
        </BarChart>
      </Chart>
      <Chart
        title={
          figures.balanceTruncated ? `${i18n.t('charts.balance')} (${i18n.t('charts.latestChanges')})` : i18n.t('charts.balance')
        }
        testId="chart-balance"
      >
        <LineChart data={figures.balance}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" minTickGap={24} tickFormatter={(at: string) => i18n.dateTime(at)} />
          {/* Fitted to the values, not from 0: a charge must show however large the balance is. */}
          <YAxis allowDecimals={false} domain={['auto', 'auto']} width={64} />
          <Tooltip labelFormatter={(at) => i18n.dateTime(String(at))} />
          <Legend />
          <Line
            type="stepAfter"
            dataKey="balance"
            name={i18n.t('wallet.balance')}
            stroke={palette[0]}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="available"
            name={i18n.t('wallet.available')}
            stroke={palette[2]}
            strokeDasharray="4 3"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </Chart>
    </div>
  );
}
