/*
 * The country table (country.h). A short list on purpose: the countries
 * whose customers a Japanese company most often has, with the postal code
 * shape each uses (Universal Postal Union, "Addressing: postcodes").
 */
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "fold.h"
#include "ftype-address.h"
#include "banned.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct country {
	const char *code;     /* ISO 3166 alpha-2, upper case */
	const char *names;    /* alpha-3 and names, lower case, '|' between */
	const char *postal;   /* country.h's pattern, or NULL */
};

/* Index 0 is UNKNOWN, 1 is JP (country.h). */
static const struct country countries[] = {
	{ NULL, "", NULL },
	{ "JP", "jpn|japan|nihon|nippon|日本|日本国|にほん|にっぽん|ジャパン", NULL },
	{ "US", "usa|u.s.a.|u.s.|united states|united states of america|america|アメリカ|米国|"
		"アメリカ合衆国",
	  "99999|99999-9999" },
	{ "AU", "aus|australia|オーストラリア|豪州", "9999" },
	{ "NZ", "nzl|new zealand|ニュージーランド", "9999" },
	{ "GB", "gbr|uk|united kingdom|great britain|england|scotland|wales|イギリス|英国",
	  "A9 9AA|A99 9AA|AA9 9AA|AA99 9AA|A9A 9AA|AA9A 9AA" },
	{ "IE", "irl|ireland|アイルランド", "A99 XXXX|A9W XXXX" },
	{ "CA", "can|canada|カナダ", "A9A 9A9" },
	{ "DE", "deu|germany|ドイツ", "99999" },
	{ "FR", "fra|france|フランス", "99999" },
	{ "IT", "ita|italy|イタリア", "99999" },
	{ "ES", "esp|spain|スペイン", "99999" },
	{ "NL", "nld|netherlands|holland|オランダ", "9999 AA" },
	{ "BE", "bel|belgium|ベルギー", "9999" },
	{ "CH", "che|switzerland|スイス", "9999" },
	{ "AT", "aut|austria|オーストリア", "9999" },
	{ "SE", "swe|sweden|スウェーデン", "999 99" },
	{ "NO", "nor|norway|ノルウェー", "9999" },
	{ "DK", "dnk|denmark|デンマーク", "9999" },
	{ "FI", "fin|finland|フィンランド", "99999" },
	{ "PL", "pol|poland|ポーランド", "99-999" },
	{ "PT", "prt|portugal|ポルトガル", "9999-999" },
	{ "BR", "bra|brazil|ブラジル", "99999-999" },
	{ "MX", "mex|mexico|メキシコ", "99999" },
	{ "CN", "chn|china|中国|中華人民共和国", "999999" },
	{ "KR", "kor|korea|south korea|republic of korea|韓国|大韓民国", "99999" },
	{ "TW", "twn|taiwan|台湾", "999|99999|999999" },
	{ "HK", "hkg|hong kong|香港", NULL },
	{ "SG", "sgp|singapore|シンガポール", "999999" },
	{ "MY", "mys|malaysia|マレーシア", "99999" },
	{ "TH", "tha|thailand|タイ", "99999" },
	{ "VN", "vnm|vietnam|viet nam|ベトナム", "999999" },
	{ "PH", "phl|philippines|フィリピン", "9999" },
	{ "ID", "idn|indonesia|インドネシア", "99999" },
	{ "IN", "ind|india|インド", "999999|999 999" },
	{ "RU", "rus|russia|russian federation|ロシア", "999999" },
};

