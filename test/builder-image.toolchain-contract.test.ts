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
  // -I/usr/include from a .pc file (zlib.pc) would put glibc's headers first: pkgconf drops it
  const cflags = await shell(`mkdir -p pc && printf 'includedir=/usr/include\nName: z\nDescription: z\nVersion: 1\nCflags: -I\${includedir}\n' > pc/z.pc && PKG_CONFIG_PATH=$PWD/pc ${T}-pkg-config --cflags z`);
  assert.equal(cflags.code, 0, cflags.err);
  assert.equal(cflags.out, '');
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

test("the build machine's glibc and Linux headers are never found; target packages' headers are", async () => {
  const T = image.profile.triplet;
  for (const header of ['gnu/libc-version.h', 'sys/epoll.h', 'linux/types.h']) {
    const leak = await shell(`printf '#include <${header}>\\nint x;\\n' > leak.c && ${T}-gcc -c leak.c -o leak.o`);
    assert.notEqual(leak.code, 0, `<${header}> must not be found`);
    assert.match(leak.err, new RegExp(`${header.replace('/', '\\/').replace('.', '\\.')}: No such file or directory`));
  }
  // poll.h comes from the POSIX layer, not from glibc's /usr/include/poll.h
  const poll = await shell(`printf '#include <poll.h>\\n' | ${T}-gcc -E -H -x c - -o /dev/null 2>&1 | grep -m1 'poll.h'`);
  assert.match(poll.out, new RegExp(`/usr/lib/${T}/stubdom-posix/include/poll\\.h`));
  // a header a package of the architecture installed into /usr/include is found (through the
  // target's view of it, refreshed by apt's hook after dpkg runs)
  const pkg = [
    'set -e',
    'mkdir -p pkg/DEBIAN pkg/usr/include',
    `printf 'Package: libviewtest-dev\\nVersion: 1\\nArchitecture: ${image.profile.arch}\\nMulti-Arch: same\\nMaintainer: t <t@t>\\nDescription: t\\n' > pkg/DEBIAN/control`,
    "printf '#define VIEWTEST 42\\n' > pkg/usr/include/viewtest.h",
    'dpkg-deb -b pkg viewtest.deb >/dev/null',
    'dpkg -i viewtest.deb >/dev/null',
    `sh /usr/lib/stubbuild/target-include-view.sh ${image.profile.arch} /usr/lib/stubdom/${T}/target-include`,
    `printf '#include <viewtest.h>\\n#include <zlib.h>\\nint x = VIEWTEST;\\n' > use.c`,
    `${T}-gcc -c use.c -o use.o 2>&1 | grep -c 'zlib.h: No such file' || true`,
    `printf '#include <viewtest.h>\\nint x = VIEWTEST;\\n' > use2.c && ${T}-gcc -c use2.c -o use2.o && echo found`,
  ].join('\n');
  // as root: it installs a package (the build does the same through apt)
  const found = await shell(pkg, ['--user', 'root']);
  assert.equal(found.code, 0, found.err);
  assert.deepEqual(found.out.split('\n'), ['1', 'found'], "zlib.h of the build machine is not seen, viewtest.h of a stubdom package is");
});

