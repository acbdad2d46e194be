import { useCallback, useMemo } from 'react';
import type { Message } from '../contract/messages.js';
import { requesterPhoneOf } from './data/phone.js';
import { useBridgeApi } from './data/useBridgeApi.js';
import { useResource } from './data/useResource.js';
import { useTicketMessages } from './data/useTicketMessages.js';
import type { TicketContext } from './host.js';
import { MessageHistory } from './messages/MessageHistory.js';
import { ReplyForm } from './reply/ReplyForm.js';
import { TemplatePicker } from './templates/TemplatePicker.js';
import { WindowCard } from './window/WindowCard.js';

/**
 * The panel for one ticket. Sections, top to bottom, in the order an agent decides: can I reply (window), reply,
 * or reach them by template, then what became of it. Sections the bridge cannot serve yet have their place here:
 * opt-in per topic (PRODUCT.md §4) after the window card, the wallet balance (§5) at the end; each will be one
 * component taking the ticket and phone like its neighbours.
 */
export function TicketView({ ticket }: { ticket: TicketContext }) {
  const api = useBridgeApi();
  const phone = useMemo(() => requesterPhoneOf(ticket.requesterPhone), [ticket.requesterPhone]);
  const phoneE164 = phone.kind === 'ok' ? phone.e164 : null;
  const contactResource = useResource(phoneE164, () => api.contactStatus(phoneE164 ?? ''));
  const contact = phoneE164 === null ? null : contactResource;
  const messages = useTicketMessages(ticket);

  const { reload: reloadMessages } = messages;
  const { reload: reloadContact } = contactResource;
  const onSent = useCallback(
    (_message: Message) => {
      reloadMessages();
      // A first reply to an ad starts a free entry point: the window card should say so at once.
      if (phoneE164 !== null) reloadContact();
    },
    [reloadMessages, reloadContact, phoneE164],
  );

  return (
    <>
      <WindowCard phone={phone} contact={contact} />
      {/* Slot: opt-in status per topic, with recording consent (not in the bridge yet). */}
      <ReplyForm ticket={ticket} phone={phone} contact={contact} onSent={onSent} />
      <TemplatePicker ticket={ticket} phone={phone} onSent={onSent} />
      <MessageHistory messages={messages} />
      {/* Slot: the wallet balance in points (not in the bridge yet). */}
    </>
  );
}
