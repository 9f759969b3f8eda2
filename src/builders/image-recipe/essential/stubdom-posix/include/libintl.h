/* libintl.h — stubdom-posix: the gettext API, as GNU libc has it, for a stub domain that has
 * no message catalogs: every lookup finds none and answers the original text (what gettext
 * does anywhere for a language without a catalog); textdomain and bindtextdomain are kept.
 * config.site tells configure that the C library has it, so packages build with NLS and
 * install their catalogs (for other systems) as on any Debian architecture. */
#ifndef _STUBDOM_POSIX_LIBINTL_H
#define _STUBDOM_POSIX_LIBINTL_H

#ifdef __cplusplus
extern "C" {
#endif

char *gettext(const char *);
char *dgettext(const char *, const char *);
char *dcgettext(const char *, const char *, int);
char *ngettext(const char *, const char *, unsigned long);
char *dngettext(const char *, const char *, const char *, unsigned long);
char *dcngettext(const char *, const char *, const char *, unsigned long, int);
char *textdomain(const char *);
char *bindtextdomain(const char *, const char *);
char *bind_textdomain_codeset(const char *, const char *);

#ifdef __cplusplus
}
#endif
#endif