test('g++ compiles and links a std::string and std::vector program against the target libstdc++', async () => {
  const T = image.profile.triplet;
  const program = `#include <algorithm>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
struct Global { ~Global() {} } global;
int main(int argc, char **argv) {
  std::vector<std::string> words(argv, argv + argc);
  std::sort(words.begin(), words.end());
  std::map<std::string, int> counts;
  for (const auto &w : words) counts[w]++;
  auto p = std::make_unique<int>(3);
  try { if (argc > 5) throw std::runtime_error("many"); } catch (const std::exception &e) { return 2; }
  return static_cast<int>(counts.size()) + *p;
}`;
  const script = [
    `cat > words.cc <<'CC'\n${program}\nCC`,
    `${T}-g++ -dumpmachine`,
    `${T}-g++ -O2 words.cc -o words -Wl,--trace 2>/dev/null > inputs.txt || echo LINK-FAILED`,
    `grep -c '/usr/lib/stubdom/${T}/lib/libstdc++.a' inputs.txt`,
    `grep -c -E '/usr/lib/gcc/x86_64-linux-gnu/[0-9]+/libstdc\\+\\+|/lib/x86_64-linux-gnu/' inputs.txt || true`,
    `${T}-nm -u words | wc -l`,
    `${T}-g++ -E -x c++ - -v </dev/null 2>&1 | grep -c '/usr/include/c++' || true`,
  ].join('\n');
  const result = await shell(script);
  assert.doesNotMatch(result.out, /LINK-FAILED/, result.err);
  assert.deepEqual(result.out.split('\n'), [T, '1', '0', '0', '0'], 'target libstdc++ linked, no host C++ library or headers, fully linked');
});

test('-shared makes a relocatable object (what the packaging policy drops), never a shared library', async () => {
  const T = image.profile.triplet;
  const made = await shell(`echo 'int f(void) { return 1; }' > f.c && ${T}-gcc -shared -fPIC f.c -Wl,-soname,libf.so.1 -o libf.so.1 -lc && ${T}-readelf -h libf.so.1 | grep 'Type:'`);
  assert.equal(made.code, 0, made.err);
  assert.match(made.out, /REL \(Relocatable file\)/);
});

test('the POSIX layer is single-threaded and honest about it', async () => {
  const T = image.profile.triplet;
  const program = `#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <string.h>
int _write(int, const void *, size_t);
static void say(const char *name, int value) { char line[32]; snprintf(line, sizeof line, "%s=%d\\n", name, value); _write(1, line, strlen(line)); }
static void *run(void *arg) { return arg; }
static int once_count;
static void once(void) { once_count++; }
int main(void) {
  pthread_t t; pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_once_t o = PTHREAD_ONCE_INIT; pthread_key_t k;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER; struct rlimit r; int v = 7;
  say("create", pthread_create(&t, NULL, run, NULL) == EAGAIN);
  say("lock", pthread_mutex_lock(&m) == 0 && pthread_mutex_trylock(&m) == 0 && pthread_mutex_unlock(&m) == 0);
  say("wait", pthread_cond_wait(&c, &m) != 0);
  pthread_once(&o, once); pthread_once(&o, once);
  say("once", once_count);
  say("key", pthread_key_create(&k, NULL) == 0 && pthread_setspecific(k, &v) == 0 && pthread_getspecific(k) == &v);
  say("rlimit", getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == RLIM_INFINITY);
  say("poll", poll(NULL, 0, 10) == 0);
  return 0;
}`;
  // Test-only glue so the program runs on the build host: a start file that calls main, and
  // write/exit/sbrk as Linux system calls (the real ones come from the stub domain's bake).
  const glue = `#include <stddef.h>
static long sys(long n, long a, long b, long c) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
int _write(int fd, const void *buf, size_t n) { return (int)sys(1, fd, (long)buf, (long)n); }
void _exit(int code) { for (;;) sys(60, code, 0, 0); }
static char heap[1 << 20]; static size_t used;
void *_sbrk(ptrdiff_t inc) { void *p = heap + used; used += inc; return p; }
__asm__(".globl _start\\n_start: xor %ebp, %ebp\\n and $-16, %rsp\\n call main\\n mov %eax, %edi\\n call exit\\n");`;
  const script = [
    `cat > posix.c <<'C'\n${program}\nC`,
    `cat > glue.c <<'C'\n${glue}\nC`,
    `${T}-gcc -Wall -Werror -c posix.c -o posix.o`,
    `${T}-gcc -nostartfiles posix.o glue.c -o posix 2>/dev/null`,
    './posix',
  ].join('\n');
  const result = await shell(script);
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(result.out.split('\n'), ['create=1', 'lock=1', 'wait=1', 'once=1', 'key=1', 'rlimit=1', 'poll=1']);
});
