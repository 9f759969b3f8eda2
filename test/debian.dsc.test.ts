// parseDsc reads what dpkg-source really writes (plain and clear-signed by gpg), and every
// broken variant fails with a DebianParseError that names the field.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { splitClearsigned } from '../src/debian/deb822.ts';
import { parseDsc } from '../src/debian/dsc.ts';
import { DebianParseError } from '../src/debian/parse-error.ts';
import { parseRelations } from '../src/debian/relations.ts';

const run = promisify(execFile);

let dir = '';
let gnupgHome = '';
let dscText = '';
let signedText = '';

const CONTROL = `Source: hello-stub
Section: misc
Priority: optional
Maintainer: Stub Builder <stub@example.org>
Build-Depends: debhelper-compat (= 13), libz-dev [!hurd-any], python3:any <!nocheck>
Build-Depends-Arch: gcc-x86-64-xen-elf <cross> | gcc <!cross>
Build-Depends-Indep: python3-sphinx
Standards-Version: 4.6.2

Package: hello-stub
Architecture: any
Description: tiny test package
 Built for stubbuild's tests.

Package: hello-stub-doc
Architecture: all
Description: tiny test package (documentation)
 Built for stubbuild's tests.
`;

const CHANGELOG = `hello-stub (1:1.0~rc1-2) unstable; urgency=medium

  * Test upload.

 -- Stub Builder <stub@example.org>  Mon, 01 Jan 2024 00:00:00 +0000
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stubbuild-dsc-'));
  const src = join(dir, 'hello-stub-1.0~rc1');
  await mkdir(join(src, 'debian', 'source'), { recursive: true });
  await writeFile(join(src, 'README'), 'hello\n');
  await run('tar', ['-C', dir, '-czf', join(dir, 'hello-stub_1.0~rc1.orig.tar.gz'), 'hello-stub-1.0~rc1']);
  await writeFile(join(src, 'debian', 'source', 'format'), '3.0 (quilt)\n');
  await writeFile(join(src, 'debian', 'control'), CONTROL);
  await writeFile(join(src, 'debian', 'changelog'), CHANGELOG);
  await writeFile(join(src, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n');
  await chmod(join(src, 'debian', 'rules'), 0o755);
  await run('dpkg-source', ['-b', 'hello-stub-1.0~rc1'], { cwd: dir });
  dscText = await readFile(join(dir, 'hello-stub_1.0~rc1-2.dsc'), 'utf8');

  // A throwaway key in a throwaway GNUPGHOME; the agent it starts is stopped in after().
  gnupgHome = join(dir, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  const gpg = ['--homedir', gnupgHome, '--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
  await run('gpg', [...gpg, '--quick-gen-key', 'Stub Test <stub@example.org>', 'ed25519', 'sign', 'never']);
  await run('gpg', [...gpg, '--clearsign', '--output', join(dir, 'signed.dsc'), join(dir, 'hello-stub_1.0~rc1-2.dsc')]);
  signedText = await readFile(join(dir, 'signed.dsc'), 'utf8');
});

after(async () => {
  if (gnupgHome) await run('gpgconf', ['--homedir', gnupgHome, '--kill', 'gpg-agent']).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('parseDsc reads a .dsc written by dpkg-source -b', async () => {
  const dsc = parseDsc(dscText);
  assert.equal(dsc.source, 'hello-stub');
  assert.equal(dsc.version, '1:1.0~rc1-2');
  assert.equal(dsc.format, '3.0 (quilt)');
  assert.deepEqual(dsc.architectures, ['any', 'all']);
  assert.deepEqual(dsc.binaries, ['hello-stub', 'hello-stub-doc']);
  assert.equal(dsc.buildDepends, 'debhelper-compat (= 13), libz-dev [!hurd-any], python3:any <!nocheck>');
  assert.equal(dsc.buildDependsArch, 'gcc-x86-64-xen-elf <cross> | gcc <!cross>');
  assert.equal(dsc.buildDependsIndep, 'python3-sphinx');
  assert.equal(parseRelations(dsc.buildDepends).length, 3);
  assert.equal(dsc.signed, false);
  assert.deepEqual(dsc.files.map((f) => f.name).sort(), ['hello-stub_1.0~rc1-2.debian.tar.xz', 'hello-stub_1.0~rc1.orig.tar.gz']);
  // The listed sizes and hashes are those of the files dpkg-source wrote.
  for (const file of dsc.files) {
    const bytes = await readFile(join(dir, file.name));
    assert.equal(file.size, (await stat(join(dir, file.name))).size);
    assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
  }
});

test('parseDsc reads the same .dsc clear-signed by gpg, and the body is the unsigned text', () => {
  assert.match(signedText, /^-----BEGIN PGP SIGNED MESSAGE-----\n/);
  const { body, signed } = splitClearsigned(signedText);
  assert.equal(signed, true);
  assert.equal(body, dscText);
  const dsc = parseDsc(signedText);
  assert.equal(dsc.signed, true);
  assert.deepEqual({ ...dsc, signed: false }, parseDsc(dscText));
});

function dscError(field: string) {
  return (error: unknown) => error instanceof DebianParseError && error.kind === 'dsc' && error.message.includes(field);
}

// Edits the generated .dsc: drop a field, or replace the text of one.
function withoutField(text: string, field: string): string {
  return text.replace(new RegExp(`^${field}:.*\\n(?:[ \\t].*\\n)*`, 'm'), '');
}

test('a missing required field is an error naming it', () => {
  for (const field of ['Source', 'Version', 'Architecture', 'Checksums-Sha256']) {
    const broken = withoutField(dscText, field);
    assert.notEqual(broken, dscText);
    assert.throws(() => parseDsc(broken), dscError(`missing field ${field}`), field);
  }
  assert.throws(() => parseDsc(''), dscError('missing field Source'));
  assert.throws(() => parseDsc('Source:\nVersion: 1\n'), dscError('empty field Source'));
});

test('a bad value is an error naming the field', () => {
  const sha256 = /^Checksums-Sha256:\n (\S+) (\d+) (\S+)$/m.exec(dscText);
  assert.ok(sha256);
  const [line, hash = '', size = '', name = ''] = sha256;
  const cases: ReadonlyArray<[string, string]> = [
    [dscText.replace('Source: hello-stub', 'Source: Hello_Stub'), 'Source'],
    [dscText.replace('Source: hello-stub', 'Source: h'), 'Source'],
    [dscText.replace('Version: 1:1.0~rc1-2', 'Version: 1:1.0 rc1-2'), 'Version'],
    [dscText.replace('Version: 1:1.0~rc1-2', 'Version: x:1.0'), 'Version'],
    [dscText.replace('Architecture: any all', 'Architecture: any !all'), 'Architecture'],
    [dscText.replace('Binary: hello-stub, hello-stub-doc', 'Binary: hello-stub,, doc'), 'Binary'],
    [dscText.replace(/^Build-Depends: .*$/m, 'Build-Depends: debhelper-compat (> 13)'), 'Build-Depends'],
    [dscText.replace(/^Build-Depends-Arch: .*$/m, 'Build-Depends-Arch: gcc [amd64 !i386]'), 'Build-Depends-Arch'],
    [dscText.replace(/^Build-Depends-Indep: .*$/m, 'Build-Depends-Indep: python3-sphinx <'), 'Build-Depends-Indep'],
    [dscText.replace(line, `${line}\n ${hash} ${size} ${name}`), 'Checksums-Sha256'], // listed twice
    [dscText.replace(line, `Checksums-Sha256:\n ${hash.slice(1)} ${size} ${name}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash.replace(/^./, 'g')} ${size} ${name}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} -1 ${name}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} 1e3 ${name}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} ${size}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} ${size} ../${name}`), 'Checksums-Sha256'],
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} ${size} .hidden`), 'Checksums-Sha256'],
    // Files and Checksums-Sha1 must describe the same files as Checksums-Sha256.
    [dscText.replace(line, `Checksums-Sha256:\n ${hash} ${Number(size) + 1} ${name}`), 'Checksums-Sha1'],
    [withoutField(dscText, 'Checksums-Sha1').replace(/^Files:\n/m, `Files:\n ${'0'.repeat(32)} 1 extra.tar.gz\n`), 'Files'],
  ];
  for (const [text, field] of cases) {
    assert.notEqual(text, dscText, `the edit for ${field} applied`);
    assert.throws(() => parseDsc(text), dscError(`invalid field ${field}`), `${field}: ${text}`);
  }
  assert.throws(
    () => parseDsc(withoutField(dscText, 'Checksums-Sha256') + 'Checksums-Sha256:\n'),
    dscError('empty field Checksums-Sha256'),
  );
});

