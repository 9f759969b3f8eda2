/* utime.h — stubdom-posix: newlib's struct utimbuf, plus utime(), which newlib does not
 * declare. File times cannot be set through the stub domain's C library: ENOSYS. */
#ifndef _STUBDOM_POSIX_UTIME_H
#define _STUBDOM_POSIX_UTIME_H
#include_next <utime.h>

#ifdef __cplusplus
extern "C" {
#endif

int utime(const char *, const struct utimbuf *);

#ifdef __cplusplus
}
#endif
#endif
