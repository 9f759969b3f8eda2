/* limits.h — stubdom-posix: newlib's and gcc's, plus SSIZE_MAX and the C99 long long
 * limits in C++.
 * gcc 12's own <limits.h> defines LLONG_MAX only for C99 and later C, and newlib's only when
 * the compiler is not gcc; with glibc they come from glibc. C++11 has them too (Lua's
 * luaconf.h, compiled as C++ for liblua5.4-c++, stops without them). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <limits.h>
#ifndef _STUBDOM_POSIX_LIMITS_H
#define _STUBDOM_POSIX_LIMITS_H

/* POSIX's SSIZE_MAX, which newlib leaves out (lwIP defines its own ssize_t without it) */
#ifndef SSIZE_MAX
#define SSIZE_MAX __LONG_MAX__
#endif

#if defined(__cplusplus) && !defined(LLONG_MAX)
#define LLONG_MIN (-LLONG_MAX - 1LL)
#define LLONG_MAX __LONG_LONG_MAX__
#define ULLONG_MAX (LLONG_MAX * 2ULL + 1ULL)
#endif

#endif