test('structural problems are DebianParseError too', () => {
  assert.throws(() => parseDsc(dscText + '\nSource: second-paragraph\n'), dscError('one paragraph'));
  assert.throws(
    () => parseDsc(dscText.replace('Format:', 'Version: 2\nFormat:')),
    (e: unknown) => e instanceof DebianParseError && e.kind === 'deb822',
  );
  const unterminated = signedText.replace(/-----END PGP SIGNATURE-----\n?$/, '');
  assert.throws(() => parseDsc(unterminated), DebianParseError);
  const noSignature = signedText.slice(0, signedText.indexOf('-----BEGIN PGP SIGNATURE-----'));
  assert.throws(() => parseDsc(noSignature), DebianParseError);
  assert.throws(() => parseDsc(signedText + 'Source: appended\n'), DebianParseError);
});

test('random edits of a real .dsc only ever raise DebianParseError', () => {
  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 8 }),
    insert: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('\n', '\n ', ':', ',', '|', '[', '<', '-', '0'.repeat(64))),
  });
  fc.assert(
    fc.property(fc.constantFrom(dscText, signedText), fc.array(edit, { minLength: 1, maxLength: 4 }), (original, edits) => {
      let text = original;
      for (const { at, remove, insert } of edits) {
        const i = at % (text.length + 1);
        text = text.slice(0, i) + insert + text.slice(i + remove);
      }
      try {
        parseDsc(text);
      } catch (error) {
        assert.ok(error instanceof DebianParseError, `${String(error)} for ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
