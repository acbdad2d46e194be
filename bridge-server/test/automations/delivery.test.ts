import { zendeskAutomationDelivery, zohoAutomationDelivery } from '@wabridge/shared';
import { describe, expect, it } from 'vitest';
import { automationDeliveryKey } from '../../src/automations/delivery-key.js';

const delivery = {
  ticket_url: 'acme.zendesk.com/agent/tickets/42',
  ticket_id: '42',
  ticket_updated_at: '2026-12-05T20:00:00Z',
  automation: 'wa_solved_satisfaction',
  phone: '+818012345678',
  template: 'satisfaction',
  language: 'ja',
  parameters: { 'body.1': '42' },
};

describe('automation deliveries', () => {
  it('accepts a rendered Zendesk body; an empty phone is left for the ticket note ("unknown number")', () => {
    expect(zendeskAutomationDelivery.parse(delivery)).toEqual(delivery);
    expect(zendeskAutomationDelivery.parse({ ...delivery, phone: '' }).phone).toBe('');
  });

  it('refuses, by field, what an unset placeholder or a bad template leaves behind', () => {
    const issues = (body: unknown) =>
      zendeskAutomationDelivery.safeParse(body).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ ...delivery, template: 'Order Update!' })).toEqual(['template']);
    expect(issues({ ...delivery, parameters: { 'body.1': '' } })).toEqual(['parameters.body.1']);
    expect(issues({ ...delivery, ticket_id: '{{ticket.id}}' })).toEqual(['ticket_id']);
    expect(issues({ ...delivery, ticket_url: '' })).toEqual(['ticket_url']);
    expect(issues({ ...delivery, extra: 1 })).toEqual(['']);
    expect(issues({ ...delivery, text: 'hello' })).toEqual(['']);
    expect(issues({ ...delivery, language: undefined })).toEqual(['language']);
  });

  it('takes a Zoho workflow body with a template or a text', () => {
    const zoho = {
      ticket_id: '1892000000123',
      ticket_modified_at: '2026-12-05T20:00:00.000Z',
      automation: 'order_update',
      phone: '+818012345678',
    };
    expect(zohoAutomationDelivery.safeParse({ ...zoho, template: 'order_update', language: 'en' }).success).toBe(true);
    expect(zohoAutomationDelivery.safeParse({ ...zoho, text: 'Your order shipped' }).success).toBe(true);
    expect(zohoAutomationDelivery.safeParse(zoho).success).toBe(false);
  });

  it('derives one key per delivery: a retry repeats it, a later update or another trigger or tenant does not', () => {
    const of = (installation: string, changes: Record<string, unknown> = {}) => {
      const parsed = zendeskAutomationDelivery.parse({ ...delivery, ...changes });
      return automationDeliveryKey(installation, { ...parsed, updated_at: parsed.ticket_updated_at });
    };
    const key = of('ins_a');
    expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(of('ins_a', { parameters: {} })).toBe(key);
    expect(of('ins_a', { ticket_updated_at: '2026-12-05T20:05:00Z' })).not.toBe(key);
    expect(of('ins_a', { automation: 'wa_send_order_update' })).not.toBe(key);
    expect(of('ins_a', { ticket_id: '43' })).not.toBe(key);
    expect(of('ins_b')).not.toBe(key);
  });
});
