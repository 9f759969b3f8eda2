import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRelativeRepoPath, debFileName, debPoolPath, poolDirectory } from '../src/repo/pool/pool-path.ts';
import { RepoError } from '../src/repo/repo-error.ts';

test('poolDirectory files lib* sources under "lib" + letter, others under their first letter', () => {
  assert.equal(poolDirectory('main', 'zlib'), 'pool/main/z/zlib/');
  assert.equal(poolDirectory('main', 'libpci'), 'pool/main/libp/libpci/');
  assert.equal(poolDirectory('main', 'libz'), 'pool/main/libz/libz/');
  assert.equal(poolDirectory('main', 'gmp'), 'pool/main/g/gmp/');
  assert.equal(poolDirectory('main', '0ad'), 'pool/main/0/0ad/');
  assert.equal(poolDirectory('main', 'lib'), 'pool/main/l/lib/');
  assert.equal(poolDirectory('contrib', 'libstub'), 'pool/contrib/libs/libstub/');
});

test('debFileName drops the epoch, as dpkg-name and dak do', () => {
  assert.equal(debFileName('zlib1g', '1:1.3.dfsg-3+b1', 'stubdom-amd64'), 'zlib1g_1.3.dfsg-3+b1_stubdom-amd64.deb');
  assert.equal(debFileName('libstub1', '1.0~rc1-1', 'all'), 'libstub1_1.0~rc1-1_all.deb');
  assert.equal(debFileName('qemu', '2:8.0+dfsg-1', 'stubdom-amd64'), 'qemu_8.0+dfsg-1_stubdom-amd64.deb');
});

test('debPoolPath joins both', () => {
  assert.equal(
    debPoolPath('main', 'zlib', 'zlib1g', '1:1.3.dfsg-3', 'stubdom-amd64'),
    'pool/main/z/zlib/zlib1g_1.3.dfsg-3_stubdom-amd64.deb',
  );
});

test('names that could leave the pool directory are refused', () => {
  const bad: [() => unknown, string][] = [
    [() => poolDirectory('main', '../etc'), 'bad-name'],
    [() => poolDirectory('main', 'a'), 'bad-name'],
    [() => poolDirectory('main', 'Zlib'), 'bad-name'],
    [() => poolDirectory('../main', 'zlib'), 'bad-name'],
    [() => poolDirectory('main/x', 'zlib'), 'bad-name'],
    [() => debFileName('zlib1g', '1.0/../../x', 'stubdom-amd64'), 'bad-version'],
    [() => debFileName('zlib1g', '1.0 1', 'stubdom-amd64'), 'bad-version'],
    [() => debFileName('zlib1g', ' 1.0', 'stubdom-amd64'), 'bad-version'],
    [() => debFileName('zlib1g', 'x1.0', 'stubdom-amd64'), 'bad-version'],
    [() => debFileName('zlib1g', '1.0', 'amd64/../x'), 'bad-name'],
    [() => debFileName('zlib_1g', '1.0', 'amd64'), 'bad-name'],
  ];
  for (const [fn, code] of bad) {
    assert.throws(fn, (err: unknown) => err instanceof RepoError && err.code === code, fn.toString());
  }
});

test('assertRelativeRepoPath accepts pool paths and refuses escapes', () => {
  assertRelativeRepoPath('pool/main/z/zlib/zlib1g_1.3-1_stubdom-amd64.deb', 'pool/');
  for (const p of ['/etc/passwd', 'pool/../etc', 'pool//x', 'pool/./x', 'pool/x\n', 'pool/a b', 'dists/x', '']) {
    assert.throws(() => assertRelativeRepoPath(p, 'pool/'), RepoError, JSON.stringify(p));
  }
});
