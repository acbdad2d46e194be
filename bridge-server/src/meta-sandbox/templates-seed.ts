import { stableGraphId } from './ids.js';
import type { Template, TemplateCategory, TemplateComponent, TemplateStatus } from './state.js';

/**
 * The templates every WABA starts with, written exactly as `GET /{waba-id}/message_templates` returns them:
 * upper-case component types, `example` objects (`header_text`, `header_text_named_params`, `header_handle`,
 * `body_text`, `body_text_named_params`), URL buttons whose dynamic suffix is always `{{1}}`, and
 * authentication templates whose OTP copy-code button reads back as a URL button (Meta: "in your template
 * creation request the button type is designated as OTP, but upon creation the button type will be set to
 * URL" — developers.facebook.com/docs/whatsapp/business-management-api/authentication-templates/
 * copy-code-button-authentication-templates).
 *
 * The set covers English and Japanese; marketing, utility and authentication; positional and NAMED
 * parameters; text, image, document and video headers; dynamic URL, quick-reply and copy-code buttons; and
 * one template in each non-sendable state (REJECTED, PAUSED, DISABLED, PENDING). Thirty of them, so that
 * listing with `limit=10` takes several pages.
 */

interface TemplateSeed {
  name: string;
  language: string;
  category: TemplateCategory;
  status?: TemplateStatus;
  parameterFormat?: 'POSITIONAL' | 'NAMED';
  rejectedReason?: string;
  components: TemplateComponent[];
}

/** Where seeded media header examples point; Meta returns handles on its CDN, the sandbox an obviously fake host. */
const exampleMediaBase = 'https://scontent.whatsapp.example/sandbox';

function bodyPositional(text: string, examples: string[] = []): TemplateComponent {
  return examples.length === 0 ? { type: 'BODY', text } : { type: 'BODY', text, example: { body_text: [examples] } };
}

function bodyNamed(text: string, examples: Record<string, string>): TemplateComponent {
  const named = Object.entries(examples).map(([param_name, example]) => ({ param_name, example }));
  return { type: 'BODY', text, example: { body_text_named_params: named } };
}

function headerText(text: string, example?: string): TemplateComponent {
  return example === undefined
    ? { type: 'HEADER', format: 'TEXT', text }
    : { type: 'HEADER', format: 'TEXT', text, example: { header_text: [example] } };
}

function headerNamedText(text: string, examples: Record<string, string>): TemplateComponent {
  const named = Object.entries(examples).map(([param_name, example]) => ({ param_name, example }));
  return { type: 'HEADER', format: 'TEXT', text, example: { header_text_named_params: named } };
}

function headerMedia(format: 'IMAGE' | 'DOCUMENT' | 'VIDEO', file: string): TemplateComponent {
  return { type: 'HEADER', format, example: { header_handle: [`${exampleMediaBase}/${file}`] } };
}

function footer(text: string): TemplateComponent {
  return { type: 'FOOTER', text };
}

function buttons(...list: Record<string, unknown>[]): TemplateComponent {
  return { type: 'BUTTONS', buttons: list };
}

const quickReply = (text: string) => ({ type: 'QUICK_REPLY', text });
const staticUrl = (text: string, url: string) => ({ type: 'URL', text, url });
const dynamicUrl = (text: string, url: string, exampleSuffix: string) => ({
  type: 'URL',
  text,
  url,
  example: [url.replace('{{1}}', exampleSuffix)],
});
const copyCode = (example: string) => ({ type: 'COPY_CODE', example });

/** An authentication template as Meta generates it from `add_security_recommendation` and `code_expiration_minutes`. */
function authentication(language: string, name: string, texts: { body: string; footer?: string; button: string }): TemplateSeed {
  const otpUrl = `https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=10&code=otp{{1}}`;
  return {
    name,
    language,
    category: 'AUTHENTICATION',
    components: [
      { type: 'BODY', text: texts.body, add_security_recommendation: true, example: { body_text: [['123456']] } },
      ...(texts.footer === undefined ? [] : [{ type: 'FOOTER' as const, text: texts.footer, code_expiration_minutes: 10 }]),
      buttons({ type: 'URL', text: texts.button, url: otpUrl, example: [otpUrl.replace('{{1}}', '123456')] }),
    ],
  };
}

