import { normalizeWhatsAppNumber, type SendMessageRequest } from '@wabridge/shared';
import * as z from 'zod';
import { DomainError, type DomainErrorMapping } from '../../domain/errors.js';
import type { MediaUploadRow } from '../../media/store.js';
import type { IdempotentSender } from '../../messages/idempotent-send.js';
import type { LinkContext } from './links.js';
import { type PageLanguage, pageLanguageOf } from './pages.js';

/*
 * Channelback (developer.zendesk.com/documentation/channel_framework/…/channelback): Zendesk posts an agent's public
 * reply form-encoded (message, parent_id, recipient_id, metadata, request_unique_identifier, thread_id, file_urls[])
 * and expects 200 with `external_id`. The reply goes through the same send pipeline as the sidebar (window, media,
 * points), once per request_unique_identifier: Zendesk repeats it when it retries, and the repeat gets the first
 * answer. A refusal is answered so that Zendesk shows it on the agent's comment, in the account's language.
 */

export const channelbackFormSchema = z.object({
  message: z.string().max(65_535),
  parent_id: z.string().max(511).optional(),
  recipient_id: z.string().max(255).optional(),
  metadata: z.string().max(5000),
  request_unique_identifier: z.string().min(1).max(255),
  thread_id: z.string().max(511).optional(),
  'file_urls[]': z.union([z.string(), z.array(z.string())]).optional(),
  file_urls: z.union([z.string(), z.array(z.string())]).optional(),
});
export type ChannelbackForm = z.infer<typeof channelbackFormSchema>;

/** WhatsApp's limit for a text message body. */
const whatsAppTextCharactersMax = 4096;

/**
 * The customer the reply is for: Zendesk's recipient_id (the author id we gave the customer), else the ticket's
 * thread. A ticket the business's own message opened has the business as requester: its thread still names the customer.
 * Both carry the `+<wa_id>` WhatsApp delivered, so it is taken even in a range the phone-number metadata does not know.
 */
function recipientOf(form: ChannelbackForm, link: LinkContext): string {
  const threadPrefix = `whatsapp:${link.deploymentId}:`;
  const fromThread = form.thread_id?.startsWith(threadPrefix) === true ? form.thread_id.slice(threadPrefix.length) : undefined;
  for (const customer of [form.recipient_id, fromThread]) {
    const phone = customer === undefined ? undefined : normalizeWhatsAppNumber(customer);
    if (phone?.ok === true) return phone.e164;
  }
  throw new DomainError('validation_failed', 'The ticket’s requester has no WhatsApp number on this channel.', {
    errors: [{ path: 'body.recipient_id', code: 'no_whatsapp_number', message: 'no WhatsApp number to reply to' }],
  });
}

/** The files Zendesk attached to the reply (`file_urls[]`; also read without the brackets). */
export function filesOf(form: ChannelbackForm): string[] {
  return [form['file_urls[]'] ?? [], form.file_urls ?? []].flat();
}

/** The text of the reply, refused before anything is sent when WhatsApp could not carry it. */
export function sendRequestOf(form: ChannelbackForm, link: LinkContext): SendMessageRequest {
  const body = form.message.trim();
  if (body === '' || body.length > whatsAppTextCharactersMax) {
    throw new DomainError('validation_failed', `A WhatsApp message has 1 to ${whatsAppTextCharactersMax} characters.`, {
      errors: [{ path: 'body.message', code: 'too_big', message: `1 to ${whatsAppTextCharactersMax} characters` }],
    });
  }
  return { to: recipientOf(form, link), text: { body } };
}

/** The key a Zendesk retry repeats, kept apart from the sidebar's own Idempotency-Keys. */
export const channelbackKey = (form: ChannelbackForm) => `zendesk-channelback:${form.request_unique_identifier}`;

/** The reply's files: fetched from Zendesk and uploaded to Meta (checked against the media limits), or let go. */
export interface ChannelbackFiles {
  store(link: LinkContext, url: string): Promise<MediaUploadRow>;
  discard(link: LinkContext, upload: MediaUploadRow): Promise<void>;
}

/**
 * The reply on WhatsApp: its text, then each attached file as a media message, every one through the send pipeline
 * (window, media limits, points) under a key of its own derived from request_unique_identifier, so Zendesk's retry
 * sends none of them twice. Answers the first message's id as the comment's external id.
 */
