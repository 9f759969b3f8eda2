/* <dlfcn.h> in one static image (see include/dlfcn.h): every call fails, and dlerror tells
 * the last failure once, as POSIX has it. */
#include <dlfcn.h>
#include <stddef.h>

static const char *last_error;

void *dlopen(const char *file, int mode)
{
  (void)mode;
  last_error = file == NULL ? "dlopen: a stub domain has no handle for its own static image"
                            : "dlopen: a stub domain is linked statically; it loads no modules";
  return NULL;
}

void *dlsym(void *__restrict handle, const char *__restrict name)
{
  (void)handle; (void)name;
  last_error = "dlsym: a statically linked stub domain has no dynamic symbol table";
  return NULL;
}

int dlclose(void *handle)
{
  (void)handle;
  last_error = "dlclose: not a handle (dlopen returns none in a stub domain)";
  return -1;
}

char *dlerror(void)
{
  const char *error = last_error;
  last_error = NULL;
  return (char *)error;
}

/* No module table: no address belongs to a module that dladdr could name. */
int dladdr(const void *address, Dl_info *info) { (void)address; (void)info; return 0; }
