/*
 * Unit tests for the CSV writer: every test compares the exact bytes
 * written, since quoting, encoding and the formula guard are all about
 * bytes that spreadsheets will interpret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvio.h"

#define MAX_FIELDS 8

struct rec {
	size_t n;
	const char *f[MAX_FIELDS];
};

/* An output stream in memory, and a writer on it. */
struct sink {
	char *buf;
	size_t len;
	FILE *fp;
	struct crm_csv_writer *w;
	struct crm_error err;
};

static void sink_open(struct sink *s, const struct crm_csv_write_options *opts)
{
	memset(s, 0, sizeof(*s));
	crm_error_clear(&s->err);
	s->fp = open_memstream(&s->buf, &s->len);
	assert_non_null(s->fp);
	assert_int_equal(crm_csv_writer_open(&s->w, s->fp, opts, &s->err), CRM_OK);
	assert_non_null(s->w);
}

static enum crm_status sink_write(struct sink *s, const struct rec *r)
{
	return crm_csv_write_record(s->w, r->f, NULL, r->n, &s->err);
}

/* Closes the writer (which must succeed) and the stream; s->buf holds the output. */
static void sink_close(struct sink *s)
{
	assert_int_equal(crm_csv_writer_close(s->w, &s->err), CRM_OK);
	s->w = NULL;
	assert_int_equal(fclose(s->fp), 0);
	s->fp = NULL;
}

static void assert_output(struct sink *s, const char *want, size_t want_len)
{
	assert_non_null(s->buf);
	assert_int_equal(s->len, want_len);
	assert_true(memcmp(s->buf, want, want_len) == 0);
	free(s->buf);
	s->buf = NULL;
}

/* Writes recs, each of which must succeed, and checks the whole output. */
static void check_csv(const struct crm_csv_write_options *opts,
		      const struct rec *recs, size_t nrecs,
		      const char *want, size_t want_len)
{
	struct sink s;
	size_t i;

	sink_open(&s, opts);
	for (i = 0; i < nrecs; i++)
		assert_int_equal(sink_write(&s, &recs[i]), CRM_OK);
	assert_int_equal(crm_csv_records_written(s.w), nrecs);
	sink_close(&s);
	assert_output(&s, want, want_len);
}

/* For string literals: the bytes without the terminating NUL. */
#define WANT(lit) (lit), (sizeof(lit) - 1)
#define NRECS(a) (sizeof(a) / sizeof((a)[0]))

static void test_plain(void **state)
{
	static const struct rec recs[] = {
		{ 3, { "id", "name", "city" } },
		{ 3, { "1", "山田太郎", "東京都" } },
		{ 3, { "2", "mid dle", "" } },
	};

	(void)state;
	check_csv(NULL, recs, NRECS(recs),
		  WANT("id,name,city\n1,山田太郎,東京都\n2,mid dle,\n"));
}

static void test_auto_is_utf8(void **state)
{
	static const struct rec recs[] = { { 2, { "①", "～" } } };
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_AUTO };

	(void)state;
	check_csv(&opts, recs, NRECS(recs), WANT("①,～\n"));
	opts.encoding = CRM_ENC_UTF8;
	check_csv(&opts, recs, NRECS(recs), WANT("①,～\n"));
}

static void test_quoting(void **state)
{
	static const struct rec recs[] = {
		{ 3, { "a,b", "say \"hi\"", "\"" } },
		{ 4, { "l1\nl2", "c\rr", " lead", "trail " } },
		{ 3, { " ", "in side", "x'y" } },
	};

	(void)state;
	check_csv(NULL, recs, NRECS(recs),
		  WANT("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n"
		       "\"l1\nl2\",\"c\rr\",\" lead\",\"trail \"\n"
		       "\" \",in side,x'y\n"));
}

