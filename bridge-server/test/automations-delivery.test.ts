import { describe, expect, it } from 'vitest';
import { zendeskAutomationDelivery, zendeskDeliveryKey } from '../src/automations/zendesk-delivery.js';

const delivery = {
  ticket_id: '42',
  ticket_updated_at: '2026-12-05T20:00:00Z',
  automation: 'wa_solved_satisfaction',
  phone: '+818012345678',
  template: 'satisfaction',
  language: 'ja',
  parameters: { 'body.1': '42' },
};

describe('Zendesk automation delivery', () => {
  it('accepts a rendered body', () => {
    expect(zendeskAutomationDelivery.parse(delivery)).toEqual(delivery);
  });

  it('refuses, by field, what an unset placeholder or a bad template leaves behind', () => {
    const issues = (body: unknown) =>
      zendeskAutomationDelivery.safeParse(body).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ ...delivery, phone: '' })).toEqual(['phone']);
    expect(issues({ ...delivery, template: 'Order Update!' })).toEqual(['template']);
    expect(issues({ ...delivery, parameters: { 'body.1': '' } })).toEqual(['parameters.body.1']);
    expect(issues({ ...delivery, ticket_id: '{{ticket.id}}' })).toEqual(['ticket_id']);
    expect(issues({ ...delivery, extra: 1 })).toEqual(['']);
  });

  it('derives one key per delivery: a retry repeats it, a later update or another trigger or tenant does not', () => {
    const parsed = zendeskAutomationDelivery.parse(delivery);
    const key = zendeskDeliveryKey('ins_a', parsed);
    expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(zendeskDeliveryKey('ins_a', { ...parsed, parameters: {} })).toBe(key);
    expect(zendeskDeliveryKey('ins_a', { ...parsed, ticket_updated_at: '2026-12-05T20:05:00Z' })).not.toBe(key);
    expect(zendeskDeliveryKey('ins_a', { ...parsed, automation: 'wa_send_order_update' })).not.toBe(key);
    expect(zendeskDeliveryKey('ins_a', { ...parsed, ticket_id: '43' })).not.toBe(key);
    expect(zendeskDeliveryKey('ins_b', parsed)).not.toBe(key);
  });
});
