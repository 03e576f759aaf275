/*
 * The comparison keys of dedupe and how they compare (src/dedupe-keys.c):
 * what must fold to one key (髙橋/高橋, 々, kana of any script and size, a
 * Gmail address's dots, ㈱), what must stay apart, and the levels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "dedupe-private.h"
#include "strbuf.h"

struct two {
	struct crm_strbuf arena;
	struct dd_rec a, b;
};

/* A customer of one column set to value (the others empty). */
static void rec_of(struct crm_strbuf *arena, struct dd_rec *r, int col, const char *value)
{
	const char *v[DC_NCOLUMNS] = { 0 };

	memset(r, 0, sizeof(*r));
	v[col] = value;
	assert_int_equal(dd_keys(arena, v, r), 0);
}

static const char *key_of(int col, int field, const char *value, struct crm_strbuf *arena)
{
	struct dd_rec r;

	rec_of(arena, &r, col, value);
	return dd_key(arena, &r, field);
}

/* The key of value in column col, as field's key, is want (NULL: none). */
static void key_is(int col, int field, const char *value, const char *want)
{
	struct crm_strbuf arena = CRM_STRBUF_INIT;
	const char *got = key_of(col, field, value, &arena);

	if (want ? !got || strcmp(got, want) : got != NULL) {
		print_error("key of '%s' is '%s', expected '%s'\n", value, got ? got : "(none)",
			    want ? want : "(none)");
		crm_strbuf_release(&arena);
		fail();
	}
	crm_strbuf_release(&arena);
}

static void test_name_keys(void **state)
{
	(void)state;
	key_is(DC_FAMILY, DF_FAMILY, "髙橋", "高橋");
	key_is(DC_FAMILY, DF_FAMILY, "山﨑", "山崎");
	key_is(DC_FAMILY, DF_FAMILY, "齋藤", "斎藤");
	key_is(DC_FAMILY, DF_FAMILY, "渡邊", "渡辺");
	key_is(DC_FAMILY, DF_FAMILY, "渡邉", "渡辺");
	key_is(DC_FAMILY, DF_FAMILY, "澤田", "沢田");
	key_is(DC_FAMILY, DF_FAMILY, "濱口", "浜口");
	key_is(DC_FAMILY, DF_FAMILY, "佐々木", "佐佐木");
	key_is(DC_FAMILY, DF_FAMILY, "𠮷田", "吉田");
	key_is(DC_FAMILY, DF_FAMILY, "Lillie-Hinrichs", "lilliehinrichs");
	key_is(DC_FAMILY, DF_FAMILY, " ＯＢＲＩＥＮ ", "obrien");
	key_is(DC_FAMILY, DF_FAMILY, "O'Brien", "obrien");
	key_is(DC_FAMILY, DF_FAMILY, "", NULL);
	key_is(DC_FAMILY, DF_FAMILY, "・", NULL);
	key_is(DC_FAMILY, DF_FAMILY, "\xff", NULL);   /* not UTF-8: no key */
	/* 斉 and 斎 are two names: only the old forms fold. */
	key_is(DC_FAMILY, DF_FAMILY, "斉藤", "斉藤");
	/* A name not split goes whole, as the family name. */
	key_is(DC_NAME, DF_FAMILY, "山田 太郎", "山田太郎");
	key_is(DC_NAME, DF_GIVEN, "山田 太郎", NULL);
}

static void test_kana_keys(void **state)
{
	(void)state;
	key_is(DC_KANA, DF_KANA, "やまだ たろう", "ヤマダタロウ");
	key_is(DC_KANA, DF_KANA, "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ");
	key_is(DC_KANA, DF_KANA, "ヤマダ　タロウ", "ヤマダタロウ");
	key_is(DC_KANA, DF_KANA, "キョウコ", "キヨウコ");
	key_is(DC_KANA, DF_KANA, "きょうこ", "キヨウコ");
	key_is(DC_KANA, DF_KANA, "ユーコ", "ユコ");
	key_is(DC_KANA, DF_KANA, "ハットリ", "ハツトリ");
	key_is(DC_KANA, DF_KANA, "ヴィクトル", "ブイクトル");
	key_is(DC_KANA, DF_KANA, "ちづこ", "チズコ");
	key_is(DC_KANA, DF_KANA, "", NULL);
}

