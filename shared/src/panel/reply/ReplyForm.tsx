import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ContactStatus } from '../../contract/contacts.js';
import type { Message } from '../../contract/messages.js';
import { useNow } from '../clock.js';
import { BlockedReason } from '../components/BlockedReason.js';
import { Section } from '../components/Section.js';
import { latestOf, SendFeedback } from '../components/SendFeedback.js';
import type { RequesterPhone } from '../data/phone.js';
import { useIdempotentSend } from '../data/useIdempotentSend.js';
import type { Resource } from '../data/useResource.js';
import { liveWindow } from '../data/window.js';
import type { TicketContext } from '../host.js';
import type { I18n } from '../i18n/I18nProvider.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/** WhatsApp's limit for a text message body (and the contract's). */
const textLengthMax = 4096;

interface ReplyFormProps {
  ticket: TicketContext;
  phone: RequesterPhone;
  contact: Resource<ContactStatus> | null;
  /** The ticket's messages as the history reads them: what became of the reply after the bridge accepted it. */
  messages?: readonly Message[];
  onSent: (message: Message) => void;
}

/** A free-form reply: only while the customer service window is open. */
export function ReplyForm({ ticket, phone, contact, messages = [], onSent }: ReplyFormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { Button, Field, TextArea } = useUiKit();
  const now = useNow();
  const [text, setText] = useState('');
  const { state, send } = useIdempotentSend();
  const reasonId = useId();
  const windowOpen = contact?.state === 'ready' && liveWindow(contact.data.window, now).open;
  const reason = blockedReason(i18n, { phone, contact, windowOpen, text, sending: state.phase === 'sending' });
  // Right after a send the box is empty because the reply went: "Reply sent." says so, not "Write a message first.".
  const shownReason = state.phase === 'sending' || (state.phase === 'sent' && text === '') ? null : reason;
  // The bridge found the window closed (it closed since the card was read): read it again, so the card says so too.
  const refusedAsClosed = state.phase === 'failed' && state.error.kind === 'problem' && state.error.code === 'window_closed';
  const reloadContact = contact?.reload;
  useEffect(() => {
    if (refusedAsClosed) reloadContact?.();
  }, [refusedAsClosed, reloadContact]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason !== null || phone.kind !== 'ok') return;
    const message = await send({
      to: phone.e164,
      text: { body: text },
      ticket: { helpdesk: ticket.helpdesk, id: ticket.ticketId },
    });
    if (message !== undefined) {
      setText('');
      onSent(message);
    }
  };

  return (
    <Section heading={t('reply.heading')} collapsible="reply">
      <form onSubmit={submit}>
        {/* No hint under the label: the section's heading already says the reply goes out on WhatsApp. */}
        <Field label={t('reply.label')}>
          <TextArea rowsMin={2} rowsMax={10} value={text} disabled={!windowOpen} onChange={setText} />
        </Field>
        <Button
          type="submit"
          variant="primary"
          disabled={reason !== null}
          aria-describedby={shownReason === null ? undefined : reasonId}
          style={{ marginTop: 8 }}
        >
          {state.phase === 'sending' ? t('reply.sending') : t('reply.send')}
        </Button>
        <BlockedReason id={reasonId} reason={shownReason} />
      </form>
      <SendFeedback state={state} sentText={t('reply.sent')} latest={latestOf(messages, state)} />
    </Section>
  );
}

interface ReplyConditions {
  phone: RequesterPhone;
  contact: Resource<ContactStatus> | null;
  windowOpen: boolean;
  text: string;
  sending: boolean;
}

/** Why the reply cannot be sent now, or null when it can; the first reason that applies is the one to act on. */
function blockedReason({ t }: I18n, { phone, contact, windowOpen, text, sending }: ReplyConditions): string | null {
  if (phone.kind !== 'ok') return t('sendBlocked.noPhone');
  if (contact?.state !== 'ready') return t('sendBlocked.windowUnknown');
  // Said from the same state the window card reads, so the two never disagree on why the window is closed.
  if (!windowOpen) return contact.data.last_inbound_at === null ? t('sendBlocked.neverWrote') : t('sendBlocked.windowClosed');
  if (sending) return t('reply.sending');
  if (text.trim() === '') return t('sendBlocked.emptyText');
  if (text.length > textLengthMax) return t('sendBlocked.textTooLong', { lengthMax: textLengthMax });
  return null;
}
