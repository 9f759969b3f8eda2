// Broken, hostile and conflicting uploads to POST /v1/admin/packages are
// refused with a problem+json that says why, and the repository does not change: the
// Release and InRelease bytes, every row of the repository tables, and the files under
// REPO_DIR and DATA_DIR are the same before and after.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { snapshotState } from './helpers/db-snapshot.ts';
import {
  buildBombDeb,
  buildDeb,
  buildDebWithoutControl,
  buildDebWithoutData,
  buildNotArDeb,
  makeTempDir,
  removeTempDir,
} from './helpers/deb-fixtures.ts';
import { multipartBody } from './helpers/source-package.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

const LIMIT = 16 * 1024 * 1024;
let t: TestApp;
let work: string;

before(async () => {
  work = await makeTempDir('stubbuild-refusals-');
  t = await createTestApp({ REPO_MAX_UNPACKED_BYTES: String(LIMIT), MAX_UPLOAD_FILE_BYTES: String(256 * 1024) });
  // Something to conflict with, and a published state that must survive each refusal.
  const seeded = await post([
    syntheticDebBytes({ name: 'libdup1', version: '1.0-1' }),
    syntheticDebBytes({ name: 'libkeep1', version: '2.0-1' }),
  ]);
  assert.equal(seeded.statusCode, 200, seeded.body);
});

after(async () => {
  await t.close();
  await removeTempDir(work);
});

function post(debs: Buffer[], query = '') {
  const body = multipartBody(debs.map((content, i) => ({ name: `part-${i}.deb`, content })));
  return t.app.inject({
    method: 'POST',
    url: `/v1/admin/packages${query}`,
    headers: { ...bearer(t.adminToken), ...body.headers },
    payload: body.payload,
  });
}

