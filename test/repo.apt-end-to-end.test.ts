// A real apt client against a published repository served on 127.0.0.1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseDeb822 } from '../src/debian/deb822.ts';
import { inspectDeb, type DebInfo } from '../src/repo/deb/inspect-deb.ts';
import { formatPackagesStanza, formatSourcesStanza } from '../src/repo/publish/packages-index.ts';
import { debPoolPath } from '../src/repo/pool/pool-path.ts';
import { addToPool } from '../src/repo/pool/pool-store.ts';
import { writePublication } from '../src/repo/publish/write-publication.ts';
import { loadOrCreateRepoKey, type RepoSigner } from '../src/repo/publish/repo-signer.ts';
import { createAptClient, serveDirectory, type AptClient, type StaticServer } from './helpers/apt-client.ts';
import { buildDeb, makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

const OPTS = { allowedArchitectures: ['stubdom-amd64', 'all'], maxControlBytes: 65536, maxUncompressedBytes: 1 << 24 };

let work: string;
let repoDir: string;
let signer: RepoSigner;
let server: StaticServer;
let client: AptClient;
const published = new Map<string, DebInfo>();

before(async () => {
  work = await makeTempDir('stubbuild-e2e-');
  repoDir = join(work, 'repo');
  signer = await loadOrCreateRepoKey(join(work, 'keys'), { name: 'stubbuild test repository', email: 'repo@example.invalid' });

  const debs = [
    await buildDeb(work, { name: 'libstub1', version: '1:1.0-1', source: 'stub (1:1.0-1)', compression: 'xz' }),
    await buildDeb(work, { name: 'stub-tools', version: '1.0-1', source: 'stub (1:1.0-1)', compression: 'zstd' }),
    await buildDeb(work, { name: 'zlib1g', version: '1.3.dfsg-3', source: 'zlib', compression: 'gzip' }),
    await buildDeb(work, { name: 'stub-doc', version: '1.0-1', arch: 'all', compression: 'xz' }),
  ];
  const stanzas: string[] = [];
  for (const deb of debs) {
    const info = await inspectDeb(deb, OPTS);
    const poolPath = debPoolPath('main', info.source, info.package, info.version, info.architecture);
    await addToPool(repoDir, deb, poolPath, { expectedSha256: info.sha256 });
    stanzas.push(formatPackagesStanza(info, poolPath));
    published.set(info.package, info);
  }
  const dscText =
    'Format: 3.0 (native)\nSource: stub\nBinary: libstub1, stub-tools\nArchitecture: any\nVersion: 1:1.0-1\nMaintainer: Stub Builder <stub@example.invalid>\nChecksums-Sha256:\n ' +
    `${'0'.repeat(64)} 10 stub_1.0.tar.xz\n`;
  const [dsc] = parseDeb822(dscText);
  const sourcesStanza = formatSourcesStanza(dsc!, {
    directory: 'pool/main/s/stub',
    dscFile: { name: 'stub_1.0-1.dsc', size: dscText.length, sha256: createHash('sha256').update(dscText).digest('hex') },
  });

  await writePublication(
    repoDir,
    {
      suite: 'unstable',
      codename: 'sid',
      component: 'main',
      architectures: ['stubdom-amd64'],
      origin: 'stubbuild',
      label: 'stubbuild stubdom-amd64',
      description: 'stub-domain builds (test)',
      packagesStanzas: stanzas,
      sourcesStanzas: [sourcesStanza],
      validFor: 7 * 24 * 3600 * 1000,
    },
    signer,
  );
  await writeFile(join(work, 'key.gpg'), signer.publicKeyBinary());
  server = await serveDirectory(repoDir);
  client = await createAptClient({ url: server.url, suite: 'unstable', keyFile: join(work, 'key.gpg'), withSources: true });
});

after(async () => {
  await client?.close();
  await server?.close();
  await removeTempDir(work);
});

test('apt-get update accepts the signed repository, fetching indices by hash', async () => {
  const res = await client.aptUpdate();
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.doesNotMatch(res.stdout + res.stderr, /^(W|E):/m);
  assert.ok(server.requests.includes('/dists/unstable/InRelease'));
  assert.ok(
    server.requests.some((r) => r.startsWith('/dists/unstable/main/binary-stubdom-amd64/by-hash/SHA256/')),
    `apt did not use by-hash: ${server.requests.join(' ')}`,
  );
});

for (const name of ['libstub1', 'stub-tools', 'zlib1g', 'stub-doc']) {
  test(`apt-get download ${name}:stubdom-amd64 gets exactly the published bytes`, async () => {
    // stub-doc is Architecture: all, published in binary-stubdom-amd64 and fetched without a qualifier.
    const res = await client.aptDownload(name === 'stub-doc' ? name : `${name}:stubdom-amd64`);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(res.files.length, 1, res.files.join(' '));
    const bytes = await readFile(join(res.dir, res.files[0]!));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), published.get(name)!.sha256);
  });
}

test('one byte changed in InRelease makes apt refuse the repository', async () => {
  const path = join(repoDir, 'dists/unstable/InRelease');
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace('Label: stubbuild stubdom-amd64', 'Label: stubbuild stubdom-amd65'));
  const res = await client.aptUpdate();
  assert.notEqual(res.code, 0);
  assert.match(res.stdout + res.stderr, /signatures were invalid: BADSIG/);
});
