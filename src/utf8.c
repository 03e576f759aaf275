/*
 * The UTF-8 decoder behind utf8.h: utf8proc's strict reading, with the
 * cases the inline functions leave to it.
 */
#include <utf8proc.h>

#include "utf8.h"
#include "banned.h"

int crm_utf8_decode(const char *p, ptrdiff_t n, int32_t *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t len;

	/* With a length of -1 utf8proc reads what the lead byte promises, no
	 * further than a byte that is not a continuation byte (the NUL). */
	len = utf8proc_iterate((const utf8proc_uint8_t *)p, n < 0 ? -1 : (utf8proc_ssize_t)n, &c);
	if (len <= 0)
		return -1;
	*cp = c;
	return (int)len;
}

int crm_utf8_next_slow(const char *p, int32_t *cp)
{
	int n = crm_utf8_decode(p, -1, cp);

	if (n > 0)
		return n;
	*cp = CRM_UTF8_REPLACEMENT;
	return 1;
}

int crm_utf8_lead_length(unsigned char c)
{
	return utf8proc_utf8class[c];
}

int crm_utf8_encode(int32_t cp, char buf[4])
{
	return (int)utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf);
}

int crm_utf8_is_letter(int32_t cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);

	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

int crm_utf8_is_invisible(int32_t cp)
{
	const utf8proc_property_t *p = utf8proc_get_property(cp);

	return p->ignorable || p->category == UTF8PROC_CATEGORY_CF ||
	       p->category == UTF8PROC_CATEGORY_CC;
}

/* Number of characters in the UTF-8 text s[0..n). */
unsigned long crm_utf8_count(const char *s, size_t n)
{
	unsigned long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

#define DISTANCE_MAX 32   /* code points: longer words are never near */

/* Decodes s into at most max code points; returns how many (max + 1: too long). */
static size_t code_points(const char *s, int32_t *cp, size_t max)
{
	size_t n = 0;
	int32_t c;
	int k;

	while (*s && (k = crm_utf8_next(s, &c)) > 0) {
		if (n == max)
			return max + 1;
		cp[n++] = c;
		s += k;
	}
	return n;
}

size_t crm_utf8_distance(const char *a, const char *b, size_t limit)
{
	int32_t x[DISTANCE_MAX], y[DISTANCE_MAX];
	size_t row[DISTANCE_MAX + 1], n = code_points(a, x, DISTANCE_MAX),
	       m = code_points(b, y, DISTANCE_MAX), i, j;

	if (n > DISTANCE_MAX || m > DISTANCE_MAX || (n > m ? n - m : m - n) > limit)
		return limit + 1;
	for (j = 0; j <= m; j++)
		row[j] = j;
	for (i = 1; i <= n; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= m; j++) {
			size_t up = row[j], best = diag + (x[i - 1] != y[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[m];
}
