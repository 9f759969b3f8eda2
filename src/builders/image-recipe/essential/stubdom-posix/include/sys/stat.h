/* sys/stat.h — stubdom-posix: newlib's, plus lstat (there are no symbolic links in a stub
 * domain's file system, so lstat is stat) and UTIME_NOW/UTIME_OMIT. */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <sys/stat.h>
#ifndef _STUBDOM_POSIX_SYS_STAT_H
#define _STUBDOM_POSIX_SYS_STAT_H

#ifdef __cplusplus
extern "C" {
#endif

int lstat(const char *__restrict, struct stat *__restrict);

/* futimens and utimensat (which newlib declares) with their special times */
#ifndef UTIME_NOW
#define UTIME_NOW -2L
#define UTIME_OMIT -1L
#endif

#ifdef __cplusplus
}
#endif
#endif
