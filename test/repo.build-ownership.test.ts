// A build publishes only its own packages: the rules (dak's, for a buildd), and the refusal
// inside addPackages, under the suite's lock, of a name another source owns.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type BuildClaim, type BuiltBinary, findOwnershipViolation } from '../src/repo/filing/build-ownership.ts';
import { addPackages } from '../src/repo/filing/add-packages.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';

const claim: BuildClaim = {
  source: 'zlib',
  version: '1:1.2.13.dfsg-1',
  arch: 'stubdom-amd64',
  declared: ['zlib1g', 'zlib1g-dev'],
  allowTakeover: [],
};
const own = (extra: Partial<BuiltBinary> = {}): BuiltBinary => ({
  package: 'zlib1g-dev',
  version: '1:1.2.13.dfsg-1',
  architecture: 'stubdom-amd64',
  source: 'zlib',
  sourceVersion: '1:1.2.13.dfsg-1',
  ...extra,
});
const none = new Map<string, string>();

test("the job's own binaries pass, with the port's and the binNMU's suffixes", () => {
  assert.equal(findOwnershipViolation(claim, [own()], none), undefined);
  assert.equal(
    findOwnershipViolation(claim, [own({ version: '1:1.2.13.dfsg-1+stubdom1', sourceVersion: '1:1.2.13.dfsg-1+stubdom1' })], none),
    undefined,
  );
  assert.equal(
    findOwnershipViolation(claim, [own({ version: '1:1.2.13.dfsg-1+stubdom2+b3', sourceVersion: '1:1.2.13.dfsg-1+stubdom2' })], none),
    undefined,
  );
  assert.equal(findOwnershipViolation(claim, [own({ version: '1:1.2.13.dfsg-1+b1' })], none), undefined);
});

test('automatic debug packages of declared binaries pass; other -dbgsym names do not', () => {
  assert.equal(findOwnershipViolation(claim, [own({ package: 'zlib1g-dbgsym', autoBuilt: 'debug-symbols' })], none), undefined);
  assert.match(findOwnershipViolation(claim, [own({ package: 'zlib1g-dbgsym' })], none)!, /^zlib1g-dbgsym 1:1.2.13.dfsg-1: not declared/);
  assert.match(
    findOwnershipViolation(claim, [own({ package: 'libc6-dbgsym', autoBuilt: 'debug-symbols' })], none)!,
    /^libc6-dbgsym .*: not declared/,
  );
});

test('a binary of another source or version is refused, naming it', () => {
  assert.equal(
    findOwnershipViolation(
      claim,
      [own(), own({ package: 'stubdom-libc-dev', version: '99:1', source: 'stubdom-base', sourceVersion: '99:1' })],
      none,
    ),
    "stubdom-libc-dev 99:1: its source is stubdom-base 99:1, not the job's zlib 1:1.2.13.dfsg-1",
  );
  assert.match(
    findOwnershipViolation(claim, [own({ sourceVersion: '1:1.2.14-1' })], none)!,
    /^zlib1g-dev 1:1.2.13.dfsg-1: its source is zlib 1:1.2.14-1/,
  );
  // A suffix of the service's shape, but on another version, is still another version.
  assert.match(findOwnershipViolation(claim, [own({ sourceVersion: '1:1.2.13.dfsg-2+stubdom1' })], none)!, /its source is/);
});

test('an undeclared binary of the right source is refused', () => {
  assert.equal(
    findOwnershipViolation(claim, [own({ package: 'stubdom-libc-dev', version: '99:1' })], none),
    "stubdom-libc-dev 99:1: not declared by zlib's .dsc (Binary: zlib1g, zlib1g-dev)",
  );
});

test("a binary of another architecture than the job's is refused; Architecture: all is anyone's", () => {
  assert.equal(findOwnershipViolation(claim, [own({ architecture: 'all' })], none), undefined);
  assert.equal(
    findOwnershipViolation(claim, [own({ architecture: 'stubdom-rumprun-amd64' })], none),
    "zlib1g-dev 1:1.2.13.dfsg-1: built for stubdom-rumprun-amd64, not the job's architecture stubdom-amd64",
  );
});

test('a name another source owns is refused unless an admin allowed the takeover', () => {
  const owners = new Map([['zlib1g-dev', 'zlib-ng']]);
  assert.equal(
    findOwnershipViolation(claim, [own()], owners),
    'zlib1g-dev 1:1.2.13.dfsg-1: owned by source zlib-ng in the repository (an admin may allow the takeover)',
  );
  assert.equal(findOwnershipViolation({ ...claim, allowTakeover: ['zlib1g-dev'] }, [own()], owners), undefined);
});

let r: TestRepository;
let dir: string;
before(async () => {
  r = await createTestRepository();
  dir = await makeTempDir('stubbuild-ownership-');
});
after(async () => {
  await r.close();
  await removeTempDir(dir);
});

test('addPackages with a claim refuses a name another source owns and keeps nothing of the request', async () => {
  const base = await writeSyntheticDeb(join(dir, 'base'), {
    name: 'stubdom-libc-dev',
    version: '1.0',
    extraFields: { Source: 'stubdom-base' },
  });
  await addPackages(r.db, r.repo, { debs: [{ path: base }] });
  const poolBefore = await readdir(join(r.repo.settings.dir, 'pool', 'main'), { recursive: true });

  const mine = await writeSyntheticDeb(join(dir, 'mine'), {
    name: 'libevil-dev',
    version: '2:1.0~rc1+ds',
    extraFields: { Source: 'libevil' },
  });
  const impostor = await writeSyntheticDeb(join(dir, 'impostor'), {
    name: 'stubdom-libc-dev',
    version: '2:1.0~rc1+ds',
    extraFields: { Source: 'libevil' },
  });
  const evil: BuildClaim = {
    source: 'libevil',
    version: '2:1.0~rc1+ds',
    arch: 'stubdom-amd64',
    declared: ['libevil-dev', 'stubdom-libc-dev'],
    allowTakeover: [],
  };
  await assert.rejects(
    addPackages(r.db, r.repo, { debs: [{ path: mine }, { path: impostor }], claim: evil }),
    (error: unknown) =>
      isRepoError(error, 'ownership') && /^stubdom-libc-dev 2:1.0~rc1\+ds: owned by source stubdom-base/.test((error as Error).message),
  );
  const rows = await r.db.selectFrom('repo_packages').select(['name', 'version', 'source']).orderBy('name').execute();
  assert.deepEqual(rows, [{ name: 'stubdom-libc-dev', version: '1.0', source: 'stubdom-base' }]);
  assert.deepEqual(
    await readdir(join(r.repo.settings.dir, 'pool', 'main'), { recursive: true }),
    poolBefore,
    'the refused request left no pool file',
  );

  // The same request with the takeover allowed goes through.
  const added = await addPackages(r.db, r.repo, {
    debs: [{ path: mine }, { path: impostor }],
    claim: { ...evil, allowTakeover: ['stubdom-libc-dev'] },
  });
  assert.deepEqual(added.packages.map((p) => `${p.name} ${p.outcome}`).sort(), ['libevil-dev added', 'stubdom-libc-dev added']);
});
