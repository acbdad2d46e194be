import { useEffect } from 'react';
import type { Message } from '../../contract/messages.js';
import { useClock } from '../clock.js';
import type { TicketContext } from '../host.js';
import { useBridgeApi } from './useBridgeApi.js';
import { type Resource, useResource } from './useResource.js';

/** How often statuses are asked for while a message is on its way: Meta's statuses usually follow within seconds. */
export const messagePollIntervalMs = 3000;

/**
 * Messages older than this stop being polled even if not final: a message delivered but never read would
 * otherwise keep every open ticket asking the bridge forever. Reopening the ticket shows the latest status.
 */
export const messagePollAgeMaxMs = 30 * 60 * 1000;

/** Whether a message can still change: not failed, not yet read (or played). */
export function isFinal(message: Message): boolean {
  return message.state === 'failed' || message.status === 'failed' || message.status === 'read' || message.status === 'played';
}

/** What was sent from the ticket, newest last, polled while a recent message is still on its way. */
export function useTicketMessages(ticket: TicketContext): Resource<Message[]> {
  const api = useBridgeApi();
  const clock = useClock();
  const messages = useResource(`${ticket.helpdesk}:${ticket.ticketId}`, async () =>
    [...(await api.ticketMessages(ticket))].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)),
  );
  const pending =
    messages.state === 'ready' &&
    messages.data.some((message) => !isFinal(message) && clock.now() - Date.parse(message.created_at) < messagePollAgeMaxMs);
  const { reload } = messages;
  useEffect(() => (pending ? clock.every(messagePollIntervalMs, reload) : undefined), [pending, clock, reload]);
  return messages;
}
