/* utime.h — stubdom-posix: newlib's struct utimbuf, plus utime(), which newlib does not
 * declare. File times cannot be set through the stub domain's C library: ENOSYS. */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <utime.h>
#ifndef _STUBDOM_POSIX_UTIME_H
#define _STUBDOM_POSIX_UTIME_H

#ifdef __cplusplus
extern "C" {
#endif

int utime(const char *, const struct utimbuf *);

#ifdef __cplusplus
}
#endif
#endif
