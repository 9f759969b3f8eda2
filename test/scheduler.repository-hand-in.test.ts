// What of the repository an attempt gets: the signed InRelease, its architecture's index as
// that InRelease lists it, and exactly the .debs its build-dependencies can resolve to.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { parseDeb822 } from '../src/debian/deb822.ts';
import { parseRelations } from '../src/debian/relations.ts';
import { dependencyClosure, type HandInFile, prepareRepositoryHandIn } from '../src/scheduler/repository-hand-in.ts';
import { publishSynthetic } from './helpers/dependency-fixtures.ts';
import { stubdomArches } from './helpers/stubdom-arches.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';

const index = (text: string) => parseDeb822(text.trim() + '\n');
const names = (ps: ReturnType<typeof index>) => ps.map((p) => p.fields.find((f) => f.name === 'Package')!.value).sort();

test('the closure follows names, Provides and Depends, every alternative, of the host architecture only', () => {
  const packages = index(`Package: stubdom-libc-dev
Provides: libc-dev

Package: libfoo-dev
Depends: libc6-dev | libc-dev, libfoo1 (= 1.0)

Package: libfoo1

Package: libbar-dev
Depends: libbaz-dev | libqux-dev, pkgconf:native

Package: libbaz-dev

Package: libqux-dev

Package: libunused-dev
`);
  const closure = dependencyClosure(packages, parseRelations('libfoo-dev, libbar-dev, zlib1g-dev:native').flat(), 'stubdom-amd64');
  assert.deepEqual(names(closure), ['libbar-dev', 'libbaz-dev', 'libfoo-dev', 'libfoo1', 'libqux-dev', 'stubdom-libc-dev']);
  assert.deepEqual(dependencyClosure(packages, [], 'stubdom-amd64'), []);
});

let r: TestRepository;
before(async () => {
  r = await createTestRepository();
  await publishSynthetic(r.db, r.repo, [
    { name: 'stubdom-libc-dev', version: '1.0', extraFields: { Provides: 'libc-dev' } },
    { name: 'libfoo-dev', version: '2:1.0~rc1+ds', extraFields: { Depends: 'libc6-dev | libc-dev' } },
    { name: 'libunused-dev', version: '1.0' },
    { name: 'libdocs', version: '1.0', arch: 'all' },
  ]);
});
after(() => r?.close());

const bytesOf = async (file: HandInFile | undefined): Promise<Buffer> => (file && 'content' in file ? file.content : readFile(file!.path));

test('an attempt gets the signed index and exactly the .debs its build-dependencies resolve to', async () => {
  const { dir, suite, component } = r.repo.settings;
  const handIn = await prepareRepositoryHandIn(
    r.db,
    { dir, suite, component, keyFile: `${dir}/key.asc` },
    {
      arch: 'stubdom-amd64',
      // debhelper comes from Debian; [linux-any] and <!nocheck> ones are not for this build
      buildDepends: 'debhelper-compat (= 13), libfoo-dev (>= 1:0), libdocs [linux-any], libunused-dev <!nocheck>',
      buildDependsArch: '',
      profiles: ['cross', 'nocheck'],
      arches: stubdomArches.table,
    },
  );
  const given = handIn.files.map((f) => f.name);
  assert.ok(given.includes('dists/stubdom/InRelease'));
  assert.ok(given.includes('dists/stubdom/main/binary-stubdom-amd64/Packages'));
  assert.deepEqual(given.filter((n) => n.startsWith('pool/')).sort(), [
    'pool/main/libf/libfoo-dev/libfoo-dev_1.0~rc1+ds_stubdom-amd64.deb',
    'pool/main/s/stubdom-libc-dev/stubdom-libc-dev_1.0_stubdom-amd64.deb',
  ]);
  assert.ok(!given.some((n) => n.includes('binary-all') || n.includes('/source/')), 'nothing of other indexes');
  const { published_generation } = await r.db.selectFrom('repo_suites').select('published_generation').executeTakeFirstOrThrow();
  assert.equal(handIn.generation, Number(published_generation));
  // the Packages handed in is the one the handed-in InRelease signs
  const inRelease = (await bytesOf(handIn.files.find((f) => f.name.endsWith('InRelease')))).toString('utf8');
  const packages = await bytesOf(handIn.files.find((f) => f.name.endsWith('binary-stubdom-amd64/Packages')));
  const sha = createHash('sha256').update(packages).digest('hex');
  assert.match(inRelease, new RegExp(`^ ${sha} +${packages.length} main/binary-stubdom-amd64/Packages$`, 'm'));
});

test('a publication after the hand-in was made changes nothing of it: its InRelease still signs its index', async () => {
  const { dir, suite, component } = r.repo.settings;
  const request = { arch: 'stubdom-amd64', buildDepends: 'libfoo-dev', buildDependsArch: '', profiles: [], arches: stubdomArches.table };
  const handIn = await prepareRepositoryHandIn(r.db, { dir, suite, component, keyFile: `${dir}/key.asc` }, request);
  await publishSynthetic(r.db, r.repo, [{ name: 'libnewer-dev', version: '1.0+b1' }]);
  // what packFiles hands in now, after the publication
  const inRelease = (await bytesOf(handIn.files.find((f) => f.name.endsWith('InRelease')))).toString('utf8');
  const indexes = handIn.files.filter((f) => f.name.includes('/binary-stubdom-amd64/'));
  assert.ok(indexes.length >= 2, indexes.map((f) => f.name).join(' '));
  for (const file of indexes) {
    const bytes = await bytesOf(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const listed = file.name.slice('dists/stubdom/'.length).replace(/[.+]/g, '\\$&');
    assert.match(
      inRelease,
      new RegExp(`^ ${sha} +${bytes.length} ${listed}$`, 'm'),
      `${file.name} is the one the handed-in InRelease signs`,
    );
  }
});
