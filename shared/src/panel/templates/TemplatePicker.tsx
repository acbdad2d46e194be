import { useMemo, useState } from 'react';
import type { NumberSending } from '../../contract/contacts.js';
import type { Message } from '../../contract/messages.js';
import type { Wallet } from '../../contract/wallet.js';
import { ErrorState } from '../components/ErrorState.js';
import { LoadingState } from '../components/LoadingState.js';
import { Section } from '../components/Section.js';
import { SendFeedback } from '../components/SendFeedback.js';
import type { RequesterPhone } from '../data/phone.js';
import { useBridgeApi } from '../data/useBridgeApi.js';
import { usePersistentState } from '../data/usePersistentState.js';
import { type Resource, useResource } from '../data/useResource.js';
import type { TicketContext } from '../host.js';
import { useI18n } from '../i18n/I18nProvider.js';
import type { OptinContext } from '../optin/model.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { orderTemplates, type PanelTemplate, panelTemplateOf, primaryLanguage, templateKey } from './model.js';
import { TemplateCombobox } from './TemplateCombobox.js';
import { TemplateForm } from './TemplateForm.js';

/** How many templates the combobox remembers as used last. */
const recentMax = 5;

interface TemplatePickerProps {
  ticket: TicketContext;
  phone: RequesterPhone;
  /** The customer's consent, or null while it is not known: each template's send depends on its topic. */
  optin: OptinContext | null;
  /** The account's points: a template costing more than is available cannot be sent. */
  wallet?: Resource<Wallet> | null;
  /** The deployment's number as the contact's status reads it: one that cannot send disables every template's send. */
  number?: NumberSending | null;
  /** The ticket's messages as the history reads them: what became of the template after the bridge accepted it. */
  messages?: readonly Message[];
  /** The templates, when the caller loads them (the ticket view shares them with the history); else loaded here. */
  templates?: Resource<PanelTemplate[]>;
  onSent: (message: Message) => void;
}

/** The approved templates: choose one (search, category, language), fill it in, preview it, send it. */
export function TemplatePicker({
  ticket,
  phone,
  optin,
  wallet = null,
  number = null,
  messages = [],
  templates: given,
  onSent,
}: TemplatePickerProps) {
  const { t, locale } = useI18n();
  const api = useBridgeApi();
  const { Text } = useUiKit();
  const own = useResource(given === undefined ? 'templates' : null, async () => (await api.templates()).map(panelTemplateOf));
  const templates = given ?? own;
  const [recent, setRecent] = usePersistentState<string[]>('recentTemplates', []);
  const [chosen, setChosen] = useState<PanelTemplate | null>(null);
  const [justSent, setJustSent] = useState<Message | null>(null);
  const all = templates.state === 'ready' ? templates.data : [];
  const ticketLanguage = ticket.requesterLanguage ?? null;
  const shown = useMemo(
    () =>
      orderTemplates(all, {
        recent: Array.isArray(recent) ? recent : [],
        languages: [...(ticketLanguage === null ? [] : [primaryLanguage(ticketLanguage)]), locale],
      }),
    [all, recent, ticketLanguage, locale],
  );

  const choose = (template: PanelTemplate | null) => {
    setJustSent(null);
    setChosen(template);
  };
  return (
    <Section heading={t('templates.heading')} collapsible="templates">
      {justSent !== null && (
        <SendFeedback
          state={{ phase: 'sent', message: justSent }}
          sentText={t('templates.sent')}
          latest={messages.find((message) => message.id === justSent.id)}
        />
      )}
      {templates.state === 'loading' ? (
        <LoadingState />
      ) : templates.state === 'error' ? (
        <ErrorState error={templates.error} onRetry={templates.reload} />
      ) : chosen !== null ? (
        <TemplateForm
          key={`${chosen.summary.name}:${chosen.summary.language}`}
          ticket={ticket}
          phone={phone}
          template={chosen}
          optin={optin}
          wallet={wallet}
          number={number}
          onBack={() => choose(null)}
          onSent={(message) => {
            // Back to the list: the form is done, and a late second click finds nothing to send again.
            setChosen(null);
            setJustSent(message);
            const key = templateKey(chosen.summary);
            setRecent([key, ...(Array.isArray(recent) ? recent : []).filter((other) => other !== key)].slice(0, recentMax));
            onSent(message);
          }}
        />
      ) : all.length === 0 ? (
        <Text>{t('templates.empty')}</Text>
      ) : (
        <TemplateCombobox templates={shown} onChoose={choose} />
      )}
    </Section>
  );
}
