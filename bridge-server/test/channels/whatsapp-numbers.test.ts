import { describe, expect, it } from 'vitest';
import { sendRequestOf } from '../../src/channels/zendesk/channelback.js';
import type { LinkContext } from '../../src/channels/zendesk/links.js';
import { zohoSendRequestOf } from '../../src/channels/zoho/push.js';

/*
 * A reply goes to the number WhatsApp delivered the customer's message from (`+<wa_id>`, which the channels gave the
 * helpdesk as the requester). WhatsApp proved that number is reachable, so a reply is never refused because the
 * phone-number metadata does not know its range: +44 7700 900xxx is such a range (libphonenumber-js's full
 * metadata calls it invalid).
 */

const link = { deploymentId: 'dep_0h2kq3v8x9w1m4n5p6r7s8t9' } as LinkContext;
const channelback = (fields: Record<string, string>) => ({
  message: 'Thank you for writing.',
  metadata: '{}',
  request_unique_identifier: 'req-1',
  ...fields,
});
const zohoPush = (extParentId: string) => ({
  resource: { id: '1', extParentId, content: 'Thank you for writing.', contentType: 'text/plain' as const },
});

describe('replies to a number WhatsApp delivered', () => {
  it.each([
    ['a range the metadata does not know', '+447700900123'],
    ['a range it knows', '+819012345678'],
  ])('a Zendesk channelback answers %s', (_case, customer) => {
    expect(sendRequestOf(channelback({ recipient_id: customer }), link).to).toBe(customer);
    expect(sendRequestOf(channelback({ thread_id: `whatsapp:${link.deploymentId}:${customer}` }), link).to).toBe(customer);
  });

  it.each([
    ['a range the metadata does not know', '+447700900123'],
    ['a range it knows', '+819012345678'],
  ])('a Zoho Desk reply answers %s', (_case, customer) => {
    expect(zohoSendRequestOf(zohoPush(`whatsapp:${customer}`)).to).toBe(customer);
  });

  it('still refuses a recipient that is no WhatsApp number', () => {
    expect(() => sendRequestOf(channelback({ recipient_id: 'whatsapp-user:US.13491208655302741918' }), link)).toThrow(
      /no WhatsApp number/,
    );
    expect(() => zohoSendRequestOf(zohoPush('whatsapp:+12'))).toThrow(/not a WhatsApp conversation/);
  });
});
