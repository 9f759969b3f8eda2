// A fresh builder container whose apt sees only the service's repository (handed in read-only
// with its key, as a build gets it; no network), for the checks run.ts makes after the corpus.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface RepoContainer {
  image: string;
  arch: string;
  repoDir: string;
  keyText: string;
  suite: string;
}

/** Runs `steps` (sh, after `set -e` and `apt-get update`) with `files` under /check; resolves with the exit code and everything printed. */
export async function runAgainstRepo(
  opts: RepoContainer,
  steps: string[],
  files: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-repo-check-'));
  await chmod(dir, 0o755); // apt reads the key as _apt
  try {
    for (const [name, text] of Object.entries({ ...files, 'repo.asc': opts.keyText })) await writeFile(path.join(dir, name), text);
    const script = [
      'set -e',
      `echo "deb [arch=${opts.arch} signed-by=/check/repo.asc] file:/srv/stubdom-repo ${opts.suite} main" > /etc/apt/sources.list`,
      'rm -f /etc/apt/sources.list.d/*',
      'apt-get update -qq',
      ...steps,
    ].join('\n');
    const args = ['run', '--rm', '--network', 'none', '-v', `${opts.repoDir}:/srv/stubdom-repo:ro`, '-v', `${dir}:/check:ro`];
    return await new Promise((resolve, reject) => {
      const child = spawn('docker', [...args, '--entrypoint', 'sh', opts.image, '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
