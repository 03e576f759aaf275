/*
 * The small pieces everything else leans on: strbuf (including the JSON
 * escaping behind runs.argv) and the error record and its formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crm.h"

static void test_strbuf_basics(void **state)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	char *s;
	size_t len;
	int i;

	(void)state;
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	crm_strbuf_reset(&sb); /* on the shared empty buffer: must not write */
	crm_strbuf_setlen(&sb, 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "山田"), 0);
	assert_int_equal(crm_strbuf_addch(&sb, ' '), 0);
	assert_int_equal(crm_strbuf_addf(&sb, "%d-%s", 42, "x"), 0);
	assert_string_equal(sb.buf, "山田 42-x");
	assert_int_equal(sb.len, strlen("山田 42-x"));
	crm_strbuf_setlen(&sb, 3);
	assert_string_equal(sb.buf, "山");
	crm_strbuf_setlen(&sb, 100); /* never grows */
	assert_int_equal(sb.len, 3);
	for (i = 0; i < 10000; i++)
		assert_int_equal(crm_strbuf_add(&sb, "ab", 2), 0);
	assert_int_equal(sb.len, 3 + 20000);
	assert_int_equal(sb.buf[sb.len], '\0');
	s = crm_strbuf_detach(&sb, &len);
	assert_int_equal(len, 20003);
	assert_string_equal(sb.buf, "");
	free(s);
	s = crm_strbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	crm_strbuf_release(&sb);
	crm_strbuf_release(NULL);
}

static void test_json_string(void **state)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	const char in[] = "a\"b\\c\n\r\t\x01\x1f 名簿.csv";

	(void)state;
	assert_int_equal(crm_strbuf_add_json_string(&sb, in, sizeof(in) - 1), 0);
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f 名簿.csv\"");
	crm_strbuf_reset(&sb);
	assert_int_equal(crm_strbuf_add_json_string(&sb, "", 0), 0);
	assert_string_equal(sb.buf, "\"\"");
	crm_strbuf_release(&sb);
}

/*
 * A long value is measured before it is written: every byte value, and a
 * value of nothing but escapes (six bytes each), come out as they do in
 * short pieces, and the buffer is not given six times a plain value's size.
 */
static void test_json_string_long(void **state)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT, want = CRM_STRBUF_INIT, piece = CRM_STRBUF_INIT;
	char in[6000];   /* all escapes: 36,003 bytes, past the 32 KiB a short count would get */
	size_t i, at;
	int fill;

	(void)state;
	for (fill = 0; fill < 3; fill++) {
		for (i = 0; i < sizeof(in); i++)
			in[i] = (char)(fill == 0 ? 1 + i % 255 : fill == 1 ? 0x01 : 'a');
		assert_int_equal(crm_strbuf_add_json_string(&sb, in, sizeof(in)), 0);
		assert_int_equal(crm_strbuf_addch(&want, '"'), 0);
		for (at = 0; at < sizeof(in); at += 1000) {
			crm_strbuf_reset(&piece);
			assert_int_equal(crm_strbuf_add_json_string(&piece, in + at, 1000), 0);
			assert_int_equal(crm_strbuf_add(&want, piece.buf + 1, piece.len - 2), 0);
		}
		assert_int_equal(crm_strbuf_addch(&want, '"'), 0);
		assert_int_equal(sb.len, want.len);
		assert_memory_equal(sb.buf, want.buf, sb.len);
		if (fill == 2)
			assert_true(sb.alloc < 2 * sizeof(in));
		crm_strbuf_release(&sb);
		crm_strbuf_reset(&want);
	}
	crm_strbuf_release(&want);
	crm_strbuf_release(&piece);
}

/*
 * Long values are copied eight bytes at a time: each character that needs
 * an escape, at every offset in a long value of ASCII and UTF-8, is still
 * escaped, and nothing else is.
 */
static void test_json_string_every_offset(void **state)
{
	static const struct { char c; const char *esc; } cases[] = {
		{ '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\n" }, { '\x1f', "\\u001f" },
		{ '\x01', "\\u0001" }, { '!', "!" }, { '#', "#" }, { '[', "[" }, { ']', "]" },
		{ '\x7f', "\x7f" },
	};
	const char base[] = "abcdefgh名簿ijklmnop\xc3\x97qrstuvwxyz0123456789";
	size_t k, at;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (at = 0; at < sizeof(base) - 1; at++) {
			struct crm_strbuf sb = CRM_STRBUF_INIT, want = CRM_STRBUF_INIT;
			char in[sizeof(base)];

			memcpy(in, base, sizeof(base));
			in[at] = cases[k].c;
			assert_int_equal(crm_strbuf_add_json_string(&sb, in, sizeof(base) - 1), 0);
			assert_int_equal(crm_strbuf_addch(&want, '"'), 0);
			assert_int_equal(crm_strbuf_add(&want, base, at), 0);
			assert_int_equal(crm_strbuf_addstr(&want, cases[k].esc), 0);
			assert_int_equal(crm_strbuf_addstr(&want, base + at + 1), 0);
			assert_int_equal(crm_strbuf_addch(&want, '"'), 0);
			assert_string_equal(sb.buf, want.buf);
			crm_strbuf_release(&sb);
			crm_strbuf_release(&want);
		}
}

static void test_error_format(void **state)
{
	struct crm_error err;
	char buf[2048];

	(void)state;
	crm_error_clear(&err);
	assert_int_equal(err.code, CRM_OK);
	assert_int_equal(crm_error_set(&err, CRM_ERR_IO, "cannot read %s", "x"), CRM_ERR_IO);
	assert_string_equal(crm_error_format(&err, buf, sizeof(buf)), "cannot read x");
	assert_int_equal(crm_error_at(&err, CRM_ERR_CSV, "顧客.csv", 1042, 3,
				      "'%s' is not an email address", "taro@@example.jp"),
			 CRM_ERR_CSV);
	assert_string_equal(crm_error_format(&err, buf, sizeof(buf)),
			    "顧客.csv:1042: column 3: 'taro@@example.jp' is not an email address");
	crm_error_at(&err, CRM_ERR_CSV, "a.csv", 0, 0, "empty file");
	assert_string_equal(crm_error_format(&err, buf, sizeof(buf)), "a.csv: empty file");
	crm_error_at(&err, CRM_ERR_CSV, NULL, 7, 0, "%s", "");
	assert_string_equal(crm_error_format(&err, buf, sizeof(buf)), "malformed CSV");
	/* A short buffer is cut, never overrun, and stays terminated. */
	crm_error_at(&err, CRM_ERR_CSV, "long-name.csv", 1, 2, "message");
	crm_error_format(&err, buf, 8);
	assert_int_equal(strlen(buf), 7);
	/* A NULL err is allowed: the status still comes back. */
	assert_int_equal(crm_error_set(NULL, CRM_ERR_BUSY, "x"), CRM_ERR_BUSY);
	assert_string_equal(crm_strerror(CRM_ERR_BUSY), "database is busy");
	assert_string_equal(crm_strerror((enum crm_status)999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_basics),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_string_every_offset),
		cmocka_unit_test(test_json_string_long),
		cmocka_unit_test(test_error_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
