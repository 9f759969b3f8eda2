// Failure causes read from build logs as the Debian tools print them (excerpts of real
// dpkg-buildpackage logs of bookworm sources cross-built for stubdom-amd64).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyBuildFailure } from '../src/builders/classify-failure.ts';

const cases: { name: string; reason: string; log: string; causeClass: string; line: string }[] = [
  {
    name: 'a compiler error (gcc, coloured), then make unwinding',
    reason: 'build-error',
    log: [
      ' dh_auto_build -a',
      '\tmake -j2 "INSTALL=install --strip-program=true"',
      'x86_64-xen-elf-gcc -g -O2 -c -o lib/xxhash.o lib/xxhash.c',
      '\u001b[01m\u001b[Kxz/src/common/mythread.h:95:10:\u001b[m\u001b[K \u001b[01;31m\u001b[Kfatal error: \u001b[m\u001b[Kpthread.h: No such file or directory',
      'compilation terminated.',
      'make[3]: *** [Makefile:1234: mythread.lo] Error 1',
      'make: *** [debian/rules:12: binary-arch] Error 2',
      'dpkg-buildpackage: error: debian/rules binary-arch subprocess returned exit status 2',
    ].join('\n'),
    causeClass: 'compile',
    line: 'xz/src/common/mythread.h:95:10: fatal error: pthread.h: No such file or directory',
  },
  {
    name: 'the static-only driver refusing -shared',
    reason: 'build-error',
    log: [
      'x86_64-xen-elf-gcc -O2 -fPIC -c blake2b.c',
      'x86_64-xen-elf-gcc -shared -Wl,-soname,libb2.so.1 -o .libs/libb2.so.1.0.4 .libs/blake2b.o',
      'x86_64-xen-elf-gcc: error: -shared is not supported for x86_64-xen-elf (static only)',
      'make[2]: *** [Makefile:512: libb2.la] Error 1',
    ].join('\n'),
    causeClass: 'shared-library',
    line: 'x86_64-xen-elf-gcc: error: -shared is not supported for x86_64-xen-elf (static only)',
  },
  {
    name: 'packaging that expects a shared library',
    reason: 'build-error',
    log: [
      '   dh_install -a',
      'dh_install: warning: Cannot find (any matches for) "usr/lib/*/libexpat.so.*" (tried in ., debian/tmp)',
      'dh_install: warning: libexpat1 missing files: usr/lib/*/libexpat.so.*',
      'dh_install: error: missing files, aborting',
      'make: *** [debian/rules:8: binary-arch] Error 25',
    ].join('\n'),
    causeClass: 'shared-library',
    line: 'dh_install: warning: libexpat1 missing files: usr/lib/*/libexpat.so.*',
  },
  {
    name: 'configure giving up',
    reason: 'build-error',
    log: [
      'checking for pthread_create in -lpthread... no',
      'configure: error: POSIX threads are required',
      '\ttail -v -n \\+0 config.log',
      'dh_auto_configure: error: cd build && ../configure --build=x86_64-linux-gnu --host=x86_64-xen-elf returned exit code 1',
    ].join('\n'),
    causeClass: 'configure',
    line: 'configure: error: POSIX threads are required',
  },
  {
    name: 'CMake failing to configure',
    reason: 'build-error',
    log: [
      '-- The C compiler identification is GNU 12.2.0',
      'CMake Error at CMakeLists.txt:2 (project):',
      '  No CMAKE_CXX_COMPILER could be found.',
    ].join('\n'),
    causeClass: 'configure',
    line: 'CMake Error at CMakeLists.txt:2 (project):',
  },
  {
    name: 'an undefined symbol at link time',
    reason: 'build-error',
    log: [
      'x86_64-xen-elf-gcc -o pcretest pcretest.o libpcre2-8.a',
      "/usr/bin/x86_64-linux-gnu-ld: pcre2test.o: in function `main':",
      "pcre2test.c:(.text+0x1a2): undefined reference to `getrlimit'",
      'collect2: error: ld returned 1 exit status',
    ].join('\n'),
    causeClass: 'link',
    line: "pcre2test.c:(.text+0x1a2): undefined reference to `getrlimit'",
  },
  {
    name: 'a build-dependency apt could not install',
    reason: 'dependency-error',
    log: [
      'Reading package lists...',
      'The following packages have unmet dependencies:',
      ' builddeps:/work/src/lua5.4_5.4.4-3.dsc:stubdom-amd64 : Depends: libreadline-dev:stubdom-amd64 but it is not installable',
      'E: Unable to correct problems, you have held broken packages.',
    ].join('\n'),
    causeClass: 'missing-build-dependency',
    line: 'builddeps:/work/src/lua5.4_5.4.4-3.dsc:stubdom-amd64 : Depends: libreadline-dev:stubdom-amd64 but it is not installable',
  },
  {
    name: 'a test suite failing',
    reason: 'build-error',
    log: [
      '   dh_auto_test -a',
      'FAIL: test_compress',
      '# TOTAL: 12',
      'make[1]: *** [Makefile:999: check-TESTS] Error 1',
      'dh_auto_test: error: make -j2 check returned exit code 2',
    ].join('\n'),
    causeClass: 'test',
    line: 'FAIL: test_compress',
  },
  {
    name: 'a debhelper step of the packaging',
    reason: 'build-error',
    log: [
      '   dh_gencontrol -a',
      "dpkg-gencontrol: error: current host architecture 'stubdom-amd64' does not appear in package 'libfoo1's architecture list (linux-any)",
      'dh_gencontrol: error: dpkg-gencontrol -plibfoo1 returned exit code 25',
    ].join('\n'),
    causeClass: 'packaging',
    line: "dpkg-gencontrol: error: current host architecture 'stubdom-amd64' does not appear in package 'libfoo1's architecture list (linux-any)",
  },
  {
    name: 'a time-out, whatever the log says last',
    reason: 'timeout',
    log: 'x86_64-xen-elf-gcc -c big.c\n',
    causeClass: 'timeout',
    line: '',
  },
  {
    name: 'a log that says nothing recognisable',
    reason: 'build-error',
    log: 'stubbuild: job 7 attempt 1 on engine local\nsomething odd happened\n',
    causeClass: 'other',
    line: '',
  },
];

