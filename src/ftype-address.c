/*
 * The address type, and the prefectures it knows. Import stores an
 * address as written; cleanse splits the prefecture and the city off the
 * front and writes block numbers 1-2-3 (crm_normalize_address).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "ftype-address.h"
#include "ftypeint.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

/* --- Characters --------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The number of bytes of the first n characters of s, or 0 when s is shorter. */
static size_t prefix_bytes(const char *s, int n)
{
	const char *p = s;
	int32_t cp;

	while (n-- > 0) {
		if (!*p)
			return 0;
		p += crm_utf8_next(p, &cp);
	}
	return (size_t)(p - s);
}

/* --- Prefecture and city ---------------------------------------------- */

const char *crm_prefecture_name(const char *s, size_t len)
{
#define P(name) { name, sizeof(name) - 1 }
	static const struct { const char *name; size_t len; } prefectures[] = {
		P("北海道"), P("青森県"), P("岩手県"), P("宮城県"), P("秋田県"), P("山形県"), P("福島県"), P("茨城県"),
		P("栃木県"), P("群馬県"), P("埼玉県"), P("千葉県"), P("東京都"), P("神奈川県"), P("新潟県"), P("富山県"),
		P("石川県"), P("福井県"), P("山梨県"), P("長野県"), P("岐阜県"), P("静岡県"), P("愛知県"), P("三重県"),
		P("滋賀県"), P("京都府"), P("大阪府"), P("兵庫県"), P("奈良県"), P("和歌山県"), P("鳥取県"), P("島根県"),
		P("岡山県"), P("広島県"), P("山口県"), P("徳島県"), P("香川県"), P("愛媛県"), P("高知県"), P("福岡県"),
		P("佐賀県"), P("長崎県"), P("熊本県"), P("大分県"), P("宮崎県"), P("鹿児島県"), P("沖縄県"),
	};
#undef P
	size_t i;

	if (!s || len < 6)
		return NULL;
	for (i = 0; i < NELEMS(prefectures); i++) {
		size_t plen = prefectures[i].len;

		/*
		 * Also without 都/府/県 (3 bytes in UTF-8); 北海道 has no suffix to
		 * drop. The first character's last bytes first: every address
		 * asks up to three times.
		 */
		if ((len == plen || (i > 0 && len == plen - 3)) &&
		    s[1] == prefectures[i].name[1] && s[2] == prefectures[i].name[2] &&
		    !memcmp(s, prefectures[i].name, len))
			return prefectures[i].name;
	}
	return NULL;
}

int crm_is_prefecture(const char *s)
{
	return s && crm_prefecture_name(s, strlen(s)) != NULL;
}

/*
 * The prefecture at the start of t: its length in t (0 when none), and its
 * full name in *full. *bare is set when it is written without 都/府/県.
 * The longest name wins: 東京都 before 東京.
 */
static size_t prefecture_at(const char *t, const char **full, int *bare)
{
	size_t len;
	int chars;

	for (chars = 4; chars >= 2; chars--) {
		len = prefix_bytes(t, chars);
		if (len && (*full = crm_prefecture_name(t, len))) {
			*bare = strlen(*full) != len;
			return len;
		}
	}
	return 0;
}

static const char *const tokyo_wards[] = {
	"千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区",
	"品川区", "目黒区", "大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区",
	"北区", "荒川区", "板橋区", "練馬区", "足立区", "葛飾区", "江戸川区",
};

/* Letters of a place name: kanji, kana, ヶ, 々. */
static int is_place_cp(int32_t cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);

	return cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_LM;
}

/*
 * The length of a name ending in mark (市, 区, 郡, 町, 村) at the start of t:
 * at least min_chars place letters before it and at most max_chars.
 */
static size_t place_ending(const char *t, const char *mark, int min_chars, int max_chars)
{
	size_t mlen = strlen(mark);
	const char *p = t;
	int32_t cp;
	int i;

	for (i = 0; i <= max_chars && *p; i++) {
		if (i >= min_chars && starts_with(p, mark))
			return (size_t)(p - t) + mlen;
		p += crm_utf8_next(p, &cp);
		if (!is_place_cp(cp))
			return 0;
	}
	return 0;
}

/* …市 (四日市市, 廿日市市 included) and the ward of a designated city after it. */
static size_t shi_at(const char *t, int min_chars)
{
	size_t n = place_ending(t, "市", min_chars, 6);

	if (!n)
		return 0;
	if (starts_with(t + n, "市"))
		n += strlen("市");
	return n + place_ending(t + n, "区", 1, 4);
}

