/* <pwd.h> and <grp.h>, which newlib declares and builds for no system of this kind: a stub
 * domain is one program with no user or group database, so every lookup finds no entry
 * (NULL, errno untouched; the _r forms return 0 with a null result), as POSIX answers for a
 * name or id that is not there. */
#include <grp.h>
#include <pwd.h>
#include <stddef.h>

struct passwd *getpwuid(uid_t uid) { (void)uid; return NULL; }
struct passwd *getpwnam(const char *name) { (void)name; return NULL; }
int getpwuid_r(uid_t uid, struct passwd *entry, char *buf, size_t size, struct passwd **result)
{
  (void)uid; (void)entry; (void)buf; (void)size;
  *result = NULL;
  return 0;
}
int getpwnam_r(const char *name, struct passwd *entry, char *buf, size_t size, struct passwd **result)
{
  (void)name; (void)entry; (void)buf; (void)size;
  *result = NULL;
  return 0;
}
struct passwd *getpwent(void) { return NULL; }
void setpwent(void) {}
void endpwent(void) {}

struct group *getgrgid(gid_t gid) { (void)gid; return NULL; }
struct group *getgrnam(const char *name) { (void)name; return NULL; }
int getgrgid_r(gid_t gid, struct group *entry, char *buf, size_t size, struct group **result)
{
  (void)gid; (void)entry; (void)buf; (void)size;
  *result = NULL;
  return 0;
}
int getgrnam_r(const char *name, struct group *entry, char *buf, size_t size, struct group **result)
{
  (void)name; (void)entry; (void)buf; (void)size;
  *result = NULL;
  return 0;
}
struct group *getgrent(void) { return NULL; }
void setgrent(void) {}
void endgrent(void) {}
