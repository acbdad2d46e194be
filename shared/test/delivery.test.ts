import { describe, expect, it } from 'vitest';
import { furthestStatus } from '../src/delivery.js';

describe('furthestStatus', () => {
  it.each([
    [[], null],
    [['sent'], 'sent'],
    [['sent', 'delivered', 'read'], 'read'],
    [['read', 'delivered', 'sent'], 'read'],
    [['delivered', 'delivered', 'sent', 'delivered'], 'delivered'],
    [['read', 'sent'], 'read'],
    [['sent', 'failed'], 'failed'],
    [['failed', 'sent'], 'failed'],
    [['failed'], 'failed'],
    [['delivered', 'failed'], 'delivered'],
    [['failed', 'read'], 'read'],
    [['sent', 'deleted', 'warning'], 'sent'],
    [['accepted', 'sent'], 'sent'],
    [['read', 'played'], 'played'],
  ])('%j → %s', (statuses, expected) => {
    expect(furthestStatus(statuses)).toBe(expected);
  });

  it('does not depend on the order statuses arrive in', () => {
    const statuses = ['sent', 'delivered', 'read', 'failed', 'sent', 'read'];
    const expected = furthestStatus(statuses);
    for (let rotation = 0; rotation < statuses.length; rotation += 1) {
      const rotated = [...statuses.slice(rotation), ...statuses.slice(0, rotation)];
      expect(furthestStatus(rotated)).toBe(expected);
      expect(furthestStatus([...rotated].reverse())).toBe(expected);
    }
  });
});
