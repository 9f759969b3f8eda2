/* Resource limits and the nice value (see include/sys/resource.h): kept, never enforced. */
#include <errno.h>
#include <sys/resource.h>

static struct rlimit limits[RLIM_NLIMITS] = {
  [0 ... RLIM_NLIMITS - 1] = { RLIM_INFINITY, RLIM_INFINITY },
};

int getrlimit(int resource, struct rlimit *limit)
{
  if (resource < 0 || resource >= RLIM_NLIMITS) { errno = EINVAL; return -1; }
  *limit = limits[resource];
  return 0;
}

int setrlimit(int resource, const struct rlimit *limit)
{
  if (resource < 0 || resource >= RLIM_NLIMITS || limit->rlim_cur > limit->rlim_max) { errno = EINVAL; return -1; }
  if (limit->rlim_max > limits[resource].rlim_max) { errno = EPERM; return -1; }
  limits[resource] = *limit;
  return 0;
}

/* The nice value of the one process (and of "all processes" of its user or group). */
static int nice_value;

int getpriority(int which, id_t who)
{
  (void)who;
  if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER) { errno = EINVAL; return -1; }
  return nice_value;
}

int setpriority(int which, id_t who, int value)
{
  (void)who;
  if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER) { errno = EINVAL; return -1; }
  nice_value = value < -20 ? -20 : value > 19 ? 19 : value;
  return 0;
}
