// Requests with many packages are inspected on the filing threads (src/repo/filing/filing-threads.ts);
// a few are inspected in place. Both must give the same results, and a refusal on a thread
// must leave nothing behind, as in place.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { FilingThreads, PrepareFailure } from '../src/repo/filing/filing-threads.ts';
import { prepareDeb, type PrepareDebOptions } from '../src/repo/filing/prepare-deb.ts';
import { addPackages } from '../src/repo/filing/add-packages.ts';
import type { FiledDeb } from '../src/repo/filing/file-deb-early.ts';
import { hashBytes } from '../src/stream-hash.ts';
import { publishPackages } from '../src/repo/publish/publish-repository.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { buildDeb, buildNotArDeb, makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository } from './helpers/test-repo.ts';
import { waitFor } from './helpers/wait-for.ts';

const run = promisify(execFile);
let work: string;
before(async () => {
  work = await makeTempDir('stubbuild-filing-');
});
after(async () => {
  await removeTempDir(work);
});

async function syntheticDebs(dir: string, prefix: string, n: number): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++)
    paths.push(await writeSyntheticDeb(join(work, dir), { name: `${prefix}${String(i).padStart(3, '0')}`, version: '1.0-1' }));
  return paths;
}

const options: PrepareDebOptions = {
  component: 'main',
  allowedArchitectures: ['stubdom-amd64', 'all'],
  maxControlBytes: 1 << 20,
  maxUncompressedBytes: 1 << 26,
};

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.sort();
}

test("a bulk upload's packages held in memory are staged, inspected and linked on a thread; refused ones never reach the disk", async () => {
  const paths = await syntheticDebs('early', 'libearly', 3);
  const bytes = await Promise.all(paths.map((p) => readFile(p)));
  bytes[1] = Buffer.from('not a package at all');
  const staging = join(work, 'early-staging');
  const repoDir = join(work, 'early-repo');
  await mkdir(staging, { recursive: true });
  const threads = new FilingThreads(1);
  try {
    const debs = bytes.map((b, i) => ({ stagingPath: join(staging, `upload.${i}`), bytes: b, digests: hashBytes(b, ['sha256', 'md5']) }));
    const answers = await threads.fileBatch(debs, options, repoDir);
    assert.equal(answers.length, 2, 'the batch stops at the refused package');
    const filed = answers[0] as FiledDeb;
    assert.deepEqual(filed.prepared, {
      ...(await prepareDeb(paths[0]!, options)),
      info: { ...filed.prepared.info, file: filed.prepared.info.file },
    });
    assert.equal(filed.linked.placement, 'created');
    assert.ok(filed.stagingRemoved, 'linked as the inspected file: the staging file is gone');
    assert.deepEqual(await readFile(join(repoDir, filed.prepared.poolPath)), bytes[0]);
    assert.equal(((await stat(join(repoDir, filed.prepared.poolPath))).mode & 0o777).toString(8), '644');
    assert.ok(isRepoError(answers[1]), `a refusal, not ${String(answers[1])}`);
    assert.deepEqual(await readdir(staging), [], 'the refused package was never written');
  } finally {
    await threads.close();
  }
});

test('the threads prepare exactly what the main thread would', async () => {
  const paths = await syntheticDebs('same', 'libsame', 150);
  const threads = new FilingThreads(2);
  try {
    const heard: number[] = [];
    const onThreads = await threads.prepareAll(paths, options, (p, i) => {
      assert.equal(p.info.package, `libsame${String(i).padStart(3, '0')}`, 'each result is heard with its own index');
      heard.push(i);
    });
    const inPlace = [];
    for (const path of paths) inPlace.push(await prepareDeb(path, options));
    assert.equal(onThreads.length, 150);
    assert.deepEqual(onThreads, inPlace, 'the same pool paths, stanzas, hashes, sizes and file identities, in order');
    assert.deepEqual(
      heard.sort((a, b) => a - b),
      [...paths.keys()],
      'every result was reported as it came back',
    );
  } finally {
    await threads.close();
  }
});

test('a listener that throws stops the rest and names its package', async () => {
  const paths = await syntheticDebs('listener', 'liblistener', 200);
  const threads = new FilingThreads(1);
  try {
    const heard: number[] = [];
    await assert.rejects(
      threads.prepareAll(paths, options, (_, i) => {
        heard.push(i);
        if (i === 10) throw new Error('no room in the pool');
      }),
      (err: unknown) => {
        assert.ok(err instanceof PrepareFailure && err.index === 10 && /no room/.test(err.message), String(err));
        return true;
      },
    );
    // The thread's second batch (64-127) was already out; its results are not handed on.
    assert.deepEqual(heard, [...Array(11).keys()]);
  } finally {
    await threads.close();
  }
});

