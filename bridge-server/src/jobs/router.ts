import { routes } from '@wabridge/shared';
import { Router } from 'express';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { listJobs, presentJob, replayJob } from './store.js';

/** The operators' view of the jobs: what is queued, running, done or dead, and replaying the dead. */
export function jobsRouter({ db }: Services, options: MountOptions, onReplayed: () => void = () => {}): Router {
  const router = Router();
  mountRoute(
    router,
    routes.listJobs,
    async ({ query }) =>
      listJobs(db, {
        status: query.status,
        kind: query.kind,
        accountId: query.account_id,
        limit: query.limit,
        cursor: query.cursor,
      }),
    options,
  );
  mountRoute(
    router,
    routes.replayJob,
    async ({ params }) => {
      const job = await replayJob(db, Number(params.job_id));
      onReplayed();
      return presentJob(job);
    },
    options,
  );
  return router;
}
