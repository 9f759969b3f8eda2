import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getField, parseDeb822, splitClearsigned } from '../src/debian/deb822.ts';
import { writePublication, type PublicationInput } from '../src/repo/publish/write-publication.ts';
import { readReleaseSha256 } from '../src/repo/publish/release-file.ts';
import { loadOrCreateRepoKey, type RepoSigner } from '../src/repo/publish/repo-signer.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

let dir: string;
let signer: RepoSigner;
before(async () => {
  dir = await makeTempDir('stubbuild-pub-');
  signer = await loadOrCreateRepoKey(join(dir, 'keys'), { name: 'stubbuild test', email: 'repo@example.invalid' });
});
after(async () => {
  await removeTempDir(dir);
});

function stanza(name: string, version: string, arch = 'stubdom-amd64'): string {
  const sha = createHash('sha256').update(`${name}${version}${arch}`).digest('hex');
  return `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nFilename: pool/main/x/${name}/${name}_${version}_${arch}.deb\nSize: 10\nSHA256: ${sha}\n`;
}

function input(overrides: Partial<PublicationInput> = {}): PublicationInput {
  return {
    suite: 'unstable',
    codename: 'sid',
    component: 'main',
    architectures: ['stubdom-amd64'],
    origin: 'stubbuild',
    label: 'stubbuild',
    packagesStanzas: [stanza('libstub1', '1.0-1')],
    sourcesStanzas: [],
    ...overrides,
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('Release lists every index with the size and hash of what is on disk, plain and by-hash', async () => {
  const repo = join(dir, 'r1');
  const now = new Date(Date.UTC(2026, 10, 27, 9, 5, 3));
  const res = await writePublication(repo, input({ now, validFor: 7 * 86400_000, description: 'test suite' }), signer);
  const release = await readFile(join(repo, 'dists/unstable/Release'), 'utf8');
  const [p] = parseDeb822(release);
  assert.equal(getField(p!, 'Date'), 'Fri, 27 Nov 2026 09:05:03 UTC');
  assert.equal(getField(p!, 'Valid-Until'), 'Fri, 04 Dec 2026 09:05:03 UTC');
  assert.equal(getField(p!, 'Acquire-By-Hash'), 'yes');
  assert.equal(getField(p!, 'Architectures'), 'stubdom-amd64');
  assert.equal(getField(p!, 'Components'), 'main');
  const listed = readReleaseSha256(release);
  assert.deepEqual(
    listed.map((f) => f.path),
    [
      'main/binary-stubdom-amd64/Packages',
      'main/binary-stubdom-amd64/Packages.gz',
      'main/binary-stubdom-amd64/Packages.xz',
      'main/binary-stubdom-amd64/Release',
      'main/source/Release',
      'main/source/Sources',
      'main/source/Sources.gz',
      'main/source/Sources.xz',
    ],
  );
  for (const f of listed) {
    const plain = await readFile(join(repo, 'dists/unstable', f.path));
    const hashed = await readFile(join(repo, 'dists/unstable', f.path, '..', 'by-hash/SHA256', f.sha256));
    assert.equal(plain.length, f.size, f.path);
    assert.equal(sha256(plain), f.sha256, f.path);
    assert.ok(hashed.equals(plain), f.path);
  }
  assert.equal(res.release.sha256, sha256(Buffer.from(release)));
  assert.equal(splitClearsigned(await readFile(join(repo, 'dists/unstable/InRelease'), 'utf8')).body, release);
  const component = await readFile(join(repo, 'dists/unstable/main/binary-stubdom-amd64/Release'), 'utf8');
  assert.equal(
    component,
    'Archive: unstable\nCodename: sid\nOrigin: stubbuild\nLabel: stubbuild\nComponent: main\nArchitecture: stubdom-amd64\n',
  );
});

test('files are switched in order: by-hash, then plain indices, then Release, Release.gpg, InRelease', async () => {
  const repo = join(dir, 'r2');
  await writePublication(repo, input(), signer);
  const suite = join(repo, 'dists/unstable');
  const ctime = async (rel: string) => (await stat(join(suite, rel), { bigint: true })).ctimeNs;
  // A plain index is a second name (hard link) of its by-hash file, and linking changes the
  // shared inode's ctime: when a by-hash file was written is its birth time.
  const birth = async (rel: string) => (await stat(join(suite, rel), { bigint: true })).birthtimeNs;
  const byHash: bigint[] = [];
  for (const d of ['main/binary-stubdom-amd64', 'main/source']) {
    for (const h of await readdir(join(suite, d, 'by-hash/SHA256'))) byHash.push(await birth(`${d}/by-hash/SHA256/${h}`));
  }
  const plain = await Promise.all(
    ['Packages', 'Packages.gz', 'Packages.xz', 'Release'].map((n) => ctime(`main/binary-stubdom-amd64/${n}`)),
  );
  const [release, gpg, inRelease] = await Promise.all(['Release', 'Release.gpg', 'InRelease'].map(ctime));
  const max = (xs: bigint[]) => xs.reduce((a, b) => (a > b ? a : b));
  const min = (xs: bigint[]) => xs.reduce((a, b) => (a < b ? a : b));
  assert.ok(max(byHash) <= min(plain));
  assert.ok(max(plain) <= release!);
  assert.ok(release! <= gpg! && gpg! <= inRelease!);
});

test('a reader polling during repeated publications always finds what its InRelease names', async () => {
  const repo = join(dir, 'r3');
  await writePublication(repo, input(), signer);
  let publishing = true;
  let checks = 0;
  const reader = (async () => {
    while (publishing) {
      const text = await readFile(join(repo, 'dists/unstable/InRelease'), 'utf8');
      for (const f of readReleaseSha256(splitClearsigned(text).body)) {
        const bytes = await readFile(join(repo, 'dists/unstable', f.path, '..', 'by-hash/SHA256', f.sha256));
        assert.equal(sha256(bytes), f.sha256);
        checks++;
      }
    }
  })();
  try {
    for (let i = 2; i <= 12; i++) {
      const stanzas = Array.from({ length: i }, (_, j) => stanza(`pkg${j}`, `${i}.0-1`));
      await writePublication(repo, input({ packagesStanzas: stanzas }), signer);
    }
  } finally {
    publishing = false;
  }
  await reader;
  assert.ok(checks > 8, `the reader only checked ${checks} files`);
  const entries = await readdir(join(repo, 'dists/unstable'));
  assert.deepEqual(
    entries.filter((e) => e.startsWith('.')),
    [],
    'temporary files left behind',
  );
});

test('a failed signature leaves the published suite exactly as it was', async () => {
  const repo = join(dir, 'r4');
  await writePublication(repo, input(), signer);
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const rel of await readdir(join(repo, 'dists'), { recursive: true })) {
      const path = join(repo, 'dists', rel);
      if ((await stat(path)).isFile()) out[rel] = sha256(await readFile(path));
    }
    return out;
  };
  const before = await snapshot();
  const broken = { ...signer, signClear: async () => Promise.reject(new Error('signing key unavailable')) };
  await assert.rejects(writePublication(repo, input({ packagesStanzas: [stanza('other', '2.0-1')] }), broken), /signing key unavailable/);
  assert.deepEqual(await snapshot(), before);
});

test('Architecture: all stanzas go to every architecture; an unknown one is refused', async () => {
  const repo = join(dir, 'r5');
  const res = await writePublication(
    repo,
    input({
      architectures: ['stubdom-amd64', 'stubdom-arm64'],
      packagesStanzas: [stanza('stub-doc', '1.0-1', 'all'), stanza('libstub1', '1.0-1')],
    }),
    signer,
  );
  assert.deepEqual(res.packagesCount, { 'stubdom-amd64': 2, 'stubdom-arm64': 1 });
  await assert.rejects(writePublication(repo, input({ packagesStanzas: [stanza('x1', '1.0', 'amd64')] }), signer), /amd64/);
});
