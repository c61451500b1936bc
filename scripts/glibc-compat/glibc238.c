/*
 * glibc238.so: the glibc 2.38 functions that the tools check-versions
 * borrows for PostgreSQL 16 to 18 (pg_cron; pg_dump, pg_dumpall,
 * pg_restore; pg_upgrade, pg_controldata and pg_resetwal; all built
 * against glibc 2.38+ with _GNU_SOURCE) call, for an older glibc.
 * LD_PRELOAD into those programs by scripts/check-versions.sh only,
 * never into rfm.
 *
 * The __isoc23_ functions differ from strtol, strtoul, strtoll, sscanf and
 * fscanf only in also reading C23's 0b binary prefix, which no setting,
 * cron expression, control file or catalog value they parse here
 * contains.  strlcpy and strlcat are BSD's (glibc 2.38 adopted them);
 * __strlcpy_chk is the _FORTIFY_SOURCE form, which stops the program when
 * the size passed exceeds the destination's known size, as glibc's does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long		__isoc23_strtol(const char *s, char **end, int base);
unsigned long __isoc23_strtoul(const char *s, char **end, int base);
long long	__isoc23_strtoll(const char *s, char **end, int base);
int			__isoc23_sscanf(const char *s, const char *format,...);
int			__isoc23_fscanf(FILE *stream, const char *format,...);
size_t		strlcpy(char *dst, const char *src, size_t size);
size_t		strlcat(char *dst, const char *src, size_t size);
size_t		__strlcpy_chk(char *dst, const char *src, size_t size, size_t dstsize);

long
__isoc23_strtol(const char *s, char **end, int base)
{
	return strtol(s, end, base);
}

unsigned long
__isoc23_strtoul(const char *s, char **end, int base)
{
	return strtoul(s, end, base);
}

long long
__isoc23_strtoll(const char *s, char **end, int base)
{
	return strtoll(s, end, base);
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

int
__isoc23_fscanf(FILE *stream, const char *format,...)
{
	va_list		ap;
	int			n;

	va_start(ap, format);
	n = vfscanf(stream, format, ap);
	va_end(ap);
	return n;
}

/* Copies at most size - 1 bytes and ends dst with a NUL (if size > 0);
 * returns strlen(src), so a result >= size means src was cut short. */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t		len = strlen(src);

	if (size > 0)
	{
		size_t		n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Appends src to the string in dst (of size bytes), cutting it short to
 * fit; returns the length it tried to make. */
size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t		dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

size_t
__strlcpy_chk(char *dst, const char *src, size_t size, size_t dstsize)
{
	if (size > dstsize)
	{
		fputs("*** buffer overflow detected ***: strlcpy\n", stderr);
		abort();
	}
	return strlcpy(dst, src, size);
}
