/* File-system calls newlib declares or POSIX programs expect, on top of newlib's own. */
#include <errno.h>
#include <sys/stat.h>
#include <utime.h>

/* No symbolic links: lstat is stat. */
int lstat(const char *path, struct stat *buf) { return stat(path, buf); }

/* File times cannot be set through this C library. */
int utime(const char *path, const struct utimbuf *times)
{
  (void)path; (void)times;
  errno = ENOSYS;
  return -1;
}
