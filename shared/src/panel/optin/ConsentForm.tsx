import { type FormEvent, useId, useState } from 'react';
import type { OptinSettings } from '../../contract/optin.js';
import { type ConsentSource, type ConsentState, consentSources, consentStates } from '../../optin/consent.js';
import { type BridgeError, bridgeErrorOf, type ProblemFieldError } from '../api.js';
import { useBridgeApi } from '../data/useBridgeApi.js';
import { useHost } from '../HostProvider.js';
import { describeError } from '../i18n/describeError.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { topicName } from './model.js';

/** The sources an agent records from the panel: the bridge's own routes (WhatsApp's controls, import, API) are not. */
export const agentConsentSources = consentSources.filter(
  (source) => source !== 'whatsapp_preferences' && source !== 'import' && source !== 'api',
);

type Phase = { phase: 'idle' } | { phase: 'saving' } | { phase: 'saved' } | { phase: 'failed'; error: BridgeError };

/** The fields the form shows; a problem for any other field is shown for the form as a whole. */
const formFields = ['topic', 'state', 'source', 'evidence'] as const;
type FormField = (typeof formFields)[number];

interface ConsentFormProps {
  phoneE164: string;
  settings: OptinSettings;
  customerName: string | null;
  onRecorded: () => void;
}

/**
 * Records one consent: topic, opt in or out, how it was given, and the wording. The wording starts as a sentence
 * naming the topic and the business (an opt-in must name it) until the agent edits it. Behind a button, so the
 * section stays short until consent is to be recorded.
 */
export function ConsentForm({ phoneE164, settings, customerName, onRecorded }: ConsentFormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { Button, Field, Heading, Notice, Select, TextArea } = useUiKit();
  const api = useBridgeApi();
  const host = useHost();
  const formId = useId();
  const [open, setOpen] = useState(false);
  const [topic, setTopic] = useState(settings.topics[0]?.id ?? '');
  const [state, setState] = useState<ConsentState>('opted_in');
  const [source, setSource] = useState<ConsentSource>('agent');
  /** Null until the agent edits the wording: then it follows the topic and state. */
  const [edited, setEdited] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ phase: 'idle' });
  const wording = edited ?? suggestedWording(i18n, settings, topic, state);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (phase.phase === 'saving') return;
    setPhase({ phase: 'saving' });
    try {
      const agent = host.agent === undefined ? null : await host.agent().catch(() => null);
      await api.recordConsent(phoneE164, {
        topic,
        state,
        source,
        evidence: wording,
        ...(agent === null || agent.trim() === '' ? {} : { recorded_by: agent }),
      });
      setPhase({ phase: 'saved' });
      setEdited(null);
      setOpen(false);
      onRecorded();
    } catch (thrown) {
      setPhase({ phase: 'failed', error: bridgeErrorOf(thrown) });
    }
  };

  const errors = phase.phase === 'failed' ? (phase.error.kind === 'problem' ? (phase.error.errors ?? []) : []) : [];
  const fieldErrors = (field: FormField) => errors.filter((error) => fieldOf(error) === field);
  const otherErrors = errors.filter((error) => !(formFields as readonly string[]).includes(fieldOf(error)));
  const messageOf = (error: ProblemFieldError) => fieldErrorText(i18n, error);
  const fieldError = (field: FormField) => {
    const messages = fieldErrors(field).map(messageOf);
    return messages.length === 0 ? null : messages.join(' ');
  };

  return (
    <div data-testid="consent-form">
      {phase.phase === 'saved' && (
        <Notice tone="success" role="status">
          <Notice.Paragraph>{t('optin.saved')}</Notice.Paragraph>
        </Notice>
      )}
      <Button
        size="small"
        variant={open ? 'basic' : 'secondary'}
        aria-expanded={open}
        aria-controls={formId}
        onClick={() => {
          setOpen(!open);
          if (phase.phase !== 'saving') setPhase({ phase: 'idle' });
        }}
        style={{ marginTop: 4 }}
      >
        {open ? t('optin.cancel') : t('optin.open')}
      </Button>
      {open && (
        <form id={formId} onSubmit={submit} aria-label={t('optin.formLabel')} style={{ display: 'grid', gap: 8, marginTop: 8 }}>
          <Heading level={3}>{t('optin.formHeading', { name: customerName ?? t('optin.customer') })}</Heading>
          <Field label={t('optin.topic')} error={fieldError('topic')}>
            <Select
              value={topic}
              options={settings.topics.map(({ id }) => ({ value: id, label: topicName(settings, id, i18n) }))}
              onChange={setTopic}
            />
          </Field>
          <Field label={t('optin.state')} error={fieldError('state')}>
            <Select
              value={state}
              options={consentStates.map((value) => ({ value, label: t(`consentChoices.${value}`) }))}
              onChange={(value) => setState(value as ConsentState)}
            />
          </Field>
          <Field label={t('optin.source')} error={fieldError('source')}>
            <Select
              value={source}
              options={agentConsentSources.map((value) => ({ value, label: t(`consentSources.${value}`) }))}
              onChange={(value) => setSource(value as ConsentSource)}
            />
          </Field>
          <Field label={t('optin.wording')} hint={t('optin.wordingHint')} error={fieldError('evidence')}>
            <TextArea rowsMin={3} value={wording} onChange={setEdited} />
          </Field>
          {otherErrors.length > 0 && (
            <Notice tone="error" role="alert">
              {otherErrors.map((error) => (
                <Notice.Paragraph key={`${error.path}:${error.code}`}>{messageOf(error)}</Notice.Paragraph>
              ))}
            </Notice>
          )}
          {phase.phase === 'failed' && errors.length === 0 && (
            <Notice tone="error" role="alert">
              <Notice.Paragraph>{describeError(i18n, phase.error)}</Notice.Paragraph>
            </Notice>
          )}
          <div>
            <Button type="submit" variant="primary" size="small" disabled={phase.phase === 'saving'}>
              {phase.phase === 'saving' ? t('optin.saving') : t('optin.save')}
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}

/**
 * What is wrong with a field, in the agent's language. The consent rules' codes have their own text; an absent value
 * (the bridge's `required`) is "required"; the request schema's other codes (zod's `invalid_type`, `too_big`…) carry a
 * developer's English message an agent should never read, so they all read "not valid".
 */
export function fieldErrorText(i18n: I18n, error: ProblemFieldError): string {
  const known = i18n.tIfKnown(`consentProblems.${error.code}`);
  if (known !== undefined) return known;
  if (error.code === 'required') return i18n.t('consentProblems.missing');
  return i18n.t('errors.invalidField');
}

/** `body.evidence` → `evidence`. */
function fieldOf(error: ProblemFieldError): string {
  return error.path.replace(/^body\.?/, '');
}

/** A sentence the customer could have agreed to, naming the topic and the business, in the agent's language. */
export function suggestedWording(i18n: I18n, settings: OptinSettings, topic: string, state: ConsentState): string {
  const params = {
    topic: topicName(settings, topic, i18n),
    business: settings.business_names[0] ?? i18n.t('optin.yourBusiness'),
  };
  return state === 'opted_in' ? i18n.t('optin.wordingOptIn', params) : i18n.t('optin.wordingOptOut', params);
}
