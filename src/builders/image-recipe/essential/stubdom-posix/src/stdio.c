/* stdio stream locks, which newlib declares and leaves out for this target: with one thread
 * a stream is never held by another, so locking always succeeds at once. */
#include <stdio.h>

void flockfile(FILE *f) { (void)f; }
int ftrylockfile(FILE *f) { (void)f; return 0; }
void funlockfile(FILE *f) { (void)f; }