for (const c of cases) {
  test(`${c.name} → ${c.causeClass}`, () => {
    assert.deepEqual(classifyBuildFailure(c.log, c.reason), { causeClass: c.causeClass, line: c.line });
  });
}

test('the first error wins over what it caused later', () => {
  const log = [
    "src/a.c:3:1: error: unknown type name 'pthread_t'",
    "/usr/bin/ld: a.o: undefined reference to `pthread_create'",
    'dh_auto_build: error: make -j2 returned exit code 2',
  ].join('\n');
  assert.equal(classifyBuildFailure(log, 'build-error').causeClass, 'compile');
});

test('a very long line is cut to 300 characters', () => {
  const { line } = classifyBuildFailure(`configure: error: ${'x'.repeat(1000)}`, 'build-error');
  assert.equal(line.length, 300);
  assert.ok(line.endsWith('...'));
});

test("a check of the build's results names its class, over the warnings the build printed before", () => {
  const log = [
    'dh_missing: warning: usr/share/man/man3/onig_new.3 exists in debian/tmp but is not installed to anywhere',
    "dpkg-deb: building package 'libonig-dev' in '../libonig-dev_6.9.8-1_stubdom-amd64.deb'.",
    ' dpkg-genchanges -B -O../oniguruma_6.9.8-1_stubdom-amd64.changes',
    "check-dev-libraries: libonig-dev_6.9.8-1_stubdom-amd64.deb: /usr/lib/x86_64-xen-elf/pkgconfig/oniguruma.pc names -lonig, but no libonig.a is shipped or in the target's library folders",
  ].join('\n');
  const message =
    "shared-library: libonig-dev_6.9.8-1_stubdom-amd64.deb: /usr/lib/x86_64-xen-elf/pkgconfig/oniguruma.pc names -lonig, but no libonig.a is shipped or in the target's library folders";
  assert.deepEqual(classifyBuildFailure(log, 'build-error', message), {
    causeClass: 'shared-library',
    line: message.slice('shared-library: '.length),
  });
  // Without the check's message, the same log reads as the packaging warning it starts with.
  assert.equal(classifyBuildFailure(log, 'build-error', 'dpkg-buildpackage exited with 2').causeClass, 'packaging');
});
