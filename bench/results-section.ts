// bench/RESULTS.md holds one section per benchmark, between markers, so each benchmark
// rewrites its own section and leaves the others as they were recorded.
import { readFile, writeFile } from 'node:fs/promises';

export async function writeResultsSection(file: string, name: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = await readFile(file, 'utf8').catch(() => '');
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const at = current.indexOf(start);
  const until = current.indexOf(end);
  const next =
    at >= 0 && until > at ? current.slice(0, at) + block + current.slice(until + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(file, next);
}

/** The machine's load average now, as `uptime` says it. */
export async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}

/** The section `name` of a RESULTS.md text, with its markers, or undefined. */
export function sectionOf(text: string, name: string): string | undefined {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const at = text.indexOf(start);
  const until = text.indexOf(end);
  return at >= 0 && until > at ? text.slice(at, until + end.length) : undefined;
}
