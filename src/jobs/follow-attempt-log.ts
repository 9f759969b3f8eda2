// Following an attempt's log: what is stored, then new chunks as they are written, read from
// the database so that any replica can serve a follower; plain text or Server-Sent Events.
import { Readable } from 'node:stream';
import type { Db } from '../db/in-transaction.ts';
import { readLogChunks, resolveAttempt } from './attempts.ts';
import { getJob } from './get-job.ts';
import type { JobWakeups } from './job-wakeups.ts';

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
export function streamAttemptLog(
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
