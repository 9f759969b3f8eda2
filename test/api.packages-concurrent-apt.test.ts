// While 200 changes are published one after another through the API, another
// process runs apt-get update against the service over and over. apt must never see a
// Release that names an index it cannot fetch (hash-sum mismatch) nor a bad signature.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AptLoopReport } from './helpers/apt-update-loop.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { fetchRepoKey, startService, uploadDebs, type RunningService } from './helpers/running-service.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';

const CHANGES = 200;
let work: string;
let service: RunningService;

before(async () => {
  work = await makeTempDir('stubbuild-apt-loop-');
  service = await startService();
  const seeded = await uploadDebs(service, [syntheticDebBytes({ name: 'libchurn', version: '1.0-0' })]);
  assert.equal(seeded.status, 200, JSON.stringify(seeded.body));
});

after(async () => {
  await service?.close();
  await removeTempDir(work);
});

test(`apt-get update in another process during ${CHANGES} publications: no hash-sum mismatch, no signature error`, async (t) => {
  const keyFile = await fetchRepoKey(service, work);
  const script = fileURLToPath(new URL('./helpers/apt-update-loop.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, service.aptUrl, 'stubdom', keyFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.on('exit', (code) => reject(new Error(`apt loop exited early (${code}): ${output.join('\n')}`)));
  });
  lines.on('line', (line) => {
    output.push(line);
    if (line === 'ready') ready();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

  let publications = 0;
  try {
    await isReady;
    const releases = new Set<string>();
    for (let i = 1; i <= CHANGES; i++) {
      // Mostly a new version of one package (the index keeps the newest), every tenth a new package.
      const deb =
        i % 10 === 0
          ? syntheticDebBytes({ name: `libnew${i}`, version: '1.0-1' })
          : syntheticDebBytes({ name: 'libchurn', version: `1.0-${i}` });
      const res = await uploadDebs(service, [deb]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.packages[0].outcome, 'added');
      if (res.body.publication.releaseSha256) releases.add(res.body.publication.releaseSha256);
    }
    publications = releases.size;
  } finally {
    child.stdin.end();
  }
  assert.equal(await exited, 0, output.join('\n'));
  const report = JSON.parse(output.at(-1) ?? '{}') as AptLoopReport;
  const summary = `${report.updates} apt-get updates during ${publications} publications of ${CHANGES} changes`;
  t.diagnostic(summary);
  process.stdout.write(`# ${summary}\n`);
  assert.equal(publications, CHANGES, 'each change was published on its own');
  assert.ok(report.updates >= 10, `only ${report.updates} updates ran alongside the publications`);
  assert.equal(report.hashSumMismatches, 0, report.failures.join('\n---\n'));
  assert.equal(report.signatureErrors, 0, report.failures.join('\n---\n'));
  assert.equal(report.otherFailures, 0, report.failures.join('\n---\n'));
});
