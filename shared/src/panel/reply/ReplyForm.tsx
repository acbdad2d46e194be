import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ContactStatus } from '../../contract/contacts.js';
import type { Message, SendMessageRequest } from '../../contract/messages.js';
import type { BridgeApi } from '../api.js';
import { AttachmentPicker } from '../attach/AttachmentPicker.js';
import type { FileCheck } from '../attach/model.js';
import { useFileUpload } from '../attach/useFileUpload.js';
import { useNow } from '../clock.js';
import { BlockedReason } from '../components/BlockedReason.js';
import { Section } from '../components/Section.js';
import { latestOf, SendFeedback } from '../components/SendFeedback.js';
import type { RequesterPhone } from '../data/phone.js';
import { useBridgeApi } from '../data/useBridgeApi.js';
import { useIdempotentSend } from '../data/useIdempotentSend.js';
import type { Resource } from '../data/useResource.js';
import { liveWindow } from '../data/window.js';
import type { TicketContext } from '../host.js';
import { describeError } from '../i18n/describeError.js';
import type { I18n } from '../i18n/I18nProvider.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { numberBlock } from '../number/model.js';
import { useUiKit } from '../ui/UiKitProvider.js';

/** WhatsApp's limit for a text message body (and the contract's). */
const textLengthMax = 4096;
/** WhatsApp's limit for a media caption (and the contract's). */
const captionLengthMax = 1024;

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
  const { Button, Field, Notice, TextArea } = useUiKit();
  const api = useBridgeApi();
  const now = useNow();
  const [text, setText] = useState('');
  const { state, send } = useIdempotentSend();
  const reasonId = useId();
  const attachment = useAttachment(api);
  const windowOpen = contact?.state === 'ready' && liveWindow(contact.data.window, now).open;
  // A file cannot go either while the number cannot send: no picker to fill for nothing (the banner says why).
  const canAttach = windowOpen && contact?.state === 'ready' && numberBlock(contact.data.number) === null;
  const sending = state.phase === 'sending' || attachment.uploading;
  const reason = blockedReason(i18n, { phone, contact, windowOpen, text, sending, file: attachment.check });
  // Right after a send the box is empty because the reply went: "Reply sent." says so, not "Write a message first.".
  const shownReason = sending || (state.phase === 'sent' && text === '') ? null : reason;
  // The bridge found the window closed (it closed since the card was read): read it again, so the card says so too.
  const refusedAsClosed = state.phase === 'failed' && state.error.kind === 'problem' && state.error.code === 'window_closed';
  const reloadContact = contact?.reload;
  useEffect(() => {
    if (refusedAsClosed) reloadContact?.();
  }, [refusedAsClosed, reloadContact]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason !== null || phone.kind !== 'ok') return;
    const content = await attachment.content(text);
    if (content === undefined) return;
    const message = await send({ to: phone.e164, ...content, ticket: { helpdesk: ticket.helpdesk, id: ticket.ticketId } });
    if (message !== undefined) {
      setText('');
      attachment.clear();
      onSent(message);
    }
  };

  return (
    <Section heading={t('reply.heading')} collapsible="reply">
      <form onSubmit={submit}>
        {attachment.open && canAttach && (
          <AttachmentPicker token={attachment.token} file={attachment.file} onChange={attachment.choose} disabled={sending} />
        )}
        {/* No hint under the label: the section's heading already says the reply goes out on WhatsApp. */}
        <Field label={attachment.file === null ? t('reply.label') : t('attach.caption')}>
          <TextArea rowsMin={2} rowsMax={10} value={text} disabled={!windowOpen} onChange={setText} />
        </Field>
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', marginTop: 8 }}>
          <Button
            type="submit"
            variant="primary"
            disabled={reason !== null}
            aria-describedby={shownReason === null ? undefined : reasonId}
          >
            {attachment.uploading ? t('attach.uploading') : state.phase === 'sending' ? t('reply.sending') : t('reply.send')}
          </Button>
          {canAttach && (
            <Button
              variant="basic"
              data-testid="attach-toggle"
              aria-expanded={attachment.open}
              disabled={sending}
              onClick={attachment.toggle}
            >
              {attachment.open ? t('attach.close') : t('attach.open')}
            </Button>
          )}
        </div>
        <BlockedReason id={reasonId} reason={shownReason} />
      </form>
      {attachment.error !== null && (
        <Notice tone="error" role="alert" data-testid="attach-failed">
          <Notice.Paragraph>{describeError(i18n, attachment.error)}</Notice.Paragraph>
        </Notice>
      )}
      <SendFeedback
        state={state}
        sentText={state.phase === 'sent' && state.message.kind === 'media' ? t('attach.sent') : t('reply.sent')}
        latest={latestOf(messages, state)}
      />
    </Section>
  );
}

/** The reply's attachment: the picker opened or not, the chosen file and its upload, and the reply's content with it. */
function useAttachment(api: BridgeApi) {
  const [open, setOpen] = useState(false);
  const file = useFileUpload(api, open);
  const content = async (caption: string): Promise<Omit<SendMessageRequest, 'to' | 'ticket'> | undefined> => {
    if (file.file === null) return { text: { body: caption } };
    const upload = await file.upload();
    if (upload === undefined) return undefined;
    const trimmed = caption.trim();
    return {
      media: {
        kind: upload.kind,
        upload_id: upload.id,
        ...(trimmed === '' ? {} : { caption: trimmed }),
        ...(upload.kind === 'document' && upload.filename !== null ? { filename: upload.filename } : {}),
      },
    };
  };
  return {
    ...file,
    open,
    content,
    toggle: () => {
      setOpen(!open);
      file.choose(null);
    },
    clear: () => {
      setOpen(false);
      file.choose(null);
    },
  };
}

interface ReplyConditions {
  phone: RequesterPhone;
  contact: Resource<ContactStatus> | null;
  windowOpen: boolean;
  text: string;
  sending: boolean;
  /** The chosen file, checked; null when none is chosen (or its limits are not known yet). */
  file: FileCheck | null;
}

/** Why the reply cannot be sent now, or null when it can; the first reason that applies is the one to act on. */
function blockedReason({ t }: I18n, { phone, contact, windowOpen, text, sending, file }: ReplyConditions): string | null {
  if (phone.kind !== 'ok') return t('sendBlocked.noPhone');
  if (contact?.state !== 'ready') return t('sendBlocked.windowUnknown');
  // Before the window: an open window does not help a number Meta will not let send (the banner says why).
  if (numberBlock(contact.data.number) !== null) return t('sendBlocked.numberCannotSend');
  // Said from the same state the window card reads, so the two never disagree on why the window is closed.
  if (!windowOpen) return contact.data.last_inbound_at === null ? t('sendBlocked.neverWrote') : t('sendBlocked.windowClosed');
  if (sending) return t('reply.sending');
  if (file !== null) {
    // The picker says why a refused file cannot go; the button just stays disabled.
    if (!file.ok) return t('attach.chooseAnother');
    if (file.kind === 'audio' && text.trim() !== '') return t('attach.audioNoCaption');
    if (text.trim().length > captionLengthMax) return t('attach.captionTooLong', { lengthMax: captionLengthMax });
    return null;
  }
  if (text.trim() === '') return t('sendBlocked.emptyText');
  if (text.length > textLengthMax) return t('sendBlocked.textTooLong', { lengthMax: textLengthMax });
  return null;
}
