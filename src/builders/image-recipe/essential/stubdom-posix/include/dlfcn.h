/* dlfcn.h — stubdom-posix: the dynamic loader's interface, without a loader. A stub domain is
 * one statically linked image, so dlopen finds nothing to load and says why through dlerror
 * (src/dlfcn.c): a library that loads optional modules (libdvdread's libdvdcss, wolfssl's
 * PKCS#11 providers) builds, and takes its "not available" path at run time. */
#ifndef _STUBDOM_POSIX_DLFCN_H
#define _STUBDOM_POSIX_DLFCN_H

#ifdef __cplusplus
extern "C" {
#endif

#define RTLD_LAZY 0x00001
#define RTLD_NOW 0x00002
#define RTLD_NOLOAD 0x00004
#define RTLD_GLOBAL 0x00100
#define RTLD_LOCAL 0
#define RTLD_NODELETE 0x01000
#define RTLD_DEFAULT ((void *)0)
#define RTLD_NEXT ((void *)-1L)

/* dladdr's answer (a GNU and BSD extension, used where programs name their own module) */
typedef struct {
  const char *dli_fname;
  void *dli_fbase;
  const char *dli_sname;
  void *dli_saddr;
} Dl_info;

void *dlopen(const char *, int);
void *dlsym(void *__restrict, const char *__restrict);
int dlclose(void *);
char *dlerror(void);
int dladdr(const void *, Dl_info *);

#ifdef __cplusplus
}
#endif
#endif
