import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { Message } from '../contract/messages.js';
import { LoadingState } from './components/LoadingState.js';
import { ConversationView } from './conversation/ConversationView.js';
import { useLiveChanges } from './data/live.js';
import { type RequesterPhone, useRequesterPhone } from './data/phone.js';
import { useBridgeApi } from './data/useBridgeApi.js';
import { useConversation } from './data/useConversation.js';
import { useResource } from './data/useResource.js';
import { isFinal, useTicketMessages } from './data/useTicketMessages.js';
import type { TicketContext } from './host.js';
import { MessageHistory } from './messages/MessageHistory.js';
import { NumberBanner } from './number/NumberBanner.js';
import { consentOf, type OptinContext } from './optin/model.js';
import { OptinSection } from './optin/OptinSection.js';
import { meteringOf } from './points/model.js';
import { WalletCard } from './points/WalletCard.js';
import { ReplyForm } from './reply/ReplyForm.js';
import { panelTemplateOf } from './templates/model.js';
import { TemplatePicker } from './templates/TemplatePicker.js';
import { TemplateTitlesProvider } from './templates/titles.js';
import { WindowCard } from './window/WindowCard.js';

/**
 * The panel for one ticket. Sections, top to bottom, in the order an agent decides: can I reply (window), reply,
 * or reach them by template (which needs their opt-in to its topic: a template form says when it is missing, and the
 * opt-in section right below records it), then what became of it, and last the account's points (PRODUCT.md §5), for
 * accounts that pay in points. What the agent can do now stays on the first screen of a 320 px sidebar (issue #15).
 */
export function TicketView({ ticket }: { ticket: TicketContext }) {
  const api = useBridgeApi();
  const resolvedPhone = useRequesterPhone(api, ticket.requesterPhone);
  const phone = resolvedPhone ?? noPhoneYet;
  const phoneE164 = phone.kind === 'ok' ? phone.e164 : null;
  const contactResource = useResource(phoneE164, () => api.contactStatus(phoneE164 ?? ''));
  const contact = phoneE164 === null ? null : contactResource;
  const messages = useTicketMessages(ticket);
  const optinSettings = useResource(phoneE164 === null ? null : 'optin-topics', () => api.optinSettings());
  const wallet = useResource('wallet', () => api.wallet());
  const templates = useResource('templates', async () => (await api.templates()).map(panelTemplateOf));
  const templateSummaries = useMemo(
    () => (templates.state === 'ready' ? templates.data.map((template) => template.summary) : []),
    [templates],
  );
  // Whether the account pays in points: a free-form reply's quote tells (`pricing_not_configured` when it does not).
  const pricingProbe = useResource(phoneE164 === null ? null : `pricing:${phoneE164}`, () =>
    api.quote({ to: phoneE164 ?? '', text: '1' }),
  );
  const metered = meteringOf(phoneE164 === null ? null : pricingProbe);
  const contactData = contactResource.state === 'ready' ? contactResource.data : null;
  const settingsData = optinSettings.state === 'ready' ? optinSettings.data : null;
  const customerName = ticket.requesterName ?? contactData?.contact.name ?? null;
  // Known once both are in: the account's rules give each template its topic, the contact's status its consent.
  const optin = useMemo<OptinContext | null>(
    () =>
      contactData === null || settingsData === null
        ? null
        : { settings: settingsData, consent: consentOf(contactData), customerName },
    [contactData, settingsData, customerName],
  );

  const { reload: reloadMessages } = messages;
  const { reload: reloadContact } = contactResource;
  const { reload: reloadWallet } = wallet;
  // Live: the customer writes, presses Stop, a status or the wallet changes → the sections concerned read again.
  const live = useLiveChanges(phoneE164, {
    conversation: () => {
      reloadConversation();
      reloadMessages();
    },
    contact: () => reloadContact(),
    wallet: () => reloadWallet(),
  });
  const conversation = useConversation(phoneE164, live);
  const { reload: reloadConversation } = conversation;
  const messageList = messages.state === 'ready' ? messages.data : noMessages;
  // A message reaching its outcome changes more than the history: a read or failed message's held points are
  // captured or returned (the wallet), and Meta's 131050 opts the customer out of marketing (the contact's consent).
  const outcomes = outcomeKey(messageList);
  const seenOutcomes = useRef<string | null>(null);
  useEffect(() => {
    const previous = seenOutcomes.current;
    seenOutcomes.current = outcomes;
    if (previous === null || previous === outcomes) return;
    reloadWallet();
    if (phoneE164 !== null) reloadContact();
  }, [outcomes, reloadWallet, reloadContact, phoneE164]);
  const onSent = useCallback(
    (_message: Message) => {
      reloadMessages();
      reloadConversation();
      // A paid send holds its points at once.
      reloadWallet();
      // A first reply to an ad starts a free entry point: the window card should say so at once.
      if (phoneE164 !== null) reloadContact();
    },
    [reloadMessages, reloadConversation, reloadContact, reloadWallet, phoneE164],
  );

  // A national number waits for the deployment's country (one small request) rather than showing it as invalid.
  if (resolvedPhone === null) return <LoadingState />;
  return (
    <TemplateTitlesProvider templates={templateSummaries}>
      <NumberBanner contact={contact} />
      <WindowCard phone={phone} contact={contact} />
      <ReplyForm ticket={ticket} phone={phone} contact={contact} messages={messageList} onSent={onSent} />
      <TemplatePicker
        ticket={ticket}
        phone={phone}
        optin={optin}
        wallet={wallet}
        number={contactData?.number ?? null}
        messages={messageList}
        templates={templates}
        onSent={onSent}
      />
      <OptinSection
        phone={phone}
        contact={contact}
        settings={optinSettings}
        customerName={customerName}
        onRecorded={reloadContact}
      />
      {phoneE164 === null ? <MessageHistory messages={messages} /> : <ConversationView conversation={conversation} live={live} />}
      <WalletCard wallet={wallet} metered={metered} />
    </TemplateTitlesProvider>
  );
}

const noMessages: readonly Message[] = [];
const noPhoneYet: RequesterPhone = { kind: 'missing' };

/** Which messages have reached their outcome, and which: changes exactly when one more settles. */
function outcomeKey(messages: readonly Message[]): string | null {
  if (messages === noMessages) return null;
  return messages
    .filter(isFinal)
    .map((message) => `${message.id}:${message.status ?? message.state}`)
    .join(',');
}
