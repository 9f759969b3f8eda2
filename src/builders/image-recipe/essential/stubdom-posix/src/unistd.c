/* <unistd.h> calls newlib declares but has no implementation of for this target, with what a
 * stub domain is: one process of one user (uid 0, as in Mini-OS), one processor, 4 KiB
 * pages, no clock to sleep on and no timers, no pipes. */
#include <errno.h>
#include <unistd.h>

uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }
pid_t getppid(void) { return 0; }
int getpagesize(void) { return 4096; }

long sysconf(int name)
{
  switch (name) {
  case _SC_PAGESIZE: return 4096;
  case _SC_NPROCESSORS_CONF:
  case _SC_NPROCESSORS_ONLN: return 1;
  case _SC_CLK_TCK: return 100;
  case _SC_OPEN_MAX: return 64;
  case _SC_ARG_MAX: return 4096;
  default: errno = EINVAL; return -1;
  }
}

/* Nothing to wait on: sleep returns at once with all of the time unslept, as POSIX lets an
 * interrupted sleep do; the finer-grained sleeps say they cannot. */
unsigned sleep(unsigned seconds) { return seconds; }
int usleep(useconds_t usec) { (void)usec; errno = ENOSYS; return -1; }

/* No timers: an alarm is never scheduled, so there was none before either. */
unsigned alarm(unsigned seconds) { (void)seconds; return 0; }

int pipe(int fds[2]) { (void)fds; errno = ENOSYS; return -1; }

/* Descriptors belong to the final link's I/O (see fcntl in files.c): no duplicates here. */
int dup(int fd) { (void)fd; errno = ENOSYS; return -1; }
int dup2(int fd, int fd2) { (void)fd; (void)fd2; errno = ENOSYS; return -1; }
