// Architecture names and wildcards must match exactly what dpkg-architecture decides.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { ArchTable } from '../src/debian/architecture.ts';
import { DebianParseError } from '../src/debian/parse-error.ts';

const run = promisify(execFile);

// dpkg's tables plus the stubdom-amd64 profile's rows, as a service building it has them.
const STUBDOM_ARCH = 'stubdom-amd64';
const profile = JSON.parse(readFileSync(new URL('../arches/stubdom-amd64.json', import.meta.url), 'utf8')) as {
  dpkg: { ostable: string; tupletable: string };
};
const table = new ArchTable([profile.dpkg]);
const archMatches = table.archMatches.bind(table);
const archTuple = table.archTuple.bind(table);
const archListAllows = table.archListAllows.bind(table);
const isArchWildcard = table.isArchWildcard.bind(table);
const requireArchTuple = table.requireArchTuple.bind(table);
const knownArchitectures = table.knownArchitectures.bind(table);

async function shell(script: string, args: readonly string[]): Promise<string[]> {
  const { stdout } = await run('sh', ['-c', script, 'sh', ...args], { maxBuffer: 1 << 24 });
  return stdout.split('\n').filter((line) => line !== '');
}

const WILDCARDS = [
  'any',
  'all',
  'linux-any',
  'any-amd64',
  'any-i386',
  'any-arm',
  'any-mips64el',
  'kfreebsd-any',
  'hurd-any',
  'gnu-any',
  'darwin-any',
  'gnu-linux-any',
  'musl-linux-any',
  'uclibc-any-any',
  'bsd-any-any',
  'eabihf-any-any-arm',
  'base-any-any-amd64',
  'any-any-any-any',
  'amd64',
  'armhf',
  'x32',
  'linux-amd64',
  'hurd-i386',
];

const real = knownArchitectures().filter((arch) => arch !== STUBDOM_ARCH);

test("our table lists exactly the architectures of dpkg-architecture -L, plus the profile's", async () => {
  const dpkg = await shell('dpkg-architecture -L', []);
  assert.deepEqual(real, dpkg);
  assert.equal(knownArchitectures().at(-1), STUBDOM_ARCH);
  assert.deepEqual(new ArchTable().knownArchitectures(), dpkg, "without profiles, dpkg's own");
});

test('two partial architectures side by side: each has its tuple, the wildcards tell them apart', () => {
  const rump = JSON.parse(readFileSync(new URL('../arches/stubdom-rumprun-amd64.json', import.meta.url), 'utf8')) as {
    dpkg: { ostable: string; tupletable: string };
  };
  const both = new ArchTable([profile.dpkg, rump.dpkg]);
  assert.equal(both.archTuple('stubdom-rumprun-amd64')?.gnuTriplet, 'x86_64-rumprun-netbsd');
  assert.equal(both.archTuple('stubdom-amd64')?.gnuTriplet, 'x86_64-xen-elf');
  assert.equal(both.archMatches('stubdom-rumprun-amd64', 'any-amd64'), true);
  assert.equal(both.archMatches('stubdom-rumprun-amd64', 'newlib-stubdom-any'), false);
  assert.equal(both.archMatches('stubdom-amd64', 'newlib-stubdom-any'), true);
  assert.equal(new ArchTable().archTuple('stubdom-amd64'), undefined, 'dpkg alone does not know them');
});

test('archMatches agrees with dpkg on every known architecture crossed with each wildcard', async () => {
  // -L -W runs dpkg's debarch_is(arch, wildcard) over every known architecture in one Perl
  // process; one exec per (arch, wildcard) pair would be ~13,000 execs of a Perl script.
  const lines = await shell('for w in "$@"; do dpkg-architecture -L -W "$w" | sed "s/^/$w /"; done', WILDCARDS);
  const dpkgMatches = new Set(lines);
  let compared = 0;
  const mismatches: string[] = [];
  for (const wildcard of WILDCARDS) {
    for (const arch of real) {
      compared++;
      const want = dpkgMatches.has(`${wildcard} ${arch}`);
      if (archMatches(arch, wildcard) !== want) mismatches.push(`${arch} vs ${wildcard}: dpkg ${want}`);
    }
  }
  console.log(`architecture: compared ${compared} (arch, wildcard) pairs with dpkg-architecture -L -W`);
  assert.deepEqual(mismatches, []);
});