const seeds: TemplateSeed[] = [
  {
    name: 'order_confirmation',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      bodyPositional('Hi {{1}}, thank you for your order {{2}}. We will ship it by {{3}}.', ['Pablo', 'ORD-10293', 'May 3']),
      footer('Questions? Just reply to this message.'),
    ],
  },
  {
    name: 'order_confirmation',
    language: 'ja',
    category: 'UTILITY',
    components: [
      bodyPositional('{{1}}様、ご注文（{{2}}）ありがとうございます。{{3}}までに発送いたします。', [
        '山田',
        'ORD-10293',
        '5月3日',
      ]),
      footer('ご不明な点はこのメッセージにご返信ください。'),
    ],
  },
  {
    name: 'shipping_update',
    language: 'en_US',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      headerNamedText('Order {{order_id}} has shipped', { order_id: 'ORD-10293' }),
      bodyNamed(
        'Hi {{first_name}}, your order {{order_id}} is on its way with {{carrier}}. Expected delivery: {{delivery_date}}.',
        {
          first_name: 'Pablo',
          order_id: 'ORD-10293',
          carrier: 'DHL',
          delivery_date: 'May 5',
        },
      ),
      buttons(dynamicUrl('Track package', 'https://track.example.com/parcels/{{1}}', '1Z999AA10123456784')),
    ],
  },
  {
    name: 'shipping_update',
    language: 'ja',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      headerNamedText('ご注文{{order_id}}を発送しました', { order_id: 'ORD-10293' }),
      bodyNamed('{{first_name}}様、ご注文{{order_id}}を{{carrier}}にて発送しました。お届け予定日：{{delivery_date}}', {
        first_name: '山田',
        order_id: 'ORD-10293',
        carrier: 'ヤマト運輸',
        delivery_date: '5月5日',
      }),
      buttons(dynamicUrl('配送状況を確認', 'https://track.example.com/parcels/{{1}}', '1Z999AA10123456784')),
    ],
  },
  {
    name: 'invoice_available',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      headerMedia('DOCUMENT', 'invoice.pdf'),
      bodyPositional('Hello {{1}}, your invoice {{2}} for {{3}} is attached.', ['Pablo', 'INV-2024-118', '$120.00']),
      footer('Example Shop billing'),
    ],
  },
  {
    name: 'invoice_available',
    language: 'ja',
    category: 'UTILITY',
    components: [
      headerMedia('DOCUMENT', 'invoice.pdf'),
      bodyPositional('{{1}}様、請求書{{2}}（{{3}}）を添付いたします。', ['山田', 'INV-2024-118', '12,000円']),
    ],
  },
  {
    name: 'ticket_update',
    language: 'en_US',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      bodyNamed('Hi {{customer_name}}, your support request #{{ticket_id}} has been updated: {{status}}.', {
        customer_name: 'Pablo',
        ticket_id: '4821',
        status: 'solved',
      }),
      buttons(quickReply('Thanks!'), quickReply('I still need help')),
    ],
  },
  {
    name: 'ticket_update',
    language: 'ja',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      bodyNamed('{{customer_name}}様、お問い合わせ#{{ticket_id}}のステータスが「{{status}}」に更新されました。', {
        customer_name: '山田',
        ticket_id: '4821',
        status: '解決済み',
      }),
      buttons(quickReply('ありがとう'), quickReply('まだ解決していません')),
    ],
  },
  {
    name: 'agent_reply',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      bodyPositional(
        'Hello {{1}}, our team replied to your request #{{2}}:\n\n{{3}}\n\nReply to this message to continue the conversation.',
        ['Pablo', '4821', 'Your replacement ships tomorrow.'],
      ),
    ],
  },
  {
    name: 'agent_reply',
    language: 'ja',
    category: 'UTILITY',
    components: [
      bodyPositional(
        '{{1}}様、お問い合わせ#{{2}}に担当者が返信しました：\n\n{{3}}\n\nこのメッセージに返信すると会話を続けられます。',
        ['山田', '4821', '交換品は明日発送いたします。'],
      ),
    ],
  },
  {
    name: 'appointment_reminder',
    language: 'en_US',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      headerText('Appointment reminder'),
      bodyNamed('Hi {{customer_name}}, this is a reminder of your appointment on {{appointment_time}} at {{location}}.', {
        customer_name: 'Pablo',
        appointment_time: 'May 3, 10:00',
        location: 'Main Street store',
      }),
      buttons(quickReply('Confirm'), quickReply('Reschedule')),
    ],
  },
  {
    name: 'appointment_reminder',
    language: 'ja',
    category: 'UTILITY',
    parameterFormat: 'NAMED',
    components: [
      headerText('ご予約のリマインダー'),
      bodyNamed('{{customer_name}}様、{{appointment_time}}に{{location}}でのご予約を承っております。', {
        customer_name: '山田',
        appointment_time: '5月3日 10:00',
        location: '渋谷店',
      }),
      buttons(quickReply('確認しました'), quickReply('日時を変更')),
    ],
  },
  {
    name: 'payment_received',
    language: 'en',
    category: 'UTILITY',
    components: [bodyPositional('We received your payment of {{1}} on {{2}}. Thank you!', ['$120.00', 'May 1'])],
  },
  {
    name: 'support_hours_notice',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      bodyPositional(
        'Our support team is available Monday to Friday, 9:00–18:00. We will answer your message as soon as we are back.',
      ),
    ],
  },
  {
    name: 'support_hours_notice',
    language: 'ja',
    category: 'UTILITY',
    components: [bodyPositional('サポート窓口の営業時間は平日9:00〜18:00です。営業時間内に順次ご返信いたします。')],
  },
  {
    name: 'delivery_attempt_failed',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      headerText('Delivery attempt for {{1}}', 'ORD-10293'),
      bodyPositional('Hi {{1}}, we could not deliver your parcel today. Please choose a new delivery slot.', ['Pablo']),
      buttons(dynamicUrl('Choose a slot', 'https://track.example.com/reschedule/{{1}}', '1Z999AA10123456784')),
    ],
  },
  {
    name: 'summer_sale',
    language: 'en_US',
    category: 'MARKETING',
    components: [
      headerMedia('IMAGE', 'summer-sale.jpg'),
      bodyPositional('Hi {{1}}! Our summer sale is on: {{2}} off everything until {{3}}.', ['Pablo', '20%', 'August 31']),
      footer('Tap Stop promotions to opt out'),
      buttons(quickReply('Shop now'), quickReply('Stop promotions')),
    ],
  },
  {
    name: 'summer_sale',
    language: 'ja',
    category: 'MARKETING',
    components: [
      headerMedia('IMAGE', 'summer-sale.jpg'),
      bodyPositional('{{1}}様、サマーセール開催中！{{3}}まで全品{{2}}オフ。', ['山田', '20%', '8月31日']),
      footer('配信停止は「配信停止」をタップ'),
      buttons(quickReply('今すぐ見る'), quickReply('配信停止')),
    ],
  },
  {
    name: 'new_arrivals',
    language: 'en_US',
    category: 'MARKETING',
    parameterFormat: 'NAMED',
    components: [
      bodyNamed('Hi {{first_name}}, new arrivals just landed in {{collection}}. Take a look!', {
        first_name: 'Pablo',
        collection: 'Outdoor',
      }),
      buttons(staticUrl('See the collection', 'https://shop.example.com/new')),
    ],
  },
  {
    name: 'coupon_offer',
    language: 'en_US',
    category: 'MARKETING',
    components: [
      bodyPositional('Use code {{1}} to get {{2}} off your next order.', ['SAVE20', '20%']),
      buttons(copyCode('SAVE20'), staticUrl('Shop now', 'https://shop.example.com')),
    ],
  },
  {
    name: 'welcome_message',
    language: 'en_US',
    category: 'MARKETING',
    components: [bodyPositional('Welcome to Example Shop! Reply to this message any time to talk to us.')],
  },
  {
    name: 'product_launch_video',
    language: 'en_US',
    category: 'MARKETING',
    components: [
      headerMedia('VIDEO', 'launch.mp4'),
      bodyPositional('{{1}} is here. Watch the launch video and be the first to try it.', ['The Trail Pack 2']),
    ],
  },
  {
    name: 'customer_survey',
    language: 'en_US',
    category: 'MARKETING',
    components: [
      bodyPositional('Hi {{1}}, how was your experience with our support today?', ['Pablo']),
      buttons(quickReply('Great'), quickReply('OK'), quickReply('Not good')),
    ],
  },
  {
    name: 'abandoned_cart',
    language: 'en',
    category: 'MARKETING',
    status: 'REJECTED',
    rejectedReason: 'INVALID_FORMAT',
    components: [bodyPositional('{{1}}{{2}} items are waiting in your cart.', ['Pablo', '3'])],
  },
  {
    name: 'winter_promo',
    language: 'en_US',
    category: 'MARKETING',
    status: 'PAUSED',
    components: [bodyPositional('Winter deals: {{1}} off coats this week only.', ['30%'])],
  },
  {
    name: 'spring_promo_2024',
    language: 'en_US',
    category: 'MARKETING',
    status: 'DISABLED',
    components: [bodyPositional('Spring is here: {{1}} off garden furniture.', ['25%'])],
  },
  {
    name: 'loyalty_points_update',
    language: 'en_US',
    category: 'MARKETING',
    status: 'PENDING',
    components: [bodyPositional('You have {{1}} points. Redeem them before {{2}}.', ['1,200', 'June 30'])],
  },
  authentication('en_US', 'verification_code', {
    body: '*{{1}}* is your verification code. For your security, do not share this code.',
    footer: 'This code expires in 10 minutes.',
    button: 'Copy code',
  }),
  authentication('ja', 'verification_code', {
    body: '*{{1}}* は認証コードです。セキュリティのため、このコードは共有しないでください。',
    footer: 'このコードの有効期限は10分です。',
    button: 'コードをコピー',
  }),
  authentication('en', 'login_code', {
    body: '*{{1}}* is your verification code. For your security, do not share this code.',
    button: 'Copy code',
  }),
];

/** A fresh copy of the seeded templates for one WABA; ids are stable per WABA, name and language. */
export function seedTemplates(wabaId: string): Template[] {
  return seeds.map((seed) => ({
    id: stableGraphId(`${wabaId}/${seed.name}/${seed.language}`),
    wabaId,
    name: seed.name,
    language: seed.language,
    status: seed.status ?? 'APPROVED',
    category: seed.category,
    previousCategory: undefined,
    parameterFormat: seed.parameterFormat ?? 'POSITIONAL',
    components: structuredClone(seed.components),
    rejectedReason: seed.rejectedReason,
  }));
}

/** The template as the Graph API lists it. */
export function templateResource(template: Template): Record<string, unknown> {
  return {
    name: template.name,
    parameter_format: template.parameterFormat,
    components: template.components,
    language: template.language,
    status: template.status,
    category: template.category,
    ...(template.previousCategory !== undefined ? { previous_category: template.previousCategory } : {}),
    ...(template.rejectedReason !== undefined ? { rejected_reason: template.rejectedReason } : {}),
    id: template.id,
  };
}
