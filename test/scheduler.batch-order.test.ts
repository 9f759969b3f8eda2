import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../src/domain-error.ts';
import { type BatchMember, orderBatch } from '../src/scheduler/batch-order.ts';
import { stubdomArches } from './helpers/stubdom-arches.ts';

const options = { hostArch: 'stubdom-amd64', profiles: new Set(['cross', 'nocheck']), arches: stubdomArches.table };

function member(source: string, buildDepends: string, more: Partial<BatchMember> = {}): BatchMember {
  return { source, version: '1.0', binaries: [`${source}-dev`], buildDepends, buildDependsArch: '', ...more };
}

test('members wait for the members whose binaries they build-depend on, at that version', () => {
  const members = [
    member('c', 'debhelper-compat (= 13), b-dev'),
    member('b', 'a-dev (>= 0.5)'),
    member('a', 'debhelper-compat (= 13)', { version: '2.0-1' }),
    member('solo', 'debhelper-compat (= 13)'),
  ];
  const { waits, order } = orderBatch(members, options);
  assert.deepEqual(waits, [[{ on: 1, relation: 'b-dev (>= 1.0)' }], [{ on: 2, relation: 'a-dev (>= 2.0-1)' }], [], []]);
  assert.deepEqual(
    order.map((i) => members[i]!.source),
    ['a', 'b', 'c', 'solo'],
  );
});

test('relations are reduced for stubdom-amd64 with the cross and nocheck profiles; Build-Depends-Arch counts', () => {
  const members = [
    member('x', 'a-dev [amd64], b-dev <!cross>, c-dev <!nocheck>, d-dev [stubdom-any] <cross>'),
    member('y', '', { buildDependsArch: 'e-dev' }),
    member('a', ''),
    member('b', ''),
    member('c', ''),
    member('d', ''),
    member('e', ''),
  ];
  const { waits } = orderBatch(members, options);
  assert.deepEqual(
    waits[0]!.map((w) => members[w.on]!.source),
    ['d'],
  );
  assert.deepEqual(
    waits[1]!.map((w) => members[w.on]!.source),
    ['e'],
  );
});

test('an alternative another member builds decides; :native and unfitting versions do not', () => {
  const members = [member('x', 'libdebian-dev | a-dev, b-dev:native, c-dev (>= 2)'), member('a', ''), member('b', ''), member('c', '')];
  assert.deepEqual(orderBatch(members, options).waits[0], [{ on: 1, relation: 'a-dev (>= 1.0)' }]);
});

test('a cycle is refused, naming its members and what each needs', () => {
  const members = [member('solo', ''), member('p', 'q-dev'), member('q', 'r-dev'), member('r', 'p-dev')];
  assert.throws(
    () => orderBatch(members, options),
    (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'dependency-cycle');
      assert.match(
        error.message,
        /p 1\.0 needs q-dev \(>= 1\.0\) from q; q 1\.0 needs r-dev \(>= 1\.0\) from r; r 1\.0 needs p-dev \(>= 1\.0\) from p/,
      );
      assert.deepEqual(
        (error.details.cycle as { source: string }[]).map((m) => m.source),
        ['p', 'q', 'r'],
      );
      return true;
    },
  );
});

test('a member needing its own binary is no cycle; archive references (binaries unknown) are not ordered', () => {
  const members = [
    member('self', 'self-dev'),
    { source: 'ref', version: null, binaries: null, buildDepends: '', buildDependsArch: '' },
    member('user', 'ref-dev'),
  ];
  assert.deepEqual(orderBatch(members, options).waits, [[], [], []]);
});

test('two members declaring the same binary are refused', () => {
  assert.throws(
    () => orderBatch([member('a', '', { binaries: ['common-dev'] }), member('b', '', { binaries: ['common-dev'] })], options),
    (error: unknown) => error instanceof DomainError && error.code === 'invalid-batch' && /common-dev/.test(error.message),
  );
});
