// The publish benchmark's two stubbuild runners still run against the service as it is now: the
// benchmark is not part of npm test, and its in-process runner once failed for weeks unnoticed
// (the service began refusing a signing key beside its repository). A few packages with real
// version forms (an epoch, `~`, `+`), each runner once, on the tier's database.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { benchLayout } from '../bench/publish/layout.ts';
import { createTestKey } from './helpers/openpgp-test-key.ts';
import { dropServerDatabase } from './helpers/server-database.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';

const root = path.join(import.meta.dirname, '..');
const serverUrl = process.env.DATABASE_URL || undefined;
// A BENCH_DIR of its own, laid out as run.ts lays out its own.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-bench-runners-'));
const layout = benchLayout(work);
const debDir = path.join(work, 'debs');
const keyFile = layout.secretKeyFile;
let extraDeb = '';

before(async () => {
  for (const [name, version] of [
    ['libsynepoch', '1:1.2.13.dfsg-1+stubdom1'],
    ['libsyntilde', '2.0~rc1-1'],
    ['libsynbinnmu', '1.0-1+b1'],
  ] as const) {
    await writeSyntheticDeb(debDir, { name, version });
  }
  extraDeb = await writeSyntheticDeb(path.join(work, 'extra'), { name: 'libsynextra', version: '1.0-1' });
  fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyFile, (await createTestKey('bench runners')).secretArmored, { mode: 0o600 });
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

interface Measurement {
  database: string;
  packages: number;
  fullMs: number;
  addOneMs: number;
  repoDir: string;
}

/** Runs one runner as run.ts does; drops the database it leaves for run.ts to drop. */
async function runRunner(script: string, name: string): Promise<Measurement> {
  const workDir = path.join(layout.runsDir, name);
  fs.mkdirSync(workDir, { recursive: true });
  const args = ['--import', 'tsx', path.join(root, 'bench', 'publish', script), debDir, extraDeb, workDir, keyFile, 'false'];
  if (serverUrl) args.push(serverUrl);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (serverUrl) await dropServerDatabase(serverUrl, `stubbuild_bench_${child.pid}`);
  assert.equal(code, 0, `${script} exited ${code}:\n${stderr.slice(-3000)}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
}

function assertPublished(m: Measurement): void {
  assert.equal(m.database, serverUrl ? 'postgres' : 'pglite');
  assert.equal(m.packages, 3);
  assert.ok(m.fullMs > 0 && m.addOneMs > 0, `times: ${m.fullMs}, ${m.addOneMs}`);
  const packages = fs.readFileSync(path.join(m.repoDir, 'dists', 'stubdom', 'main', 'binary-stubdom-amd64', 'Packages'), 'utf8');
  for (const version of ['1:1.2.13.dfsg-1+stubdom1', '2.0~rc1-1', '1.0-1+b1', '1.0-1']) {
    assert.match(packages, new RegExp(`^Version: ${version.replace(/[.+]/g, '\\$&')}$`, 'm'));
  }
}

test('the in-process runner files, publishes and adds one', async () => {
  assertPublished(await runRunner('stubbuild-run.ts', 'in-process'));
});

test('the HTTP runner sends the directory to its own service and adds one', async () => {
  assertPublished(await runRunner('http-run.ts', 'http'));
});
