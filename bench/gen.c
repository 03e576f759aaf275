/*
 * bench-gen: writes a synthetic but realistic Japanese customer or order
 * CSV export to stdout, for benchmarks and ad-hoc tests of the importer.
 * Needs nothing but libc (iconv for --encoding cp932).
 *
 * Output is deterministic for a seed. Three independent random streams
 * keep its parts apart: "house" picks the export's own conventions once
 * (date form, phone form, legal-form abbreviation, ...), "content" decides
 * who the people are and what they bought, and "style" decides how each
 * value is written. Notation never consumes content randomness, so two
 * runs that differ only in --drift-rate, --encoding or --crlf describe the
 * same people and orders row for row; a test can check the notation of
 * one run against the plain notation of the other.
 *
 * Drift: a field is written in the house convention, except that with
 * probability --drift-rate it is written in any form the field knows. A
 * duplicate (--dup-rate) is a recent person written again under a new
 * customer number with twice the drift, as when the same person arrives
 * from a second system. A bad row (--bad-rate) carries one defect an
 * importer must reject; apart from rows that lack a column the file is
 * always well-formed CSV.
 *
 * Everything generated is representable in CP932. One mapping is lossy on
 * purpose, as in real files: the yen sign U+00A5 becomes byte 0x5C, which
 * decodes back as a backslash.
 */
#include <errno.h>
#include <getopt.h>
#include <iconv.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PERSON_RING 4096	/* recent persons duplicates are drawn from */
#define ORDER_RING 1024		/* recent orders returns are drawn from */
#define CHUNK (1u << 20)	/* bytes collected before each write */
#define NO_DATE INT32_MIN

static const char usage_text[] =
	"usage: bench-gen [--kind customers|orders] [--rows <n>] [--seed <s>]\n"
	"                 [--encoding utf-8|utf-8-bom|cp932] [--crlf]\n"
	"                 [--dup-rate <p>] [--drift-rate <p>] [--bad-rate <p>]\n"
	"                 [--customers <n>]\n"
	"\n"
	"Writes a synthetic Japanese customer or order CSV export to stdout.\n"
	"\n"
	"    --kind <kind>        customers (default) or orders\n"
	"    --rows <n>           data rows after the header (default 1000)\n"
	"    --seed <s>           same seed, same content (default 1)\n"
	"    --encoding <enc>     utf-8 (default), utf-8-bom or cp932\n"
	"    --crlf               end records with CRLF; line breaks inside\n"
	"                         quoted fields stay LF, as Excel writes them\n"
	"    --dup-rate <p>       customers: share of rows that repeat a recent\n"
	"                         person under a new number (default 0.05)\n"
	"    --drift-rate <p>     share of fields written in a form other than\n"
	"                         the file's own convention (default 0.3)\n"
	"    --bad-rate <p>       share of rows an importer must reject: a date\n"
	"                         that does not exist, two @, letters in a phone\n"
	"                         or quantity, a missing name or customer, a\n"
	"                         missing column (default 0.002)\n"
	"    --customers <n>      orders: customer numbers run C0000001..n\n"
	"                         (default 1000)\n"
	"    --truth <file>       customers: write who each row is to file, as\n"
	"                         CSV key,person,kind,like (rows of one person\n"
	"                         are one person: the ground truth of dedupe;\n"
	"                         kind, a hard case: family, namesake,\n"
	"                         father-son, colleague or married, and like,\n"
	"                         the person it is made to look like)\n"
	"    --hard-rate <p>      customers: share of new people made to look\n"
	"                         like a recent one but not be (a namesake\n"
	"                         elsewhere, a father and son of one name at\n"
	"                         one home, a colleague on the office phone),\n"
	"                         and of duplicates under a new surname after\n"
	"                         marriage (default 0)\n";

/* Random numbers: splitmix64, one state per stream. */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	rng_next(r);
}

/* A number in [0, n), by multiply and shift rather than modulo. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

static unsigned rng_weighted(struct rng *r, const unsigned char *w, unsigned n)
{
	unsigned i, sum = 0, x;

	for (i = 0; i < n; i++)
		sum += w[i];
	x = rng_below(r, sum);
	for (i = 0; i + 1 < n && x >= w[i]; i++)
		x -= w[i];
	return i;
}

/* Growable byte buffers. */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t extra)
{
	size_t cap;

	if (b->cap - b->len >= extra)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p) {
		fputs("bench-gen: out of memory\n", stderr);
		exit(1);
	}
	b->cap = cap;
}

static void put_n(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

static void put_ch(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}

/* Decimal, zero-padded to width. */
static void put_uint(struct buf *b, unsigned long v, int width)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		d[n++] = '0';
	buf_reserve(b, (size_t)n);
	while (n)
		b->p[b->len++] = d[--n];
}

/* Decimal with thousands separators: 1,234,567. */
static void put_grouped(struct buf *b, unsigned long v)
{
	char d[32];
	int n = 0, digits = 0;

	do {
		if (digits && digits % 3 == 0)
			d[n++] = ',';
		d[n++] = (char)('0' + v % 10);
		v /= 10;
		digits++;
	} while (v);
	buf_reserve(b, (size_t)n);
	while (n)
		b->p[b->len++] = d[--n];
}

static void put_cp(struct buf *b, unsigned cp)
{
	char u[3];

	if (cp < 0x80) {
		put_ch(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		put_n(b, u, 2);
	} else {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		put_n(b, u, 3);
	}
}

/*
 * Full-width form of s, as typed with the IME on: printable ASCII becomes
 * U+FF01..U+FF5E and space U+3000; other bytes pass through. A non-NULL
 * dash replaces '-' (ー, ‐ and ― are all seen between digits).
 */
static void put_fw(struct buf *b, const char *s, size_t n, const char *dash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-' && dash)
			put_str(b, dash);
		else if (c == ' ')
			put_cp(b, 0x3000);
		else if (c > 0x20 && c < 0x7f)
			put_cp(b, 0xff01 + (c - 0x21u));
		else
			put_ch(b, (char)c);
	}
}

/* Calendar arithmetic on days since 1970-01-01 (H. Hinnant's algorithms). */

