import { listedTemplate } from './fake-host.js';

/** An order update in Japanese: a text header, two body values, a footer and a dynamic URL button. */
export const orderShippedJa = listedTemplate({
  name: 'order_shipped',
  language: 'ja',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'ご注文 {{1}}', example: { header_text: ['#1001'] } },
    {
      type: 'BODY',
      text: '{{1}} 様、ご注文の商品を *{{2}}* に発送しました。',
      example: { body_text: [['山田', '11月21日']] },
    },
    { type: 'FOOTER', text: 'Example Shop' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: '配送状況', url: 'https://shop.example/track/{{1}}', example: ['https://shop.example/track/A1'] },
      ],
    },
  ],
});

export const orderShippedEn = listedTemplate({
  name: 'order_shipped',
  language: 'en_US',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['#1001'] } },
    { type: 'BODY', text: 'Hello {{1}}, your order shipped on {{2}}.', example: { body_text: [['Ann', 'Nov 21']] } },
  ],
});

export const welcomeEn = listedTemplate({
  name: 'welcome_offer',
  language: 'en',
  category: 'MARKETING',
  components: [{ type: 'BODY', text: 'Welcome! Enjoy 10% off your next order.' }],
});

export const pausedJa = listedTemplate({
  name: 'old_campaign',
  language: 'ja',
  category: 'MARKETING',
  status: 'PAUSED',
  components: [{ type: 'BODY', text: '旧キャンペーン' }],
});

export const allTemplates = [welcomeEn, orderShippedEn, orderShippedJa, pausedJa];
