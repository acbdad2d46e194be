import { Button } from '@zendeskgarden/react-buttons';
import { Field, Select, Textarea } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { MD } from '@zendeskgarden/react-typography';
import { type FormEvent, useId, useState } from 'react';
import { type ConsentSource, type ConsentState, consentSources, consentStates } from '../../optin/consent.js';
import { type BridgeError, bridgeErrorOf, type PanelOptinSettings, type ProblemFieldError } from '../api.js';
import { useBridgeApi } from '../data/useBridgeApi.js';
import { useHost } from '../HostProvider.js';
import { describeError } from '../i18n/describeError.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
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
  settings: PanelOptinSettings;
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
  const messageOf = (error: ProblemFieldError) => i18n.tIfKnown(`consentProblems.${error.code}`) ?? error.message;
  const fieldMessage = (field: FormField) => {
    const messages = fieldErrors(field).map(messageOf);
    return messages.length === 0 ? null : (
      <Field.Message validation="error" data-testid={`consent-error-${field}`}>
        {messages.join(' ')}
      </Field.Message>
    );
  };
  const validation = (field: FormField) => (fieldErrors(field).length > 0 ? 'error' : undefined);

  return (
    <div data-testid="consent-form">
      {phase.phase === 'saved' && (
        <Alert type="success" role="status">
          <Alert.Paragraph>{t('optin.saved')}</Alert.Paragraph>
        </Alert>
      )}
      <Button
        size="small"
        isBasic={open}
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
          <MD isBold tag="h3">
            {t('optin.formHeading', { name: customerName ?? t('optin.customer') })}
          </MD>
          <Field>
            <Field.Label>{t('optin.topic')}</Field.Label>
            <Select value={topic} validation={validation('topic')} onChange={(event) => setTopic(event.target.value)}>
              {settings.topics.map(({ id }) => (
                <option key={id} value={id}>
                  {topicName(settings, id)}
                </option>
              ))}
            </Select>
            {fieldMessage('topic')}
          </Field>
          <Field>
            <Field.Label>{t('optin.state')}</Field.Label>
            <Select
              value={state}
              validation={validation('state')}
              onChange={(event) => setState(event.target.value as ConsentState)}
            >
              {consentStates.map((value) => (
                <option key={value} value={value}>
                  {t(`consentChoices.${value}`)}
                </option>
              ))}
            </Select>
            {fieldMessage('state')}
          </Field>
          <Field>
            <Field.Label>{t('optin.source')}</Field.Label>
            <Select
              value={source}
              validation={validation('source')}
              onChange={(event) => setSource(event.target.value as ConsentSource)}
            >
              {agentConsentSources.map((value) => (
                <option key={value} value={value}>
                  {t(`consentSources.${value}`)}
                </option>
              ))}
            </Select>
            {fieldMessage('source')}
          </Field>
          <Field>
            <Field.Label>{t('optin.wording')}</Field.Label>
            <Field.Hint>{t('optin.wordingHint')}</Field.Hint>
            <Textarea
              minRows={3}
              value={wording}
              validation={validation('evidence')}
              onChange={(event) => setEdited(event.target.value)}
            />
            {fieldMessage('evidence')}
          </Field>
          {otherErrors.length > 0 && (
            <Alert type="error" role="alert">
              {otherErrors.map((error) => (
                <Alert.Paragraph key={`${error.path}:${error.code}`}>{messageOf(error)}</Alert.Paragraph>
              ))}
            </Alert>
          )}
          {phase.phase === 'failed' && errors.length === 0 && (
            <Alert type="error" role="alert">
              <Alert.Paragraph>{describeError(i18n, phase.error)}</Alert.Paragraph>
            </Alert>
          )}
          <div>
            <Button type="submit" isPrimary size="small" disabled={phase.phase === 'saving'}>
              {phase.phase === 'saving' ? t('optin.saving') : t('optin.save')}
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}

/** `body.evidence` → `evidence`. */
function fieldOf(error: ProblemFieldError): string {
  return error.path.replace(/^body\.?/, '');
}

/** A sentence the customer could have agreed to, naming the topic and the business, in the agent's language. */
export function suggestedWording({ t }: I18n, settings: PanelOptinSettings, topic: string, state: ConsentState): string {
  const params = { topic: topicName(settings, topic), business: settings.business_names[0] ?? t('optin.yourBusiness') };
  return state === 'opted_in' ? t('optin.wordingOptIn', params) : t('optin.wordingOptOut', params);
}
