// The index keeps the newest versions of each package: one rule for binaries and sources.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepNewestVersions } from '../src/repo/rows/keep-newest.ts';

const rows = (...versions: [number, string][]) => versions.map(([id, version]) => ({ id, version }));

test('beyond the newest `keep` versions, rows are removed and candidates are too old', () => {
  const existing = new Map([
    ['zlib', rows([1, '1.2'], [2, '1.3'])],
    ['gmp', rows([3, '6.2'])],
  ]);
  const removed = new Set<number>();
  const added = [
    { name: 'zlib', version: '1.3.1' },
    { name: 'zlib', version: '1.1' },
    { name: 'pci', version: '3.9' },
  ];
  const tooOld = keepNewestVersions(
    existing,
    added,
    (c) => c.name,
    (c) => c.version,
    2,
    removed,
  );
  assert.deepEqual([...removed], [1]);
  assert.deepEqual(tooOld, [{ name: 'zlib', version: '1.1' }]);
});

test('versions compare in dpkg order, and rows already removed do not count', () => {
  const existing = new Map([['x', rows([1, '1:0.9'], [2, '2.0'], [3, '10.0~rc1'])]]);
  const removed = new Set([3]);
  const tooOld = keepNewestVersions(
    existing,
    [{ version: '10.0' }],
    () => 'x',
    (c) => c.version,
    1,
    removed,
  );
  // 1:0.9 (epoch 1) is the newest; 10.0 and 2.0 go.
  assert.deepEqual([...removed].sort(), [2, 3]);
  assert.deepEqual(tooOld, [{ version: '10.0' }]);
});

test('a group that gains nothing is still held to the rule', () => {
  const removed = new Set<number>();
  keepNewestVersions(
    new Map([['old', rows([1, '1'], [2, '2'], [3, '3'])]]),
    [],
    () => '',
    () => '',
    1,
    removed,
  );
  assert.deepEqual([...removed].sort(), [1, 2]);
});
