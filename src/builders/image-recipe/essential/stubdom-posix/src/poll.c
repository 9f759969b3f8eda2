/* poll(2) and select(2) without pollable descriptors (see include/poll.h): a set with nothing
 * in it has nothing to wait for and returns at once, as the timeout's end would (sleep in
 * unistd.c does no better); a descriptor cannot be waited on (ENOSYS), nor can nothing
 * forever. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/select.h>

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  (void)fds; (void)timeout;
  if (nfds == 0) return 0;
  errno = ENOSYS;
  return -1;
}

static int any_set(int nfds, const fd_set *set)
{
  for (int fd = 0; set != NULL && fd < nfds; fd++)
    if (FD_ISSET(fd, set)) return 1;
  return 0;
}

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
  if (nfds < 0 || nfds > FD_SETSIZE) { errno = EINVAL; return -1; }
  if (timeout != NULL && !any_set(nfds, readfds) && !any_set(nfds, writefds) && !any_set(nfds, exceptfds)) return 0;
  errno = ENOSYS;
  return -1;
}

int pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, const struct timespec *timeout, const sigset_t *mask)
{
  struct timeval at_once = {0, 0};
  (void)mask;
  return select(nfds, readfds, writefds, exceptfds, timeout != NULL ? &at_once : NULL);
}
