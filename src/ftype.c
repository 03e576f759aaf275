/*
 * The field type catalogue (ftype.h), and the frame the types share
 * (ftypeint.h): reporting a bad value, folding a value for a check,
 * cleaning one for a normalizer, and running a normalizer's rules. No
 * state, no I/O.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ftypeint.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

/* --- The catalogue ------------------------------------------------------ */

/* Every type; the plain type of each stored type comes first, in enum order. */
static const struct crm_fieldtype *const fieldtypes[] = {
	&crm_fieldtype_text, &crm_fieldtype_kana, &crm_fieldtype_email,
	&crm_fieldtype_phone, &crm_fieldtype_postal, &crm_fieldtype_date,
	&crm_fieldtype_datetime, &crm_fieldtype_money, &crm_fieldtype_integer,
	&crm_fieldtype_enum, &crm_fieldtype_flag, &crm_fieldtype_key,
	&crm_fieldtype_name, &crm_fieldtype_company, &crm_fieldtype_address,
	&crm_fieldtype_gender,
};
#define NPLAIN (CRM_T_KEY + 1)

const char *crm_ftype_name(enum crm_ftype type)
{
	return (size_t)type < NPLAIN ? fieldtypes[type]->name : "unknown";
}

const struct crm_fieldtype *const *crm_fieldtypes(size_t *n)
{
	*n = NELEMS(fieldtypes);
	return fieldtypes;
}

const struct crm_fieldtype *crm_fieldtype_find(const char *name)
{
	size_t i;

	for (i = 0; i < NELEMS(fieldtypes); i++)
		if (!strcmp(fieldtypes[i]->name, name))
			return fieldtypes[i];
	return NULL;
}

const struct crm_fieldtype *crm_fieldtype_of(enum crm_ftype type)
{
	return (size_t)type < NPLAIN ? fieldtypes[type] : NULL;
}

/* --- Messages ----------------------------------------------------------- */

/* Sets "'<orig, quoted>' <reason>" in err and returns CRM_ERR_INVALID. */
__attribute__((format(printf, 3, 0)))
static enum crm_status vinvalid(struct crm_error *err, const char *orig,
				const char *fmt, va_list ap)
{
	char q[CRM_QUOTE_SIZE], reason[CRM_ERROR_MSG_MAX];

	if (!err)
		return CRM_ERR_INVALID;
	crm_quote(orig, q, sizeof(q));
	if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
		reason[0] = '\0';
	return crm_error_set(err, CRM_ERR_INVALID, "'%s' %s", q, reason);
}

enum crm_status crm_ft_bad(const struct crm_ftctx *c, const char *fmt, ...)
{
	enum crm_status st;
	va_list ap;

	va_start(ap, fmt);
	st = vinvalid(c->err, c->orig, fmt, ap);
	va_end(ap);
	return st;
}

enum crm_status crm_ft_violation(struct crm_error *err, const char *orig,
				 const char *fmt, ...)
{
	enum crm_status st;
	va_list ap;

	va_start(ap, fmt);
	st = vinvalid(err, orig, fmt, ap);
	va_end(ap);
	return st;
}

enum crm_status crm_ft_nomem(struct crm_error *err)
{
	return crm_error_nomem(err);
}

void crm_ft_quote_char(const char *p, int len, char *buf, size_t size)
{
	char one[8];

	memcpy(one, p, (size_t)len);
	one[len] = '\0';
	crm_quote(one, buf, size);
}

/* --- Checks: folding ---------------------------------------------------- */

void crm_ft_release(char *t, const char *buf)
{
	if (t != buf)
		free(t);
}

/*
 * Whether s has a superscript or subscript digit (¹ ² ³ ⁰ ⁴-⁹ ₀-₉): NFKC
 * makes each the digit itself, so that a footnote mark would join the
 * number it follows ("1500¹" 15001, "2024/1/2¹" the 21st).
 */
