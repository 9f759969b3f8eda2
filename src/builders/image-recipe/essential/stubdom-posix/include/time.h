/* time.h — stubdom-posix: newlib's, plus CLOCK_MONOTONIC, which newlib shows only on systems
 * that announce _POSIX_MONOTONIC_CLOCK; this layer's clock_gettime answers it (src/time.c). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <time.h>
#ifndef _STUBDOM_POSIX_TIME_H
#define _STUBDOM_POSIX_TIME_H

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

#endif
