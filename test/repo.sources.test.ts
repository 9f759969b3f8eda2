// Source packages published beside their binaries (what the build pipeline will do): the
// .dsc and its files in the pool, a Sources stanza apt reads.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getField, parseDeb822 } from '../src/debian/deb822.ts';
import { isRepoError } from '../src/repo/repo-error.ts';
import { publishPackages } from '../src/repo/publish/publish-repository.ts';
import { createAptClient } from './helpers/apt-client.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { fetchRepoKey, startService, type RunningService } from './helpers/running-service.ts';
import { makeSourcePackage, type SourcePackage } from './helpers/source-package.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';

let work: string;
let service: RunningService;
let source: SourcePackage;

before(async () => {
  work = await makeTempDir('stubbuild-sources-');
  service = await startService();
  source = makeSourcePackage({ name: 'libstubtiny', version: '1.0' });
});
after(async () => {
  source?.cleanup();
  await service?.close();
  await removeTempDir(work);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function sourceInput(s: SourcePackage) {
  return {
    dsc: { name: s.dscName, path: join(s.dir, s.dscName) },
    files: s.files.filter((f) => f.name !== s.dscName).map((f) => ({ name: f.name, path: join(s.dir, f.name) })),
  };
}

test('a source package is published: Sources lists it, its files are in the pool, apt accepts deb-src', async () => {
  const deb = await writeSyntheticDeb(work, { name: 'libstubtiny-dev', version: '1.0', extraFields: { Source: 'libstubtiny' } });
  const res = await publishPackages(service.db, service.repo, { debs: [{ path: deb }], sources: [sourceInput(source)] });
  assert.deepEqual(res.sources, [{ name: 'libstubtiny', version: '1.0', directory: 'pool/main/libs/libstubtiny', outcome: 'added' }]);
  assert.equal(res.packages[0]!.filename, 'pool/main/libs/libstubtiny/libstubtiny-dev_1.0_stubdom-amd64.deb');

  const sources = parseDeb822(await readFile(join(service.repo.settings.dir, 'dists/stubdom/main/source/Sources'), 'utf8'));
  assert.equal(sources.length, 1);
  assert.equal(getField(sources[0]!, 'Package'), 'libstubtiny');
  assert.equal(getField(sources[0]!, 'Directory'), 'pool/main/libs/libstubtiny');
  const listed = getField(sources[0]!, 'Checksums-Sha256')!
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  assert.deepEqual(listed.map((l) => l[2]).sort(), source.files.map((f) => f.name).sort());
  for (const [hash, , name] of listed) {
    const res = await fetch(`${service.aptUrl}/pool/main/libs/libstubtiny/${name}`);
    assert.equal(res.status, 200, name);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), hash, name);
  }

  const keyFile = await fetchRepoKey(service, work);
  const client = await createAptClient({ url: service.aptUrl, suite: 'stubdom', keyFile, withSources: true });
  try {
    const update = await client.aptUpdate();
    assert.equal(update.code, 0, update.stdout + update.stderr);
    assert.doesNotMatch(update.stdout + update.stderr, /^(W|E):/m);
  } finally {
    await client.close();
  }
});

test('a .dsc whose file does not match is refused, and nothing changes', async () => {
  const broken = makeSourcePackage({ name: 'libstubbroken', version: '1.0' });
  try {
    const input = sourceInput(broken);
    await writeFile(input.files[0]!.path, 'not what the .dsc says\n');
    const before = await service.db.selectFrom('repo_sources').selectAll().execute();
    await assert.rejects(publishPackages(service.db, service.repo, { debs: [], sources: [input] }), (err: unknown) => {
      assert.ok(isRepoError(err, 'bad-dsc'));
      assert.match(err.message, /does not match the \.dsc/);
      return true;
    });
    assert.deepEqual(await service.db.selectFrom('repo_sources').selectAll().execute(), before);
  } finally {
    broken.cleanup();
  }
});

test('the same source version with a different .dsc is a conflict', async () => {
  const rebuilt = makeSourcePackage({ name: 'libstubtiny', version: '1.0' });
  try {
    await assert.rejects(publishPackages(service.db, service.repo, { debs: [], sources: [sourceInput(rebuilt)] }), (err: unknown) =>
      isRepoError(err, 'version-conflict'),
    );
  } finally {
    rebuilt.cleanup();
  }
});
