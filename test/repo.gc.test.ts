import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectGarbage, GC_STATE_FILE } from '../src/repo/gc/collect-garbage.ts';
import { writePublication, type PublicationInput } from '../src/repo/publish/write-publication.ts';
import { readReleaseSha256 } from '../src/repo/publish/release-file.ts';
import { loadOrCreateRepoKey, type RepoSigner } from '../src/repo/publish/repo-signer.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

const HOUR = 3600_000;
let dir: string;
let signer: RepoSigner;
before(async () => {
  dir = await makeTempDir('stubbuild-gc-');
  signer = await loadOrCreateRepoKey(join(dir, 'keys'), { name: 'stubbuild test', email: 'repo@example.invalid' });
});
after(async () => {
  await removeTempDir(dir);
});

/** Puts a fake .deb in the pool and returns its path and Packages stanza. */
async function poolDeb(repo: string, name: string, version: string): Promise<{ path: string; stanza: string }> {
  const path = `pool/main/${name[0]}/${name}/${name}_${version}_stubdom-amd64.deb`;
  await mkdir(join(repo, path, '..'), { recursive: true });
  const bytes = `deb ${name} ${version}`;
  await writeFile(join(repo, path), bytes);
  const sha = createHash('sha256').update(bytes).digest('hex');
  return {
    path,
    stanza: `Package: ${name}\nVersion: ${version}\nArchitecture: stubdom-amd64\nFilename: ${path}\nSize: ${bytes.length}\nSHA256: ${sha}\n`,
  };
}

function input(stanzas: string[]): PublicationInput {
  return {
    suite: 'unstable',
    codename: 'sid',
    component: 'main',
    architectures: ['stubdom-amd64'],
    origin: 'stubbuild',
    label: 'stubbuild',
    packagesStanzas: stanzas,
    sourcesStanzas: [],
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function byHashFiles(repo: string): Promise<string[]> {
  const d = 'dists/unstable/main/binary-stubdom-amd64/by-hash/SHA256';
  return (await readdir(join(repo, d))).map((h) => `${d}/${h}`);
}

/** The binary-stubdom-amd64 by-hash files the current Release names. */
async function currentByHash(repo: string): Promise<string[]> {
  const release = await readFile(join(repo, 'dists/unstable/Release'), 'utf8');
  const d = 'dists/unstable/main/binary-stubdom-amd64/by-hash/SHA256';
  const files = readReleaseSha256(release).filter((f) => f.path.startsWith('main/binary-stubdom-amd64/'));
  return [...new Set(files.map((f) => `${d}/${f.sha256}`))];
}

test('superseded by-hash and pool files go only after the grace period, counted from when they were superseded', async () => {
  const repo = join(dir, 'r1');
  const v1 = await poolDeb(repo, 'libstub1', '1.0-1');
  await writePublication(repo, input([v1.stanza]), signer);
  const oldByHash = await byHashFiles(repo);

  const v2 = await poolDeb(repo, 'libstub1', '1.1-1');
  await writePublication(repo, input([v2.stanza]), signer);
  // Written a year ago: an mtime-based collector would delete these at once.
  const yearAgo = new Date(Date.now() - 365 * 24 * HOUR);
  for (const f of [...oldByHash, v1.path]) await utimes(join(repo, f), yearAgo, yearAgo);

  const t0 = Date.now();
  const referenced = new Set([v2.path]);
  const first = await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: referenced, now: new Date(t0) });
  assert.deepEqual(first.deleted, []);
  const newByHash = new Set(await currentByHash(repo));
  const superseded = oldByHash.filter((f) => !newByHash.has(f));
  assert.equal(superseded.length, 3, 'Packages, .gz and .xz changed; the component Release did not');
  assert.deepEqual(first.pending.map((p) => p.path).sort(), [...superseded, v1.path].sort());
  const state = JSON.parse(await readFile(join(repo, GC_STATE_FILE), 'utf8'));
  assert.equal(state.unreferencedSince[v1.path], t0);

  const half = await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: referenced, now: new Date(t0 + HOUR / 2) });
  assert.deepEqual(half.deleted, []);

  const later = await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: referenced, now: new Date(t0 + HOUR + 1) });
  assert.ok(later.deleted.includes(v1.path));
  assert.equal(await exists(join(repo, v1.path)), false);
  assert.equal(await exists(join(repo, v2.path)), true);

  // Everything the current Release names is still there, and nothing else under by-hash.
  assert.deepEqual((await byHashFiles(repo)).sort(), (await currentByHash(repo)).sort());
  assert.deepEqual(JSON.parse(await readFile(join(repo, GC_STATE_FILE), 'utf8')).unreferencedSince, {});
});

test('a pool file the current Packages names is kept even if the caller forgot it', async () => {
  const repo = join(dir, 'r2');
  const v1 = await poolDeb(repo, 'zlib1g', '1.3-1');
  await writePublication(repo, input([v1.stanza]), signer);
  const res = await collectGarbage(repo, { graceMs: 0, referencedPoolFiles: new Set(), now: new Date() });
  assert.deepEqual(res.deleted, []);
  assert.equal(await exists(join(repo, v1.path)), true);
});

test('a file referenced again restarts its clock when it is dropped a second time', async () => {
  const repo = join(dir, 'r3');
  const a = await poolDeb(repo, 'libfoo1', '1.0-1');
  await writePublication(repo, input([]), signer);
  const t0 = Date.now();
  await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: new Set(), now: new Date(t0) });
  // Referenced (e.g. its publication committed) for a while, then dropped again.
  await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: new Set([a.path]), now: new Date(t0 + HOUR / 2) });
  const res = await collectGarbage(repo, { graceMs: HOUR, referencedPoolFiles: new Set(), now: new Date(t0 + HOUR + 1) });
  assert.deepEqual(res.deleted, []);
  assert.equal(res.pending[0]?.unreferencedSince.getTime(), t0 + HOUR + 1);
});

test('emptied pool directories and stale temporaries are removed', async () => {
  const repo = join(dir, 'r4');
  const a = await poolDeb(repo, 'libbar1', '1.0-1');
  await writePublication(repo, input([]), signer);
  const stale = join(repo, 'pool/main/l/libbar1/.tmp-0123456789ab-libbar1_2.0-1_stubdom-amd64.deb');
  await writeFile(stale, 'crashed half-way');
  const longAgo = new Date(Date.now() - 2 * HOUR);
  await utimes(stale, longAgo, longAgo);
  const res = await collectGarbage(repo, { graceMs: 0, referencedPoolFiles: new Set(), now: new Date() });
  assert.deepEqual(res.deleted, [a.path]);
  assert.equal(res.removedTemporaries.length, 1);
  assert.deepEqual(await readdir(join(repo, 'pool/main')), []);
});
