import { describe, expect, it } from 'vitest';
import { parametersOf } from '../src/templates/model.js';
import type { TemplateRow } from '../src/templates/store.js';

const at = new Date('2026-12-06T00:00:00.000Z');

function row(body: string, header?: Record<string, unknown>): TemplateRow {
  return {
    deployment_id: '00000000-0000-4000-8000-000000000001',
    meta_template_id: '1234567890',
    name: 'order_update',
    language: 'en_US',
    category: 'UTILITY',
    previous_category: null,
    status: 'APPROVED',
    parameter_format: 'POSITIONAL',
    components: [...(header === undefined ? [] : [header]), { type: 'BODY', text: body }],
    rejected_reason: null,
    synced_at: at,
    updated_at: at,
    removed_at: null,
  };
}

describe('a template listing kept per content', () => {
  it('lists the same parameters again for the same content, and afresh when anything it depends on changed', () => {
    const first = parametersOf(row('Order {{1}} ships {{2}}.'));
    expect(first.map((parameter) => parameter.key)).toEqual(['body.1', 'body.2']);
    expect(parametersOf(row('Order {{1}} ships {{2}}.'))).toEqual(first);
    // The same id and the same updated_at, other components: what a sync in the same millisecond could store.
    const changed = parametersOf(row('Order {{1}} ships {{2}} to {{3}}.', { type: 'HEADER', format: 'IMAGE' }));
    expect(changed.map((parameter) => parameter.key)).toEqual(['header.media', 'body.1', 'body.2', 'body.3']);
    const named = parametersOf({ ...row('Hello {{customer}}'), parameter_format: 'NAMED' });
    expect(named.map((parameter) => parameter.key)).toEqual(['body.customer']);
  });
});
