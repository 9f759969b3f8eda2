import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { parseDeb822 } from '../src/debian/deb822.ts';
import { inspectDeb } from '../src/repo/deb/inspect-deb.ts';
import { buildPackagesFile, buildSourcesFile, formatPackagesStanza, formatSourcesStanza } from '../src/repo/publish/packages-index.ts';
import { debPoolPath } from '../src/repo/pool/pool-path.ts';
import { buildDeb, makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

const run = promisify(execFile);
const OPTS = { allowedArchitectures: ['stubdom-amd64', 'all'], maxControlBytes: 65536, maxUncompressedBytes: 1 << 22 };

let dir: string;
before(async () => {
  dir = await makeTempDir();
});
after(async () => {
  await removeTempDir(dir);
});

/** dpkg-scanpackages without SHA1 (we do not publish it) is the oracle for field order. */
async function scanPackages(root: string): Promise<string> {
  const { stdout } = await run('dpkg-scanpackages', ['--hash', 'md5,sha256', 'pool', '/dev/null'], { cwd: root });
  return stdout;
}

test('a one-package Packages file matches dpkg-scanpackages byte for byte', async () => {
  const root = join(dir, 'scan-bin');
  const poolPath = debPoolPath('main', 'stub', 'libstub1', '1:1.0-1', 'stubdom-amd64');
  await mkdir(join(root, poolPath, '..'), { recursive: true });
  const deb = await buildDeb(join(root, poolPath, '..'), {
    name: 'libstub1',
    version: '1:1.0-1',
    source: 'stub (1:2.0-1)',
    extraFields: {
      Depends: 'libc6-stubdom (>= 2.0)',
      Breaks: 'libstub0',
      'Built-Using': 'newlib (= 4.3.0-1)',
      Homepage: 'https://example.invalid/stub',
      Essential: 'no',
      'X-Zed': 'last',
      'X-Alpha': 'first of the unknown',
    },
  });
  const info = await inspectDeb(deb, OPTS);
  assert.equal(buildPackagesFile([formatPackagesStanza(info, poolPath)]), await scanPackages(root));
});

test('fields a .deb carries that the index computes are replaced, not duplicated', async () => {
  const deb = await buildDeb(dir, { name: 'sneaky', extraFields: { Filename: 'pool/evil.deb', SHA256: 'f'.repeat(64) } });
  const info = await inspectDeb(deb, OPTS);
  const [p] = parseDeb822(formatPackagesStanza(info, 'pool/main/s/sneaky/sneaky_1.0-1_stubdom-amd64.deb'));
  const names = p!.fields.map((f) => f.name);
  assert.equal(names.filter((n) => n === 'Filename').length, 1);
  assert.equal(p!.fields.find((f) => f.name === 'SHA256')?.value, info.sha256);
  assert.equal(p!.fields.find((f) => f.name === 'Filename')?.value, 'pool/main/s/sneaky/sneaky_1.0-1_stubdom-amd64.deb');
});

test('buildPackagesFile orders by name, then dpkg version order, and is independent of input order', () => {
  const stanza = (name: string, version: string) =>
    `Package: ${name}\nVersion: ${version}\nArchitecture: stubdom-amd64\nFilename: pool/main/x/${name}/${name}_${version}_stubdom-amd64.deb\n`;
  const stanzas = [stanza('zlib1g', '1.3-1'), stanza('libstub1', '1.0~rc1-1'), stanza('libstub1', '1.0-1'), stanza('libstub1', '1.0+b1-1')];
  const file = buildPackagesFile(stanzas);
  const order = parseDeb822(file).map((p) => `${p.fields[0]!.value} ${p.fields[1]!.value}`);
  assert.deepEqual(order, ['libstub1 1.0~rc1-1', 'libstub1 1.0-1', 'libstub1 1.0+b1-1', 'zlib1g 1.3-1']);
  assert.equal(buildPackagesFile([...stanzas].reverse()), file);
  assert.match(file, /\n\nPackage: libstub1\nVersion: 1\.0-1\n/);
  assert.ok(file.endsWith('.deb\n\n'));
  assert.equal(buildPackagesFile([]), '');
});

test('buildPackagesFile refuses a stored stanza that smuggles in a second paragraph', () => {
  const evil = 'Package: a1\nVersion: 1\nArchitecture: stubdom-amd64\n\nPackage: evil\nVersion: 9\n';
  assert.throws(() => buildPackagesFile([evil]), /one paragraph/);
});

test('a one-package Sources file matches dpkg-scansources, less the SHA-1 list', async () => {
  const root = join(dir, 'scan-src');
  const directory = 'pool/main/s/stub';
  await mkdir(join(root, directory), { recursive: true });
  const tarball = Buffer.from('not really a tarball\n');
  await writeFile(join(root, directory, 'stub_2.0.tar.xz'), tarball);
  const h = (alg: string, b: Buffer | string) => createHash(alg).update(b).digest('hex');
  const dscText = [
    'Format: 3.0 (native)',
    'Source: stub',
    'Binary: libstub1, stub-tools',
    'Architecture: any all',
    'Version: 2.0',
    'Maintainer: Stub Builder <stub@example.invalid>',
    'Homepage: https://example.invalid',
    'Standards-Version: 4.6.2',
    'Vcs-Git: https://example.invalid/stub.git',
    'Build-Depends: debhelper-compat (= 13)',
    'Package-List:',
    ' libstub1 deb libs optional arch=any',
    ' stub-tools deb devel optional arch=all',
    'Checksums-Sha1:',
    ` ${h('sha1', tarball)} ${tarball.length} stub_2.0.tar.xz`,
    'Checksums-Sha256:',
    ` ${h('sha256', tarball)} ${tarball.length} stub_2.0.tar.xz`,
    'Files:',
    ` ${h('md5', tarball)} ${tarball.length} stub_2.0.tar.xz`,
    'X-Custom: yes',
    '',
  ].join('\n');
  await writeFile(join(root, directory, 'stub_2.0.dsc'), dscText);
  const { stdout } = await run('dpkg-scansources', ['pool', '/dev/null'], { cwd: root });
  const expected = stdout.replace(/^Checksums-Sha1:\n( .*\n)+/m, '');

  const [dsc] = parseDeb822(dscText);
  const stanza = formatSourcesStanza(dsc!, {
    directory,
    dscFile: { name: 'stub_2.0.dsc', size: Buffer.byteLength(dscText), sha256: h('sha256', dscText), md5: h('md5', dscText) },
  });
  assert.equal(buildSourcesFile([stanza]), expected);
});
