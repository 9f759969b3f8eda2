/* poll(2) without pollable descriptors (see include/poll.h). */
#include <errno.h>
#include <poll.h>

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  (void)fds; (void)timeout;
  if (nfds == 0) return 0;
  errno = ENOSYS;
  return -1;
}