export async function channelback(
  sender: IdempotentSender,
  link: LinkContext,
  form: ChannelbackForm,
  files: ChannelbackFiles,
): Promise<{ external_id: string; allow_channelback: boolean }> {
  const who = {
    accountId: link.accountId,
    deploymentId: link.deploymentId,
    installationId: link.installationId,
    channelReply: 'zendesk' as const,
  };
  const urls = filesOf(form);
  const ids: string[] = [];
  if (urls.length === 0 || form.message.trim() !== '') {
    ids.push((await sender.send(who, channelbackKey(form), sendRequestOf(form, link))).id);
  }
  const to = recipientOf(form, link);
  for (const [index, url] of urls.entries()) {
    const upload = await files.store(link, url);
    const media = {
      kind: upload.kind,
      upload_id: upload.id,
      ...(upload.kind === 'document' && upload.filename !== null ? { filename: upload.filename } : {}),
    };
    // A retry finds the file sent already: the copy uploaded again is let go.
    const message = await sender.send(who, `${channelbackKey(form)}:file:${index}`, { to, media }, () => {
      void files.discard(link, upload);
    });
    ids.push(message.id);
  }
  return { external_id: ids[0]!, allow_channelback: true };
}

/** What Zendesk gets for a refusal: a status (4xx: final, shown to the agent; 429/5xx: Zendesk retries) and words. */
export interface ChannelbackRefusal {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

type Words = Record<PageLanguage, string>;

const refusals: Partial<Record<DomainError['code'], { status: number; words: Words }>> = {
  window_closed: {
    status: 422,
    words: {
      en: 'Not sent on WhatsApp: the customer has not written in the last 24 hours, so only an approved template can reach them. Send one from the WhatsApp panel.',
      ja: 'WhatsApp で送信されませんでした：お客様から 24 時間以内にメッセージがないため、承認済みテンプレートのみ送信できます。WhatsApp パネルから送信してください。',
    },
  },
  insufficient_points: {
    status: 422,
    words: {
      en: 'Not sent on WhatsApp: the account does not have enough points for this message. Buy points, then reply again.',
      ja: 'WhatsApp で送信されませんでした：このメッセージに必要なポイントが不足しています。ポイントを購入してから、もう一度返信してください。',
    },
  },
  meta_rejected: {
    status: 422,
    words: {
      en: 'Not sent on WhatsApp: WhatsApp refused the message.',
      ja: 'WhatsApp で送信されませんでした：WhatsApp がメッセージを拒否しました。',
    },
  },
  validation_failed: {
    status: 422,
    words: {
      en: 'Not sent on WhatsApp: the reply cannot be sent as it is.',
      ja: 'WhatsApp で送信されませんでした：この返信はそのままでは送信できません。',
    },
  },
  not_priceable: {
    status: 422,
    words: {
      en: 'Not sent on WhatsApp: this message cannot be priced.',
      ja: 'WhatsApp で送信されませんでした：このメッセージの料金を計算できません。',
    },
  },
  idempotency_key_in_flight: {
    status: 503,
    words: { en: 'The reply is still being sent; Zendesk will retry.', ja: '返信を送信中です。Zendesk が再試行します。' },
  },
  meta_unavailable: {
    status: 503,
    words: {
      en: 'WhatsApp could not be reached; Zendesk will retry.',
      ja: 'WhatsApp に接続できませんでした。Zendesk が再試行します。',
    },
  },
};

/**
 * Every domain error as the channelback answers it, in one place. A refusal Zendesk should not repeat is a 422 with
 * the reason in the account's language and the bridge's detail after it; what may pass is a 503 that Zendesk retries
 * with the same request_unique_identifier.
 */
export function channelbackRefusalFor(locale: string): DomainErrorMapping<ChannelbackRefusal> {
  const language = pageLanguageOf(locale);
  return (error) => {
    const known = refusals[error.code];
    const status = known?.status ?? (error.code.startsWith('media_') ? 422 : 503);
    const words =
      known?.words[language] ??
      (status === 422
        ? { en: 'Not sent on WhatsApp.', ja: 'WhatsApp で送信されませんでした。' }[language]
        : { en: 'The bridge failed; Zendesk will retry.', ja: 'ブリッジでエラーが発生しました。Zendesk が再試行します。' }[
            language
          ]);
    const detail = status === 422 ? ` (${error.detail})` : '';
    return {
      status,
      message: `${words}${detail}`,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  };
}