test('archMatches agrees with the exit code of dpkg-architecture -a<arch> -i<wildcard>', async () => {
  // A stratified sample: for every wildcard, some architectures that match it and some that
  // do not (picked by a fixed stride, so the sample is stable between runs).
  const pairs: [string, string][] = [];
  for (const [w, wildcard] of WILDCARDS.entries()) {
    const matching = real.filter((arch) => archMatches(arch, wildcard));
    const other = real.filter((arch) => !archMatches(arch, wildcard));
    const pick = (list: string[], n: number) => list.filter((_, i) => (i + w) % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);
    for (const arch of [...pick(matching, 20), ...pick(other, 20)]) pairs.push([arch, wildcard]);
  }
  const script = 'while [ $# -gt 0 ]; do dpkg-architecture -a"$1" -i"$2" 2>/dev/null; echo "$1 $2 $?"; shift 2; done';
  const half = Math.ceil(pairs.length / 2);
  const started = Date.now();
  const outputs = await Promise.all([pairs.slice(0, half), pairs.slice(half)].map((chunk) => shell(script, chunk.flat())));
  const results = outputs.flat();
  assert.equal(results.length, pairs.length);
  const mismatches: string[] = [];
  for (const line of results) {
    const [arch = '', wildcard = '', code = ''] = line.split(' ');
    if (code !== '0' && code !== '1') mismatches.push(`${line}: dpkg-architecture failed`);
    else if (archMatches(arch, wildcard) !== (code === '0')) mismatches.push(`${arch} vs ${wildcard}: dpkg exit ${code}`);
  }
  console.log(`architecture: checked ${pairs.length} pairs with dpkg-architecture -a -i in ${Date.now() - started} ms`);
  assert.deepEqual(mismatches, []);
});

test('archTuple gives dpkg’s abi, libc, os, cpu and GNU type', async () => {
  const sample = [
    'amd64',
    'i386',
    'armhf',
    'armel',
    'arm64',
    'x32',
    'mips64el',
    'mipsn32',
    'ppc64el',
    'powerpcspe',
    'hurd-i386',
    'hurd-amd64',
    'kfreebsd-amd64',
    'musl-linux-arm64',
    'musl-linux-armhf',
    'uclibc-linux-armel',
    'darwin-arm64',
    'freebsd-riscv64',
    'mint-m68k',
    'arm64ilp32',
    'loong64',
  ];
  const script =
    'for a in "$@"; do eval "$(dpkg-architecture -a"$a" 2>/dev/null)"; ' +
    'echo "$a $DEB_HOST_ARCH_ABI $DEB_HOST_ARCH_LIBC $DEB_HOST_ARCH_OS $DEB_HOST_ARCH_CPU $DEB_HOST_GNU_TYPE"; done';
  const lines = await shell(script, sample);
  for (const line of lines) {
    const [arch = '', abi, libc, os, cpu, gnuTriplet] = line.split(' ');
    assert.deepEqual(archTuple(arch), { abi, libc, os, cpu, gnuTriplet }, arch);
  }
  assert.equal(lines.length, sample.length);
});

test('stubdom-amd64 has its own tuple and matches its wildcards', () => {
  assert.deepEqual(archTuple(STUBDOM_ARCH), { abi: 'base', libc: 'newlib', os: 'stubdom', cpu: 'amd64', gnuTriplet: 'x86_64-xen-elf' });
  const table: ReadonlyArray<[string, boolean]> = [
    ['any', true],
    ['stubdom-any', true],
    ['any-amd64', true],
    ['newlib-stubdom-any', true],
    ['base-newlib-stubdom-any', true],
    ['any-any-any-amd64', true],
    ['stubdom-amd64', true],
    ['linux-any', false],
    ['amd64', false],
    ['all', false],
    ['any-i386', false],
    ['gnu-any-any', false],
    ['hurd-any', false],
    ['base-newlib-stubdom-amd64', false], // a tuple without "any" is not a pattern for dpkg either
  ];
  for (const [pattern, want] of table) assert.equal(archMatches(STUBDOM_ARCH, pattern), want, pattern);
  assert.equal(archMatches('amd64', 'stubdom-any'), false);
});

test('archListAllows reads a .dsc Architecture list for the host', () => {
  const table: ReadonlyArray<[string[], string, boolean]> = [
    [['any'], STUBDOM_ARCH, true],
    [['all'], STUBDOM_ARCH, false],
    [['any', 'all'], STUBDOM_ARCH, true],
    [['linux-any'], STUBDOM_ARCH, false],
    [['linux-any', 'stubdom-any'], STUBDOM_ARCH, true],
    [['amd64', 'i386'], STUBDOM_ARCH, false],
    [['any-amd64'], STUBDOM_ARCH, true],
    [['amd64', 'arm64'], 'arm64', true],
    [[], 'amd64', false],
  ];
  for (const [list, host, want] of table) assert.equal(archListAllows(list, host), want, `${list.join(' ')} on ${host}`);
});

test('wildcards and unknown names', () => {
  assert.equal(isArchWildcard('any'), true);
  assert.equal(isArchWildcard('linux-any'), true);
  assert.equal(isArchWildcard('all'), false);
  assert.equal(isArchWildcard('amd64'), false);
  assert.equal(archTuple('no-such-arch'), undefined);
  assert.equal(archMatches('no-such-arch', 'linux-any'), false);
  assert.equal(archMatches('no-such-arch', 'any'), true); // as dpkg: "any" matches any name
  assert.throws(
    () => requireArchTuple('no-such-arch'),
    (e: unknown) => e instanceof DebianParseError && e.kind === 'architecture',
  );
});
