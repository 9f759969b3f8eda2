/* poll.h — stubdom-posix: the declarations of poll(2). The stub domain's C library has no
 * pollable descriptors (newlib's I/O goes to ENOSYS stubs): poll fails with ENOSYS, except
 * for an empty set, which has no events (0, at once: there is nothing to wait for). */
#ifndef _STUBDOM_POSIX_POLL_H
#define _STUBDOM_POSIX_POLL_H

#ifdef __cplusplus
extern "C" {
#endif

struct pollfd {
  int fd;
  short events;
  short revents;
};
typedef unsigned long nfds_t;

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200

int poll(struct pollfd *, nfds_t, int);

#ifdef __cplusplus
}
#endif
#endif
