/* sys/stat.h — stubdom-posix: newlib's, plus lstat (there are no symbolic links in a stub
 * domain's file system, so lstat is stat) and the *at forms' helpers newlib leaves out. */
#ifndef _STUBDOM_POSIX_SYS_STAT_H
#define _STUBDOM_POSIX_SYS_STAT_H
#include_next <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

int lstat(const char *__restrict, struct stat *__restrict);

#ifdef __cplusplus
}
#endif
#endif
