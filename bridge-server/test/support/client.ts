import { routes } from '@wabridge/shared';
import { type BridgeClient, type BridgeError, bridgeErrorOf, createBridgeClient, fetchTransport } from '@wabridge/shared/client';
import type { TestBridge } from './bridge.js';

/*
 * Tests call the bridge through the contract's client (shared/src/client): paths come from the route table, inputs
 * are typed by the contract, and every answer is checked against the route's status and response schema, so a test
 * passes only on answers the contract allows.
 */

/** A client of the bridge under test as `token`: the administrator by default, null for no token at all. */
export function clientOf(bridge: Pick<TestBridge, 'url' | 'adminToken'>, token: string | null = bridge.adminToken): BridgeClient {
  return createBridgeClient(fetchTransport({ baseUrl: bridge.url, token }), routes);
}

export type Refusal = Extract<BridgeError, { kind: 'problem' }>;

/**
 * The problem a call was refused with; fails the test when the call succeeded, or failed otherwise than with one of
 * the bridge's problems (an answer outside the contract, nothing answering).
 */
export async function refusal(call: Promise<unknown>): Promise<Refusal> {
  const outcome = await call.then(
    (value) => ({ kind: 'answered' as const, value }),
    (thrown: unknown) => bridgeErrorOf(thrown),
  );
  if (outcome.kind !== 'problem') throw new Error(`Expected one of the bridge's problems, got ${JSON.stringify(outcome)}.`);
  return outcome;
}
