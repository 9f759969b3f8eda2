import { z } from 'zod';
import type { JobDetail } from '../../jobs/get-job-detail.ts';
import { jobWithEventsSchema, presentEvent, presentJob } from './job.ts';

const attemptSchema = z.object({
  number: z.number().int(),
  engine: z.string(),
  state: z.enum(['running', 'built', 'dep-wait', 'failed', 'infrastructure', 'aborted']),
  reason: z.string().nullable().describe('For failed attempts: build-error, timeout, memory-limit, …'),
  message: z.string().nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});

const artifactSchema = z.object({
  attempt: z.number().int(),
  name: z.string().describe('Download at /v1/jobs/{id}/artifacts/{name}'),
  kind: z.enum(['deb', 'buildinfo', 'changes', 'source', 'log']),
  size: z.number().int(),
  sha256: z.string(),
});

export const jobDetailSchema = jobWithEventsSchema
  .extend({
    attempts: z.array(attemptSchema).describe('Build attempts, oldest first'),
    artifacts: z.array(artifactSchema).describe('Files of the latest attempt that produced any'),
    provenance: z
      .object({ imageId: z.string().nullable(), recipeHash: z.string().nullable(), toolchain: z.unknown(), port: z.unknown() })
      .nullable()
      .describe('What built the published artifacts: builder image, toolchain versions, port revision'),
    unmetRelations: z.array(z.string()).describe('For dep-wait: the build-dependencies missing for its architecture'),
    explanation: z
      .string()
      .nullable()
      .describe(
        'For queued and dep-wait jobs: why it is not building, in plain words (missing build-dependencies and ' +
          'who will build them, ready jobs ahead of it, engines drained, unhealthy or busy); null otherwise',
      ),
  })
  .meta({ id: 'JobDetail' });

export function presentJobDetail(detail: JobDetail, explanation: string | null = null): z.input<typeof jobDetailSchema> {
  return {
    ...presentJob(detail.job),
    events: detail.events.map(presentEvent),
    attempts: detail.attempts.map((a) => ({
      ...a,
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt?.toISOString() ?? null,
    })),
    artifacts: detail.artifacts,
    provenance: detail.provenance as z.input<typeof jobDetailSchema>['provenance'],
    unmetRelations: detail.unmetRelations,
    explanation,
  };
}
