/*
 * The segment expression compiler (segment.h): what every operator
 * compiles to, that the SQL holds nothing a user wrote (only the fields'
 * own SQL, fixed operators and ?N placeholders), the errors and where
 * they point, values normalized as import stores them, date arithmetic,
 * and the reasons an expression can never match.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"

static const struct crm_seg_env env = { .as_of = "2026-12-03", .rfm_run = 7, .rfm_bins = 5,
					.rfm_ltv = 1 };

static void assert_only_placeholders(const struct crm_seg_expr *e);

/* Compiles text, which must be good; its SQL is inspected. */
static struct crm_seg_expr *ok(const char *text)
{
	struct crm_seg_expr *e = NULL;
	struct crm_error err;
	size_t at = 0;

	crm_error_clear(&err);
	if (crm_seg_compile(text, strlen(text), &env, &e, &at, &err))
		print_error("%s: %s\n", text, err.message);
	assert_non_null(e);
	assert_only_placeholders(e);
	return e;
}

/*
 * The SQL of e with every field's SQL taken out must be made of the
 * compiler's own words, parentheses, commas, operators and placeholders
 * ?4 and up: no text, number or name that came from the expression.
 */
static void assert_only_placeholders(const struct crm_seg_expr *e)
{
	static const char *const words[] = {
		"AND", "OR", "NOT", "IFNULL", "IN", "IS", "NULL", "instr", "length", "0", "1", NULL,
	};
	const struct crm_seg_field *const *used;
	char *sql = strdup(crm_seg_sql(e)), *p, *hit, done[64] = { 0 };
	size_t n, i, k;

	assert_non_null(sql);
	used = crm_seg_used(e, &n);
	assert_true(n <= sizeof(done));
	/* Longest field SQL first, so that c.name does not cut into c.name_kana. */
	for (k = 0; k < n; k++) {
		size_t best = n;

		for (i = 0; i < n; i++)
			if (used[i]->sql[0] && (best == n ||
						strlen(used[i]->sql) > strlen(used[best]->sql)) &&
			    !done[i])
				best = i;
		done[best] = 1;
		while ((hit = strstr(sql, used[best]->sql)))
			memset(hit, ' ', strlen(used[best]->sql));
	}
	for (p = sql; *p;) {
		size_t len;

		if (strchr(" (),", *p)) {
			p++;
			continue;
		}
		if (strchr("=<>", *p)) {
			p += strspn(p, "=<>");
			continue;
		}
		if (*p == '?') {
			len = strspn(p + 1, "0123456789");
			assert_true(len > 0);
			assert_true(strtol(p + 1, NULL, 10) >= 4);
			p += len + 1;
			continue;
		}
		len = strcspn(p, " (),=<>?");
		for (i = 0; words[i]; i++)
			if (strlen(words[i]) == len && !strncmp(words[i], p, len))
				break;
		if (!words[i])
			print_error("'%.*s' in %s\n", (int)len, p, crm_seg_sql(e));
		assert_non_null(words[i]);
		p += len;
	}
	free(sql);
}

/* Compiles text, checks the SQL is clean and contains want. */
static void compiles(const char *text, const char *want)
{
	struct crm_seg_expr *e = ok(text);

	if (want && !strstr(crm_seg_sql(e), want))
		print_error("%s\ngave %s\nwanted %s\n", text, crm_seg_sql(e), want);
	if (want)
		assert_non_null(strstr(crm_seg_sql(e), want));
	assert_only_placeholders(e);
	crm_seg_free(e);
}

/* Fails to compile; the message holds want and points at character col. */
static void fails(const char *text, size_t len, size_t at_byte, const char *want)
{
	struct crm_seg_expr *e = NULL;
	struct crm_error err;
	size_t at = 0;

	crm_error_clear(&err);
	assert_int_equal(crm_seg_compile(text, len, &env, &e, &at, &err), CRM_ERR_INVALID);
	assert_null(e);
	if (!strstr(err.message, want))
		print_error("%.60s: '%s' lacks '%s'\n", text, err.message, want);
	assert_non_null(strstr(err.message, want));
	if (at != at_byte)
		print_error("%.60s: at %zu, expected %zu (%s)\n", text, at, at_byte, err.message);
	assert_int_equal(at, at_byte);
}