static void test_crlf(void **state)
{
	static const struct rec recs[] = {
		{ 2, { "a", "b" } },
		{ 2, { "x\ny", "z" } },
	};
	struct crm_csv_write_options opts = { .crlf = 1 };

	(void)state;
	/* The record ends in CRLF; the LF inside the quoted field stays as it was. */
	check_csv(&opts, recs, NRECS(recs), WANT("a,b\r\n\"x\ny\",z\r\n"));
}

static void test_delimiter(void **state)
{
	static const struct rec recs[] = { { 3, { "a,b", "c;d", "e" } } };
	struct crm_csv_write_options opts = { .delimiter = ';' };

	(void)state;
	check_csv(&opts, recs, NRECS(recs), WANT("a,b;\"c;d\";e\n"));
}

static void test_tab_delimiter_guard(void **state)
{
	static const struct rec recs[] = { { 2, { "\tx", "y" } } };
	struct crm_csv_write_options opts = { .delimiter = '\t' };

	(void)state;
	/* The guarded cell contains the delimiter, so it is quoted as well. */
	check_csv(&opts, recs, NRECS(recs), WANT("\"'\tx\"\ty\n"));
}

static void test_bad_options(void **state)
{
	struct crm_csv_write_options opts = { .delimiter = '"' };
	struct crm_csv_writer *w = (struct crm_csv_writer *)&opts;
	struct crm_error err;

	(void)state;
	crm_error_clear(&err);
	assert_int_equal(crm_csv_writer_open(&w, stdout, &opts, &err), CRM_ERR_INVALID);
	assert_null(w);
	opts.delimiter = '\n';
	assert_int_equal(crm_csv_writer_open(&w, stdout, &opts, &err), CRM_ERR_INVALID);
	assert_null(w);
	opts.delimiter = 0;
	opts.encoding = (enum crm_encoding)42;
	assert_int_equal(crm_csv_writer_open(&w, stdout, &opts, &err), CRM_ERR_INVALID);
	assert_null(w);
	assert_int_equal(crm_csv_writer_open(&w, NULL, NULL, &err), CRM_ERR_INVALID);
	assert_null(w);
}

static void test_single_empty_field(void **state)
{
	static const struct rec recs[] = {
		{ 1, { "h" } },
		{ 1, { "" } },
		{ 1, { NULL } },
		{ 2, { "", "" } },
	};

	(void)state;
	/* A lone empty field is "" so that it is not read back as a blank line. */
	check_csv(NULL, recs, NRECS(recs), WANT("h\n\"\"\n\"\"\n,\n"));
}

static void test_bom_once(void **state)
{
	static const struct rec recs[] = {
		{ 2, { "氏名", "会社" } },
		{ 2, { "髙橋", "㈱テスト" } },
	};
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_UTF8_BOM };

	(void)state;
	check_csv(&opts, recs, NRECS(recs),
		  WANT("\xEF\xBB\xBF氏名,会社\n髙橋,㈱テスト\n"));
}

static void test_bom_zero_records(void **state)
{
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_UTF8_BOM };

	(void)state;
	check_csv(&opts, NULL, 0, WANT("\xEF\xBB\xBF"));
}

static void test_bom_after_failed_first_record(void **state)
{
	static const char *const bad[] = { "a\0b" };
	static const size_t bad_lens[] = { 3 };
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_UTF8_BOM };
	struct sink s;

	(void)state;
	sink_open(&s, &opts);
	assert_int_equal(crm_csv_write_record(s.w, bad, bad_lens, 1, &s.err),
			 CRM_ERR_INVALID);
	assert_int_equal(crm_csv_records_written(s.w), 0);
	sink_close(&s);
	assert_output(&s, WANT("\xEF\xBB\xBF"));
}

static void test_no_bom_for_utf8(void **state)
{
	(void)state;
	check_csv(NULL, NULL, 0, WANT(""));
}

