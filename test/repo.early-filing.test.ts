// A bulk upload's parts land out of order, so early filing (src/repo/filing/early-filing.ts)
// may pass over a package that comes before the refused one in the request: in its batch after
// the refused one, or staged after the refusal. The refusal must still name the lowest refused
// package, and a package passed over is then read in place, never reported as an internal error.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addPackages } from '../src/repo/filing/add-packages.ts';
import { SourceStore, type StagedFile } from '../src/jobs/source-store.ts';
import { EarlyFiling } from '../src/repo/filing/early-filing.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';

let work: string;
let t: TestRepository;
before(async () => {
  work = await makeTempDir('stubbuild-early-inspection-');
  t = await createTestRepository();
});
after(async () => {
  await t.close();
  await removeTempDir(work);
});

const COUNT = 70;
const REFUSED = 60;
// Staged as they might land: the refused package before ten that precede it in the request.
const LANDING = [
  ...Array.from({ length: 50 }, (_, i) => i),
  REFUSED,
  ...Array.from({ length: COUNT - 50 }, (_, i) => 50 + i).filter((i) => i !== REFUSED),
];

async function upload(dir: string, badAlso?: number): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const path = await writeSyntheticDeb(join(work, dir), { name: `lib${dir}${String(i).padStart(2, '0')}`, version: '1:2.1~rc1+stub1-1' });
    if (i === REFUSED || i === badAlso) await writeFile(path, 'not a package at all');
    paths.push(path);
  }
  return paths;
}

const staged = (path: string): StagedFile => ({ name: path, tmpPath: path, sha256: '', sha1: '', md5: '', size: 0 });

async function refusalOf(paths: string[]): Promise<string> {
  const early = new EarlyFiling(t.repo, new SourceStore(work));
  for (const i of LANDING) early.staged(staged(paths[i]!), i);
  const debs = await early.finish();
  assert.ok(
    debs.every((d) => d.filed),
    'more packages than are filed in place: filed early',
  );
  try {
    await addPackages(t.db, t.repo, { debs, early });
  } catch (err) {
    assert.ok(isRepoError(err), `a refusal, not ${String(err)}`);
    return err.message;
  } finally {
    await early.settled();
  }
  assert.fail('the upload was accepted');
}

test('a package passed over after a refusal is read in place; the refused one is named', async () => {
  assert.match(await refusalOf(await upload('passed')), new RegExp(`^package ${REFUSED + 1} of ${COUNT}: not a Debian package`));
});

test('a bad package passed over after a later refusal is the one named', async () => {
  assert.match(await refusalOf(await upload('lower', 55)), new RegExp(`^package 56 of ${COUNT}: not a Debian package`));
});
