import type { RateCardPreview, RateCardSummary } from '@wabridge/shared';
import { bridgeErrorOf } from '@wabridge/shared/client';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input } from '@zendeskgarden/react-forms';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, useT } from './i18n.js';

/*
 * Rate cards (the operator's page): which card is in force, and importing Meta's new CSV in two steps: a preview
 * (POST /v1/pricing/rate-cards/preview, a dry run with the import's own checks) that lists every market whose rates
 * differ from the card in force, then the import itself with the same file. Cards never change once imported, so the
 * preview is the moment to catch a wrong file.
 */

/** Micro-USD as dollars with every digit a rate card has (6 decimals at most, trailing zeros dropped). */
function usd(i18n: ConsoleI18n, micro: number | null): string {
  if (micro === null) return '—';
  return new Intl.NumberFormat(i18n.locale, { style: 'currency', currency: 'USD', maximumFractionDigits: 6 }).format(
    micro / 1_000_000,
  );
}

/** The problem as a sentence, with the line and column of a CSV error when the bridge names them. */
function importError(i18n: ConsoleI18n, thrown: unknown): string {
  const text = errorText(i18n.locale, thrown);
  const problem = bridgeErrorOf(thrown);
  if (problem.kind !== 'problem' || problem.code !== 'invalid_rate_card') return text;
  return problem.detail === undefined ? text : `${text} ${problem.detail}`;
}