static void test_other_keys(void **state)
{
	(void)state;
	key_is(DC_EMAIL, DF_EMAIL, "Taro.Yamada+shop@GoogleMail.com", "taroyamada@gmail.com");
	key_is(DC_EMAIL, DF_EMAIL, "t.a.r.o@gmail.com", "taro@gmail.com");
	key_is(DC_EMAIL, DF_EMAIL, "Taro.Yamada+x@Example.JP", "taro.yamada+x@example.jp");
	key_is(DC_PHONE, DF_PHONE, "03-1234-5678", "0312345678");
	key_is(DC_PHONE, DF_PHONE, "+81 3-1234-5678", "0312345678");
	key_is(DC_PHONE, DF_PHONE, "+44 20 7946 0958", "+442079460958");
	key_is(DC_PHONE, DF_PHONE, "03-1234-5678 内線 12", "0312345678");
	key_is(DC_PHONE, DF_PHONE, "03-1234-5678 (代)", "0312345678");
	key_is(DC_PHONE, DF_PHONE, "12345", NULL);
	key_is(DC_MOBILE, DF_PHONE, "090-1234-5678", "09012345678");   /* a mobile alone */
	key_is(DC_POSTAL, DF_POSTAL, "〒100-0001", "1000001");
	key_is(DC_POSTAL, DF_POSTAL, "sw1a 1aa", "SW1A1AA");
	key_is(DC_BIRTH, DF_BIRTH, "1985-04-03", "19850403");
	key_is(DC_BIRTH, DF_BIRTH, "1985-4-3", NULL);
	key_is(DC_COMPANY, DF_COMPANY, "株式会社ABC", "abc");
	key_is(DC_COMPANY, DF_COMPANY, "㈱ＡＢＣ", "abc");
	key_is(DC_COMPANY, DF_COMPANY, "ABC Co., Ltd.", "abc");
	key_is(DC_COMPANY, DF_COMPANY, "株式会社", NULL);
	key_is(DC_CITY, DF_CITY, "Birmingham  Gardens", "birmingham gardens");
	key_is(DC_EXTRA, DF_NFIELDS, " 4080-299 ", "4080299");
}

/* The level of field f between two customers of one column each. */
static int level(int col, int f, const char *x, const char *y)
{
	struct crm_strbuf arena = CRM_STRBUF_INIT;
	struct dd_rec a, b;
	int l;

	rec_of(&arena, &a, col, x);
	rec_of(&arena, &b, col, y);
	l = dd_level(&arena, &a, &b, f);
	crm_strbuf_release(&arena);
	return l;
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(level(DC_FAMILY, DF_FAMILY, "髙橋", "高橋"), 1);
	assert_int_equal(level(DC_FAMILY, DF_FAMILY, "mccarthy", "mccarty"), 2);
	assert_int_equal(level(DC_FAMILY, DF_FAMILY, "green", "greene"), 2);
	assert_int_equal(level(DC_FAMILY, DF_FAMILY, "smith", "jones"), 4);
	assert_int_equal(level(DC_FAMILY, DF_FAMILY, "smith", ""), 0);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1985-04-03"), 1);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1985-04-08"), 2);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1958-04-03"), 2);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1985-03-04"), 2);
	/* A year or less apart, across a month's and a year's end, leap days counted. */
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1985-06-20"), 3);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-12-20", "1986-02-11"), 3);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1999-03-01", "2000-03-01"), 3);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "2000-02-29", "2001-03-01"), 3);
	/* Ten years or less apart (3,653 days, leap days counted), past a year. */
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "2000-02-28", "2001-03-01"), 4);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1990-11-21"), 4);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1995-03-30"), 4);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1996-02-29", "2006-03-01"), 4);
	/* Further: a generation. */
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1996-02-28", "2006-03-01"), 5);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1985-04-03", "1995-04-05"), 5);
	assert_int_equal(level(DC_BIRTH, DF_BIRTH, "1955-04-03", "1985-04-21"), 5);
	assert_int_equal(level(DC_EMAIL, DF_EMAIL, "taro@a.jp", "taro@b.jp"), 2);
	assert_int_equal(level(DC_EMAIL, DF_EMAIL, "taro@a.jp", "hanako@b.jp"), 3);
	assert_int_equal(level(DC_POSTAL, DF_POSTAL, "100-0001", "100-0010"), 2);
	assert_int_equal(level(DC_POSTAL, DF_POSTAL, "100-0001", "530-0001"), 3);
	assert_int_equal(level(DC_PHONE, DF_PHONE, "03-1234-5678", "0312345678"), 1);
	assert_int_equal(level(DC_PHONE, DF_PHONE, "03-1234-5678", "03-1234-5679"), 2);
	assert_int_equal(level(DC_PREF, DF_PREF, "東京都", "大阪府"), 2);
}

