// Relationship fields: round-trip through the canonical form, agree with dpkg's own
// Dpkg::Deps on canonical spelling and on reduction, and fail only with DebianParseError.
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DebianParseError } from '../src/debian/parse-error.ts';
import { formatRelations, parseRelations, reduceRelations, type ProfileTerm, type Relation } from '../src/debian/relations.ts';
import type { VersionOp } from '../src/debian/version.ts';
import { stubdomArches } from './helpers/stubdom-arches.ts';

const isRelationError = (e: unknown) => e instanceof DebianParseError && e.kind === 'relation';

const nameArb = fc
  .tuple(fc.constantFrom(...'abcz019'), fc.array(fc.constantFrom(...'abcxyz0189+.-'), { minLength: 1, maxLength: 10 }))
  .map(([first, rest]) => first + rest.join(''));
const versionArb = fc
  .tuple(
    fc.option(fc.constantFrom('1', '2', '10'), { nil: undefined }),
    fc.array(fc.constantFrom('1', '0', '2.3', '~rc1', '+dfsg', '.', 'a'), { maxLength: 4 }),
    fc.option(fc.constantFrom('1', '0ubuntu1', '1~bpo12+1'), { nil: undefined }),
  )
  .map(([epoch, rest, revision]) => `${epoch ? `${epoch}:` : ''}1${rest.join('')}${revision ? `-${revision}` : ''}`);
const archArb = fc.constantFrom('amd64', 'i386', 'arm64', 'linux-any', 'hurd-any', 'any-amd64', 'stubdom-any', 'stubdom-amd64');
const profileArb = fc.constantFrom('nocheck', 'cross', 'stage1', 'stage2', 'nodoc', 'pkg.foo.bar');

const relationArb = fc
  .record(
    {
      name: nameArb,
      archQualifier: fc.constantFrom('any', 'native', 'amd64', 'stubdom-amd64'),
      version: fc.record({ op: fc.constantFrom<VersionOp>('<<', '<=', '=', '>=', '>>'), version: versionArb }),
      archRestriction: fc.record({ negated: fc.boolean(), arches: fc.uniqueArray(archArb, { minLength: 1, maxLength: 3 }) }),
      profiles: fc.array(fc.array(fc.record({ negated: fc.boolean(), name: profileArb }), { minLength: 1, maxLength: 3 }), {
        minLength: 1,
        maxLength: 3,
      }),
    },
    { requiredKeys: ['name'] },
  )
  // Plain objects with only the keys that are set, as the parser builds them.
  .map((r): Relation => JSON.parse(JSON.stringify(r)) as Relation);
const relationsArb = fc.array(fc.array(relationArb, { minLength: 1, maxLength: 3 }), { maxLength: 5 });

test('parse(format(r)) equals r, and formatting canonical text gives it back unchanged', () => {
  fc.assert(
    fc.property(relationsArb, (relations) => {
      const text = formatRelations(relations);
      assert.deepEqual(parseRelations(text), relations);
      assert.equal(formatRelations(parseRelations(text)), text);
    }),
    { numRuns: 1000 },
  );
});

