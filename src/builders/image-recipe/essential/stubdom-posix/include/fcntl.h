/* fcntl.h — stubdom-posix: newlib's, plus posix_fadvise (POSIX.1-2001, which newlib leaves
 * out): advice that this C library takes and does nothing with, as POSIX allows (src/files.c). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <fcntl.h>
#ifndef _STUBDOM_POSIX_FCNTL_H
#define _STUBDOM_POSIX_FCNTL_H

#ifdef __cplusplus
extern "C" {
#endif

#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5

int posix_fadvise(int, off_t, off_t, int);

#ifdef __cplusplus
}
#endif
#endif
