/* dirent.h — stubdom-posix: newlib has none for this target (its <sys/dirent.h> is an
 * #error). The declarations of POSIX directory streams; no directory can be opened through
 * the stub domain's C library (ENOSYS), as no file can. */
#ifndef _STUBDOM_POSIX_DIRENT_H
#define _STUBDOM_POSIX_DIRENT_H

#include <sys/types.h>
#include <limits.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dirent {
  ino_t d_ino;
  unsigned char d_type;
  char d_name[256];
};
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

typedef struct __stubdom_dir DIR;

DIR *opendir(const char *);
DIR *fdopendir(int);
struct dirent *readdir(DIR *);
int readdir_r(DIR *__restrict, struct dirent *__restrict, struct dirent **__restrict);
int closedir(DIR *);
void rewinddir(DIR *);
int dirfd(DIR *);

#ifdef __cplusplus
}
#endif
#endif