static void test_cp932(void **state)
{
	static const struct rec recs[] = {
		{ 4, { "①", "㈱", "～", "髙" } },
		{ 3, { "〜", "ｱ", "a\\b~" } },
	};
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_CP932, .crlf = 1 };

	(void)state;
	check_csv(&opts, recs, NRECS(recs),
		  WANT("\x87\x40,\x87\x8A,\x81\x60,\xFB\xFC\r\n"
		       "\x81\x60,\xB1,a\\b~\r\n"));
}

static void test_cp932_long_record(void **state)
{
	enum { N = 20000 };
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_CP932 };
	char *in = malloc(N * 3 + 1), *want = malloc(N * 2 + 1);
	struct rec r = { 1, { NULL } };
	size_t i;

	(void)state;
	assert_non_null(in);
	assert_non_null(want);
	for (i = 0; i < N; i++) {
		memcpy(in + 3 * i, "①", 3);
		memcpy(want + 2 * i, "\x87\x40", 2);
	}
	in[N * 3] = '\0';
	want[N * 2] = '\n';
	r.f[0] = in;
	check_csv(&opts, &r, 1, want, N * 2 + 1);
	free(in);
	free(want);
}

static void test_cp932_unrepresentable(void **state)
{
	static const struct rec recs[] = {
		{ 2, { "name", "memo" } },
		{ 2, { "a", "b" } },
		{ 2, { "山田", "𠮷野家" } },
		{ 2, { "c", "①" } },
	};
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_CP932 };
	struct sink s;

	(void)state;
	sink_open(&s, &opts);
	assert_int_equal(sink_write(&s, &recs[0]), CRM_OK);
	assert_int_equal(sink_write(&s, &recs[1]), CRM_OK);
	assert_int_equal(sink_write(&s, &recs[2]), CRM_ERR_UNREPRESENTABLE);
	assert_int_equal(s.err.code, CRM_ERR_UNREPRESENTABLE);
	assert_string_equal(s.err.message,
			    "record 3, field 2: character U+20BB7 '𠮷' cannot be written in CP932");
	assert_int_equal(crm_csv_records_written(s.w), 2);
	assert_int_equal(sink_write(&s, &recs[3]), CRM_OK);
	assert_int_equal(crm_csv_records_written(s.w), 3);
	sink_close(&s);
	assert_output(&s, WANT("name,memo\na,b\nc,\x87\x40\n"));
}

static void test_cp932_unrepresentable_field_number(void **state)
{
	/* Quotes, doubled quotes and the guard's apostrophe shift offsets. */
	static const struct rec recs[] = {
		{ 4, { "山田, \"太郎\"", "=x", "ok", "-𠮷" } },
		{ 3, { "𠮷", "a", "b" } },
	};
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_CP932 };
	struct sink s;

	(void)state;
	sink_open(&s, &opts);
	assert_int_equal(sink_write(&s, &recs[0]), CRM_ERR_UNREPRESENTABLE);
	assert_string_equal(s.err.message,
			    "record 1, field 4: character U+20BB7 '𠮷' cannot be written in CP932");
	assert_int_equal(sink_write(&s, &recs[1]), CRM_ERR_UNREPRESENTABLE);
	assert_string_equal(s.err.message,
			    "record 2, field 1: character U+20BB7 '𠮷' cannot be written in CP932");
	assert_int_equal(crm_csv_records_written(s.w), 0);
	sink_close(&s);
	assert_output(&s, WANT(""));
}

static void test_formula_guard(void **state)
{
	static const struct rec recs[] = {
		{ 3, { "=SUM(A1)", "+1+2", "-1+2" } },
		{ 3, { "@cmd", "\tx", "\rx" } },
		{ 2, { "=A1,B1", "=\"x\"" } },
		{ 4, { "--1", "-", "-.", "-1." } },
		{ 4, { "-.5", "+-1", "1-2", "-1e5" } },
	};

	(void)state;
	check_csv(NULL, recs, NRECS(recs),
		  WANT("'=SUM(A1),'+1+2,'-1+2\n"
		       "'@cmd,'\tx,\"'\rx\"\n"
		       "\"'=A1,B1\",\"'=\"\"x\"\"\"\n"
		       "'--1,'-,'-.,'-1.\n"
		       "'-.5,'+-1,1-2,'-1e5\n"));
}

