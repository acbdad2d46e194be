import { useEffect } from 'react';
import { useClock } from '../clock.js';
import { type ConversationData, conversationData } from '../conversation/model.js';
import type { LiveState } from './live.js';
import { useBridgeApi } from './useBridgeApi.js';
import { type Resource, useResource } from './useResource.js';
import { isFinal, messagePollAgeMaxMs, messagePollIntervalMs } from './useTicketMessages.js';

/**
 * The conversation with the ticket's customer. Live, it is read again when the stream says it changed; without the
 * stream (`live` not 'live'), it is polled while a recent message we sent is still on its way, as the history was.
 */
export function useConversation(phoneE164: string | null, live: LiveState): Resource<ConversationData> {
  const api = useBridgeApi();
  const clock = useClock();
  const conversation = useResource(phoneE164 === null ? null : `conversation:${phoneE164}`, async () =>
    conversationData(await api.conversation(phoneE164 ?? '')),
  );
  const pending =
    live !== 'live' &&
    conversation.state === 'ready' &&
    conversation.data.entries.some(
      (entry) => entry.message !== null && !isFinal(entry.message) && clock.now() - Date.parse(entry.at) < messagePollAgeMaxMs,
    );
  const { reload } = conversation;
  useEffect(() => (pending ? clock.every(messagePollIntervalMs, reload) : undefined), [pending, clock, reload]);
  return conversation;
}
