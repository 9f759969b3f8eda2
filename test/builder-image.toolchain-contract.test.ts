import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ArchProfile } from '../src/builders/arch-profile.ts';
import { ensureBuilderImage, run } from './builder-image.support.ts';

// Acceptance 2: the toolchain contract, as the image's build user in a plain shell, no network.
let image: { profile: ArchProfile; tag: string; id: string };
before(async () => {
  image = await ensureBuilderImage();
});

async function shell(script: string, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const result = await run('docker', [
    'run', '--rm', '--network', 'none', '--user', 'builder', '--workdir', '/tmp', ...extra,
    '--entrypoint', '/bin/sh', image.tag, '-c', script,
  ]);
  return { code: result.code, out: result.stdout.trim(), err: result.stderr };
}

const wrappers = [
  'gcc', 'cc', 'cpp', 'ar', 'as', 'ld', 'nm', 'objcopy', 'objdump', 'ranlib', 'readelf', 'size', 'strings', 'strip',
  'gcc-ar', 'gcc-nm', 'gcc-ranlib', 'pkg-config',
];

test('every wrapper is on PATH and the compiler names the triplet', async () => {
  const T = image.profile.triplet;
  const missing = await shell(`for w in ${wrappers.join(' ')}; do command -v ${T}-$w >/dev/null || echo $w; done`);
  assert.equal(missing.out, '', `missing wrappers: ${missing.out}`);
  for (const name of ['gcc', 'cc', 'cpp']) {
    const dump = await shell(`${T}-${name} -dumpmachine`);
    assert.equal(dump.out, T, `${T}-${name} -dumpmachine`);
  }
  const files = await shell(`ls /usr/share/stubdom/${T}-toolchain.cmake /usr/share/stubdom/${T}-meson-cross.ini && ${T}-pkg-config --dump-personality`);
  assert.equal(files.code, 0, files.err);
  assert.match(files.out, new RegExp(`Triplet: ${T}`));
});

test('dpkg knows the architecture, for a plain and a login shell, both ways round', async () => {
  const T = image.profile.triplet;
  const arch = image.profile.arch;
  const plain = await shell(`dpkg-architecture -a ${arch} -qDEB_HOST_GNU_TYPE 2>/dev/null; dpkg-architecture -t ${T} -qDEB_HOST_ARCH 2>/dev/null; dpkg-architecture -a ${arch} -qDEB_HOST_MULTIARCH 2>/dev/null`);
  assert.deepEqual(plain.out.split('\n'), [T, arch, T]);
  // a login shell with an empty environment still gets the private tables (/etc/profile.d)
  const login = await shell(`env -i /bin/sh -l -c 'dpkg-architecture -a ${arch} -qDEB_HOST_GNU_TYPE 2>/dev/null'`);
  assert.equal(login.out, T);
  const wildcards = await shell(
    `dpkg-architecture -a ${arch} -i any-amd64 && echo any-amd64; dpkg-architecture -a ${arch} -i linux-any || echo not-linux; dpkg --print-foreign-architectures`,
  );
  assert.deepEqual(wildcards.out.split('\n'), ['any-amd64', 'not-linux', arch]);
  const cmake = await shell(`grep -c "'stubdom' => 'Generic'" /usr/share/perl5/Debian/Debhelper/Buildsystem/cmake.pm`);
  assert.equal(cmake.out, '1', 'debhelper maps stubdom to CMAKE_SYSTEM_NAME Generic');
});

test('-shared fails: static only', async () => {
  const T = image.profile.triplet;
  const shared = await shell(`echo 'int f(void) { return 1; }' > f.c && ${T}-gcc -shared -fPIC f.c -o libf.so`);
  assert.notEqual(shared.code, 0);
  assert.match(shared.err, /-shared is not supported/);
});

test('a linked program references no glibc symbol and traps at once when run', async () => {
  const T = image.profile.triplet;
  const program = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
int main(int argc, char **argv) {
  char buf[64]; char *p = malloc(32);
  snprintf(buf, sizeof buf, "%s %lld %.3f", argv[0], 1234567890123LL, sqrt(2.0));
  strcpy(p, buf); printf("%s\\n", p); return 0;
}`;
  const script = [
    `cat > hello.c <<'C'\n${program}\nC`,
    // the flags a package build gets (fortify, stack protector) must not drag glibc in
    `${T}-gcc $(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get LDFLAGS) hello.c -o hello -Wl,--trace > inputs.txt 2>/dev/null || echo LINK-FAILED`,
    // what the linker read: the toolchain's crt0/newlib and gcc's libgcc, never glibc's files
    `echo "glibc_inputs=$(grep -c -E '/lib/x86_64-linux-gnu/|libc\\.so|libc_nonshared|crt1\\.o|crti\\.o' inputs.txt)"`,
    `echo "newlib_inputs=$(grep -c '/usr/lib/stubdom/${T}/lib/libc.a' inputs.txt)"`,
    `echo "undefined=$(${T}-nm -u hello | wc -l)"`,
    `echo "glibc=$(${T}-nm hello | grep -c -E '__libc_start_main|__libc_csu|_IO_stdin_used|@GLIBC')"`,
    `echo "glibc_strings=$(grep -c -a GLIBC_ hello)"`,
    `echo "interp=$(${T}-readelf -l hello | grep -c INTERP)"`,
    `echo "tls_canary=$(${T}-objdump -d hello | grep -c '%fs:0x28')"`,
    `echo "stack_guard=$(${T}-nm hello | grep -c -w -E '[BDbd] __stack_chk_guard')"`,
    `start=$(date +%s%N); timeout 10 ./hello; echo "run=$?"; echo "ms=$(( ($(date +%s%N) - start) / 1000000 ))"`,
  ].join('\n');
  const result = await shell(script);
  assert.doesNotMatch(result.out, /LINK-FAILED/, result.err);
  const values = Object.fromEntries(result.out.split('\n').filter((line) => line.includes('=')).map((line) => line.split('=') as [string, string]));
  assert.equal(values.glibc_inputs, '0', 'the linker read no glibc file');
  assert.ok(Number(values.newlib_inputs) > 0, 'the linker read newlib');
  assert.equal(values.undefined, '0', 'fully linked');
  assert.equal(values.glibc, '0', 'no glibc symbols');
  assert.equal(values.glibc_strings, '0', 'no GLIBC_ version strings');
  assert.equal(values.interp, '0', 'no program interpreter');
  assert.equal(values.tls_canary, '0', 'stack protector uses the global guard, not %fs:0x28');
  assert.equal(values.stack_guard, '1', "the stack guard is newlib's global __stack_chk_guard");
  assert.equal(values.run, '132', 'dies of SIGILL (128 + 4)');
  assert.ok(Number(values.ms) < 2000, `trapped after ${values.ms} ms`);
});