/* The family and the given name levels of two customers of those names only. */
static void name_levels(const char *af, const char *ag, const char *bf, const char *bg,
			int *family, int *given)
{
	struct crm_strbuf arena = CRM_STRBUF_INIT;
	const char *v[DC_NCOLUMNS] = { 0 };
	struct dd_rec a, b;

	v[DC_FAMILY] = af;
	v[DC_GIVEN] = ag;
	assert_int_equal(dd_keys(&arena, v, &a), 0);
	v[DC_FAMILY] = bf;
	v[DC_GIVEN] = bg;
	assert_int_equal(dd_keys(&arena, v, &b), 0);
	*family = dd_level(&arena, &a, &b, DF_FAMILY);
	*given = dd_level(&arena, &a, &b, DF_GIVEN);
	crm_strbuf_release(&arena);
}

/* A family and given name the other way round are close, not different. */
static void test_swapped_names(void **state)
{
	int family, given;

	(void)state;
	name_levels("dent", "bailee", "bailee", "dent", &family, &given);
	assert_int_equal(family, 2);
	assert_int_equal(given, 2);
	/* The other way round with a slip in one (FEBRL1's rec-425). */
	name_levels("white", "brandon", "brandon", "whtie", &family, &given);
	assert_int_equal(family, 2);
	assert_int_equal(given, 2);
	/* One name the other's, the other not near: two people, not swapped. */
	name_levels("white", "brandon", "brandon", "lee", &family, &given);
	assert_int_equal(family, 4);
	assert_int_equal(given, 4);
}

/* One edit, in letters: changed, added, dropped, or two swapped. */
static void test_one_edit(void **state)
{
	(void)state;
	assert_true(dd_one_edit("belperio", "belperi"));     /* dropped at the end */
	assert_true(dd_one_edit("belperi", "belperio"));
	assert_true(dd_one_edit("smyth", "smith"));          /* changed */
	assert_true(dd_one_edit("smtih", "smith"));          /* swapped */
	assert_true(dd_one_edit("gonzález", "gonzalez"));    /* a letter of two bytes */
	assert_true(dd_one_edit("斉藤", "斎藤"));             /* of three */
	assert_true(dd_one_edit("smith", "smith"));
	assert_false(dd_one_edit("smith", "smith jr"));      /* three added */
	assert_false(dd_one_edit("martin", "martinez"));
	assert_false(dd_one_edit("smith", "smiths1"));
	assert_false(dd_one_edit("abcd", "badc"));           /* two swaps */
	assert_false(dd_one_edit("山田", "田山花"));
}

