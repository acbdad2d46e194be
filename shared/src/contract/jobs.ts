import * as z from 'zod';
import { accountId, page, pageQuery, timestamp } from './common.js';
import { defineRoute } from './route.js';

/** Where a job stands; see bridge-server/migrations/0014_jobs.sql. */
export const jobStatuses = ['queued', 'running', 'done', 'dead'] as const;

export const jobPath = z.object({
  job_id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a job id')
    .meta({ description: 'Job ID (a number, as text).', example: '42' }),
});

export const jobsQuery = z.strictObject({
  status: z.enum(jobStatuses).optional().meta({ description: 'Only jobs in this state.' }),
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a job kind')
    .optional()
    .meta({ description: 'Only jobs of this kind (send_text, wallet_event_webhook, delete_meta_media, payment_check…).' }),
  account_id: accountId.optional().meta({ description: 'Only jobs done for this account.' }),
  ...pageQuery.shape,
});

export const job = z
  .object({
    id: z.string().meta({ description: 'Job ID.', example: '42' }),
    kind: z.string(),
    account_id: accountId.nullable().meta({ description: 'The account the job works for; null for the bridge’s own work.' }),
    status: z.enum(jobStatuses).meta({
      description:
        'queued: waits for next_attempt_at; running: an attempt holds it until lease_until; done: finished; ' +
        'dead: given up (after attempts_max attempts or a permanent failure) until replayed.',
    }),
    attempts: z.number().int().min(0),
    attempts_max: z.number().int().min(1),
    next_attempt_at: timestamp,
    lease_until: timestamp.nullable(),
    last_error: z.string().nullable().meta({ description: 'Why the last attempt failed, or why a done job sent nothing.' }),
    payload: z.record(z.string(), z.unknown()).meta({ description: 'What the kind’s handler works on.' }),
    dedupe_key: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Job' });

export const jobList = page(job).meta({ id: 'JobList' });

/** The operators' view of the job runner: added to `routes` (routes.ts) as they are. */
export const jobRoutes = {
  listJobs: defineRoute({
    method: 'get',
    path: '/v1/jobs',
    operationId: 'listJobs',
    summary: 'List background jobs (administrator), newest first, by status, kind and account.',
    tag: 'Operations',
    auth: 'admin',
    query: jobsQuery,
    successStatus: 200,
    response: jobList,
    problems: ['validation_failed'],
  }),
  replayJob: defineRoute({
    method: 'post',
    path: '/v1/jobs/{job_id}/replay',
    operationId: 'replayJob',
    summary: 'Queue a dead job again, its attempts reset (administrator).',
    tag: 'Operations',
    auth: 'admin',
    params: jobPath,
    successStatus: 200,
    response: job,
    problems: ['not_found', 'job_not_dead'],
  }),
} as const;

export type Job = z.infer<typeof job>;
export type JobsQuery = z.infer<typeof jobsQuery>;