static int32_t days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t days, int *y, int *m, int *d)
{
	long z = (long)days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Japanese eras; the Gregorian year is the start year - 1 + the era year. */
static const struct era {
	const char *kanji;
	char abbr;
	int y, m, d;
} eras[] = {
	{ "明治", 'M', 1868, 1, 25 },
	{ "大正", 'T', 1912, 7, 30 },
	{ "昭和", 'S', 1926, 12, 25 },
	{ "平成", 'H', 1989, 1, 8 },
	{ "令和", 'R', 2019, 5, 1 },
};

enum { ERA_SHOWA = 2, ERA_HEISEI = 3, ERA_REIWA = 4 };

/* The era a Gregorian date falls in, and its year within it; -1 before Meiji. */
static int era_of(int y, int m, int d, int *era_year)
{
	long key = (long)y * 10000 + m * 100 + d;
	int i;

	for (i = (int)ARRAY_SIZE(eras) - 1; i >= 0; i--) {
		if (key >= (long)eras[i].y * 10000 + eras[i].m * 100 + eras[i].d) {
			*era_year = y - eras[i].y + 1;
			return i;
		}
	}
	return -1;
}

/* Data. Family names come with the variant glyphs people really write. */

static const struct family {
	const char *kanji, *kana, *roma, *var1, *var2;
} families[] = {
	{ "佐藤", "サトウ", "sato", NULL, NULL },
	{ "鈴木", "スズキ", "suzuki", NULL, NULL },
	{ "高橋", "タカハシ", "takahashi", "髙橋", NULL },
	{ "田中", "タナカ", "tanaka", NULL, NULL },
	{ "伊藤", "イトウ", "ito", NULL, NULL },
	{ "渡辺", "ワタナベ", "watanabe", "渡邊", "渡邉" },
	{ "山本", "ヤマモト", "yamamoto", NULL, NULL },
	{ "中村", "ナカムラ", "nakamura", NULL, NULL },
	{ "小林", "コバヤシ", "kobayashi", NULL, NULL },
	{ "加藤", "カトウ", "kato", NULL, NULL },
	{ "吉田", "ヨシダ", "yoshida", NULL, NULL },
	{ "山田", "ヤマダ", "yamada", NULL, NULL },
	{ "佐々木", "ササキ", "sasaki", NULL, NULL },
	{ "山口", "ヤマグチ", "yamaguchi", NULL, NULL },
	{ "松本", "マツモト", "matsumoto", NULL, NULL },
	{ "井上", "イノウエ", "inoue", NULL, NULL },
	{ "木村", "キムラ", "kimura", NULL, NULL },
	{ "林", "ハヤシ", "hayashi", NULL, NULL },
	{ "斎藤", "サイトウ", "saito", "齋藤", NULL },
	{ "清水", "シミズ", "shimizu", NULL, NULL },
	{ "山崎", "ヤマザキ", "yamazaki", "山﨑", NULL },
	{ "森", "モリ", "mori", NULL, NULL },
	{ "池田", "イケダ", "ikeda", NULL, NULL },
	{ "橋本", "ハシモト", "hashimoto", NULL, NULL },
	{ "阿部", "アベ", "abe", NULL, NULL },
	{ "石川", "イシカワ", "ishikawa", NULL, NULL },
	{ "山下", "ヤマシタ", "yamashita", NULL, NULL },
	{ "中島", "ナカジマ", "nakajima", NULL, NULL },
	{ "石井", "イシイ", "ishii", NULL, NULL },
	{ "小川", "オガワ", "ogawa", NULL, NULL },
	{ "前田", "マエダ", "maeda", NULL, NULL },
	{ "岡田", "オカダ", "okada", NULL, NULL },
	{ "長谷川", "ハセガワ", "hasegawa", NULL, NULL },
	{ "藤田", "フジタ", "fujita", NULL, NULL },
	{ "後藤", "ゴトウ", "goto", NULL, NULL },
	{ "近藤", "コンドウ", "kondo", NULL, NULL },
	{ "村上", "ムラカミ", "murakami", NULL, NULL },
	{ "遠藤", "エンドウ", "endo", NULL, NULL },
	{ "青木", "アオキ", "aoki", NULL, NULL },
	{ "坂本", "サカモト", "sakamoto", NULL, NULL },
	{ "斉藤", "サイトウ", "saito", "齊藤", NULL },
	{ "福田", "フクダ", "fukuda", NULL, NULL },
	{ "太田", "オオタ", "ota", NULL, NULL },
	{ "西村", "ニシムラ", "nishimura", NULL, NULL },
	{ "藤井", "フジイ", "fujii", NULL, NULL },
	{ "金子", "カネコ", "kaneko", NULL, NULL },
	{ "岡本", "オカモト", "okamoto", NULL, NULL },
	{ "藤原", "フジワラ", "fujiwara", NULL, NULL },
	{ "中野", "ナカノ", "nakano", NULL, NULL },
	{ "三浦", "ミウラ", "miura", NULL, NULL },
	{ "原田", "ハラダ", "harada", NULL, NULL },
	{ "中川", "ナカガワ", "nakagawa", NULL, NULL },
	{ "松田", "マツダ", "matsuda", NULL, NULL },
	{ "竹内", "タケウチ", "takeuchi", NULL, NULL },
	{ "小野", "オノ", "ono", NULL, NULL },
	{ "田村", "タムラ", "tamura", NULL, NULL },
	{ "中山", "ナカヤマ", "nakayama", NULL, NULL },
	{ "和田", "ワダ", "wada", NULL, NULL },
	{ "石田", "イシダ", "ishida", NULL, NULL },
	{ "森田", "モリタ", "morita", NULL, NULL },
	{ "上田", "ウエダ", "ueda", NULL, NULL },
	{ "原", "ハラ", "hara", NULL, NULL },
	{ "内田", "ウチダ", "uchida", NULL, NULL },
	{ "柴田", "シバタ", "shibata", NULL, NULL },
	{ "酒井", "サカイ", "sakai", NULL, NULL },
	{ "宮崎", "ミヤザキ", "miyazaki", "宮﨑", NULL },
	{ "横山", "ヨコヤマ", "yokoyama", NULL, NULL },
	{ "高木", "タカギ", "takagi", "髙木", NULL },
	{ "安藤", "アンドウ", "ando", NULL, NULL },
	{ "宮本", "ミヤモト", "miyamoto", NULL, NULL },
	{ "大野", "オオノ", "ono", NULL, NULL },
	{ "小島", "コジマ", "kojima", NULL, NULL },
	{ "谷口", "タニグチ", "taniguchi", NULL, NULL },
	{ "今井", "イマイ", "imai", NULL, NULL },
	{ "工藤", "クドウ", "kudo", NULL, NULL },
	{ "高田", "タカダ", "takada", "髙田", NULL },
	{ "増田", "マスダ", "masuda", NULL, NULL },
	{ "丸山", "マルヤマ", "maruyama", NULL, NULL },
	{ "杉山", "スギヤマ", "sugiyama", NULL, NULL },
	{ "村田", "ムラタ", "murata", NULL, NULL },
	{ "大塚", "オオツカ", "otsuka", NULL, NULL },
	{ "新井", "アライ", "arai", NULL, NULL },
	{ "小山", "コヤマ", "koyama", NULL, NULL },
	{ "平野", "ヒラノ", "hirano", NULL, NULL },
	{ "藤本", "フジモト", "fujimoto", NULL, NULL },
	{ "河野", "コウノ", "kono", NULL, NULL },
	{ "上野", "ウエノ", "ueno", NULL, NULL },
	{ "野口", "ノグチ", "noguchi", NULL, NULL },
	{ "武田", "タケダ", "takeda", NULL, NULL },
	{ "松井", "マツイ", "matsui", NULL, NULL },
	{ "千葉", "チバ", "chiba", NULL, NULL },
	{ "岩崎", "イワサキ", "iwasaki", "岩﨑", NULL },
	{ "菅原", "スガワラ", "sugawara", NULL, NULL },
	{ "木下", "キノシタ", "kinoshita", NULL, NULL },
	{ "久保", "クボ", "kubo", NULL, NULL },
	{ "佐野", "サノ", "sano", NULL, NULL },
	{ "野村", "ノムラ", "nomura", NULL, NULL },
	{ "松尾", "マツオ", "matsuo", NULL, NULL },
	{ "市川", "イチカワ", "ichikawa", NULL, NULL },
	{ "菊地", "キクチ", "kikuchi", NULL, NULL },
	{ "杉本", "スギモト", "sugimoto", NULL, NULL },
	{ "古川", "フルカワ", "furukawa", NULL, NULL },
	{ "大西", "オオニシ", "onishi", NULL, NULL },
	{ "島田", "シマダ", "shimada", NULL, NULL },
	{ "水野", "ミズノ", "mizuno", NULL, NULL },
	{ "桜井", "サクライ", "sakurai", "櫻井", NULL },
	{ "高野", "タカノ", "takano", NULL, NULL },
	{ "渡部", "ワタナベ", "watanabe", NULL, NULL },
	{ "吉川", "ヨシカワ", "yoshikawa", NULL, NULL },
	{ "山内", "ヤマウチ", "yamauchi", NULL, NULL },
	{ "西田", "ニシダ", "nishida", NULL, NULL },
	{ "飯田", "イイダ", "iida", NULL, NULL },
	{ "菊池", "キクチ", "kikuchi", NULL, NULL },
	{ "西川", "ニシカワ", "nishikawa", NULL, NULL },
	{ "小松", "コマツ", "komatsu", NULL, NULL },
	{ "北村", "キタムラ", "kitamura", NULL, NULL },
	{ "安田", "ヤスダ", "yasuda", NULL, NULL },
	{ "五十嵐", "イガラシ", "igarashi", NULL, NULL },
	{ "川口", "カワグチ", "kawaguchi", NULL, NULL },
	{ "平田", "ヒラタ", "hirata", NULL, NULL },
	{ "関", "セキ", "seki", NULL, NULL },
	{ "中田", "ナカタ", "nakata", NULL, NULL },
	{ "久保田", "クボタ", "kubota", NULL, NULL },
	{ "東", "ヒガシ", "higashi", NULL, NULL },
	{ "服部", "ハットリ", "hattori", NULL, NULL },
	{ "川崎", "カワサキ", "kawasaki", "川﨑", NULL },
	{ "岡崎", "オカザキ", "okazaki", "岡﨑", NULL },
	{ "辻", "ツジ", "tsuji", NULL, NULL },
	{ "沢田", "サワダ", "sawada", "澤田", NULL },
	{ "浜田", "ハマダ", "hamada", "濱田", "濵田" },
	{ "広瀬", "ヒロセ", "hirose", "廣瀬", NULL },
	{ "真田", "サナダ", "sanada", "眞田", NULL },
	{ "国分", "コクブン", "kokubun", "國分", NULL },
	{ "徳永", "トクナガ", "tokunaga", "德永", NULL },
	{ "大沢", "オオサワ", "osawa", "大澤", NULL },
	{ "藤崎", "フジサキ", "fujisaki", "藤﨑", NULL },
	{ "野々村", "ノノムラ", "nonomura", NULL, NULL },
	{ "都築", "ツヅキ", "tsuzuki", NULL, NULL },
	{ "神田", "カンダ", "kanda", NULL, NULL },
	{ "長嶋", "ナガシマ", "nagashima", NULL, NULL },
	{ "吉村", "ヨシムラ", "yoshimura", NULL, NULL },
	{ "荒木", "アラキ", "araki", NULL, NULL },
	{ "石原", "イシハラ", "ishihara", NULL, NULL },
	{ "本田", "ホンダ", "honda", NULL, NULL },
	{ "小池", "コイケ", "koike", NULL, NULL },
	{ "宮田", "ミヤタ", "miyata", NULL, NULL },
	{ "渋谷", "シブヤ", "shibuya", NULL, NULL },
	{ "黒田", "クロダ", "kuroda", NULL, NULL },
	{ "土屋", "ツチヤ", "tsuchiya", NULL, NULL },
	{ "永井", "ナガイ", "nagai", NULL, NULL },
	{ "矢野", "ヤノ", "yano", NULL, NULL },
	{ "大久保", "オオクボ", "okubo", NULL, NULL },
	{ "榎本", "エノモト", "enomoto", NULL, NULL },
	{ "比嘉", "ヒガ", "higa", NULL, NULL },
	{ "金城", "キンジョウ", "kinjo", NULL, NULL },
	{ "新垣", "アラカキ", "arakaki", NULL, NULL },
};

static const struct given {
	const char *kanji, *kana, *roma;
	char sex;		/* 1 male, 2 female */
} givens[] = {
	{ "太郎", "タロウ", "taro", 1 }, { "一郎", "イチロウ", "ichiro", 1 },
	{ "健太", "ケンタ", "kenta", 1 }, { "翔太", "ショウタ", "shota", 1 },
	{ "大輔", "ダイスケ", "daisuke", 1 }, { "拓也", "タクヤ", "takuya", 1 },
	{ "直樹", "ナオキ", "naoki", 1 }, { "誠", "マコト", "makoto", 1 },
	{ "浩", "ヒロシ", "hiroshi", 1 }, { "茂", "シゲル", "shigeru", 1 },
	{ "博", "ヒロシ", "hiroshi", 1 }, { "健一", "ケンイチ", "kenichi", 1 },
	{ "隆", "タカシ", "takashi", 1 }, { "学", "マナブ", "manabu", 1 },
	{ "修", "オサム", "osamu", 1 }, { "亮", "リョウ", "ryo", 1 },
	{ "翔", "ショウ", "sho", 1 }, { "蓮", "レン", "ren", 1 },
	{ "大翔", "ヒロト", "hiroto", 1 }, { "悠真", "ユウマ", "yuma", 1 },
	{ "陽翔", "ハルト", "haruto", 1 }, { "湊", "ミナト", "minato", 1 },
	{ "樹", "イツキ", "itsuki", 1 }, { "健", "ケン", "ken", 1 },
	{ "和也", "カズヤ", "kazuya", 1 }, { "達也", "タツヤ", "tatsuya", 1 },
	{ "雄一", "ユウイチ", "yuichi", 1 }, { "秀樹", "ヒデキ", "hideki", 1 },
	{ "明", "アキラ", "akira", 1 }, { "正人", "マサト", "masato", 1 },
	{ "剛", "ツヨシ", "tsuyoshi", 1 }, { "勇気", "ユウキ", "yuki", 1 },
	{ "康介", "コウスケ", "kosuke", 1 }, { "慎一", "シンイチ", "shinichi", 1 },
	{ "裕太", "ユウタ", "yuta", 1 }, { "航", "ワタル", "wataru", 1 },
	{ "悠人", "ユウト", "yuto", 1 }, { "颯太", "ソウタ", "sota", 1 },
	{ "智也", "トモヤ", "tomoya", 1 }, { "俊介", "シュンスケ", "shunsuke", 1 },
	{ "賢治", "ケンジ", "kenji", 1 }, { "清", "キヨシ", "kiyoshi", 1 },
	{ "勝", "マサル", "masaru", 1 }, { "実", "ミノル", "minoru", 1 },
	{ "進", "ススム", "susumu", 1 }, { "正", "タダシ", "tadashi", 1 },
	{ "義男", "ヨシオ", "yoshio", 1 }, { "洋平", "ヨウヘイ", "yohei", 1 },
	{ "恭平", "キョウヘイ", "kyohei", 1 }, { "大和", "ヤマト", "yamato", 1 },
	{ "陸", "リク", "riku", 1 }, { "一輝", "カズキ", "kazuki", 1 },
	{ "徹", "トオル", "toru", 1 }, { "淳", "ジュン", "jun", 1 },
	{ "豊", "ユタカ", "yutaka", 1 }, { "功", "イサオ", "isao", 1 },
	{ "信也", "シンヤ", "shinya", 1 }, { "圭介", "ケイスケ", "keisuke", 1 },
	{ "龍之介", "リュウノスケ", "ryunosuke", 1 }, { "譲二", "ジョウジ", "joji", 1 },
	{ "慶太", "ケイタ", "keita", 1 }, { "大樹", "ダイキ", "daiki", 1 },
	{ "駿", "シュン", "shun", 1 }, { "幸雄", "ユキオ", "yukio", 1 },
	{ "花子", "ハナコ", "hanako", 2 }, { "恵子", "ケイコ", "keiko", 2 },
	{ "洋子", "ヨウコ", "yoko", 2 }, { "幸子", "サチコ", "sachiko", 2 },
	{ "久美子", "クミコ", "kumiko", 2 }, { "由美", "ユミ", "yumi", 2 },
	{ "真由美", "マユミ", "mayumi", 2 }, { "直美", "ナオミ", "naomi", 2 },
	{ "智子", "トモコ", "tomoko", 2 }, { "裕子", "ユウコ", "yuko", 2 },
	{ "美穂", "ミホ", "miho", 2 }, { "愛", "アイ", "ai", 2 },
	{ "彩", "アヤ", "aya", 2 }, { "舞", "マイ", "mai", 2 },
	{ "恵", "メグミ", "megumi", 2 }, { "陽子", "ヨウコ", "yoko", 2 },
	{ "明美", "アケミ", "akemi", 2 }, { "京子", "キョウコ", "kyoko", 2 },
	{ "和子", "カズコ", "kazuko", 2 }, { "節子", "セツコ", "setsuko", 2 },
	{ "美咲", "ミサキ", "misaki", 2 }, { "陽菜", "ヒナ", "hina", 2 },
	{ "結衣", "ユイ", "yui", 2 }, { "葵", "アオイ", "aoi", 2 },
	{ "凛", "リン", "rin", 2 }, { "結愛", "ユア", "yua", 2 },
	{ "芽依", "メイ", "mei", 2 }, { "さくら", "サクラ", "sakura", 2 },
	{ "莉子", "リコ", "riko", 2 }, { "美優", "ミユ", "miyu", 2 },
	{ "七海", "ナナミ", "nanami", 2 }, { "千尋", "チヒロ", "chihiro", 2 },
	{ "沙織", "サオリ", "saori", 2 }, { "麻衣", "マイ", "mai", 2 },
	{ "香織", "カオリ", "kaori", 2 }, { "瞳", "ヒトミ", "hitomi", 2 },
	{ "奈々", "ナナ", "nana", 2 }, { "菜々子", "ナナコ", "nanako", 2 },
	{ "美香", "ミカ", "mika", 2 }, { "理恵", "リエ", "rie", 2 },
	{ "早苗", "サナエ", "sanae", 2 }, { "友美", "トモミ", "tomomi", 2 },
	{ "由紀", "ユキ", "yuki", 2 }, { "亜希子", "アキコ", "akiko", 2 },
	{ "順子", "ジュンコ", "junko", 2 }, { "文子", "フミコ", "fumiko", 2 },
	{ "静香", "シズカ", "shizuka", 2 }, { "綾乃", "アヤノ", "ayano", 2 },
	{ "琴音", "コトネ", "kotone", 2 }, { "優子", "ユウコ", "yuko", 2 },
	{ "由香", "ユカ", "yuka", 2 }, { "紀子", "ノリコ", "noriko", 2 },
	{ "美紀", "ミキ", "miki", 2 }, { "ひかり", "ヒカリ", "hikari", 2 },
	{ "あずさ", "アズサ", "azusa", 2 }, { "澄子", "スミコ", "sumiko", 2 },
	{ "千代子", "チヨコ", "chiyoko", 2 }, { "珠美", "タマミ", "tamami", 2 },
};

/*
 * Prefectures in JIS order, each with population (10,000s) as weight, the
 * area code of its capital, the first two digits of its postal codes and
 * three cities.
 */
static const struct pref {
	const char *name;
	unsigned short pop;
	const char *area;
	unsigned char zip_lo, zip_hi;
	const char *city[3];
} prefs[] = {
	{ "北海道", 514, "011", 4, 9, { "札幌市中央区", "旭川市", "函館市" } },
	{ "青森県", 120, "017", 3, 3, { "青森市", "弘前市", "八戸市" } },
	{ "岩手県", 118, "019", 2, 2, { "盛岡市", "一関市", "奥州市" } },
	{ "宮城県", 226, "022", 98, 98, { "仙台市青葉区", "石巻市", "名取市" } },
	{ "秋田県", 93, "018", 1, 1, { "秋田市", "横手市", "大仙市" } },
	{ "山形県", 103, "023", 99, 99, { "山形市", "鶴岡市", "酒田市" } },
	{ "福島県", 179, "024", 96, 97, { "福島市", "郡山市", "いわき市" } },
	{ "茨城県", 284, "029", 30, 31, { "水戸市", "つくば市", "日立市" } },
	{ "栃木県", 191, "028", 32, 32, { "宇都宮市", "小山市", "足利市" } },
	{ "群馬県", 191, "027", 37, 37, { "前橋市", "高崎市", "太田市" } },
	{ "埼玉県", 734, "048", 33, 36, { "さいたま市浦和区", "川越市", "川口市" } },
	{ "千葉県", 628, "043", 26, 29, { "千葉市中央区", "船橋市", "柏市" } },
	{ "東京都", 1404, "03", 10, 20, { "千代田区", "新宿区", "世田谷区" } },
	{ "神奈川県", 923, "045", 21, 25, { "横浜市中区", "川崎市中原区", "相模原市中央区" } },
	{ "新潟県", 213, "025", 94, 95, { "新潟市中央区", "長岡市", "上越市" } },
	{ "富山県", 102, "076", 93, 93, { "富山市", "高岡市", "射水市" } },
	{ "石川県", 111, "076", 92, 92, { "金沢市", "白山市", "小松市" } },
	{ "福井県", 75, "0776", 91, 91, { "福井市", "坂井市", "越前市" } },
	{ "山梨県", 80, "055", 40, 40, { "甲府市", "甲斐市", "南アルプス市" } },
	{ "長野県", 200, "026", 38, 39, { "長野市", "松本市", "上田市" } },
	{ "岐阜県", 195, "058", 50, 50, { "岐阜市", "大垣市", "各務原市" } },
	{ "静岡県", 355, "054", 41, 43, { "静岡市葵区", "浜松市中央区", "沼津市" } },
	{ "愛知県", 748, "052", 44, 49, { "名古屋市中区", "豊田市", "岡崎市" } },
	{ "三重県", 174, "059", 51, 51, { "津市", "四日市市", "鈴鹿市" } },
	{ "滋賀県", 141, "077", 52, 52, { "大津市", "草津市", "彦根市" } },
	{ "京都府", 254, "075", 60, 62, { "京都市中京区", "宇治市", "舞鶴市" } },
	{ "大阪府", 876, "06", 53, 59, { "大阪市北区", "堺市堺区", "豊中市" } },
	{ "兵庫県", 535, "078", 65, 67, { "神戸市中央区", "姫路市", "西宮市" } },
	{ "奈良県", 130, "0742", 63, 63, { "奈良市", "橿原市", "生駒市" } },
	{ "和歌山県", 90, "073", 64, 64, { "和歌山市", "田辺市", "橋本市" } },
	{ "鳥取県", 54, "0857", 68, 68, { "鳥取市", "米子市", "倉吉市" } },
	{ "島根県", 65, "0852", 69, 69, { "松江市", "出雲市", "浜田市" } },
	{ "岡山県", 185, "086", 70, 71, { "岡山市北区", "倉敷市", "津山市" } },
	{ "広島県", 275, "082", 72, 73, { "広島市中区", "福山市", "呉市" } },
	{ "山口県", 131, "083", 74, 75, { "山口市", "下関市", "宇部市" } },
	{ "徳島県", 70, "088", 77, 77, { "徳島市", "阿南市", "鳴門市" } },
	{ "香川県", 93, "087", 76, 76, { "高松市", "丸亀市", "坂出市" } },
	{ "愛媛県", 131, "089", 79, 79, { "松山市", "今治市", "新居浜市" } },
	{ "高知県", 67, "088", 78, 78, { "高知市", "南国市", "四万十市" } },
	{ "福岡県", 510, "092", 80, 83, { "福岡市博多区", "北九州市小倉北区", "久留米市" } },
	{ "佐賀県", 80, "0952", 84, 84, { "佐賀市", "唐津市", "鳥栖市" } },
	{ "長崎県", 128, "095", 85, 85, { "長崎市", "佐世保市", "諫早市" } },
	{ "熊本県", 172, "096", 86, 86, { "熊本市中央区", "八代市", "天草市" } },
	{ "大分県", 111, "097", 87, 87, { "大分市", "別府市", "中津市" } },
	{ "宮崎県", 105, "0985", 88, 88, { "宮崎市", "都城市", "延岡市" } },
	{ "鹿児島県", 156, "099", 89, 89, { "鹿児島市", "霧島市", "鹿屋市" } },
	{ "沖縄県", 147, "098", 90, 90, { "那覇市", "沖縄市", "うるま市" } },
};

static const char *const towns[] = {
	"本町", "中央", "栄町", "旭町", "緑町", "東町", "西町", "南町", "北町",
	"日の出町", "桜木町", "若葉", "幸町", "大手町", "元町", "新町", "錦町",
	"寿町", "昭和町", "春日", "松原", "宮前", "柳町", "城東", "駅前本町",
	"港町", "東雲", "花園", "富士見", "青葉台", "緑が丘", "桜ヶ丘", "希望ヶ丘",
	"泉町", "曙町", "平和町", "住吉町", "八幡町", "天神", "白金",
};

static const struct building {
	const char *name;
	char office;		/* floors ("6F") rather than rooms ("604号室") */
} buildings[] = {
	{ "ベルメゾン日の出", 0 }, { "サンハイツ", 0 }, { "グランドメゾン青葉", 0 },
	{ "コーポ松原", 0 }, { "メゾン・ド・ソレイユ", 0 }, { "パークハウス", 0 },
	{ "ライオンズマンション", 0 }, { "レオパレス21", 0 }, { "ハイツ若葉", 0 },
	{ "シャトー緑", 0 }, { "ドミール", 0 }, { "アーバンコート", 0 },
	{ "第一ビル", 1 }, { "第二田中ビル", 1 }, { "サンライズビル", 1 },
	{ "中央ビルディング", 1 }, { "駅前スクエア", 1 },
};

/* Legal forms with the abbreviations and English suffixes seen for them. */
static const struct legal {
	const char *full, *paren, *fwparen, *single, *en, *en2;
} legals[] = {
	{ "株式会社", "(株)", "（株）", "㈱", "Co., Ltd.", "K.K." },
	{ "有限会社", "(有)", "（有）", "㈲", "Ltd.", "Y.K." },
	{ "合同会社", "(同)", "（同）", NULL, "LLC", "G.K." },
	{ "一般社団法人", "(一社)", "（一社）", NULL, NULL, NULL },
	{ "医療法人社団", "(医)", "（医）", NULL, NULL, NULL },
	{ "特定非営利活動法人", "(特非)", "（特非）", "NPO法人", NULL, NULL },
};

enum { LEGAL_KK, LEGAL_YK, LEGAL_GK, LEGAL_ISHA, LEGAL_IRYO, LEGAL_NPO };

static const struct company {
	const char *name, *domain, *en;
	signed char legal;	/* -1: a business, any of 株式/有限/合同 */
} companies[] = {
	{ "山田商事", "yamada-shoji.co.jp", "Yamada Shoji", -1 },
	{ "東洋精機", "toyo-seiki.co.jp", "Toyo Seiki", -1 },
	{ "日本ロジテック", "nihon-logitec.co.jp", "Nihon Logitec", -1 },
	{ "さくら電機", "sakura-denki.co.jp", "Sakura Denki", -1 },
	{ "北斗システム", "hokuto-sys.co.jp", "Hokuto System", -1 },
	{ "青葉建設", "aoba-kensetsu.co.jp", "Aoba Construction", -1 },
	{ "富士ソリューションズ", "fuji-solutions.co.jp", "Fuji Solutions", -1 },
	{ "丸山食品", "maruyama-foods.co.jp", "Maruyama Foods", -1 },
	{ "中央物産", "chuo-bussan.co.jp", "Chuo Bussan", -1 },
	{ "太平洋海運", "taiheiyo-kaiun.co.jp", "Taiheiyo Kaiun", -1 },
	{ "みなと不動産", "minato-fudosan.co.jp", "Minato Real Estate", -1 },
	{ "ひまわり薬局", "himawari-ph.co.jp", "Himawari Pharmacy", -1 },
	{ "グリーンフィールド", "greenfield.co.jp", "Greenfield", -1 },
	{ "アサヒ印刷", "asahi-print.co.jp", "Asahi Printing", -1 },
	{ "大和工業", "yamato-kogyo.co.jp", "Yamato Kogyo", -1 },
	{ "関東運輸", "kanto-unyu.co.jp", "Kanto Unyu", -1 },
	{ "西日本エンジニアリング", "nishinihon-eng.co.jp", "Nishinihon Engineering", -1 },
	{ "テクノブリッジ", "technobridge.co.jp", "Techno Bridge", -1 },
	{ "ミライデザイン", "mirai-design.co.jp", "Mirai Design", -1 },
	{ "光陽電子", "koyo-denshi.co.jp", "Koyo Denshi", -1 },
	{ "三河製作所", "mikawa-ss.co.jp", "Mikawa Seisakusho", -1 },
	{ "ユニバーサル企画", "universal-kikaku.co.jp", "Universal Kikaku", -1 },
	{ "松竹梅酒造", "shochikubai.co.jp", "Shochikubai Shuzo", -1 },
	{ "はなまるフーズ", "hanamaru-foods.co.jp", "Hanamaru Foods", -1 },
	{ "エムケー商会", "mk-shokai.co.jp", "MK Shokai", -1 },
	{ "ジャパンネット", "japan-net.co.jp", "Japan Net", -1 },
	{ "サンライズ工房", "sunrise-kobo.co.jp", "Sunrise Kobo", -1 },
	{ "北海水産", "hokkai-suisan.co.jp", "Hokkai Suisan", -1 },
	{ "東京ITサービス", "tokyo-its.co.jp", "Tokyo IT Service", -1 },
	{ "大阪化学", "osaka-kagaku.co.jp", "Osaka Chemical", -1 },
	{ "名古屋機工", "nagoya-kiko.co.jp", "Nagoya Kiko", -1 },
	{ "九州電設", "kyushu-densetsu.co.jp", "Kyushu Densetsu", -1 },
	{ "やまびこ出版", "yamabiko-pub.co.jp", "Yamabiko Publishing", -1 },
	{ "ライフケア", "life-care.co.jp", "Life Care", -1 },
	{ "アイティーワークス", "it-works.co.jp", "IT Works", -1 },
	{ "日の出商店", "hinode-shoten.co.jp", "Hinode Shoten", -1 },
	{ "緑化サービス", "ryokka.co.jp", "Ryokka Service", -1 },
	{ "丸福", "marufuku.co.jp", "Marufuku", -1 },
	{ "ヤマト電工", "yamato-denko.co.jp", "Yamato Denko", -1 },
	{ "かもめ交通", "kamome-kotsu.co.jp", "Kamome Kotsu", -1 },
	{ "緑風会", "ryokufukai.or.jp", NULL, LEGAL_IRYO },
	{ "さつき会", "satsukikai.or.jp", NULL, LEGAL_IRYO },
	{ "日本マーケティング協会", "jma-assoc.or.jp", NULL, LEGAL_ISHA },
	{ "地域振興センター", "chiiki-center.or.jp", NULL, LEGAL_ISHA },
	{ "こどもの森", "kodomonomori.org", NULL, LEGAL_NPO },
	{ "まちづくりネット", "machizukuri.org", NULL, LEGAL_NPO },
};

static const char *const depts[] = {
	"営業部", "営業第一部", "総務部", "経理部", "人事部", "開発部", "企画部",
	"情報システム部", "製造部", "購買部", "マーケティング部",
	"カスタマーサポート部", "広報室", "経営企画室", "代表取締役", "事務局",
	"看護部", "営業部　課長", "技術本部 第二開発課", "総務課",
};

static const struct {
	const char *name;
	unsigned char weight;
	char carrier;		/* old docomo/au rules: "a..b@", "a.@" */
} domains[] = {
	{ "gmail.com", 30, 0 }, { "yahoo.co.jp", 15, 0 }, { "docomo.ne.jp", 8, 1 },
	{ "ezweb.ne.jp", 5, 1 }, { "au.com", 2, 0 }, { "softbank.ne.jp", 4, 0 },
	{ "i.softbank.jp", 3, 0 }, { "icloud.com", 8, 0 }, { "outlook.jp", 4, 0 },
	{ "hotmail.co.jp", 4, 0 }, { "nifty.com", 3, 0 }, { "biglobe.ne.jp", 3, 0 },
	{ "ocn.ne.jp", 3, 0 },
};

/* Notes; some need CSV quoting: a comma, a quote, a line break. */
static const char *const notes[] = {
	"VIP", "要確認", "電話は平日18時以降", "DM不要", "住所変更あり（2023年転居）",
	"旧姓：田中", "紹介者あり, 山田様より", "法人契約, 請求書払い",
	"\"至急\"と記載あり", "「重要」顧客 \"A\"ランク", "配送時の注意:\n置き配不可",
	"1行目のメモ\n2行目のメモ", "不在が多い、宅配ボックス利用", "メール不達（2022/10）",
	"ご要望:包装なし, のし不要", "クレーム対応履歴あり", "年賀状送付先",
	"元会員（退会→再入会）", "携帯のみ連絡可", "受付：電話\n担当：佐藤",
	"①カタログ希望 ②サンプル希望", "ポイント～12/31まで有効",
};

static const struct product {
	const char *name;
	unsigned price;
} products[] = {
	{ "有機緑茶 ティーバッグ 50袋", 980 }, { "ほうじ茶 200g", 1200 },
	{ "玄米茶 300g", 860 }, { "コーヒー豆 ブレンド 500g", 2480 },
	{ "ドリップコーヒー 30袋", 1980 }, { "今治タオル フェイスタオル", 1500 },
	{ "今治タオル バスタオル", 3300 }, { "ハンドクリーム（無香料）", 1100 },
	{ "ボディソープ 詰め替え 400ml", 598 }, { "シャンプー お徳用 1,000ml", 1680 },
	{ "米 コシヒカリ 5kg", 2980 }, { "米 あきたこまち 10kg", 5480 },
	{ "醤油 1L", 458 }, { "味噌 750g", 698 }, { "梅干し 500g", 2160 },
	{ "焼海苔 全形 10枚", 880 }, { "ギフトセット「季節の詰め合わせ」", 5400 },
	{ "ボールペン 0.5mm 黒 10本入", 1320 }, { "A4コピー用紙 500枚×5冊", 2750 },
	{ "付箋 75×75mm 10冊", 990 }, { "USBケーブル Type-C 1m", 1280 },
	{ "モバイルバッテリー 10000mAh", 3980 }, { "ワイヤレスイヤホン", 12800 },
	{ "電気ケトル 1.0L", 4980 }, { "加湿器 スチーム式", 8800 },
	{ "空気清浄機", 29800 }, { "ロボット掃除機", 49800 }, { "折りたたみ傘", 2200 },
	{ "ステンレスボトル 500ml", 2750 }, { "弁当箱 2段", 1650 },
	{ "マグカップ 有田焼", 1870 }, { "土鍋 8号", 4400 }, { "防災セット 1人用", 9800 },
	{ "マスク 不織布 50枚入", 498 }, { "トイレットペーパー 12ロール", 548 },
	{ "洗濯洗剤 詰め替え 超特大", 1078 }, { "ドッグフード 3kg", 2380 },
	{ "キャットフード 2kg", 1980 }, { "文庫本 セット（全5巻）", 3300 },
	{ "手帳 2025年版", 1650 }, { "カレンダー 壁掛け", 1320 },
	{ "日本酒 純米吟醸 720ml", 1680 }, { "焼酎 芋 900ml", 1280 },
	{ "ビール 350ml×24本", 5980 }, { "ミネラルウォーター 2L×6本", 780 },
	{ "カップ麺 12個入", 1680 }, { "レトルトカレー 10食", 2100 },
	{ "和牛 切り落とし 500g", 3980 }, { "冷凍餃子 50個", 1580 },
	{ "りんご ５kg 青森県産", 3980 }, { "みかん 10kg 愛媛県産", 4280 },
	{ "お試しセット (A, B, C)", 500 }, { "Tシャツ \"Basic\" Mサイズ", 2990 },
	{ "ジーンズ W30", 6900 }, { "スニーカー 26.5cm", 7700 }, { "靴下 3足組", 990 },
	{ "ネクタイ シルク", 4950 }, { "ハンカチ ガーゼ", 660 }, { "送料", 880 },
	{ "代引き手数料", 330 }, { "ギフト包装", 220 },
};

/*
 * Half-width forms of katakana U+30A1..U+30F4; voiced kana take the
 * separate sound marks ﾞ and ﾟ.
 */
static const char *const hw_kana[] = {
	"ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ",
	"ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ",
	"ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ",
	"ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ",
	"ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ",
	"ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ",
	"ﾎ", "ﾎﾞ", "ﾎﾟ",
	"ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ",
	"ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", "ﾜ", "ﾜ", "ｲ", "ｴ", "ｦ", "ﾝ", "ｳﾞ",
};

static const char *const kanji_digits[] = {
	"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九",
};

/*
 * Forms of each field. The first few are candidates for the house
 * convention (weights below); drift picks among all of them.
 */

enum name_sep { SEP_FW, SEP_ASCII, SEP_NONE, SEP_COUNT };
static const char *const seps[] = { "　", " ", "" };

enum kana_form { KANA_KATA, KANA_HALF, KANA_HIRA, KANA_COUNT };

enum legal_form { LF_FULL, LF_PAREN, LF_SINGLE, LF_FWPAREN, LF_FULL_SPACE, LF_EN, LF_COUNT };

enum phone_form {
	PF_HYPHEN,	/* 03-1234-5678 */
	PF_PLAIN,	/* 0312345678 */
	PF_PAREN,	/* 03(1234)5678 */
	PF_AREAPAREN,	/* (03)1234-5678 */
	PF_SPACE,	/* 03 1234 5678 */
	PF_INTL,	/* +81-3-1234-5678 */
	PF_INTL_SPACE,	/* +81 3 1234 5678 */
	PF_FW,		/* ０３－１２３４－５６７８ */
	PF_FW_DASH,	/* ０３ー１２３４ー５６７８ and other dashes */
	PF_COUNT
};

enum postal_form { ZF_MARK, ZF_HYPHEN, ZF_PLAIN, ZF_MARK_PLAIN, ZF_FW, ZF_MARK_FW, ZF_COUNT };

enum pref_form { PRF_FULL, PRF_SHORT, PRF_NONE, PRF_COUNT };

enum block_form {
	BF_HYPHEN,	/* 3-14-17 */
	BF_CHOME,	/* 3丁目14-17 */
	BF_KANJI,	/* 三丁目14番17号 */
	BF_BANGO,	/* 3丁目14番17号 */
	BF_FW,		/* ３－１４－１７ */
	BF_FW_CHOME,	/* ３丁目１４－１７ */
	BF_COUNT
};

enum date_form {
	DF_SLASH0,	/* 1985/04/03 */
	DF_SLASH,	/* 1985/4/3 */
	DF_DASH0,	/* 1985-04-03 */
	DF_DASH,	/* 1985-4-3 */
	DF_DOT,		/* 1985.4.3 */
	DF_COMPACT,	/* 19850403 */
	DF_KANJI,	/* 1985年4月3日 */
	DF_ERA_KANJI,	/* 昭和60年4月3日 */
	DF_ERA_DOT,	/* S60.4.3 */
	DF_ERA_SLASH0,	/* S60/04/03 */
	DF_FW_SLASH0,	/* １９８５／０４／０３ */
	DF_FW_KANJI,	/* １９８５年４月３日 */
	DF_FW_ERA,	/* 昭和６０年４月３日 */
	DF_COUNT,
	/* Order dates only: */
	OF_SLASH_HM = DF_COUNT,	/* 2023/04/01 12:34 */
	OF_ISO_HMS,		/* 2023-04-01 12:34:56 */
	OF_SLASH_SHORT_HM,	/* 2023/4/1 9:05 */
	OF_COUNT
};

enum gender_form { GF_KANJI, GF_KANJI2, GF_LATIN, GF_CODE, GF_COUNT };
static const char *const genders[GF_COUNT][3] = {
	{ "", "男", "女" }, { "", "男性", "女性" }, { "", "M", "F" }, { "0", "1", "2" },
};

enum consent_form { CF_KA, CF_MARU, CF_DIGIT, CF_KIBO, CF_KYOKA, CF_COUNT };
static const char *const consents[CF_COUNT][3] = {
	{ "", "可", "不可" }, { "", "○", "×" }, { "", "1", "0" },
	{ "", "希望する", "希望しない" }, { "", "許可", "拒否" },
};

enum yen_form { YF_PLAIN, YF_COMMA, YF_YEN, YF_FWYEN, YF_EN, YF_COMMA_EN, YF_COUNT };

static const unsigned char w_name_sep[] = { 50, 30, 20 };
static const unsigned char w_kana[] = { 70, 20, 10 };
static const unsigned char w_legal[] = { 55, 30, 10, 5 };
static const unsigned char w_phone[] = { 65, 20, 10, 5 };
static const unsigned char w_postal[] = { 40, 45, 15 };
static const unsigned char w_block[] = { 40, 30, 30 };
static const unsigned char w_date[] = { 50, 20, 30 };
static const unsigned char w_gender[] = { 40, 20, 20, 20 };
static const unsigned char w_consent[] = { 35, 25, 30, 10 };
static const unsigned char w_odate[] = { 35, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 20 };
static const unsigned char w_yen[] = { 40, 30, 10, 10, 10 };

/* The export's own conventions, fixed for a seed. */
struct house {
	int name_sep, kana, kana_sep, legal, phone, postal, block, bldg_sep;
	int date, gender, consent, odate, yen;
	int ext, floor_sep, floor_unit, room_sep, room_suffix, yen_sign;
};

/* One person as the content stream made them; notation comes later. */
struct person {
	unsigned short family, given;
	unsigned char variant;		/* 0 common glyphs, 1 var1, 2 var2 */
	unsigned char sex;		/* 0 unknown, 1 male, 2 female */
	int32_t birth;			/* days since 1970, or NO_DATE */
	signed char company;		/* index into companies, or -1 */
	unsigned char legal, legal_front, dept;	/* dept 0 = none */
	char tel[12], mobile[12];	/* digits, "" for none */
	unsigned char tel_area;		/* digits before the first break */
	unsigned short tel_ext;		/* extension behind a switchboard, 0 none */
	char email[64];
	unsigned char pref, city, town, chome, go;
	unsigned short ban;
	signed char bldg;
	unsigned short room;
	char postal[8];
	unsigned char consent;		/* 0 unknown, 1 yes, 2 no */
	signed char note;
	uint32_t who;			/* the person, for --truth: a duplicate keeps it */
	unsigned char hard;		/* enum hard: what it is made to look like, for --truth */
	uint32_t like;			/* the person it looks like (who), or 0 */
};

/* For --truth: the hard cases, which bench/dedupe.sh scores one by one. */
enum hard { HARD_NONE, HARD_FAMILY, HARD_NAMESAKE, HARD_FATHER_SON, HARD_COLLEAGUE, HARD_MARRIED };

static const char *const hard_names[] = {
	"", "family", "namesake", "father-son", "colleague", "married",
};

enum bad_kind { BAD_NONE, BAD_DATE, BAD_EMAIL, BAD_PHONE, BAD_NAME, BAD_RAGGED, BAD_QTY, BAD_CUST };

/* The defect of a bad row, decided by the content stream. */
struct bad {
	enum bad_kind kind;
	int col;			/* BAD_RAGGED: the column left out */
	int era;			/* BAD_DATE: -1 Gregorian, else an era index */
	int y, m, d;			/* Gregorian or era year */
	char tel[12];			/* BAD_PHONE when the person has no number */
};

struct oline {
	unsigned char prod;
	signed char qty;
};

struct order {
	char prefix;
	unsigned char n, returned;
	uint32_t no, cust;
	int32_t day, sec;
	struct oline line[5];
};

struct gen {
	struct rng content, style;
	struct house house;
	uint64_t seed;
	double drift, dup_rate, bad_rate, drift_now, hard_rate;
	uint32_t people;		/* persons made so far */
	FILE *truth;			/* --truth, or NULL */
	const char *eol;
	unsigned pop_total;

	struct buf out, fld, tmp, conv;
	iconv_t cd;

	struct person *ring;
	size_t ring_len, ring_pos;
	struct order *orders;
	size_t orders_len, orders_pos;
};

/* Output. */

static void die_write(void)
{
	fprintf(stderr, "bench-gen: write error: %s\n", strerror(errno));
	exit(1);
}

static void write_all(const char *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		die_write();
}

static void flush_out(struct gen *g)
{
	char *in = g->out.p;
	size_t left = g->out.len;

	if (g->cd == (iconv_t)-1) {
		write_all(in, left);
		g->out.len = 0;
		return;
	}
	while (left) {
		char *o = g->conv.p;
		size_t room = g->conv.cap;
		size_t rc = iconv(g->cd, &in, &left, &o, &room);

		write_all(g->conv.p, g->conv.cap - room);
		if (rc == (size_t)-1 && errno != E2BIG) {
			fprintf(stderr, "bench-gen: cannot encode '%.*s' in CP932: %s\n",
				(int)(left < 12 ? left : 12), in, strerror(errno));
			exit(1);
		}
	}
	g->out.len = 0;
}

/* Appends the field in g->fld to the record, quoted if it must be. */
static void emit_field(struct gen *g, int first)
{
	struct buf *o = &g->out;
	const char *s = g->fld.p;
	size_t n = g->fld.len, i;
	int quote = 0;

	if (!first)
		put_ch(o, ',');
	for (i = 0; i < n; i++) {
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
			quote = 1;
			break;
		}
	}
	if (!quote) {
		put_n(o, s, n);
		return;
	}
	buf_reserve(o, 2 * n + 2);
	o->p[o->len++] = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			o->p[o->len++] = '"';
		o->p[o->len++] = s[i];
	}
	o->p[o->len++] = '"';
}