/* Key col of two customers, for the helpers that take records. */
static void pair_of(struct two *t, int col, const char *a, const char *b)
{
	crm_strbuf_init(&t->arena);
	rec_of(&t->arena, &t->a, col, a);
	rec_of(&t->arena, &t->b, col, b);
}

/* A typo in a given name: ASCII, five letters or more, before the last two. */
static void test_typo(void **state)
{
	static const struct { const char *a, *b; int typo; } cases[] = {
		{ "nicholas", "nichooas", 1 },   /* FEBRL1's rec-339 */
		{ "nicholas", "nciholas", 1 },   /* a swap early on */
		{ "francis", "frances", 0 },     /* a brother and a sister */
		{ "nicholas", "nichoals", 0 },   /* a swap touching the second-last */
		{ "paula", "paulo", 0 },
		{ "anna", "anne", 0 },           /* under five letters */
		{ "nicholas", "nicholas", 0 },   /* the same */
		{ "nicholas", "nicolas", 0 },    /* dropped: no slip of one_slip's */
		{ "かずこさん", "かずおさん", 0 },   /* not ASCII */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct two t;

		pair_of(&t, DC_GIVEN, cases[i].a, cases[i].b);
		if (dd_typo(&t.arena, &t.a, &t.b, DF_GIVEN) != cases[i].typo) {
			print_error("%s / %s: typo %d, expected %d\n", cases[i].a, cases[i].b,
				    !cases[i].typo, cases[i].typo);
			crm_strbuf_release(&t.arena);
			fail();
		}
		crm_strbuf_release(&t.arena);
	}
}

/* The same local part: exactly, or dots aside against a Gmail key. */
static void test_same_local(void **state)
{
	struct two t;

	(void)state;
	pair_of(&t, DC_EMAIL, "shunsuke.kudo61@icloud.com", "shunsuke.kudo61@gmail.com");
	assert_string_equal(dd_key(&t.arena, &t.b, DF_EMAIL), "shunsukekudo61@gmail.com");
	assert_true(dd_same_local(&t.arena, &t.a, &t.b));
	assert_int_equal(dd_level(&t.arena, &t.a, &t.b, DF_EMAIL), 2);
	crm_strbuf_release(&t.arena);
	/* Without Gmail the dots count: j.c and jc are two local parts. */
	pair_of(&t, DC_EMAIL, "j.c@example.com", "jc@example.org");
	assert_false(dd_same_local(&t.arena, &t.a, &t.b));
	crm_strbuf_release(&t.arena);
	pair_of(&t, DC_EMAIL, "ed@one.example", "ed@two.example");
	assert_true(dd_same_local(&t.arena, &t.a, &t.b));
	crm_strbuf_release(&t.arena);
}

/* A reading turned round goes with names written the other way round. */
static void test_swapped_reading(void **state)
{
	struct crm_strbuf arena = CRM_STRBUF_INIT;
	const char *v[DC_NCOLUMNS] = { 0 };
	struct dd_rec a, b, c;

	(void)state;
	v[DC_FAMILY] = "工藤";
	v[DC_GIVEN] = "俊介";
	v[DC_KANA] = "クドウ シュンスケ";
	assert_int_equal(dd_keys(&arena, v, &a), 0);
	v[DC_FAMILY] = "俊介";
	v[DC_GIVEN] = "工藤";
	v[DC_KANA] = "シュンスケ クドウ";
	assert_int_equal(dd_keys(&arena, v, &b), 0);
	assert_int_equal(dd_swapped(&arena, &a, &b), 1);
	assert_int_equal(dd_level(&arena, &a, &b, DF_KANA), 2);
	/* The names straight, the reading turned: not close (another person's reading). */
	v[DC_FAMILY] = "工藤";
	v[DC_GIVEN] = "俊介";
	assert_int_equal(dd_keys(&arena, v, &c), 0);
	assert_int_equal(dd_level(&arena, &a, &c, DF_KANA), 3);
	crm_strbuf_release(&arena);
}

