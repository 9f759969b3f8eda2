/* Directory streams (see include/dirent.h): none can be opened. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>

DIR *opendir(const char *path) { (void)path; errno = ENOSYS; return NULL; }
DIR *fdopendir(int fd) { (void)fd; errno = ENOSYS; return NULL; }
struct dirent *readdir(DIR *dir) { (void)dir; errno = EBADF; return NULL; }
int readdir_r(DIR *dir, struct dirent *entry, struct dirent **result) { (void)dir; (void)entry; *result = NULL; return EBADF; }
int closedir(DIR *dir) { (void)dir; errno = EBADF; return -1; }
void rewinddir(DIR *dir) { (void)dir; }
int dirfd(DIR *dir) { (void)dir; errno = EBADF; return -1; }
