import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { builderShell, ensureBuilderImage } from './builder-image.support.ts';
import { type ContractImage, defineToolchainContract, installViewtestPackage } from './helpers/toolchain-contract.ts';

// The toolchain contract, for the newlib flavor (stubdom-amd64). The rumprun flavor keeps the
// same contract in test/rump/ (npm run test:rump: its image takes half an hour).
defineToolchainContract(() => ensureBuilderImage('stubdom-amd64'), {
  languages: ['c', 'c++'],
  programs: [],
  program: { kind: 'executable', exitWhenRun: 132 },
  stackGuard: true,
  runtime: ['lib/libc.a', 'lib/libm.a'],
  shared: 'relocatable',
  libcAnswers: true,
});

// What the newlib flavor adds: its view of /usr/include, libstdc++, the POSIX layer.
let image: ContractImage;
before(async () => {
  image = await ensureBuilderImage('stubdom-amd64');
});

function shell(script: string, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  return builderShell(image.tag, script, extra);
}

test("a .pc file's -I/usr/include is dropped: glibc's headers would come first", async () => {
  const T = image.profile.triplet;
  const cflags = await shell(
    `mkdir -p pc && printf 'includedir=/usr/include\nName: z\nDescription: z\nVersion: 1\nCflags: -I\${includedir}\n' > pc/z.pc && PKG_CONFIG_PATH=$PWD/pc ${T}-pkg-config --cflags z`,
  );
  assert.equal(cflags.code, 0, cflags.err);
  assert.equal(cflags.out, '');
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
    ...installViewtestPackage(image.profile),
    `printf '#include <viewtest.h>\\n#include <zlib.h>\\nint x = VIEWTEST;\\n' > use.c`,
    `${T}-gcc -c use.c -o use.o 2>&1 | grep -c 'zlib.h: No such file' || true`,
    `printf '#include <viewtest.h>\\nint x = VIEWTEST;\\n' > use2.c && ${T}-gcc -c use2.c -o use2.o && echo found`,
  ].join('\n');
  // as root: it installs a package (the build does the same through apt)
  const found = await shell(pkg, ['--user', 'root']);
  assert.equal(found.code, 0, found.err);
  assert.deepEqual(found.out.split('\n'), ['1', 'found'], 'zlib.h of the build machine is not seen, viewtest.h of a stubdom package is');
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
  assert.deepEqual(
    result.out.split('\n'),
    [T, '1', '0', '0', '0'],
    'target libstdc++ linked, no host C++ library or headers, fully linked',
  );
});

// Test-only glue so the program runs on the build host: a start file that calls main, and
// open/read/write/lseek/close/exit/sbrk/stat as Linux system calls (the real ones come from the
// stub domain's bake, here libnosys' failing stubs; stat hands on only st_mode, at its offset in
// Linux's x86-64 struct stat; open knows the access mode and O_CREAT, which is 0100 in Linux).
const hostGlue = `#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
static long sys(long n, long a, long b, long c) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
static int result(long r) { if (r < 0) { errno = (int)-r; return -1; } return (int)r; }
int _write(int fd, const void *buf, size_t n) { return result(sys(1, fd, (long)buf, (long)n)); }
int write(int fd, const void *buf, size_t n) { return _write(fd, buf, n); }
int read(int fd, void *buf, size_t n) { return result(sys(0, fd, (long)buf, (long)n)); }
int open(const char *path, int flags, ...) { va_list rest; va_start(rest, flags); int mode = flags & O_CREAT ? va_arg(rest, int) : 0; va_end(rest); return result(sys(2, (long)path, (flags & O_ACCMODE) | (flags & O_CREAT ? 0100 : 0), mode)); }
int close(int fd) { return result(sys(3, fd, 0, 0)); }
long lseek(int fd, long offset, int whence) { long r = sys(8, fd, offset, whence); if (r < 0) { errno = (int)-r; return -1; } return r; }
int stat(const char *path, struct stat *st) {
  unsigned char linux_stat[144]; long r = sys(4, (long)path, (long)linux_stat, 0);
  if (r < 0) { errno = (int)-r; return -1; }
  unsigned mode; memcpy(&mode, linux_stat + 24, sizeof mode); memset(st, 0, sizeof *st); st->st_mode = mode; return 0;
}
void _exit(int code) { for (;;) sys(60, code, 0, 0); }
static char heap[1 << 20]; static size_t used;
void *_sbrk(ptrdiff_t inc) { void *p = heap + used; used += inc; return p; }
__asm__(".globl _start\\n_start: xor %ebp, %ebp\\n and $-16, %rsp\\n call main\\n mov %eax, %edi\\n call exit\\n");`;