static void test_formula_guard_numbers(void **state)
{
	static const struct rec recs[] = {
		{ 4, { "-12", "+3.5", "-0.25", "12" } },
		{ 2, { "-1200", "+0" } },
	};

	(void)state;
	check_csv(NULL, recs, NRECS(recs), WANT("-12,+3.5,-0.25,12\n-1200,+0\n"));
}

static void test_formula_guard_off(void **state)
{
	static const struct rec recs[] = {
		{ 4, { "=SUM(A1)", "-1+2", "@cmd", "\rx" } },
	};
	struct crm_csv_write_options opts = { .no_formula_guard = 1 };

	(void)state;
	check_csv(&opts, recs, NRECS(recs), WANT("=SUM(A1),-1+2,@cmd,\"\rx\"\n"));
}

static void test_formula_guard_apostrophe_delimiter(void **state)
{
	static const struct rec recs[] = { { 2, { "=1", "a" } } };
	struct crm_csv_write_options opts = { .delimiter = '\'' };

	(void)state;
	check_csv(&opts, recs, NRECS(recs), WANT("\"'=1\"'a\n"));
}

static void test_null_field(void **state)
{
	static const struct rec recs[] = { { 3, { "a", NULL, "c" } } };
	static const char *const f[] = { NULL, "x" };
	static const size_t lens[] = { 5, 1 };
	struct sink s;

	(void)state;
	check_csv(NULL, recs, NRECS(recs), WANT("a,,c\n"));

	/* With lens, a NULL field is still empty, whatever its length says. */
	sink_open(&s, NULL);
	assert_int_equal(crm_csv_write_record(s.w, f, lens, 2, &s.err), CRM_OK);
	sink_close(&s);
	assert_output(&s, WANT(",x\n"));
}

static void test_lens(void **state)
{
	static const char *const f[] = { "abcdef", "x,yz", "" };
	static const size_t lens[] = { 3, 2, 0 };
	struct sink s;

	(void)state;
	sink_open(&s, NULL);
	assert_int_equal(crm_csv_write_record(s.w, f, lens, 3, &s.err), CRM_OK);
	sink_close(&s);
	assert_output(&s, WANT("abc,\"x,\",\n"));
}

static void test_nul_byte(void **state)
{
	static const char *const bad[] = { "ok", "a\0b" };
	static const size_t bad_lens[] = { 2, 3 };
	static const struct rec good = { 2, { "c", "d" } };
	struct sink s;

	(void)state;
	sink_open(&s, NULL);
	assert_int_equal(crm_csv_write_record(s.w, bad, bad_lens, 2, &s.err),
			 CRM_ERR_INVALID);
	assert_int_equal(s.err.code, CRM_ERR_INVALID);
	assert_string_equal(s.err.message, "record 1, field 2 contains a NUL byte");
	assert_int_equal(sink_write(&s, &good), CRM_OK);
	assert_int_equal(crm_csv_records_written(s.w), 1);
	sink_close(&s);
	assert_output(&s, WANT("c,d\n"));
}

static void check_invalid_utf8(enum crm_encoding enc)
{
	static const char *const bad[] = {
		"\xFF", "a\xC0\xAF", "\xE0\x80\xAF", "\xF0\x82\x82\xAC",
		"\xED\xA0\x80", "\xE3\x81", "\xF4\x90\x80\x80", "\x80",
		"\xE3\x81\x41", "\xE3\x81\x82\x82",
	};
	static const struct rec good = { 1, { "あ" } };
	struct crm_csv_write_options opts = { .encoding = enc };
	struct sink s;
	size_t i;

	sink_open(&s, &opts);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rec r = { 2, { "x", bad[i] } };

		assert_int_equal(sink_write(&s, &r), CRM_ERR_ENCODING);
		assert_int_equal(s.err.code, CRM_ERR_ENCODING);
		assert_non_null(strstr(s.err.message, ", field 2: byte "));
	}
	assert_string_equal(s.err.message,
			    "record 10, field 2: byte 4 (0x82) is not valid UTF-8");
	assert_int_equal(sink_write(&s, &good), CRM_OK);
	sink_close(&s);
	if (enc == CRM_ENC_CP932)
		assert_output(&s, WANT("\x82\xA0\n"));
	else
		assert_output(&s, WANT("あ\n"));
}

