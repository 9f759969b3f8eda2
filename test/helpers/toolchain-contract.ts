// The toolchain contract every builder image keeps, whatever its flavor: registered as tests
// for one architecture by each contract test file (newlib in npm test, rumprun in test:rump).
// As the image's build user in a plain shell, no network (the CMake checks: in the image with
// the build machine's cmake added).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ArchProfile } from '../../src/builders/arch-profile.ts';
import { builderShell, ensureImageWithCMake } from '../builder-image.support.ts';

export interface ContractImage {
  profile: ArchProfile;
  tag: string;
  id: string;
}

/** What differs between flavors, stated once per architecture. */
export interface FlavorExpectations {
  /** languages with a compiler driver: always c; c++ adds <T>-g++ and <T>-c++ */
  languages: ('c' | 'c++')[];
  /** programs beside the compilers on PATH (rumprun-bake) */
  programs: string[];
  /**
   * what `<T>-gcc -o prog` makes: a fully linked executable whose entry traps (newlib: SIGILL,
   * exit 132), or a relocatable object a bake step links later (rumprun: not executable, 126)
   */
  program: { kind: 'executable'; exitWhenRun: 132 } | { kind: 'relocatable'; exitWhenRun: 126 };
  /** the stack protector reads a global guard (newlib), or the flavor turns it off (rumprun) */
  stackGuard: boolean;
  /**
   * the libraries, below /usr/lib/stubdom/<T>/, that define what a C program needs besides
   * itself: the C library and libm, and for rumprun the base its bake step links (malloc)
   */
  runtime: string[];
  /**
   * what `<T>-gcc -shared` does: refuses (the target is static only), or makes a relocatable
   * object that the static-only packaging policy drops (newlib: shared-library packaging
   * builds without a port)
   */
  shared: 'refused' | 'relocatable';
  /** the C library's layer ships autoconf answers of its own (newlib's stubdom-posix-dev) */
  libcAnswers: boolean;
}

const binutils = ['ar', 'as', 'ld', 'nm', 'objcopy', 'objdump', 'ranlib', 'readelf', 'size', 'strings', 'strip'];
// libraries Debian packages for the architecture: a build must get the repository's, so no
// toolchain carries its own copy (rumprun's NetBSD tree has zlib 1.2.3, libpcap, libpci, flex)
// where -lz or <zlib.h> would find it (NetBSD's kernel <net/zlib.h> is another header)
const debianPackaged = [
  'lib/libz.a',
  'include/zlib.h',
  'include/zconf.h',
  'lib/libpcap.a',
  'include/pcap.h',
  'lib/libpci.a',
  'include/pci.h',
  'lib/libfl.a',
  'lib/liby.a',
];

