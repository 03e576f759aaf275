/*
 * The date and datetime types: import parses a date (crm_parse_date) or a
 * local date and time (crm_parse_datetime) as Japanese files write them,
 * eras included, and stores it in ISO form. Cleanse has no normalizer for
 * them: what import stored is already written the one way, and cleanse
 * checks a stored birthdate by parsing it again.
 */
#include <string.h>

#include "ftype-date.h"
#include "ftypeint.h"
#include "strbuf.h"
#include "banned.h"

/* Writes v as width zero-padded digits (v is non-negative and fits). */
static char *put_num(char *dst, int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		dst[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return dst + width;
}

#define YEAR_MIN 1873   /* Japan adopted the Gregorian calendar on 明治6年1月1日 */
#define YEAR_MAX 2200

struct ymd {
	int y, m, d;
};

struct hms {
	int h, mi, s;
};

static const struct era {
	const char *name;
	char letter;
	struct ymd from, to;   /* to.y == 0: the current era */
} eras[] = {
	{ "明治", 'm', { 1868, 1, 25 }, { 1912, 7, 29 } },
	{ "大正", 't', { 1912, 7, 30 }, { 1926, 12, 24 } },
	{ "昭和", 's', { 1926, 12, 25 }, { 1989, 1, 7 } },
	{ "平成", 'h', { 1989, 1, 8 }, { 2019, 4, 30 } },
	{ "令和", 'r', { 2019, 5, 1 }, { 0, 0, 0 } },
};
#define NERAS ((int)(sizeof(eras) / sizeof(eras[0])))

static long ymd_key(const struct ymd *d)
{
	return (long)d->y * 10000 + d->m * 100 + d->d;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int32_t crm_days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* An era name or letter (followed by a year) at *p: its index, or -1. */
static int scan_era(const char **p)
{
	const char *q;
	char ch = **p;
	int i;

	for (i = 0; i < NERAS; i++)
		if (match(p, eras[i].name))
			return i;
	if (ch >= 'A' && ch <= 'Z')
		ch = (char)(ch - 'A' + 'a');
	for (i = 0; i < NERAS; i++) {
		if (ch != eras[i].letter)
			continue;
		q = *p + 1;
		skip_sp(&q);
		if (!is_digit(*q) && !match(&q, "元"))
			return -1;
		(*p)++;
		return i;
	}
	return -1;
}

/* The date separator at *p: '/', '-', '.', or 'J' for 年 (then 月, 日). */
static char scan_sep(const char **p)
{
	char ch = **p;

	if (ch == '/' || ch == '-' || ch == '.') {
		(*p)++;
		return ch;
	}
	return match(p, "年") ? 'J' : 0;
}

/* Month and day after the year's separator sep, with spaces around each. */
static enum crm_status scan_month_day(const struct crm_ftctx *c, const char **p,
				      char sep, struct ymd *d)
{
	const char *incomplete = "is not a date: it needs a year, a month and a day";
	int n;

	skip_sp(p);
	n = take_digits(p, &d->m);
	if (n < 1 || n > 2)
		return crm_ft_bad(c, "%s", incomplete);
	skip_sp(p);
	if (sep == 'J' ? !match(p, "月") : **p != sep)
		return crm_ft_bad(c, "%s", incomplete);
	if (sep != 'J')
		(*p)++;
	skip_sp(p);
	n = take_digits(p, &d->d);
	if (n < 1 || n > 2)
		return crm_ft_bad(c, "%s", incomplete);
	if (sep != 'J')
		return CRM_OK;
	skip_sp(p);
	return match(p, "日") ? CRM_OK : crm_ft_bad(c, "%s", incomplete);
}

/* The year of an era date: 元 or one or two digits; *y is the era year. */
static enum crm_status scan_era_year(const struct crm_ftctx *c, const char **p, int *y)
{
	int n;

	skip_sp(p);
	if (match(p, "元")) {
		*y = 1;
		return CRM_OK;
	}
	n = take_digits(p, y);
	if (n < 1 || n > 2)
		return crm_ft_bad(c, "is not a date: an era year has one or two digits");
	return CRM_OK;
}

/* After one to three digits, does a date separator follow (25/7/23)? */
static int year_too_short(const char *p)
{
	skip_sp(&p);
	return scan_sep(&p) != 0;
}

/* Scans the date at *p into d; *era is the era index or -1. */
static enum crm_status scan_date(const struct crm_ftctx *c, const char **p,
				 struct ymd *d, int *era)
{
	enum crm_status st;
	char sep;
	int n, v;

	*era = scan_era(p);
	if (*era >= 0) {
		if ((st = scan_era_year(c, p, &v)))
			return st;
		d->y = eras[*era].from.y - 1 + v;
	} else {
		n = take_digits(p, &v);
		if (n == 8) {   /* 20250723 */
			d->y = v / 10000;
			d->m = v / 100 % 100;
			d->d = v % 100;
			return CRM_OK;
		}
		if (n > 0 && n < 4 && year_too_short(*p))
			return crm_ft_bad(c, "is not a date: the year must come first, in four digits");
		if (n != 4)
			return crm_ft_bad(c, "is not a date");
		d->y = v;
	}
	skip_sp(p);
	if (!(sep = scan_sep(p)))
		return crm_ft_bad(c, "is not a date: it needs a year, a month and a day");
	return scan_month_day(c, p, sep, d);
}

/* Checks that d exists, lies in its era and in the years crm accepts. */
static enum crm_status check_date(const struct crm_ftctx *c, const struct ymd *d, int era)
{
	const struct era *e = era >= 0 ? &eras[era] : NULL;

	if (d->m < 1 || d->m > 12 || d->d < 1 || d->d > days_in_month(d->y, d->m))
		return crm_ft_bad(c, "is not a date that exists");
	if (e && (ymd_key(d) < ymd_key(&e->from) ||
		  (e->to.y && ymd_key(d) > ymd_key(&e->to)))) {
		if (!e->to.y)
			return crm_ft_bad(c, "is outside the %s era (from %04d-%02d-%02d)",
					  e->name, e->from.y, e->from.m, e->from.d);
		return crm_ft_bad(c, "is outside the %s era (%04d-%02d-%02d to %04d-%02d-%02d)",
				  e->name, e->from.y, e->from.m, e->from.d,
				  e->to.y, e->to.m, e->to.d);
	}
	if (d->y < YEAR_MIN && e)
		return crm_ft_bad(c, "is before 1873-01-01, when Japan adopted the Gregorian calendar");
	if (d->y < YEAR_MIN || d->y > YEAR_MAX)
		return crm_ft_bad(c, "has year %d: crm accepts years %d to %d",
				  d->y, YEAR_MIN, YEAR_MAX);
	return CRM_OK;
}

/* A fraction of seconds after HH:MM:SS: accepted only when it is zero. */
static enum crm_status scan_fraction_of_second(const struct crm_ftctx *c, const char **p)
{
	const char *q = *p;

	if (*q != '.' || !is_digit(q[1]))
		return CRM_OK;
	for (q++; is_digit(*q); q++)
		if (*q != '0')
			return crm_ft_bad(c, "has a fraction of a second: crm stores whole seconds");
	*p = q;
	return CRM_OK;
}

/* ":MM" and an optional ":SS" after the hour, spaces allowed around ':'. */
static enum crm_status scan_colon_time(const struct crm_ftctx *c, const char **p,
				       struct hms *t, const char *unreadable)
{
	const char *q;

	(*p)++;
	skip_sp(p);
	if (take_digits(p, &t->mi) != 2)
		return crm_ft_bad(c, "%s", unreadable);
	q = *p;
	skip_sp(&q);
	if (*q != ':')
		return CRM_OK;
	*p = q + 1;
	skip_sp(p);
	if (take_digits(p, &t->s) != 2)
		return crm_ft_bad(c, "%s", unreadable);
	return scan_fraction_of_second(c, p);
}

/* Optional "M分" and then "S秒" after "H時". */
static enum crm_status scan_kanji_time(const char **p, struct hms *t)
{
	const char *q = *p;
	int n;

	skip_sp(&q);
	n = take_digits(&q, &t->mi);
	if (n < 1 || n > 2)
		return CRM_OK;
	skip_sp(&q);
	if (!match(&q, "分"))
		return CRM_OK; /* the digits are left as trailing text */
	*p = q;
	skip_sp(&q);
	n = take_digits(&q, &t->s);
	if (n < 1 || n > 2)
		return CRM_OK;
	skip_sp(&q);
	if (match(&q, "秒"))
		*p = q;
	return CRM_OK;
}

static enum crm_status scan_time(const struct crm_ftctx *c, const char **p, struct hms *t)
{
	const char *unreadable = "has a time that is not H:MM, H:MM:SS or H時M分S秒";
	enum crm_status st;
	int n;

	t->h = t->mi = t->s = 0;
	n = take_digits(p, &t->h);
	if (n < 1 || n > 2)
		return crm_ft_bad(c, "%s", unreadable);
	skip_sp(p);
	if (**p == ':')
		st = scan_colon_time(c, p, t, unreadable);
	else if (match(p, "時"))
		st = scan_kanji_time(p, t);
	else
		return crm_ft_bad(c, "%s", unreadable);
	if (st)
		return st;
	if (t->h > 23 || t->mi > 59 || t->s > 59)
		return crm_ft_bad(c, "has a time that does not exist: "
				  "hours run 0-23, minutes and seconds 0-59");
	return CRM_OK;
}

/* Does p start a time zone: Z, +09:00, -0500, or a name crm knows? */
static int is_zone(const char *p)
{
	static const char *const names[] = { "jst", "utc", "gmt" };
	size_t i;

	if ((*p == 'Z' || *p == 'z') && !p[1])
		return 1;
	if ((*p == '+' || *p == '-') && is_digit(p[1]))
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (match(&p, names[i]))
			return 1;
	return 0;
}

/*
 * What follows the date: nothing, or a space or 'T' and a time; after 日 the
 * time may follow at once (2025年7月23日10時30分).
 */
static enum crm_status scan_after_date(const struct crm_ftctx *c, const char *p,
				       int after_nichi, struct hms *t, int *has_time)
{
	char rest[CRM_QUOTE_SIZE];
	enum crm_status st;

	*has_time = 0;
	if (!*p)
		return CRM_OK;
	if (((*p == ' ' || *p == 'T' || *p == 't') && is_digit(p[1])) ||
	    (after_nichi && is_digit(*p))) {
		if (!is_digit(*p))
			p++;
		if ((st = scan_time(c, &p, t)))
			return st;
		*has_time = 1;
		skip_sp(&p);
		if (!*p)
			return CRM_OK;
		crm_quote(p, rest, sizeof(rest));
		if (is_zone(p))
			return crm_ft_bad(c, "has a time zone ('%s'): crm stores local time, "
					  "so give the time without one", rest);
		return crm_ft_bad(c, "has unexpected text after the time: '%s'", rest);
	}
	crm_quote(p[0] == ' ' ? p + 1 : p, rest, sizeof(rest));
	return crm_ft_bad(c, "is not a date: unexpected text after it: '%s'", rest);
}

/* Scans and checks a date with an optional time. */
static enum crm_status parse_when(const struct crm_ftctx *c, struct ymd *d,
				  struct hms *t, int *has_time)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	enum crm_status st;
	const char *p, *from;
	char *s, buf[CRM_FT_FOLD_BUF];
	int era = 0, dashes = 0;

	if ((st = crm_ft_prepare(c, &s, buf)))
		return st;
	/* A dash between digits is one whatever its kind (1985ー04ー03, 1985–04–03). */
	for (p = s; *p && (unsigned char)*p < 0x80; p++)
		;
	if (*p)
		dashes = crm_ft_fix_dashes(s, &sb);
	from = p = dashes > 0 ? sb.buf : s;
	st = dashes < 0 ? crm_error_set(c->err, CRM_ERR_NOMEM, "out of memory")
			: scan_date(c, &p, d, &era);
	if (!st)
		st = scan_after_date(c, p, p - from >= 3 && !memcmp(p - 3, "日", 3),
				     t, has_time);
	if (!st)
		st = check_date(c, d, era);
	crm_strbuf_release(&sb);
	crm_ft_release(s, buf);
	return st;
}

static char *put_date(char *out, const struct ymd *d)
{
	out = put_num(out, d->y, 4);
	*out++ = '-';
	out = put_num(out, d->m, 2);
	*out++ = '-';
	out = put_num(out, d->d, 2);
	*out = '\0';
	return out;
}

/*
 * Whether s is exactly YYYY-MM-DD, the form crm stores, into *d: every
 * stored date is checked in it again (crm cleanse, and import's own
 * check of what it stored), so it is read without the folding and the
 * general scan. check_date() still decides whether it is a date.
 */
static int stored_form(const char *s, struct ymd *d)
{
	int i;

	/* Byte by byte: a NUL fails its test before the next is read. */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
			return 0;
	if (s[10])
		return 0;
	d->y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	d->m = (s[5] - '0') * 10 + (s[6] - '0');
	d->d = (s[8] - '0') * 10 + (s[9] - '0');
	return 1;
}

enum crm_status crm_parse_date(const char *s, char out[CRM_DATE_SIZE],
			       struct crm_error *err)
{
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	struct ymd d;
	struct hms t;
	int has_time;

	if (s && stored_form(s, &d))
		st = check_date(&c, &d, -1);
	else
		st = parse_when(&c, &d, &t, &has_time);
	if (st)
		return st;
	put_date(out, &d);
	return CRM_OK;
}

enum crm_status crm_parse_datetime(const char *s, char out[CRM_DATETIME_SIZE],
				   struct crm_error *err)
{
	const struct crm_ftctx c = { s, err };
	enum crm_status st;
	struct ymd d;
	struct hms t;
	int has_time;
	char *p;

	if ((st = parse_when(&c, &d, &t, &has_time)))
		return st;
	p = put_date(out, &d);
	if (!has_time)
		return CRM_OK;
	*p++ = 'T';
	p = put_num(p, t.h, 2);
	*p++ = ':';
	p = put_num(p, t.mi, 2);
	*p++ = ':';
	p = put_num(p, t.s, 2);
	*p = '\0';
	return CRM_OK;
}

/* --- The types ---------------------------------------------------------- */

static enum crm_status type_check_date(const char *s, int country,
				       struct crm_error *err)
{
	char out[CRM_DATE_SIZE];

	return crm_parse_date(s, out, err);
}

static enum crm_status type_check_datetime(const char *s, int country,
					   struct crm_error *err)
{
	char out[CRM_DATETIME_SIZE];

	return crm_parse_datetime(s, out, err);
}

const struct crm_fieldtype crm_fieldtype_date = {
	"date", CRM_T_DATE, type_check_date, NULL, 0,
};

const struct crm_fieldtype crm_fieldtype_datetime = {
	"datetime", CRM_T_DATETIME, type_check_datetime, NULL, 0,
};
