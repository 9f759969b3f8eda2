/* The signal mask of the one thread (newlib declares sigprocmask but has none for this
 * target). Nothing delivers asynchronous signals in a stub domain; the mask is kept so that
 * programs saving and restoring it see what they set. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

static sigset_t mask;

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
  if (old) *old = mask;
  if (!set) return 0;
  switch (how) {
  case SIG_BLOCK: mask |= *set; return 0;
  case SIG_UNBLOCK: mask &= ~*set; return 0;
  case SIG_SETMASK: mask = *set; return 0;
  default: errno = EINVAL; return -1;
  }
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) { return sigprocmask(how, set, old) == 0 ? 0 : errno; }
int pthread_kill(pthread_t thread, int sig) { return thread == pthread_self() ? (raise(sig) == 0 ? 0 : errno) : ESRCH; }

/* sigaction over newlib's signal() table, so raise() finds handlers set either way. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
  _sig_func_ptr previous;
  if (act) {
    previous = signal(sig, act->sa_handler);
    if (previous == SIG_ERR) return -1;
  } else {
    previous = signal(sig, SIG_DFL);
    if (previous == SIG_ERR) return -1;
    signal(sig, previous);
  }
  if (old) {
    old->sa_handler = previous;
    sigemptyset(&old->sa_mask);
    old->sa_flags = 0;
  }
  return 0;
}