/* 1 when word (len bytes) is one of names ('|' between). */
static int named(const char *names, const char *word, size_t len)
{
	const char *p = names;

	for (;;) {
		size_t n = strcspn(p, "|");

		if (n == len && !memcmp(p, word, len))
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static int lookup(const char *t)
{
	size_t len = strlen(t), i;

	if (!len)
		return CRM_COUNTRY_JP;
	for (i = 1; i < NELEMS(countries); i++) {
		const char *c = countries[i].code;

		if ((len == 2 && (t[0] & ~0x20) == c[0] && (t[1] & ~0x20) == c[1]) ||
		    named(countries[i].names, t, len))
			return (int)i;
	}
	return CRM_COUNTRY_UNKNOWN;
}

/* value folded (NFKC, spaces collapsed, trimmed), ASCII in lower case; NULL when out of memory. */
static char *lowered(const char *value)
{
	char *t = crm_fold_trim(value);

	for (char *p = t; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return t;
}

int crm_country_of(const char *value)
{
	char *t;
	int c;

	if (!value || !*value)
		return CRM_COUNTRY_JP;
	if (!(t = lowered(value)))
		return CRM_COUNTRY_UNKNOWN;   /* out of memory: nothing is known */
	c = lookup(t);
	free(t);
	return c;
}

const char *crm_currency_code(const char *value)
{
	static const struct {
		const char *code, *names;
	} currencies[] = {
		{ "JPY", "jpy|円|yen|¥|日本円" },
		{ "USD", "usd|$|us$|us dollar|ドル|米ドル" },
		{ "GBP", "gbp|£|pound|ポンド|英ポンド" },
		{ "EUR", "eur|€|euro|ユーロ" },
	};
	const char *code = NULL;
	size_t i;
	char *t;

	if (!value || !*value || !(t = lowered(value)))
		return NULL;
	for (i = 0; !code && *t && i < NELEMS(currencies); i++)
		if (named(currencies[i].names, t, strlen(t)))
			code = currencies[i].code;
	free(t);
	return code;
}

const char *crm_country_code(int country)
{
	return country > 0 && (size_t)country < NELEMS(countries) ? countries[country].code : NULL;
}

const char *crm_country_postal(int country)
{
	return country > 0 && (size_t)country < NELEMS(countries) ? countries[country].postal : NULL;
}

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* 1 when t fits one alternative, the n bytes at pat. */
static int fits(const char *pat, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char p = pat[i], c = *t;

		if (p == ' ' || p == '-') {
			if (c == p)
				t++;
			continue;
		}
		if (!c || (p == '9' && !(c >= '0' && c <= '9')) || (p == 'A' && !is_letter(c)) ||
		    (p == 'X' && !is_letter(c) && !(c >= '0' && c <= '9')) ||
		    (p != '9' && p != 'A' && p != 'X' && (c & ~0x20) != p))
			return 0;
		t++;
	}
	return !*t;
}

int crm_country_postal_fits(const char *pattern, const char *t)
{
	const char *p = pattern;

	for (;;) {
		size_t n = strcspn(p, "|");

		if (fits(p, n, t))
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/*
 * The prefectures in Hepburn romaji, as exports from an English form write
 * them, with the long vowels spelled as people do (Tōkyō, Toukyou, Tokyo).
 */
static const char romaji_prefectures[] =
	"hokkaido|hokkai|aomori|iwate|miyagi|akita|yamagata|fukushima|ibaraki|ibaragi|"
	"tochigi|gunma|gumma|saitama|chiba|tokyo|toukyou|kanagawa|niigata|toyama|ishikawa|"
	"fukui|yamanashi|nagano|gifu|shizuoka|aichi|mie|shiga|kyoto|kyouto|osaka|oosaka|"
	"hyogo|hyougo|nara|wakayama|tottori|shimane|okayama|hiroshima|yamaguchi|tokushima|"
	"kagawa|ehime|kochi|kouchi|fukuoka|saga|nagasaki|kumamoto|oita|ooita|miyazaki|"
	"kagoshima|okinawa";

/* The word before a suffix of t (n bytes) such as "-ken" or " prefecture": its length. */
static size_t without_suffix(const char *t, size_t n)
{
	static const char *const suffixes[] = { " prefecture", " pref.", " pref", "-ken", " ken",
						"-to", " to", "-fu", " fu", "-do", " do" };
	size_t i, k;

	for (i = 0; i < NELEMS(suffixes); i++) {
		k = strlen(suffixes[i]);
		if (n > k && !memcmp(t + n - k, suffixes[i], k))
			return n - k;
	}
	return n;
}

/*
 * Whether the folded value s is a prefecture in romaji (Tokyo, Osaka-fu,
 * Aichi-ken, Hokkaidō, Kyoto Prefecture): a record that says so is in
 * Japan, and its phone and postal code are checked as Japan's.
 */
static int romaji_prefecture(const char *s)
{
	char t[32];
	size_t n = 0;

	for (; *s && n < sizeof(t) - 1; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z') {
			t[n++] = (char)(c - 'A' + 'a');
		} else if ((c >= 'a' && c <= 'z') || c == ' ' || c == '-' || c == '.') {
			t[n++] = (char)c;
		} else if ((c == 0xC4 && (s[1] == (char)0x80 || s[1] == (char)0x81)) ||
			   (c == 0xC5 && (s[1] == (char)0x8C || s[1] == (char)0x8D ||
					  s[1] == (char)0xAA || s[1] == (char)0xAB))) {
			/* ā Ā ō Ō ū Ū: the vowel */
			unsigned char d = (unsigned char)s[1];

			t[n++] = c == 0xC4 ? 'a' : d <= 0x8D ? 'o' : 'u';
			s++;
		} else {
			return 0;
		}
	}
	if (*s)
		return 0;
	t[n] = '\0';
	n = without_suffix(t, n);
	return n && named(romaji_prefectures, t, n);
}

int crm_record_country(const char *country, const char *prefecture)
{
	char *p;
	int jp;

	if (country && *country)
		return crm_country_of(country);
	if (!prefecture || !*prefecture)
		return CRM_COUNTRY_JP;
	if (!(p = crm_fold_trim(prefecture)))
		return CRM_COUNTRY_JP;
	jp = !*p || crm_is_prefecture(p) || romaji_prefecture(p);
	free(p);
	return jp ? CRM_COUNTRY_JP : CRM_COUNTRY_UNKNOWN;
}