/* A name not split (坂本亮) compares with one split (坂本 / 亮) as a whole. */
static void test_whole_name(void **state)
{
	struct crm_strbuf arena = CRM_STRBUF_INIT;
	const char *v[DC_NCOLUMNS] = { 0 };
	struct dd_rec a, b, c;

	(void)state;
	v[DC_NAME] = "坂本亮";
	assert_int_equal(dd_keys(&arena, v, &a), 0);
	v[DC_NAME] = NULL;
	v[DC_FAMILY] = "坂本";
	v[DC_GIVEN] = "亮";
	assert_int_equal(dd_keys(&arena, v, &b), 0);
	assert_true(a.whole && !b.whole);
	assert_string_equal(dd_key(&arena, &b, DK_FULL), "坂本亮");
	assert_int_equal(dd_level(&arena, &a, &b, DF_FAMILY), 1);
	assert_int_equal(dd_level(&arena, &b, &a, DF_FAMILY), 1);
	assert_int_equal(dd_level(&arena, &a, &b, DF_GIVEN), 0);
	/* A family name alone is no whole name: compared as a family name. */
	v[DC_GIVEN] = NULL;
	assert_int_equal(dd_keys(&arena, v, &c), 0);
	assert_false(c.whole);
	assert_int_equal(dd_level(&arena, &c, &b, DF_FAMILY), 1);
	crm_strbuf_release(&arena);
}

static void test_jaro_winkler(void **state)
{
	(void)state;
	/* The classic figures (Winkler 1990). */
	assert_true(fabs(dd_jaro_winkler("martha", "marhta") - 0.9611) < 0.0001);
	assert_true(fabs(dd_jaro_winkler("dwayne", "duane") - 0.84) < 0.0001);
	assert_true(fabs(dd_jaro_winkler("dixon", "dicksonx") - 0.8133) < 0.0001);
	assert_true(dd_jaro_winkler("abc", "abc") == 1.0);
	assert_true(dd_jaro_winkler("abc", "xyz") == 0.0);
	assert_true(dd_jaro_winkler("", "abc") == 0.0);
	/* On code points, not bytes: one kanji changed of three. */
	assert_true(fabs(dd_jaro_winkler("山田花", "山田華") - dd_jaro_winkler("abc", "abd")) < 1e-9);
	/* With a floor: the same figure at or above it, 0 below it, never a wrong one. */
	assert_true(dd_jaro_winkler_min("martha", "marhta", 0.9) == dd_jaro_winkler("martha", "marhta"));
	assert_true(dd_jaro_winkler_min("dwayne", "duane", 0.9) == 0.0);
	assert_true(dd_jaro_winkler_min("dwayne", "duane", 0.8) == dd_jaro_winkler("dwayne", "duane"));
	assert_true(dd_jaro_winkler_min("東京都千代田区", "大阪府大阪市北区", 0.9) == 0.0);
	{
		static const char *const w[] = { "smith", "smyth", "schmidt", "smithson", "jones",
						 "johnson", "山田", "山本", "山田太郎", "田山", "" };
		size_t i, j;

		for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			for (j = 0; j < sizeof(w) / sizeof(w[0]); j++) {
				double jw = dd_jaro_winkler(w[i], w[j]), floor;

				for (floor = 0.5; floor < 1.0; floor += 0.05)
					if (jw >= floor)
						assert_true(dd_jaro_winkler_min(w[i], w[j], floor) == jw);
					else
						assert_true(dd_jaro_winkler_min(w[i], w[j], floor) < floor);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_keys),
		cmocka_unit_test(test_kana_keys),
		cmocka_unit_test(test_other_keys),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_swapped_names),
		cmocka_unit_test(test_whole_name),
		cmocka_unit_test(test_one_edit),
		cmocka_unit_test(test_typo),
		cmocka_unit_test(test_same_local),
		cmocka_unit_test(test_swapped_reading),
		cmocka_unit_test(test_jaro_winkler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
