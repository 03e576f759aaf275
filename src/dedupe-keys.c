/*
 * The comparison keys of a customer, and how two keys compare: the part of
 * dedupe that knows what a name, a reading or a phone number is. Keys are
 * made from the stored values, which import and cleanse already hold in
 * one notation; what is folded here is what a notation keeps apart but a
 * person is the same across: old and new kanji forms (髙橋/高橋), 々, kana
 * of either script and size, a Gmail address's dots.
 */
#include <stdlib.h>
#include <string.h>

#include "dedupe-private.h"
#include "fold.h"
#include "ftype-date.h"
#include "utf8.h"
#include "banned.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const lv_name[] = { "missing", "exact", "close", "similar", "different" };
static const char *const lv_three[] = { "missing", "exact", "close", "different" };
static const char *const lv_two[] = { "missing", "exact", "different" };
static const char *const lv_date[] = { "missing", "exact", "close", "within a year",
					"within ten years", "different" };

const struct dd_fieldinfo dd_fields[DF_NFIELDS] = {
	[DF_FAMILY] = { "family_name", 5, lv_name, 1, 1 },
	[DF_GIVEN] = { "given_name", 5, lv_name, 1, 1 },
	[DF_KANA] = { "kana", 4, lv_three, 1, 1 },
	[DF_BIRTH] = { "birthdate", 6, lv_date, 1, 1 },
	[DF_EMAIL] = { "email", 4, lv_three, 1, 1 },
	[DF_PHONE] = { "phone", 3, lv_two, 1, 0 },
	[DF_POSTAL] = { "postal_code", 4, lv_three, 1, 0 },
	[DF_CITY] = { "city", 4, lv_three, 1, 0 },
	[DF_ADDRESS] = { "address", 4, lv_three, 1, 0 },
	[DF_COMPANY] = { "company", 4, lv_three, 1, 0 },
	[DF_PREF] = { "prefecture", 3, lv_two, 0, 0 },
};

const struct dd_fieldinfo dd_extra_field = { "extra", 4, lv_three, 1, 1 };

/* --- Building keys ------------------------------------------------------- */

/*
 * Old and variant forms of kanji common in names, to the form in everyday
 * use (JIS X 0213 / 人名用漢字 pairs), sorted by the first code point.
 */
static const struct { int32_t from, to; } kanji_forms[] = {
	{ 0x4E9E, 0x4E9C }, { 0x4F86, 0x6765 }, { 0x5152, 0x5150 }, { 0x5169, 0x4E21 },
	{ 0x51A8, 0x5BCC }, { 0x51DC, 0x51DB }, { 0x570B, 0x56FD }, { 0x5713, 0x5186 },
	{ 0x57DC, 0x91CE }, { 0x589E, 0x5897 }, { 0x58FD, 0x5BFF }, { 0x5B78, 0x5B66 },
	{ 0x5BE6, 0x5B9F }, { 0x5C07, 0x5C06 }, { 0x5D5C, 0x5D0E }, { 0x5D8B, 0x5CF6 },
	{ 0x5D8C, 0x5CF6 }, { 0x5EE3, 0x5E83 }, { 0x5F4C, 0x5F25 }, { 0x5F65, 0x5F66 },
	{ 0x5FB7, 0x5FB3 }, { 0x60E0, 0x6075 }, { 0x60E1, 0x60AA }, { 0x663B, 0x6602 },
	{ 0x6649, 0x664B }, { 0x66FB, 0x6607 }, { 0x6703, 0x4F1A }, { 0x6801, 0x67F3 },
	{ 0x6852, 0x6851 }, { 0x689D, 0x6761 }, { 0x69AE, 0x6804 }, { 0x69C7, 0x69D9 },
	{ 0x6AFB, 0x685C }, { 0x6DFA, 0x6D45 }, { 0x6FA4, 0x6CA2 }, { 0x6FF1, 0x6D5C },
	{ 0x7027, 0x6EDD }, { 0x7028, 0x702C }, { 0x771E, 0x771F }, { 0x79AE, 0x793C },
	{ 0x7A57, 0x7A42 }, { 0x7DD6, 0x7DD2 }, { 0x8218, 0x9928 }, { 0x838A, 0x8358 },
	{ 0x842C, 0x4E07 }, { 0x85CF, 0x8535 }, { 0x8C50, 0x8C4A }, { 0x9059, 0x9065 },
	{ 0x9089, 0x8FBA }, { 0x908A, 0x8FBA }, { 0x90A8, 0x6751 }, { 0x9115, 0x90F7 },
	{ 0x95DC, 0x95A2 }, { 0x975C, 0x9759 }, { 0x9AD9, 0x9AD8 }, { 0x9AEE, 0x9AEA },
	{ 0x9ED1, 0x9ED2 }, { 0x9F4A, 0x6589 }, { 0x9F4B, 0x658E }, { 0x9F8D, 0x7ADC },
	{ 0xFA11, 0x5D0E }, { 0x20BB7, 0x5409 },
};