static int script_digit(const char *s)
{
	const unsigned char *p;

	/* Every value passes here: only C2 and E2 can start one (strpbrk finds them fast). */
	for (p = (const unsigned char *)strpbrk(s, "\xc2\xe2"); p;
	     p = (const unsigned char *)strpbrk((const char *)p + 1, "\xc2\xe2")) {
		if (*p == 0xC2 && (p[1] == 0xB2 || p[1] == 0xB3 || p[1] == 0xB9))
			return 1;
		if (*p == 0xE2 && p[1] == 0x81 && (p[2] == 0xB0 || (p[2] >= 0xB4 && p[2] <= 0xB9)))
			return 1;
		if (*p == 0xE2 && p[1] == 0x82 && p[2] >= 0x80 && p[2] <= 0x89)
			return 1;
	}
	return 0;
}

enum crm_status crm_ft_prepare(const struct crm_ftctx *c, char **t, char *buf)
{
	enum crm_status st;

	*t = NULL;
	if (!c->orig)
		return CRM_EOF;
	if (script_digit(c->orig))
		return crm_ft_bad(c, "has a superscript or subscript digit (a footnote mark?), "
				  "which is not read as a digit");
	st = crm_fold_trim_buf(c->orig, buf, CRM_FT_FOLD_BUF, t);
	if (st == CRM_ERR_NOMEM)
		return crm_error_set(c->err, st, "out of memory");
	if (st != CRM_OK)
		return crm_ft_bad(c, "is not valid UTF-8");
	if (!**t) {
		crm_ft_release(*t, buf);
		*t = NULL;
		return CRM_EOF;
	}
	return CRM_OK;
}

enum crm_status crm_ft_check_folded(const char *s, const char *as, struct crm_error *err,
				    crm_ft_scan_fn scan)
{
	const struct crm_ftctx c = { as ? as : s, err }, fold = { s, err };
	enum crm_status st;
	char *t, buf[CRM_FT_FOLD_BUF];

	/*
	 * A normalizer's text (as given) is cleaned already, which folds it
	 * and more (crm_ft_clean): folding it again cost a fifth of an import
	 * once import's checks became the normalizers. The scan gets a copy.
	 */
	if (as) {
		size_t n = strlen(s);

		/* A normalizer's cleaned text has folded them already: ask the original. */
		if (script_digit(as))
			return crm_ft_bad(&c, "has a superscript or subscript digit (a footnote "
					  "mark?), which is not read as a digit");

		if (!n)
			return CRM_EOF;
		t = n < CRM_FT_FOLD_BUF ? buf : malloc(n + 1);
		if (!t)
			return crm_ft_nomem(err);
		memcpy(t, s, n + 1);
	} else if ((st = crm_ft_prepare(&fold, &t, buf))) {
		return st;
	}
	st = scan(&c, t);
	crm_ft_release(t, buf);
	return st;
}

/* --- Normalizers: results ----------------------------------------------- */

void crm_norm_init(struct crm_norm *n)
{
	memset(n, 0, sizeof(*n));
}

void crm_norm_release(struct crm_norm *n)
{
	if (!n)
		return;
	free(n->value);
	free(n->prefecture);
	free(n->city);
	free(n->extension);
	free(n->digits);
	free(n->family);
	free(n->given);
	free(n->suggestion);
	crm_norm_init(n);
}

void crm_ft_set_value(struct crm_norm *out, char *value, const char *orig)
{
	out->value = value;
	out->changed = strcmp(value, orig) != 0;
}

char *crm_ft_dup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* --- Normalizers: cleaning ---------------------------------------------- */

/* Hiragana, katakana (after NFKC there is no half-width kana left) and ー. */
static int is_kana(int32_t cp)
{
	return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309d && cp <= 0x309f) ||
	       (cp >= 0x30a1 && cp <= 0x30fa) || (cp >= 0x30fc && cp <= 0x30ff);
}

/*
 * Dashes: Unicode's dash punctuation, the minus sign and ー, but not the
 * wave dashes 〜 and 〰 (10〜20 is a range) nor the katakana double hyphen.
 */
