/* Clocks newlib declares but has no implementation of for this target: all read the one
 * clock newlib itself reads (gettimeofday through its _gettimeofday_r hook, which the stub
 * domain's final link provides; unlinked, it fails with ENOSYS). No sleeping: nothing to
 * wait on (see unistd.c). */
#include <errno.h>
#include <reent.h>
#include <sys/time.h>
#include <time.h>

int gettimeofday(struct timeval *tv, void *tz) { return _gettimeofday_r(_REENT, tv, tz); }

int clock_gettime(clockid_t clock, struct timespec *ts)
{
  struct timeval tv;
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) { errno = EINVAL; return -1; }
  if (gettimeofday(&tv, NULL) != 0) return -1;
  ts->tv_sec = tv.tv_sec;
  ts->tv_nsec = tv.tv_usec * 1000L;
  return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) { errno = EINVAL; return -1; }
  if (res) { res->tv_sec = 0; res->tv_nsec = 1000; }
  return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem) { (void)req; (void)rem; errno = ENOSYS; return -1; }