test('the POSIX layer is single-threaded and honest about it', async () => {
  const T = image.profile.triplet;
  const program = `#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>
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
  say("access", access("/etc/passwd", R_OK | W_OK) == 0 && access("/", X_OK) == 0);
  say("noexec", access("/etc/passwd", X_OK) == -1 && errno == EACCES);
  say("missing", access("/no/such/file", F_OK) == -1 && errno == ENOENT);
  char cwd[8], tiny[1]; char *made = getcwd(NULL, 0);
  say("getcwd", getcwd(cwd, sizeof cwd) == cwd && strcmp(cwd, "/") == 0 && made && strcmp(made, "/") == 0);
  say("erange", getcwd(tiny, sizeof tiny) == NULL && errno == ERANGE);
  say("chdir", chdir("/") == 0 && chdir("/tmp") == -1 && errno == ENOSYS);
  say("mmap", mmap(NULL, 4096, PROT_READ, MAP_SHARED, 0, 0) == MAP_FAILED && errno == ENODEV);
  say("anonymous", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOTSUP);
  say("munmap", munmap(cwd, sizeof cwd) == 0 && mlock(cwd, sizeof cwd) == 0 && posix_madvise(cwd, sizeof cwd, POSIX_MADV_SEQUENTIAL) == ENOMEM);
  struct timeval tv = {1, 0}; fd_set fds; FD_ZERO(&fds);
  say("select", select(0, NULL, NULL, NULL, &tv) == 0 && select(1, &fds, NULL, NULL, &tv) == 0 && select(1, &fds, NULL, NULL, NULL) == -1 && errno == ENOSYS);
  FD_SET(0, &fds);
  say("select_fd", select(1, &fds, NULL, NULL, &tv) == -1 && errno == ENOSYS && select(-1, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL);
  say("dlopen", dlopen("libdvdcss.so.2", RTLD_LAZY) == NULL && dlerror() != NULL && dlerror() == NULL);
  say("dlsym", dlsym(RTLD_DEFAULT, "main") == NULL && dlerror() != NULL && dlclose(NULL) != 0);
  say("fadvise", posix_fadvise(0, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 && posix_fadvise(0, 0, 0, 99) == EINVAL && posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL) == EBADF);
  void *aligned = NULL;
  say("memalign", posix_memalign(&aligned, 64, 100) == 0 && ((uintptr_t)aligned & 63) == 0 && posix_memalign(&aligned, 24, 8) == EINVAL);
  free(aligned);
  struct passwd pw, *pw_found = &pw; char pw_buf[64];
  errno = 0;
  struct passwd *me = getpwuid(getuid());
  say("users", me != NULL && strcmp(me->pw_name, "root") == 0 && strcmp(me->pw_dir, "/") == 0 && getpwnam("root") == me && getgrgid(0) != NULL && strcmp(getgrgid(0)->gr_name, "root") == 0);
  say("no_users", getpwuid(1000) == NULL && getpwnam("nobody") == NULL && getgrnam("staff") == NULL && errno == 0 && getpwuid_r(1000, &pw, pw_buf, sizeof pw_buf, &pw_found) == 0 && pw_found == NULL);
  setpwent();
  say("walk", getpwent() == me && getpwent() == NULL);
  struct termios tio; memset(&tio, 0xff, sizeof tio);
  say("tcgetattr", tcgetattr(0, &tio) == -1 && errno == ENOTTY && tcsetattr(0, TCSANOW, &tio) == -1 && errno == ENOTTY && tcgetattr(-1, &tio) == -1 && errno == EBADF);
  cfmakeraw(&tio);
  say("cfmakeraw", !(tio.c_lflag & (ICANON | ECHO)) && (tio.c_cflag & CSIZE) == CS8 && tio.c_cc[VMIN] == 1 && cfsetospeed(&tio, B9600) == 0 && cfgetospeed(&tio) == B9600 && cfsetispeed(&tio, 12345) == -1);
  int fd = open("/tmp/positioned", O_CREAT | O_RDWR, 0600); char two[3] = "";
  say("pread", fd >= 0 && write(fd, "abcdef", 6) == 6 && lseek(fd, 1, SEEK_SET) == 1 && pread(fd, two, 2, 3) == 2 && strcmp(two, "de") == 0 && lseek(fd, 0, SEEK_CUR) == 1);
  say("pwrite", pwrite(fd, "XY", 2, 0) == 2 && lseek(fd, 0, SEEK_CUR) == 1 && pread(fd, two, 2, 0) == 2 && strcmp(two, "XY") == 0 && pread(fd, two, 2, -1) == -1 && errno == EINVAL && pread(-1, two, 2, 0) == -1 && errno == EBADF);
  close(fd);
  // on the console, standard error: the name, the message, %m as the error's text, one line each
  syslog(LOG_INFO, "before openlog");
  openlog("posix-test", LOG_PID, LOG_DAEMON);
  errno = ENOENT;
  syslog(LOG_ERR, "cannot read %s: %m (100%%)", "/etc/x");
  say("errno_kept", errno == ENOENT);
  say("logmask", setlogmask(LOG_UPTO(LOG_WARNING)) == 0xff && setlogmask(0) == LOG_UPTO(LOG_WARNING));
  syslog(LOG_DEBUG, "filtered out");
  syslog(LOG_MAKEPRI(LOG_LOCAL0, LOG_WARNING), "%d%% left\\n", 5);
  closelog();
  return 0;
}`;
  const script = [
    `cat > posix.c <<'C'\n${program}\nC`,
    `cat > glue.c <<'C'\n${hostGlue}\nC`,
    `${T}-gcc -Wall -Werror -c posix.c -o posix.o`,
    `${T}-gcc -nostartfiles posix.o glue.c -o posix 2>/dev/null`,
    './posix',
  ].join('\n');
  const result = await shell(script);
  assert.equal(result.code, 0, result.err);
  assert.deepEqual(result.out.split('\n'), [
    'create=1',
    'lock=1',
    'wait=1',
    'once=1',
    'key=1',
    'rlimit=1',
    'poll=1',
    'access=1',
    'noexec=1',
    'missing=1',
    'getcwd=1',
    'erange=1',
    'chdir=1',
    'mmap=1',
    'anonymous=1',
    'munmap=1',
    'select=1',
    'select_fd=1',
    'dlopen=1',
    'dlsym=1',
    'fadvise=1',
    'memalign=1',
    'users=1',
    'no_users=1',
    'walk=1',
    'tcgetattr=1',
    'cfmakeraw=1',
    'pread=1',
    'pwrite=1',
    'errno_kept=1',
    'logmask=1',
  ]);
  assert.deepEqual(result.err.trim().split('\n'), [
    'before openlog',
    'posix-test: cannot read /etc/x: No such file or directory (100%)',
    'posix-test: 5% left',
  ]);
});

