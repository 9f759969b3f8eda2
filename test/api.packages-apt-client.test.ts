// A real apt client against the running service. Packages are seeded through
// POST /v1/admin/packages; apt trusts only the key the service publishes at /apt/key.asc.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createAptClient, type AptClient } from './helpers/apt-client.ts';
import { buildDeb, makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { fetchRepoKey, startService, uploadDebs, type RunningService } from './helpers/running-service.ts';

let work: string;
let service: RunningService;
let client: AptClient;
const published = new Map<string, { sha256: string; filename: string }>();

before(async () => {
  work = await makeTempDir('stubbuild-apt-client-');
  service = await startService();
  const debs = [
    await buildDeb(work, { name: 'libstub1', version: '1:1.0-1', source: 'stub (1:1.0-1)', compression: 'xz' }),
    await buildDeb(work, { name: 'stub-tools', version: '1.0-1', source: 'stub (1:1.0-1)', compression: 'zstd' }),
    await buildDeb(work, { name: 'zlib1g', version: '1.3.dfsg-3', source: 'zlib', compression: 'gzip' }),
    await buildDeb(work, { name: 'stub-doc', version: '1.0-1', arch: 'all', compression: 'xz' }),
  ];
  const res = await uploadDebs(service, await Promise.all(debs.map((d) => readFile(d))));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  for (const p of res.body.packages) published.set(p.name, { sha256: p.sha256, filename: p.filename });
  const keyFile = await fetchRepoKey(service, work);
  client = await createAptClient({ url: service.aptUrl, suite: 'stubdom', keyFile, withSources: true });
});

after(async () => {
  await client?.close();
  await service?.close();
  await removeTempDir(work);
});

test('POST /v1/admin/packages answered with every package added', () => {
  assert.deepEqual([...published.keys()].sort(), ['libstub1', 'stub-doc', 'stub-tools', 'zlib1g']);
  assert.equal(published.get('libstub1')!.filename, 'pool/main/s/stub/libstub1_1.0-1_stubdom-amd64.deb');
});

test('apt-get update --error-on=any accepts the signed repository the service serves', async () => {
  const res = await client.aptUpdate();
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.doesNotMatch(res.stdout + res.stderr, /^(W|E):/m);
});

for (const name of ['libstub1', 'stub-tools', 'zlib1g', 'stub-doc']) {
  test(`apt-get download ${name}:stubdom-amd64 gets the published file (same SHA-256)`, async () => {
    // stub-doc is Architecture: all; it is listed in binary-stubdom-amd64 and asked for unqualified.
    const res = await client.aptDownload(name === 'stub-doc' ? name : `${name}:stubdom-amd64`);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(res.files.length, 1, res.files.join(' '));
    const bytes = await readFile(join(res.dir, res.files[0]!));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), published.get(name)!.sha256);
  });
}

test('GET /v1/packages lists what apt sees, marked published', async () => {
  const res = await fetch(`${service.url}/v1/packages?name=zlib1g`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { items: { name: string; sha256: string; published: boolean; source: string }[] };
  assert.equal(body.items.length, 1);
  assert.equal(body.items[0]!.sha256, published.get('zlib1g')!.sha256);
  assert.equal(body.items[0]!.source, 'zlib');
  assert.equal(body.items[0]!.published, true);
});

test('a tampered InRelease makes apt refuse the repository', async () => {
  const path = join(service.repo.settings.dir, 'dists/stubdom/InRelease');
  const text = await readFile(path, 'utf8');
  const tampered = text.replace('Label: stubbuild stubdom-amd64', 'Label: stubbuild stubdom-amd65');
  assert.notEqual(tampered, text);
  await writeFile(path, tampered);
  const res = await client.aptUpdate();
  assert.notEqual(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout + res.stderr, /signatures were invalid: BADSIG/);
});
