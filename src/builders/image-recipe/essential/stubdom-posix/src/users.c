/* <pwd.h> and <grp.h>, which newlib declares and builds for no system of this kind. A stub
 * domain is one program run by one user, uid 0 (getuid in unistd.c), so the databases hold
 * that user, root, with the root folder as home, and its group, root: every other name or id
 * is not there (NULL, errno untouched; the _r forms return 0 with a null result). The _r
 * forms hand out the layer's own strings, which never change, instead of copies in the
 * caller's buffer. */
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>

static char root_name[] = "root", root_dir[] = "/", no_text[] = "";
static struct passwd root_user = {
  .pw_name = root_name, .pw_passwd = no_text, .pw_uid = 0, .pw_gid = 0,
  .pw_comment = no_text, .pw_gecos = no_text, .pw_dir = root_dir, .pw_shell = no_text,
};
static char *no_members[] = {NULL};
static struct group root_group = {.gr_name = root_name, .gr_passwd = no_text, .gr_gid = 0, .gr_mem = no_members};

static struct passwd *user_if(int found) { return found ? &root_user : NULL; }
static struct group *group_if(int found) { return found ? &root_group : NULL; }

struct passwd *getpwuid(uid_t uid) { return user_if(uid == 0); }
struct passwd *getpwnam(const char *name) { return user_if(strcmp(name, root_name) == 0); }
static int user_r(struct passwd *found, struct passwd *entry, struct passwd **result)
{
  if (found != NULL) *entry = *found;
  *result = found != NULL ? entry : NULL;
  return 0;
}
int getpwuid_r(uid_t uid, struct passwd *entry, char *buf, size_t size, struct passwd **result)
{
  (void)buf; (void)size;
  return user_r(getpwuid(uid), entry, result);
}
int getpwnam_r(const char *name, struct passwd *entry, char *buf, size_t size, struct passwd **result)
{
  (void)buf; (void)size;
  return user_r(getpwnam(name), entry, result);
}

struct group *getgrgid(gid_t gid) { return group_if(gid == 0); }
struct group *getgrnam(const char *name) { return group_if(strcmp(name, root_name) == 0); }
static int group_r(struct group *found, struct group *entry, struct group **result)
{
  if (found != NULL) *entry = *found;
  *result = found != NULL ? entry : NULL;
  return 0;
}
int getgrgid_r(gid_t gid, struct group *entry, char *buf, size_t size, struct group **result)
{
  (void)buf; (void)size;
  return group_r(getgrgid(gid), entry, result);
}
int getgrnam_r(const char *name, struct group *entry, char *buf, size_t size, struct group **result)
{
  (void)buf; (void)size;
  return group_r(getgrnam(name), entry, result);
}

/* Walking the databases: the one entry, then the end. */
static int users_walked, groups_walked;
struct passwd *getpwent(void) { struct passwd *entry = user_if(!users_walked); users_walked = 1; return entry; }
void setpwent(void) { users_walked = 0; }
void endpwent(void) { users_walked = 0; }
struct group *getgrent(void) { struct group *entry = group_if(!groups_walked); groups_walked = 1; return entry; }
void setgrent(void) { groups_walked = 0; }
void endgrent(void) { groups_walked = 0; }
