/* The single thread of a stub domain behind the pthread API (see include/pthread.h).
 * Honest answers: no second thread can exist, so pthread_create fails with EAGAIN (the
 * error for "not enough resources to create another thread"); a lock is always free;
 * waiting on a condition nobody else can signal fails instead of hanging. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define SELF ((pthread_t)1)

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
  (void)thread; (void)attr; (void)start; (void)arg;
  return EAGAIN;
}
int pthread_join(pthread_t thread, void **value) { (void)value; return thread == SELF ? EDEADLK : ESRCH; }
int pthread_detach(pthread_t thread) { return thread == SELF ? 0 : ESRCH; }
void pthread_exit(void *value) { exit(value == NULL ? 0 : 1); }
pthread_t pthread_self(void) { return SELF; }
int pthread_equal(pthread_t a, pthread_t b) { return a == b; }
int pthread_cancel(pthread_t thread) { return thread == SELF ? ENOTSUP : ESRCH; }
int pthread_setcancelstate(int state, int *old) { (void)state; if (old) *old = PTHREAD_CANCEL_ENABLE; return 0; }
int pthread_setcanceltype(int type, int *old) { (void)type; if (old) *old = PTHREAD_CANCEL_DEFERRED; return 0; }
void pthread_testcancel(void) {}
int pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
  (void)prepare; (void)parent; (void)child;
  return 0; /* there is no fork: the handlers are never due */
}

int pthread_once(pthread_once_t *once, void (*routine)(void))
{
  if (!once->init_executed) {
    once->init_executed = 1;
    routine();
  }
  return 0;
}

int pthread_attr_init(pthread_attr_t *attr) { attr->is_initialized = 1; attr->detachstate = PTHREAD_CREATE_JOINABLE; attr->stacksize = 0; return 0; }
int pthread_attr_destroy(pthread_attr_t *attr) { attr->is_initialized = 0; return 0; }
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state) { attr->detachstate = state; return 0; }
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state) { *state = attr->detachstate; return 0; }
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size) { attr->stacksize = size; return 0; }
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size) { *size = attr->stacksize; return 0; }

/* One thread: every lock is free when asked for, and held by that thread until released. */
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) { (void)a; *m = PTHREAD_MUTEX_INITIALIZER; return 0; }
int pthread_mutex_destroy(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_mutex_lock(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_mutex_trylock(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_mutex_unlock(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t) { (void)m; (void)t; return 0; }
int pthread_mutexattr_init(pthread_mutexattr_t *a) { a->is_initialized = 1; return 0; }
int pthread_mutexattr_destroy(pthread_mutexattr_t *a) { a->is_initialized = 0; return 0; }
/* newlib's attribute has no type field here; with one thread every type behaves alike */
int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type) { (void)a; return type >= PTHREAD_MUTEX_NORMAL && type <= PTHREAD_MUTEX_DEFAULT ? 0 : EINVAL; }
int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type) { (void)a; *type = PTHREAD_MUTEX_DEFAULT; return 0; }
int pthread_mutexattr_setpshared(pthread_mutexattr_t *a, int shared) { (void)a; return shared == PTHREAD_PROCESS_PRIVATE ? 0 : ENOTSUP; }

/* Nobody else can signal a condition: a wait would never end, so it fails (EDEADLK), and a
 * timed wait times out. Signalling wakes nobody, successfully. */
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) { (void)a; *c = PTHREAD_COND_INITIALIZER; return 0; }
int pthread_cond_destroy(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_signal(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_broadcast(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) { (void)c; (void)m; return EDEADLK; }
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t) { (void)c; (void)m; (void)t; return ETIMEDOUT; }
int pthread_condattr_init(pthread_condattr_t *a) { a->is_initialized = 1; return 0; }
int pthread_condattr_destroy(pthread_condattr_t *a) { a->is_initialized = 0; return 0; }
int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock) { (void)a; (void)clock; return 0; }

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a) { (void)a; *l = PTHREAD_RWLOCK_INITIALIZER; return 0; }
int pthread_rwlock_destroy(pthread_rwlock_t *l) { (void)l; return 0; }
int pthread_rwlock_rdlock(pthread_rwlock_t *l) { (void)l; return 0; }
int pthread_rwlock_wrlock(pthread_rwlock_t *l) { (void)l; return 0; }
int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) { (void)l; return 0; }
int pthread_rwlock_trywrlock(pthread_rwlock_t *l) { (void)l; return 0; }
int pthread_rwlock_unlock(pthread_rwlock_t *l) { (void)l; return 0; }

int pthread_spin_init(pthread_spinlock_t *l, int shared) { (void)shared; *l = 0; return 0; }
int pthread_spin_destroy(pthread_spinlock_t *l) { (void)l; return 0; }
int pthread_spin_lock(pthread_spinlock_t *l) { (void)l; return 0; }
int pthread_spin_trylock(pthread_spinlock_t *l) { (void)l; return 0; }
int pthread_spin_unlock(pthread_spinlock_t *l) { (void)l; return 0; }

/* Thread-specific data of the one thread: a table of values. */
static struct { int used; void (*destructor)(void *); const void *value; } keys[PTHREAD_KEYS_MAX];

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
  for (int i = 0; i < PTHREAD_KEYS_MAX; i++) {
    if (!keys[i].used) {
      keys[i].used = 1;
      keys[i].destructor = destructor;
      keys[i].value = NULL;
      *key = (pthread_key_t)i;
      return 0;
    }
  }
  return EAGAIN;
}
int pthread_key_delete(pthread_key_t key)
{
  if (key >= PTHREAD_KEYS_MAX || !keys[key].used) return EINVAL;
  keys[key].used = 0;
  return 0;
}
void *pthread_getspecific(pthread_key_t key) { return key < PTHREAD_KEYS_MAX && keys[key].used ? (void *)keys[key].value : NULL; }
int pthread_setspecific(pthread_key_t key, const void *value)
{
  if (key >= PTHREAD_KEYS_MAX || !keys[key].used) return EINVAL;
  keys[key].value = value;
  return 0;
}

int sched_yield(void) { return 0; }