test('answers that come back out of order still go to their own packages', async () => {
  // xz packages take the streaming reader, which yields; the plain gzip ones behind them, in
  // the thread's next batch, finish first.
  const slow = [];
  await mkdir(join(work, 'order'), { recursive: true });
  for (let i = 0; i < 3; i++) slow.push(await buildDeb(join(work, 'order'), { name: `libslow${i}`, version: '2.0-1', compression: 'xz' }));
  const paths = [...slow, ...(await syntheticDebs('order', 'liborder', 200))];
  const threads = new FilingThreads(1);
  try {
    const prepared = await threads.prepareAll(paths, options, () => undefined);
    assert.deepEqual(
      prepared.map((p) => p.info.package),
      [...['libslow0', 'libslow1', 'libslow2'], ...Array.from({ length: 200 }, (_, i) => `liborder${String(i).padStart(3, '0')}`)],
    );
  } finally {
    await threads.close();
  }
});

test('a refusal on a thread names the first bad package and leaves the repository as it was', async () => {
  const t = await createTestRepository();
  try {
    const paths = await syntheticDebs('refused', 'librefused', 120);
    paths.splice(70, 0, await buildNotArDeb(join(work, 'refused')));
    paths.splice(100, 0, await writeSyntheticDeb(join(work, 'refused-arch'), { name: 'libwrongarch', version: '1.0-1', arch: 'amd64' }));
    const before = await listTree(join(t.repo.settings.dir, 'pool'));
    await assert.rejects(addPackages(t.db, t.repo, { debs: paths.map((path) => ({ path })) }), (err: unknown) => {
      assert.ok(isRepoError(err, 'not-ar'), String(err));
      assert.match((err as Error).message, /^package 71 of 122: not a Debian package/);
      return true;
    });
    assert.deepEqual(await listTree(join(t.repo.settings.dir, 'pool')), before, 'no pool directory or file is left');
    const rows = await t.db
      .selectFrom('repo_packages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), 0);

    // The same packages without the bad ones go in, through the same threads.
    const good = paths.filter((_, i) => i !== 70 && i !== 100);
    const added = await publishPackages(t.db, t.repo, { debs: good.map((path) => ({ path })) });
    assert.equal(added.packages.filter((p) => p.outcome === 'added').length, 120);
    assert.equal((await listTree(join(t.repo.settings.dir, 'pool/main/libr'))).filter((f) => f.endsWith('.deb')).length, 120);
  } finally {
    await t.close();
  }
});

test('closed threads start again on the next request', async () => {
  const paths = await syntheticDebs('restart', 'librestart', 40);
  const threads = new FilingThreads(1);
  try {
    await threads.start();
    await threads.close();
    const prepared = await threads.prepareAll(paths, options, () => undefined);
    assert.equal(prepared.length, 40);
  } finally {
    await threads.close();
  }
});

test('idle threads do not keep a process alive', async () => {
  const [path] = await syntheticDebs('idle', 'libidle', 1);
  // A process that prepares a package on a thread and then has nothing left to do must exit
  // by itself (the service closes the threads, but a CLI command or a test may not).
  const script = `
    import { FilingThreads } from ${JSON.stringify(new URL('../src/repo/filing/filing-threads.ts', import.meta.url).href)};
    const threads = new FilingThreads(2);
    const [p] = await threads.prepareAll([${JSON.stringify(path)}], ${JSON.stringify(options)}, () => undefined);
    console.log(p.poolPath);
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
  assert.equal(stdout.trim(), 'pool/main/libi/libidle000/libidle000_1.0-1_stubdom-amd64.deb');
});

test('the threads start on the first request that needs them, stop when idle, and start again', async () => {
  const paths = await syntheticDebs('lazy', 'liblazy', 70);
  const threads = new FilingThreads(1, 50);
  try {
    assert.equal(threads.running, false, 'no thread before any work');
    // What the service does when it starts: the threads' script, not the threads.
    await threads.prepare();
    assert.equal(threads.running, false, 'preparing the script starts no thread');
    assert.equal((await threads.prepareAll(paths, options, () => undefined)).length, 70);
    await waitFor('the idle threads to stop', () => !threads.running);
    const again = await threads.prepareAll(paths, options, () => undefined);
    assert.deepEqual(
      again.map((p) => p.poolPath),
      await Promise.all(paths.map(async (p) => (await prepareDeb(p, options)).poolPath)),
    );
  } finally {
    await threads.close();
  }
});
