// `stubbuild repo add DIR…`: every .deb of the given directories (and .deb files) sent to
// POST /v1/admin/packages in one streamed request; the service verifies them all, adds them and
// publishes once. Exit codes as the other client commands: 0 published, 2 refused or unreachable.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { HttpError } from './api-client.ts';
import { clientFrom, withClientOptions } from './client-options.ts';
import { multipartFiles } from './deb-multipart.ts';
import { Progress } from './progress.ts';

interface AddAnswer {
  packages: { name: string; version: string; architecture: string; outcome: string }[];
  publication: unknown;
}

/** The .debs named: a directory's (not its subdirectories'), in name order, or a .deb itself. */
async function debsOf(argument: string): Promise<string[]> {
  const info = await stat(argument).catch(() => {
    throw new CliError(`${argument}: no such file or directory`, 2);
  });
  if (info.isFile()) {
    if (!argument.endsWith('.deb')) throw new CliError(`${argument}: not a .deb`, 2);
    return [argument];
  }
  const entries = await readdir(argument, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.deb'))
    .map((e) => join(argument, e.name))
    .sort();
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function repoCommand(): Command {
  const add = withClientOptions(new Command('add'))
    .description('add every .deb of the directories (or .deb files) to the apt repository in one request, and publish (admin)')
    .argument('<paths...>', 'directories of .debs, or .deb files')
    .option('--force', 'replace a package already there under the same name and version with different content')
    .option('--json', "print the API's JSON")
    .action(async (paths: string[], options: { url?: string; token?: string; json?: boolean; force?: boolean }) => {
      const client = clientFrom(options);
      const debs: string[] = [];
      for (const p of paths) debs.push(...(await debsOf(p)));
      if (debs.length === 0) throw new CliError(`no .deb in ${paths.join(', ')}`, 2);
      // A refusal of the token comes before any byte is sent: the service answers it and closes
      // the connection mid-upload, which the sender would only see as a broken pipe.
      await client.fetch('/v1/admin/tokens');
      const progress = new Progress(process.stderr);
      let sentFiles = 0;
      let sentBytes = 0;
      const body = await multipartFiles(debs, (_index, bytes) => {
        sentFiles += 1;
        sentBytes += bytes;
        progress.set(`sending ${sentFiles} of ${debs.length} .debs (${mib(sentBytes)} of ${mib(total)})`);
        if (sentFiles === debs.length) progress.line(`sent ${debs.length} .debs; the service is verifying and publishing them`);
      });
      const total = body.length;
      progress.line(`sending ${debs.length} .debs (${mib(total)}) to ${client.settings.url}`);
      let answer: AddAnswer;
      try {
        answer = await client.json<AddAnswer>(`/v1/admin/packages${options.force ? '?force=true' : ''}`, {
          method: 'POST',
          body: body.body,
          headers: { 'content-type': body.contentType, 'content-length': String(body.length) },
          // A streamed request body: undici sends it as it is read.
          duplex: 'half',
        } as RequestInit & { headers: Record<string, string> });
      } catch (error) {
        if (error instanceof CliError && !(error instanceof HttpError) && /EPIPE|ECONNRESET|other side closed/.test(error.message)) {
          throw new CliError(
            `${error.message} (the service stopped reading the upload: it refuses one past its limits, MAX_UPLOAD_FILES ` +
              'files or MAX_UPLOAD_TOTAL_BYTES bytes, with a 413 the connection cut short)',
            2,
          );
        }
        throw error;
      } finally {
        progress.stop();
      }
      if (options.json) return void process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      const counts = new Map<string, number>();
      for (const p of answer.packages) counts.set(p.outcome, (counts.get(p.outcome) ?? 0) + 1);
      const summary = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
      process.stdout.write(`published: ${answer.packages.length} packages (${summary})\n`);
    });
  return new Command('repo').description('the apt repository').addCommand(add);
}
