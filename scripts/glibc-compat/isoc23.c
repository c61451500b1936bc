/*
 * isoc23.so: the two glibc 2.38 functions a borrowed pg_cron (built
 * against glibc 2.38+ with _GNU_SOURCE) calls, for an older glibc.  They
 * differ from strtol and sscanf only in also reading C23's 0b binary
 * prefix, which pg_cron's cron expressions and settings never contain.
 * LD_PRELOAD into a test server by scripts/check-versions.sh only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

long		__isoc23_strtol(const char *s, char **end, int base);
int			__isoc23_sscanf(const char *s, const char *format,...);

long
__isoc23_strtol(const char *s, char **end, int base)
{
	return strtol(s, end, base);
}

int
__isoc23_sscanf(const char *s, const char *format,...)
{
	va_list		ap;
	int			n;

	va_start(ap, format);
	n = vsscanf(s, format, ap);
	va_end(ap);
	return n;
}
