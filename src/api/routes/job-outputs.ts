import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { DomainError } from '../../domain-error.ts';
import { listArtifacts, readLogChunks, resolveAttempt } from '../../jobs/attempts.ts';
import { getJob } from '../../jobs/get-job.ts';
import { jobIdParams } from '../schemas/job.ts';
import { problemResponses } from '../schemas/problem.ts';

const attemptQuery = z.strictObject({
  attempt: z.coerce.number().int().positive().max(10_000).optional().describe('Attempt number; the latest when omitted'),
});

const logQuery = attemptQuery.extend({
  follow: z
    .enum(['true', 'false'])
    .optional()
    .describe('Keep the answer open and stream new output until the attempt ends'),
});

/**
 * Streams an attempt's log: what is stored, then (when following a running attempt) new chunks
 * as they are written, polled from the database so any replica can serve it.
 */
function streamLog(db: Db, jobId: number, attempt: number, follow: boolean, signal: AbortSignal): Readable {
  async function* chunks() {
    let seq = 0;
    for (;;) {
      for (const chunk of await readLogChunks(db, jobId, attempt, seq)) {
        seq = chunk.seq;
        yield chunk.data;
      }
      if (!follow || signal.aborted) return;
      const { running } = await resolveAttempt(db, jobId, attempt);
      if (!running) {
        for (const chunk of await readLogChunks(db, jobId, attempt, seq)) yield chunk.data;
        return;
      }
      try {
        await sleep(1000, undefined, { signal });
      } catch {
        return; // the client went, or the service is stopping
      }
    }
  }
  return Readable.from(chunks());
}

export const jobOutputRoutes: FastifyPluginAsyncZod<{ db: Db; artifactsDir: string; maxLogFollowers: number }> = async (app, { db, artifactsDir, maxLogFollowers }) => {
  // Each follower polls the database until its attempt ends: their number is bounded, and a
  // stopping service ends them (their answers would otherwise hold its close).
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
          'With `follow=true` the answer stays open and streams new output until the attempt ends; ' +
          'at most MAX_LOG_FOLLOWERS such streams run at once (429 beyond).',
        params: jobIdParams,
        querystring: logQuery,
        response: {
          200: { description: 'The log', content: { 'text/plain': { schema: z.string() } } },
          ...problemResponses(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      await getJob(db, request.params.id);
      const { number, running } = await resolveAttempt(db, request.params.id, request.query.attempt);
      const abort = new AbortController();
      // The answer's close: sent in full, or the client went (the request's own close comes once it is read).
      reply.raw.on('close', () => abort.abort());
      const follow = request.query.follow === 'true' && running;
      if (follow) {
        if (followers.size >= maxLogFollowers) {
          throw new DomainError('too-many-requests', `${followers.size} streams already follow build logs, the most this service runs at once (MAX_LOG_FOLLOWERS); read the log without follow=true, or try again later`);
        }
        followers.set(abort, once(reply.raw, 'close').catch(() => undefined));
        abort.signal.addEventListener('abort', () => followers.delete(abort), { once: true });
        // A follower of a quiet build gets the headers now, not with the first new line.
        reply.raw.once('pipe', () => reply.raw.flushHeaders());
      }
      return reply
        .type('text/plain; charset=utf-8')
        .header('x-attempt', String(number))
        .header('x-attempt-running', String(running))
        .send(streamLog(db, request.params.id, number, follow, abort.signal) as never); // streams bypass serialization
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
      const artifact = (await listArtifacts(db, id, request.query.attempt)).find((a) => a.name === name);
      if (!artifact) throw new DomainError('not-found', `job ${id} has no artifact ${name}`);
      // The name was matched against the recorded list: it never reaches the path unchecked.
      const file = path.join(artifactsDir, String(id), String(artifact.attempt), artifact.kind === 'source' ? 'source' : '', artifact.name);
      const type = artifact.kind === 'deb' ? 'application/vnd.debian.binary-package' : 'text/plain; charset=utf-8';
      return reply
        .type(type)
        .header('content-length', artifact.size)
        .header('content-disposition', `attachment; filename="${artifact.name}"`)
        .header('x-sha256', artifact.sha256)
        .send(fs.createReadStream(file) as never);
    },
  );
};
