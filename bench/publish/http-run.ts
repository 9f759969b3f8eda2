// One stubbuild measurement through the public interface, in a process of its own (run.ts
// starts it): a fresh database and a `stubbuild serve` of its own, then every .deb in DEB_DIR
// sent in one streamed POST /v1/admin/packages (what `stubbuild repo add DIR` sends), answered
// once the signed publication is served; then one more package the same way. Starting the
// service is not timed; each step is timed from the first byte sent to the answer.
// Prints one JSON line of wall-clock milliseconds.
//   node --import tsx bench/publish/http-run.ts DEB_DIR EXTRA_DEB WORK_DIR KEY_FILE XZ(true|false) [DATABASE_URL]
import { execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { multipartFiles } from '../../src/cli/client/deb-multipart.ts';
import { freePort } from '../../test/helpers/free-port.ts';
import { createServerDatabase } from '../../test/helpers/server-database.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import { stubbuildCommand } from '../stubbuild-command.ts';

const [debDir, extraDeb, workDir, keyFile, xz, serverUrl] = process.argv.slice(2);
if (!debDir || !extraDeb || !workDir || !keyFile || !xz)
  throw new Error('usage: http-run.ts DEB_DIR EXTRA_DEB WORK_DIR KEY_FILE XZ [DATABASE_URL]');

// A PostgreSQL database of its own, left for run.ts to drop at the end (see stubbuild-run.ts).
const databaseUrl = serverUrl ? await createServerDatabase(serverUrl, `stubbuild_bench_${process.pid}`, { fileCopy: true }) : undefined;
const dataDir = join(workDir, 'data');
const debs = (await readdir(debDir))
  .filter((f) => f.endsWith('.deb'))
  .sort()
  .map((f) => join(debDir, f));
const port = await freePort();
const env = {
  ...process.env,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
  DATA_DIR: dataDir,
  REPO_SIGNING_KEY: keyFile,
  REPO_XZ: xz,
  // The whole directory in one request, as `stubbuild repo add DIR` sends it.
  MAX_UPLOAD_FILES: String(debs.length + 16),
  LOG_LEVEL: process.env.BENCH_VERBOSE ? 'info' : 'warn',
};
execFileSync(...stubbuildCommand(['migrate']), { env, stdio: ['ignore', 'ignore', 'inherit'] });
// BENCH_VERBOSE keeps the service's log (its timing of each step) in WORK_DIR/service.log.
const serviceLog = process.env.BENCH_VERBOSE ? openSync(join(workDir, 'service.log'), 'w') : 'ignore';
// BENCH_PROFILE writes the service's CPU profile into WORK_DIR/profile when it stops.
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'profile')}`] : [];
// BENCH_NODE_FLAGS (space-separated) adds node flags to the service's, for side-by-side trials.
const trialFlags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
const service = spawn(...stubbuildCommand(['serve', '--port', String(port), '--host', '127.0.0.1'], [...profile, ...trialFlags]), {
  env,
  stdio: ['ignore', serviceLog, 'inherit'],
});
const url = `http://127.0.0.1:${port}`;

async function post(paths: string[]): Promise<{ packages: { outcome: string }[] }> {
  const body = await multipartFiles(paths, () => undefined);
  const res = await fetch(`${url}/v1/admin/packages`, {
    method: 'POST',
    body: body.body,
    headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType, 'content-length': String(body.length) },
    duplex: 'half',
  } as RequestInit);
  const answer = (await res.json()) as { packages: { outcome: string }[] };
  if (res.status !== 200) throw new Error(`POST /v1/admin/packages answered ${res.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  return answer;
}

let token = '';
try {
  await waitFor(
    'the service to be ready',
    async () => {
      if (service.exitCode !== null) throw new Error(`stubbuild serve exited (code ${service.exitCode})`);
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    { stallMs: 120_000, intervalMs: 200 },
  );
  token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  // Starting the service wrote a lot (migrations, the key): flush it first, as run.ts does.
  execFileSync('sync');
  await new Promise((r) => setTimeout(r, 1000));

  let t = performance.now();
  const full = await post(debs);
  const fullMs = performance.now() - t;
  if (full.packages.length !== debs.length || full.packages.some((p) => p.outcome !== 'added'))
    throw new Error('not every package was added');

  execFileSync('sync');
  await new Promise((r) => setTimeout(r, 1000));
  t = performance.now();
  const one = await post([extraDeb]);
  const addOneMs = performance.now() - t;
  if (one.packages[0]?.outcome !== 'added') throw new Error('the extra package was not added');

  const rss = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${service.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  process.stdout.write(
    `${JSON.stringify({
      database: databaseUrl ? 'postgres' : 'pglite',
      packages: debs.length,
      fullMs,
      addOneMs,
      serviceRssBytes: rss,
      repoDir: join(dataDir, 'repo'),
    })}\n`,
  );
} finally {
  service.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
}
