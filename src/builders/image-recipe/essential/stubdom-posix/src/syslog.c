/* The system log without a log daemon: a stub domain's messages go to its console (standard
 * error), after the name openlog gave, one line each. setlogmask filters as POSIX says; %m is
 * strerror(errno), as glibc and the BSDs have it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_name;
static int log_mask = 0xff;

void openlog(const char *ident, int option, int facility)
{
  (void)option; (void)facility;
  log_name = ident;
}

void closelog(void) { log_name = NULL; }

int setlogmask(int mask)
{
  int old = log_mask;
  if (mask != 0)
    log_mask = mask;
  return old;
}

/* The format with each %m replaced by the error's text (its own % doubled); NULL if none. */
static char *with_error_text(const char *format, const char *text)
{
  size_t marks = 0, percents = 0;
  for (const char *p = format; *p; p++)
    if (p[0] == '%' && p[1] != '\0' && *++p == 'm')
      marks++;
  if (marks == 0)
    return NULL;
  for (const char *p = text; *p; p++)
    percents += *p == '%';
  char *out = malloc(strlen(format) + marks * (strlen(text) + percents) + 1);
  if (out == NULL)
    return NULL;
  char *o = out;
  for (const char *p = format; *p; p++) {
    if (p[0] == '%' && p[1] == 'm') {
      for (const char *t = text; *t; t++) {
        if (*t == '%')
          *o++ = '%';
        *o++ = *t;
      }
      p++;
    } else {
      if (p[0] == '%' && p[1] != '\0')
        *o++ = *p++;
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

void vsyslog(int priority, const char *format, va_list args)
{
  int error = errno;
  if (!(LOG_MASK(LOG_PRI(priority)) & log_mask))
    return;
  char *expanded = with_error_text(format, strerror(error));
  const char *used = expanded ? expanded : format;
  if (log_name)
    fprintf(stderr, "%s: ", log_name);
  vfprintf(stderr, used, args);
  size_t length = strlen(used);
  if (length == 0 || used[length - 1] != '\n')
    fputc('\n', stderr);
  free(expanded);
  errno = error;
}

void syslog(int priority, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  vsyslog(priority, format, args);
  va_end(args);
}
