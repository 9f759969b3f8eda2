// The client half of the `stubbuild` binary: submit, batch, jobs, show, logs, requeue, cancel, repo add,
// talking to a service over its HTTP API. Exit codes: 0 done (published), 1 failed or
// cancelled, 2 a usage, configuration or HTTP error, 3 a wait that timed out.
import { Command, Option } from 'commander';
import { jobStates } from '../../jobs/job-states.ts';
import { CliError } from '../cli-error.ts';
import { type ApiClient, finalStates, type JobDetail, type JobSummary } from './api-client.ts';
import { clientFrom, parseDuration, parseJobId, withClientOptions } from './client-options.ts';
import { followLog } from './follow-log.ts';
import { Progress } from './progress.ts';
import { repoCommand } from './repo-add-command.ts';
import { contentKey, readSubmission, referenceBody, type Submission, uploadForm } from './submission.ts';
import { logTail, waitForJob } from './wait-for-job.ts';

interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

/** Prints how a waited-for job ended; the exit code it means. */
async function report(client: ApiClient, job: JobDetail, json: boolean | undefined): Promise<number> {
  if (json) printJson(job);
  if (job.state === 'published') {
    if (!json) {
      out(`published: job ${job.id} ${job.source} ${job.version ?? ''}`.trimEnd());
      for (const deb of job.artifacts.filter((a) => a.kind === 'deb')) out(`  ${deb.name}`);
    }
    return 0;
  }
  if (!json) {
    out(`${job.state}: job ${job.id} ${job.source}${job.version ? ` ${job.version}` : ''}: ${job.reason ?? 'no reason given'}`);
    const tail = await logTail(client, job);
    if (tail) out(`last lines of the log (attempt ${job.attempts.at(-1)!.number}):\n${tail}`);
  }
  return 1;
}

function exitWith(code: number): void {
  if (code !== 0) throw new CliError('', code);
}

function submitCommand(): Command {
  return withClientOptions(new Command('submit'))
    .description('submit a source package: a .dsc (with the files it lists beside it) or source[=version] from the archive')
    .argument('<source>', 'file.dsc, or source[=version]')
    .option('--suite <suite>', 'archive suite of a source[=version] reference')
    .option('--wait', 'wait until the job is published (exit 0), failed or cancelled (exit 1)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3), e.g. 30m')
    .option('--follow', 'stream the build log while waiting (implies --wait)')
    .option('--json', "print the API's JSON")
    .option('--idempotency-key <key>', 'default: a hash of the content and suite, so a re-run submits nothing new')
    .action(
      async (
        argument: string,
        options: ClientOptions & { suite?: string; wait?: boolean; timeout?: string; follow?: boolean; idempotencyKey?: string },
      ) => {
        const client = clientFrom(options);
        const timeoutMs = options.timeout ? parseDuration(options.timeout) : undefined;
        const submission = await readSubmission(argument);
        const key = options.idempotencyKey ?? contentKey([submission], options.suite);
        const headers = { 'idempotency-key': key };
        const job =
          submission.kind === 'upload'
            ? await client.json<JobDetail>('/v1/jobs', { method: 'POST', body: await uploadForm([submission]), headers })
            : await client.post<JobDetail>('/v1/jobs', referenceBody(submission, options.suite), headers);
        if (!(options.wait || options.follow)) {
          if (options.json) printJson(job);
          else
            out(
              `job ${job.id} ${job.source}${job.version ? ` ${job.version}` : ''}: ${job.state} (${client.settings.url}/v1/jobs/${job.id})`,
            );
          return;
        }
        const progress = new Progress(process.stderr);
        try {
          const done = await waitForJob(client, job.id, {
            timeoutMs,
            progress,
            follow: options.follow ? (text) => process.stdout.write(text) : undefined,
          });
          progress.stop();
          exitWith(await report(client, done, options.json));
        } finally {
          progress.stop();
        }
      },
    );
}