static void test_operators(void **state)
{
	(void)state;
	compiles("city = '千代田区'", "(c.city) = ?4");
	compiles("city == \"千代田区\"", "(c.city) = ?4");
	compiles("city != '千代田区'", "(c.city) <> ?4");
	compiles("city <> '千代田区'", "(c.city) <> ?4");
	/* a prefecture as written and in its other form */
	compiles("prefecture = '東京都'", "(c.prefecture) IN (?4, ?5)");
	compiles("prefecture != '大阪'", "(c.prefecture) NOT IN (?4, ?5)");
	compiles("prefecture = '北海道'", "(c.prefecture) = ?4");
	compiles("prefecture = 'Texas'", "(c.prefecture) = ?4");
	compiles("age < 30", ") < ?4");
	compiles("age <= 30", ") <= ?4");
	compiles("age > 30", ") > ?4");
	compiles("age >= 30", ") >= ?4");
	compiles("prefecture in ('東京都', '大阪府', '愛知県')",
		 "(c.prefecture) IN (?4, ?5, ?6, ?7, ?8, ?9)");
	compiles("prefecture not in ('東京都')", "(c.prefecture) NOT IN (?4, ?5)");
	compiles("name contains '山田'", "instr((c.name), ?4) > 0");
	compiles("name not contains '山田'", "instr((c.name), ?4) = 0");
	compiles("email is empty", "IFNULL(length(c.email), 0) = 0");
	compiles("email is not empty", "IFNULL(length(c.email), 0) > 0");
	compiles("birthdate is empty", "(c.birthdate) IS NULL");
	compiles("last_order is not empty", "IS NOT NULL");
	compiles("consent_email", "(c.consent_email) = ?4");
	compiles("consent_email = no", "(c.consent_email) = ?4");
}

static void test_logic(void **state)
{
	(void)state;
	compiles("prefecture = '東京都' and age > 30 or not consent_email",
		 "(((c.prefecture) IN (?4, ?5) AND (");
	compiles("not (age > 30)", ") IS NOT 1");
	compiles("(age > 30 and (channel = 'web' or channel = 'shop'))", " OR ");
	compiles("NOT age > 30 AND prefecture = '東京都' OR age < 5", " OR ");
	compiles("prefecture = '東京都'　and　age > 30", " AND ");   /* full-width spaces */
}

/* Every field compiles alone with a value of its type. */
static void test_every_field(void **state)
{
	const struct crm_seg_field *f;
	size_t n, i;
	char text[128];

	(void)state;
	f = crm_seg_fields(&n);
	assert_true(n > 30);
	for (i = 0; i < n; i++) {
		switch (f[i].type) {
		case CRM_SEG_TEXT: snprintf(text, sizeof(text), "%s = 'x'", f[i].name); break;
		case CRM_SEG_INT: snprintf(text, sizeof(text), "%s >= 3", f[i].name); break;
		case CRM_SEG_MONEY: snprintf(text, sizeof(text), "%s > 1500.5", f[i].name); break;
		case CRM_SEG_DATE: snprintf(text, sizeof(text), "%s < today - 1y", f[i].name); break;
		case CRM_SEG_BOOL: snprintf(text, sizeof(text), "%s = yes", f[i].name); break;
		case CRM_SEG_SHARE: snprintf(text, sizeof(text), "%s < 0.25", f[i].name); break;
		}
		compiles(text, f[i].sql);
		snprintf(text, sizeof(text), "%s is empty", f[i].name);
		compiles(text, f[i].sql);
	}
}

