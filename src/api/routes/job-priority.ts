import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { PRIORITY_LIMIT, setJobPriority } from '../../jobs/set-job-priority.ts';
import { jobIdParams, jobSchema, presentJob } from '../schemas/job.ts';
import { problemResponses } from '../schemas/problem.ts';

const priorityBody = z
  .strictObject({
    priority: z
      .int()
      .min(-PRIORITY_LIMIT)
      .max(PRIORITY_LIMIT)
      .describe('Higher is claimed sooner; default 0. One point weighs as much as an hour of waiting (SCHEDULER_AGEING)'),
  })
  .meta({ id: 'JobPriority' });

export const jobPriorityRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/admin/jobs/:id/priority',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['jobs'],
        summary: "Change a job's priority",
        description:
          'Sets the priority the scheduler claims queued jobs by (highest first; default 0), in any state: a waiting ' +
          'or failed job keeps it for when it is queued. The claim also ages waiting jobs (one point per ' +
          'SCHEDULER_AGEING waited) and shares engines fairly between submitting tokens, so a low priority delays a ' +
          'job but never starves it. Answers the job.',
        params: jobIdParams,
        body: priorityBody,
        response: { 200: jobSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => presentJob(await setJobPriority(db, request.params.id, request.body.priority)),
  );
};
