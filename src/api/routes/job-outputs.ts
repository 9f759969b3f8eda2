import { once } from 'node:events';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { DomainError } from '../../domain-error.ts';
import { openArtifact } from '../../jobs/artifact-files.ts';
import { resolveAttempt } from '../../jobs/attempts.ts';
import { type LogFollowing, streamAttemptLog } from '../../jobs/follow-attempt-log.ts';
import { getJob } from '../../jobs/get-job.ts';
import { jobIdParams } from '../schemas/job.ts';
import { problemResponses } from '../schemas/problem.ts';

const attemptQuery = z.strictObject({
  attempt: z.coerce.number().int().positive().max(10_000).optional().describe('Attempt number; the latest when omitted'),
});

const logQuery = attemptQuery.extend({
  follow: z.enum(['true', 'false']).optional().describe('Keep the answer open and stream new output until the attempt ends (plain text)'),
});

const logHeaders = z.looseObject({
  'last-event-id': z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be the id of a log event received before')
    .optional()
    .describe('Server-Sent Events: resume after the log chunk with this sequence number'),
});

export const jobOutputRoutes: FastifyPluginAsyncZod<{
  db: Db;
  artifactsDir: string;
  maxLogFollowers: number;
  following: LogFollowing;
}> = async (app, { db, artifactsDir, maxLogFollowers, following }) => {
  // Each follower holds its answer open until its attempt ends: their number is bounded, and
  // a stopping service ends them (their answers would otherwise hold its close).
  const followers = new Map<AbortController, Promise<unknown>>();
  app.addHook('preClose', async () => {
    const ending = [...followers.entries()].map(([abort, answered]) => (abort.abort(), answered));
    // Answered before the server closes, so their connections are idle and close with it.
    await Promise.all(ending);
  });
  app.get(
    '/jobs/:id/log',
    {
      config: { access: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Build log',
        description:
          'The log of the latest attempt (or `attempt`) as plain text, during and after the build. ' +
          'With `follow=true` the answer stays open and streams new output until the attempt ends. ' +
          'With `Accept: text/event-stream` the log comes as Server-Sent Events from any service process: each ' +
          "stored chunk is an `event: log` whose `id:` is the chunk's sequence number and whose data is its text; " +
          "for a running attempt the stream follows new chunks (woken by the database's notifications, polled " +
          'every LOG_FOLLOW_POLL as a backstop) and ends with `event: end` carrying `{"state", "reason", "attempt"}` ' +
          'of the job once the attempt is over. `Last-Event-ID` resumes after that chunk (pin `attempt` to resume ' +
          'the same attempt). At most MAX_LOG_FOLLOWERS followers run at once per process (429 beyond). The ' +
          '`x-attempt` header names the attempt.',
        params: jobIdParams,
        querystring: logQuery,
        headers: logHeaders,
        response: {
          200: {
            description: 'The log, as text or as events',
            content: { 'text/plain': { schema: z.string() }, 'text/event-stream': { schema: z.string() } },
          },
          ...problemResponses(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const jobId = request.params.id;
      await getJob(db, jobId);
      const { number, running } = await resolveAttempt(db, jobId, request.query.attempt);
      const sse = /\btext\/event-stream\b/.test(request.headers.accept ?? '');
      const abort = new AbortController();
      // The answer's close: sent in full, or the client went (the request's own close comes once it is read).
      reply.raw.on('close', () => abort.abort());
      const follow = running && (sse || request.query.follow === 'true');
      if (follow) {
        if (followers.size >= maxLogFollowers) {
          throw new DomainError(
            'too-many-requests',
            `${followers.size} streams already follow build logs, the most this service runs at once (MAX_LOG_FOLLOWERS); read the log without following, or try again later`,
          );
        }
        followers.set(
          abort,
          once(reply.raw, 'close').catch(() => undefined),
        );
        abort.signal.addEventListener('abort', () => followers.delete(abort), { once: true });
        // A follower of a quiet build gets the headers now, not with the first new line.
        reply.raw.once('pipe', () => reply.raw.flushHeaders());
      }
      const lastEventId = (request.headers as { 'last-event-id'?: string })['last-event-id'];
      const afterSeq = sse && lastEventId !== undefined ? Number(lastEventId) : 0;
      if (sse) reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
      else reply.type('text/plain; charset=utf-8');
      return reply
        .header('x-attempt', String(number))
        .header('x-attempt-running', String(running))
        .send(streamAttemptLog(db, following, { jobId, attempt: number, follow, sse, afterSeq, signal: abort.signal }) as never); // streams bypass serialization
    },
  );

  app.get(
    '/jobs/:id/artifacts/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Download an artifact',
        description:
          'A file an attempt produced: a .deb, the .buildinfo, the .changes, or a file of the source package built. ' +
          'The latest attempt with artifacts, or `attempt`.',
        params: jobIdParams.extend({ name: z.string().min(1).max(255).describe('The artifact name, as listed in the job') }),
        querystring: attemptQuery,
        response: {
          200: { description: 'The file', content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } },
          ...problemResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { id, name } = request.params;
      await getJob(db, id);
      const { artifact, content } = await openArtifact(db, artifactsDir, { jobId: id, name, attempt: request.query.attempt });
      const type = artifact.kind === 'deb' ? 'application/vnd.debian.binary-package' : 'text/plain; charset=utf-8';
      return reply
        .type(type)
        .header('content-length', artifact.size)
        .header('content-disposition', `attachment; filename="${artifact.name}"`)
        .header('x-sha256', artifact.sha256)
        .send(content as never);
    },
  );
};