/* --ltv's fields: p_alive a fraction in ten-thousandths, the values money. */
static void test_ltv_fields(void **state)
{
	struct crm_seg_expr *e;

	(void)state;
	e = ok("p_alive < 0.25 and predicted_value >= 1000 and ltv > 2500.5");
	assert_int_equal(crm_seg_nparams(e), 3);
	assert_int_equal(crm_seg_param(e, 0).i, 2500);
	assert_int_equal(crm_seg_param(e, 1).i, 10000000);
	assert_int_equal(crm_seg_param(e, 2).i, 25005000);
	assert_non_null(strstr(crm_seg_sql(e), "round(s.p_alive * 10000)"));
	crm_seg_free(e);
	fails("p_alive > 1.5", 13, 10, "p_alive is a fraction from 0 to 1, such as 0.25, not 1.5");
	fails("p_alive > -0.5", 14, 10, "p_alive is a fraction from 0 to 1");
	fails("p_alive > 0.00001", 17, 10, "p_alive is a fraction from 0 to 1 with at most 4 decimals, such as 0.25, not 0.00001");
	fails("p_alive contains 'x'", 20, 8, "contains is for text: p_alive is a fraction");
	fails("predicted_value = 'abc'", 23, 18, "predicted_value is money");
	/* scores saved without --ltv: said so, not matched as if no one were alive */
	{
		struct crm_seg_env plain = env;
		struct crm_error err;
		size_t at = 0;

		plain.rfm_ltv = 0;
		crm_error_clear(&err);
		assert_int_equal(crm_seg_compile("r = 5 and ltv > 0", 17, &plain, &e, &at, &err),
				 CRM_ERR_INVALID);
		assert_non_null(strstr(err.message, "ltv comes from scores saved by crm rfm --ltv "
				       "--save, and the latest as of 2026-12-03 (run 7) was saved "
				       "without --ltv"));
		assert_int_equal(at, 10);
		e = ok("r = 5");
		crm_seg_free(e);
	}
}

/* Values as import stores them: prefectures whole, genders as words, money in ten-thousandths. */
static void test_values(void **state)
{
	struct crm_seg_expr *e;

	(void)state;
	e = ok("prefecture = '東京' and gender = '男' and total_spent > 1500.5 and age > 30"
	       " and phone = '０３（１２３４）５６７８' and birthdate < 2000-01-01 and consent_email");
	/* in the order of the SQL: the columns first, total_spent (reading orders) last */
	assert_int_equal(crm_seg_nparams(e), 8);
	assert_string_equal(crm_seg_param(e, 0).s, "東京");     /* as written, and */
	assert_string_equal(crm_seg_param(e, 1).s, "東京都");   /* its other form */
	assert_string_equal(crm_seg_param(e, 2).s, "male");
	assert_int_equal(crm_seg_param(e, 3).i, 30);
	assert_string_equal(crm_seg_param(e, 4).s, "03-1234-5678");
	assert_string_equal(crm_seg_param(e, 5).s, "2000-01-01");
	assert_int_equal(crm_seg_param(e, 6).i, 1);
	assert_int_equal(crm_seg_param(e, 7).type, CRM_VALUE_INT);
	assert_int_equal(crm_seg_param(e, 7).i, 15005000);
	assert_non_null(strstr(crm_seg_sql(e), "(c.prefecture) IN (?4, ?5)"));
	assert_true(strstr(crm_seg_sql(e), "c.consent_email") <
		    strstr(crm_seg_sql(e), "sum(o.amount)"));
	assert_null(crm_seg_never(e));
	crm_seg_free(e);
	/* contains looks for the text as written; today is the as-of day */
	e = ok("name contains '山田' and last_order < today - 1m and name_kana = 'ﾔﾏﾀﾞ'");
	assert_string_equal(crm_seg_param(e, 0).s, "山田");
	assert_string_equal(crm_seg_param(e, 1).s, "ヤマダ");
	assert_string_equal(crm_seg_param(e, 2).s, "2026-11-03");
	crm_seg_free(e);
	/* quotes inside quotes */
	e = ok("segment = 'Can''t Lose Them' or segment = \"Can't Lose Them\"");
	assert_string_equal(crm_seg_param(e, 0).s, "Can't Lose Them");
	assert_string_equal(crm_seg_param(e, 1).s, "Can't Lose Them");
	crm_seg_free(e);
	/* 東京 is 東京都: so it cannot contradict 東京都 */
	e = ok("prefecture = '東京' and prefecture = '東京都'");
	assert_null(crm_seg_never(e));
	crm_seg_free(e);
	e = ok("gender = '男' and gender = 'male'");
	assert_null(crm_seg_never(e));
	crm_seg_free(e);
	e = ok("gender = '男' and gender = '女'");
	assert_non_null(crm_seg_never(e));
	crm_seg_free(e);
	/* 令和 dates as import reads them */
	e = ok("birthdate = '昭和60年4月3日' and birthdate = 1985-04-03");
	assert_null(crm_seg_never(e));
	crm_seg_free(e);
	e = ok("total_spent >= 1500 and total_spent < 1500.0001");
	assert_null(crm_seg_never(e));
	crm_seg_free(e);
	e = ok("total_spent > 1500 and total_spent < 1500.0001");
	assert_non_null(crm_seg_never(e));
	crm_seg_free(e);
	e = ok("total_spent < -100");
	crm_seg_free(e);
}

