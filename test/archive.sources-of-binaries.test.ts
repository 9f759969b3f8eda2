import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findSourcesOfBinaries, findSourcesOfBinary, type SourcesIndex } from '../src/jobs/archive/sources-index.ts';

// Paragraphs shaped as in Debian's Sources: Binary folded over lines, a binary built by two
// sources, a name that is part of another, a field order other than the usual.
const SOURCES = `Package: libzstd
Binary: libzstd-dev, libzstd1, zstd,
 libzstd1-udeb
Version: 1.5.4+dfsg2-5
Directory: pool/main/libz/libzstd

Package: zlib
Binary: zlib1g, zlib1g-dev, lib32z1, lib32z1-dev
Version: 1:1.2.13.dfsg-1
Directory: pool/main/z/zlib

Binary: zstd-static, zlib1g-dev
Version: 0.1~rc1-1
Package: zlib-compat

Package: zst
Binary: zst-tools
Version: 2.0-1
`;

test('one pass over Sources names the sources of many binaries at once', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-sources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sourcesPath = path.join(dir, 'Sources');
  await writeFile(sourcesPath, SOURCES);
  const index = { suite: { name: 'bookworm' }, sourcesPath } as SourcesIndex;

  const found = await findSourcesOfBinaries(index, new Set(['libzstd1-udeb', 'zlib1g-dev', 'zstd-static', 'zst', 'zstd', 'lib32z1']));
  assert.deepEqual(Object.fromEntries(found), {
    'libzstd1-udeb': ['libzstd'], // on a continuation line of Binary
    zstd: ['libzstd'],
    'zlib1g-dev': ['zlib', 'zlib-compat'], // two sources, sorted
    lib32z1: ['zlib'],
    'zstd-static': ['zlib-compat'], // Binary before Package
  });
  assert.deepEqual(await findSourcesOfBinary(index, 'zst'), [], 'a source name, and a part of a binary name, is not a binary name');
  assert.deepEqual(await findSourcesOfBinary(index, 'zst-tools'), ['zst'], 'the last paragraph, without a blank line after it');
});

test('a paragraph longer than the piece read at once, and paragraphs across pieces, are read whole', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-sources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const sourcesPath = path.join(dir, 'Sources');
  // 3 MiB of one paragraph's folded field, then 40,000 small paragraphs (~2 MiB).
  const long = `Package: big\nBinary: big-bin\nDescription: x\n${' y\n'.repeat(1024 * 1024)}`;
  const small = Array.from({ length: 40_000 }, (_, i) => `Package: src${i}\nBinary: bin${i}, bin${i}-dev\n`);
  await writeFile(sourcesPath, [long, ...small].join('\n'));
  const index = { suite: { name: 'bookworm' }, sourcesPath } as SourcesIndex;
  const names = new Set(['big-bin', 'bin0', 'bin39999-dev', ...Array.from({ length: 40_000 }, (_, i) => `bin${i}`)]);
  const found = await findSourcesOfBinaries(index, names);
  assert.equal(found.size, names.size);
  assert.deepEqual(found.get('big-bin'), ['big']);
  assert.deepEqual(found.get('bin39999-dev'), ['src39999']);
  assert.ok([...found].every(([binary, sources]) => binary === 'big-bin' || sources[0] === `src${/\d+/.exec(binary)![0]}`));
});
