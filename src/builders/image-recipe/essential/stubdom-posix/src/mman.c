/* Memory mappings without any (see include/sys/mman.h). */
#include <errno.h>
#include <sys/mman.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
  (void)addr; (void)len; (void)prot; (void)fd; (void)off;
  errno = (flags & MAP_ANONYMOUS) ? ENOTSUP : ENODEV;
  return MAP_FAILED;
}

/* POSIX: a range without mappings is unmapped at once; only an empty one is an error. */
int munmap(void *addr, size_t len)
{
  (void)addr;
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

static int unmapped(void)
{
  errno = ENOMEM;
  return -1;
}

int mprotect(void *addr, size_t len, int prot) { (void)addr; (void)len; (void)prot; return unmapped(); }
int msync(void *addr, size_t len, int flags) { (void)addr; (void)len; (void)flags; return unmapped(); }
int madvise(void *addr, size_t len, int advice) { (void)addr; (void)len; (void)advice; return unmapped(); }
/* posix_madvise returns the error number instead of setting errno */
int posix_madvise(void *addr, size_t len, int advice) { (void)addr; (void)len; (void)advice; return ENOMEM; }

int mlock(const void *addr, size_t len) { (void)addr; (void)len; return 0; }
int munlock(const void *addr, size_t len) { (void)addr; (void)len; return 0; }
int mlockall(int flags) { (void)flags; return 0; }
int munlockall(void) { return 0; }
