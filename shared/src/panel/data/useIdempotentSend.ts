import { useCallback, useRef, useState } from 'react';
import type { Message, SendMessageRequest } from '../../contract/messages.js';
import { type BridgeError, bridgeErrorOf } from '../api.js';
import { useBridgeApi } from './useBridgeApi.js';

export type SendState =
  | { phase: 'idle' }
  | { phase: 'sending' }
  | { phase: 'sent'; message: Message }
  | { phase: 'failed'; error: BridgeError };

export interface IdempotentSend {
  state: SendState;
  /** Sends `request` unless a send is already under way; resolves with the message, or undefined. */
  send(request: SendMessageRequest): Promise<Message | undefined>;
}

/**
 * Sends with one Idempotency-Key per intended send. The key is made on the first attempt and kept while the request
 * stays the same and its outcome is unknown, so a double click or a retry after a lost answer sends once (the bridge
 * replays the first answer). It is dropped when the request changes or the send settles (a message, or a problem
 * the bridge answered): what comes next is a new intended send.
 *
 * A send already under way makes further calls do nothing, checked synchronously: two clicks in one frame both run
 * before React re-renders a disabled button.
 */
export function useIdempotentSend(): IdempotentSend {
  const api = useBridgeApi();
  const [state, setState] = useState<SendState>({ phase: 'idle' });
  const pendingKey = useRef<{ body: string; key: string } | null>(null);
  const inFlight = useRef(false);

  const send = useCallback(
    async (request: SendMessageRequest) => {
      if (inFlight.current) return undefined;
      inFlight.current = true;
      const body = JSON.stringify(request);
      if (pendingKey.current?.body !== body) pendingKey.current = { body, key: crypto.randomUUID() };
      const { key } = pendingKey.current;
      setState({ phase: 'sending' });
      try {
        const message = await api.send(request, key);
        pendingKey.current = null;
        setState({ phase: 'sent', message });
        return message;
      } catch (thrown) {
        const error = bridgeErrorOf(thrown);
        if (!outcomeUnknown(error)) pendingKey.current = null;
        setState({ phase: 'failed', error });
        return undefined;
      } finally {
        inFlight.current = false;
      }
    },
    [api],
  );
  return { state, send };
}

/** Whether the message may have been sent anyway: then a retry must reuse the key, so the bridge sends it at most once. */
function outcomeUnknown(error: BridgeError): boolean {
  if (error.kind === 'unreachable') return true;
  // A gateway error from the helpdesk's proxy (502, 504) may come after the bridge accepted the request.
  if (error.kind === 'unexpected') return error.status >= 500;
  return error.code === 'idempotency_key_in_flight';
}