/* …郡…町 or …郡…村. */
static size_t gun_at(const char *t);

/*
 * …市, or a district whose name ends in 市 (余市郡余市町, 高市郡明日香村):
 * 余市 followed by 郡 is no city.
 */
static size_t shi_or_gun_at(const char *t, int min_chars)
{
	size_t n = shi_at(t, min_chars);

	return n && starts_with(t + n, "郡") ? gun_at(t) : n;
}

static size_t gun_at(const char *t)
{
	size_t g = place_ending(t, "郡", 1, 5), n;

	if (!g)
		return 0;
	if ((n = place_ending(t + g, "町", 1, 5)) || (n = place_ending(t + g, "村", 1, 5)))
		return g + n;
	return 0;
}

/* Cities of one letter before 市, taken without a prefecture too: 津市, 柏市, 呉市, 堺市. */
static size_t one_letter_city_at(const char *t)
{
	static const char *const cities[] = { "津市", "柏市", "呉市", "堺市" };
	size_t i;

	for (i = 0; i < NELEMS(cities); i++)
		if (starts_with(t, cities[i]))
			return strlen(cities[i]) + place_ending(t + strlen(cities[i]), "区", 1, 4);
	return 0;
}

/*
 * The city at the start of t, after prefecture pref (NULL when there is
 * none): a Tokyo ward, …市, or …郡…町/村. Without a prefecture a city's
 * name must have two letters before 市, so that what remains of an
 * address (新市街) is not taken for a city.
 */
static size_t city_at(const char *t, const char *pref)
{
	size_t i, n;

	if (!pref || !strcmp(pref, "東京都"))
		for (i = 0; i < NELEMS(tokyo_wards); i++)
			if (starts_with(t, tokyo_wards[i]))
				return strlen(tokyo_wards[i]);
	if ((n = shi_or_gun_at(t, pref ? 1 : 2)))
		return n;
	if (!pref && (n = one_letter_city_at(t)))
		return n;
	return gun_at(t);
}

/*
 * The designated cities (政令指定都市), whose names no other city has: one
 * written without its prefecture (名古屋市中区...) says which it is, as
 * 大阪市 and 京都市 always did.
 */
static const struct { const char *city, *prefecture; } designated_cities[] = {
	{ "札幌市", "北海道" }, { "仙台市", "宮城県" }, { "さいたま市", "埼玉県" },
	{ "千葉市", "千葉県" }, { "横浜市", "神奈川県" }, { "川崎市", "神奈川県" },
	{ "相模原市", "神奈川県" }, { "新潟市", "新潟県" }, { "静岡市", "静岡県" },
	{ "浜松市", "静岡県" }, { "名古屋市", "愛知県" }, { "京都市", "京都府" },
	{ "大阪市", "大阪府" }, { "堺市", "大阪府" }, { "神戸市", "兵庫県" },
	{ "岡山市", "岡山県" }, { "広島市", "広島県" }, { "北九州市", "福岡県" },
	{ "福岡市", "福岡県" }, { "熊本市", "熊本県" },
};

/* The prefecture of the designated city t starts with, or NULL. */
static const char *designated_city_prefecture(const char *t)
{
	size_t i;

	for (i = 0; i < NELEMS(designated_cities); i++)
		if (starts_with(t, designated_cities[i].city))
			return designated_cities[i].prefecture;
	return NULL;
}

static const char *skip_space(const char *p)
{
	return *p == ' ' ? p + 1 : p;
}

/*
 * Splits the prefecture and the city off the front of t into out; returns
 * where the rest starts. A bare name (大阪) counts only when a city follows
 * (大阪堺市) or when it is the city too (京都市 is 京都府京都市).
 */
