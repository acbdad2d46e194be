import type { AutoRecharge, Payment, WalletOverview } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Checkbox, Field, Input, Select } from '@zendeskgarden/react-forms';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, XXL } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, useT } from './i18n.js';
import { Ledger } from './ledger.js';

const paymentMethods = ['pm_sandbox_succeeds', 'pm_sandbox_slow', 'pm_sandbox_declined', 'pm_sandbox_insufficient_funds'];

/** Why a payment failed, in the console's language when the provider's reason is one it knows. */
function failureText(i18n: ConsoleI18n, payment: Payment): string {
  const failure = payment.failure;
  if (failure === null) return '';
  const known = ['card_declined', 'insufficient_funds', 'expired_card', 'processing_error'] as const;
  const code = known.find((name) => name === failure.code);
  return code === undefined ? `${failure.message} (${failure.code})` : i18n.t(`walletWords.failure_${code}`);
}

function Receipt({ payment }: { payment: Payment }) {
  const i18n = useT();
  const receipt = payment.purchase;
  if (payment.state === 'pending') return <Alert type="info">{i18n.t('wallet.pending')}</Alert>;
  if (receipt === null) return null;
  const money = (minor: number) => i18n.money(minor, receipt.currency);
  return (
    <Alert type="success" role="status" data-testid="receipt">
      <Alert.Title>{i18n.t('wallet.receipt')}</Alert.Title>
      {i18n.t('wallet.receiptLine', {
        points: i18n.number(receipt.points),
        unit: money(receipt.unit_price),
        subtotal: money(receipt.subtotal),
        fee: money(receipt.fee),
        tax: money(receipt.tax),
        total: money(receipt.total),
      })}{' '}
      <code>{receipt.payment_reference}</code>
    </Alert>
  );
}

function AutoRechargeForm({ accountId }: { accountId: string }) {
  const i18n = useT();
  const [state, setState] = useState<AutoRecharge>();
  const [form, setForm] = useState({ enabled: false, threshold: '500', amount: '1000', method: paymentMethods[0] as string });
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string }>();
  useEffect(() => {
    bridge.call('getAutoRecharge', { query: { account_id: accountId } }).then(
      (answer) => {
        setState(answer);
        setForm({
          enabled: answer.enabled,
          threshold: String(answer.threshold ?? 500),
          amount: String(answer.amount ?? 1000),
          method: answer.payment_method ?? (paymentMethods[0] as string),
        });
      },
      (thrown) => setMessage({ tone: 'error', text: errorText(i18n.locale, thrown) }),
    );
  }, [accountId, i18n.locale]);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        try {
          setState(
            await bridge.call('putAutoRecharge', {
              body: {
                account_id: accountId,
                enabled: form.enabled,
                threshold: Number(form.threshold),
                amount: Number(form.amount),
                payment_method: form.method,
              },
            }),
          );
          setMessage({ tone: 'success', text: i18n.t('wallet.saved') });
        } catch (thrown) {
          setMessage({ tone: 'error', text: errorText(i18n.locale, thrown) });
        }
      }}
    >
      <LG tag="h3">
        {i18n.t('wallet.autoRecharge')} {state !== undefined && <Tag>{i18n.t(`walletWords.state_${state.state}`)}</Tag>}
      </LG>
      {state?.paused != null && <Alert type="warning">{state.paused.detail}</Alert>}
      <div style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <Field>
          <Checkbox checked={form.enabled} onChange={(event) => setForm({ ...form, enabled: event.target.checked })}>
            <Field.Label>{i18n.t(form.enabled ? 'wallet.enabled' : 'wallet.disabled')}</Field.Label>
          </Checkbox>
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.threshold')}</Field.Label>
          <Input type="number" value={form.threshold} onChange={(event) => setForm({ ...form, threshold: event.target.value })} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.rechargeAmount')}</Field.Label>
          <Input type="number" value={form.amount} onChange={(event) => setForm({ ...form, amount: event.target.value })} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.method')}</Field.Label>
          <Select
            name="recharge-method"
            value={form.method}
            onChange={(event) => setForm({ ...form, method: event.target.value })}
          >
            {paymentMethods.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </Select>
        </Field>
        <Button type="submit">{i18n.t('wallet.save')}</Button>
      </div>
      {message !== undefined && (
        <Alert type={message.tone} style={{ marginTop: 8 }}>
          {message.text}
        </Alert>
      )}
    </form>
  );
}

