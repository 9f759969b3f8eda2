/* pread and pwrite: newlib declares them and builds them only for Unix systems. One thread, so
 * moving the offset, reading or writing and moving it back is what POSIX asks of them; a pipe
 * or a terminal answers ESPIPE from the first lseek, as pread itself must. */
#include <errno.h>
#include <unistd.h>

static ssize_t at_offset(int fd, void *buf, const void *data, size_t n, off_t offset)
{
  if (offset < 0) {
    errno = EINVAL;
    return -1;
  }
  off_t was = lseek(fd, 0, SEEK_CUR);
  if (was < 0 || lseek(fd, offset, SEEK_SET) < 0)
    return -1;
  ssize_t done = data ? write(fd, data, n) : read(fd, buf, n);
  int error = errno;
  lseek(fd, was, SEEK_SET);
  errno = error;
  return done;
}

ssize_t pread(int fd, void *buf, size_t n, off_t offset) { return at_offset(fd, buf, NULL, n, offset); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) { return at_offset(fd, NULL, buf, n, offset); }
