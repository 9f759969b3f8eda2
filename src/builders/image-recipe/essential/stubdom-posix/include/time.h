/* time.h — stubdom-posix: newlib's, plus CLOCK_MONOTONIC, which newlib shows only on systems
 * that announce _POSIX_MONOTONIC_CLOCK, and clock_gettime/clock_getres (src/time.c). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <time.h>
#ifndef _STUBDOM_POSIX_TIME_H
#define _STUBDOM_POSIX_TIME_H

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

/* newlib declares the clock calls only with _POSIX_TIMERS (timer_create and the rest, which
 * this layer has not); the clocks themselves are here (src/time.c) */
#if !defined(_POSIX_TIMERS)
#ifdef __cplusplus
extern "C" {
#endif
int clock_gettime(clockid_t, struct timespec *);
int clock_getres(clockid_t, struct timespec *);
#ifdef __cplusplus
}
#endif
#endif

#endif