export function WalletPage({ accountId }: { accountId: string }) {
  const i18n = useT();
  const [overview, setOverview] = useState<WalletOverview>();
  const [payments, setPayments] = useState<Payment[]>([]);
  const [refreshed, setRefreshed] = useState(0);
  const [points, setPoints] = useState('1000');
  const [method, setMethod] = useState(paymentMethods[0] as string);
  const [bought, setBought] = useState<Payment>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const [wallet, paid] = await Promise.all([
        bridge.call('getAccountWallet', { params: { account_id: accountId } }),
        bridge.call('listPayments', { query: { account_id: accountId, limit: 20 } }),
      ]);
      setOverview(wallet);
      setPayments(paid.data);
      setRefreshed((count) => count + 1);
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  }, [accountId, i18n.locale]);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div style={{ paddingTop: 16, display: 'grid', gap: 16 }}>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      {overview !== undefined && (
        <div style={{ display: 'flex', gap: 16 }} data-testid="wallet">
          {(['balance', 'reserved', 'available'] as const).map((name) => (
            <Well key={name} style={{ flex: 1 }}>
              <Well.Title>{i18n.t(`wallet.${name}`)}</Well.Title>
              <XXL data-testid={`wallet-${name}`}>{i18n.number(overview[name])}</XXL>
            </Well>
          ))}
        </div>
      )}
      {overview?.low === true && <Alert type="warning">{i18n.t('wallet.low')}</Alert>}
      <form
        style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap' }}
        onSubmit={async (event) => {
          event.preventDefault();
          setError(undefined);
          try {
            const payment = await bridge.call('checkout', {
              headers: { 'idempotency-key': crypto.randomUUID() },
              body: { account_id: accountId, points: Number(points), payment_method: method },
            });
            setBought(payment);
            await load();
          } catch (thrown) {
            setError(errorText(i18n.locale, thrown));
            await load();
          }
        }}
      >
        <LG tag="h3" style={{ width: '100%' }}>
          {i18n.t('wallet.buy')}
        </LG>
        <Field>
          <Field.Label>{i18n.t('wallet.points')}</Field.Label>
          <Input name="points" type="number" min={1} value={points} onChange={(event) => setPoints(event.target.value)} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('wallet.method')}</Field.Label>
          <Select name="method" value={method} onChange={(event) => setMethod(event.target.value)}>
            {paymentMethods.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </Select>
        </Field>
        <Button type="submit" isPrimary>
          {i18n.t('wallet.submit')}
        </Button>
      </form>
      {bought !== undefined && <Receipt payment={bought} />}
      <AutoRechargeForm accountId={accountId} />
      <section>
        <LG tag="h3">{i18n.t('wallet.payments')}</LG>
        <table className="data">
          <thead>
            <tr>
              <th>{i18n.t('wallet.when')}</th>
              <th>{i18n.t('wallet.points')}</th>
              <th>{i18n.t('wallet.amount')}</th>
              <th>{i18n.t('wallet.state')}</th>
              <th>{i18n.t('wallet.why')}</th>
            </tr>
          </thead>
          <tbody>
            {payments.map((payment) => (
              <tr key={payment.id}>
                <td>{i18n.dateTime(payment.created_at)}</td>
                <td>{i18n.number(payment.points)}</td>
                <td>{i18n.money(payment.amount, payment.currency)}</td>
                <td>
                  <Tag hue={payment.state === 'succeeded' ? 'green' : payment.state === 'failed' ? 'red' : 'yellow'}>
                    {i18n.t(`walletWords.state_${payment.state}`)}
                  </Tag>
                </td>
                <td data-testid="payment-why">{failureText(i18n, payment)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <Ledger accountId={accountId} refreshed={refreshed} />
    </div>
  );
}
