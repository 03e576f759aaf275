/*
 * The field type catalogue: every type is there once, the plain type of
 * each stored type agrees with its name, the cleanse rules are the types'
 * normalizers, and what import accepts, cleanse normalizes into a value
 * import accepts again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fielddefs.h"
#include "ftype.h"
#include "normalize.h"
#include "types.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_catalogue(void **state)
{
	const struct crm_fieldtype *const *all;
	size_t n, i, j;
	int t;

	(void)state;
	all = crm_fieldtypes(&n);
	assert_int_equal(n, 16);
	for (i = 0; i < n; i++) {
		assert_non_null(all[i]->name);
		assert_ptr_equal(crm_fieldtype_find(all[i]->name), all[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(all[i]->name, all[j]->name);
	}
	for (t = CRM_T_TEXT; t <= CRM_T_KEY; t++) {
		const struct crm_fieldtype *ft = crm_fieldtype_of((enum crm_ftype)t);

		assert_non_null(ft);
		assert_int_equal(ft->stored, t);
		assert_string_equal(ft->name, crm_ftype_name((enum crm_ftype)t));
	}
	assert_null(crm_fieldtype_of((enum crm_ftype)(CRM_T_KEY + 1)));
	assert_string_equal(crm_ftype_name((enum crm_ftype)(CRM_T_KEY + 1)), "unknown");
	assert_null(crm_fieldtype_find("telephone"));

	/* The types that are stored as text but normalized their own way. */
	assert_ptr_equal(crm_fieldtype_find("name")->normalize, crm_normalize_name);
	assert_int_equal(crm_fieldtype_find("name")->stored, CRM_T_TEXT);
	assert_ptr_equal(crm_fieldtype_find("company")->normalize, crm_normalize_company);
	assert_ptr_equal(crm_fieldtype_find("address")->normalize, crm_normalize_address);
	assert_int_equal(crm_fieldtype_find("gender")->stored, CRM_T_ENUM);
	assert_ptr_equal(crm_fieldtype_find("postal")->check, crm_check_postal);

	/* Normalizers that know only Japanese values. */
	for (i = 0; i < n; i++)
		assert_int_equal(!!(all[i]->flags & CRM_FT_JAPAN),
				 !strcmp(all[i]->name, "phone") || !strcmp(all[i]->name, "postal") ||
				 !strcmp(all[i]->name, "address"));
}

/*
 * The cleanse rules (crm-fields(5) `rules =`) are the normalizers of the
 * types of the same name, and email-typo, which is the email normalizer's
 * suggestion.
 */
static void test_rules_are_normalizers(void **state)
{
	const struct crm_fieldtype *const *all;
	size_t n, i;

	(void)state;
	for (i = 0; crm_rule_names[i]; i++) {
		const struct crm_fieldtype *ft = crm_fieldtype_find(crm_rule_names[i]);

		if (!strcmp(crm_rule_names[i], "email-typo"))
			continue;
		assert_non_null(ft);
		assert_non_null(ft->normalize);
	}
	all = crm_fieldtypes(&n);
	for (i = 0; i < n; i++)
		if (all[i]->normalize)
			assert_true(crm_rule_index(all[i]->name) >= 0);
}

/*
 * What import accepts, cleanse normalizes, and the result is accepted
 * again, for every type that has both a check and a normalizer.
 */
