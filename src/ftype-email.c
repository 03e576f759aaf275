/*
 * The email type: import checks an address (crm_check_email) and stores it
 * as written; cleanse writes its domain in lower case and suggests the
 * domain probably meant for a known misspelling (crm_normalize_email),
 * checking it the same way first.
 */
#include <stdlib.h>
#include <string.h>

#include "ftype-email.h"
#include "ftypeint.h"
#include "utf8.h"
#include "banned.h"

/* --- Check ------------------------------------------------------------- */

#define EMAIL_MAX 254   /* RFC 5321: the longest path less its angle brackets */

/* Removes "<...>" and a leading "mailto:", in either nesting. */
static char *strip_email_wrapping(char *s)
{
	const char *p;
	size_t len;
	int i;

	for (i = 0; i < 2; i++) {
		len = strlen(s);
		if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
			s[len - 1] = '\0';
			s++;
		}
		p = s;
		if (match(&p, "mailto:"))
			s += p - s;
	}
	return s;
}

/* Characters that no unquoted address may contain (RFC 5322 specials). */
static int email_special(char ch)
{
	switch (ch) {
	case '(': case ')': case '<': case '>': case '[': case ']':
	case '\\': case ',': case ';': case ':': case '"':
		return 1;
	default:
		return 0;
	}
}

static enum crm_status check_local(const struct crm_ftctx *c, const char *s, const char *at)
{
	int32_t cp;
	int n;

	if (at == s)
		return crm_ft_bad(c, "is not an email address: nothing comes before the '@'");
	for (; s < at; s += n) {
		n = crm_utf8_next(s, &cp);
		if (cp >= 0x80)
			return crm_ft_bad(c, "is not an email address: it has '%.*s' "
					  "before the '@'; only ASCII is accepted there", n, s);
		if (email_special(*s))
			return crm_ft_bad(c, "is not an email address: it has '%c', "
					  "which an address cannot contain", *s);
	}
	return CRM_OK;
}

static enum crm_status check_domain(const struct crm_ftctx *c, const char *d)
{
	const char *label = d, *p;
	char q[CRM_QUOTE_SIZE];

	/* The domain is quoted for a message only: most addresses are good. */
	if (!*d)
		return crm_ft_bad(c, "is not an email address: nothing comes after the '@'");
	if (!strchr(d, '.')) {
		crm_quote(d, q, sizeof(q));
		return crm_ft_bad(c, "is not an email address: the domain '%s' has no dot", q);
	}
	for (p = d;; p++) {
		if (*p == '.' || !*p) {
			if (p == label) {
				crm_quote(d, q, sizeof(q));
				return crm_ft_bad(c, "is not an email address: "
						  "the domain '%s' has an empty label", q);
			}
			if (!*p)
				return CRM_OK;
			label = p + 1;
		} else if ((unsigned char)*p < 0x80 && *p != '-' &&
			   !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
			   !is_digit(*p)) {
			return crm_ft_bad(c, "is not an email address: the domain has '%c', "
					  "which a domain cannot contain", *p);
		}
	}
}

static enum crm_status email_from(const struct crm_ftctx *c, char *s)
{
	const char *p, *at = NULL;
	int nat = 0;

	s = strip_email_wrapping(s);
	for (p = s; *p; p++) {
		if (*p == ' ')
			return crm_ft_bad(c, "is not an email address: it has a space");
		/*
		 * What cleaning strips, cleanse would strip, changing the address
		 * into one it may refuse: C0, DEL, C1 (fuzz: U+0092) and the
		 * invisible ignorables (fuzz: U+2066). Refused as written.
		 */
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] >= 0x80 &&
		     (unsigned char)p[1] <= 0x9F))
			return crm_ft_bad(c, "is not an email address: it has a control character");
		if ((unsigned char)*p >= 0x80) {
			int32_t cp;
			int n = crm_utf8_next(p, &cp);

			if (n > 0 && crm_utf8_is_invisible(cp))
				return crm_ft_bad(c, "is not an email address: it has an invisible "
						  "character");
			p += n > 1 ? n - 1 : 0;
		}
		if (*p == '@' && !nat++)
			at = p;
	}
	if (nat == 0)
		return crm_ft_bad(c, "is not an email address: it has no '@'");
	if (nat > 1)
		return crm_ft_bad(c, "is not an email address: it has %d '@'", nat);
	if (strlen(s) > EMAIL_MAX)
		return crm_ft_bad(c, "is not an email address: it is longer than %d bytes",
				  EMAIL_MAX);
	if (check_local(c, s, at))
		return CRM_ERR_INVALID;
	return check_domain(c, at + 1);
}

/* The first invisible character of s (one cleaning strips), or NULL. */
static const char *invisible_in(const char *s)
{
	int32_t cp;
	int n;

	for (; *s; s += n > 0 ? n : 1) {
		n = crm_utf8_next(s, &cp);
		if (crm_utf8_is_invisible(cp))
			return s;
	}
	return NULL;
}

