// Index files assembled from separately compressed pieces: valid gzip and xz for every
// reader, the same bytes as a render from scratch, and a one-package change recompresses
// one piece.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { buildPackagesFile } from '../src/repo/publish/packages-index.ts';
import { compareEntries, IndexPieces, type IndexEntry } from '../src/repo/publish/index-pieces.ts';
import { publishPackages } from '../src/repo/publish/publish-repository.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository } from './helpers/test-repo.ts';

const run = promisify(execFile);
let work: string;
before(async () => {
  work = await makeTempDir('stubbuild-pieces-');
});
after(async () => {
  await removeTempDir(work);
});

function entry(id: number, name: string, version = '1.0-1', arch = 'stubdom-amd64'): IndexEntry {
  const sha = createHash('sha256').update(`${id}`).digest('hex');
  return {
    id,
    name,
    version,
    arch,
    text: `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nFilename: pool/main/${name[0]}/${name}/${name}_${version}_${arch}.deb\nSize: ${id}\nSHA256: ${sha}\nDescription: entry ${id}\n a test stanza\n`,
  };
}

function entries(n: number): IndexEntry[] {
  return Array.from({ length: n }, (_, i) => entry(i + 1, `libpiece${String(i).padStart(5, '0')}`)).sort(compareEntries);
}

async function decompresses(file: string, tool: 'gzip' | 'xz', expected: Buffer): Promise<void> {
  await run(tool, ['-t', file]);
  const { stdout } = await run(tool, ['-dc', file], { encoding: 'buffer', maxBuffer: 1 << 28 });
  assert.ok(Buffer.from(stdout).equals(expected), `${tool} -dc gives the plain index`);
}

test('the assembled .gz and .xz decompress to the plain index with gzip, xz and zlib', async () => {
  const rendered = await new IndexPieces().render(entries(3000), { xz: true });
  assert.ok(rendered.pieces > 10, `${rendered.pieces} pieces`);
  await writeFile(join(work, 'Packages.gz'), rendered.gz);
  await writeFile(join(work, 'Packages.xz'), rendered.xz!);
  await decompresses(join(work, 'Packages.gz'), 'gzip', rendered.plain);
  await decompresses(join(work, 'Packages.xz'), 'xz', rendered.plain);
  assert.ok(gunzipSync(rendered.gz).equals(rendered.plain));
  const { stdout } = await run('xz', ['--robot', '--list', join(work, 'Packages.xz')]);
  assert.match(stdout, new RegExp(`^file\\t1\\t${rendered.pieces}\\t`, 'm'), 'one stream, one block per piece');
});

test('an empty index is valid too', async () => {
  const rendered = await new IndexPieces().render([], { xz: true });
  assert.equal(rendered.plain.length, 0);
  await writeFile(join(work, 'empty.gz'), rendered.gz);
  await writeFile(join(work, 'empty.xz'), rendered.xz!);
  await decompresses(join(work, 'empty.gz'), 'gzip', Buffer.alloc(0));
  await decompresses(join(work, 'empty.xz'), 'xz', Buffer.alloc(0));
});

test('after adding and removing one package, one or two pieces are recompressed and the bytes equal a fresh render', async () => {
  const pieces = new IndexPieces();
  const all = entries(3000);
  const first = await pieces.render(all, { xz: true });
  assert.equal(first.compressed, first.pieces);

  const changed = all.filter((e) => e.name !== 'libpiece01500');
  changed.push(entry(9001, 'libpiece00042', '1.0-2'));
  changed.sort(compareEntries);
  const second = await pieces.render(changed, { xz: true });
  assert.ok(second.compressed <= 2, `${second.compressed} pieces recompressed`);

  const fresh = await new IndexPieces().render(changed, { xz: true });
  assert.ok(second.plain.equals(fresh.plain));
  assert.ok(second.gz.equals(fresh.gz));
  assert.ok(second.xz!.equals(fresh.xz!));
});

test('entries sort by name, then dpkg version order, then architecture; a duplicate is refused', async () => {
  const list = [entry(1, 'libb', '1.10'), entry(2, 'liba', '2'), entry(3, 'libb', '1.9'), entry(4, 'libb', '1.9', 'all')].sort(
    compareEntries,
  );
  assert.deepEqual(
    list.map((e) => `${e.name} ${e.version} ${e.arch}`),
    ['liba 2 stubdom-amd64', 'libb 1.9 all', 'libb 1.9 stubdom-amd64', 'libb 1.10 stubdom-amd64'],
  );
  await assert.rejects(
    new IndexPieces().render([entry(1, 'liba', '1.0'), entry(2, 'liba', '1.00')], { xz: false }),
    /would list liba 1.00 stubdom-amd64 twice/,
  );
});

test('the published Packages file is exactly what buildPackagesFile makes of the stored stanzas', async () => {
  const t = await createTestRepository();
  try {
    const debs = [];
    for (let i = 0; i < 300; i++)
      debs.push({
        path: await writeSyntheticDeb(join(work, 'published'), {
          name: `libpub${i}`,
          version: `1.${i % 7}-1`,
          arch: i % 11 === 0 ? 'all' : 'stubdom-amd64',
        }),
      });
    await publishPackages(t.db, t.repo, { debs });
    await publishPackages(t.db, t.repo, {
      debs: [{ path: await writeSyntheticDeb(join(work, 'published'), { name: 'libpub17', version: '9.0-1' }) }],
    });
    const stanzas = (await t.db.selectFrom('repo_packages').select('stanza').execute()).map((r) => r.stanza);
    const published = await readFile(join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/Packages'), 'utf8');
    assert.equal(published, buildPackagesFile(stanzas));
    const gz = await readFile(join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/Packages.gz'));
    assert.equal(gunzipSync(gz).toString('utf8'), published);
  } finally {
    await t.close();
  }
});

test('control fields with quotes, backslashes, braces and non-ASCII text reach Packages unchanged', async () => {
  const t = await createTestRepository();
  try {
    const value = 'a "quoted", {braced} \\ back\\slash, NULL, ünïcödé ✓';
    const path = await writeSyntheticDeb(join(work, 'tricky'), { name: 'libtricky1', version: '1.0-1', extraFields: { 'X-Note': value } });
    await publishPackages(t.db, t.repo, { debs: [{ path }] });
    const published = await readFile(join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/Packages'), 'utf8');
    assert.ok(published.includes(`\nX-Note: ${value}\n`), published);
  } finally {
    await t.close();
  }
});
