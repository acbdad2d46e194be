import { type ProblemCode, problemCatalogue, routes } from '@wabridge/shared';
import { buildOpenApiDocument } from '@wabridge/shared/openapi';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { DomainError } from '../domain/errors.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { bridgeVersion } from '../version.js';

export interface Lifecycle {
  /** True once shutdown has begun: readiness fails so load balancers stop sending traffic. */
  draining: boolean;
}

export function operationsRouter(
  { db, config, logger }: Services,
  options: MountOptions,
  lifecycle: Lifecycle,
  metricsRegistry: Registry,
): Router {
  const router = Router();
  mountRoute(router, routes.healthz, async () => ({ status: 'ok' as const }), options);
  mountRoute(
    router,
    routes.readyz,
    async () => {
      if (lifecycle.draining) throw new DomainError('not_ready', 'The bridge is shutting down.');
      try {
        await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
      } catch (error) {
        logger.error({ err: error }, 'readiness check: database unreachable');
        throw new DomainError('not_ready', 'The database does not answer.');
      }
      return { status: 'ok' as const };
    },
    options,
  );

  // Generated once: the contract does not change while the process runs.
  const openApiDocument = JSON.stringify(buildOpenApiDocument({ serverUrl: config.publicUrl, version: bridgeVersion }));
  router.get('/openapi.json', (_request, response) => {
    response.locals.routePath = '/openapi.json';
    response.type('application/json').send(openApiDocument);
  });

  router.get('/problems/:code', (request, response) => {
    response.locals.routePath = '/problems/{code}';
    const code = request.params.code as ProblemCode;
    if (!Object.hasOwn(problemCatalogue, code)) throw new DomainError('not_found', `No problem type ${request.params.code}.`);
    response.json({ code, ...problemCatalogue[code] });
  });

  router.get('/metrics', async (_request, response) => {
    response.locals.routePath = '/metrics';
    response.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  return router;
}
