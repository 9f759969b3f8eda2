/* gettext without catalogs (see include/libintl.h). */
#include <libintl.h>
#include <stddef.h>

static const char *domain = "messages";

char *gettext(const char *msgid) { return (char *)msgid; }
char *dgettext(const char *d, const char *msgid) { (void)d; return (char *)msgid; }
char *dcgettext(const char *d, const char *msgid, int category) { (void)d; (void)category; return (char *)msgid; }
char *ngettext(const char *one, const char *many, unsigned long n) { return (char *)(n == 1 ? one : many); }
char *dngettext(const char *d, const char *one, const char *many, unsigned long n) { (void)d; return (char *)(n == 1 ? one : many); }
char *dcngettext(const char *d, const char *one, const char *many, unsigned long n, int category) { (void)d; (void)category; return (char *)(n == 1 ? one : many); }
char *textdomain(const char *name) { if (name != NULL && *name != '\0') domain = name; return (char *)domain; }
char *bindtextdomain(const char *d, const char *dir) { (void)d; return (char *)(dir != NULL ? dir : "/usr/share/locale"); }
char *bind_textdomain_codeset(const char *d, const char *codeset) { (void)d; return (char *)codeset; }
