/*
 * Private to the field types (src/ftype*.c): the frame their checks and
 * normalizers share. Nothing else includes this header.
 *
 * A check (import's question: is this value good?) folds the value with
 * crm_ft_prepare() or crm_ft_check_folded(), scans the folded copy with
 * the small scanners below and reports with crm_ft_bad(). A normalizer
 * (cleanse's question: how is this value written the one way?) hands its
 * rules to crm_ft_normalize(), which cleans the text first, and reports
 * with crm_ft_violation(). Both quote the value as the caller gave it.
 */
#ifndef CRM_FTYPEINT_H
#define CRM_FTYPEINT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fold.h"
#include "ftype.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* --- Checks ------------------------------------------------------------- */

/* What every scanner needs to report: the value as given and the error. */
struct crm_ftctx {
	const char *orig;
	struct crm_error *err;
};

/* Sets "'<value as given>' <reason>" in c->err (when not NULL); returns CRM_ERR_INVALID. */
__attribute__((format(printf, 2, 3)))
enum crm_status crm_ft_bad(const struct crm_ftctx *c, const char *fmt, ...);

/* Room for the folded text of most values, so that it needs no malloc. */
#define CRM_FT_FOLD_BUF 256

/*
 * Folds c->orig (crm_fold_trim) into *t: into buf (CRM_FT_FOLD_BUF bytes)
 * when it fits, else into memory; either way the caller gives it back with
 * crm_ft_release(*t, buf). Returns CRM_OK, CRM_EOF for NULL or blank (*t
 * NULL), or an error already reported (invalid UTF-8, no memory).
 */
enum crm_status crm_ft_prepare(const struct crm_ftctx *c, char **t, char *buf);

/* Frees the text crm_ft_prepare() gave, unless it is in the caller's buf. */
void crm_ft_release(char *t, const char *buf);
/*
 * The dashes of s decided by their neighbours as cleaning decides them (a
 * dash between digits is '-', whatever its kind: 1985ー04ー03). Returns 0
 * when none changes (sb untouched), 1 with the changed text in sb, -1
 * when out of memory.
 */
struct crm_strbuf;
int crm_ft_fix_dashes(const char *s, struct crm_strbuf *sb);

/* A scanner of folded text t, which it may change; reports through c. */
typedef enum crm_status (*crm_ft_scan_fn)(const struct crm_ftctx *c, char *t);

/*
 * Folds s and scans the folded text with scan; messages quote as (s when
 * NULL): a normalizer checks its cleaned copy but quotes what it was given.
 */
enum crm_status crm_ft_check_folded(const char *s, const char *as, struct crm_error *err,
				    crm_ft_scan_fn scan);

/* Quotes (crm_quote) the one character of len bytes at p. */
void crm_ft_quote_char(const char *p, int len, char *buf, size_t size);

/*
 * The small scanners of folded text, inline and file-local in each type's
 * file: they run once per character of every value.
 */
static inline int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static inline int is_digit_cp(int32_t cp)
{
	return cp >= '0' && cp <= '9';
}

static inline char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static inline void skip_sp(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/* Consumes lit at *p if it is there; ASCII letters match either case. */
static inline int match(const char **p, const char *lit)
{
	size_t i;

	for (i = 0; lit[i]; i++)
		if (lower((*p)[i]) != lower(lit[i]))
			return 0;
	*p += i;
	return 1;
}

/*
 * Consumes a run of ASCII digits and returns how many there were; *val is
 * their value while that fits in nine digits (callers check the count).
 */
static inline int take_digits(const char **p, int *val)
{
	int n = 0, v = 0;

	while (is_digit(**p)) {
		if (n < 9)
			v = v * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	*val = v;
	return n;
}

/*
 * The dashes a phone number or a postal code has between its digits (ｰ and
 * ‑ are already ー and ‐ after NFKC). Not the wider set of dashes that text
 * cleaning knows: a check accepts only these.
 */
static inline int is_number_dash(int32_t cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 ||
	       cp == 0x30fc || cp == 0xff70 || cp == 0xff0d;
}

/* --- Normalizers -------------------------------------------------------- */

/* Sets "out of memory" in err; returns CRM_ERR_NOMEM. */
enum crm_status crm_ft_nomem(struct crm_error *err);

/* Sets "'<orig, quoted>' <reason>" in err (when not NULL); returns CRM_ERR_INVALID. */
__attribute__((format(printf, 3, 4)))
enum crm_status crm_ft_violation(struct crm_error *err, const char *orig,
				 const char *fmt, ...);

/* Hands value (malloc'd) to out and notes whether it differs from orig. */
void crm_ft_set_value(struct crm_norm *out, char *value, const char *orig);

/* A malloc'd copy of len bytes at s, or NULL. */
char *crm_ft_dup(const char *s, size_t len);

/*
 * The cleaning every normalizer starts with (see crm_normalize_text):
 * orig cleaned into *out, which the caller frees. Returns CRM_OK, CRM_EOF
 * for NULL or blank, or an error already reported in err.
 */
enum crm_status crm_ft_clean(const char *orig, char **out, struct crm_error *err);

/*
 * A type's rules, run on the cleaned text t (which they may change):
 * CRM_OK with out filled, or an error already reported.
 */
typedef enum crm_status (*crm_ft_rules_fn)(const char *orig, char *t,
					   struct crm_norm *out, struct crm_error *err);

/*
 * The frame of every normalizer: releases out, cleans s, runs rules on the
 * cleaned text, and leaves out empty on an error.
 */
enum crm_status crm_ft_normalize(const char *s, struct crm_norm *out,
				 struct crm_error *err, crm_ft_rules_fn rules);

/* Rules that take the cleaned text t as the value (the text type's). */
enum crm_status crm_ft_take_text(const char *orig, char *t, struct crm_norm *out,
				 struct crm_error *err);

#endif