export function defineToolchainContract(ensureImage: () => Promise<ContractImage>, expect: FlavorExpectations): void {
  let image: ContractImage;
  before(async () => {
    image = await ensureImage();
  });

  const shell = (script: string) => builderShell(image.tag, script);

  test('every wrapper is on PATH and the compilers name the triplet', async () => {
    const T = image.profile.triplet;
    const compilers = ['gcc', 'cc', 'cpp', ...(expect.languages.includes('c++') ? ['g++', 'c++'] : [])];
    const names = [...compilers, ...binutils, 'gcc-ar', 'gcc-nm', 'gcc-ranlib', 'pkg-config'].map((tool) => `${T}-${tool}`);
    const missing = await shell(`for w in ${[...names, ...expect.programs].join(' ')}; do command -v $w >/dev/null || echo $w; done`);
    assert.equal(missing.out, '', `missing: ${missing.out}`);
    for (const name of compilers) {
      const dump = await shell(`${T}-${name} -dumpmachine`);
      assert.equal(dump.out, T, `${T}-${name} -dumpmachine`);
    }
    const files = await shell(
      `cat /usr/share/stubdom/${T}-toolchain.cmake /usr/share/stubdom/${T}-meson-cross.ini && ${T}-pkg-config --dump-personality`,
    );
    assert.equal(files.code, 0, files.err);
    assert.match(files.out, new RegExp(`Triplet: ${T}`));
    assert.match(files.out, new RegExp(`^set\\(CMAKE_C_COMPILER ${T}-gcc\\)$`, 'm'));
    assert.match(files.out, new RegExp(`^c = '${T}-gcc'$`, 'm'));
    if (expect.languages.includes('c++')) {
      assert.match(files.out, new RegExp(`^set\\(CMAKE_CXX_COMPILER ${T}-g\\+\\+\\)$`, 'm'));
      assert.match(files.out, new RegExp(`^cpp = '${T}-g\\+\\+'$`, 'm'), "meson's cpp is the C++ compiler");
    }
  });

  test("<T>-pkg-config answers as for static linking: a library's private libraries come with it", async () => {
    const T = image.profile.triplet;
    // libpsl's program linked libidn2.a without libunistring, named only in libidn2.pc's
    // Libs.private; a build never passes --static itself
    const script = [
      `mkdir pc`,
      `printf 'Name: dep\\nDescription: d\\nVersion: 1\\nLibs: -ldep\\n' > pc/dep.pc`,
      `printf 'Name: pub\\nDescription: p\\nVersion: 2.1\\nRequires.private: dep\\nLibs: -lpub\\nLibs.private: -lpriv\\nCflags: -DPUB\\n' > pc/pub.pc`,
      `export PKG_CONFIG_PATH=$PWD/pc`,
      // unquoted: pkgconf ends its answer with a space
      `echo libs=$(${T}-pkg-config --libs pub)`,
      `echo only_l=$(${T}-pkgconf --libs-only-l pub)`,
      `echo cflags=$(${T}-pkg-config --cflags pub)`,
      `echo version=$(${T}-pkg-config --modversion pub)`,
    ].join('\n');
    const result = await shell(script);
    assert.equal(result.code, 0, result.err);
    const values = keyValues(result.out);
    assert.equal(values.libs, '-lpub -lpriv -ldep');
    assert.equal(values.only_l, '-lpub -lpriv -ldep', '<T>-pkgconf is the same program');
    assert.equal(values.cflags, '-DPUB');
    assert.equal(values.version, '2.1');
  });

  test("<T>-gcc -print-search-dirs lists the architecture's library folder, not the build machine's", async () => {
    const T = image.profile.triplet;
    // gpg-error.m4 (libgcrypt and the rest of GnuPG's libraries) looks for gpg-error.pc under
    // these folders, and libtool takes its library search path from them
    const result = await shell(
      `${T}-gcc -print-search-dirs | sed -n 's/^libraries: =//p' | tr ':' '\\n' | while read -r d; do [ -d "$d" ] && realpath "$d"; done`,
    );
    assert.equal(result.code, 0, result.err);
    const folders = result.out.split('\n');
    assert.ok(folders.includes(`/usr/lib/${T}`), `no /usr/lib/${T} in ${folders.join(' ')}`);
    const host = ['/lib', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];
    assert.deepEqual(
      folders.filter((folder) => host.includes(folder)),
      [],
    );
  });

  test('dpkg knows the architecture, for a plain and a login shell, both ways round', async () => {
    const T = image.profile.triplet;
    const arch = image.profile.arch;
    const plain = await shell(
      `dpkg-architecture -a ${arch} -qDEB_HOST_GNU_TYPE 2>/dev/null; dpkg-architecture -t ${T} -qDEB_HOST_ARCH 2>/dev/null; dpkg-architecture -a ${arch} -qDEB_HOST_MULTIARCH 2>/dev/null`,
    );
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

  test('-shared never makes a shared library: static only', async () => {
    const T = image.profile.triplet;
    // the libraries a -shared command names are resolved when a program links the object: one
    // not built yet (libtool's relink of libgmpxx names -lgmp), one built (not taken in), one
    // named by its file (libtool names libpcre2-8 so when it links libpcre2-posix)
    const shared = await shell(
      [
        `echo 'int g(void) { return 2; }' > g.c && ${T}-gcc -c g.c -o g.o && ${T}-ar rc libg.a g.o`,
        // gcc's other spelling, --shared (zopfli's Makefile), is the same
        `echo 'int h(void) { return 3; }' > h.c && ${T}-gcc --shared -fPIC h.c -o libh.so`,
        `${T}-readelf -h libh.so | grep 'Type:' | sed 's/^/libh/'`,
        `echo 'int f(void) { return 1; }' > f.c && echo 'int d(void) { return 4; }' > d.c`,
        `${T}-gcc -shared -fPIC f.c d.c -L. -lg -lnotbuiltyet -l alsonotbuilt ./libh.so -o libf.so`,
        `${T}-readelf -h libf.so | grep 'Type:'`,
        `${T}-nm libf.so`,
        // libtool builds the archive beside it
        `${T}-gcc -c f.c d.c && ${T}-ar rc libf.a f.o d.o`,
        `echo 'int f(void); int g(void); int h(void); int d(void) { return 5; } int main(void) { return f() + g() + h() + d() == 11 ? 0 : 1; }' > m.c`,
        `${T}-gcc m.c ./libf.so "$PWD/libf.so" ./libh.so "$PWD/libh.so" -L. -lg -o m && echo linked`,
      ].join(' && '),
    );
    if (expect.shared === 'refused') {
      assert.notEqual(shared.code, 0);
      assert.match(shared.err, /-shared is not supported/);
    } else {
      assert.equal(shared.code, 0, shared.err);
      assert.match(shared.out, /^ +Type: +REL \(Relocatable file\)/m);
      assert.match(shared.out, /^libh +Type: +REL \(Relocatable file\)/m, '--shared is -shared');
      assert.match(shared.out, / T f$/m);
      assert.match(shared.out, / T d$/m);
      assert.doesNotMatch(shared.out, / T [gh]$/m, 'no library is taken into the relocatable object');
      // a program defining d itself links libf's archive (c-ares' adig has its own copy of a
      // member of libcares), not every member of the object; an object without an archive
      // beside it, named twice by two paths as libtool does for each .la depending on it
      // (pcre2's tests), is linked once; the libraries they named are given to the program
      assert.match(shared.out, /^linked$/m, shared.err);
    }
  });

  test("compiles as the build machine's gcc does: comments and macro expansions reach the compiler, gcc's headers, C11", async () => {
    const T = image.profile.triplet;
    // a fall-through comment (json-c builds with -Werror=implicit-fallthrough); a comparison in
    // a macro that gcc does not warn about (cjson's tests: -Werror=address); gcc's own headers
    // (stdalign.h: xxhash; emmintrin.h: libzstd); C99's library in C++11 under _XOPEN_SOURCE
    // (LLONG_MAX: lua5.4's C++ library)
    const script = [
      `printf 'int f(int x) { switch (x) { case 1: x++; /* fall through */\\n case 2: return x; default: return 0; } }\\n' > fall.c`,
      `${T}-gcc -Wimplicit-fallthrough -Werror -c fall.c -o fall.o && echo fallthrough=ok`,
      `printf '#define SET(p) ((p) != 0)\\nint g(void) { int item = 1; return SET(&item); }\\n' > macro.c`,
      `${T}-gcc -Wall -Werror -c macro.c -o macro.o && echo macro=ok`,
      `printf '#include <stdalign.h>\\n#include <emmintrin.h>\\nalignas(16) int a;\\n' > gcc.c`,
      `${T}-gcc -c gcc.c -o gcc.o && echo gcc_headers=ok`,
      // C11's static_assert from <assert.h> (xxhash); -ldl and -lrt link (lua5.4's Makefile)
      `printf '#include <assert.h>\\nstatic_assert(sizeof(int) == 4, "int");\\nint main(void) { return 0; }\\n' > c11.c`,
      `${T}-gcc -std=gnu11 -c c11.c -o c11.o && echo static_assert=ok`,
      `${T}-gcc c11.o -o c11 -ldl -lrt -lpthread -lm && echo posix_libraries=ok`,
      ...(expect.languages.includes('c++')
        ? [
            `printf '#define _XOPEN_SOURCE 600\\n#include <climits>\\n#include <cstdlib>\\nlong long m = LLONG_MAX;\\nlong long p(const char *s) { return std::strtoll(s, 0, 10); }\\n' > c99.cc`,
            `${T}-g++ -c c99.cc -o c99.o && echo cxx_cstdlib=ok`,
          ]
        : []),
    ].join('\n');
    const result = await shell(script);
    const values = keyValues(result.out);
    assert.equal(values.fallthrough, 'ok', result.err);
    assert.equal(values.macro, 'ok', result.err);
    assert.equal(values.gcc_headers, 'ok', result.err);
    assert.equal(values.static_assert, 'ok', result.err);
    assert.equal(values.posix_libraries, 'ok', result.err);
    if (expect.languages.includes('c++')) assert.equal(values.cxx_cstdlib, 'ok', result.err);
  });

  test("a program links a library built without -fPIE (absolute relocations, as in gmp's assembly)", async () => {
    const T = image.profile.triplet;
    const script = [
      `printf 'int counter;\\nlong where(void) { return (long)&counter; }\\n' > abs.c`,
      `${T}-gcc -fno-PIE -O2 -c abs.c -o abs.o && ${T}-ar rc libabs.a abs.o`,
      `echo "relocation=$(${T}-readelf -r abs.o | grep -c -w -E 'R_X86_64_32S?')"`,
      `printf 'long where(void);\\nint main(void) { return where() != 0; }\\n' > useabs.c`,
      `${T}-gcc useabs.c -L. -labs -o useabs && echo linked=yes`,
    ].join('\n');
    const result = await shell(script);
    const values = keyValues(result.out);
    assert.ok(Number(values.relocation) >= 1, `the library has an absolute relocation: ${result.out}`);
    assert.equal(values.linked, 'yes', result.err);
  });

  test("no host headers: libc headers are the toolchain's, Linux-only headers are not found", async () => {
    const T = image.profile.triplet;
    const script = [
      `printf '#include <stdio.h>\\n#include <stdlib.h>\\n#include <string.h>\\n#include <math.h>\\n#include <unistd.h>\\n' > h.c`,
      // every header a libc program reads, one per line
      `${T}-gcc -E -M h.c | tr ' \\\\' '\\n\\n' | grep '^/' | sort -u > deps.txt`,
      `echo "deps=$(wc -l < deps.txt)"`,
      `echo "toolchain=$(grep -c '^/usr/lib/stubdom/${T}/' deps.txt)"`,
      `echo "host=$(grep '^/usr/include/' deps.txt | grep -v -c '^/usr/include/${T}/')"`,
      // ogg.m4 and its kind say -I$prefix/include, which is /usr/include: still not glibc's
      `${T}-gcc -I/usr/include -I /usr/include/ -E -M h.c | tr ' \\' '\n\n' | grep '^/' | sort -u > deps-i.txt`,
      `echo "deps_with_i=$(wc -l < deps-i.txt)"`,
      `echo "host_with_i=$(grep '^/usr/include/' deps-i.txt | grep -v -c '^/usr/include/${T}/')"`,
      `for h in sys/epoll.h linux/types.h gnu/stubs.h; do echo "#include <$h>" > l.c; ${T}-gcc -E l.c >/dev/null 2>&1 && echo "found=$h"; done`,
      // glibc's header of a name the target's C library lacks fails only further in (it
      // includes <features.h>): -MG lists what was found without stopping at what was not
      `printf '#include <alloca.h>\n#include <sys/epoll.h>\n#include <features.h>\n' > g.c`,
      `${T}-gcc -E -M -MG g.c | tr ' \\' '\n\n' | grep '^/usr/include/' | grep -v '^/usr/include/${T}/' | sed 's/^/leaked=/'`,
      `for f in ${debianPackaged.join(' ')}; do test ! -e /usr/lib/stubdom/${T}/$f || echo "packaged=$f"; done`,
    ].join('\n');
    const result = await shell(script);
    assert.equal(result.code, 0, result.err);
    const values = keyValues(result.out);
    assert.ok(Number(values.deps) > 5, result.out);
    assert.ok(Number(values.toolchain) > 0, 'libc headers come from the toolchain');
    assert.equal(values.host, '0', 'no glibc header is read');
    assert.ok(Number(values.deps_with_i) > 5, result.out);
    assert.equal(values.host_with_i, '0', 'no glibc header is read when a build names -I/usr/include');
    assert.doesNotMatch(result.out, /^found=/m, 'Linux and glibc headers are not on the path');
    assert.doesNotMatch(result.out, /^leaked=/m, "no glibc header stands in for one the target's C library lacks");
    assert.doesNotMatch(result.out, /^packaged=/m, 'the toolchain carries no library Debian packages');
  });

  test("CMake through the image's toolchain file finds what packages of the architecture installed, and keeps a SHARED and a STATIC library of one name apart", async () => {
    const T = image.profile.triplet;
    const project = [
      'cmake_minimum_required(VERSION 3.13)',
      'project(contract C)',
      'find_path(VIEWTEST_INCLUDE viewtest.h)',
      'find_library(VIEWTEST_LIBRARY viewtest)',
      'find_path(EPOLL_INCLUDE sys/epoll.h)',
      'message(STATUS "include=${VIEWTEST_INCLUDE}")',
      'message(STATUS "library=${VIEWTEST_LIBRARY}")',
      'message(STATUS "epoll=${EPOLL_INCLUDE}")',
      // CMake's Generic platform makes the SHARED one a second STATIC library: libsame.a twice
      'add_library(same_static STATIC one.c)',
      'add_library(same_shared SHARED one.c)',
      'set_target_properties(same_static same_shared PROPERTIES OUTPUT_NAME same)',
      'add_executable(use use.c)',
      'target_include_directories(use PRIVATE ${VIEWTEST_INCLUDE})',
      'target_link_libraries(use same_shared ${VIEWTEST_LIBRARY})',
    ].join('\n');
    const script = [
      'set -e',
      'mkdir -p /tmp/c/p && cd /tmp/c',
      ...installViewtestPackage(image.profile),
      `cat > p/CMakeLists.txt <<'CMAKE'\n${project}\nCMAKE`,
      "printf 'int one(void) { return 1; }\\n' > p/one.c",
      "printf '#include <viewtest.h>\\nint one(void); int viewtest(void);\\nint main(void) { return one() + viewtest() - VIEWTEST - 1; }\\n' > p/use.c",
      'chown -R builder /tmp/c',
      // as the build user, the way dh_auto_configure runs it: the image's CMAKE_TOOLCHAIN_FILE
      'su builder -c "cmake -S p -B b" > configure.log 2>&1 || { cat configure.log >&2; exit 1; }',
      "sed -n 's/^-- \\(include\\|library\\|epoll\\)=/\\1=/p; s/^-- stubdom: /separated=/p' configure.log",
      'su builder -c "make -C b -j2" > make.log 2>&1 || { tail -30 make.log >&2; exit 1; }',
      'echo "archives=$(cd b && find . -name libsame.a | sort | paste -sd \' \')"',
    ].join('\n');
    const result = await builderShell(await ensureImageWithCMake(image), script, ['--user', 'root']);
    assert.equal(result.code, 0, result.err);
    const values = keyValues(result.out);
    // Platform/Generic.cmake resets the include path the toolchain file sets: FindZLIB failed
    assert.equal(values.include, `/usr/lib/stubdom/${T}/target-include`, result.out);
    assert.equal(values.library, `/usr/lib/${T}/libviewtest.a`, result.out);
    assert.equal(values.epoll, 'EPOLL_INCLUDE-NOTFOUND', "the build machine's own headers stay out of reach");
    assert.match(values.separated ?? '', /^same_static and same_shared both write \/tmp\/c\/b\/libsame\.a /, result.out);
    assert.equal(values.archives, './libsame.a ./stubdom-archives/same_shared/libsame.a', 'each target writes its own archive');
  });

  test("configure reads the architecture's answers: the archive is built though a package says --disable-static", async () => {
    const T = image.profile.triplet;
    // as jq's and libmodplug's rules and configure.ac say it; libtool on NetBSD (rumprun)
    // believes in shared libraries and built no archive, so their -dev packages linked nothing
    const script = [
      'set -e',
      'mkdir /tmp/a && cd /tmp/a',
      "printf 'AC_INIT([sa], [1])\\nAM_INIT_AUTOMAKE([foreign])\\nAC_PROG_CC\\nLT_INIT([disable-static])\\nAC_CONFIG_FILES([Makefile])\\nAC_OUTPUT\\n' > configure.ac",
      "printf 'lib_LTLIBRARIES = libsa.la\\nlibsa_la_SOURCES = sa.c\\n' > Makefile.am",
      "echo 'int sa(void) { return 1; }' > sa.c",
      'autoreconf -fi > autoreconf.log 2>&1 || { cat autoreconf.log >&2; exit 1; }',
      `./configure --build=$(dpkg-architecture -qDEB_BUILD_GNU_TYPE) --host=${T} --disable-static > configure.log 2>&1 || { cat config.log >&2; exit 1; }`,
      "sed -n 's/^configure: loading site script /site=/p' configure.log",
      // what the C library's own answers set, as config.log lists the cache variables
      'echo "answers=$(sed -n \'s/^\\(ac_cv_func_malloc_0_nonnull\\)=/\\1=/p\' config.log)"',
      'make > make.log 2>&1 || { tail -30 make.log >&2; exit 1; }',
      'echo "archive=$(ls .libs/*.a)"',
      `${T}-nm .libs/libsa.a | grep ' T sa$'`,
    ].join('\n');
    const result = await shell(script);
    assert.equal(result.code, 0, result.err);
    const values = keyValues(result.out);
    assert.equal(values.site, `/usr/share/stubdom/${T}-config.site`, result.out);
    assert.equal(values.answers, expect.libcAnswers ? 'ac_cv_func_malloc_0_nonnull=yes' : '', result.out);
    assert.equal(values.archive, '.libs/libsa.a', result.out);
    assert.match(result.out, / T sa$/m);
  });

  test('a linked program references no glibc symbol and does not run on the build host', async () => {
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
      `${T}-gcc $(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get LDFLAGS) hello.c -o hello -lm -Wl,--trace > inputs.txt 2>/dev/null || echo LINK-FAILED`,
      // what the linker read: the toolchain's C library and libgcc, never glibc's files
      `echo "glibc_inputs=$(grep -c -E '/lib/x86_64-linux-gnu/|libc\\.so|libc_nonshared|crt1\\.o|crti\\.o' inputs.txt)"`,
      `echo "libc_inputs=$(grep -c '/usr/lib/stubdom/${T}/.*lib/libc.a' inputs.txt)"`,
      // what it still needs is what the toolchain's C library defines (a relocatable object's
      // undefined symbols are resolved by the bake step, against that library)
      `${T}-nm -u hello | awk '{print $2}' | sort -u > undefined.txt`,
      `${T}-nm -g --defined-only ${expect.runtime.map((lib) => `/usr/lib/stubdom/${T}/${lib}`).join(' ')} 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u > defined.txt`,
      `echo "unresolved=$(comm -23 undefined.txt defined.txt | tr '\n' ' ')"`,
      `echo "type=$(${T}-readelf -h hello | sed -n 's/^ *Type: *\\([A-Z]*\\).*/\\1/p')"`,
      `echo "undefined=$(wc -l < undefined.txt)"`,
      `echo "glibc=$(${T}-nm hello | grep -c -E '__libc_start_main|__libc_csu|_IO_stdin_used|@GLIBC')"`,
      `echo "glibc_strings=$(grep -c -a GLIBC_ hello)"`,
      `echo "interp=$(${T}-readelf -l hello 2>/dev/null | grep -c INTERP)"`,
      `echo "tls_canary=$(${T}-objdump -d hello | grep -c '%fs:0x28')"`,
      `echo "stack_guard=$(${T}-nm hello | grep -c -w -E '[BDbdU] __stack_chk_guard')"`,
      // through sh: execvp (timeout's) would hand a non-executable file to sh as a script
      `timeout 10 sh -c ./hello; echo "run=$?"`,
    ].join('\n');
    const result = await shell(script);
    assert.doesNotMatch(result.out, /LINK-FAILED/, result.err);
    const values = keyValues(result.out);
    assert.equal(values.glibc_inputs, '0', 'the linker read no glibc file');
    assert.equal(values.unresolved?.trim(), '', `every symbol it needs is defined by ${expect.runtime.join(', ')}`);
    assert.equal(values.glibc, '0', 'no glibc symbols');
    assert.equal(values.glibc_strings, '0', 'no GLIBC_ version strings');
    assert.equal(values.interp, '0', 'no program interpreter');
    assert.equal(values.tls_canary, '0', 'no %fs:0x28 stack canary (there is no Linux TLS)');
    assert.equal(values.stack_guard, expect.stackGuard ? '1' : '0', 'stack guard');
    if (expect.program.kind === 'executable') {
      assert.equal(values.type, 'EXEC');
      assert.equal(values.undefined, '0', 'fully linked');
      assert.ok(Number(values.libc_inputs) > 0, "the linker read the toolchain's libc.a");
    } else {
      assert.equal(values.type, 'REL', 'a relocatable object, linked into an image by the bake step');
    }
    // a build host never runs it: newlib's entry traps (SIGILL), a relocatable object does not execute
    assert.equal(values.run, String(expect.program.exitWhenRun));
  });

  if (expect.languages.includes('c++')) {
    test('C++: a program with iostream, a container and a specialization in std links through <T>-g++', async () => {
      const T = image.profile.triplet;
      // a library's header may specialize a std template (gmpxx.h: numeric_limits<mpz_class>)
      const program = `#include <iostream>
#include <limits>
#include <map>
#include <string>
struct Big {};
namespace std { template <> class numeric_limits<Big> { public: static const bool is_specialized = true; }; }
int main() { std::map<std::string, int> m{{"stub", 1}}; std::cout << m.size() << std::endl; return std::numeric_limits<Big>::is_specialized ? 0 : 1; }`;
      const script = [
        `cat > hello.cc <<'C'\n${program}\nC`,
        `${T}-g++ $(dpkg-buildflags --get CXXFLAGS) hello.cc -o hello-cxx -Wl,--trace > inputs.txt 2>err.txt || { cat err.txt; echo LINK-FAILED; }`,
        `echo "glibc_inputs=$(grep -c -E '/lib/x86_64-linux-gnu/|libc\\.so|/usr/lib/gcc/.*libstdc\\+\\+' inputs.txt)"`,
        `echo "target_cxx_library=$(grep -c -E '^/usr/lib/stubdom/.*/lib(std)?c\\+\\+\\.a' inputs.txt)"`,
        `echo "cout=$(${T}-nm hello-cxx | grep -c 'cout')"`,
      ].join('\n');
      const result = await shell(script);
      assert.doesNotMatch(result.out, /LINK-FAILED/, result.out);
      const values = keyValues(result.out);
      assert.equal(values.glibc_inputs, '0', "the linker read neither glibc nor the host's libstdc++");
      assert.ok(Number(values.target_cxx_library) > 0, "the target's own C++ library (libstdc++ or libc++) was linked");
      assert.ok(Number(values.cout) > 0, 'std::cout is referenced');
    });
  }
}

/**
 * Shell lines (as root, in an empty folder) that build and install libviewtest-dev for the
 * profile's architecture: `viewtest.h` in /usr/include, as zlib.h, and `libviewtest.a` in the
 * multiarch folder; then refresh the target's view of /usr/include, as apt's hook would.
 */
export function installViewtestPackage(profile: ArchProfile): string[] {
  const T = profile.triplet;
  return [
    `mkdir -p pkg/DEBIAN pkg/usr/include pkg/usr/lib/${T}`,
    `printf 'Package: libviewtest-dev\\nVersion: 1\\nArchitecture: ${profile.arch}\\nMulti-Arch: same\\nMaintainer: t <t@t>\\nDescription: t\\n' > pkg/DEBIAN/control`,
    "printf '#define VIEWTEST 42\\n' > pkg/usr/include/viewtest.h",
    `printf 'int viewtest(void) { return 42; }\\n' > v.c && ${T}-gcc -c v.c -o v.o && ${T}-ar rcs pkg/usr/lib/${T}/libviewtest.a v.o`,
    'dpkg-deb -b pkg viewtest.deb >/dev/null && dpkg -i viewtest.deb >/dev/null',
    `sh /usr/lib/stubbuild/target-include-view.sh ${profile.arch} /usr/lib/stubdom/${T}/target-include`,
  ];
}

function keyValues(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .split('\n')
      .filter((line) => /^[a-z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
