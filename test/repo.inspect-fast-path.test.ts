// Small, plain packages are inspected in memory; the result must be exactly what the
// streaming reader finds, and anything unusual must go to the streaming reader.
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { inspectDeb, inspectDebStreaming, type DebInfo } from '../src/repo/deb/inspect-deb.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { buildDeb, makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';

const OPTS = { allowedArchitectures: ['stubdom-amd64', 'all'], maxControlBytes: 65536, maxUncompressedBytes: 1 << 24 };
let work: string;
before(async () => {
  work = await makeTempDir('stubbuild-fast-');
});
after(async () => {
  await removeTempDir(work);
});

function withoutFile(info: DebInfo): Omit<DebInfo, 'file'> {
  const { file: _file, ...rest } = info;
  return rest;
}

// [name, make, whether the fast path takes it]
const cases: [string, () => Promise<string>, boolean][] = [
  ['a synthetic gzip package', () => writeSyntheticDeb(work, { name: 'libfast1', version: '1.0-1' }), true],
  ['dpkg-deb -Zgzip', () => buildDeb(work, { name: 'libfast2', compression: 'gzip' }), true],
  ['dpkg-deb -Znone', () => buildDeb(work, { name: 'libfast3', compression: 'none' }), true],
  ['dpkg-deb -Zxz', () => buildDeb(work, { name: 'libfast4', compression: 'xz' }), false],
  ['Architecture: all', () => buildDeb(work, { name: 'libfast5', compression: 'gzip', arch: 'all' }), true],
  [
    'a file name longer than 100 bytes (a GNU long-name record)',
    () => buildDeb(work, { name: 'libfast6', compression: 'gzip', files: { [`usr/share/doc/libfast6/${'x'.repeat(120)}`]: 'long\n' } }),
    false,
  ],
];

for (const [name, make, fast] of cases) {
  test(`${name}: ${fast ? 'in memory' : 'streamed'}, the same result as the streaming reader`, async () => {
    const path = await make();
    const info = await inspectDeb(path, OPTS);
    // Only the in-memory path records the file it read.
    assert.equal(info.file !== undefined, fast);
    assert.deepEqual(withoutFile(info), withoutFile(await inspectDebStreaming(path, OPTS)));
  });
}

test('trailing garbage after data.tar.gz is judged by the streaming reader', async () => {
  const path = await buildDeb(work, { name: 'libfast7', compression: 'gzip', fileName: 'trailing.deb' });
  await appendFile(path, 'junk');
  const fast = await inspectDeb(path, OPTS).then(withoutFile, (err: unknown) => err);
  const streamed = await inspectDebStreaming(path, OPTS).then(withoutFile, (err: unknown) => err);
  assert.deepEqual(fast, streamed);
});

test("a refusal on the fast path is the streaming reader's refusal", async () => {
  const path = await buildDeb(work, { name: 'libfast8', compression: 'gzip', arch: 'amd64', fileName: 'amd64.deb' });
  const fast = await inspectDeb(path, OPTS).catch((e: unknown) => e);
  const streamed = await inspectDebStreaming(path, OPTS).catch((e: unknown) => e);
  assert.ok(isRepoError(fast, 'wrong-architecture'));
  assert.equal((fast as Error).message, (streamed as Error).message);
});
