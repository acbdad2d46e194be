import { expect } from 'vitest';
import type { HttpAnswer } from '../../bridge-server/test/support/bridge.js';
import type { Json } from './sandbox.js';

/**
 * The check for a request that must be refused: `expectRefused(code, status, act)` runs `act`, asserts a
 * problem+json answer with that code and status, asserts that `state` (what the feature under test stores) reads
 * the same before and after, and returns the problem for further assertions.
 */
export function refusalsLeaving(state: () => Promise<unknown>) {
  return async function expectRefused(code: string, status: number, act: () => Promise<HttpAnswer>): Promise<Json> {
    const before = await state();
    const answer = await act();
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code, status, type: `/problems/${code}` });
    expect(typeof answer.body.title).toBe('string');
    expect(typeof answer.body.detail).toBe('string');
    expect(answer.status).toBe(status);
    expect(await state()).toEqual(before);
    return answer.body;
  };
}