static void end_record(struct gen *g)
{
	put_str(&g->out, g->eol);
	if (g->out.len >= CHUNK)
		flush_out(g);
}

static void emit_header(struct gen *g, const char *const *cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		g->fld.len = 0;
		put_str(&g->fld, cols[i]);
		emit_field(g, i == 0);
	}
	end_record(g);
}

/* Notation: everything below draws from the style stream only. */

static int pick(struct gen *g, int house, int n)
{
	if (rng_chance(&g->style, g->drift_now))
		return (int)rng_below(&g->style, (uint32_t)n);
	return house;
}

static void put_kana(struct buf *b, const char *s, int form)
{
	const unsigned char *p = (const unsigned char *)s;

	if (form == KANA_KATA) {
		put_str(b, s);
		return;
	}
	while (*p) {
		if (p[0] == 0xe3 && (p[1] == 0x82 || p[1] == 0x83) && p[2]) {
			unsigned cp = 0x3000 | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);

			if (cp >= 0x30a1 && cp <= 0x30f4) {
				if (form == KANA_HALF)
					put_str(b, hw_kana[cp - 0x30a1]);
				else if (cp <= 0x30f3)
					put_cp(b, cp - 0x60);
				else	/* ゔ is not in CP932 */
					put_n(b, (const char *)p, 3);
				p += 3;
				continue;
			}
			if (cp == 0x30fc && form == KANA_HALF) {
				put_str(b, "ｰ");
				p += 3;
				continue;
			}
		}
		put_ch(b, (char)*p++);
	}
}

