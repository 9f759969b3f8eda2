// Where the client finds the service and its token: --url and --token, else STUBBUILD_URL and
// STUBBUILD_TOKEN.
import { type Command, Option } from 'commander';
import { CliError } from '../cli-error.ts';
import { ApiClient } from './api-client.ts';

export function withClientOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'the service (STUBBUILD_URL)'))
    .addOption(new Option('--token <token>', 'an API token (STUBBUILD_TOKEN)'));
}

export function clientFrom(options: { url?: string; token?: string }): ApiClient {
  const url = options.url ?? process.env.STUBBUILD_URL;
  if (!url) throw new CliError('no service to talk to: set STUBBUILD_URL or pass --url', 2);
  if (!/^https?:\/\/[^/\s]+\/?$/.test(url) && !/^https?:\/\/[^/\s]+\/\S*$/.test(url))
    throw new CliError(`--url / STUBBUILD_URL: ${url} is not an http(s) URL`, 2);
  return new ApiClient({ url: url.replace(/\/+$/, ''), token: options.token ?? (process.env.STUBBUILD_TOKEN || undefined) });
}

/** "90s", "15m", "2h", "1d" or plain seconds, in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)?$/.exec(text);
  if (!match) throw new CliError(`--timeout ${text}: a number of seconds, or a number followed by s, m, h or d`, 2);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? n : n * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's']! * 1000;
}

export function parseJobId(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new CliError(`${text} is not a job id`, 2);
  return Number(text);
}
