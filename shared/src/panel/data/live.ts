import { useEffect, useRef, useState } from 'react';
import type { LiveChange } from '../../contract/routes/live.js';
import { useClock } from '../clock.js';
import { useBridgeApi } from './useBridgeApi.js';

/*
 * The panel's live data layer: what changed for the ticket's customer, as the bridge's event stream says
 * (bridge-server/src/live). The installation token never reaches the browser: the panel asks for a short-lived,
 * read-only stream token through the helpdesk's proxy (`POST /v1/conversations/{phone}/stream-tokens`) and opens an
 * EventSource on the URL it comes with. Events are invalidations ({kind}); the panel reads the changed section again
 * through the proxy, so what it shows always comes from the same endpoints as on load.
 *
 * - The stream ends when its token expires (`expired`) or drops; the panel gets a new token and reopens it after the
 *   last event it saw (`last_event_id`), so nothing is missed; after a long absence (a laptop asleep) it reads
 *   everything again, since the bridge keeps events an hour.
 * - Fallback: when the stream cannot be opened (a network that blocks it, a bridge the browser cannot reach), the panel
 *   polls through the proxy every `livePollIntervalMs`, and keeps trying the stream now and then.
 *
 * Why server-sent events with a stream token, rather than polling or a WebSocket: the panel only needs to hear from
 * the bridge (one way), within about a second (issue #11), and SSE is plain HTTP that passes proxies, with reconnection
 * and resumption (Last-Event-ID) built into EventSource. Polling through the helpdesk's proxy every second for every
 * open ticket would spend the helpdesk's request limits (Zendesk's rate limits include an "Apps rate limit",
 * developer.zendesk.com/api-reference/introduction/rate-limits) and the bridge a query per panel per second. The helpdesk's proxy cannot carry a stream, and EventSource cannot send an Authorization header,
 * so the browser connects to the bridge itself; the installation token must stay in the helpdesk's secure settings,
 * hence a token of its own: minutes long, read-only, for one customer's stream (bridge-server/src/live/token.ts).
 */

export type LiveKind = LiveChange['kind'];

/** What the panel reads again on each kind of change. */
export type LiveHandlers = Record<LiveKind, () => void>;

export type LiveState = 'connecting' | 'live' | 'polling' | 'off';

/** The fallback's pace: a change shows within this time when the stream cannot be used. */
export const livePollIntervalMs = 10_000;
/** Stream failures in a row (without an event) before falling back to polling. */
const failuresBeforePolling = 3;
/** After this long without hearing from the stream (heartbeats come every 15 s), read everything again on reconnection. */
const resyncAfterSilenceMs = 30 * 60 * 1000;

/** The part of the browser's EventSource the panel uses (a test may stand in for it). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
  onerror: ((event: Event) => void) | null;
}

type EventSourceConstructor = new (url: string) => EventSourceLike;

function eventSourceClass(): EventSourceConstructor | undefined {
  return (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
}

const closed = 2;

/**
 * Follows the customer's live stream while the panel shows them; calls the handler of each kind that changed. Returns
 * how it follows them. Without a phone, or in a browser without EventSource, it does nothing ('off').
 */
export function useLiveChanges(phoneE164: string | null, handlers: LiveHandlers): LiveState {
  const api = useBridgeApi();
  const clock = useClock();
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;
  const [state, setState] = useState<LiveState>('off');

  useEffect(() => {
    const EventSourceClass = eventSourceClass();
    if (phoneE164 === null || EventSourceClass === undefined) {
      setState('off');
      return;
    }
    let stopped = false;
    let source: EventSourceLike | undefined;
    let lastEventId: string | undefined;
    let lastHeardAt = clock.now();
    let failures = 0;
    let stopPolling: (() => void) | undefined;
    let cancelRetry: (() => void) | undefined;
    const all = () => {
      for (const handler of Object.values(handlersRef.current)) handler();
    };

    const connect = async () => {
      if (stopped) return;
      setState((previous) => (previous === 'polling' ? previous : 'connecting'));
      let url: string;
      try {
        const token = await api.streamToken(phoneE164);
        const parsed = new URL(token.stream_url);
        if (lastEventId !== undefined) parsed.searchParams.set('last_event_id', lastEventId);
        url = parsed.toString();
      } catch {
        failed();
        return;
      }
      if (stopped) return;
      const opened = new EventSourceClass(url);
      source = opened;
      opened.addEventListener('ready', () => {
        failures = 0;
        stopPolling?.();
        stopPolling = undefined;
        if (clock.now() - lastHeardAt > resyncAfterSilenceMs) all();
        lastHeardAt = clock.now();
        setState('live');
      });
      opened.addEventListener('change', (event) => {
        lastHeardAt = clock.now();
        if (event.lastEventId) lastEventId = event.lastEventId;
        let kind: LiveKind | undefined;
        try {
          kind = (JSON.parse(event.data) as LiveChange).kind;
        } catch {
          return;
        }
        handlersRef.current[kind]?.();
      });
      opened.addEventListener('expired', () => {
        opened.close();
        void connect();
      });
      opened.onerror = () => {
        // EventSource retries by itself while it can (readyState CONNECTING); a refusal (an expired token) closes it.
        if (opened.readyState === closed && source === opened) {
          failed();
        }
      };
    };

    const failed = () => {
      if (stopped) return;
      source?.close();
      source = undefined;
      failures++;
      if (failures >= failuresBeforePolling && stopPolling === undefined) {
        setState('polling');
        stopPolling = clock.every(livePollIntervalMs, all);
      }
      // Try the stream again: soon at first, then at the polling pace.
      const retry = clock.every(failures < failuresBeforePolling ? 2000 : livePollIntervalMs * 3, () => {
        retry();
        void connect();
      });
      cancelRetry = retry;
    };

    void connect();
    return () => {
      stopped = true;
      source?.close();
      stopPolling?.();
      cancelRetry?.();
    };
  }, [api, clock, phoneE164]);

  return state;
}