static int is_dash(int32_t cp)
{
	/* Without a lookup: ASCII, kana and the CJK ideographs. */
	if (cp < 0x80)
		return cp == '-';
	if (cp >= 0x3041 && cp <= 0x30ff)
		return cp == 0x30fc;
	if (cp >= 0x4e00 && cp <= 0x9fff)
		return 0;
	if (cp == 0x301c || cp == 0x3030)
		return 0;
	return cp == 0x2212 || cp == 0x30fc ||
	       utf8proc_category(cp) == UTF8PROC_CATEGORY_PD;
}

/* The CJK ideographs, with extension A (U+3400..U+4DBF). */
static int is_kanji(int32_t cp)
{
	return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

/*
 * Whether the long vowel mark may follow cp: a kana with a vowel of its
 * own. Not ー (ソニー-エリクソン: ーー is no word), nor ン or ッ, which have
 * none (アーバン-ネット is two words).
 */
static int lengthens(int32_t cp)
{
	return is_kana(cp) && cp != 0x30fc && cp != 0x30f3 && cp != 0x3093 && cp != 0x30c3 &&
	       cp != 0x3063;
}

static int add_cp(struct crm_strbuf *sb, int32_t cp)
{
	char b[4];

	return crm_strbuf_add(sb, b, (size_t)crm_utf8_encode(cp, b));
}

/*
 * Decides the dashes of s by their neighbours. Returns 0 when none changes
 * (sb untouched), 1 with the changed text in sb, -1 when out of memory.
 */
/*
 * The first character of s that may be a dash (is_dash), or NULL: '-',
 * ー or ゠, or a character that is neither ASCII, nor kana (E3) nor a CJK
 * ideograph (E4-E9). Every value is cleaned, and most are ASCII, kana and
 * kanji: they are passed over by their bytes, not decoded.
 */
static const char *dash_candidate(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p < 0x80) {
			if (*p == '-')
				return (const char *)p;
			p++;
		} else if (*p >= 0xE4 && *p <= 0xE9 && p[1] && p[2]) {
			p += 3;
		} else if (*p == 0xE3 && p[1] && p[2]) {
			if ((p[1] == 0x83 && p[2] == 0xBC) || (p[1] == 0x82 && p[2] == 0xA0))
				return (const char *)p;
			p += 3;
		} else {
			return (const char *)p;
		}
	}
	return NULL;
}

/* The character before q in s (valid UTF-8), or 0 at its start. */
static int32_t cp_before(const char *s, const char *q)
{
	int32_t cp;

	if (q == s)
		return 0;
	do
		q--;
	while (q > s && ((unsigned char)*q & 0xC0) == 0x80);
	crm_utf8_next(q, &cp);
	return cp;
}

static int fix_dashes(const char *s, struct crm_strbuf *sb)
{
	const char *kept = s;   /* the start of the bytes not yet written to sb */
	const char *q, *last_end = NULL;
	int32_t cp, to, next, prev, last_to = 0;
	int n, changed = 0;

	for (q = dash_candidate(s); q; q = dash_candidate(q + n)) {
		n = crm_utf8_next(q, &cp);
		if (!is_dash(cp))
			continue;
		/* What came before, as written: a dash just before may have changed. */
		prev = q == last_end ? last_to : cp_before(s, q);
		crm_utf8_next(q + n, &next);
		to = cp;
		if (is_digit_cp(prev) && is_digit_cp(next))
			to = '-';
		else if (lengthens(prev) && (!next || is_kana(next) || is_kanji(next)))
			/*
			 * A long vowel typed as a dash (コ-ヒ-, カ－ド, センタ-北): before
			 * kana or kanji, or at the end; not before a letter or a digit
			 * (パークハイツ-B棟, ア-1).
			 */
			to = 0x30fc;
		last_end = q + n;
		last_to = to;
		if (to == cp)
			continue;
		if (crm_strbuf_add(sb, kept, (size_t)(q - kept)) || add_cp(sb, to))
			return -1;
		kept = q + n;
		changed = 1;
	}
	if (changed && crm_strbuf_add(sb, kept, strlen(kept)))
		return -1;
	return changed;
}

