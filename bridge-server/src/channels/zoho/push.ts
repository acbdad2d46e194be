import { normalizeWhatsAppNumber, type SendMessageRequest } from '@wabridge/shared';
import * as z from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { IdempotentSender } from '../../messages/idempotent-send.js';
import { channelbackRefusalFor } from '../zendesk/channelback.js';
import { pageLanguageOf } from '../zendesk/pages.js';
import type { ZohoLinkContext } from './links.js';

/*
 * The reply push (help.zoho.com/…/channel-integration/articles/push-reply-from-desk): an agent's reply "is added in
 * the desk with status PENDING", then posted to the channel's sync.push with `securityContext` and `orgId` in the
 * query and `{configParams, resource: {extParentId, …}}` as JSON; Zoho expects 200 and the data to update. We answer
 * the delivery state: `{extId, status: "SUCCESS"}` once Meta accepted the message, or `{status: "FAILED",
 * errorMessage}` with the reason in the portal's language, which Zoho shows on the reply. The reply goes through the
 * same send pipeline as the sidebar (window, points, opt-in), once per Zoho thread id (`resource.id`): a repeat of
 * the push gets the first answer. Inferred field names of `resource` are listed in sandboxes/README.md.
 */

export const pushBodySchema = z.object({
  configParams: z.record(z.string(), z.unknown()).optional(),
  resource: z
    .object({
      id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(255)),
      extParentId: z.string().min(1).max(255),
      content: z.string().max(65_535),
      contentType: z.enum(['text/plain', 'text/html']).default('text/plain'),
    })
    .loose(),
});
export type PushBody = z.infer<typeof pushBodySchema>;

/** WhatsApp's limit for a text message body. */
const whatsAppTextCharactersMax = 4096;

/** Plain text of an HTML reply (the channel declares text/plain; a portal may still send HTML). */
function plainTextOf(content: string, contentType: 'text/plain' | 'text/html'): string {
  if (contentType === 'text/plain') return content;
  return content
    .replace(/<br\s*\/?>|<\/(p|div|li)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * The send a reply asks for: its ticket's extId names the customer (`whatsapp:+<wa_id>`, the number WhatsApp delivered,
 * taken even in a range the phone-number metadata does not know).
 */
export function zohoSendRequestOf(body: PushBody): SendMessageRequest {
  const customer = /^whatsapp:(\+\d+)$/.exec(body.resource.extParentId)?.[1];
  const phone = customer === undefined ? undefined : normalizeWhatsAppNumber(customer);
  if (phone === undefined || !phone.ok) {
    throw new DomainError('validation_failed', 'The ticket is not a WhatsApp conversation with a phone number.', {
      errors: [{ path: 'body.resource.extParentId', code: 'no_whatsapp_number', message: 'no WhatsApp number to reply to' }],
    });
  }
  const text = plainTextOf(body.resource.content, body.resource.contentType).trim();
  if (text === '' || text.length > whatsAppTextCharactersMax) {
    throw new DomainError('validation_failed', `A WhatsApp message has 1 to ${whatsAppTextCharactersMax} characters.`, {
      errors: [{ path: 'body.resource.content', code: 'too_big', message: `1 to ${whatsAppTextCharactersMax} characters` }],
    });
  }
  return { to: phone.e164, text: { body: text } };
}

/** The key a repeated push carries, kept apart from the sidebar's Idempotency-Keys and from other organisations. */
export const zohoReplyKey = (link: ZohoLinkContext, body: PushBody) => `zoho-reply:${link.orgId}:${body.resource.id}`;

export type ZohoReplyState =
  | { httpStatus: 200; body: { extId: string; status: 'SUCCESS' } }
  | { httpStatus: 200; body: { status: 'FAILED'; errorMessage: string } }
  | { httpStatus: 503; text: string; retryAfterSeconds?: number };

/**
 * Every domain error as the reply push answers it, in one place. A final refusal is a FAILED state with the reason
 * the agent reads, in the portal's language (the same words Zendesk's agents read); what may pass (Meta or the
 * bridge unavailable, the same reply still being sent) is a 503, which Zoho records as the reply's failure or retries.
 */
export function zohoReplyRefusalFor(locale: string): (error: DomainError) => ZohoReplyState {
  const words = channelbackRefusalFor(locale);
  const language = pageLanguageOf(locale);
  return (error) => {
    const refusal = words(error);
    if (refusal.status === 422) return { httpStatus: 200, body: { status: 'FAILED', errorMessage: refusal.message } };
    return {
      httpStatus: 503,
      text: {
        en: 'Not sent on WhatsApp yet: WhatsApp or the bridge is unavailable. Send the reply again in a few minutes.',
        ja: 'まだ WhatsApp で送信されていません：WhatsApp またはブリッジが利用できません。数分後にもう一度返信してください。',
      }[language],
      ...(refusal.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: refusal.retryAfterSeconds }),
    };
  };
}

/** Sends the reply once per Zoho thread id and answers its delivery state. */
export async function zohoReply(sender: IdempotentSender, link: ZohoLinkContext, body: PushBody): Promise<ZohoReplyState> {
  try {
    const message = await sender.send(
      {
        accountId: link.accountId,
        deploymentId: link.deploymentId,
        installationId: link.installationId,
        // On the ticket already (Zoho's own thread): never fed back to it by a pull.
        channelReply: 'zoho',
      },
      zohoReplyKey(link, body),
      zohoSendRequestOf(body),
    );
    return { httpStatus: 200, body: { extId: message.wamid ?? message.id, status: 'SUCCESS' } };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return zohoReplyRefusalFor(link.locale)(error);
  }
}