static void test_invalid_utf8_cp932(void **state)
{
	(void)state;
	check_invalid_utf8(CRM_ENC_CP932);
}

static void test_invalid_utf8_utf8(void **state)
{
	(void)state;
	check_invalid_utf8(CRM_ENC_UTF8);
}

static void test_no_fields(void **state)
{
	static const struct rec empty = { 0, { NULL } };
	static const struct rec good = { 1, { "a" } };
	struct sink s;

	(void)state;
	sink_open(&s, NULL);
	assert_int_equal(sink_write(&s, &empty), CRM_ERR_INVALID);
	assert_string_equal(s.err.message, "record 1 has no fields");
	assert_int_equal(sink_write(&s, &good), CRM_OK);
	sink_close(&s);
	assert_output(&s, WANT("a\n"));
}

static void test_write_error_unbuffered(void **state)
{
	static const struct rec r = { 2, { "a", "b" } };
	struct crm_csv_writer *w;
	struct crm_error err;
	FILE *fp = fopen("/dev/full", "w"), *good;

	(void)state;
	crm_error_clear(&err);
	assert_non_null(fp);
	assert_int_equal(setvbuf(fp, NULL, _IONBF, 0), 0);
	assert_int_equal(crm_csv_writer_open(&w, fp, NULL, &err), CRM_OK);
	assert_int_equal(crm_csv_write_record(w, r.f, NULL, r.n, &err), CRM_ERR_IO);
	assert_int_equal(err.code, CRM_ERR_IO);
	assert_non_null(strstr(err.message, "No space left on device"));
	assert_int_equal(crm_csv_records_written(w), 0);

	/*
	 * The output may now hold a partial record, so later records are
	 * refused even once the stream works again: here its descriptor is
	 * pointed at a good file, which must stay empty.
	 */
	good = tmpfile();
	assert_non_null(good);
	assert_true(dup2(fileno(good), fileno(fp)) >= 0);
	clearerr(fp);
	crm_error_clear(&err);
	assert_int_equal(crm_csv_write_record(w, r.f, NULL, r.n, &err), CRM_ERR_IO);
	assert_non_null(strstr(err.message, "No space left on device"));
	assert_int_equal(crm_csv_records_written(w), 0);
	crm_error_clear(&err);
	assert_int_equal(crm_csv_writer_close(w, &err), CRM_ERR_IO);
	assert_int_equal(err.code, CRM_ERR_IO);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(fseek(good, 0, SEEK_END), 0);
	assert_int_equal(ftell(good), 0);
	fclose(good);
}

static void test_earlier_stream_error_at_close(void **state)
{
	struct crm_csv_writer *w;
	struct crm_error err;
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	crm_error_clear(&err);
	assert_non_null(fp);
	assert_int_equal(setvbuf(fp, NULL, _IONBF, 0), 0);
	/* Output the caller wrote before the CSV was lost: close must say so. */
	assert_int_equal(fputs("title\n", fp), EOF);
	assert_int_equal(crm_csv_writer_open(&w, fp, NULL, &err), CRM_OK);
	assert_int_equal(crm_csv_writer_close(w, &err), CRM_ERR_IO);
	assert_int_equal(err.code, CRM_ERR_IO);
	fclose(fp);
}