int crm_ft_fix_dashes(const char *s, struct crm_strbuf *sb)
{
	return fix_dashes(s, sb);
}

/*
 * s without its control characters (C0, DEL, C1), as utf8proc's STRIPCC
 * would take them, but before NFKC: line breaks, tabs, form feeds and NEL
 * become a space, the rest go. utf8proc strips them while decomposing and
 * leaves the marks they stood between in the wrong order, which the next
 * NFKC reorders (fuzz: U+05AB, U+001A, U+05BA came out U+05AB U+05BA, and
 * normalized again U+05BA U+05AB). NULL with *copy untouched when s has
 * none; -1 when out of memory.
 */
static int strip_controls(const char *s, char **copy)
{
	const unsigned char *p;
	char *w;
	int any = 0;

	for (p = (const unsigned char *)s; *p && !any; p++)
		any = *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	if (!any)
		return 0;
	if (!(*copy = malloc(strlen(s) + 1)))
		return -1;
	for (p = (const unsigned char *)s, w = *copy; *p; p++) {
		if ((*p >= 0x09 && *p <= 0x0d) || (*p == 0xc2 && p[1] == 0x85)) {
			*w++ = ' ';
			p += *p == 0xc2;
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p++;
		} else if (*p >= 0x20 && *p != 0x7f) {
			*w++ = (char)*p;
		}
	}
	*w = '\0';
	return 1;
}

/* crm_ft_clean(), and whether orig held the common characters alone (*common). */
static enum crm_status clean(const char *orig, char **out, struct crm_error *err, int *common)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	utf8proc_uint8_t *folded = NULL;
	enum crm_status st;
	int changed;

	*out = NULL;
	*common = 0;
	if (!orig)
		return CRM_EOF;
	if ((st = crm_nfkc_common(orig, (char **)&folded)) != CRM_EOF) {
		*common = 1;
		/*
		 * ASCII and the common Japanese characters: nothing among them to
		 * ignore or strip, so NFKC is all, and without utf8proc.
		 */
		if (st)
			return crm_ft_nomem(err);
	} else {
		char *plain = NULL;

		if (strip_controls(orig, &plain) < 0)
			return crm_ft_nomem(err);
		/* IGNORE also strips what a decomposition yields (ﾠ gives U+3164). */
		st = crm_nfkc_map(plain ? plain : orig, UTF8PROC_IGNORE | UTF8PROC_STRIPCC,
				  (char **)&folded);
		free(plain);
		if (st == CRM_ERR_NOMEM)
			return crm_ft_nomem(err);
		if (st)
			return crm_ft_violation(err, orig, "is not valid UTF-8");
	}
	crm_collapse_spaces((char *)folded);
	if (!*folded) {
		free(folded);
		return CRM_EOF;
	}
	changed = fix_dashes((const char *)folded, &sb);
	if (!changed) {
		*out = (char *)folded;   /* no dash to change: folded is the result */
		return CRM_OK;
	}
	free(folded);
	*out = changed > 0 ? crm_strbuf_detach(&sb, NULL) : NULL;
	crm_strbuf_release(&sb);
	return *out ? CRM_OK : crm_ft_nomem(err);
}

enum crm_status crm_ft_clean(const char *orig, char **out, struct crm_error *err)
{
	int plain;

	return clean(orig, out, err, &plain);
}

enum crm_status crm_ft_normalize(const char *s, struct crm_norm *out,
				 struct crm_error *err, crm_ft_rules_fn rules)
{
	enum crm_status st;
	int plain;
	char *t;

	crm_norm_release(out);
	if ((st = clean(s, &t, err, &plain)))
		return st;
	st = rules(s, t, out, err);
	free(t);
	if (st)
		crm_norm_release(out);
	else
		out->plain = plain;
	return st;
}

enum crm_status crm_ft_take_text(const char *orig, char *t, struct crm_norm *out,
				 struct crm_error *err)
{
	char *v = crm_ft_dup(t, strlen(t));

	if (!v)
		return crm_ft_nomem(err);
	crm_ft_set_value(out, v, orig);
	return CRM_OK;
}