static void test_dates(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(crm_seg_date_add("2026-03-31", -1, 'm', out), 0);
	assert_string_equal(out, "2026-02-28");
	assert_int_equal(crm_seg_date_add("2024-02-29", 1, 'y', out), 0);
	assert_string_equal(out, "2025-02-28");
	assert_int_equal(crm_seg_date_add("2024-02-29", -4, 'y', out), 0);
	assert_string_equal(out, "2020-02-29");
	assert_int_equal(crm_seg_date_add("2026-12-03", -365, 'd', out), 0);
	assert_string_equal(out, "2025-12-03");
	assert_int_equal(crm_seg_date_add("2026-12-03", 2, 'w', out), 0);
	assert_string_equal(out, "2026-12-17");
	assert_int_equal(crm_seg_date_add("2026-01-15", -13, 'm', out), 0);
	assert_string_equal(out, "2024-12-15");
	assert_int_equal(crm_seg_date_add("0001-01-01", -1, 'd', out), -1);
	assert_int_equal(crm_seg_date_add("9999-12-31", 1, 'm', out), -1);
	assert_int_equal(crm_seg_date_add("2026-12-03", 1, 'x', out), -1);
	compiles("last_order < today - 365d", "(SELECT substr(max(o.ordered_at)");
	compiles("last_order >= 2025-01-01 + 6m - 2w", NULL);
	compiles("first_order = '2025/4/1'", NULL);
}

static void test_never(void **state)
{
	static const struct { const char *text, *why; } cases[] = {
		{ "age > 30 and age < 20", "range" },
		{ "age > 30 and (prefecture = '東京都' and age <= 30)", "range" },
		{ "prefecture = '東京都' and prefecture = '大阪府'", "prefecture" },
		{ "prefecture != '東京' and prefecture = '東京都'", "prefecture" },
		{ "prefecture in ('東京都', '大阪府') and prefecture not in ('東京都', '大阪府')",
		  "prefecture" },
		{ "email is empty and email contains '@'", "empty" },
		{ "r > 5 and r < 2 or age < 0", "range" },
		{ "r > 5", "range" },            /* scores of 5 bins */
		{ "m >= 6 or f = 0", "range" },
		{ "days_since_last_order < 0", "range" },
		{ "last_order > today and last_order < today - 1d", "range" },
		{ "consent_email = yes and consent_email = no", "consent_email" },
		{ "age = 30 and age != 30", "age" },
	};
	static const char *const can[] = {
		"age > 30 and age < 32", "age > 30 or age < 20", "not (age > 30 and age < 20)",
		"prefecture = '東京都' or prefecture = '大阪府'", "r >= 5 and r <= 5", "r in (1, 9)",
		"prefecture in ('東京都', '大阪府') and prefecture != '東京都'",
		"email is not empty and email contains '@'", "age = 30 and age != 31",
		/* a branch that cannot match does not make the or one that cannot */
		"age > 300 and age < 100 or name = 'Bob'", "prefecture = 'California'",
		"age < 1", "age > 250",
	};
	struct crm_seg_expr *e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = ok(cases[i].text);
		if (!crm_seg_never(e) || !strstr(crm_seg_never(e), cases[i].why))
			print_error("%s: %s\n", cases[i].text, crm_seg_never(e) ? crm_seg_never(e) :
				    "(can match)");
		assert_non_null(crm_seg_never(e));
		assert_non_null(strstr(crm_seg_never(e), cases[i].why));
		crm_seg_free(e);
	}
	for (i = 0; i < sizeof(can) / sizeof(can[0]); i++) {
		e = ok(can[i]);
		if (crm_seg_never(e))
			print_error("%s: %s\n", can[i], crm_seg_never(e));
		assert_null(crm_seg_never(e));
		crm_seg_free(e);
	}
}