static const char *split_place(const char *t, struct crm_norm *out, int *failed)
{
	const char *full = NULL, *rest = t, *p;
	int bare = 0;
	size_t n = prefecture_at(t, &full, &bare), c;

	/*
	 * A bare name that begins a longer one is not the prefecture: 岩手郡
	 * and 愛知郡 are districts, 大阪狭山市 a city (大阪府's, which the
	 * name does not say: that is known here).
	 */
	if (n && bare && starts_with(t + n, "郡"))
		n = 0;
	if (n && bare && starts_with(t, "大阪狭山市")) {
		out->prefecture = crm_ft_dup("大阪府", strlen("大阪府"));
		out->city = crm_ft_dup("大阪狭山市", strlen("大阪狭山市"));
		*failed |= !out->prefecture || !out->city;
		return skip_space(t + strlen("大阪狭山市"));
	}
	if (n) {
		p = skip_space(t + n);
		if (bare && starts_with(t + n, "市"))
			c = n + strlen("市") + place_ending(t + n + strlen("市"), "区", 1, 4);
		else
			c = 0;
		if (!bare || c || city_at(p, full)) {
			out->prefecture = crm_ft_dup(full, strlen(full));
			*failed |= !out->prefecture;
			rest = c ? t : p;
		}
		if (c) {
			out->city = crm_ft_dup(t, c);
			*failed |= !out->city;
			return skip_space(t + c);
		}
	}
	/*
	 * The same prefecture written again (東京都東京都千代田区) is split off
	 * again by the next cleanse: here, at once, so that one cleanse is
	 * all (a new-user trial found such addresses changed twice).
	 */
	while (out->prefecture && starts_with(rest, out->prefecture))
		rest = skip_space(rest + strlen(out->prefecture));
	c = city_at(rest, out->prefecture);
	if (c) {
		const char *pref = out->prefecture ? NULL : designated_city_prefecture(rest);

		out->city = crm_ft_dup(rest, c);
		*failed |= !out->city;
		if (pref) {
			out->prefecture = crm_ft_dup(pref, strlen(pref));
			*failed |= !out->prefecture;
		}
		rest = skip_space(rest + c);
		/* And the same city again (千代田区千代田区丸の内). */
		while (out->city && starts_with(rest, out->city))
			rest = skip_space(rest + strlen(out->city));
	}
	return rest;
}

/* --- Block numbers ------------------------------------------------------ */

enum unit { U_NONE, U_CHOME, U_BANCHI, U_BAN, U_GO, U_HYPHEN };

static const struct {
	int32_t cp;
	int value;      /* 10, 100, 1000: a multiplier */
} kanji_numerals[] = {
	{ 0x3007, 0 }, { 0x4e00, 1 }, { 0x4e8c, 2 }, { 0x4e09, 3 }, { 0x56db, 4 },
	{ 0x4e94, 5 }, { 0x516d, 6 }, { 0x4e03, 7 }, { 0x516b, 8 }, { 0x4e5d, 9 },
	{ 0x5341, 10 }, { 0x767e, 100 }, { 0x5343, 1000 },
};

static int kanji_value(int32_t cp)
{
	size_t i;

	for (i = 0; i < NELEMS(kanji_numerals); i++)
		if (kanji_numerals[i].cp == cp)
			return kanji_numerals[i].value;
	return -1;
}

#define KANJI_RUN_MAX 6

/*
 * A kanji numeral at p (三, 十二, 二十三, 百五, 一二 read digit by digit):
 * its length in bytes (0 when there is none) and value.
 */
static size_t kanji_number(const char *p, long *value)
{
	long total = 0, digit = -1, positional = 0;
	int multiplied = 0, n, v, count = 0;
	const char *q = p;
	int32_t cp;

	while (count < KANJI_RUN_MAX && (n = crm_utf8_next(q, &cp)) && (v = kanji_value(cp)) >= 0) {
		if (v >= 10) {
			total += (digit < 0 ? 1 : digit) * v;
			digit = -1;
			multiplied = 1;
		} else {
			digit = v;
			positional = positional * 10 + v;
		}
		q += n;
		count++;
	}
	*value = multiplied ? total + (digit < 0 ? 0 : digit) : positional;
	return (size_t)(q - p);
}

/* The block unit at p and its length; 番町, 番丁, 号室, 号館, 号棟 are not units. */
static enum unit unit_at(const char *p, size_t *len)
{
	static const struct {
		const char *text;
		enum unit unit;
		const char *not_before[3];
	} units[] = {
		{ "丁目", U_CHOME, { NULL } },
		{ "番地の", U_BANCHI, { NULL } },
		{ "番地", U_BANCHI, { NULL } },
		{ "番", U_BAN, { "町", "丁", NULL } },
		{ "号", U_GO, { "室", "館", "棟" } },
		{ "-", U_HYPHEN, { NULL } },
	};
	size_t i, j;

	for (i = 0; i < NELEMS(units); i++) {
		if (!starts_with(p, units[i].text))
			continue;
		*len = strlen(units[i].text);
		for (j = 0; j < 3 && units[i].not_before[j]; j++)
			if (starts_with(p + *len, units[i].not_before[j]))
				return U_NONE;
		return units[i].unit;
	}
	return U_NONE;
}

