/* sys/poll.h — stubdom-posix: the same as <poll.h>. */
#include <poll.h>