function batchCommand(): Command {
  return withClientOptions(new Command('batch'))
    .description('submit several sources built in the order of their build-dependencies on each other')
    .argument('<sources...>', 'file.dsc or source[=version], several')
    .option('--suite <suite>', 'archive suite of the source[=version] references')
    .option('--wait', 'wait until every member is published (exit 0) or one failed or was cancelled (exit 1)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)')
    .option('--json', "print the API's JSON")
    .option('--idempotency-key <key>', 'default: a hash of the content and suite')
    .action(
      async (
        argumentsList: string[],
        options: ClientOptions & { suite?: string; wait?: boolean; timeout?: string; idempotencyKey?: string },
      ) => {
        const client = clientFrom(options);
        const timeoutMs = options.timeout ? parseDuration(options.timeout) : undefined;
        const submissions: Submission[] = [];
        for (const argument of argumentsList) submissions.push(await readSubmission(argument));
        const uploads = submissions.filter((s) => s.kind === 'upload');
        const references = submissions.filter((s) => s.kind === 'reference').map((s) => referenceBody(s, options.suite));
        const headers = { 'idempotency-key': options.idempotencyKey ?? contentKey(submissions, options.suite) };
        type Batch = {
          id: number;
          members: { jobId: number; source: string; version: string | null; state: string; reason: string | null }[];
        };
        let batch: Batch;
        if (uploads.length > 0) {
          const form = await uploadForm(uploads);
          if (references.length > 0) form.append('sources', JSON.stringify({ sources: references }));
          batch = await client.json<Batch>('/v1/batches', { method: 'POST', body: form, headers });
        } else {
          batch = await client.post<Batch>('/v1/batches', { sources: references }, headers);
        }
        if (!options.wait) {
          if (options.json) printJson(batch);
          else for (const m of batch.members) out(`job ${m.jobId} ${m.source}${m.version ? ` ${m.version}` : ''}: ${m.state}`);
          return;
        }
        const progress = new Progress(process.stderr);
        const began = Date.now();
        const seen = new Map<number, string>();
        try {
          for (;;) {
            batch = await client.json<Batch>(`/v1/batches/${batch.id}`);
            for (const m of batch.members) {
              if (seen.get(m.jobId) === m.state) continue;
              seen.set(m.jobId, m.state);
              progress.line(
                `job ${m.jobId} ${m.source}: ${m.state}${m.reason && !['published', 'publishing', 'building'].includes(m.state) ? `: ${m.reason}` : ''}`,
              );
            }
            const open = batch.members.filter((m) => !finalStates.includes(m.state));
            progress.set(`batch ${batch.id}: ${batch.members.length - open.length} of ${batch.members.length} done`);
            if (open.length === 0) break;
            if (timeoutMs !== undefined && Date.now() - began > timeoutMs) {
              throw new CliError(`gave up waiting: ${open.length} of ${batch.members.length} members of batch ${batch.id} are not done`, 3);
            }
            await new Promise((r) => setTimeout(r, 1000));
          }
        } finally {
          progress.stop();
        }
        if (options.json) printJson(batch);
        let code = 0;
        for (const m of batch.members) {
          if (m.state === 'published') continue;
          code = 1;
          if (options.json) continue;
          const job = await client.json<JobDetail>(`/v1/jobs/${m.jobId}`);
          await report(client, job, false);
        }
        if (!options.json && code === 0) out(`published: all ${batch.members.length} members of batch ${batch.id}`);
        exitWith(code);
      },
    );
}

function jobsCommand(): Command {
  return withClientOptions(new Command('jobs'))
    .description('list jobs, newest first')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(jobStates))
    .option('--source <source>', 'only jobs of this source')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', "print the API's JSON")
    .action(async (options: ClientOptions & { state?: string; source?: string; limit: string }) => {
      const client = clientFrom(options);
      const query = new URLSearchParams({
        limit: options.limit,
        ...(options.state ? { state: options.state } : {}),
        ...(options.source ? { source: options.source } : {}),
      });
      const page = await client.json<{ items: JobSummary[]; nextCursor: string | null }>(`/v1/jobs?${query}`);
      if (options.json) return printJson(page);
      for (const job of page.items) {
        out(
          `${String(job.id).padStart(6)}  ${job.state.padEnd(10)}  ${job.source}${job.version ? ` ${job.version}` : ''}  ${job.updatedAt}`,
        );
      }
    });
}

