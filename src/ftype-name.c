/*
 * The name and kana types: a person's name in one field or in two, and its
 * reading (フリガナ). Import stores them as written (any text is a name);
 * cleanse removes honorifics, splits family and given names where the
 * split is known, and writes readings in full-width katakana
 * (crm_normalize_name, crm_normalize_name_parts, crm_normalize_kana).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftype-company.h"
#include "ftype-name.h"
#include "ftypeint.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

/* --- Names ------------------------------------------------------------- */

static int has_ascii_letter(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
			return 1;
	return 0;
}

/* Honorifics removed at the end of a name; the spaced ones only after a space. */
static const char *const honorifics[] = { "様", "殿", "さん", "御中" };
static const char *const spaced_honorifics[] = { "氏", "先生" };

/* Removes one honorific (and the spaces before it) from the end of s[0..*len). */
static int strip_one_honorific(const char *s, size_t *len)
{
	size_t i, h;

	for (i = 0; i < NELEMS(honorifics); i++) {
		h = strlen(honorifics[i]);
		if (*len > h && !memcmp(s + *len - h, honorifics[i], h)) {
			*len -= h;
			return 1;
		}
	}
	for (i = 0; i < NELEMS(spaced_honorifics); i++) {
		h = strlen(spaced_honorifics[i]);
		if (*len > h + 1 && s[*len - h - 1] == ' ' &&
		    !memcmp(s + *len - h, spaced_honorifics[i], h)) {
			*len -= h;
			return 1;
		}
	}
	return 0;
}

/* Removes every honorific at the end of t (様様 too), in place. */
static void strip_honorifics(char *t)
{
	size_t len = strlen(t);

	while (strip_one_honorific(t, &len))
		while (len && t[len - 1] == ' ')
			len--;
	t[len] = '\0';
}

static int is_honorific(const char *t)
{
	size_t i;

	for (i = 0; i < NELEMS(honorifics); i++)
		if (!strcmp(t, honorifics[i]))
			return 1;
	for (i = 0; i < NELEMS(spaced_honorifics); i++)
		if (!strcmp(t, spaced_honorifics[i]))
			return 1;
	return 0;
}

/* The rules of a name in place: honorifics gone, digits, '@' and legal forms refused. */
static enum crm_status name_fix(const char *orig, char *t, struct crm_error *err)
{
	const char *form;

	strip_honorifics(t);
	if (is_honorific(t))
		return crm_ft_violation(err, orig, "is an honorific, not a name");
	if (strpbrk(t, "0123456789"))
		return crm_ft_violation(err, orig, "has a digit: a name has none");
	if (strchr(t, '@'))
		return crm_ft_violation(err, orig, "looks like an email address, not a name");
	/*
	 * 株式会社 山田 is a company: split as a person's name, its family
	 * name was 株式会社. Reported, and left whole, for a person to move.
	 */
	if ((form = crm_legal_form_in(t)))
		return crm_ft_violation(err, orig, "has the legal form %s: a company's name, not "
					"a person's (the company column holds it)", form);
	return CRM_OK;
}

/*
 * Sets out->family and out->given when t is two parts of Japanese script
 * around one space (then the family name comes first); not for Latin names,
 * whose order is not known.
 */
static enum crm_status split_parts(const char *t, struct crm_norm *out,
				   struct crm_error *err)
{
	const char *sp = strchr(t, ' ');

	if (!sp || strchr(sp + 1, ' ') || has_ascii_letter(t, strlen(t)))
		return CRM_OK;
	out->family = crm_ft_dup(t, (size_t)(sp - t));
	out->given = crm_ft_dup(sp + 1, strlen(sp + 1));
	return out->family && out->given ? CRM_OK : crm_ft_nomem(err);
}

static enum crm_status name_rules(const char *orig, char *t, struct crm_norm *out,
				  struct crm_error *err)
{
	enum crm_status st;

	if ((st = name_fix(orig, t, err)))
		return st;
	if ((st = crm_ft_take_text(orig, t, out, err)))
		return st;
	return split_parts(t, out, err);
}

