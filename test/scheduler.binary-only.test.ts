// A source version is published once: the build of the same input for another architecture
// publishes its binaries only; a build of other input under a published version does not get
// to skip its source (publication then refuses it, as for any changed published version).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sourcePublishedFromSameInput } from '../src/scheduler/binary-only.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let dscPath: string;
let tokenId: string;

before(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'stubbuild-binary-only-'));
  dscPath = path.join(dir, 'zlib_1.2.13.dfsg-1+stubdom1.dsc');
  await writeFile(
    dscPath,
    'Format: 3.0 (quilt)\nSource: zlib\nBinary: zlib1g-dev\nArchitecture: any\nVersion: 1:1.2.13.dfsg-1+stubdom1\n' +
      'Checksums-Sha256:\n e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 zlib_1.2.13.dfsg.orig.tar.gz\n',
  );
  tokenId = (await createToken(t.db, { role: 'submit', name: 'binary-only' })).id;
  await t.db
    .insertInto('repo_suites')
    .values({ suite: 'stubdom', codename: 'stubdom', component: 'main', origin: 'o', label: 'l', architectures: ['stubdom-amd64'] })
    .execute();
});
after(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

async function job(arch: string, dscSha: string): Promise<number> {
  const { id } = await t.db
    .insertInto('jobs')
    .values({ state: 'building', origin: 'archive', source: 'zlib', version: '1:1.2.13.dfsg-1', arch, submitted_by: tokenId })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('job_files')
    .values([
      { job_id: id, name: 'zlib_1.2.13.dfsg-1.dsc', sha256: dscSha, size: 1 },
      { job_id: id, name: 'zlib_1.2.13.dfsg.orig.tar.gz', sha256: 'b'.repeat(64), size: 1 },
    ])
    .execute();
  return id;
}

test('the build of the same input for a second architecture publishes binaries only; other input does not skip its source', async () => {
  const newlib = await job('stubdom-amd64', 'a'.repeat(64));
  const rump = await job('stubdom-rumprun-amd64', 'a'.repeat(64));
  const changed = await job('stubdom-rumprun-amd64', 'c'.repeat(64));
  assert.equal(await sourcePublishedFromSameInput(t.db, 'stubdom', newlib, dscPath), undefined, 'nothing published yet');

  await t.db
    .insertInto('repo_sources')
    .values({
      suite: 'stubdom',
      name: 'zlib',
      version: '1:1.2.13.dfsg-1+stubdom1',
      directory: 'pool/main/z/zlib',
      pool_paths: [],
      stanza: '',
      job_id: newlib,
      generation: 1,
    })
    .execute();
  assert.equal(await sourcePublishedFromSameInput(t.db, 'stubdom', rump, dscPath), 'zlib 1:1.2.13.dfsg-1+stubdom1');
  assert.equal(await sourcePublishedFromSameInput(t.db, 'stubdom', changed, dscPath), undefined, 'other input under the same version');
  assert.equal(await sourcePublishedFromSameInput(t.db, 'other-suite', rump, dscPath), undefined, 'another suite');
});