static const char *family_glyphs(struct gen *g, const struct person *p)
{
	const struct family *f = &families[p->family];

	/* A second system may lack the variant glyph and store the common one. */
	if (!p->variant || rng_chance(&g->style, g->drift_now * 0.5))
		return f->kanji;
	return p->variant == 1 ? f->var1 : f->var2;
}

static void put_name(struct gen *g, struct buf *b, const struct person *p)
{
	static const char *const honorifics[] = { "様", " 様", "　様", "殿", "さん" };

	put_str(b, family_glyphs(g, p));
	put_str(b, seps[pick(g, g->house.name_sep, SEP_COUNT)]);
	put_str(b, givens[p->given].kanji);
	if (rng_chance(&g->style, g->drift_now * 0.05))
		put_str(b, honorifics[rng_below(&g->style, ARRAY_SIZE(honorifics))]);
}

static void put_furigana(struct gen *g, struct buf *b, const struct person *p)
{
	int form = pick(g, g->house.kana, KANA_COUNT);
	int sep = pick(g, g->house.kana_sep, SEP_COUNT);

	if (form == KANA_HALF && sep == SEP_FW)
		sep = SEP_ASCII;
	put_kana(b, families[p->family].kana, form);
	put_str(b, seps[sep]);
	put_kana(b, givens[p->given].kana, form);
}

