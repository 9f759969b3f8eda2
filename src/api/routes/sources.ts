import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { causeClasses } from '../../jobs/cause-class.ts';
import { countSourcesByState, listSources } from '../../jobs/list-sources.ts';
import { jobStateSchema } from '../schemas/job.ts';
import { problemResponses } from '../schemas/problem.ts';

const sourceStatusSchema = z
  .object({
    source: z.string(),
    version: z.string().nullable().describe('The version its latest job builds; null until an archive reference is fetched'),
    state: jobStateSchema,
    causeClass: z.enum(causeClasses).nullable().describe('For a failed job, the class of the cause'),
    reason: z.string().nullable().describe('Why the job is in its state; for a failure `<class>: <first error line>`'),
    jobId: z.number().int().describe('The latest job of the source (GET /v1/jobs/{id})'),
    blockedBy: z.array(z.string()).describe('For a job in dep-wait: the build-dependencies it waits for'),
  })
  .meta({ id: 'SourceStatus' });

const sourceListQuery = z.strictObject({
  state: jobStateSchema.optional().describe('Only sources whose latest job is in this state'),
  causeClass: z.enum(causeClasses).optional().describe('Only sources whose latest job failed for this class of cause'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(400).optional(),
});

export const sourceRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/sources',
    {
      config: { access: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Cross-buildability of every source',
        description:
          "Each source's latest job, by source name: its state, for a failure the cause class and first error line, " +
          "for a dep-wait what it is blocked by — what crossqa shows for Debian's full architectures, for this one. " +
          '`counts` gives how many sources are in each state. Filter by `state` and `causeClass`; follow `nextCursor`.',
        querystring: sourceListQuery,
        response: {
          200: z.object({
            items: z.array(sourceStatusSchema),
            counts: z.record(z.string(), z.number().int()).describe('Sources by the state of their latest job'),
            nextCursor: z.string().nullable(),
          }),
          ...problemResponses(400, 401),
        },
      },
    },
    async (request) => ({ ...(await listSources(db, request.query)), counts: await countSourcesByState(db) }),
  );
};
