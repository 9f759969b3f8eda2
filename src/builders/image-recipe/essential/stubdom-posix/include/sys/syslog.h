/* sys/syslog.h — stubdom-posix: the same as <syslog.h>. */
#include <syslog.h>