#define CHAIN_MAX 4
#define NUM_MAX 12

struct block {
	char num[NUM_MAX];   /* the number in ASCII digits */
	int kanji;           /* written in kanji numerals */
	int with_no;         /* its unit is 番地の: a number follows, kanji too */
	enum unit unit;      /* what follows it */
	size_t unit_off;     /* offset of the unit from the block's start */
	size_t end;          /* offset just after its unit */
};

/*
 * One number and its unit at p; 0 when there is no number there. After
 * 番地の a number in kanji needs no unit: 百二十三番地の四 is 123-4.
 */
static int block_at(const char *p, int after_hyphen, int after_no, struct block *b)
{
	size_t n = 0, ulen = 0;
	long v;

	while (p[n] >= '0' && p[n] <= '9' && n < NUM_MAX - 1)
		n++;
	b->kanji = !n && !after_hyphen;
	if (b->kanji) {
		n = kanji_number(p, &v);
		if (!n || v < 0 || v > 99999)
			return 0;
		snprintf(b->num, sizeof(b->num), "%d", (int)v);
	} else if (n) {
		memcpy(b->num, p, n);
		b->num[n] = '\0';
	} else {
		return 0;
	}
	b->unit = unit_at(p + n, &ulen);
	if (b->unit == U_NONE)
		ulen = 0;
	b->with_no = b->unit == U_BANCHI && ulen == strlen("番地の");
	if (b->kanji && b->unit == U_NONE && !after_no)
		return 0;
	b->unit_off = n;
	b->end = n + ulen;
	return 1;
}

/* May a block with unit `next` follow one with unit `prev`? (丁目, 番, 号 in order) */
static int may_follow(enum unit prev, enum unit next)
{
	switch (prev) {
	case U_CHOME:
		return next != U_CHOME;
	case U_BANCHI:
		return next == U_GO || next == U_HYPHEN || next == U_NONE;
	case U_BAN:
		return next == U_GO || next == U_NONE;
	case U_HYPHEN:
		return next != U_CHOME;
	default:
		return 0;
	}
}

/*
 * The chain of blocks at p (三丁目14番17号, 1丁目2-3, 5番地の3): how many,
 * or 0 when the order of the units shows that p is not a block number
 * (麻布十番1-2-3: 十番 is the town's name).
 */
static int chain_at(const char *p, struct block chain[CHAIN_MAX])
{
	size_t at = 0;
	int n = 0;

	while (n < CHAIN_MAX && block_at(p + at, n && chain[n - 1].unit == U_HYPHEN,
					 n && chain[n - 1].with_no, &chain[n])) {
		if (n && !may_follow(chain[n - 1].unit, chain[n].unit))
			return 0;
		at += chain[n].end;
		chain[n].end = at;
		n++;
		if (chain[n - 1].unit == U_NONE || chain[n - 1].unit == U_GO)
			break;
	}
	/* A chain cannot end on the hyphen that joins it to the next number. */
	if (n && chain[n - 1].unit == U_HYPHEN)
		return 0;
	/*
	 * Nor on 番地の with no number after it (十二丁目三番地の先): that
	 * block is not the chain's, or writing the chain would drop its の
	 * (a new-user trial found 十二丁目百二十三番地の四 written 12-123四).
	 */
	if (n > 1 && chain[n - 1].with_no)
		n--;
	/*
	 * Nor be cut short by CHAIN_MAX before its end: 7-15-23-8番5号 would
	 * lose the 番 that keeps 8 and 5 apart, and read 7-15-23-85. Longer
	 * than an address's block numbers, it is left as written.
	 */
	if (n == CHAIN_MAX && chain[n - 1].unit != U_NONE && chain[n - 1].unit != U_GO)
		return 0;
	return n;
}

/*
 * Writes the chain of n blocks: numbers joined by '-' when there are
 * several; a lone 丁目 or 番地 keeps its unit (3丁目); a lone kanji 番 or 号
 * is not written here (its caller copies it as it was).
 */
static int put_chain(struct crm_strbuf *sb, const char *p, const struct block *c, int n)
{
	int i, failed = 0;

	if (n == 1) {
		failed |= crm_strbuf_addstr(sb, c[0].num);
		return failed | crm_strbuf_add(sb, p + c[0].unit_off,
					       c[0].end - c[0].unit_off);
	}
	for (i = 0; i < n; i++) {
		if (i)
			failed |= crm_strbuf_addch(sb, '-');
		failed |= crm_strbuf_addstr(sb, c[i].num);
	}
	return failed;
}

