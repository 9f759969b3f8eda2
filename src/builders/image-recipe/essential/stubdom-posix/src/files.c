/* File-system calls newlib declares or POSIX programs expect, on top of newlib's own. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>

/* No symbolic links: lstat is stat. */
int lstat(const char *path, struct stat *buf) { return stat(path, buf); }

/* No users either, so every existing file may be read and written; executing needs an x bit. */
int access(const char *path, int mode)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return -1;
  if ((mode & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
    errno = EACCES;
    return -1;
  }
  return 0;
}

/* File times cannot be set through this C library. */
int utime(const char *path, const struct utimbuf *times)
{
  (void)path; (void)times;
  errno = ENOSYS;
  return -1;
}

/* No chdir: the working directory is always the root. A null buffer is allocated, as
 * glibc and the BSDs do (size 0: as large as needed). */
char *getcwd(char *buf, size_t size)
{
  if (buf == NULL && size == 0)
    size = 2;
  if (size < 2) {
    errno = size == 0 ? EINVAL : ERANGE;
    return NULL;
  }
  if (buf == NULL && (buf = malloc(size)) == NULL)
    return NULL;
  buf[0] = '/';
  buf[1] = '\0';
  return buf;
}

/* The working directory stays the root: changing to it succeeds, to any other cannot be done
 * (minizip's miniunz changes into the folder it extracts to). */
int chdir(const char *path)
{
  if (path != NULL && strcmp(path, "/") == 0)
    return 0;
  errno = path != NULL && path[0] == '\0' ? ENOENT : ENOSYS;
  return -1;
}
int fchdir(int fd) { (void)fd; errno = ENOSYS; return -1; }

/* Owners and modes cannot be changed through this C library either. */
int chown(const char *path, uid_t owner, gid_t group) { (void)path; (void)owner; (void)group; errno = ENOSYS; return -1; }
int fchown(int fd, uid_t owner, gid_t group) { (void)fd; (void)owner; (void)group; errno = ENOSYS; return -1; }
int lchown(const char *path, uid_t owner, gid_t group) { (void)path; (void)owner; (void)group; errno = ENOSYS; return -1; }
int chmod(const char *path, mode_t mode) { (void)path; (void)mode; errno = ENOSYS; return -1; }
int fchmod(int fd, mode_t mode) { (void)fd; (void)mode; errno = ENOSYS; return -1; }

/* Descriptor flags live with the descriptors, which belong to the I/O of the final link
 * (newlib's read and write go to stubs here): fcntl cannot answer for them. */
int fcntl(int fd, int cmd, ...) { (void)fd; (void)cmd; errno = ENOSYS; return -1; }

/* Nothing is read ahead or kept, so advice changes nothing, which POSIX allows; a call that
 * could never be valid still gets its error (returned, not in errno). */
int posix_fadvise(int fd, off_t offset, off_t len, int advice)
{
  (void)offset;
  if (fd < 0) return EBADF;
  if (len < 0 || advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE) return EINVAL;
  return 0;
}

/* Nor can file times in their nanosecond forms. */
int futimens(int fd, const struct timespec *times) { (void)fd; (void)times; errno = ENOSYS; return -1; }
int utimensat(int dirfd, const char *path, const struct timespec *times, int flags) { (void)dirfd; (void)path; (void)times; (void)flags; errno = ENOSYS; return -1; }
int utimes(const char *path, const struct timeval *times) { (void)path; (void)times; errno = ENOSYS; return -1; }

/* Nor can directories be made or removed (there are none to open either: dirent.c). */
int mkdir(const char *path, mode_t mode) { (void)path; (void)mode; errno = ENOSYS; return -1; }
int rmdir(const char *path) { (void)path; errno = ENOSYS; return -1; }
