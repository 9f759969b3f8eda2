/* stdio pieces newlib declares and leaves out for this target. Stream locks: with one thread
 * a stream is never held by another, so locking always succeeds at once. */
#include <stdio.h>

void flockfile(FILE *f) { (void)f; }
int ftrylockfile(FILE *f) { (void)f; return 0; }
void funlockfile(FILE *f) { (void)f; }

/* No processes to run a command in: popen cannot start one, so no stream is ever a pipe. */
#include <errno.h>
FILE *popen(const char *command, const char *mode) { (void)command; (void)mode; errno = ENOSYS; return NULL; }
int pclose(FILE *f) { (void)f; errno = ECHILD; return -1; }