enum crm_status crm_normalize_name(const char *s, struct crm_norm *out,
				   struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, name_rules);
}

/* Cleans one part of a name into *t: CRM_EOF when it is missing or blank. */
static enum crm_status name_part(const char *s, char **t, struct crm_error *err)
{
	enum crm_status st;

	if ((st = crm_ft_clean(s, t, err)))
		return st;
	if ((st = name_fix(s, *t, err))) {
		free(*t);
		*t = NULL;
	}
	return st;
}

/* Joins a and b (either may be NULL, not both) with one space. */
static char *join_space(const char *a, const char *b)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	int failed = 0;

	if (a)
		failed |= crm_strbuf_addstr(&sb, a);
	if (a && b)
		failed |= crm_strbuf_addch(&sb, ' ');
	if (b)
		failed |= crm_strbuf_addstr(&sb, b);
	if (failed) {
		crm_strbuf_release(&sb);
		return NULL;
	}
	return crm_strbuf_detach(&sb, NULL);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

enum crm_status crm_normalize_name_parts(const char *family, const char *given,
					 struct crm_norm *out,
					 struct crm_error *err)
{
	enum crm_status st;
	char *f = NULL, *g = NULL, *raw;

	crm_norm_release(out);
	st = name_part(family, &f, err);
	if (st == CRM_OK || st == CRM_EOF)
		st = name_part(given, &g, err);
	if (st != CRM_OK && st != CRM_EOF)
		goto done;
	st = CRM_EOF;
	if (!f && !g)
		goto done;
	st = CRM_ERR_NOMEM;
	out->value = join_space(f, g);
	raw = join_space(nonempty(family), nonempty(given));
	if (!out->value || !raw) {
		free(raw);
		crm_ft_nomem(err);
		goto done;
	}
	out->changed = strcmp(out->value, raw) != 0;
	free(raw);
	out->family = f;
	out->given = g;
	f = g = NULL;
	st = CRM_OK;
done:
	free(f);
	free(g);
	if (st)
		crm_norm_release(out);
	return st;
}

/* --- Kana ------------------------------------------------------------- */

/* Katakana, ・, ー, ヽ, ヾ: what a reading is written in after the rules. */
static int is_reading_cp(int32_t cp)
{
	return (cp >= 0x30a1 && cp <= 0x30fa) || (cp >= 0x30fb && cp <= 0x30fe) ||
	       cp == ' ';
}

/* Hiragana to katakana in place: both are three bytes in UTF-8. */
static void katakanize(char *t)
{
	int32_t cp;
	int n;

	for (; *t; t += n) {
		n = crm_utf8_next(t, &cp);
		if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309d || cp == 0x309e)
			crm_utf8_encode(cp + 0x60, t);
	}
}

static enum crm_status kana_rules(const char *orig, char *t, struct crm_norm *out,
				  struct crm_error *err)
{
	enum crm_status st;
	const char *p;
	int32_t cp;
	int n;

	katakanize(t);
	for (p = t; *p; p += n) {
		n = crm_utf8_next(p, &cp);
		if (!is_reading_cp(cp)) {
			char q[CRM_QUOTE_SIZE];

			crm_ft_quote_char(p, n, q, sizeof(q));
			return crm_ft_violation(err, orig, "has '%s', which is not kana", q);
		}
	}
	if ((st = crm_ft_take_text(orig, t, out, err)))
		return st;
	return split_parts(t, out, err);
}

enum crm_status crm_normalize_kana(const char *s, struct crm_norm *out,
				   struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, kana_rules);
}

/* --- The types ---------------------------------------------------------- */

const struct crm_fieldtype crm_fieldtype_name = {
	"name", CRM_T_TEXT, NULL, crm_normalize_name, 0,
};

const struct crm_fieldtype crm_fieldtype_kana = {
	"kana", CRM_T_KANA, NULL, crm_normalize_kana, 0,
};
