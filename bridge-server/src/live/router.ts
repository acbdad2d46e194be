import { contactPath, liveEventsQuery, routes } from '@wabridge/shared';
import { type Request, type Response, Router } from 'express';
import { DomainError, validationFailed } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountByHand, mountRoute, validatedQuery } from '../http/mount.js';
import { isActiveInstallationOf } from '../installations/store.js';
import type { Services } from '../services.js';
import { type LiveEvent, type LiveHub, type Position, parsePosition } from './hub.js';
import { type StreamScope, StreamTokens } from './token.js';

/** A comment line every so often keeps proxies and load balancers from closing an idle stream (and tells the client it lives). */
export const heartbeatIntervalMs = 15_000;

/** How long EventSource waits before reconnecting after a dropped connection (the `retry` field). */
const reconnectDelayMs = 2000;

export interface LiveRouterOptions {
  heartbeatIntervalMs?: number;
}

/**
 * The panel's live stream: a stream token through the helpdesk's proxy (installation token), then server-sent events
 * with that token. See shared/src/contract/routes/live.ts for the protocol and live/hub.ts for the fan-out.
 */
export function liveRouter(services: Services, hub: LiveHub, options: MountOptions, live: LiveRouterOptions = {}): Router {
  const router = Router();
  const tokens = new StreamTokens(services.config.encryptionKey);
  const heartbeatMs = live.heartbeatIntervalMs ?? heartbeatIntervalMs;

  mountRoute(
    router,
    routes.createStreamToken,
    async ({ params }, { caller }) => {
      const installation = installationOf(caller);
      const scope: StreamScope = {
        installationId: installation.installationId,
        accountId: installation.accountId,
        deploymentId: installation.deploymentId,
        phone: params.phone,
      };
      const position = await hub.head();
      const { token, expiresAt } = tokens.issue(scope, services.clock.now());
      const query = new URLSearchParams({ token, last_event_id: position });
      return {
        token,
        expires_at: expiresAt.toISOString(),
        stream_url: `${services.config.publicUrl}/v1/conversations/${encodeURIComponent(params.phone)}/events?${query}`,
        position,
      };
    },
    options,
  );

  router.get(mountByHand(options, routes.conversationEvents), async (request: Request, response: Response) => {
    response.locals.routePath = routes.conversationEvents.path;
    // The token is the credential (no cookies): any origin may open the stream, as EventSource does from the helpdesk's iframe.
    response.set('Access-Control-Allow-Origin', '*');
    const path = contactPath.safeParse(request.params);
    if (!path.success) throw validationFailed([{ path: 'path.phone', code: 'invalid_phone', message: 'not an E.164 number' }]);
    const query = validatedQuery(liveEventsQuery, request);
    const { scope, expiresAt } = tokens.verify(query.token, path.data.phone, services.clock.now());
    if (!(await isActiveInstallationOf(services.db, scope.installationId, scope.deploymentId)))
      throw new DomainError('stream_token_invalid', 'This stream token is not valid for this stream.');
    const header = request.get('last-event-id');
    const after = resumePosition(header ?? query.last_event_id);

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      // nginx and similar proxies buffer answers by default; a stream must pass each event at once.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const write = (text: string) => {
      if (!response.writableEnded) response.write(text);
    };
    let unsubscribe: (() => void) | undefined;
    const timers: NodeJS.Timeout[] = [];
    const end = () => {
      unsubscribe?.();
      // clearTimeout clears intervals too (Node timers are one kind).
      for (const timer of timers) clearTimeout(timer);
      if (!response.writableEnded) response.end();
    };
    response.on('close', end);

    write(`retry: ${reconnectDelayMs}\n\n`);
    write(`event: ready\ndata: ${JSON.stringify({ resumed: after !== undefined, expires_at: expiresAt.toISOString() })}\n\n`);
    const send = (events: LiveEvent[]) => {
      for (const event of events)
        write(`id: ${event.position}\nevent: change\ndata: ${JSON.stringify({ kind: event.kind })}\n\n`);
    };
    unsubscribe = await hub.subscribe(scope, { events: send, close: end }, after);
    if (response.writableEnded) unsubscribe();
    timers.push(setInterval(() => write(': heartbeat\n\n'), heartbeatMs));
    // The token's end ends the stream: the panel asks for a new one through the proxy, which checks the installation again.
    timers.push(
      setTimeout(
        () => {
          write('event: expired\ndata: {}\n\n');
          end();
        },
        Math.max(0, expiresAt.getTime() - services.clock.now().getTime()),
      ),
    );
  });
  return router;
}

/** A resumption position: the Last-Event-ID header (a reconnecting EventSource) or the query's; a malformed one is ignored. */
function resumePosition(text: string | undefined): Position | undefined {
  return text === undefined ? undefined : parsePosition(text);
}