async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    // Directories by name only: no pool directory may be left behind, even an empty one.
    if (entry.isDirectory()) out.push(`${relative(root, path)}/`);
    if (!entry.isFile()) continue;
    const info = await stat(path);
    out.push(`${relative(root, path)} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

/** Everything a refused upload must leave as it was. */
async function repositoryState(): Promise<unknown> {
  const suite = join(t.repo.settings.dir, 'dists/stubdom');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  return {
    release: sha(await readFile(join(suite, 'Release'))),
    inRelease: sha(await readFile(join(suite, 'InRelease'))),
    suites: await t.db.selectFrom('repo_suites').selectAll().execute(),
    packages: await t.db.selectFrom('repo_packages').selectAll().orderBy('id').execute(),
    sources: await t.db.selectFrom('repo_sources').selectAll().orderBy('id').execute(),
    tree: await listTree(t.repo.settings.dir),
    dataDir: await snapshotState(t.db, t.dataDir),
  };
}

interface Refusal {
  name: string;
  debs: () => Promise<Buffer[]>;
  status: number;
  type: string;
  detail: RegExp;
}

const file = (path: Promise<string>) => path.then((p) => readFile(p));

const refusals: Refusal[] = [
  {
    name: 'a file that is not an ar archive',
    debs: async () => [await file(buildNotArDeb(work))],
    status: 422,
    type: 'not-ar',
    detail: /not a Debian package: the file is not an ar archive/,
  },
  {
    name: 'an empty file',
    debs: async () => [Buffer.alloc(0)],
    status: 422,
    type: 'not-ar',
    detail: /not an ar archive/,
  },
  {
    name: 'the wrong architecture (amd64)',
    debs: async () => [await file(buildDeb(work, { name: 'libwrongarch', arch: 'amd64', fileName: 'wrongarch.deb' }))],
    status: 422,
    type: 'wrong-architecture',
    detail: /built for "amd64"; this repository accepts stubdom-amd64, all/,
  },
  ...['Package', 'Version', 'Architecture'].map((field): Refusal => ({
    name: `no ${field} field in the control file`,
    debs: async () => [await file(buildDeb(work, { name: 'libnofield', omit: [field], fileName: `no-${field}.deb` }))],
    status: 422,
    type: 'missing-field',
    detail: new RegExp(`the control file has no ${field} field`),
  })),
  {
    name: 'no data.tar member',
    debs: async () => [await file(buildDebWithoutData(work))],
    status: 422,
    type: 'missing-data',
    detail: /the package has no data\.tar member/,
  },
  {
    name: 'no control.tar member',
    debs: async () => [await file(buildDebWithoutControl(work))],
    status: 422,
    type: 'missing-control',
    detail: /no control archive/,
  },
  {
    name: 'the same name and version with different content',
    debs: async () => [syntheticDebBytes({ name: 'libdup1', version: '1.0-1', readme: 'a different build\n' })],
    status: 409,
    type: 'version-conflict',
    detail: /libdup1 1\.0-1 \(stubdom-amd64\) is already in the repository with different content/,
  },
  {
    name: 'the same name and version twice in one upload, different content',
    debs: async () => [
      syntheticDebBytes({ name: 'libtwice1', version: '1.0-1' }),
      syntheticDebBytes({ name: 'libtwice1', version: '1.0-1', readme: 'other\n' }),
    ],
    status: 409,
    type: 'version-conflict',
    detail: /libtwice1 1\.0-1 \(stubdom-amd64\) is given twice with different content/,
  },
  {
    name: 'a package name with path characters',
    debs: async () => [syntheticDebBytes({ name: '../../../etc/evil', version: '1.0-1' })],
    status: 422,
    type: 'bad-name',
    detail: /"\.\.\/\.\.\/\.\.\/etc\/evil" is not a valid package name/,
  },
  {
    name: 'a source name with path characters',
    debs: async () => [syntheticDebBytes({ name: 'libevilsrc', version: '1.0-1', extraFields: { Source: 'x/../../../tmp' } })],
    status: 422,
    type: 'bad-name',
    detail: /is not a valid source package name/,
  },
  {
    name: 'a version with path characters',
    debs: async () => [syntheticDebBytes({ name: 'libevilver', version: '1.0/../../x' })],
    status: 422,
    type: 'bad-version',
    detail: /is not a valid Debian version/,
  },
  ...(['gzip', 'xz', 'zstd'] as const).map((compression): Refusal => ({
    name: `a decompression bomb (data.tar.${compression} expanding to 64 MiB, limit 16 MiB)`,
    debs: async () => [await file(buildBombDeb(work, { member: 'data', compression, expandedBytes: 64 * 1024 * 1024 }))],
    status: 413,
    type: 'too-large',
    detail: /expands beyond the limit of 16777216 uncompressed bytes .*possible decompression bomb/,
  })),
  {
    name: 'a file over MAX_UPLOAD_FILE_BYTES (cut off while streaming)',
    debs: async () => [Buffer.alloc(300 * 1024, 0x61)],
    status: 413,
    type: 'too-large',
    detail: /larger than the limit of 262144 bytes/,
  },
  {
    name: 'one bad package among good ones (none of them is added)',
    debs: async () => [
      syntheticDebBytes({ name: 'libgood1', version: '1.0-1' }),
      await file(buildNotArDeb(work)),
      syntheticDebBytes({ name: 'libgood2', version: '1.0-1' }),
    ],
    status: 422,
    type: 'not-ar',
    detail: /^package 2 of 3: not a Debian package/,
  },
];

for (const r of refusals) {
  test(`refused: ${r.name} → ${r.status} ${r.type}, the repository unchanged`, async () => {
    const debs = await r.debs();
    const before = await repositoryState();
    const res = await post(debs);
    assert.equal(res.statusCode, r.status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.type, `urn:stubbuild:problem:${r.type}`);
    assert.equal(problem.status, r.status);
    assert.match(problem.detail, r.detail);
    assert.deepEqual(await repositoryState(), before);
  });
}

test('force=true replaces the same name and version (the refusal above is only without it)', async () => {
  const res = await post([syntheticDebBytes({ name: 'libdup1', version: '1.0-1', readme: 'a different build\n' })], '?force=true');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().packages[0].outcome, 'replaced');
});