/* Copies t into sb with its block numbers written 1-2-3. */
static int put_blocks(struct crm_strbuf *sb, const char *t)
{
	struct block chain[CHAIN_MAX];
	const char *p = t;
	int32_t cp, prev = 0;
	int n, len;

	while (*p) {
		n = is_digit_cp(prev) ? 0 : chain_at(p, chain);
		if (n == 1 && chain[0].kanji && chain[0].unit != U_CHOME &&
		    chain[0].unit != U_BANCHI)
			n = 0;
		if (n) {
			if (put_chain(sb, p, chain, n))
				return -1;
			p += chain[n - 1].end;
			prev = 0;
			continue;
		}
		len = crm_utf8_next(p, &cp);
		if (crm_strbuf_add(sb, p, (size_t)len))
			return -1;
		prev = cp;
		p += len;
	}
	return 0;
}

/*
 * Writes t's block numbers 1-2-3 until writing them again changes nothing:
 * each pass that changes anything turns a kanji numeral into digits or a
 * unit into a hyphen, so at most as many passes as t has bytes, and few
 * addresses take more than one.
 * One pass is not idempotent: in 1番地の121番地の1 the two 番地の cannot
 * chain, so only the second is written (1番地の121-1), and that output
 * chains whole (1-121-1); 817丁目14番号 gives 817-14号, then 817-14 (#12).
 */
static int put_blocks_fixed(struct crm_strbuf *sb, const char *t)
{
	struct crm_strbuf next = CRM_STRBUF_INIT;
	size_t i, most = strlen(t) + 2;

	if (put_blocks(sb, t))
		return -1;
	/* Unchanged: a fixed point already, as most addresses are. */
	if (sb->len == strlen(t) && !memcmp(sb->buf, t, sb->len))
		return 0;
	for (i = 1; i < most; i++) {
		crm_strbuf_reset(&next);
		if (put_blocks(&next, sb->buf)) {
			crm_strbuf_release(&next);
			return -1;
		}
		if (next.len == sb->len && !memcmp(next.buf, sb->buf, sb->len))
			break;
		{
			struct crm_strbuf was = *sb;

			*sb = next;
			next = was;
		}
	}
	crm_strbuf_release(&next);
	return 0;
}

static enum crm_status address_rules(const char *orig, char *t, struct crm_norm *out,
				     struct crm_error *err)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	const char *rest;
	int failed = 0;

	if (strstr(t, "〒"))
		return crm_ft_violation(err, orig, "has a postal code mark '〒': "
					"the postal code belongs in its own field");
	rest = split_place(t, out, &failed);
	if (failed || put_blocks_fixed(&sb, rest)) {
		crm_strbuf_release(&sb);
		return crm_ft_nomem(err);
	}
	/*
	 * Writing block numbers can bring a dash next to a digit that the
	 * cleaning makes '-' ("2号−2" gives "2−2"): clean and write again until
	 * neither changes anything, as the next cleanse would (a fuzz target).
	 */
	/*
	 * Each pass that changes something makes one more dash a '-' or one
	 * more unit part of a chain, and a cascade of them can take a pass
	 * each (a fuzz target: twenty 2番−42番 in a row): bounded by the length.
	 */
	for (size_t pass = 0, most = sb.len + 2; pass < most && sb.len; pass++) {
		struct crm_strbuf again = CRM_STRBUF_INIT;
		char *c = NULL;
		enum crm_status st = crm_ft_clean(sb.buf, &c, err);

		if (st == CRM_EOF) {
			crm_strbuf_reset(&sb);
			break;
		}
		if (st) {
			crm_strbuf_release(&sb);
			return st;
		}
		if (!strcmp(c, sb.buf)) {
			free(c);
			break;
		}
		failed = put_blocks_fixed(&again, c);
		free(c);
		crm_strbuf_release(&sb);
		sb = again;
		if (failed) {
			crm_strbuf_release(&sb);
			return crm_ft_nomem(err);
		}
	}
	crm_ft_set_value(out, crm_strbuf_detach(&sb, NULL), orig);
	return out->value ? CRM_OK : crm_ft_nomem(err);
}

enum crm_status crm_normalize_address(const char *s, struct crm_norm *out,
				      struct crm_error *err)
{
	return crm_ft_normalize(s, out, err, address_rules);
}

/* --- The type ----------------------------------------------------------- */

const struct crm_fieldtype crm_fieldtype_address = {
	"address", CRM_T_TEXT, NULL, crm_normalize_address, CRM_FT_JAPAN,
};