// Whitespace dpkg accepts: line breaks (the field was folded), no space before "(", spaces
// inside brackets, a trailing comma.
test('non-canonical whitespace parses to the same relations', () => {
  fc.assert(
    fc.property(
      relationsArb.filter((r) => r.length > 0),
      fc.constantFrom('\n ', '  ', '\t'),
      (relations, ws) => {
        const canonical = formatRelations(relations);
        const noisy =
          ws +
          canonical
            .replace(/, /g, `${ws},${ws}`)
            .replace(/ \| /g, `${ws}|${ws}`)
            .replace(/\(([<>=]+) /g, `(${ws}$1`)
            .replace(/\)/g, `${ws})`)
            .replace(/\[/g, `[${ws}`)
            .replace(/ <(?=[!a-z])/g, ` <${ws}`) +
          ',\n';
        assert.deepEqual(parseRelations(noisy), relations);
        assert.deepEqual(parseRelations(canonical.replace(/ \(/g, '(')), relations);
      },
    ),
    { numRuns: 500 },
  );
});

test('a real Build-Depends field parses into the expected structure', () => {
  const field =
    'debhelper-compat (= 13), libz-dev (>= 1:1.2~) [!hurd-any !kfreebsd-any], python3:any,\n' +
    ' gcc-12 <cross> | gcc <!cross>, dh-python <!nocheck> <stage1 !cross>';
  const p = (negated: boolean, name: string): ProfileTerm => ({ negated, name });
  assert.deepEqual(parseRelations(field), [
    [{ name: 'debhelper-compat', version: { op: '=', version: '13' } }],
    [
      {
        name: 'libz-dev',
        version: { op: '>=', version: '1:1.2~' },
        archRestriction: { negated: true, arches: ['hurd-any', 'kfreebsd-any'] },
      },
    ],
    [{ name: 'python3', archQualifier: 'any' }],
    [
      { name: 'gcc-12', profiles: [[p(false, 'cross')]] },
      { name: 'gcc', profiles: [[p(true, 'cross')]] },
    ],
    [{ name: 'dh-python', profiles: [[p(true, 'nocheck')], [p(false, 'stage1'), p(true, 'cross')]] }],
  ]);
  assert.deepEqual(parseRelations(''), []);
  assert.deepEqual(parseRelations('  \n '), []);
});

test('malformed relations are DebianParseError', () => {
  const bad = [
    'foo (> 1)', // deprecated operator
    'foo (< 1)',
    'foo (>= )',
    'foo (>= 1',
    'foo (>= 1.0 2)',
    'foo (>= a1)',
    'foo [amd64 !i386]', // mixed negation: Debian policy 7.1 forbids it (dpkg's Perl parser accepts it)
    'foo []',
    'foo [amd64',
    'foo [! amd64]',
    'foo <>',
    'foo <!>',
    'foo <stage1',
    'Foo',
    'f',
    'a,,b',
    ', a',
    'a | , b',
    'foo:',
    'foo :any',
    'foo:Any',
    '${misc:Depends}',
    'foo (>= 1) (<< 2)',
    'foo <stage1> [amd64]', // wrong order
    'foo [amd64] [i386]',
    'foo bar',
    'foo (>= 1) extra',
  ];
  for (const field of bad) assert.throws(() => parseRelations(field), isRelationError, field);
});

const tokenish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'foo',
        'a1',
        ':any',
        ':',
        '(',
        ')',
        '>=',
        '>>',
        '<',
        '1.0',
        '[',
        ']',
        '!',
        'amd64',
        '<!nocheck>',
        '<',
        '>',
        ',',
        '|',
        ' ',
        '\n',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 16 },
  )
  .map((parts) => parts.join(''));

