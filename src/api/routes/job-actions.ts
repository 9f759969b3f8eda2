// Requeue and cancel: single jobs, and the bulk requeue after an outage. Every action is a job
// event naming the token and the reason.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { causeClasses } from '../../jobs/cause-class.ts';
import type { Db } from '../../db/in-transaction.ts';
import { cancelJob } from '../../jobs/cancel-job.ts';
import { getJobDetail } from '../../jobs/get-job-detail.ts';
import { requeueableStates, requeueJob } from '../../jobs/requeue-job.ts';
import { requeueJobs } from '../../jobs/requeue-jobs.ts';
import { type ExplainDeps, explainIfWaiting } from '../../scheduler/explain-job.ts';
import { requireToken } from '../auth.ts';
import { jobIdParams } from '../schemas/job.ts';
import { jobDetailSchema, presentJobDetail } from '../schemas/job-detail.ts';
import { problemResponses } from '../schemas/problem.ts';

const reasonBody = z
  .strictObject({ reason: z.string().min(1).max(500).optional().describe('Why; recorded in the job event') })
  .nullish()
  .meta({ id: 'ActionReason' });

const bulkRequeueBody = z
  .strictObject({
    state: z.enum(requeueableStates).optional().describe('Jobs in this state; default failed'),
    source: z.string().min(1).max(200).optional().describe('Jobs of this source package'),
    reasonKind: z
      .enum(causeClasses)
      .optional()
      .describe('Failed jobs whose failure has this cause class (infrastructure and fetch among them)'),
    since: z.iso.datetime({ offset: true }).optional().describe('Jobs that entered their state at or after this time'),
    reason: z.string().min(1).max(500).optional().describe('Why; recorded in each job event'),
  })
  .refine((b) => b.state !== undefined || b.source !== undefined || b.reasonKind !== undefined || b.since !== undefined, {
    message: 'give at least one of state, source, reasonKind, since',
  })
  .meta({ id: 'BulkRequeue' });

export const jobActionRoutes: FastifyPluginAsyncZod<{ db: Db; explain: Omit<ExplainDeps, 'now'> }> = async (app, { db, explain }) => {
  const detail = async (id: number) => {
    const job = await getJobDetail(db, id);
    return presentJobDetail(job, await explainIfWaiting(db, job.job, explain));
  };

  app.post(
    '/jobs/:id/cancel',
    {
      config: { access: 'submit' },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        description:
          'A fetching, queued, dep-wait or building job becomes `cancelled`. A build in progress is stopped: its ' +
          'container is stopped and removed by whichever service process runs it, and the attempt ends `aborted` ' +
          '("cancelled by token …"), counted against neither the package nor the engine. A submit token may cancel ' +
          'only the jobs it submitted (403 otherwise); an admin any. A job publishing or done answers 409 ' +
          'illegal-transition. Answers the job as GET /v1/jobs/{id} shows it.',
        params: jobIdParams,
        body: reasonBody,
        response: { 200: jobDetailSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      await cancelJob(db, { jobId: request.params.id, token: requireToken(request), reason: request.body?.reason });
      return detail(request.params.id);
    },
  );

  app.post(
    '/admin/jobs/:id/requeue',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Requeue a job',
        description:
          'A failed, cancelled or dep-wait job goes back to `queued`, with its infrastructure-fault count and ' +
          'backoff reset. An archive job whose source could not be fetched goes back to `fetching`. Any other ' +
          'state answers 409 illegal-transition. Answers the job as GET /v1/jobs/{id} shows it.',
        params: jobIdParams,
        body: reasonBody,
        response: { 200: jobDetailSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const token = requireToken(request);
      await requeueJob(db, {
        jobId: request.params.id,
        actor: `token:${token.id}`,
        reason: request.body?.reason ?? `requeued by token ${token.id}`,
      });
      return detail(request.params.id);
    },
  );

  app.post(
    '/admin/jobs/requeue',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: 'Requeue many jobs',
        description:
          'Requeues every job matching the filter (at least one of `state`, `source`, `reasonKind`, `since`), each ' +
          'as POST /v1/admin/jobs/{id}/requeue does: what an operator does after an outage, e.g. ' +
          '`{"reasonKind": "infrastructure", "since": "2025-01-01T00:00:00Z"}`. `state` defaults to failed. ' +
          'Jobs that change state meanwhile are left out. Answers how many were requeued and their ids.',
        body: bulkRequeueBody,
        response: {
          200: z.object({ count: z.number().int(), ids: z.array(z.number().int()) }).meta({ id: 'BulkRequeueResult' }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const token = requireToken(request);
      const { reason, since, ...filter } = request.body;
      const ids = await requeueJobs(
        db,
        { ...filter, since: since ? new Date(since) : undefined },
        { actor: `token:${token.id}`, reason: reason ?? `requeued in bulk by token ${token.id}` },
      );
      return { count: ids.length, ids };
    },
  );
};