static void put_company(struct gen *g, struct buf *b, const struct person *p)
{
	const struct company *c;
	const struct legal *l;
	const char *lf, *sep = "";

	if (p->company < 0)
		return;
	c = &companies[p->company];
	l = &legals[p->legal];
	switch (pick(g, g->house.legal, LF_COUNT)) {
	case LF_PAREN:
		lf = l->paren;
		break;
	case LF_SINGLE:
		lf = l->single ? l->single : l->paren;
		break;
	case LF_FWPAREN:
		lf = l->fwparen;
		break;
	case LF_FULL_SPACE:
		lf = l->full;
		sep = seps[rng_below(&g->style, 2)];
		break;
	case LF_EN:
		if (c->en && l->en) {
			put_str(b, c->en);
			put_ch(b, ' ');
			put_str(b, rng_chance(&g->style, 0.7) ? l->en : l->en2);
			return;
		}
		/* fall through */
	default:
		lf = l->full;
		break;
	}
	if (p->legal_front) {
		put_str(b, lf);
		put_str(b, sep);
		put_str(b, c->name);
	} else {
		put_str(b, c->name);
		put_str(b, sep);
		put_str(b, lf);
	}
}

static void put_email(struct gen *g, struct buf *b, const struct person *p,
		      const struct bad *bad)
{
	static const unsigned char w_drift[] = { 0, 40, 25, 20, 15 };
	const char *e = p->email, *at;
	int form = 0;

	if (bad->kind == BAD_EMAIL) {
		if (!*e) {
			g->tmp.len = 0;
			put_str(&g->tmp, givens[p->given].roma);
			put_str(&g->tmp, "@gmail.com");
			put_ch(&g->tmp, '\0');
			e = g->tmp.p;
		}
		at = strchr(e, '@');
		put_n(b, e, (size_t)(at - e));
		if (rng_chance(&g->style, 0.5)) {
			put_str(b, "@@");	/* taro@@gmail.com */
		} else {
			put_str(b, "@");	/* taro@yamada@gmail.com */
			put_str(b, families[p->family].roma);
			put_str(b, "@");
		}
		put_str(b, at + 1);
		return;
	}
	if (!*e)
		return;
	if (rng_chance(&g->style, g->drift_now))
		form = (int)rng_weighted(&g->style, w_drift, ARRAY_SIZE(w_drift));
	at = strchr(e, '@');
	switch (form) {
	case 1:		/* full-width ＠, the IME left on for one key */
		put_n(b, e, (size_t)(at - e));
		put_str(b, "＠");
		put_str(b, at + 1);
		break;
	case 2:		/* capitalised by a form or a phone keyboard */
		put_ch(b, (char)(e[0] >= 'a' && e[0] <= 'z' ? e[0] - 32 : e[0]));
		put_str(b, e + 1);
		break;
	case 3:		/* typed entirely with the IME on */
		put_fw(b, e, strlen(e), NULL);
		break;
	case 4:		/* pasted with a trailing space */
		put_str(b, e);
		put_ch(b, ' ');
		break;
	default:
		put_str(b, e);
		break;
	}
}

/* Replaces one or two digits with letters, as a typo or an OCR misread. */
static void spoil_digits(struct gen *g, struct buf *t)
{
	static const char letters[] = "OlISBxa";
	size_t i, ndig = 0, k;
	int times = 1 + (int)rng_below(&g->style, 2);

	for (i = 0; i < t->len; i++)
		ndig += t->p[i] >= '0' && t->p[i] <= '9';
	while (times-- && ndig) {
		k = rng_below(&g->style, (uint32_t)ndig);
		for (i = 0; i < t->len; i++) {
			if (t->p[i] >= '0' && t->p[i] <= '9' && k-- == 0) {
				t->p[i] = t->p[i] == '0' ? 'O' : t->p[i] == '1' ? 'l' :
					letters[rng_below(&g->style, sizeof(letters) - 1)];
				ndig--;
				break;
			}
		}
	}
}

static void put_phone(struct gen *g, struct buf *b, const char *digits, int area,
		      unsigned ext, int bad)
{
	static const char *const dashes[] = { "ー", "‐", "―", "－" };
	static const char *const ext_forms[] = { " 内線", "（内線", " ext.", " 内" };
	int form = pick(g, g->house.phone, PF_COUNT);
	size_t n = strlen(digits), mid = n - 4 - (size_t)area;
	const char *g1 = digits, *g2 = digits + area, *g3 = g2 + mid;
	struct buf *t = &g->tmp;

	if (bad && form >= PF_FW)
		form = PF_HYPHEN;
	t->len = 0;
	switch (form) {
	case PF_PLAIN:
		put_n(t, digits, n);
		break;
	case PF_PAREN:
		put_n(t, g1, (size_t)area);
		put_ch(t, '(');
		put_n(t, g2, mid);
		put_ch(t, ')');
		put_n(t, g3, 4);
		break;
	case PF_AREAPAREN:
		put_ch(t, '(');
		put_n(t, g1, (size_t)area);
		put_ch(t, ')');
		put_n(t, g2, mid);
		put_ch(t, '-');
		put_n(t, g3, 4);
		break;
	case PF_SPACE:
	case PF_INTL_SPACE:
	case PF_INTL:
		if (form == PF_SPACE) {
			put_n(t, g1, (size_t)area);
		} else {
			put_str(t, "+81");
			put_ch(t, form == PF_INTL ? '-' : ' ');
			put_n(t, g1 + 1, (size_t)area - 1);
		}
		put_ch(t, form == PF_INTL ? '-' : ' ');
		put_n(t, g2, mid);
		put_ch(t, form == PF_INTL ? '-' : ' ');
		put_n(t, g3, 4);
		break;
	default:
		put_n(t, g1, (size_t)area);
		put_ch(t, '-');
		put_n(t, g2, mid);
		put_ch(t, '-');
		put_n(t, g3, 4);
		break;
	}
	if (bad)
		spoil_digits(g, t);
	if (form == PF_FW)
		put_fw(b, t->p, t->len, NULL);
	else if (form == PF_FW_DASH)
		put_fw(b, t->p, t->len, dashes[rng_below(&g->style, ARRAY_SIZE(dashes))]);
	else
		put_n(b, t->p, t->len);
	if (ext) {
		int ef = pick(g, g->house.ext, ARRAY_SIZE(ext_forms));

		put_str(b, ext_forms[ef]);
		put_uint(b, ext, 0);
		if (ef == 1)
			put_str(b, "）");
	}
}

static void put_postal(struct gen *g, struct buf *b, const char *z)
{
	struct buf *t = &g->tmp;
	int form = pick(g, g->house.postal, ZF_COUNT);

	t->len = 0;
	put_n(t, z, 3);
	if (form != ZF_PLAIN && form != ZF_MARK_PLAIN)
		put_ch(t, '-');
	put_n(t, z + 3, 4);
	if (form == ZF_MARK || form == ZF_MARK_PLAIN || form == ZF_MARK_FW)
		put_str(b, "〒");
	if (form == ZF_FW || form == ZF_MARK_FW)
		put_fw(b, t->p, t->len, NULL);
	else
		put_n(b, t->p, t->len);
}

static void put_block(struct gen *g, struct buf *b, const struct person *p, int form)
{
	struct buf *t = &g->tmp;
	int fw = form == BF_FW || form == BF_FW_CHOME;

	t->len = 0;
	if (p->chome) {
		switch (form) {
		case BF_KANJI:
			put_str(t, kanji_digits[p->chome]);
			put_str(t, "丁目");
			put_uint(t, p->ban, 0);
			put_str(t, "番");
			if (p->go) {
				put_uint(t, p->go, 0);
				put_str(t, "号");
			}
			break;
		case BF_BANGO:
			put_uint(t, p->chome, 0);
			put_str(t, "丁目");
			put_uint(t, p->ban, 0);
			put_str(t, "番");
			if (p->go) {
				put_uint(t, p->go, 0);
				put_str(t, "号");
			}
			break;
		case BF_CHOME:
		case BF_FW_CHOME:
			put_uint(t, p->chome, 0);
			put_str(t, "丁目");
			put_uint(t, p->ban, 0);
			if (p->go) {
				put_ch(t, '-');
				put_uint(t, p->go, 0);
			}
			break;
		default:
			put_uint(t, p->chome, 0);
			put_ch(t, '-');
			put_uint(t, p->ban, 0);
			if (p->go) {
				put_ch(t, '-');
				put_uint(t, p->go, 0);
			}
			break;
		}
	} else {
		/* Towns without 丁目: 1234番地5, 1234番地の5, 1234-5. */
		put_uint(t, p->ban, 0);
		if (form == BF_HYPHEN || form == BF_FW) {
			if (p->go) {
				put_ch(t, '-');
				put_uint(t, p->go, 0);
			}
		} else {
			put_str(t, "番地");
			if (p->go) {
				if (form == BF_KANJI)
					put_str(t, "の");
				put_uint(t, p->go, 0);
			}
		}
	}
	if (fw)
		put_fw(b, t->p, t->len, NULL);
	else
		put_n(b, t->p, t->len);
}

static void put_address(struct gen *g, struct buf *b, const struct person *p)
{
	const struct pref *pr = &prefs[p->pref];
	int form, block;

	switch (pick(g, PRF_FULL, PRF_COUNT)) {
	case PRF_SHORT:
		/* 東京, 大阪, 神奈川: the suffix 都/府/県 left off. */
		put_n(b, pr->name, strlen(pr->name) - (p->pref ? 3 : 0));
		break;
	case PRF_NONE:
		break;
	default:
		put_str(b, pr->name);
		break;
	}
	put_str(b, pr->city[p->city]);
	put_str(b, towns[p->town]);
	block = pick(g, g->house.block, BF_COUNT);
	put_block(g, b, p, block);
	if (p->bldg < 0)
		return;
	form = pick(g, g->house.bldg_sep, 4);
	if (form == 3 && !buildings[p->bldg].office) {
		/* 3-14-17-604: the room number alone, no building name. */
		put_ch(b, '-');
		put_uint(b, p->room, 0);
		return;
	}
	put_str(b, seps[form == 3 ? SEP_NONE : form]);
	put_str(b, buildings[p->bldg].name);
	if (buildings[p->bldg].office) {
		put_str(b, pick(g, g->house.floor_sep, 2) ? "" : " ");
		put_uint(b, p->room / 100, 0);
		put_str(b, pick(g, g->house.floor_unit, 2) ? "階" : "F");
	} else {
		static const char *const suffix[] = { "号室", "", "号" };
		const char *name = buildings[p->bldg].name;
		int sep = pick(g, g->house.room_sep, SEP_COUNT);

		/* レオパレス21 604, never レオパレス21604. */
		if (sep == SEP_NONE && name[strlen(name) - 1] >= '0' &&
		    name[strlen(name) - 1] <= '9')
			sep = SEP_ASCII;
		put_str(b, seps[sep]);
		put_uint(b, p->room, 0);
		put_str(b, suffix[pick(g, g->house.room_suffix, 3)]);
	}
}