static void test_write_error_at_close(void **state)
{
	static const struct rec r = { 2, { "a", "b" } };
	struct crm_csv_writer *w;
	struct crm_error err;
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	crm_error_clear(&err);
	assert_non_null(fp);
	assert_int_equal(crm_csv_writer_open(&w, fp, NULL, &err), CRM_OK);
	/* A small record stays in stdio's buffer until the flush at close. */
	assert_int_equal(crm_csv_write_record(w, r.f, NULL, r.n, &err), CRM_OK);
	assert_int_equal(crm_csv_records_written(w), 1);
	assert_int_equal(crm_csv_writer_close(w, &err), CRM_ERR_IO);
	assert_int_equal(err.code, CRM_ERR_IO);
	assert_non_null(strstr(err.message, "No space left on device"));
	fclose(fp);
}

static void test_bom_write_error_at_close(void **state)
{
	struct crm_csv_write_options opts = { .encoding = CRM_ENC_UTF8_BOM };
	struct crm_csv_writer *w;
	struct crm_error err;
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	crm_error_clear(&err);
	assert_non_null(fp);
	assert_int_equal(setvbuf(fp, NULL, _IONBF, 0), 0);
	assert_int_equal(crm_csv_writer_open(&w, fp, &opts, &err), CRM_OK);
	assert_int_equal(crm_csv_writer_close(w, &err), CRM_ERR_IO);
	fclose(fp);
}

static void test_records_written(void **state)
{
	static const struct rec good = { 1, { "a" } };
	static const struct rec bad = { 1, { "\xFF" } };
	struct sink s;

	(void)state;
	sink_open(&s, NULL);
	assert_int_equal(crm_csv_records_written(s.w), 0);
	assert_int_equal(sink_write(&s, &good), CRM_OK);
	assert_int_equal(crm_csv_records_written(s.w), 1);
	assert_int_equal(sink_write(&s, &bad), CRM_ERR_ENCODING);
	assert_int_equal(crm_csv_records_written(s.w), 1);
	assert_int_equal(sink_write(&s, &good), CRM_OK);
	assert_int_equal(crm_csv_records_written(s.w), 2);
	/* The failed record still counts in the numbering of messages. */
	assert_int_equal(sink_write(&s, &bad), CRM_ERR_ENCODING);
	assert_string_equal(s.err.message,
			    "record 4, field 1: byte 1 (0xFF) is not valid UTF-8");
	sink_close(&s);
	assert_output(&s, WANT("a\na\n"));
}

static void test_free_null(void **state)
{
	struct crm_error err;

	(void)state;
	crm_error_clear(&err);
	crm_csv_writer_free(NULL);
	assert_int_equal(crm_csv_writer_close(NULL, &err), CRM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_auto_is_utf8),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_tab_delimiter_guard),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_single_empty_field),
		cmocka_unit_test(test_bom_once),
		cmocka_unit_test(test_bom_zero_records),
		cmocka_unit_test(test_bom_after_failed_first_record),
		cmocka_unit_test(test_no_bom_for_utf8),
		cmocka_unit_test(test_cp932),
		cmocka_unit_test(test_cp932_long_record),
		cmocka_unit_test(test_cp932_unrepresentable),
		cmocka_unit_test(test_cp932_unrepresentable_field_number),
		cmocka_unit_test(test_formula_guard),
		cmocka_unit_test(test_formula_guard_numbers),
		cmocka_unit_test(test_formula_guard_off),
		cmocka_unit_test(test_formula_guard_apostrophe_delimiter),
		cmocka_unit_test(test_null_field),
		cmocka_unit_test(test_lens),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8_cp932),
		cmocka_unit_test(test_invalid_utf8_utf8),
		cmocka_unit_test(test_no_fields),
		cmocka_unit_test(test_write_error_unbuffered),
		cmocka_unit_test(test_write_error_at_close),
		cmocka_unit_test(test_earlier_stream_error_at_close),
		cmocka_unit_test(test_bom_write_error_at_close),
		cmocka_unit_test(test_records_written),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