static int32_t kanji_form(int32_t cp)
{
	size_t lo = 0, hi = NELEMS(kanji_forms);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (kanji_forms[mid].from == cp)
			return kanji_forms[mid].to;
		if (kanji_forms[mid].from < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cp;
}

static int is_variation_selector(int32_t cp)
{
	return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

static int add_cp(struct crm_strbuf *sb, int32_t cp)
{
	char b[4];
	int n = crm_utf8_encode(cp, b);

	return n > 0 ? crm_strbuf_add(sb, b, (size_t)n) : 0;
}

/* Ends a key begun at start: NUL-terminated, or taken back when empty. */
static int end_key(struct crm_strbuf *sb, size_t start, uint32_t *key)
{
	if (sb->len == start) {
		*key = 0;
		return 0;
	}
	if (crm_strbuf_addch(sb, '\0'))
		return -1;
	*key = (uint32_t)start + 1;
	return 0;
}

enum key_kind { K_NAME, K_KANA, K_TEXT };

/*
 * A name, a reading or a place, folded: NFKC, ASCII lower case, spaces and
 * punctuation out (K_TEXT keeps one space between words), 々 as the
 * character it repeats, old kanji forms as the new; a reading also with
 * hiragana as katakana, small kana as large, ヂヅヴヲ as ジズブオ and ー out.
 */
static int fold_key(struct crm_strbuf *sb, const char *s, enum key_kind kind, uint32_t *key)
{
	size_t start = sb->len;
	int32_t cp, prev = 0;
	int len, space = 0, oom = 0;
	char *t;

	*key = 0;
	if (!s || !*s)
		return 0;
	if (!(t = crm_nfkc(s)))
		return 0;   /* not UTF-8 (or no memory): no key, nothing to compare */
	for (const char *p = t; *p && !oom; p += len) {
		len = crm_utf8_next(p, &cp);
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (cp < 0x80 && !((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))) {
			space = kind == K_TEXT && sb->len > start;
			continue;
		}
		if (cp == 0x3005 && prev) {   /* 々 */
			cp = prev;
		} else if (cp == 0x3000 || cp == 0x30FB || cp == 0x30FC || cp == 0xFF65 ||
			   is_variation_selector(cp) || (cp >= 0x2000 && cp <= 0x206F)) {
			/* ideographic space, ・, ー and general punctuation */
			space = kind == K_TEXT && sb->len > start;
			continue;
		}
		cp = kanji_form(cp);
		if (kind == K_KANA) {
			if (cp >= 0x3041 && cp <= 0x3096)
				cp += 0x60;   /* hiragana to katakana */
			switch (cp) {
			case 0x30A1: case 0x30A3: case 0x30A5: case 0x30A7: case 0x30A9:
			case 0x30E3: case 0x30E5: case 0x30E7: case 0x30EE:
				cp += 1; break;              /* ァィゥェォャュョヮ */
			case 0x30C3: cp = 0x30C4; break;     /* ッ */
			case 0x30F5: cp = 0x30AB; break;     /* ヵ */
			case 0x30F6: cp = 0x30B1; break;     /* ヶ */
			case 0x30C2: cp = 0x30B8; break;     /* ヂ */
			case 0x30C5: cp = 0x30BA; break;     /* ヅ */
			case 0x30F4: cp = 0x30D6; break;     /* ヴ */
			case 0x30F2: cp = 0x30AA; break;     /* ヲ */
			case 0x30F0: cp = 0x30A4; break;     /* ヰ */
			case 0x30F1: cp = 0x30A8; break;     /* ヱ */
			default: break;
			}
		}
		if (space && crm_strbuf_addch(sb, ' '))
			oom = 1;
		space = 0;
		oom |= add_cp(sb, cp) != 0;
		prev = cp;
	}
	free(t);
	if (oom)
		return -1;
	return end_key(sb, start, key);
}

/*
 * The family name's key and the given name's, and the two together; a
 * name not split goes whole, as the family name.
 */
static int name_keys(struct crm_strbuf *sb, const char *const v[], struct dd_rec *r)
{
	if ((v[DC_FAMILY] && *v[DC_FAMILY]) || (v[DC_GIVEN] && *v[DC_GIVEN])) {
		const char *f, *g;
		size_t start;

		if (fold_key(sb, v[DC_FAMILY], K_NAME, &r->key[DF_FAMILY]) ||
		    fold_key(sb, v[DC_GIVEN], K_NAME, &r->key[DF_GIVEN]))
			return -1;
		if (!r->key[DF_FAMILY] || !r->key[DF_GIVEN])
			return 0;
		start = sb->len;
		/* Offsets: the buffer may move as the key is added. */
		if (crm_strbuf_grow(sb, strlen(sb->buf + r->key[DF_FAMILY] - 1) +
				    strlen(sb->buf + r->key[DF_GIVEN] - 1) + 1))
			return -1;
		f = sb->buf + r->key[DF_FAMILY] - 1;
		g = sb->buf + r->key[DF_GIVEN] - 1;
		if (crm_strbuf_addstr(sb, f) || crm_strbuf_addstr(sb, g) || crm_strbuf_addch(sb, '\0'))
			return -1;
		r->key[DK_FULL] = (uint32_t)start + 1;
		return 0;
	}
	r->key[DF_GIVEN] = 0;
	r->whole = 1;
	return fold_key(sb, v[DC_NAME], K_NAME, &r->key[DF_FAMILY]);
}

/* The reading: its parts together, else the whole. */
static int kana_key(struct crm_strbuf *sb, const char *const v[], uint32_t *key)
{
	const char *f = v[DC_FAMILY_KANA], *g = v[DC_GIVEN_KANA];
	size_t start = sb->len;
	uint32_t k1, k2;

	if (!(f && *f) && !(g && *g))
		return fold_key(sb, v[DC_KANA], K_KANA, key);
	if (fold_key(sb, f, K_KANA, &k1))
		return -1;
	if (k1)
		crm_strbuf_setlen(sb, sb->len - 1);
	if (fold_key(sb, g, K_KANA, &k2))
		return -1;
	/* The family's key lost its NUL: the given name's follows it. */
	if (!k2 && sb->len > start && crm_strbuf_addch(sb, '\0'))
		return -1;
	*key = sb->len > start ? (uint32_t)start + 1 : 0;
	return 0;
}

/* Lower case; a Gmail address without the dots and +tag of its local part. */
static int email_key(struct crm_strbuf *sb, const char *s, uint32_t *key)
{
	size_t start = sb->len, at;
	const char *a;
	char *t;

	*key = 0;
	if (!s || !*s || !(t = crm_fold_trim(s)))
		return 0;
	for (char *p = t; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	a = strrchr(t, '@');
	at = a ? (size_t)(a - t) : 0;
	if (a && (!strcmp(a, "@gmail.com") || !strcmp(a, "@googlemail.com"))) {
		size_t i;
		int oom = 0;

		for (i = 0; i < at && t[i] != '+'; i++)
			if (t[i] != '.')
				oom |= crm_strbuf_addch(sb, t[i]);
		oom |= crm_strbuf_addstr(sb, "@gmail.com");
		free(t);
		return oom ? -1 : end_key(sb, start, key);
	}
	if (crm_strbuf_addstr(sb, t)) {
		free(t);
		return -1;
	}
	free(t);
	return end_key(sb, start, key);
}

/*
 * The digits of a phone number up to its note or extension; +81 as the 0
 * dialled at home. Fewer than 6 digits is no number.
 */
static int phone_key(struct crm_strbuf *sb, const char *s, uint32_t *key)
{
	size_t start = sb->len, n = 0;
	const char *p = s;
	int plus = 0;

	*key = 0;
	if (!s)
		return 0;
	while (*p == ' ')
		p++;
	if (*p == '+') {
		plus = 1;
		p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (crm_strbuf_addch(sb, *p))
				return -1;
			n++;
		} else if (!strchr(" -().", *p)) {
			break;
		}
	}
	if (n < 6) {
		crm_strbuf_setlen(sb, start);
		return 0;
	}
	if (plus && n > 2 && !memcmp(sb->buf + start, "81", 2)) {
		sb->buf[start + 1] = '0';
		memmove(sb->buf + start, sb->buf + start + 1, n - 1);
		crm_strbuf_setlen(sb, sb->len - 1);
	} else if (plus) {
		/* Another country's: kept apart from a national number by its +. */
		if (crm_strbuf_addch(sb, '\0'))
			return -1;
		memmove(sb->buf + start + 1, sb->buf + start, n);
		sb->buf[start] = '+';
	}
	return end_key(sb, start, key);
}

/* Letters (upper case) and digits only: 100-0001, SW1A 1AA. */
static int postal_key(struct crm_strbuf *sb, const char *s, uint32_t *key)
{
	size_t start = sb->len;
	char *t;

	*key = 0;
	if (!s || !*s || !(t = crm_nfkc(s)))
		return 0;
	for (const char *p = t; *p; p++) {
		char c = *p;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) && crm_strbuf_addch(sb, c)) {
			free(t);
			return -1;
		}
	}
	free(t);
	return end_key(sb, start, key);
}

