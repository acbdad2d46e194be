import { createHmac } from 'node:crypto';

/** Serialises like Meta: non-ASCII characters as lowercase \uXXXX escapes (Meta signs that form). */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function metaSignature(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

const unixSeconds = (instant: Date) => String(Math.floor(instant.getTime() / 1000));

/** A `messages` change as Meta sends it, for the given business number. */
export function messagesBody(phoneNumberId: string, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '81345100000', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export function inboundText(
  phoneNumberId: string,
  options: {
    waId?: string;
    userId?: string;
    name?: string;
    id: string;
    at: Date;
    text?: string;
    referral?: Record<string, unknown>;
  },
) {
  return messagesBody(phoneNumberId, {
    contacts: [
      {
        profile: { name: options.name ?? 'Hanako Yamada' },
        ...(options.waId ? { wa_id: options.waId } : {}),
        ...(options.userId ? { user_id: options.userId } : {}),
      },
    ],
    messages: [
      {
        ...(options.waId ? { from: options.waId } : { from_user_id: options.userId }),
        id: options.id,
        timestamp: unixSeconds(options.at),
        type: 'text',
        text: { body: options.text ?? 'こんにちは、注文について質問です' },
        ...(options.referral ? { referral: options.referral } : {}),
      },
    ],
  });
}

export function statusUpdate(phoneNumberId: string, statuses: { id: string; status: string; at: Date; waId: string }[]) {
  return messagesBody(phoneNumberId, {
    statuses: statuses.map((status) => ({
      id: status.id,
      status: status.status,
      timestamp: unixSeconds(status.at),
      recipient_id: status.waId,
      ...(status.status === 'failed'
        ? {}
        : { pricing: { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' } }),
    })),
  });
}

/** A click-to-WhatsApp ad's referral as Meta sends it on the customer's first message. */
export const adReferral = {
  source_url: 'https://fb.me/2ZulEu42P',
  source_id: '120211111111111',
  source_type: 'ad',
  headline: '冬のセール',
  body: '今すぐチャット',
  media_type: 'image',
  image_url: 'https://example.com/ad.jpg',
  ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a',
};