test('arbitrary input only ever raises DebianParseError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), tokenish), (text) => {
      try {
        const parsed = parseRelations(text);
        // Whatever parses must also survive the round trip.
        assert.deepEqual(parseRelations(formatRelations(parsed)), parsed);
        reduceRelations(parsed, { hostArch: 'stubdom-amd64', profiles: new Set(['nocheck']), arches: stubdomArches.table });
      } catch (error) {
        assert.ok(isRelationError(error), `${String(error)} for ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

const FIELD =
  'debhelper-compat (= 13), libfoo-dev [amd64] | libfoo-xen-dev [!linux-any], ' +
  'libbar-dev [linux-any] | libbar-xen-dev [stubdom-any], libhurd-dev [hurd-any], libnolinux-dev [!linux-any !hurd-any], ' +
  'python3-pytest <!nocheck>, gcc-x86-64-xen-elf <cross> | gcc <!cross>, bootstrap-tool <stage1 !cross> <stage2>, ' +
  'libamd64-only [any-amd64] <!nocheck>';

test('reduceRelations keeps what a build for the host and profiles needs', () => {
  const table: ReadonlyArray<[string, string[], string]> = [
    ['stubdom-amd64', [], 'debhelper-compat (= 13), libfoo-xen-dev, libbar-xen-dev, libnolinux-dev, python3-pytest, gcc, libamd64-only'],
    ['stubdom-amd64', ['nocheck', 'cross'], 'debhelper-compat (= 13), libfoo-xen-dev, libbar-xen-dev, libnolinux-dev, gcc-x86-64-xen-elf'],
    [
      'stubdom-amd64',
      ['stage1'],
      'debhelper-compat (= 13), libfoo-xen-dev, libbar-xen-dev, libnolinux-dev, python3-pytest, gcc, bootstrap-tool, libamd64-only',
    ],
    [
      'stubdom-amd64',
      ['stage2', 'cross'],
      'debhelper-compat (= 13), libfoo-xen-dev, libbar-xen-dev, libnolinux-dev, python3-pytest, gcc-x86-64-xen-elf, bootstrap-tool, libamd64-only',
    ],
    ['amd64', ['nocheck'], 'debhelper-compat (= 13), libfoo-dev, libbar-dev, gcc'],
    ['hurd-i386', [], 'debhelper-compat (= 13), libfoo-xen-dev, libhurd-dev, python3-pytest, gcc'],
  ];
  const parsed = parseRelations(FIELD);
  for (const [hostArch, profiles, want] of table) {
    assert.equal(
      formatRelations(reduceRelations(parsed, { hostArch, profiles: new Set(profiles), arches: stubdomArches.table })),
      want,
      `${hostArch} <${profiles.join(' ')}>`,
    );
  }
  // The input is not modified.
  assert.equal(formatRelations(parsed), FIELD);
});

// dpkg's own Dpkg::Deps, one Perl process for all cases: canonical form, then the reduced
// form for each (host, profiles). stubdom-amd64 is unknown to dpkg, so only real hosts here.
const PERL = `
use Dpkg::Deps; use JSON::PP;
my $cases = decode_json(do { local $/; <STDIN> });
for my $c (@$cases) {
  my $d = deps_parse($c->{field}, build_dep => 1);
  print((defined $d ? "$d" : 'ERROR'), "\\n");
  my $r = deps_parse($c->{field}, build_dep => 1, host_arch => $c->{host}, build_profiles => $c->{profiles},
                     reduce_arch => 1, reduce_profiles => 1);
  print((defined $r ? "$r" : 'ERROR'), "\\n");
}
`;

test('canonical form and reduction agree with dpkg’s Dpkg::Deps', async () => {
  const fields = [
    FIELD,
    'aa (>=1.0)[amd64], bb:any(<< 2)  <!nocheck>,\n cc |dd [!i386] | ee <stage1 cross>',
    'libc6-dev:native, linux-libc-dev [linux-any], gnumach-dev [hurd-i386 hurd-amd64], xx [any-i386] <!nodoc> <pkg.foo.bar>',
    'p1 [kfreebsd-any] | p2 [!kfreebsd-any], qq (= 1:2.3-4) [any-arm64 any-amd64]',
  ];
  const hosts = ['amd64', 'i386', 'arm64', 'hurd-i386', 'kfreebsd-amd64', 'armhf'];
  const profileSets = [[], ['nocheck'], ['cross', 'stage1'], ['nodoc', 'pkg.foo.bar']];
  const cases = fields.flatMap((field) => hosts.flatMap((host) => profileSets.map((profiles) => ({ field, host, profiles }))));
  const child = execFile('perl', ['-e', PERL], { maxBuffer: 1 << 24 });
  child.stdin?.end(JSON.stringify(cases));
  const stdout = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`perl exited ${code}`))));
  });
  const lines = stdout.split('\n');
  cases.forEach(({ field, host, profiles }, i) => {
    const parsed = parseRelations(field);
    assert.equal(formatRelations(parsed), lines[2 * i], `canonical form of ${field}`);
    assert.equal(
      formatRelations(reduceRelations(parsed, { hostArch: host, profiles: new Set(profiles), arches: stubdomArches.table })),
      lines[2 * i + 1],
      `${field} on ${host} <${profiles.join(' ')}>`,
    );
  });
  console.log(`relations: compared ${cases.length} reductions with Dpkg::Deps`);
});
