/*
 * The small types, which share a file: text (the cleaning every
 * normalizer starts with is the text type's normalizer), money and whole
 * numbers, yes/no flags, genders, and the country names that say a record
 * is in Japan. Import parses money, numbers, flags and genders into what it
 * stores; cleanse normalizes only text of these.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftype-basic.h"
#include "ftypeint.h"
#include "banned.h"

/* --- Text --------------------------------------------------------------- */

enum crm_status crm_normalize_text(const char *s, struct crm_norm *out,
				   struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, crm_ft_take_text);
}

/* --- Money and whole numbers ------------------------------------------ */

#define SCALE 10000     /* money: ten-thousandths */
#define SCALE_DIGITS 4

struct number {
	uint64_t whole;      /* the integer part, unless too_big */
	int too_big;
	const char *frac;    /* the fraction digits, or NULL without a point */
	size_t nfrac;
	int point_groups;    /* 1.500: a point where Europe groups thousands */
};

/* Adds one digit to the integer part, noting when it stops fitting. */
static void add_digit(struct number *n, char ch)
{
	unsigned d = (unsigned)(ch - '0');

	if (n->whole > (UINT64_MAX - d) / 10)
		n->too_big = 1;
	else
		n->whole = n->whole * 10 + d;
}

#define COMMA_GROUPS "its commas do not group the digits by three (a decimal point is written '.')"
#define EURO_POINT "a point before three digits groups thousands where the euro is " \
	"written so (€1.500 is 1500 there): write €1500, or €1.50"
#define POINT_ZEROS "a point before three zeros groups thousands in Europe's notation " \
	"(1.000 is 1000 there): write 1000, or 1"

/*
 * Scans digits with commas between them and an optional fraction. Returns
 * NULL, or the reason the number is malformed. Commas group the whole
 * part by three (1,234,567): "1,00" is a decimal comma (1.00, from a
 * European export) or a slip, and read as 100 it would be a hundred
 * times the amount, without a word. The other way round, a European
 * export writes 1500 as "1.500": one to three digits, not starting with
 * 0, a point and three digits is either (point_groups). Alone it is read
 * as a decimal point (crm's own export writes 1.125, and so does Excel);
 * the callers refuse it where Europe's reading is as likely: after a
 * euro sign, and three zeros in a whole number (1.000 pieces).
 */
static const char *scan_number(const char **p, struct number *n)
{
	int digits = 0, group = 0, commas = 0;
	const char *start = *p;

	memset(n, 0, sizeof(*n));
	if (!is_digit(**p) && **p != '.' && **p != ',')
		return strpbrk(*p, "0123456789") ? "it has text before the digits"
						 : "it has no digits";
	for (;; (*p)++) {
		if (is_digit(**p)) {
			add_digit(n, **p);
			digits++;
			group++;
		} else if (**p != ',') {
			break;
		} else if (!digits || !is_digit((*p)[-1]) || !is_digit((*p)[1])) {
			return "it has a misplaced comma";
		} else if (commas++ ? group != 3 : group > 3 || n->whole == 0) {
			/* A first group of 0 ("0,500") groups nothing: a decimal comma. */
			return COMMA_GROUPS;
		} else {
			group = 0;
		}
	}
	if (commas && group != 3)
		return COMMA_GROUPS;
	if (**p == '.') {
		n->frac = ++(*p);
		while (is_digit(**p))
			(*p)++;
		n->nfrac = (size_t)(*p - n->frac);
		if (!n->nfrac)
			return digits ? "it has no digits after the decimal point"
				      : "it has no digits";
		if (**p == ',')
			return "it has a comma after the decimal point";
		if (**p == '.')
			return "it has more than one decimal point";
		n->point_groups = !commas && digits && digits <= 3 && *start != '0' && n->nfrac == 3;
	}
	return digits || n->nfrac ? NULL : "it has no digits";
}

/* Does the fraction have non-zero digits from position from on? */
static int frac_nonzero(const struct number *n, size_t from)
{
	size_t i;

	for (i = from; i < n->nfrac; i++)
		if (n->frac[i] != '0')
			return 1;
	return 0;
}

