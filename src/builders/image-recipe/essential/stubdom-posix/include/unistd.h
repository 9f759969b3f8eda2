/* unistd.h — stubdom-posix: newlib's, announcing the POSIX version this layer and newlib
 * together aim at (newlib leaves _POSIX_VERSION to systems it knows). Programs use it to
 * decide that they may include <stdio.h>-level POSIX (fileno, isatty, …); what a stub domain
 * cannot do answers ENOSYS at run time. */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <unistd.h>
#ifndef _STUBDOM_POSIX_UNISTD_H
#define _STUBDOM_POSIX_UNISTD_H

#ifndef _POSIX_VERSION
#define _POSIX_VERSION 200809L
#endif

#endif