/*
 * The normalizer's check on the text it checks, cleaned, so that the two
 * cannot differ (fuzz targets found them differ on a C1 control, on
 * U+2066 and on a length NFKC and dash folding change): but an address
 * with a character cleaning would strip is refused as written, never
 * stored with it, and one accepted as written must pass cleaned too (fuzz:
 * a trailing tab, trimmed, took the address past the check as written,
 * and cleaning's dashes made it 255 bytes).
 */
enum crm_status crm_check_email(const char *s, struct crm_error *err)
{
	char *t = NULL;
	enum crm_status st;
	const char *p;

	/* Printable ASCII folds and cleans alike: the usual address, checked once. */
	for (p = s; p && *p >= 0x20 && *p < 0x7f; p++)
		;
	if (!s || !*p)
		return crm_ft_check_folded(s, NULL, err, email_from);
	if (invisible_in(s) && (st = crm_ft_check_folded(s, NULL, err, email_from)))
		return st;
	st = crm_ft_clean(s, &t, err);
	if (st)
		return st == CRM_ERR_INVALID ? crm_ft_check_folded(s, NULL, err, email_from) : st;
	st = crm_ft_check_folded(t, s, err, email_from);
	free(t);
	return st;
}

/* --- Normalizer -------------------------------------------------------- */

/* Misspellings of the domains most addresses in Japanese lists have. */
static const struct {
	const char *typo;
	const char *domain;
} domain_typos[] = {
	{ "gmial.com", "gmail.com" }, { "gmai.com", "gmail.com" },
	{ "gmal.com", "gmail.com" }, { "gamil.com", "gmail.com" },
	{ "gmail.co", "gmail.com" }, { "gmail.con", "gmail.com" },
	{ "gmail.cm", "gmail.com" }, { "gmail.om", "gmail.com" },
	{ "yahoo.co.jpp", "yahoo.co.jp" }, { "yahoo.co.j", "yahoo.co.jp" },
	{ "yaho.co.jp", "yahoo.co.jp" }, { "yahooo.co.jp", "yahoo.co.jp" },
	{ "yahoo.cojp", "yahoo.co.jp" }, { "yahoo.ne.jp", "yahoo.co.jp" },
	{ "hotmial.com", "hotmail.com" }, { "hotmai.com", "hotmail.com" },
	{ "hotmal.com", "hotmail.com" }, { "hotmail.con", "hotmail.com" },
	{ "docomo.ne.jpp", "docomo.ne.jp" }, { "docomo.ne.j", "docomo.ne.jp" },
	{ "docomo.co.jp", "docomo.ne.jp" }, { "docom.ne.jp", "docomo.ne.jp" },
	{ "ezweb.ne.jpp", "ezweb.ne.jp" }, { "ezweb.co.jp", "ezweb.ne.jp" },
	{ "softbank.ne.jpp", "softbank.ne.jp" }, { "i.softbank.jpp", "i.softbank.jp" },
	{ "icloud.con", "icloud.com" }, { "icoud.com", "icloud.com" },
	{ "outlook.con", "outlook.com" }, { "outlook.jpp", "outlook.jp" },
};

static enum crm_status email_suggest(const char *addr, const char *domain,
				     struct crm_norm *out, struct crm_error *err)
{
	size_t i;

	for (i = 0; i < NELEMS(domain_typos); i++) {
		if (strcmp(domain, domain_typos[i].typo))
			continue;
		out->suggestion = malloc((size_t)(domain - addr) +
					 strlen(domain_typos[i].domain) + 1);
		if (!out->suggestion)
			return crm_ft_nomem(err);
		memcpy(out->suggestion, addr, (size_t)(domain - addr));
		memcpy(out->suggestion + (domain - addr), domain_typos[i].domain,
		       strlen(domain_typos[i].domain) + 1);
		return CRM_OK;
	}
	return CRM_OK;
}

static enum crm_status email_rules(const char *orig, char *t, struct crm_norm *out,
				   struct crm_error *err)
{
	enum crm_status st;
	char *addr, *d, *v;

	if ((st = crm_ft_check_folded(t, orig, err, email_from)))
		return st;
	addr = strip_email_wrapping(t);
	d = strchr(addr, '@') + 1; /* checked: there is exactly one */
	for (v = d; *v; v++)
		*v = lower(*v);
	if (!(v = crm_ft_dup(addr, strlen(addr))))
		return crm_ft_nomem(err);
	crm_ft_set_value(out, v, orig);
	return email_suggest(addr, d, out, err);
}

enum crm_status crm_normalize_email(const char *s, struct crm_norm *out,
				    struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, email_rules);
}

/* --- The type ----------------------------------------------------------- */

/*
 * The check the normalizer makes, on text folded instead of cleaned: the
 * two differ only in what cleaning strips, control characters, which the
 * check refuses (a fuzz target found 'a@Efz.' + U+0092 taken by import and
 * refused by cleanse). The fuzz target holds the two to agreeing.
 */
static enum crm_status type_check_email(const char *s, int country,
					struct crm_error *err)
{
	return crm_check_email(s, err);
}

const struct crm_fieldtype crm_fieldtype_email = {
	"email", CRM_T_EMAIL, type_check_email, crm_normalize_email, 0,
};
