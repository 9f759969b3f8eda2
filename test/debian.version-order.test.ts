// compareVersions must order exactly as dpkg does: dpkg --compare-versions is the oracle.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { DebianParseError } from '../src/debian/parse-error.ts';
import { compareVersions, formatVersion, isValidVersion, parseVersion, versionSatisfies, type VersionOp } from '../src/debian/version.ts';

const run = promisify(execFile);

// One shell per chunk reads "a b" pairs from a file and prints -1/0/1 per line, so 2,000
// pairs cost a few thousand dpkg execs but only a couple of Node spawns.
const ORACLE = `
while read -r a b; do
  dpkg --compare-versions "$a" lt "$b"; r=$?
  if [ $r -eq 0 ]; then echo -1; continue; fi
  if [ $r -ne 1 ]; then echo "E$r"; continue; fi
  dpkg --compare-versions "$a" eq "$b"; r=$?
  if [ $r -eq 0 ]; then echo 0; elif [ $r -eq 1 ]; then echo 1; else echo "E$r"; fi
done < "$1"
`;

async function compareWithDpkg(pairs: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'stubbuild-version-'));
  try {
    const chunks = 4;
    const size = Math.ceil(pairs.length / chunks);
    const outputs = await Promise.all(
      Array.from({ length: chunks }, async (_, i) => {
        const file = join(dir, `pairs-${i}`);
        const slice = pairs.slice(i * size, (i + 1) * size);
        await writeFile(file, slice.map(([a, b]) => `${a} ${b}\n`).join(''));
        const { stdout } = await run('sh', ['-c', ORACLE, 'oracle', file], { maxBuffer: 1 << 24 });
        return stdout.split('\n').filter((line) => line !== '');
      }),
    );
    return outputs.flat();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Generators biased toward the parts where orderings go wrong.
const digitRun = fc.oneof(fc.constantFrom('0', '1', '9', '10', '00', '01', '001', '010', '100'), fc.nat({ max: 99999 }).map(String));
const letters = fc.constantFrom('a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'dfsg', 'git', 'bpo', 'deb', 'ubuntu');
const upstreamPiece = (withColon: boolean, withHyphen: boolean) =>
  fc.oneof(
    { weight: 4, arbitrary: digitRun },
    { weight: 3, arbitrary: letters },
    { weight: 3, arbitrary: fc.constantFrom('.', '~', '+', '~~', '.~', '+~') },
    { weight: withColon ? 1 : 0, arbitrary: fc.constant(':') },
    { weight: withHyphen ? 1 : 0, arbitrary: fc.constant('-') },
  );
const revisionPiece = fc.oneof(
  { weight: 4, arbitrary: digitRun },
  { weight: 2, arbitrary: letters },
  { weight: 3, arbitrary: fc.constantFrom('.', '~', '+', '~bpo', '+b', '+deb12u') },
);

const versionArb = fc
  .record({
    epoch: fc.option(fc.constantFrom('0', '1', '2', '00', '01', '10'), { freq: 3 }),
    revision: fc.option(fc.array(revisionPiece, { minLength: 1, maxLength: 5 }), { freq: 3 }),
  })
  .chain(({ epoch, revision }) =>
    fc.tuple(digitRun, fc.array(upstreamPiece(epoch !== null, revision !== null), { maxLength: 6 })).map(([first, rest]) => {
      const upstream = first + rest.join('');
      const epochText = epoch === null ? '' : `${epoch}:`;
      const revisionText = revision === null ? '' : `-${revision.join('')}`;
      return `${epochText}${upstream}${revisionText}`;
    }),
  )
  .filter(isValidVersion);

// Near-equal pairs: the same version with a small change at the end or in the middle.
const tweak = fc.constantFrom('~', '~~', '~a', '+', '+b1', 'a', '0', '.0', '.', '-0', '-1', '-1~bpo1');
const nearPair = fc
  .tuple(versionArb, tweak)
  .map(([v, t]): [string, string] => {
    // A tweak with a hyphen only makes sense when v has no revision yet.
    const b = t.startsWith('-') && parseVersion(v).revision !== '' ? v + t.slice(1).replace(/-/g, '') : v + t;
    return [v, b];
  })
  .filter(([a, b]) => isValidVersion(a) && isValidVersion(b));
const zeroPair = versionArb.map((v): [string, string] => {
  const p = parseVersion(v);
  // Equal-by-dpkg spellings: explicit epoch 0, revision "0", extra leading zeros.
  return [formatVersion(p), `0:${p.upstream.replace(/\d+/, (d) => `0${d}`)}${p.revision === '' ? '-0' : `-${p.revision}`}`];
});
const pairArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(versionArb, versionArb) },
  { weight: 4, arbitrary: nearPair },
  { weight: 1, arbitrary: zeroPair.filter(([a, b]) => isValidVersion(a) && isValidVersion(b)) },
);

