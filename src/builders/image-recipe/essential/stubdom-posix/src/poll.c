/* poll(2) and select(2) without pollable descriptors (see include/poll.h): an empty set has
 * nothing to wait for; any descriptor cannot be waited on. */
#include <errno.h>
#include <poll.h>
#include <sys/select.h>

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  (void)fds; (void)timeout;
  if (nfds == 0) return 0;
  errno = ENOSYS;
  return -1;
}

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
  (void)readfds; (void)writefds; (void)exceptfds; (void)timeout;
  if (nfds == 0) return 0;
  errno = ENOSYS;
  return -1;
}

int pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, const struct timespec *timeout, const sigset_t *mask)
{
  (void)mask;
  (void)timeout;
  return select(nfds, readfds, writefds, exceptfds, NULL);
}
