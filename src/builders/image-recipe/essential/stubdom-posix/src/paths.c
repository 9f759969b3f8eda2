/* realpath and pathconf, which newlib declares and leaves to the system. A stub domain's file
 * system has no symbolic links and its working directory is always the root (files.c), so a
 * path's real name is the path made absolute with "." and ".." and repeated slashes taken
 * out; each component must exist, and every one but the last be a directory, as elsewhere. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

char *realpath(const char *__restrict path, char *__restrict resolved)
{
  struct stat st;
  size_t len = 1;
  char *out;
  if (path == NULL) { errno = EINVAL; return NULL; }
  if (*path == '\0') { errno = ENOENT; return NULL; }
  out = resolved != NULL ? resolved : malloc(PATH_MAX);
  if (out == NULL) { errno = ENOMEM; return NULL; }
  out[0] = '/';
  for (const char *p = path;;) {
    const char *name;
    size_t n;
    while (*p == '/') p++;
    if (*p == '\0') break;
    name = p;
    while (*p != '\0' && *p != '/') p++;
    n = (size_t)(p - name);
    if (n == 1 && name[0] == '.') continue;
    if (n == 2 && name[0] == '.' && name[1] == '.') {
      while (len > 1 && out[len - 1] != '/') len--;
      if (len > 1) len--;
      continue;
    }
    if (len + 1 + n >= PATH_MAX) { errno = ENAMETOOLONG; goto fail; }
    if (len > 1) out[len++] = '/';
    memcpy(out + len, name, n);
    len += n;
    out[len] = '\0';
    if (stat(out, &st) != 0) goto fail;
    if (*p != '\0' && !S_ISDIR(st.st_mode)) { errno = ENOTDIR; goto fail; }
  }
  out[len] = '\0';
  return out;
fail:
  if (resolved == NULL) free(out);
  return NULL;
}

static long path_limit(int name)
{
  switch (name) {
  case _PC_PATH_MAX: return PATH_MAX;
  case _PC_NAME_MAX: return NAME_MAX;
  case _PC_NO_TRUNC: return 1;
  default: errno = EINVAL; return -1;
  }
}

long pathconf(const char *path, int name)
{
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return path_limit(name);
}

/* Descriptors belong to the final link's I/O (see fcntl in files.c): any is taken as open. */
long fpathconf(int fd, int name)
{
  if (fd < 0) { errno = EBADF; return -1; }
  return path_limit(name);
}
