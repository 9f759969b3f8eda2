/* Resource limits (see include/sys/resource.h): unlimited until set; a set value is kept. */
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