#define F(text, at, want) fails(text, strlen(text), at, want)

static void test_errors(void **state)
{
	(void)state;
	F("'; drop table customers; --", 0, "character 1: a string is not closed");
	F("prefecture = ''; drop table customers; --", 15, "character 16: ';' is not part");
	F("name = name", 7, "compare name with a value, not with the field name");
	F("nmae = 'x'", 0, "unknown field 'nmae' (did you mean name?)");
	F("zzzzzzzz = 'x'", 0, "unknown field 'zzzzzzzz' (crm segment fields");
	F("(age > 30", 0, "this '(' is not closed");
	F("age > 30)", 8, "')' closes no '('");
	F("((age > 30) and (age < 40)", 0, "not closed");
	F("", 0, "an empty expression");
	F("   ", 0, "an empty expression");
	F("age = 'thirty'", 6, "age is a number: compare it with a number, not 'thirty'");
	F("age = 3.5", 6, "whole number");
	F("last_order > 5", 13, "last_order is a date");
	F("last_order > 2025-02-30", 13, "is a date");
	F("last_order > today - 5", 21, "duration");
	F("prefecture > 'a'", 11, "prefecture is text: it takes = != in contains, not >");
	F("prefecture = 13", 13, "prefecture is text: compare it with text in quotes");
	F("prefecture = 東京都", 13, "text is quoted");
	F("age contains '3'", 4, "contains is for text");
	F("name contains ''", 0, "would match every value");
	F("consent_email = 'maybe'", 16, "yes or no");
	F("consent_email > yes", 14, "it takes = != in");
	F("age > 30 age < 40", 9, "expected and, or or the end");
	F("age > 30 and", 12, "expected a field");
	F("age is full", 7, "after 'is' comes empty");
	F("age not = 3", 8, "after 'age not' comes in or contains");
	F("prefecture in '東京都'", 14, "expected '('");
	F("prefecture in ('東京都' '大阪府')", 27, "',' or ')'");
	F("age ! 3", 4, "'!' is not an operator");
	F("segment = 'Champions' and age > 3; select 1", 33, "';' is not part");
	F("age > 30 and 42x = 1", 13, "not a number, a date or a duration");
	F("monetary > 1.00001", 11, "money");
	fails("age > 3\0 or 1", 13, 7, "a NUL byte");
	F("last_order > today - 99999999d", 21, "outside the years");
	F("prefecture = '\xff'", 14, "a byte that is not UTF-8 (0xff)");
	F("prefecture = '\xe6\x9d'", 14, "not UTF-8");
	F("age > ３０", 6, "'３' is full-width: write it half-width ('3')");
	F("age ＞ 30", 4, "'＞' is full-width: write it half-width ('>')");
	F("会員区分 = '個人'", 0, "'会員区分' is not quoted: text is quoted ('会員区分'), and field "
	  "names are in English");
	F("age => 3", 4, "'=>' is not an operator: did you mean >=?");
	F("last_order < today - 2w3d", 21, "'2w3d': one unit to a duration");
	F("(age > 3 name = 'x')", 9, "expected and, or or ')', not 'name'");
	F("total_spent contains '3'", 12, "contains is for text: total_spent is money");
	F("age = 000000000000000000000000000000000000000000000000000000000000000000000045", 6,
	  "a number of over 62 characters");
}

