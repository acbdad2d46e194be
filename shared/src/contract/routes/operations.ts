import * as z from 'zod';
import { defineRoute, defineRoutes } from '../route.js';

const health = z.object({ status: z.enum(['ok']) }).meta({ id: 'Health' });

/** Liveness and readiness, for load balancers and orchestrators. */
export const operationsRoutes = defineRoutes({
  healthz: defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process is up.',
    tag: 'Operations',
    auth: 'none',
    successStatus: 200,
    response: health,
    problems: [],
  }),
  readyz: defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers and the process is not shutting down.',
    tag: 'Operations',
    auth: 'none',
    successStatus: 200,
    response: health,
    problems: ['not_ready'],
  }),
});