static void test_normalized_is_accepted(void **state)
{
	static const struct {
		const char *type;
		const char *in;
	} cases[] = {
		{ "phone", "03-1234-5678" }, { "phone", "０３（１２３４）５６７８" },
		{ "phone", "+81 (0)3 1234 5678" }, { "phone", "03(1234)5678 内線 1" },
		{ "phone", "090 1234 5678" }, { "phone", "0422515131" },
		{ "phone", "+44 20 7946 0958" }, { "phone", "0120-123-456" },
		{ "email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ" }, { "email", "<mailto:Taro@Example.JP>" },
		{ "email", "taro..yamada@docomo.ne.jp" }, { "email", "Taro@GMIAL.COM" },
		{ "postal", "〒１００－０００１" }, { "postal", "1000001" },
		{ "postal", "100ー0001" }, { "postal", "〒 100-0001" },
	};
	struct crm_norm out = CRM_NORM_INIT;
	size_t i, n, checked = 0;
	const struct crm_fieldtype *const *all = crm_fieldtypes(&n);

	(void)state;
	for (i = 0; i < NELEMS(cases); i++) {
		const struct crm_fieldtype *ft = crm_fieldtype_find(cases[i].type);

		assert_int_equal(ft->check(cases[i].in, 1, NULL), CRM_OK);
		assert_int_equal(ft->normalize(cases[i].in, &out, NULL), CRM_OK);
		if (ft->check(out.value, 1, NULL) != CRM_OK)
			fail_msg("%s '%s' normalizes to '%s', which its check refuses",
				 ft->name, cases[i].in, out.value);
	}
	/*
	 * Where the normalizer refuses, so does import's check (for a record
	 * in Japan): found by the fuzz targets and #11/#12.
	 */
	{
		static const struct {
			const char *type;
			const char *in;
		} refused[] = {
			{ "email", "a@Efz.\xC2\x92" },      /* the cleaned text has an empty label */
			{ "email", "xDz@l.\xE2\x81\xA6" },  /* U+2066, invisible: the same */
			{ "phone", "011-123-4567" },          /* no number starts 0111 */
			{ "phone", "03-1234-567" },           /* 9 digits */
			{ "phone", "+8-675\t(0)7" },         /* 5 digits without the trunk 0 */
		};

		for (i = 0; i < NELEMS(refused); i++) {
			const struct crm_fieldtype *ft = crm_fieldtype_find(refused[i].type);

			assert_int_equal(ft->normalize(refused[i].in, &out, NULL), CRM_ERR_INVALID);
			if (ft->check(refused[i].in, 1, NULL) != CRM_ERR_INVALID)
				fail_msg("%s '%s': cleanse refuses it, import's check takes it",
					 ft->name, refused[i].in);
		}
	}
	crm_norm_release(&out);
	/* Every type with both is among the cases. */
	for (i = 0; i < n; i++)
		if (all[i]->check && all[i]->normalize) {
			size_t c;

			for (c = 0; c < NELEMS(cases); c++)
				if (!strcmp(cases[c].type, all[i]->name))
					break;
			assert_true(c < NELEMS(cases));
			checked++;
		}
	assert_int_equal(checked, 3);
}

/* A check is the type's parser: the same statuses and messages. */
static void test_checks_are_the_parsers(void **state)
{
	struct crm_error a, b;
	char date[CRM_DATETIME_SIZE];
	int64_t v;
	int f;
	const char *g;

	(void)state;
	crm_error_clear(&a);
	crm_error_clear(&b);
	assert_int_equal(crm_fieldtype_date.check("2023/02/30", 1, &a),
			 crm_parse_date("2023/02/30", date, &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_datetime.check("2025-07-23 25:00", 1, &a),
			 crm_parse_datetime("2025-07-23 25:00", date, &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_money.check("¥1,,200", 1, &a),
			 crm_parse_money("¥1,,200", &v, &b));
	assert_int_equal(b.code, CRM_ERR_INVALID);
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_integer.check("1.5", 1, &a), crm_parse_int("1.5", &v, &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_flag.check("maybe", 1, &a), crm_parse_flag("maybe", &f, &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_gender.check("?", 1, &a), crm_parse_gender("?", &g, &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_email.check("taro@", 1, &a), crm_check_email("taro@", &b));
	assert_string_equal(a.message, b.message);
	assert_int_equal(crm_fieldtype_phone.check("03-abcd", 1, &a), crm_check_phone("03-abcd", &b));
	assert_string_equal(a.message, b.message);
	/* A postal code is checked as Japanese only in Japan. */
	assert_int_equal(crm_fieldtype_postal.check("SW1A 1AA", 1, NULL), CRM_ERR_INVALID);
	assert_int_equal(crm_fieldtype_postal.check("SW1A 1AA", 0, NULL), CRM_OK);
	/* Good values and no value. */
	assert_int_equal(crm_fieldtype_date.check("令和7年7月23日", 1, NULL), CRM_OK);
	assert_int_equal(crm_fieldtype_gender.check(" ", 1, NULL), CRM_EOF);
	assert_null(crm_fieldtype_text.check);
	assert_null(crm_fieldtype_enum.check);
	assert_null(crm_fieldtype_key.normalize);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_rules_are_normalizers),
		cmocka_unit_test(test_normalized_is_accepted),
		cmocka_unit_test(test_checks_are_the_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
