import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, Router } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConsoleLocals } from '../security/authenticate.js';
import type { Schema } from '../storage/schema.js';
import { changesSomething } from './cookie.js';
import { recordAudit } from './store.js';

/** Where Vite builds the console (bridge-server/console/vite.config.ts): `bridge-server/dist/console-ui/`. */
export const consoleBuildDir = fileURLToPath(new URL('../../dist/console-ui/', import.meta.url));

/**
 * Where WhatsApp serves profile pictures: Meta's `profile_picture_url` points at pps.whatsapp.net (the business profile
 * reference's example is "https://URL"; the URLs WhatsApp hands out for profile pictures are on that host).
 */
const whatsAppPictureOrigin = 'https://pps.whatsapp.net';

/**
 * The console's page and its hashed assets, at `/` and `/assets/…`. The page may load only the bridge's own scripts
 * and call only the bridge (CSP), and no other site may frame it. Images may come from WhatsApp's profile picture
 * host too (`pictureOrigins` adds another, the Meta sandbox's in tests and the demo), so the profile page shows the
 * number's picture. Without a build, `/` says how to make one.
 */
export function consolePage(directory = consoleBuildDir, pictureOrigins: readonly string[] = []): Router {
  const imageSources = ["'self'", 'data:', whatsAppPictureOrigin, ...pictureOrigins].join(' ');
  const router = Router();
  router.use((request, response, next) => {
    if (request.path === '/' || request.path.startsWith('/assets/')) {
      response.set({
        'Content-Security-Policy':
          `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src ${imageSources}; ` +
          "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        'Referrer-Policy': 'no-referrer',
      });
    }
    next();
  });
  if (!existsSync(`${directory}/index.html`)) {
    router.get('/', (_request, response) => {
      response
        .status(503)
        .type('text/plain')
        .send('The admin console is not built: run `npm run build -w @wabridge/bridge-server` (or `npm start`).');
    });
    return router;
  }
  router.use(
    express.static(directory, {
      index: 'index.html',
      redirect: false,
      setHeaders(response, path) {
        // Hashed assets never change; the page itself is read afresh each time.
        if (path.includes('/assets/')) response.set('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  return router;
}

/**
 * Records in the audit every request a console session made that changes something (sign-in and sign-out record
 * themselves), once its answer is sent: who, the operation, method and path, and the status.
 */
export function auditConsoleActions(db: Kysely<Schema>, logger: Logger): RequestHandler {
  return (request, response, next) => {
    // Only a console session (a cookie) makes an auditable actor: the other requests need no listener.
    if (request.headers.cookie === undefined) return next();
    response.on('finish', () => {
      const actor = (response.locals as ConsoleLocals).consoleActor;
      if (actor === undefined || !changesSomething(request)) return;
      const action = typeof response.locals.operationId === 'string' ? response.locals.operationId : 'unknown';
      recordAudit(db, actor, action, `${request.method} ${request.path}`, response.statusCode).catch((error: unknown) =>
        logger.error({ err: error, action }, 'could not record a console action in the audit'),
      );
    });
    next();
  };
}
