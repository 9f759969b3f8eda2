import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, truncate, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { getField } from '../src/debian/deb822.ts';
import { inspectDeb, type InspectDebOptions } from '../src/repo/deb/inspect-deb.ts';
import { RepoError, type RepoErrorCode } from '../src/repo/repo-error.ts';
import {
  buildBombDeb,
  buildDeb,
  buildDebWithCorruptData,
  buildDebWithoutControl,
  buildDebWithoutData,
  buildDebWithStrayMember,
  buildNotArDeb,
  makeTempDir,
  removeTempDir,
} from './helpers/deb-fixtures.ts';

const run = promisify(execFile);

const OPTS: InspectDebOptions = {
  allowedArchitectures: ['stubdom-amd64', 'all'],
  maxControlBytes: 64 * 1024,
  maxUncompressedBytes: 4 * 1024 * 1024,
};

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(async () => {
  await removeTempDir(dir);
});

async function rejectsWith(path: string, code: RepoErrorCode, opts: InspectDebOptions = OPTS): Promise<RepoError> {
  let caught: unknown;
  try {
    await inspectDeb(path, opts);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RepoError, `expected a RepoError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

async function noDecompressorLeft(): Promise<void> {
  const { stdout } = await run('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).catch(() => ({ stdout: '' }));
  assert.doesNotMatch(stdout, /\b(xz|zstd|bzip2) -dcq\b/, 'a decompressor child outlived the inspection');
}

describe('inspectDeb on valid packages', () => {
  for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
    test(`reads a ${compression} package and checksums the whole file`, async () => {
      const path = await buildDeb(dir, { name: `pkg-${compression}`, version: '1:2.3~rc1-4', compression });
      const info = await inspectDeb(path, OPTS);
      const bytes = await readFile(path);
      assert.equal(info.package, `pkg-${compression}`);
      assert.equal(info.version, '1:2.3~rc1-4');
      assert.equal(info.architecture, 'stubdom-amd64');
      assert.equal(info.source, `pkg-${compression}`);
      assert.equal(info.sourceVersion, '1:2.3~rc1-4');
      assert.equal(info.size, bytes.length);
      assert.equal(info.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(info.md5, createHash('md5').update(bytes).digest('hex'));
      assert.equal(getField(info.control, 'multi-arch'), 'same');
      assert.match(getField(info.control, 'Description') ?? '', /^test package .*\nA package built/);
    });
  }

  test('takes the source name and version from "Source: name (version)"', async () => {
    const path = await buildDeb(dir, { name: 'zlib1g', version: '1:1.3.dfsg-3+b1', source: 'zlib (1:1.3.dfsg-3)' });
    const info = await inspectDeb(path, OPTS);
    assert.equal(info.source, 'zlib');
    assert.equal(info.sourceVersion, '1:1.3.dfsg-3');
  });

  test('takes the binary version when Source has no version', async () => {
    const path = await buildDeb(dir, { name: 'libz-dev', version: '1.3-1', source: 'zlib' });
    const info = await inspectDeb(path, OPTS);
    assert.deepEqual([info.source, info.sourceVersion], ['zlib', '1.3-1']);
  });

  test('accepts Architecture: all when the repository allows it', async () => {
    const path = await buildDeb(dir, { name: 'stub-doc', arch: 'all' });
    assert.equal((await inspectDeb(path, OPTS)).architecture, 'all');
  });
});

describe('inspectDeb refuses broken packages with the right code', () => {
  test('not an ar archive → not-ar', async () => {
    await rejectsWith(await buildNotArDeb(dir), 'not-ar');
  });

  test('empty file → not-ar', async () => {
    const path = join(dir, 'empty.deb');
    await writeFile(path, '');
    await rejectsWith(path, 'not-ar');
  });

  test('first member is not debian-binary → bad-member', async () => {
    await rejectsWith(await buildDebWithStrayMember(dir), 'bad-member');
  });

  test('no data.tar member → missing-data', async () => {
    await rejectsWith(await buildDebWithoutData(dir), 'missing-data');
  });

  test('no control.tar member → missing-control', async () => {
    await rejectsWith(await buildDebWithoutControl(dir), 'missing-control');
  });

  test('truncated package → bad-member', async () => {
    const path = await buildDeb(dir, { name: 'truncated', fileName: 'truncated.deb' });
    await truncate(path, (await stat(path)).size - 100);
    await rejectsWith(path, 'bad-member');
  });

  test('corrupt xz data → bad-member naming the decompressor error', async () => {
    const err = await rejectsWith(await buildDebWithCorruptData(dir, 'xz'), 'bad-member');
    assert.match(err.message, /data\.tar\.xz cannot be decompressed: .*corrupt/);
    await noDecompressorLeft();
  });

  test('noise after a valid data.tar.xz → bad-member, without hanging on the dead decompressor', async () => {
    const err = await rejectsWith(await buildDebWithCorruptData(dir, 'trailing-garbage'), 'bad-member');
    assert.match(err.message, /data\.tar\.xz cannot be decompressed/);
    await noDecompressorLeft();
  });

  test('corrupt gzip data → bad-member', async () => {
    const err = await rejectsWith(await buildDebWithCorruptData(dir, 'gzip'), 'bad-member');
    assert.match(err.message, /data\.tar\.gz cannot be decompressed/);
  });

  test('data.tar that is not a tar archive → bad-member', async () => {
    const err = await rejectsWith(await buildDebWithCorruptData(dir, 'not-tar'), 'bad-member');
    assert.match(err.message, /data\.tar\.xz is not a valid tar archive/);
    await noDecompressorLeft();
  });

  for (const field of ['Package', 'Version', 'Architecture']) {
    test(`missing ${field} → missing-field`, async () => {
      const path = await buildDeb(dir, { name: `no-${field.toLowerCase()}`, omit: [field], fileName: `no-${field}.deb` });
      const err = await rejectsWith(path, 'missing-field');
      assert.match(err.message, new RegExp(field));
    });
  }

  for (const [what, text, code] of [
    ['a terminal escape (ESC)', 'clears the screen \u001b[2J', 'U+001B'],
    ['a carriage return', 'looks\rfine', 'U+000D'],
    ['a bidi override', 'evil \u202egnp.exe', 'U+202E'],
  ] as const) {
    test(`${what} in a control field → bad-control`, async () => {
      const path = await buildDeb(dir, { name: 'libcontrol-char', extraFields: { Homepage: text }, fileName: `control-${code}.deb` });
      const err = await rejectsWith(path, 'bad-control');
      assert.ok(err.message.includes(`the Homepage field holds the control character ${code}`), err.message);
    });
  }

  test('wrong architecture → wrong-architecture', async () => {
    const err = await rejectsWith(await buildDeb(dir, { name: 'hostpkg', arch: 'amd64' }), 'wrong-architecture');
    assert.match(err.message, /amd64/);
  });

  test('a version with a path character → bad-version', async () => {
    const path = await buildDeb(dir, { name: 'evil', version: '1.0/../../x', omit: ['Installed-Size'], fileName: 'evil-version.deb' });
    await rejectsWith(path, 'bad-version');
  });

  test('an invalid package name → bad-name', async () => {
    const path = await buildDeb(dir, { name: 'Evil_Name', omit: ['Installed-Size'], fileName: 'evil-name.deb' });
    await rejectsWith(path, 'bad-name');
  });

  test('an invalid source name → bad-name', async () => {
    const path = await buildDeb(dir, { name: 'okname', source: '../etc (1.0)', omit: ['Installed-Size'], fileName: 'evil-source.deb' });
    await rejectsWith(path, 'bad-name');
  });

  test('a control file over maxControlBytes → too-large', async () => {
    const path = await buildDeb(dir, { name: 'bigcontrol', extraFields: { 'X-Padding': 'y'.repeat(4000) } });
    await rejectsWith(path, 'too-large', { ...OPTS, maxControlBytes: 1024 });
  });
});

describe('inspectDeb stops decompression bombs', () => {
  const cases = [
    { member: 'data', compression: 'xz' },
    { member: 'data', compression: 'zstd' },
    { member: 'data', compression: 'gzip' },
    { member: 'control', compression: 'xz' },
  ] as const;
  for (const { member, compression } of cases) {
    test(`${member}.tar.${compression} expanding to 64 MiB against a 4 MiB limit → too-large`, async () => {
      const path = await buildBombDeb(dir, { member, compression, expandedBytes: 64 * 1024 * 1024 });
      assert.ok((await stat(path)).size < 200 * 1024, 'the bomb itself is small');
      const err = await rejectsWith(path, 'too-large');
      assert.match(err.message, new RegExp(`${member}\\.tar`));
      await noDecompressorLeft();
    });
  }

  test('the same package passes when the limit is above its size', async () => {
    const path = await buildBombDeb(dir, { member: 'data', compression: 'zstd', expandedBytes: 2 * 1024 * 1024 });
    const info = await inspectDeb(path, OPTS);
    assert.ok(info.uncompressedBytes > 2 * 1024 * 1024);
  });
});
