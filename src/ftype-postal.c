/*
 * The postal code type: import checks a Japanese postal code, or any code
 * of another country (crm_check_postal), and stores it as written; cleanse
 * writes a Japanese one as NNN-NNNN (crm_normalize_postal), checking it
 * the same way first.
 */
#include <stdint.h>

#include <utf8proc.h>

#include "country.h"
#include "ftype-postal.h"
#include "ftypeint.h"
#include "utf8.h"
#include "banned.h"

/* --- Check ------------------------------------------------------------- */

#define POSTAL_DIGITS 7

/* A Japanese postal code: the scanner of folded text t. */
static enum crm_status postal_jp(const struct crm_ftctx *c, char *t)
{
	const char *p = t, *what = "is not a Japanese postal code";
	int digits = 0, dash = 0, len;
	int32_t cp;
	char q[16];

	match(&p, "〒");
	for (; *p; p += len) {
		len = crm_utf8_next(p, &cp);
		if (cp == ' ')
			continue;
		if (is_digit(*p)) {
			digits++;
		} else if (is_number_dash(cp)) {
			if (dash++ || digits != 3)
				return crm_ft_bad(c, "%s: a hyphen may only follow the third digit", what);
		} else {
			crm_ft_quote_char(p, len, q, sizeof(q));
			return crm_ft_bad(c, "%s: it has '%s', which is not a digit", what, q);
		}
	}
	if (digits != POSTAL_DIGITS)
		return crm_ft_bad(c, "%s: it has %d digits, not %d", what, digits, POSTAL_DIGITS);
	return CRM_OK;
}

/* Another country's postal code: the scanner of folded text t. */
static enum crm_status postal_other(const struct crm_ftctx *c, char *t)
{
	const char *p = t;
	int32_t cp;
	int len;

	for (; *p; p += len) {
		len = crm_utf8_next(p, &cp);
		if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CC)
			return crm_ft_bad(c, "is not a postal code: it has a control character");
	}
	return CRM_OK;
}

/* A postal code of a country whose codes' shape crm knows (country.h). */
static enum crm_status postal_pattern(const char *s, int country, const char *pattern,
				      struct crm_error *err)
{
	const struct crm_ftctx c = { s, err };
	char *t, buf[CRM_FT_FOLD_BUF];
	enum crm_status st;

	if ((st = crm_ft_prepare(&c, &t, buf)))
		return st;
	crm_collapse_spaces(t);
	st = crm_country_postal_fits(pattern, t) ? CRM_OK
		: crm_ft_bad(&c, "is not a postal code of %s: they are written %s "
			     "(9 a digit, A a letter, X either)", crm_country_code(country), pattern);
	crm_ft_release(t, buf);
	return st;
}

enum crm_status crm_check_postal(const char *s, int country,
				 struct crm_error *err)
{
	const char *pattern = crm_country_postal(country);

	if (country == CRM_COUNTRY_JP)
		return crm_ft_check_folded(s, NULL, err, postal_jp);
	if (pattern)
		return postal_pattern(s, country, pattern, err);
	return crm_ft_check_folded(s, NULL, err, postal_other);
}

/* --- Normalizer -------------------------------------------------------- */

static enum crm_status postal_rules(const char *orig, char *t, struct crm_norm *out,
				    struct crm_error *err)
{
	char d[] = "NNN-NNNN";
	enum crm_status st;
	size_t n = 0;
	const char *p;

	if ((st = crm_ft_check_folded(t, orig, err, postal_jp)))
		return st;
	/* Checked: exactly seven ASCII digits, and 〒, spaces and a dash besides. */
	for (p = t; *p && n < sizeof(d) - 1; p++) {
		if (n == 3)
			n++;
		if (*p >= '0' && *p <= '9')
			d[n++] = *p;
	}
	return crm_ft_take_text(orig, d, out, err);
}

enum crm_status crm_normalize_postal(const char *s, struct crm_norm *out,
				     struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, postal_rules);
}

/* --- The type ----------------------------------------------------------- */

const struct crm_fieldtype crm_fieldtype_postal = {
	"postal", CRM_T_POSTAL, crm_check_postal, crm_normalize_postal, CRM_FT_JAPAN,
};