/* Gregorian forms: 1985/04/03 ... 1985年4月3日. */
static void put_ymd(struct buf *b, int form, int y, int m, int d)
{
	int pad = form == DF_SLASH0 || form == DF_DASH0 || form == DF_COMPACT ||
		form == DF_FW_SLASH0;
	const char *sep = form == DF_DASH0 || form == DF_DASH ? "-" :
		form == DF_DOT ? "." : form == DF_COMPACT ? "" : "/";

	put_uint(b, (unsigned long)y, 4);
	if (form == DF_KANJI || form == DF_FW_KANJI) {
		put_str(b, "年");
		put_uint(b, (unsigned long)m, 0);
		put_str(b, "月");
		put_uint(b, (unsigned long)d, 0);
		put_str(b, "日");
		return;
	}
	put_str(b, sep);
	put_uint(b, (unsigned long)m, pad ? 2 : 0);
	put_str(b, sep);
	put_uint(b, (unsigned long)d, pad ? 2 : 0);
}

/* Era forms: 昭和60年4月3日, 平成元年1月8日, S60.4.3, S60/04/03. */
static void put_era(struct buf *b, int form, int era, int ey, int m, int d, int gannen)
{
	if (form == DF_ERA_KANJI || form == DF_FW_ERA) {
		put_str(b, eras[era].kanji);
		if (ey == 1 && gannen)
			put_str(b, "元");
		else
			put_uint(b, (unsigned long)ey, 0);
		put_str(b, "年");
		put_uint(b, (unsigned long)m, 0);
		put_str(b, "月");
		put_uint(b, (unsigned long)d, 0);
		put_str(b, "日");
		return;
	}
	put_ch(b, eras[era].abbr);
	put_uint(b, (unsigned long)ey, 0);
	put_str(b, form == DF_ERA_DOT ? "." : "/");
	put_uint(b, (unsigned long)m, form == DF_ERA_DOT ? 0 : 2);
	put_str(b, form == DF_ERA_DOT ? "." : "/");
	put_uint(b, (unsigned long)d, form == DF_ERA_DOT ? 0 : 2);
}

static int is_era_form(int form)
{
	return form == DF_ERA_KANJI || form == DF_ERA_DOT || form == DF_ERA_SLASH0 ||
		form == DF_FW_ERA;
}

static int is_fw_form(int form)
{
	return form == DF_FW_SLASH0 || form == DF_FW_KANJI || form == DF_FW_ERA;
}

/* A date in the given form; era forms computed from the Gregorian date. */
static void put_date(struct gen *g, struct buf *b, int form, int32_t day, int32_t sec)
{
	struct buf *t = is_fw_form(form) ? &g->tmp : b;
	int y, m, d, era, ey;

	civil_from_days(day, &y, &m, &d);
	if (t != b)
		t->len = 0;
	if (form >= DF_COUNT) {
		put_ymd(t, form == OF_ISO_HMS ? DF_DASH0 : form == OF_SLASH_HM ? DF_SLASH0 :
			DF_SLASH, y, m, d);
		put_ch(t, ' ');
		put_uint(t, (unsigned long)(sec / 3600), form == OF_SLASH_SHORT_HM ? 0 : 2);
		put_ch(t, ':');
		put_uint(t, (unsigned long)(sec / 60 % 60), 2);
		if (form == OF_ISO_HMS) {
			put_ch(t, ':');
			put_uint(t, (unsigned long)(sec % 60), 2);
		}
	} else if (is_era_form(form) && (era = era_of(y, m, d, &ey)) >= 0) {
		put_era(t, form, era, ey, m, d, rng_chance(&g->style, 0.5));
	} else {
		put_ymd(t, is_era_form(form) ? DF_KANJI : form, y, m, d);
	}
	if (t != b)
		put_fw(b, t->p, t->len, NULL);
}

static void put_bad_date(struct gen *g, struct buf *b, const struct bad *bad)
{
	static const unsigned char greg[] = {
		DF_SLASH0, DF_SLASH, DF_DASH0, DF_DASH, DF_COMPACT, DF_KANJI,
	};
	static const unsigned char era[] = { DF_ERA_KANJI, DF_ERA_DOT, DF_ERA_SLASH0 };

	if (bad->era < 0)
		put_ymd(b, greg[rng_below(&g->style, ARRAY_SIZE(greg))], bad->y, bad->m, bad->d);
	else
		put_era(b, era[rng_below(&g->style, ARRAY_SIZE(era))], bad->era, bad->y,
			bad->m, bad->d, 0);
}

static void put_yen(struct gen *g, struct buf *b, long v, int form)
{
	unsigned long a = (unsigned long)(v < 0 ? -v : v);

	if (v < 0 && rng_chance(&g->style, g->drift_now * 0.2)) {
		put_str(b, "▲");	/* the accountant's minus */
		put_grouped(b, a);
		return;
	}
	if (form == YF_YEN || form == YF_FWYEN) {
		int sign_first = v < 0 && pick(g, g->house.yen_sign, 2);

		if (sign_first)
			put_ch(b, '-');
		put_str(b, form == YF_YEN ? "¥" : "￥");
		if (v < 0 && !sign_first)
			put_ch(b, '-');
		put_grouped(b, a);
		return;
	}
	if (v < 0)
		put_ch(b, '-');
	if (form == YF_COMMA || form == YF_COMMA_EN)
		put_grouped(b, a);
	else
		put_uint(b, a, 0);
	if (form == YF_EN || form == YF_COMMA_EN)
		put_str(b, "円");
}

enum { C_ID, C_NAME, C_KANA, C_COMPANY, C_DEPT, C_EMAIL, C_TEL, C_MOBILE, C_POSTAL,
	C_ADDRESS, C_BIRTH, C_GENDER, C_CONSENT, C_NOTE, C_COUNT };

static const char *const customer_cols[C_COUNT] = {
	"顧客番号", "氏名", "フリガナ", "会社名", "部署", "メールアドレス", "電話番号",
	"携帯電話", "郵便番号", "住所", "生年月日", "性別", "メール配信", "備考",
};

static void emit_customer(struct gen *g, unsigned long id, const struct person *p,
			  const struct bad *bad)
{
	struct buf *f = &g->fld;
	int col;

	for (col = 0; col < C_COUNT; col++) {
		f->len = 0;
		switch (col) {
		case C_ID:
			put_ch(f, 'C');
			put_uint(f, id, 7);
			break;
		case C_NAME:
			if (bad->kind != BAD_NAME)
				put_name(g, f, p);
			break;
		case C_KANA:
			put_furigana(g, f, p);
			break;
		case C_COMPANY:
			put_company(g, f, p);
			break;
		case C_DEPT:
			if (p->company >= 0 && p->dept)
				put_str(f, depts[p->dept - 1]);
			break;
		case C_EMAIL:
			put_email(g, f, p, bad);
			break;
		case C_TEL:
			if (bad->kind == BAD_PHONE && !p->tel[0])
				put_phone(g, f, bad->tel, 3, 0, 1);
			else if (p->tel[0])
				put_phone(g, f, p->tel, p->tel_area, p->tel_ext,
					  bad->kind == BAD_PHONE);
			break;
		case C_MOBILE:
			if (p->mobile[0])
				put_phone(g, f, p->mobile, 3, 0, 0);
			break;
		case C_POSTAL:
			put_postal(g, f, p->postal);
			break;
		case C_ADDRESS:
			put_address(g, f, p);
			break;
		case C_BIRTH:
			if (bad->kind == BAD_DATE)
				put_bad_date(g, f, bad);
			else if (p->birth != NO_DATE)
				put_date(g, f, pick(g, g->house.date, DF_COUNT), p->birth, 0);
			break;
		case C_GENDER:
			put_str(f, genders[pick(g, g->house.gender, GF_COUNT)][p->sex]);
			break;
		case C_CONSENT:
			put_str(f, consents[pick(g, g->house.consent, CF_COUNT)][p->consent]);
			break;
		case C_NOTE:
			if (p->note >= 0)
				put_str(f, notes[p->note]);
			break;
		}
		if (bad->kind == BAD_RAGGED && col == bad->col)
			continue;
		emit_field(g, col == 0);
	}
	end_record(g);
}

/* Content: everything below draws from the content stream only. */

static void random_digits(struct rng *r, char *s, int n)
{
	while (n--)
		*s++ = (char)('0' + rng_below(r, 10));
}

/* A fixed line in the area of prefecture pref: 10 digits, area code first. */
static void make_fixed(struct rng *r, int pref, char *tel, unsigned char *area)
{
	const char *code = prefs[pref].area;
	size_t n = strlen(code);

	memcpy(tel, code, n);
	tel[n] = (char)('2' + rng_below(r, 8));	/* subscriber numbers start 2-9 */
	random_digits(r, tel + n + 1, 9 - (int)n);
	tel[10] = '\0';
	*area = (unsigned char)n;
}

static void make_mobile(struct rng *r, char *tel)
{
	static const unsigned char w[] = { 50, 35, 15 };
	static const char *const pfx[] = { "090", "080", "070" };

	memcpy(tel, pfx[rng_weighted(r, w, 3)], 3);
	tel[3] = (char)('1' + rng_below(r, 9));
	random_digits(r, tel + 4, 7);
	tel[11] = '\0';
}

static unsigned pick_pref(struct gen *g)
{
	unsigned x = rng_below(&g->content, g->pop_total), i;

	for (i = 0; i + 1 < ARRAY_SIZE(prefs) && x >= prefs[i].pop; i++)
		x -= prefs[i].pop;
	return i;
}

static uint64_t mix(uint64_t x)
{
	struct rng r = { x };

	return rng_next(&r);
}