/* RFM fields need saved scores, unless only checked to be saved. */
static void test_rfm_needed(void **state)
{
	struct crm_seg_env none = { .as_of = "2026-12-03" },
			   check = { .as_of = "2026-12-03", .check_only = 1 };
	struct crm_seg_expr *e = NULL;
	struct crm_error err;
	size_t at;

	(void)state;
	crm_error_clear(&err);
	assert_int_equal(crm_seg_compile("segment = 'At Risk'", 19, &none, &e, &at, &err),
			 CRM_ERR_INVALID);
	assert_non_null(strstr(err.message, "crm rfm --save"));
	assert_int_equal(crm_seg_compile("segment = 'At Risk'", 19, &check, &e, &at, &err), CRM_OK);
	assert_true(crm_seg_needs_rfm(e));
	crm_seg_free(e);
}

/* Deep nesting and huge expressions are refused, with the place. */
static void test_limits(void **state)
{
	size_t n = 10000, i, at;
	char *s = malloc(2 * n + 16), *big;
	struct crm_seg_expr *e = NULL;
	struct crm_error err;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = '(';
	memcpy(s + n, "age > 3", 7);
	for (i = 0; i < n; i++)
		s[n + 7 + i] = ')';
	s[2 * n + 7] = '\0';
	/* the 65th parenthesis is refused, the 64th not (the man page's "at most 64") */
	fails(s, 2 * n + 7, CRM_SEG_MAX_DEPTH + 1, "nested more than 64 deep");
	crm_error_clear(&err);
	assert_int_equal(crm_seg_compile(s + n - CRM_SEG_MAX_DEPTH, 2 * CRM_SEG_MAX_DEPTH + 7, &env,
					 &e, &at, &err), CRM_OK);
	crm_seg_free(e);
	for (i = 0; i < n; i += 4)
		memcpy(s + i, "not ", 4);
	memcpy(s + n, "age > 3", 8);
	fails(s, n + 7, 4 * (CRM_SEG_MAX_DEPTH + 1), "nested more than 64 deep");
	free(s);
	/* 1 MB: at most 64 KiB */
	big = malloc(1 << 20);
	assert_non_null(big);
	for (i = 0; i + 15 < (1 << 20); i += 15)
		memcpy(big + i, "age > 3 and   ", 15);
	memset(big + i, ' ', (1 << 20) - i);
	fails(big, 1 << 20, CRM_SEG_MAX_BYTES, "at most 65536 bytes");
	free(big);
	/* 64 KiB of ands is fine: they are not nested */
	big = malloc(CRM_SEG_MAX_BYTES);
	assert_non_null(big);
	for (i = 0; i + 16 <= CRM_SEG_MAX_BYTES - 7; i += 16)
		memcpy(big + i, "age > 3 and     ", 16);
	memcpy(big + i, "age > 3", 7);
	e = NULL;
	assert_int_equal(crm_seg_compile(big, i + 7, &env, &e, &at, &err), CRM_OK);
	crm_seg_free(e);
	free(big);
}

/* Every expression of the CLI test t0060 (tests/data/segment/cases.txt). */
static void test_cli_cases(void **state)
{
	const char *src = getenv("SRCDIR");
	char path[4096], line[1024];
	size_t n = 0;
	FILE *fp;

	(void)state;
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/tests/data/segment/cases.txt", src);
	fp = fopen(path, "r");
	if (!fp)
		print_error("cannot read %s\n", path);
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *text = strrchr(line, '|');

		if (line[0] == '#' || !text)
			continue;
		text[strcspn(text, "\n")] = '\0';
		crm_seg_free(ok(text + 1));
		n++;
	}
	fclose(fp);
	assert_true(n >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_ltv_fields),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_rfm_needed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cli_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