test('compareVersions agrees with dpkg --compare-versions on 2,000+ generated pairs', async () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  const pairs = fc.sample(pairArb, { numRuns: 2400, seed }).map(([a, b]) => [a, b] as const);
  const started = Date.now();
  const expected = await compareWithDpkg(pairs);
  assert.equal(expected.length, pairs.length, 'dpkg answered every pair');
  const mismatches: string[] = [];
  pairs.forEach(([a, b], i) => {
    const ours = String(compareVersions(a, b));
    if (ours !== expected[i]) mismatches.push(`${a} vs ${b}: dpkg ${expected[i]}, ours ${ours}`);
  });
  const outcomes = { less: 0, equal: 0, greater: 0 };
  for (const answer of expected) outcomes[answer === '-1' ? 'less' : answer === '0' ? 'equal' : 'greater']++;
  console.log(
    `version-order: compared ${pairs.length} pairs with dpkg in ${Date.now() - started} ms ` +
      `(seed ${seed}; ${outcomes.less} <, ${outcomes.equal} =, ${outcomes.greater} >)`,
  );
  assert.deepEqual(mismatches.slice(0, 20), [], `seed ${seed}`);
  assert.ok(pairs.length >= 2000);
});

// [a, b, expected]: Debian policy 5.6.12 and dpkg's own test cases, also checked with dpkg.
const POLICY_TABLE: ReadonlyArray<readonly [string, string, -1 | 0 | 1]> = [
  ['1.0~rc1', '1.0', -1],
  ['1.0~~', '1.0~~a', -1],
  ['1.0~~a', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0+', -1], // letters sort before non-letters
  ['1.0A', '1.0a', -1],
  ['1.0', '1.0+b1', -1],
  ['1.0', '1.0.1', -1],
  ['1.2.3', '1.2.10', -1],
  ['1.01', '1.1', 0],
  ['1.001', '1.1', 0],
  ['1.0', '1.0-0', 0], // a missing revision is "0"
  ['0:1.0', '1.0', 0],
  ['00:1.0', '0:1.0', 0],
  ['1:0.1', '2.0', 1],
  ['1:1.0', '1.0-9', 1],
  ['2.0', '10.0', -1],
  ['1.0-1~bpo1', '1.0-1', -1],
  ['1.0-1', '1.0-1.1', -1],
  ['1.0-1', '1.0-1+deb12u1', -1],
  ['1.0-1+b1', '1.0-1.1', -1],
  ['1.0-a', '1.0-1', 1],
  ['1:2:3', '1:2', 1], // colons in upstream are allowed once there is an epoch
  ['1.0-2-3', '1.0-2', 1], // the revision is after the last hyphen
  ['7.6p2-4', '7.6-0', 1],
  ['1.0.0', '1.0', 1],
  ['1.0.0', '1.0.', 0], // a trailing digit run of zeros equals none
  ['1.0.', '1.0', 1],
  ['0.0', '0', 1],
  ['1~', '1~0', 0],
  ['2147483647:1', '1:1', 1],
];

test('compareVersions matches the policy edge-case table, and dpkg agrees with the table', async () => {
  const dpkg = await compareWithDpkg(POLICY_TABLE.map(([a, b]) => [a, b] as const));
  POLICY_TABLE.forEach(([a, b, want], i) => {
    assert.equal(compareVersions(a, b), want, `${a} vs ${b}`);
    assert.equal(compareVersions(b, a), want === 0 ? 0 : -want, `${b} vs ${a}`);
    assert.equal(dpkg[i], String(want), `dpkg on ${a} vs ${b}`);
  });
});

test('parseVersion splits epoch, upstream and revision like dpkg', () => {
  assert.deepEqual(parseVersion('1:2.30-1ubuntu4'), { epoch: 1, upstream: '2.30', revision: '1ubuntu4' });
  assert.deepEqual(parseVersion('2.30'), { epoch: 0, upstream: '2.30', revision: '' });
  assert.deepEqual(parseVersion('1.0-2-3'), { epoch: 0, upstream: '1.0-2', revision: '3' });
  assert.deepEqual(parseVersion(' 3:1.0 '), { epoch: 3, upstream: '1.0', revision: '' });
  assert.equal(formatVersion(parseVersion('0:1.0-0')), '1.0-0');
  assert.equal(formatVersion(parseVersion('5:1.0-2')), '5:1.0-2');
});

// Each is an error for dpkg too, except the non-digit start, which dpkg only warns about.
const INVALID = [
  '   ',
  '1.0 1',
  ':1.0',
  'a:1.0',
  '-1:1.0',
  '1:',
  '1.0-',
  '1:-1',
  '-1',
  '1.0_1',
  '1.0-1_2',
  '1.0-1:2',
  '1.0-1-',
  '2147483648:1.0',
  'a1.0',
  '~1',
  'é1',
];

test('invalid versions are DebianParseError, and dpkg rejects or warns about each', async () => {
  // dpkg --compare-versions gives "" a meaning of its own (no version, below all others),
  // so the empty string is only checked on our side.
  for (const v of ['', ...INVALID]) {
    assert.equal(isValidVersion(v), false, JSON.stringify(v));
    assert.throws(
      () => parseVersion(v),
      (e: unknown) => e instanceof DebianParseError && e.kind === 'version',
      JSON.stringify(v),
    );
    assert.throws(() => compareVersions(v, '1.0'), DebianParseError);
  }
  // "ok" only when dpkg accepts the version silently (exit 0 or 1, nothing on stderr).
  const script =
    'for v in "$@"; do err=$(dpkg --compare-versions "$v" eq 1 2>&1); rc=$?; if [ $rc -le 1 ] && [ -z "$err" ]; then echo ok; else echo bad; fi; done';
  const { stdout } = await run('sh', ['-c', script, 'check', ...INVALID]);
  assert.deepEqual(
    stdout.trim().split('\n'),
    INVALID.map(() => 'bad'),
  );
});

test('versionSatisfies implements each relation operator', () => {
  const cases: ReadonlyArray<[string, VersionOp, string, boolean]> = [
    ['1.0', '<<', '1.1', true],
    ['1.1', '<<', '1.1', false],
    ['1.1', '<=', '1.1', true],
    ['1.1-0', '=', '1.1', true],
    ['1.1', '=', '1.1-1', false],
    ['1.2', '>=', '1.1', true],
    ['1.1~rc1', '>=', '1.1', false],
    ['1:0', '>>', '9.9', true],
    ['9.9', '>>', '9.9', false],
  ];
  for (const [v, op, target, want] of cases) assert.equal(versionSatisfies(v, op, target), want, `${v} ${op} ${target}`);
});

test('arbitrary strings never make the version parser throw anything but DebianParseError', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
      for (const f of [() => parseVersion(a), () => compareVersions(a, b), () => compareVersions(b, a)]) {
        try {
          f();
        } catch (error) {
          assert.ok(error instanceof DebianParseError, String(error));
        }
      }
    }),
    { numRuns: 2000 },
  );
});