function showCommand(): Command {
  return withClientOptions(new Command('show'))
    .description('one job: its state, why, its history and attempts')
    .argument('<id>', 'job id')
    .option('--json', "print the API's JSON")
    .action(async (id: string, options: ClientOptions) => {
      const client = clientFrom(options);
      const job = await client.json<JobDetail>(`/v1/jobs/${parseJobId(id)}`);
      if (options.json) return printJson(job);
      out(`job ${job.id}: ${job.source}${job.version ? ` ${job.version}` : ''} (${job.origin}${job.suite ? `, ${job.suite}` : ''})`);
      out(`state: ${job.state}${job.reason ? ` — ${job.reason}` : ''}`);
      if (job.explanation) out(`why: ${job.explanation}`);
      out('history:');
      for (const e of job.events) out(`  ${e.at}  ${e.from ?? '(new)'} -> ${e.to}  by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`);
      if (job.attempts.length > 0) out('attempts:');
      for (const a of job.attempts)
        out(`  ${a.number}  ${a.state.padEnd(14)} engine ${a.engine}  ${a.startedAt}${a.message ? `  ${a.message}` : ''}`);
      if (job.artifacts.length > 0) out('artifacts:');
      for (const a of job.artifacts) out(`  ${a.name} (${a.size} bytes)`);
    });
}

function logsCommand(): Command {
  return withClientOptions(new Command('logs'))
    .description('the build log of a job (latest attempt)')
    .argument('<id>', 'job id')
    .option('-f, --follow', 'keep printing new output until the attempt ends')
    .option('--attempt <n>', 'another attempt than the latest')
    .action(async (id: string, options: ClientOptions & { follow?: boolean; attempt?: string }) => {
      const client = clientFrom(options);
      const jobId = parseJobId(id);
      const attempt = options.attempt ? parseJobId(options.attempt) : undefined;
      if (!options.follow) {
        const res = await client.fetch(`/v1/jobs/${jobId}/log${attempt ? `?attempt=${attempt}` : ''}`);
        for await (const chunk of res.body!) process.stdout.write(chunk);
        return;
      }
      const number = attempt ?? (await client.json<JobDetail>(`/v1/jobs/${jobId}`)).attempts.at(-1)?.number;
      if (number === undefined) throw new CliError(`job ${jobId} has no build attempt yet`, 2);
      await followLog(client, jobId, number, (text) => process.stdout.write(text), new AbortController().signal);
    });
}

function actionCommand(name: 'requeue' | 'cancel'): Command {
  return withClientOptions(new Command(name))
    .description(name === 'requeue' ? 'requeue a failed, cancelled or dep-wait job (admin)' : 'cancel a waiting or building job')
    .argument('<id>', 'job id')
    .option('--reason <text>', 'why (recorded in the job history)')
    .option('--json', "print the API's JSON")
    .action(async (id: string, options: ClientOptions & { reason?: string }) => {
      const client = clientFrom(options);
      const jobId = parseJobId(id);
      const path = name === 'requeue' ? `/v1/admin/jobs/${jobId}/requeue` : `/v1/jobs/${jobId}/cancel`;
      const job = await client.post<JobDetail>(path, options.reason ? { reason: options.reason } : undefined);
      if (options.json) return printJson(job);
      out(`job ${job.id} ${job.source}: ${job.state}`);
    });
}

export function clientCommands(): Command[] {
  return [
    submitCommand(),
    batchCommand(),
    jobsCommand(),
    showCommand(),
    logsCommand(),
    actionCommand('requeue'),
    actionCommand('cancel'),
    repoCommand(),
  ];
}
