// Package rows go into the database as newline-separated text columns
// (src/repo/rows/package-rows.ts): every value must come back exactly, and a value that would
// break the columns apart is refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertPackageRows, type NewPackageRow } from '../src/repo/rows/package-rows.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';

let t: TestRepository;
before(async () => {
  t = await createTestRepository();
});
after(async () => {
  await t.close();
});

function row(i: number, extra: Partial<NewPackageRow> = {}): NewPackageRow {
  const name = `librow${String(i).padStart(5, '0')}`;
  return {
    name,
    version: `1:${i}.0~rc1+b1-1`,
    architecture: 'stubdom-amd64',
    source: `src${i}`,
    sourceVersion: '1.0-1',
    poolPath: `pool/main/s/src${i}/${name}_${i}.0~rc1+b1-1_stubdom-amd64.deb`,
    size: 1000 + i,
    sha256: 'a'.repeat(63) + (i % 10),
    md5: 'b'.repeat(31) + (i % 10),
    stanza: `Package: ${name}\nDescription: row ${i} with "quotes", tabs\tand a backslash \\n\n .\n ünïcode line\n`,
    ...extra,
  };
}

test('rows come back exactly as written, in one statement however many there are', async () => {
  const of = { suite: t.repo.settings.suite, jobId: null, generation: 7 };
  const rows = Array.from({ length: 2500 }, (_, i) => row(i));
  await insertPackageRows(t.db, of, rows);
  await insertPackageRows(t.db, of, []);
  const stored = await t.db.selectFrom('repo_packages').selectAll().where('name', 'like', 'librow%').orderBy('name').execute();
  assert.deepEqual(
    stored.map((r) => ({
      name: r.name,
      version: r.version,
      architecture: r.architecture,
      source: r.source,
      sourceVersion: r.source_version,
      poolPath: r.pool_path,
      size: Number(r.size),
      sha256: r.sha256,
      md5: r.md5,
      stanza: r.stanza,
    })),
    rows,
  );
  assert.ok(stored.every((r) => Number(r.generation) === 7 && r.job_id === null && r.suite === of.suite));
});

test('a value that would break the columns apart is refused, and a row the table refuses leaves none', async () => {
  const of = { suite: t.repo.settings.suite, jobId: null, generation: 8 };
  await assert.rejects(insertPackageRows(t.db, of, [row(90001, { version: '1.0\n2' })]), /version value holds a newline/);
  await assert.rejects(insertPackageRows(t.db, of, [row(90002, { stanza: 'Package: a\n\nPackage: b\n' })]), /not one deb822 paragraph/);
  await assert.rejects(insertPackageRows(t.db, of, [row(90003, { stanza: 'Package: a' })]), /not one deb822 paragraph/);
  const rows = Array.from({ length: 1500 }, (_, i) => row(80000 + i, i === 200 ? { sha256: 'A'.repeat(64) } : {}));
  await assert.rejects(insertPackageRows(t.db, of, rows), /repo_packages_sha256_check/);
  const left = await t.db.selectFrom('repo_packages').select('name').where('generation', '=', 8).execute();
  assert.deepEqual(left, []);
});
