/* <libgen.h>: newlib declares dirname and POSIX's basename and builds neither for this target
 * (they live in its libc/unix, which only some systems get). Both may edit the path they are
 * given, as POSIX allows, and answer "." for a null or empty one. */
#include <libgen.h>
#include <string.h>

static char dot[] = ".";

char *dirname(char *path)
{
  size_t end;
  if (path == NULL || *path == '\0') return dot;
  end = strlen(path);
  while (end > 1 && path[end - 1] == '/') end--;
  while (end > 0 && path[end - 1] != '/') end--;
  if (end == 0) return dot;
  while (end > 1 && path[end - 1] == '/') end--;
  path[end] = '\0';
  return path;
}

/* libgen.h names this one "basename" in assembly; string.h's GNU basename, which never edits
 * its argument, is newlib's own __gnu_basename */
char *basename(char *path)
{
  size_t length, end, start;
  if (path == NULL || *path == '\0') return dot;
  length = end = strlen(path);
  while (end > 1 && path[end - 1] == '/') end--;
  /* written only when a trailing slash goes: basename(__FILE__) passes read-only memory */
  if (end < length) path[end] = '\0';
  if (end == 1 && path[0] == '/') return path;
  start = end;
  while (start > 0 && path[start - 1] != '/') start--;
  return path + start;
}
