/* sys/stat.h — stubdom-posix: newlib's, plus lstat (there are no symbolic links in a stub
 * domain's file system, so lstat is stat). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <sys/stat.h>
#ifndef _STUBDOM_POSIX_SYS_STAT_H
#define _STUBDOM_POSIX_SYS_STAT_H

#ifdef __cplusplus
extern "C" {
#endif

int lstat(const char *__restrict, struct stat *__restrict);

#ifdef __cplusplus
}
#endif
#endif
