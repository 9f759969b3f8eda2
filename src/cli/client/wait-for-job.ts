// `--wait`: polls the job until it is published, failed or cancelled, showing each state change;
// with `--follow` the build log streams meanwhile. Gives up (exit 3) after the timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.ts';
import { type ApiClient, finalStates, type JobDetail } from './api-client.ts';
import { followLog } from './follow-log.ts';
import { formatElapsed, type Progress } from './progress.ts';

const POLL_MS = 1000;

function describeState(job: JobDetail): string {
  const name = `job ${job.id} ${job.source}${job.version ? ` ${job.version}` : ''}`;
  if (job.state === 'building') {
    const attempt = job.attempts.at(-1);
    return `${name}: building${attempt ? ` on engine ${attempt.engine} (attempt ${attempt.number})` : ''}`;
  }
  const why =
    job.reason && !['published', 'publishing'].includes(job.state)
      ? `: ${job.reason.length > 160 ? `${job.reason.slice(0, 157)}...` : job.reason}`
      : '';
  return `${name}: ${job.state}${why}`;
}

export async function waitForJob(
  client: ApiClient,
  jobId: number,
  options: { timeoutMs?: number | undefined; progress: Progress; follow?: ((text: string) => void) | undefined },
): Promise<JobDetail> {
  const began = Date.now();
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : began + options.timeoutMs;
  let shown = '';
  let followed = 0;
  for (;;) {
    const job = await client.json<JobDetail>(`/v1/jobs/${jobId}`);
    const state = describeState(job);
    if (state !== shown) {
      options.progress.line(state);
      shown = state;
    }
    options.progress.set(`job ${jobId}: ${job.state}`);
    if (finalStates.includes(job.state)) return job;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new CliError(`gave up waiting after ${formatElapsed(Date.now() - began)}: job ${jobId} is still ${job.state}`, 3);
    }
    const running = job.attempts.find((a) => a.state === 'running' && a.number > followed);
    if (options.follow && running) {
      followed = running.number;
      options.progress.clear();
      await followLog(client, jobId, running.number, options.follow, AbortSignal.timeout(Math.min(remaining, 2 ** 31 - 1)));
      continue;
    }
    await sleep(Math.min(POLL_MS, remaining));
  }
}

/** The last `lines` lines of the job's latest log, or '' when it has none. */
export async function logTail(client: ApiClient, job: JobDetail, lines = 25): Promise<string> {
  if (job.attempts.length === 0) return '';
  const text = await (await client.fetch(`/v1/jobs/${job.id}/log`)).text();
  return text.replace(/\n$/, '').split('\n').slice(-lines).join('\n');
}