test("dirname, basename and realpath answer as glibc's (the build machine's gcc is the oracle)", async () => {
  const T = image.profile.triplet;
  // every case but "//", whose dirname POSIX leaves to the system (glibc keeps both slashes)
  const program = `#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int _write(int, const void *, size_t);
static const char *cases[] = {"/usr/lib", "/usr/lib/", "usr", "/", "///", ".", "..", "", "a/b//", "///a", "a//b", "/a", "a/", "lib/x86_64-xen-elf/libz.a"};
// run from /, whose paths below are no symbolic links (bookworm's /bin is one: not named)
static const char *real[] = {"/usr/share/../lib", "//usr///share/./doc/", "usr/share", ".", "..", "/", "/etc/passwd", "/etc/passwd/x", "/no/such", "/usr/no-such/..", ""};
int main(void) {
  char line[128], d[64], b[64];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    strcpy(d, cases[i]); strcpy(b, cases[i]);
    snprintf(line, sizeof line, "[%s] dirname=[%s] basename=[%s]\\n", cases[i], dirname(d), basename(b));
    _write(1, line, strlen(line));
  }
  snprintf(line, sizeof line, "null dirname=[%s] basename=[%s] literal=[%s]\\n", dirname(NULL), basename(NULL), basename((char *)"src/read-only.c"));
  _write(1, line, strlen(line));
  for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
    char buf[4096]; char *found = realpath(real[i], buf); int error = found ? 0 : errno;
    char *made = realpath(real[i], NULL);
    snprintf(line, sizeof line, "[%s] realpath=[%s] errno=%d same=%d\\n", real[i], found ? found : "", error, (made == NULL) == (found == NULL) && (!made || strcmp(made, found) == 0));
    _write(1, line, strlen(line));
    free(made);
  }
  return 0;
}`;
  const script = [
    `cat > libgen.c <<'C'\n${program}\nC`,
    `cat > glue.c <<'C'\n${hostGlue}\nC`,
    `${T}-gcc -Wall -Werror libgen.c -nostartfiles glue.c -o stubdom 2>/dev/null`,
    `printf '#include <unistd.h>\\nint _write(int fd, const void *b, size_t n) { return (int)write(fd, b, n); }\\n' > host-glue.c`,
    'gcc -w libgen.c host-glue.c -o host',
    'mkdir -p /tmp/oracle && cp stubdom host /tmp/oracle/',
    '(cd / && /tmp/oracle/stubdom > /tmp/oracle/stubdom.out && /tmp/oracle/host > /tmp/oracle/host.out)',
    'cat /tmp/oracle/stubdom.out && echo === && cat /tmp/oracle/host.out',
  ].join('\n');
  const result = await shell(script);
  assert.equal(result.code, 0, result.err);
  const [stubdom = '', host] = result.out.split('\n===\n');
  assert.equal(stubdom.split('\n').length, 26, result.out);
  assert.match(stubdom, /^\[\/usr\/share\/\.\.\/lib\] realpath=\[\/usr\/lib\] errno=0 same=1$/m);
  assert.equal(stubdom, host);
});