function Preview({ preview }: { preview: RateCardPreview }) {
  const i18n = useT();
  const { summary } = preview;
  return (
    <Well data-testid="rate-card-preview" style={{ marginTop: 12 }}>
      <Well.Title>
        {i18n.t('rates.previewOf', {
          id: preview.card.id,
          date: preview.card.effective_from,
          against: preview.compared_with?.id ?? i18n.t('rates.noneInForce'),
        })}
      </Well.Title>
      <MD data-testid="rate-card-summary">
        {i18n.t('rates.summary', {
          changed: summary.changed,
          added: summary.added,
          removed: summary.removed,
          unchanged: summary.unchanged,
        })}
      </MD>
      {preview.differences.length > 0 && (
        <table className="data" style={{ marginTop: 8 }}>
          <thead>
            <tr>
              <th>{i18n.t('rates.market')}</th>
              <th>{i18n.t('rates.change')}</th>
              <th>{i18n.t('rates.rate')}</th>
              <th>{i18n.t('rates.before')}</th>
              <th>{i18n.t('rates.after')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.differences.flatMap((difference) =>
              difference.rates.map((rate, index) => (
                <tr key={`${difference.market}-${rate.rate}`} data-market={difference.market}>
                  <td>{index === 0 ? difference.market : ''}</td>
                  <td>{index === 0 ? i18n.t(`rates.change_${difference.change}`) : ''}</td>
                  <td>{i18n.t(`rates.rate_${rate.rate}`)}</td>
                  <td>{usd(i18n, rate.before_micro_usd)}</td>
                  <td>
                    <strong>{usd(i18n, rate.after_micro_usd)}</strong>
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </Well>
  );
}

function ImportCard({ onImported }: { onImported: () => Promise<void> }) {
  const i18n = useT();
  const [form, setForm] = useState({ id: '', effective_from: '', source: '' });
  const [file, setFile] = useState<{ name: string; bytes: Uint8Array }>();
  const [preview, setPreview] = useState<RateCardPreview>();
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string }>();
  const [busy, setBusy] = useState(false);
  const ready = file !== undefined && form.id !== '' && form.effective_from !== '' && form.source.trim() !== '';

  async function run(step: 'preview' | 'import'): Promise<void> {
    if (file === undefined) return;
    setBusy(true);
    setMessage(undefined);
    const input = { query: form, rawBody: { bytes: file.bytes, contentType: 'text/csv' } };
    try {
      if (step === 'preview') {
        setPreview(await bridge.call('previewRateCard', input));
      } else {
        const card = await bridge.call('importRateCard', input);
        setPreview(undefined);
        setMessage({ tone: 'success', text: i18n.t('rates.imported', { id: card.id, date: card.effective_from }) });
        await onImported();
      }
    } catch (thrown) {
      setPreview(undefined);
      setMessage({ tone: 'error', text: importError(i18n, thrown) });
    } finally {
      setBusy(false);
    }
  }

  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => {
    setPreview(undefined);
    setForm({ ...form, [name]: event.target.value });
  };
  return (
    <form
      aria-label={i18n.t('rates.import')}
      onSubmit={(event) => {
        event.preventDefault();
        void run('preview');
      }}
    >
      <LG tag="h3">{i18n.t('rates.import')}</LG>
      <MD>{i18n.t('rates.importHint')}</MD>
      <div style={{ display: 'flex', gap: 12, alignItems: 'flex-end', flexWrap: 'wrap', marginTop: 8 }}>
        <Field>
          <Field.Label>{i18n.t('rates.file')}</Field.Label>
          <Input
            type="file"
            name="file"
            accept=".csv,text/csv"
            onChange={async (event) => {
              setPreview(undefined);
              const chosen = event.target.files?.[0];
              setFile(
                chosen === undefined ? undefined : { name: chosen.name, bytes: new Uint8Array(await chosen.arrayBuffer()) },
              );
            }}
          />
        </Field>
        <Field>
          <Field.Label>{i18n.t('rates.id')}</Field.Label>
          <Input name="id" value={form.id} placeholder="meta-2027-01-01" onChange={set('id')} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('rates.effectiveFrom')}</Field.Label>
          <Input type="date" name="effective_from" value={form.effective_from} onChange={set('effective_from')} />
        </Field>
        <Field style={{ flex: 1, minWidth: 240 }}>
          <Field.Label>{i18n.t('rates.source')}</Field.Label>
          <Input name="source" value={form.source} onChange={set('source')} />
        </Field>
        <Button type="submit" disabled={!ready || busy}>
          {i18n.t('rates.preview')}
        </Button>
      </div>
      {preview !== undefined && (
        <>
          <Preview preview={preview} />
          <Button isPrimary disabled={busy} style={{ marginTop: 8 }} onClick={() => void run('import')}>
            {i18n.t('rates.confirm', { id: preview.card.id })}
          </Button>
        </>
      )}
      {message !== undefined && (
        <Alert type={message.tone} role={message.tone === 'error' ? 'alert' : 'status'} style={{ marginTop: 8 }}>
          {message.text}
        </Alert>
      )}
    </form>
  );
}

/** The operator's rate cards: the list with the card in force of each model, and the import with its preview. */
export function RatesPage() {
  const i18n = useT();
  const [cards, setCards] = useState<RateCardSummary[]>([]);
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setCards((await bridge.call('listRateCards')).data);
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  }, [i18n.locale]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div style={{ paddingTop: 16, display: 'grid', gap: 16 }}>
      <LG tag="h2">{i18n.t('rates.heading')}</LG>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      <table className="data" data-testid="rate-cards">
        <thead>
          <tr>
            <th>{i18n.t('rates.id')}</th>
            <th>{i18n.t('rates.model')}</th>
            <th>{i18n.t('rates.effectiveFrom')}</th>
            <th>{i18n.t('rates.markets')}</th>
            <th>{i18n.t('rates.source')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {cards.map((card) => (
            <tr key={card.id} data-card={card.id}>
              <td style={{ whiteSpace: 'nowrap' }}>
                <code style={{ wordBreak: 'normal' }}>{card.id}</code>
              </td>
              <td>{i18n.t(`rates.model_${card.model}`)}</td>
              <td style={{ whiteSpace: 'nowrap' }}>{card.effective_from}</td>
              <td>{i18n.number(card.markets)}</td>
              <td>{card.source}</td>
              <td>
                {card.in_force ? (
                  <Tag hue="green">{i18n.t('rates.inForce')}</Tag>
                ) : (
                  <Tag>{i18n.t(card.origin === 'seed' ? 'rates.seed' : 'rates.importedTag')}</Tag>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ImportCard onImported={load} />
    </div>
  );
}