static int32_t random_day(struct rng *r, int y0, int y1)
{
	int32_t lo = days_from_civil(y0, 1, 1), hi = days_from_civil(y1, 12, 31);

	return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

static int32_t make_birth(struct gen *g)
{
	/* Era boundaries, which a careless converter gets wrong. */
	static const short edge[][3] = {
		{ 1989, 1, 7 }, { 1989, 1, 8 }, { 1989, 1, 1 }, { 1989, 12, 31 },
		{ 2019, 4, 30 }, { 2019, 5, 1 }, { 2019, 12, 31 }, { 1988, 12, 31 },
		{ 1927, 1, 1 }, { 1926, 12, 25 }, { 1926, 12, 31 }, { 2000, 2, 29 },
	};
	struct rng *r = &g->content;
	double u;

	if (!rng_chance(r, 0.88))
		return NO_DATE;
	u = rng_unit(r);
	if (u < 0.004) {
		unsigned i = rng_below(r, ARRAY_SIZE(edge));

		return days_from_civil(edge[i][0], edge[i][1], edge[i][2]);
	}
	if (u < 0.015)		/* children registered by a parent */
		return random_day(r, 2012, 2024);
	if (u < 0.03)
		return random_day(r, 1927, 1939);
	return random_day(r, 1940, 2005);
}

static void make_email(struct gen *g, struct person *p)
{
	struct rng *r = &g->content;
	const char *fam = families[p->family].roma, *giv = givens[p->given].roma;
	const char *domain;
	char local[48];
	unsigned num = rng_range(r, 1, 9999);
	int y = 0, m, d, carrier = 0;

	if (p->birth != NO_DATE)
		civil_from_days(p->birth, &y, &m, &d);
	if (p->company >= 0 && rng_chance(r, 0.4)) {
		domain = companies[p->company].domain;
		if (rng_chance(r, 0.6))
			snprintf(local, sizeof(local), "%s.%s", giv, fam);
		else
			snprintf(local, sizeof(local), "%c-%s", giv[0], fam);
	} else {
		static unsigned char w[ARRAY_SIZE(domains)];
		unsigned i;

		for (i = 0; i < ARRAY_SIZE(domains); i++)
			w[i] = domains[i].weight;
		i = rng_weighted(r, w, ARRAY_SIZE(domains));
		domain = domains[i].name;
		carrier = domains[i].carrier;
		switch (rng_below(r, 8)) {
		case 0:
			snprintf(local, sizeof(local), "%s.%s%u", giv, fam, num % 100);
			break;
		case 1:
			snprintf(local, sizeof(local), "%s.%s.%u", fam, giv, num);
			break;
		case 2:
			snprintf(local, sizeof(local), "%s_%s%u", giv, fam, num % 1000);
			break;
		case 3:
			snprintf(local, sizeof(local), "%c.%s%u", giv[0], fam, num);
			break;
		case 4:
			snprintf(local, sizeof(local), "%s%c%02d", fam, giv[0],
				 y ? y % 100 : (int)(num % 100));
			break;
		case 5:
			snprintf(local, sizeof(local), "%s%d", giv, y ? y : (int)num);
			break;
		case 6:
			snprintf(local, sizeof(local), "%s-%s-%u", giv, fam, num);
			break;
		default:
			snprintf(local, sizeof(local), "%s%s%u", fam, giv, num);
			break;
		}
		/* Pre-2009 docomo/au addresses that break RFC 5322 yet work. */
		if (carrier && rng_chance(r, 0.25)) {
			if (rng_chance(r, 0.5))
				snprintf(local, sizeof(local), "%s..%s", giv, fam);
			else
				snprintf(local, sizeof(local), "%s.%s.", fam, giv);
		}
	}
	snprintf(p->email, sizeof(p->email), "%s@%s", local, domain);
}

/* The switchboard of a company is the same for everyone who works there. */
static void company_phone(struct gen *g, const struct person *p, char *tel,
			  unsigned char *area)
{
	struct rng r;

	rng_init(&r, mix(g->seed) ^
		 ((uint64_t)p->company << 8 | (uint64_t)p->legal << 1 | p->legal_front), 4);
	make_fixed(&r, (int)rng_below(&r, ARRAY_SIZE(prefs)), tel, area);
}

static void make_email(struct gen *g, struct person *p);

/* p lives where o does: the same address and postal code. */
static void same_home(struct person *p, const struct person *o)
{
	p->pref = o->pref;
	p->city = o->city;
	p->town = o->town;
	p->chome = o->chome;
	p->ban = o->ban;
	p->go = o->go;
	p->bldg = o->bldg;
	p->room = o->room;
	memcpy(p->postal, o->postal, sizeof(p->postal));
}

/*
 * --hard-rate: p, a new person, made to look like o, someone recent, as
 * dedupe must not merge: a namesake elsewhere (same name, own address,
 * birth and email), a father or a son of one name at one home (same
 * name, address and home phone, a generation apart), a colleague on the
 * office phone (same company and number, own name).
 */
static void make_lookalike(struct gen *g, struct person *p, const struct person *o)
{
	struct rng *r = &g->content;

	switch (rng_below(r, 3)) {
	case 0:		/* a namesake elsewhere */
		p->hard = HARD_NAMESAKE;
		p->like = o->who;
		p->family = o->family;
		p->variant = o->variant;
		p->given = o->given;
		p->sex = o->sex;
		if (p->pref == o->pref)
			p->pref = (unsigned char)((p->pref + 1) % ARRAY_SIZE(prefs));
		make_email(g, p);
		break;
	case 1:		/* a father and a son */
		p->hard = HARD_FATHER_SON;
		p->like = o->who;
		p->family = o->family;
		p->variant = o->variant;
		p->given = o->given;
		p->sex = o->sex;
		if (o->birth != NO_DATE)
			p->birth = o->birth + (rng_chance(r, 0.5) ? 1 : -1) *
				   (int32_t)rng_range(r, 25 * 365, 35 * 365);
		same_home(p, o);
		memcpy(p->tel, o->tel, sizeof(p->tel));
		p->tel_area = o->tel_area;
		p->tel_ext = 0;
		make_email(g, p);
		break;
	default:	/* a colleague */
		if (o->company < 0 || !o->tel[0])
			break;
		p->hard = HARD_COLLEAGUE;
		p->like = o->who;
		p->company = o->company;
		p->legal = o->legal;
		p->legal_front = o->legal_front;
		p->dept = o->dept;
		memcpy(p->tel, o->tel, sizeof(p->tel));
		p->tel_area = o->tel_area;
		p->tel_ext = o->tel_ext ? (unsigned short)rng_range(r, 10, 4999) : 0;
		break;
	}
}

static void make_person(struct gen *g, struct person *p)
{
	struct rng *r = &g->content;
	const struct family *f;
	uint64_t h;
	int i;

	memset(p, 0, sizeof(*p));
	/* Lists run from common to rare; squaring the draw favours the front. */
	i = (int)(rng_unit(r) * rng_unit(r) * ARRAY_SIZE(families));
	p->family = (unsigned short)i;
	f = &families[i];
	if (f->var1 && rng_chance(r, 0.12))
		p->variant = f->var2 && rng_chance(r, 0.4) ? 2 : 1;
	p->given = (unsigned short)rng_below(r, ARRAY_SIZE(givens));
	p->sex = rng_chance(r, 0.95) ? (unsigned char)givens[p->given].sex : 0;
	p->birth = make_birth(g);

	p->company = -1;
	if (rng_chance(r, 0.35)) {
		const struct company *c;

		p->company = (signed char)rng_below(r, ARRAY_SIZE(companies));
		c = &companies[p->company];
		if (c->legal >= 0) {
			p->legal = (unsigned char)c->legal;
			p->legal_front = 1;
		} else {
			static const unsigned char w[] = { 75, 15, 10 };

			/* 前株 and 後株 of one name are different companies. */
			p->legal = (unsigned char)rng_weighted(r, w, 3);
			p->legal_front = (unsigned char)rng_chance(r, 0.55);
		}
		p->dept = rng_chance(r, 0.8) ? (unsigned char)(1 + rng_below(r, ARRAY_SIZE(depts))) : 0;
	}

	p->pref = (unsigned char)pick_pref(g);
	p->city = (unsigned char)rng_below(r, 3);
	p->town = (unsigned char)rng_below(r, ARRAY_SIZE(towns));
	if (rng_chance(r, 0.7)) {
		p->chome = (unsigned char)rng_range(r, 1, 9);
		p->ban = (unsigned short)rng_range(r, 1, 30);
	} else {
		p->ban = (unsigned short)rng_range(r, 1, 2500);
	}
	p->go = rng_chance(r, 0.85) ? (unsigned char)rng_range(r, 1, 25) : 0;
	p->bldg = -1;
	if (rng_chance(r, 0.4)) {
		p->bldg = (signed char)rng_below(r, ARRAY_SIZE(buildings));
		p->room = (unsigned short)(rng_range(r, 1, 12) * 100 + rng_range(r, 1, 10));
	}
	/* One postal code per town, the first two digits by prefecture. */
	h = mix((uint64_t)p->pref << 16 | (uint64_t)p->city << 8 | p->town);
	p->postal[0] = (char)('0' + (prefs[p->pref].zip_lo + h % (prefs[p->pref].zip_hi -
		prefs[p->pref].zip_lo + 1u)) / 10);
	p->postal[1] = (char)('0' + (prefs[p->pref].zip_lo + h % (prefs[p->pref].zip_hi -
		prefs[p->pref].zip_lo + 1u)) % 10);
	for (i = 2, h >>= 8; i < 7; i++, h >>= 4)
		p->postal[i] = (char)('0' + h % 10);

	if (rng_chance(r, 0.8))
		make_mobile(r, p->mobile);
	if (p->company >= 0 && rng_chance(r, 0.5)) {
		company_phone(g, p, p->tel, &p->tel_area);
		if (rng_chance(r, 0.4))
			p->tel_ext = (unsigned short)rng_range(r, 10, 4999);
	} else if (rng_chance(r, 0.6)) {
		if (rng_chance(r, 0.05)) {
			memcpy(p->tel, "050", 3);	/* IP phone */
			random_digits(r, p->tel + 3, 8);
			p->tel[11] = '\0';
			p->tel_area = 3;
		} else {
			make_fixed(r, p->pref, p->tel, &p->tel_area);
		}
	} else if (p->mobile[0] && rng_chance(r, 0.3)) {
		memcpy(p->tel, p->mobile, sizeof(p->tel));	/* the mobile, twice */
		p->tel_area = 3;
	}

	if (rng_chance(r, 0.9))
		make_email(g, p);
	p->consent = rng_chance(r, 0.9) ? (unsigned char)(rng_chance(r, 0.65) ? 1 : 2) : 0;
	p->note = rng_chance(r, 0.2) ? (signed char)rng_below(r, ARRAY_SIZE(notes)) : -1;

	/*
	 * A family member of someone recent: same family name, address and
	 * home phone, a different person. A shared number must not merge them.
	 */
	if (g->ring_len && rng_chance(r, 0.015)) {
		const struct person *o = &g->ring[rng_below(r, (uint32_t)g->ring_len)];

		if (p->given == o->given) {
			p->given = (unsigned short)((p->given + 1) % ARRAY_SIZE(givens));
			if (p->sex)
				p->sex = (unsigned char)givens[p->given].sex;
		}
		p->hard = HARD_FAMILY;
		p->like = o->who;
		p->family = o->family;
		p->variant = o->variant;
		same_home(p, o);
		if (o->tel[0] && !o->tel_ext && strcmp(o->tel, o->mobile)) {
			memcpy(p->tel, o->tel, sizeof(p->tel));
			p->tel_area = o->tel_area;
			p->tel_ext = 0;
		}
	}
	p->who = ++g->people;
	/* Draws only with --hard-rate, so that the default output stays as it was. */
	if (g->hard_rate > 0 && g->ring_len && rng_chance(r, g->hard_rate))
		make_lookalike(g, p, &g->ring[rng_below(r, (uint32_t)g->ring_len)]);
}

/* A date that does not exist, or an era date outside its era. */
static void make_bad_date(struct rng *r, struct bad *bad, int y0, int y1)
{
	static const unsigned char md[][2] = {
		{ 2, 30 }, { 2, 31 }, { 4, 31 }, { 6, 31 }, { 9, 31 }, { 11, 31 }, { 13, 1 },
		{ 2, 29 },
	};
	unsigned k;

	bad->era = -1;
	if (rng_chance(r, 0.6)) {
		k = rng_below(r, ARRAY_SIZE(md));
		bad->y = (int)rng_range(r, (uint32_t)y0, (uint32_t)y1);
		if (k == ARRAY_SIZE(md) - 1 && is_leap(bad->y))
			bad->y++;	/* 29 February of a common year */
		bad->m = md[k][0];
		bad->d = md[k][1];
		return;
	}
	bad->m = (int)rng_range(r, 1, 12);
	bad->d = (int)rng_range(r, 1, 28);
	switch (rng_below(r, 6)) {
	case 0:		/* 平成32年: Heisei ended in its 31st year */
		bad->era = ERA_HEISEI;
		bad->y = (int)rng_range(r, 32, 35);
		break;
	case 1:		/* 昭和65年 */
		bad->era = ERA_SHOWA;
		bad->y = (int)rng_range(r, 65, 70);
		break;
	case 2:		/* 昭和64年 after 7 January */
		bad->era = ERA_SHOWA;
		bad->y = 64;
		if (bad->m == 1 && bad->d <= 7)
			bad->d += 8;
		break;
	case 3:		/* 平成31年 after 30 April */
		bad->era = ERA_HEISEI;
		bad->y = 31;
		bad->m = (int)rng_range(r, 5, 12);
		break;
	case 4:		/* 平成元年 before 8 January */
		bad->era = ERA_HEISEI;
		bad->y = 1;
		bad->m = 1;
		bad->d = (int)rng_range(r, 1, 7);
		break;
	default:	/* 令和元年 before 1 May */
		bad->era = ERA_REIWA;
		bad->y = 1;
		bad->m = (int)rng_range(r, 1, 4);
		break;
	}
}

static void make_bad_customer(struct gen *g, struct bad *bad)
{
	struct rng *r = &g->content;

	memset(bad, 0, sizeof(*bad));
	if (!rng_chance(r, g->bad_rate))
		return;
	bad->kind = (enum bad_kind)(BAD_DATE + rng_below(r, 5));
	switch (bad->kind) {
	case BAD_DATE:
		make_bad_date(r, bad, 1940, 2005);
		break;
	case BAD_PHONE:
		make_mobile(r, bad->tel);
		break;
	case BAD_RAGGED:
		bad->col = (int)rng_range(r, 1, C_COUNT - 1);
		break;
	default:
		break;
	}
}

static void ring_push(struct gen *g, const struct person *p)
{
	g->ring[g->ring_pos] = *p;
	g->ring_pos = (g->ring_pos + 1) % PERSON_RING;
	if (g->ring_len < PERSON_RING)
		g->ring_len++;
}

static void gen_customers(struct gen *g, unsigned long rows)
{
	struct person p;
	struct bad bad;
	unsigned long id;

	emit_header(g, customer_cols, C_COUNT);
	for (id = 1; id <= rows; id++) {
		const struct person *pp = &p;
		struct person wed;

		make_bad_customer(g, &bad);
		if (g->ring_len && rng_chance(&g->content, g->dup_rate)) {
			pp = &g->ring[rng_below(&g->content, (uint32_t)g->ring_len)];
			g->drift_now = g->drift * 2 < 1 ? g->drift * 2 : 1;
			/* Married since: a new surname, the same birthdate and email. */
			if (g->hard_rate > 0 && rng_chance(&g->content, g->hard_rate)) {
				wed = *pp;
				wed.family = (unsigned short)((wed.family + 1 +
					rng_below(&g->content, ARRAY_SIZE(families) - 1)) %
					ARRAY_SIZE(families));
				wed.variant = 0;
				wed.hard = HARD_MARRIED;
				wed.like = pp->who;
				pp = &wed;
			}
		} else {
			make_person(g, &p);
			ring_push(g, &p);
			g->drift_now = g->drift;
		}
		emit_customer(g, id, pp, &bad);
		/* A duplicate of a look-alike looks alike too; a duplicate made otherwise is none. */
		if (g->truth && fprintf(g->truth, "C%07lu,%lu,%s,%lu\n", id, (unsigned long)pp->who,
					hard_names[pp->hard], (unsigned long)pp->like) < 0)
			die_write();
	}
}

enum { O_NO, O_CUST, O_DATE, O_ITEM, O_PRICE, O_QTY, O_AMOUNT, O_COUNT };

static const char *const order_cols[O_COUNT] = {
	"注文番号", "顧客番号", "注文日", "商品名", "単価", "数量", "金額",
};

static void emit_order_line(struct gen *g, const struct order *o, int i,
			    const struct bad *bad)
{
	const struct product *pr = &products[o->line[i].prod];
	struct buf *f = &g->fld;
	int qty = o->line[i].qty, yen = pick(g, g->house.yen, YF_COUNT), col;

	for (col = 0; col < O_COUNT; col++) {
		f->len = 0;
		switch (col) {
		case O_NO:
			put_ch(f, o->prefix);
			put_uint(f, o->no, 7);
			break;
		case O_CUST:
			if (bad->kind != BAD_CUST) {
				put_ch(f, 'C');
				put_uint(f, o->cust, 7);
			}
			break;
		case O_DATE:
			if (bad->kind == BAD_DATE)
				put_bad_date(g, f, bad);
			else
				put_date(g, f, pick(g, g->house.odate, OF_COUNT), o->day, o->sec);
			break;
		case O_ITEM:
			put_str(f, pr->name);
			break;
		case O_PRICE:
			put_yen(g, f, (long)pr->price, yen);
			break;
		case O_QTY:
			if (qty < 0)
				put_ch(f, '-');
			put_uint(f, (unsigned long)(qty < 0 ? -qty : qty), 0);
			if (bad->kind == BAD_QTY)
				put_ch(f, "OlxI"[rng_below(&g->style, 4)]);
			break;
		case O_AMOUNT:
			put_yen(g, f, (long)pr->price * qty, yen);
			break;
		}
		if (bad->kind == BAD_RAGGED && col == bad->col)
			continue;
		emit_field(g, col == 0);
	}
	end_record(g);
}

static void make_bad_order(struct gen *g, struct bad *bad, int32_t day)
{
	static const enum bad_kind kinds[] = { BAD_DATE, BAD_RAGGED, BAD_QTY, BAD_CUST };
	struct rng *r = &g->content;
	int y, m, d;

	memset(bad, 0, sizeof(*bad));
	if (!rng_chance(r, g->bad_rate))
		return;
	bad->kind = kinds[rng_below(r, ARRAY_SIZE(kinds))];
	if (bad->kind == BAD_DATE) {
		civil_from_days(day, &y, &m, &d);
		make_bad_date(r, bad, y, y);
	} else if (bad->kind == BAD_RAGGED) {
		bad->col = (int)rng_range(r, 1, O_COUNT - 1);
	}
}

static void gen_orders(struct gen *g, unsigned long rows, unsigned long customers)
{
	static const unsigned char w_lines[] = { 35, 25, 20, 12, 8 };
	static const unsigned char w_qty[] = { 60, 20, 10, 5, 5 };
	struct rng *r = &g->content;
	const int32_t first = days_from_civil(2020, 1, 1), last = days_from_civil(2025, 12, 31);
	/* Order numbers and dates rise together over 2020-2025. */
	double per_order = (double)(last - first) / ((double)rows / 2.33 + 1);
	unsigned long emitted = 0;
	uint32_t next_no = 0;
	struct order o;
	struct bad bad;
	int i, j;

	emit_header(g, order_cols, O_COUNT);
	g->drift_now = g->drift;
	while (emitted < rows) {
		int32_t day = first + (int32_t)(next_no * per_order) + (int32_t)rng_below(r, 2);

		if (day > last)
			day = last;
		if (g->orders_len && rng_chance(r, 0.02)) {
			/* A return: the original order's number with a C prefix. */
			struct order *src = &g->orders[rng_below(r, (uint32_t)g->orders_len)];

			if (src->returned)
				continue;
			src->returned = 1;
			o = *src;
			o.prefix = 'C';
			o.day = day > src->day ? day : src->day + 1;
			if (o.day > last)
				o.day = last;
			o.sec = (int32_t)rng_range(r, 9 * 3600, 18 * 3600);
			o.n = (unsigned char)rng_range(r, 1, src->n);
			for (i = 0; i < o.n; i++)
				o.line[i].qty = (signed char)-(int)rng_range(r, 1,
					(uint32_t)src->line[i].qty);
		} else {
			double u = rng_unit(r);

			o.prefix = 'A';
			o.returned = 0;
			o.no = ++next_no;
			/* A few customers order much more often than the rest. */
			o.cust = 1 + (uint32_t)(u * u * (double)customers);
			o.day = day;
			o.sec = (int32_t)rng_below(r, 86400);
			o.n = (unsigned char)(1 + rng_weighted(r, w_lines, 5));
			for (i = 0; i < o.n; i++) {
				int again;

				do {	/* no product twice in one order */
					o.line[i].prod = (unsigned char)(rng_unit(r) * rng_unit(r) *
						ARRAY_SIZE(products));
					for (again = 0, j = 0; j < i; j++)
						again |= o.line[j].prod == o.line[i].prod;
				} while (again);
				o.line[i].qty = (signed char)(1 + rng_weighted(r, w_qty, 5));
			}
			g->orders[g->orders_pos] = o;
			g->orders_pos = (g->orders_pos + 1) % ORDER_RING;
			if (g->orders_len < ORDER_RING)
				g->orders_len++;
		}
		for (i = 0; i < o.n && emitted < rows; i++, emitted++) {
			make_bad_order(g, &bad, o.day);
			emit_order_line(g, &o, i, &bad);
		}
	}
}

/* Options and main. */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

static void choose_house(struct gen *g, uint64_t seed)
{
	struct rng h;
	struct house *s = &g->house;

	rng_init(&h, seed, 1);
	s->name_sep = (int)rng_weighted(&h, w_name_sep, ARRAY_SIZE(w_name_sep));
	s->kana = (int)rng_weighted(&h, w_kana, ARRAY_SIZE(w_kana));
	s->kana_sep = (int)rng_weighted(&h, w_name_sep, ARRAY_SIZE(w_name_sep));
	s->legal = (int)rng_weighted(&h, w_legal, ARRAY_SIZE(w_legal));
	s->phone = (int)rng_weighted(&h, w_phone, ARRAY_SIZE(w_phone));
	s->postal = (int)rng_weighted(&h, w_postal, ARRAY_SIZE(w_postal));
	s->block = (int)rng_weighted(&h, w_block, ARRAY_SIZE(w_block));
	s->bldg_sep = (int)rng_weighted(&h, w_name_sep, ARRAY_SIZE(w_name_sep));
	s->date = (int)rng_weighted(&h, w_date, ARRAY_SIZE(w_date));
	s->gender = (int)rng_weighted(&h, w_gender, ARRAY_SIZE(w_gender));
	s->consent = (int)rng_weighted(&h, w_consent, ARRAY_SIZE(w_consent));
	s->odate = (int)rng_weighted(&h, w_odate, ARRAY_SIZE(w_odate));
	s->yen = (int)rng_weighted(&h, w_yen, ARRAY_SIZE(w_yen));
	s->ext = (int)rng_below(&h, 3);
	s->floor_sep = (int)rng_below(&h, 2);
	s->floor_unit = rng_chance(&h, 0.3);
	s->room_sep = (int)rng_weighted(&h, w_name_sep, ARRAY_SIZE(w_name_sep));
	s->room_suffix = (int)rng_below(&h, 3);
	s->yen_sign = (int)rng_below(&h, 2);
	if (s->kana == KANA_HALF && s->kana_sep == SEP_FW)
		s->kana_sep = SEP_ASCII;
}

int main(int argc, char **argv)
{
	enum { OPT_KIND = 256, OPT_ROWS, OPT_SEED, OPT_ENC, OPT_CRLF, OPT_DUP, OPT_DRIFT,
		OPT_BAD, OPT_CUST, OPT_TRUTH, OPT_HARD };
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "rows", required_argument, NULL, OPT_ROWS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "encoding", required_argument, NULL, OPT_ENC },
		{ "crlf", no_argument, NULL, OPT_CRLF },
		{ "dup-rate", required_argument, NULL, OPT_DUP },
		{ "drift-rate", required_argument, NULL, OPT_DRIFT },
		{ "bad-rate", required_argument, NULL, OPT_BAD },
		{ "customers", required_argument, NULL, OPT_CUST },
		{ "truth", required_argument, NULL, OPT_TRUTH },
		{ "hard-rate", required_argument, NULL, OPT_HARD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen g;
	static char stdout_buf[1 << 20];
	unsigned long long rows = 1000, customers = 1000, seed = 1;
	const char *enc = "utf-8", *truth = NULL;
	int orders = 0, crlf = 0, c;
	size_t i;

	g.dup_rate = 0.05;
	g.drift = 0.3;
	g.bad_rate = 0.002;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KIND:
			if (!strcmp(optarg, "orders"))
				orders = 1;
			else if (strcmp(optarg, "customers"))
				return usage_error("--kind: '%s' is not customers or orders",
						   optarg);
			break;
		case OPT_ROWS:
			if (parse_count(optarg, UINT32_MAX, &rows))
				return usage_error("--rows: '%s' is not a row count", optarg);
			break;
		case OPT_SEED:
			if (parse_count(optarg, UINT64_MAX, &seed))
				return usage_error("--seed: '%s' is not a non-negative integer",
						   optarg);
			break;
		case OPT_CUST:
			if (parse_count(optarg, 9999999, &customers) || !customers)
				return usage_error("--customers: '%s' is not a positive count",
						   optarg);
			break;
		case OPT_ENC:
			if (strcmp(optarg, "utf-8") && strcmp(optarg, "utf-8-bom") &&
			    strcmp(optarg, "cp932"))
				return usage_error("--encoding: '%s' is not utf-8, utf-8-bom or cp932",
						   optarg);
			enc = optarg;
			break;
		case OPT_CRLF:
			crlf = 1;
			break;
		case OPT_DUP:
			if (parse_rate(optarg, &g.dup_rate))
				return usage_error("--dup-rate: '%s' is not a rate from 0 to 1",
						   optarg);
			break;
		case OPT_DRIFT:
			if (parse_rate(optarg, &g.drift))
				return usage_error("--drift-rate: '%s' is not a rate from 0 to 1",
						   optarg);
			break;
		case OPT_BAD:
			if (parse_rate(optarg, &g.bad_rate))
				return usage_error("--bad-rate: '%s' is not a rate from 0 to 1",
						   optarg);
			break;
		case OPT_TRUTH:
			truth = optarg;
			break;
		case OPT_HARD:
			if (parse_rate(optarg, &g.hard_rate))
				return usage_error("--hard-rate: '%s' is not a rate from 0 to 1",
						   optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };

				return usage_error("unknown option '%s'", opt);
			}
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	g.seed = seed;
	rng_init(&g.content, seed, 2);
	rng_init(&g.style, seed, 3);
	choose_house(&g, seed);
	g.eol = crlf ? "\r\n" : "\n";
	for (i = 0; i < ARRAY_SIZE(prefs); i++)
		g.pop_total += prefs[i].pop;
	g.cd = (iconv_t)-1;
	if (!strcmp(enc, "cp932")) {
		g.cd = iconv_open("CP932", "UTF-8");
		if (g.cd == (iconv_t)-1) {
			fprintf(stderr, "bench-gen: iconv cannot convert to CP932: %s\n",
				strerror(errno));
			return 1;
		}
		buf_reserve(&g.conv, CHUNK);
	} else if (!strcmp(enc, "utf-8-bom")) {
		put_str(&g.out, "\xef\xbb\xbf");
	}
	buf_reserve(&g.out, CHUNK + 4096);
	g.ring = calloc(PERSON_RING, sizeof(*g.ring));
	g.orders = calloc(ORDER_RING, sizeof(*g.orders));
	if (!g.ring || !g.orders) {
		fputs("bench-gen: out of memory\n", stderr);
		return 1;
	}

	if (truth && !(g.truth = fopen(truth, "w"))) {
		fprintf(stderr, "bench-gen: %s: %s\n", truth, strerror(errno));
		return 1;
	}
	if (g.truth && fputs("key,person,kind,like\n", g.truth) < 0)
		die_write();
	if (orders)
		gen_orders(&g, rows, customers);
	else
		gen_customers(&g, rows);
	if (g.truth && fclose(g.truth)) {
		fprintf(stderr, "bench-gen: %s: %s\n", truth, strerror(errno));
		return 1;
	}
	flush_out(&g);
	if (fflush(stdout) || ferror(stdout))
		die_write();

	if (g.cd != (iconv_t)-1)
		iconv_close(g.cd);
	free(g.ring);
	free(g.orders);
	free(g.out.p);
	free(g.fld.p);
	free(g.tmp.p);
	free(g.conv.p);
	return 0;
}