/* YYYY-MM-DD as its 8 digits; anything else is no date. */
static int birth_key(struct crm_strbuf *sb, const char *s, uint32_t *key)
{
	size_t start = sb->len;
	int i;

	*key = 0;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	if (crm_strbuf_add(sb, s, 4) || crm_strbuf_add(sb, s + 5, 2) ||
	    crm_strbuf_add(sb, s + 8, 2))
		return -1;
	return end_key(sb, start, key);
}

/* Legal forms, which say nothing of which company it is. */
static const char *const legal_forms[] = {
	"株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人",
	"一般財団法人", "公益社団法人", "公益財団法人", "特定非営利活動法人", "医療法人",
	"学校法人", "社会福祉法人", "(株)", "(有)", "(同)", "(社)", "(財)",
};
static const char *const legal_words[] = {
	"inc", "co", "ltd", "llc", "corp", "corporation", "company", "limited", "gmbh",
	"kk", "plc", "the",
};

/* The n ASCII letters at p are word (lower case), in any case. */
static int same_word(const char *p, const char *word, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] | 0x20) != word[i])
			return 0;
	return 1;
}

/* A company without its legal form: 株式会社ABC, (株)ＡＢＣ and ABC Co., Ltd. alike. */
static int company_key(struct crm_strbuf *sb, const char *s, uint32_t *key)
{
	struct crm_strbuf w = CRM_STRBUF_INIT;
	size_t i;
	char *t;
	int rc;

	*key = 0;
	if (!s || !*s || !(t = crm_nfkc(s)))
		return 0;
	for (i = 0; i < NELEMS(legal_forms); i++) {
		char *at;
		size_t n = strlen(legal_forms[i]);

		while ((at = strstr(t, legal_forms[i])))
			memmove(at, at + n, strlen(at + n) + 1);
	}
	/* Word by word (ASCII letters and digits), legal words out. */
	for (const char *p = t; *p;) {
		size_t n = 0;

		while (p[n] && ((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z'))
			n++;
		if (n) {
			int legal = 0;

			for (i = 0; i < NELEMS(legal_words); i++)
				legal |= strlen(legal_words[i]) == n && same_word(p, legal_words[i], n);
			for (i = 0; !legal && i < n; i++)
				if (crm_strbuf_addch(&w, (char)(p[i] | 0x20))) {
					free(t);
					crm_strbuf_release(&w);
					return -1;
				}
			p += n;
			continue;
		}
		if (crm_strbuf_addch(&w, *p)) {
			free(t);
			crm_strbuf_release(&w);
			return -1;
		}
		p++;
	}
	free(t);
	rc = w.len ? fold_key(sb, w.buf, K_NAME, key) : 0;
	crm_strbuf_release(&w);
	return rc;
}

/*
 * The postal code and the address, 0x1f between, as r's home key. Grown
 * first: the two keys are in the arena that the copy may move.
 */
static int home_key(struct crm_strbuf *arena, struct dd_rec *r)
{
	size_t start = arena->len, p = r->key[DF_POSTAL] - 1, a = r->key[DF_ADDRESS] - 1;
	size_t np = strlen(arena->buf + p), na = strlen(arena->buf + a);

	/* Room for all first: then the adds below do not move the buffer. */
	if (crm_strbuf_grow(arena, np + na + 2) || crm_strbuf_add(arena, arena->buf + p, np) ||
	    crm_strbuf_addch(arena, 0x1f) || crm_strbuf_add(arena, arena->buf + a, na))
		return -1;
	return end_key(arena, start, &r->key[DK_HOME]);
}

/* The email key's local part (before the @) as r's local key. */
static int local_key(struct crm_strbuf *arena, struct dd_rec *r)
{
	size_t start = arena->len, e = r->key[DF_EMAIL] - 1;
	size_t n = strcspn(arena->buf + e, "@");

	/* Room first: the copy is of the arena into itself (as home_key()). */
	if (crm_strbuf_grow(arena, n + 1) || crm_strbuf_add(arena, arena->buf + e, n))
		return -1;
	return end_key(arena, start, &r->key[DK_LOCAL]);
}

int dd_keys(struct crm_strbuf *arena, const char *const v[DC_NCOLUMNS], struct dd_rec *r)
{
	memset(r->key, 0, sizeof(r->key));
	r->whole = 0;
	if (name_keys(arena, v, r) || kana_key(arena, v, &r->key[DF_KANA]) ||
	    birth_key(arena, v[DC_BIRTH], &r->key[DF_BIRTH]) ||
	    email_key(arena, v[DC_EMAIL], &r->key[DF_EMAIL]) ||
	    phone_key(arena, v[DC_PHONE], &r->key[DF_PHONE]) ||
	    phone_key(arena, v[DC_MOBILE], &r->key[DK_MOBILE]) ||
	    postal_key(arena, v[DC_POSTAL], &r->key[DF_POSTAL]) ||
	    fold_key(arena, v[DC_CITY], K_TEXT, &r->key[DF_CITY]) ||
	    fold_key(arena, v[DC_ADDRESS], K_TEXT, &r->key[DF_ADDRESS]) ||
	    company_key(arena, v[DC_COMPANY], &r->key[DF_COMPANY]) ||
	    fold_key(arena, v[DC_PREF], K_TEXT, &r->key[DF_PREF]))
		return -1;
	for (int e = 0; e < DD_MAX_EXTRA; e++)
		if (fold_key(arena, v[DC_EXTRA + e], K_NAME, &r->key[DF_NFIELDS + e]))
			return -1;
	if (r->key[DF_POSTAL] && r->key[DF_ADDRESS] && home_key(arena, r))
		return -1;
	if (r->key[DF_EMAIL] && local_key(arena, r))
		return -1;
	/* A mobile alone is the phone. */
	if (!r->key[DF_PHONE] && r->key[DK_MOBILE]) {
		r->key[DF_PHONE] = r->key[DK_MOBILE];
		r->key[DK_MOBILE] = 0;
	}
	return 0;
}

/* --- Comparing keys ----------------------------------------------------- */

#define JW_MAX 64

static size_t code_points(const char *s, int32_t *cp, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		if ((unsigned char)*s < 0x80)
			cp[n++] = (unsigned char)*s++;
		else
			s += crm_utf8_next(s, &cp[n++]);
	}
	return n;
}

/*
 * The most Jaro-Winkler can be for x and y: matches are at most the
 * characters they share (counted by buckets of code points, which can
 * only count more), and the common prefix is known. Random pairs (for u)
 * share few, and need no alignment.
 */
static double jw_bound(const int32_t *x, size_t n, const int32_t *y, size_t m)
{
	unsigned char hx[64] = { 0 }, hy[64] = { 0 };
	size_t i, c = 0, prefix = 0;
	double jaro;

	for (i = 0; i < n; i++)
		hx[x[i] & 63]++;
	for (i = 0; i < m; i++)
		hy[y[i] & 63]++;
	for (i = 0; i < 64; i++)
		c += hx[i] < hy[i] ? hx[i] : hy[i];
	if (!c)
		return 0.0;
	while (prefix < 4 && prefix < n && prefix < m && x[prefix] == y[prefix])
		prefix++;
	jaro = ((double)c / n + (double)c / m + 1.0) / 3.0;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

double dd_jaro_winkler(const char *a, const char *b)
{
	return dd_jaro_winkler_min(a, b, 0.0);
}

double dd_jaro_winkler_min(const char *a, const char *b, double floor)
{
	int32_t x[JW_MAX], y[JW_MAX];
	unsigned char mx[JW_MAX] = { 0 }, my[JW_MAX] = { 0 };
	size_t n = code_points(a, x, JW_MAX), m = code_points(b, y, JW_MAX);
	size_t window, i, j, matches = 0, trans = 0, k, prefix = 0;
	double jaro;

	if (!n || !m)
		return 0.0;
	if (floor > 0 && jw_bound(x, n, y, m) < floor)
		return 0.0;
	window = (n > m ? n : m) / 2;
	window = window ? window - 1 : 0;
	for (i = 0; i < n; i++) {
		size_t lo = i > window ? i - window : 0, hi = i + window + 1 < m ? i + window + 1 : m;

		for (j = lo; j < hi; j++)
			if (!my[j] && x[i] == y[j]) {
				mx[i] = my[j] = 1;
				matches++;
				break;
			}
	}
	if (!matches)
		return 0.0;
	for (i = 0, k = 0; i < n; i++) {
		if (!mx[i])
			continue;
		while (!my[k])
			k++;
		trans += x[i] != y[k];
		k++;
	}
	jaro = ((double)matches / n + (double)matches / m +
		(matches - trans / 2.0) / matches) / 3.0;
	while (prefix < 4 && prefix < n && prefix < m && x[prefix] == y[prefix])
		prefix++;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

/* At most one slip between a and b: a character changed, or two swapped. */
static int one_slip(const char *a, const char *b)
{
	size_t n = strlen(a), i, diff = 0, first = 0;

	if (n != strlen(b))
		return 0;
	for (i = 0; i < n; i++)
		if (a[i] != b[i] && !diff++)
			first = i;
	if (diff <= 1)
		return 1;
	return diff == 2 && first + 1 < n && a[first] == b[first + 1] &&
	       a[first + 1] == b[first] && !strcmp(a + first + 2, b + first + 2);
}

int dd_one_edit(const char *a, const char *b)
{
	/* in letters (code points): gonzalez, gonzález; a swap is two edits there */
	return crm_utf8_distance(a, b, 1) <= 1 || one_slip(a, b);
}

int dd_typo(const struct crm_strbuf *ar, const struct dd_rec *a, const struct dd_rec *b, int k)
{
	const char *x = dd_key(ar, a, k), *y = dd_key(ar, b, k);
	size_t n, i;

	if (!x || !y || strcmp(x, y) == 0 || !one_slip(x, y) || (n = strlen(x)) < 5)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)x[i] >= 0x80 || (unsigned char)y[i] >= 0x80)
			return 0;
	/* one_slip: equal lengths; i - 1 the last difference (of a swap, its second letter) */
	for (i = n; x[i - 1] == y[i - 1]; i--)
		;
	return i + 1 < n;
}

/* YYYYMMDD: one slip, or the month and the day swapped. */
static int close_dates(const char *a, const char *b)
{
	return one_slip(a, b) || (!memcmp(a, b, 4) && !memcmp(a + 4, b + 6, 2) &&
				  !memcmp(a + 6, b + 4, 2));
}

/* The day of a birthdate key (YYYYMMDD, digits: birth_key()). */
static int32_t day_of(const char *s)
{
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');

	return crm_days_from_civil(y, (s[4] - '0') * 10 + (s[5] - '0'),
				   (s[6] - '0') * 10 + (s[7] - '0'));
}

/*
 * Dates years or less apart. A year: a year or a month typed wrong, an era
 * year converted by hand. Ten: a year of birth guessed from an age, or
 * typed wrong in its tens (1985 for 1995); two people a generation apart
 * are further, and how far says more than "different" alone (Splink's
 * date levels are these). The model learns what each level weighs.
 */
static int within_years(const char *a, const char *b, int years)
{
	/* The days of so many years at most: 366 for one, 3,653 for ten. */
	return abs(day_of(a) - day_of(b)) <= 365 * years + (years + 3) / 4;
}

/*
 * Whether y is x turned round at a character: its end, then its start
 * (クドウシユンスケ, シユンスケクドウ).
 */
static int rotated(const char *x, const char *y)
{
	size_t n = strlen(x), k;

	if (n != strlen(y))
		return 0;
	for (k = 1; k < n; k++)
		if (((unsigned char)x[k] & 0xc0) != 0x80 && !memcmp(x + k, y, n - k) &&
		    !memcmp(x, y + n - k, k))
			return 1;
	return 0;
}

/* Whether the email key k is a Gmail address (its dots dropped). */
static int is_gmail(const char *k)
{
	const char *at = strrchr(k, '@');

	return at && !strcmp(at, "@gmail.com");
}

/* Whether a and b are the same but for dots. */
static int same_undotted(const char *a, const char *b)
{
	for (;; a++, b++) {
		while (*a == '.')
			a++;
		while (*b == '.')
			b++;
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
	}
}

/*
 * The same local part at another domain. A Gmail key has lost its dots
 * (shunsukekudo61@gmail.com, email_key()): against it, the other's are
 * dropped too (shunsuke.kudo61@icloud.com).
 */
int dd_same_local(const struct crm_strbuf *ar, const struct dd_rec *a, const struct dd_rec *b)
{
	const char *x, *y;

	if (!a->key[DK_LOCAL] || !b->key[DK_LOCAL])
		return 0;
	x = dd_key(ar, a, DK_LOCAL);
	y = dd_key(ar, b, DK_LOCAL);
	if (!strcmp(x, y))
		return 1;
	return (is_gmail(dd_key(ar, a, DF_EMAIL)) || is_gmail(dd_key(ar, b, DF_EMAIL))) &&
	       same_undotted(x, y);
}

static int name_level(const char *a, const char *b)
{
	double jw;

	if (!strcmp(a, b))
		return 1;
	jw = dd_jaro_winkler_min(a, b, 0.80);
	return jw >= 0.92 ? 2 : jw >= 0.80 ? 3 : 4;
}

/* Whether names x and y are the same or close (name_level() 1 or 2). */
static int name_near(const char *x, const char *y)
{
	return !strcmp(x, y) || dd_jaro_winkler_min(x, y, 0.92) >= 0.92;
}

int dd_swapped(const struct crm_strbuf *ar, const struct dd_rec *a, const struct dd_rec *b)
{
	const char *af = dd_key(ar, a, DF_FAMILY), *ag = dd_key(ar, a, DF_GIVEN);
	const char *bf = dd_key(ar, b, DF_FAMILY), *bg = dd_key(ar, b, DF_GIVEN);

	if (!af || !ag || !bf || !bg || !strcmp(af, bf))
		return 0;
	if (!strcmp(af, bg) && !strcmp(ag, bf))
		return 1;
	return name_near(af, bg) && name_near(ag, bf) ? 2 : 0;
}

static int phone_level(const struct crm_strbuf *ar, const struct dd_rec *a, const struct dd_rec *b)
{
	const char *x[2] = { dd_key(ar, a, DF_PHONE), dd_key(ar, a, DK_MOBILE) };
	const char *y[2] = { dd_key(ar, b, DF_PHONE), dd_key(ar, b, DK_MOBILE) };
	int i, j;

	if (!x[0] || !y[0])
		return 0;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (x[i] && y[j] && !strcmp(x[i], y[j]))
				return 1;
	return 2;
}

int dd_level(const struct crm_strbuf *ar, const struct dd_rec *a, const struct dd_rec *b, int f)
{
	const char *x, *y;

	if (f == DF_PHONE)
		return phone_level(ar, a, b);
	x = dd_key(ar, a, f);
	y = dd_key(ar, b, f);
	if (!x || !y)
		return 0;
	switch (f) {
	case DF_FAMILY:
		/* A whole name against one split: the whole against family and given together. */
		if (a->whole && b->key[DK_FULL])
			return name_level(x, dd_key(ar, b, DK_FULL));
		if (b->whole && a->key[DK_FULL])
			return name_level(dd_key(ar, a, DK_FULL), y);
		/* fall through */
	case DF_GIVEN: {
		int l = name_level(x, y);

		return l > 2 && dd_swapped(ar, a, b) ? 2 : l;
	}
	case DF_BIRTH:
		return !strcmp(x, y) ? 1 : close_dates(x, y) ? 2 : within_years(x, y, 1) ? 3
			: within_years(x, y, 10) ? 4 : 5;
	case DF_POSTAL:
		return !strcmp(x, y) ? 1 : one_slip(x, y) ? 2 : 3;
	case DF_EMAIL:
		return !strcmp(x, y) ? 1 : dd_same_local(ar, a, b) ||
					       dd_jaro_winkler_min(x, y, 0.9) >= 0.9 ? 2 : 3;
	case DF_PREF:
		return !strcmp(x, y) ? 1 : 2;
	case DF_COMPANY:
		return !strcmp(x, y) ? 1 : dd_jaro_winkler_min(x, y, 0.92) >= 0.92 ? 2 : 3;
	case DF_KANA:
		/* The reading of names written the other way round, the other way round too. */
		if (strcmp(x, y) && rotated(x, y) && dd_swapped(ar, a, b))
			return 2;
		/* fall through */
	case DF_CITY:
	case DF_ADDRESS:
		return !strcmp(x, y) ? 1 : dd_jaro_winkler_min(x, y, 0.9) >= 0.9 ? 2 : 3;
	default:   /* an identifier of extra */
		return !strcmp(x, y) ? 1 : one_slip(x, y) ? 2 : 3;
	}
}
