/*
 * The shared UTF-8 decoder: its inline fast paths must read every code
 * point as utf8proc does, and it must refuse what utf8proc refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <utf8proc.h>

#include "utf8.h"

/* Every code point, encoded, reads back whole through next and decode. */
static void test_every_code_point(void **state)
{
	int32_t cp, got;
	char buf[8];
	int n;

	(void)state;
	for (cp = 1; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		memset(buf, 0, sizeof(buf));
		n = crm_utf8_encode(cp, buf);
		assert_int_equal(n, (int)utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf));
		assert_int_equal(crm_utf8_next(buf, &got), n);
		assert_int_equal(got, cp);
		assert_int_equal(crm_utf8_decode(buf, -1, &got), n);
		assert_int_equal(got, cp);
		assert_int_equal(crm_utf8_decode(buf, n, &got), n);
		assert_int_equal(crm_utf8_lead_length((unsigned char)buf[0]), n);
		if (n == 3)
			assert_true(crm_utf8_valid3((const unsigned char *)buf));
		if (n > 1)
			assert_int_equal(crm_utf8_decode(buf, n - 1, &got), -1);
		assert_int_equal(crm_utf8_is_letter(cp),
				 utf8proc_category(cp) >= UTF8PROC_CATEGORY_LU &&
				 utf8proc_category(cp) <= UTF8PROC_CATEGORY_LO);
	}
}

static void test_bad_bytes(void **state)
{
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe3\x80",
		"\xe3", "\xf0\x9f\x98",
	};
	int32_t cp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(crm_utf8_decode(bad[i], -1, &cp), -1);
		/* next always moves on, one byte of U+FFFD. */
		assert_int_equal(crm_utf8_next(bad[i], &cp), 1);
		assert_int_equal(cp, CRM_UTF8_REPLACEMENT);
	}
	assert_false(crm_utf8_valid3((const unsigned char *)"\xe0\x80\xaf"));
	assert_false(crm_utf8_valid3((const unsigned char *)"\xed\xa0\x80"));
	assert_false(crm_utf8_valid3((const unsigned char *)"\xe3\x80\x00"));
	assert_false(crm_utf8_valid3((const unsigned char *)"abc"));
	/* The end of the text. */
	assert_int_equal(crm_utf8_next("", &cp), 0);
	assert_int_equal(cp, 0);
}

/* The lead lengths are utf8proc's, byte for byte. */
static void test_lead_length(void **state)
{
	int c;

	(void)state;
	for (c = 0; c < 256; c++)
		assert_int_equal(crm_utf8_lead_length((unsigned char)c), utf8proc_utf8class[c]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_lead_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
