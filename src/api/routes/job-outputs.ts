import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { DomainError } from '../../domain-error.ts';
import { listArtifacts, readLogChunks, resolveAttempt } from '../../jobs/attempts.ts';
import { getJob } from '../../jobs/get-job.ts';
import type { JobWakeups } from '../../jobs/job-wakeups.ts';
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

// A comment now and then keeps proxies from closing a quiet event stream.
const KEEPALIVE_MS = 15_000;

export interface LogFollowing {
  wakeups: JobWakeups;
  /** How often a follower looks at the database without a notification (LOG_FOLLOW_POLL). */
  pollMs: number;
}

/** `data:` lines of one event: SSE ends a line at CR, LF or CRLF; the client joins them with LF. */
function sseData(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}

/**
 * An attempt's log: what is stored after `afterSeq`, then (when following a running attempt)
 * new chunks as they are written, read from the database so any replica can serve it. A
 * follower looks again when the database notifies a new chunk or event of the job, and every
 * `pollMs` without one. As Server-Sent Events (`sse`), each chunk is an `event: log` with
 * `id:` its sequence number, and a following stream ends with `event: end` carrying the job's
 * state and reason once the attempt is over (and the job past publishing).
 */
function streamLog(
  db: Db,
  following: LogFollowing,
  request: { jobId: number; attempt: number; follow: boolean; sse: boolean; afterSeq: number; signal: AbortSignal },
): Readable {
  const { jobId, attempt, follow, sse, signal } = request;
  async function* stream() {
    const watch = follow ? await following.wakeups.watch(jobId) : undefined;
    try {
      const decoder = new TextDecoder('utf-8');
      let seq = request.afterSeq;
      const stored = async function* () {
        for (const chunk of await readLogChunks(db, jobId, attempt, seq)) {
          seq = chunk.seq;
          yield sse ? `id: ${chunk.seq}\nevent: log\n${sseData(decoder.decode(chunk.data, { stream: true }))}\n` : chunk.data;
        }
      };
      yield* stored();
      if (!watch) {
        // An attempt that was over when asked: its end at once.
        if (sse) {
          const job = await getJob(db, jobId);
          yield `event: end\ndata: ${JSON.stringify({ state: job.state, reason: job.reason, attempt })}\n\n`;
        }
        return;
      }
      for (;;) {
        const { running } = await resolveAttempt(db, jobId, attempt);
        if (!running) {
          yield* stored(); // what was written before the attempt closed
          break;
        }
        // Until notified, or the poll is due; a quiet event stream gets a comment meanwhile.
        const lookedAt = Date.now();
        for (;;) {
          const wait = Math.max(0, Math.min(KEEPALIVE_MS, lookedAt + following.pollMs - Date.now()));
          const notified = await watch.changed(wait, signal);
          if (signal.aborted) return; // the client went, or the service is stopping
          if (notified || Date.now() - lookedAt >= following.pollMs) break;
          if (sse) yield ': keep-alive\n\n';
        }
        yield* stored();
      }
      if (!sse) return;
      // A built attempt's job is still publishing: the end tells how that came out.
      let job = await getJob(db, jobId);
      while (job.state === 'publishing') {
        await watch.changed(following.pollMs, signal);
        if (signal.aborted) return;
        job = await getJob(db, jobId);
      }
      yield `event: end\ndata: ${JSON.stringify({ state: job.state, reason: job.reason, attempt })}\n\n`;
    } finally {
      watch?.close();
    }
  }
  return Readable.from(stream());
}

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
        .send(streamLog(db, following, { jobId, attempt: number, follow, sse, afterSeq, signal: abort.signal }) as never); // streams bypass serialization
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
