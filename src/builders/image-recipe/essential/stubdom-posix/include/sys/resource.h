/* sys/resource.h — stubdom-posix: newlib's (getrusage) plus resource limits. A stub domain's
 * limits are those of its memory; nothing enforces one, so every limit reads "unlimited"
 * until a program sets it, and setting one is remembered. The one process's nice value is
 * kept the same way (nothing schedules by it). */
/* outside the guard: an installed copy of this header may come first on the path */
#include_next <sys/resource.h>
#ifndef _STUBDOM_POSIX_SYS_RESOURCE_H
#define _STUBDOM_POSIX_SYS_RESOURCE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned long rlim_t;
#define RLIM_INFINITY (~(rlim_t)0)
#define RLIM_SAVED_MAX RLIM_INFINITY
#define RLIM_SAVED_CUR RLIM_INFINITY

struct rlimit {
  rlim_t rlim_cur;
  rlim_t rlim_max;
};

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NOFILE 5
#define RLIMIT_AS 6
#define RLIM_NLIMITS 7

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

int getrlimit(int, struct rlimit *);
int setrlimit(int, const struct rlimit *);
int getpriority(int, id_t);
int setpriority(int, id_t, int);

#ifdef __cplusplus
}
#endif
#endif