/* Gives *out = ±mag, or returns -1 when that does not fit an int64_t. */
static int to_int64(uint64_t mag, int neg, int64_t *out)
{
	if (mag > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -1;
	if (!neg)
		*out = (int64_t)mag;
	else
		*out = mag ? -(int64_t)(mag - 1) - 1 : 0;
	return 0;
}

/* A sign at *p: returns -1 for - − △ ▲, 1 for +, 0 when there is none. */
static int scan_sign(const char **p)
{
	if (match(p, "-") || match(p, "−") || match(p, "△") || match(p, "▲"))
		return -1;
	return match(p, "+") ? 1 : 0;
}

/* A currency sign at *p: returns 'Y' for yen (¥, or '\' from Shift_JIS), $, £, €. */
static char scan_currency(const char **p)
{
	if (match(p, "¥") || match(p, "\\"))
		return 'Y';
	if (match(p, "$"))
		return '$';
	if (match(p, "£"))
		return 'L';
	return match(p, "€") ? 'E' : 0;
}

/* Strips accounting parentheses "(1,200)" from s in place; 1 if there were. */
static int strip_parens(char **s)
{
	size_t len = strlen(*s);

	if (len < 2 || (*s)[0] != '(' || (*s)[len - 1] != ')')
		return 0;
	(*s)[len - 1] = '\0';
	(*s)++;
	return 1;
}

/* Signs and a currency sign before the digits, in any order, each once. */
static enum crm_status scan_money_prefix(const struct crm_ftctx *c, const char **p,
					 int *neg, char *cur)
{
	int sign, nsigns = *neg;
	char ch;

	for (;;) {
		skip_sp(p);
		if ((sign = scan_sign(p))) {
			if (nsigns++)
				return crm_ft_bad(c, "is not an amount of money: it has more than one sign");
			*neg = sign < 0;
		} else if ((ch = scan_currency(p))) {
			if (*cur)
				return crm_ft_bad(c, "is not an amount of money: it has more than one currency sign");
			*cur = ch;
		} else {
			return CRM_OK;
		}
	}
}

/* After the digits: an optional 円 (not with another currency) and nothing else. */
static enum crm_status scan_money_suffix(const struct crm_ftctx *c, const char *p, char cur)
{
	char rest[CRM_QUOTE_SIZE];

	skip_sp(&p);
	if (match(&p, "円")) {
		if (cur && cur != 'Y')
			return crm_ft_bad(c, "is not an amount of money: it has two currencies");
		skip_sp(&p);
	}
	if (!*p)
		return CRM_OK;
	crm_quote(p, rest, sizeof(rest));
	return crm_ft_bad(c, "is not an amount of money: unexpected text '%s'", rest);
}

/* Combines the scanned number into ten-thousandths. */
static enum crm_status money_value(const struct crm_ftctx *c, const struct number *n,
				   int neg, int64_t *out)
{
	uint64_t frac = 0;
	size_t i;

	if (frac_nonzero(n, SCALE_DIGITS))
		return crm_ft_bad(c, "has more than %d decimal places: crm does not round money",
				  SCALE_DIGITS);
	for (i = 0; i < SCALE_DIGITS; i++)
		frac = frac * 10 + (i < n->nfrac ? (uint64_t)(n->frac[i] - '0') : 0);
	if (n->too_big || n->whole > (UINT64_MAX - frac) / SCALE ||
	    to_int64(n->whole * SCALE + frac, neg, out))
		return crm_ft_bad(c, "is too large an amount of money");
	return CRM_OK;
}

static enum crm_status money_scan(const struct crm_ftctx *c, char *s, int64_t *out, char *cur)
{
	const char *p, *why;
	struct number n;
	enum crm_status st;
	int neg;

	*cur = 0;
	neg = strip_parens(&s);
	p = s;
	if ((st = scan_money_prefix(c, &p, &neg, cur)))
		return st;
	if ((why = scan_number(&p, &n)))
		return crm_ft_bad(c, "is not an amount of money: %s", why);
	if ((st = scan_money_suffix(c, p, *cur)))
		return st;
	if (n.point_groups && *cur == 'E')
		return crm_ft_bad(c, "is not an amount of money: %s", EURO_POINT);
	/* 1,500円: yen written after. */
	if (!*cur && p > s && strstr(p, "円"))
		*cur = 'Y';
	return money_value(c, &n, neg, out);
}

static enum crm_status money_from(const struct crm_ftctx *c, char *s, int64_t *out)
{
	char cur;

	return money_scan(c, s, out, &cur);
}

/* Folds s (see prepare) and parses the folded text, which parse may change; *out is set only on success. */
static enum crm_status parse_folded_int64(const char *s, struct crm_error *err, int64_t *out,
					  enum crm_status (*parse)(const struct crm_ftctx *,
								   char *, int64_t *))
{
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	int64_t v = 0;
	char *t, buf[CRM_FT_FOLD_BUF];

	if ((st = crm_ft_prepare(&c, &t, buf)))
		return st;
	st = parse(&c, t, &v);
	crm_ft_release(t, buf);
	if (!st)
		*out = v;
	return st;
}

enum crm_status crm_parse_money(const char *s, int64_t *scaled4,
				struct crm_error *err)
{
	return parse_folded_int64(s, err, scaled4, money_from);
}

enum crm_status crm_parse_money_sign(const char *s, int64_t *scaled4, const char **currency,
				     struct crm_error *err)
{
	static const struct { char sign; const char *code; } codes[] = {
		{ 'Y', "JPY" }, { '$', "USD" }, { 'L', "GBP" }, { 'E', "EUR" },
	};
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	int64_t v = 0;
	char *t, buf[CRM_FT_FOLD_BUF], cur = 0;
	size_t i;

	*currency = NULL;
	if ((st = crm_ft_prepare(&c, &t, buf)))
		return st;
	st = money_scan(&c, t, &v, &cur);
	crm_ft_release(t, buf);
	if (st)
		return st;
	*scaled4 = v;
	for (i = 0; i < NELEMS(codes); i++)
		if (codes[i].sign == cur)
			*currency = codes[i].code;
	return CRM_OK;
}

/* The sign of a whole number: - or − (-1), + (1), or none (0). */
static int scan_int_sign(const char **p)
{
	if (match(p, "-") || match(p, "−"))
		return -1;
	return match(p, "+") ? 1 : 0;
}

static enum crm_status int_from(const struct crm_ftctx *c, char *text, int64_t *out)
{
	const char *p = text;
	struct number n;
	const char *why;
	char rest[CRM_QUOTE_SIZE];
	int sign;

	sign = scan_int_sign(&p);
	skip_sp(&p);
	if (sign && scan_int_sign(&p))
		return crm_ft_bad(c, "is not a whole number: it has more than one sign");
	if ((why = scan_number(&p, &n)))
		return crm_ft_bad(c, "is not a whole number: %s", why);
	skip_sp(&p);
	if (*p) {
		crm_quote(p, rest, sizeof(rest));
		return crm_ft_bad(c, "is not a whole number: unexpected text '%s'", rest);
	}
	if (frac_nonzero(&n, 0))
		return crm_ft_bad(c, "is not a whole number: it has a fraction");
	if (n.point_groups)
		return crm_ft_bad(c, "is not a whole number: %s", POINT_ZEROS);
	if (n.too_big || to_int64(n.whole, sign < 0, out))
		return crm_ft_bad(c, "is too large for a whole number");
	return CRM_OK;
}

enum crm_status crm_parse_int(const char *s, int64_t *out, struct crm_error *err)
{
	return parse_folded_int64(s, err, out, int_from);
}

/* --- Words: flags, genders, countries ----------------------------------- */

struct word {
	const char *text;   /* after NFKC, ASCII in lower case */
	int value;
};

static const struct word flag_words[] = {
	{ "可", 1 }, { "許可", 1 }, { "希望する", 1 }, { "する", 1 }, { "希望", 1 },
	{ "○", 1 }, { "〇", 1 }, { "◯", 1 }, { "yes", 1 }, { "y", 1 },
	{ "true", 1 }, { "t", 1 }, { "1", 1 }, { "on", 1 }, { "ok", 1 },
	{ "有", 1 }, { "有り", 1 }, { "あり", 1 }, { "同意", 1 }, { "同意する", 1 },
	{ "配信する", 1 }, { "受け取る", 1 }, { "はい", 1 }, { "要", 1 },
	{ "不可", 0 }, { "拒否", 0 }, { "希望しない", 0 }, { "しない", 0 },
	{ "不要", 0 }, { "×", 0 }, { "✕", 0 }, { "no", 0 }, { "n", 0 },
	{ "false", 0 }, { "f", 0 }, { "0", 0 }, { "off", 0 }, { "ng", 0 },
	{ "無", 0 }, { "無し", 0 }, { "なし", 0 }, { "不同意", 0 },
	{ "同意しない", 0 }, { "配信しない", 0 }, { "停止", 0 },
	{ "受け取らない", 0 }, { "いいえ", 0 },
};

enum gender { G_MALE, G_FEMALE, G_OTHER, G_UNKNOWN, G_NA };

const char *const crm_gender_values[] = {
	[G_MALE] = "male", [G_FEMALE] = "female", [G_OTHER] = "other",
	[G_UNKNOWN] = "unknown", [G_NA] = "not_applicable", NULL,
};

static const struct word gender_words[] = {
	{ "男", G_MALE }, { "男性", G_MALE }, { "m", G_MALE }, { "male", G_MALE },
	{ "man", G_MALE }, { "1", G_MALE }, { "♂", G_MALE },
	{ "女", G_FEMALE }, { "女性", G_FEMALE }, { "f", G_FEMALE },
	{ "female", G_FEMALE }, { "woman", G_FEMALE }, { "2", G_FEMALE },
	{ "♀", G_FEMALE },
	{ "その他", G_OTHER }, { "other", G_OTHER }, { "x", G_OTHER },
	{ "0", G_UNKNOWN }, { "不明", G_UNKNOWN }, { "未回答", G_UNKNOWN },
	{ "unknown", G_UNKNOWN }, { "回答しない", G_UNKNOWN },
	{ "9", G_NA }, { "適用不能", G_NA }, { "該当なし", G_NA },
	{ "not_applicable", G_NA }, { "not applicable", G_NA },
};

static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* The value of s in words, or -1 when it is not there. */
static int lookup(const char *s, const struct word *words, size_t n)
{
	size_t i;

	/* The first byte first: the lists are long, and every row has a flag or two. */
	for (i = 0; i < n; i++)
		if (s[0] == words[i].text[0] && !strcmp(s, words[i].text))
			return words[i].value;
	return -1;
}

/* Prepares s and looks it up in words; *value is -1 when it is not there. */
static enum crm_status prepare_word(const struct crm_ftctx *c, const struct word *words,
				    size_t n, int *value)
{
	enum crm_status st;
	char *t, buf[CRM_FT_FOLD_BUF];

	if ((st = crm_ft_prepare(c, &t, buf)))
		return st;
	lower_ascii(t);
	*value = lookup(t, words, n);
	crm_ft_release(t, buf);
	return CRM_OK;
}

enum crm_status crm_parse_flag(const char *s, int *out, struct crm_error *err)
{
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	int v;

	if ((st = prepare_word(&c, flag_words, NELEMS(flag_words), &v)))
		return st;
	if (v < 0)
		return crm_ft_bad(&c, "is not a yes/no value (such as 可/不可, ○/×, yes/no, 1/0)");
	*out = v;
	return CRM_OK;
}

enum crm_status crm_parse_gender(const char *s, const char **out,
				 struct crm_error *err)
{
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	int v;

	if ((st = prepare_word(&c, gender_words, NELEMS(gender_words), &v)))
		return st;
	if (v < 0)
		return crm_ft_bad(&c, "is not a gender (such as 男/女, M/F, or the JIS X 0303 codes 0, 1, 2, 9)");
	*out = crm_gender_values[v];
	return CRM_OK;
}

/* --- The types ---------------------------------------------------------- */

static enum crm_status type_check_money(const char *s, int country,
					struct crm_error *err)
{
	int64_t v;

	return crm_parse_money(s, &v, err);
}

static enum crm_status type_check_integer(const char *s, int country,
					  struct crm_error *err)
{
	int64_t v;

	return crm_parse_int(s, &v, err);
}

static enum crm_status type_check_flag(const char *s, int country,
				       struct crm_error *err)
{
	int v;

	return crm_parse_flag(s, &v, err);
}

static enum crm_status type_check_gender(const char *s, int country,
					 struct crm_error *err)
{
	const char *v;

	return crm_parse_gender(s, &v, err);
}

const struct crm_fieldtype crm_fieldtype_text = {
	"text", CRM_T_TEXT, NULL, crm_normalize_text, 0,
};

const struct crm_fieldtype crm_fieldtype_money = {
	"money", CRM_T_MONEY, type_check_money, NULL, 0,
};

const struct crm_fieldtype crm_fieldtype_integer = {
	"integer", CRM_T_INTEGER, type_check_integer, NULL, 0,
};

const struct crm_fieldtype crm_fieldtype_flag = {
	"flag", CRM_T_FLAG, type_check_flag, NULL, 0,
};

const struct crm_fieldtype crm_fieldtype_gender = {
	"gender", CRM_T_ENUM, type_check_gender, NULL, 0,
};

/* An enum's values are its field's choices, which import checks. */
const struct crm_fieldtype crm_fieldtype_enum = {
	"enum", CRM_T_ENUM, NULL, NULL, 0,
};

/* A key is any text that names a record in its source. */
const struct crm_fieldtype crm_fieldtype_key = {
	"key", CRM_T_KEY, NULL, NULL, 0,
};
