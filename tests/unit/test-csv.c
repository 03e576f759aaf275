/*
 * The CSV reader: encodings, line numbers, and every kind of malformed
 * input it must report instead of guessing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

/* A reader over an in-memory file. */
struct fixture {
	FILE *fp;
	struct crm_csv_reader *r;
	struct crm_csv_record rec;
	struct crm_error err;
};

static void open_opts(struct fixture *f, const char *data, size_t len,
		      const struct crm_csv_read_options *o)
{
	f->fp = fmemopen((void *)data, len, "r");
	assert_non_null(f->fp);
	crm_error_clear(&f->err);
	assert_int_equal(crm_csv_reader_open(&f->r, f->fp, "t.csv", o, &f->err), CRM_OK);
}

static void open_str(struct fixture *f, const char *data)
{
	open_opts(f, data, strlen(data), NULL);
}

static void close_fixture(struct fixture *f)
{
	crm_csv_reader_free(f->r);
	fclose(f->fp);
}

static enum crm_status next(struct fixture *f)
{
	crm_error_clear(&f->err);
	return crm_csv_read(f->r, &f->rec, &f->err);
}

/* Reads one record that must be good and have exactly the given fields. */
static void expect_record(struct fixture *f, unsigned long line, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(next(f), CRM_OK);
	assert_int_equal(f->rec.line, line);
	assert_int_equal(f->rec.nfields, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		assert_string_equal(f->rec.fields[i], want);
		assert_int_equal(f->rec.lens[i], strlen(want));
	}
	va_end(ap);
}

static void expect_error(struct fixture *f, enum crm_status code, unsigned long line,
			 unsigned long column, const char *needle)
{
	assert_int_equal(next(f), code);
	assert_int_equal(f->err.code, code);
	assert_int_equal(f->err.line, line);
	assert_int_equal(f->err.column, column);
	assert_string_equal(f->err.file, "t.csv");
	if (needle && !strstr(f->err.message, needle))
		fail_msg("message '%s' lacks '%s'", f->err.message, needle);
}

static void test_plain_utf8(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "name,city\n山田 太郎,東京\nSato,Osaka\n");
	expect_record(&f, 1, 2, "name", "city");
	expect_record(&f, 2, 2, "山田 太郎", "東京");
	expect_record(&f, 3, 2, "Sato", "Osaka");
	assert_int_equal(next(&f), CRM_EOF);
	assert_int_equal(next(&f), CRM_EOF);
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	assert_int_equal(crm_csv_had_bom(f.r), 0);
	close_fixture(&f);
}

static void test_bom_stripped(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "\xEF\xBB\xBFid,name\n1,a\n");
	expect_record(&f, 1, 2, "id", "name");
	expect_record(&f, 2, 2, "1", "a");
	assert_int_equal(crm_csv_had_bom(f.r), 1);
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_only_bom_and_empty(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "\xEF\xBB\xBF");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	open_str(&f, "");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	open_str(&f, "\n\r\n  \n");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_cp932(void **state)
{
	/* 名前,会社 / 山田,㈱テスト①～髙﨑 in CP932, CRLF as Excel writes it. */
	static const char data[] =
		"\x96\xbc\x91\x4f,\x89\xef\x8e\xd0\r\n"
		"\x8e\x52\x93\x63,\x87\x8a\x83\x65\x83\x58\x83\x67\x87\x40\x81\x60\xfb\xfc\xfa\xb1\r\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "名前", "会社");
	/* CP932, not Shift_JIS: 0x8160 is U+FF5E ～, not U+301C 〜. */
	expect_record(&f, 2, 2, "山田", "㈱テスト①\xEF\xBD\x9E髙﨑");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_CP932);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_cp932_halfwidth_kana_not_taken_for_utf8(void **state)
{
	/*
	 * ﾃｽ is C3 BD in CP932, which is also valid UTF-8 (ý). The reader must
	 * look past that line before deciding.
	 */
	static const char data[] = "id,kana\n1,\xc3\xbd\n2,\x8e\x52\x93\x63\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_record(&f, 2, 2, "1", "ﾃｽ");
	expect_record(&f, 3, 2, "2", "山田");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_CP932);
	close_fixture(&f);
}

/*
 * A CP932 file whose only Japanese is half-width kana names in pairs that
 * are valid UTF-8 too (ﾐｷ D0 B7 is з, ﾕｶ D5 B6 is ն): either guess would be
 * silent mojibake for some file, so the reader says it cannot tell, once,
 * and the file is at its end.
 */
static void test_undecided_encoding_refused(void **state)
{
	static const char kana[] = "id,kana\n1,\xd0\xb7\n2,\xd5\xb6 \xcf\xb7\n";
	/* The same bytes' kind in UTF-8: Cyrillic names alone (лена, Иван). */
	static const char cyrillic[] = "id,name\nA1,\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb0\n"
				       "A2,\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\n";
	static const char few[] = "id,kana\n1,\xd0\xb7\n2,\xd5\xb6\n3,\xcf\xb7\n4,\x8e\x52\n";
	static const char dm[] = "id,kana,channel\n1,\xd0\xb7,DM\xca\xb6\xde\xb7\n"
				 "2,\xd5\xb6,DM\xca\xb6\xde\xb7\n";
	static const char damaged[] = "id,name\n1,Zo\xc3\xab Smith\n2,Fran\xe7ois Dupont\n";
	struct crm_csv_read_options o = { 0 };
	struct fixture f;

	(void)state;
	open_opts(&f, kana, sizeof(kana) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is UTF-8 or CP932:"
		     " \"з\" in UTF-8 is \"ﾐｷ\" in CP932, and nothing"
		     " else at its start says which: save the file as \"CSV UTF-8\"");
	assert_int_equal(next(&f), CRM_EOF);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* A caller whose user can name the encoding says how. */
	o.name_encoding = "name it with --encoding";
	open_opts(&f, kana, sizeof(kana) - 1, &o);
	expect_record(&f, 1, 2, "id", "kana");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "says which: name it with --encoding, or save");
	close_fixture(&f);

	/* Three such names and one kanji (山, 8E 52): still too few to tell. */
	open_opts(&f, few, sizeof(few) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is UTF-8 or CP932");
	close_fixture(&f);

	/* Kana after Latin letters (DMﾊｶﾞｷ: ﾊｶ is CA B6, no accented letter): no proof of UTF-8. */
	open_opts(&f, dm, sizeof(dm) - 1, NULL);
	expect_record(&f, 1, 3, "id", "kana", "channel");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is UTF-8 or CP932");
	close_fixture(&f);

	/* One accent, one damaged byte (or a kana pair and a kanji): asked, with a word both ways. */
	open_opts(&f, damaged, sizeof(damaged) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_error(&f, CRM_ERR_INVALID, 2, 0,
		     "\"Zoë\" in UTF-8 is \"Zoﾃｫ\" in CP932, and nothing else at its start");
	close_fixture(&f);

	/* 0x98 is no half-width kana: only the first pair, лe, reads both ways. */
	open_opts(&f, cyrillic, sizeof(cyrillic) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	assert_int_equal(next(&f), CRM_OK);
	assert_string_equal(f.rec.fields[1], "лена");
	close_fixture(&f);
}

/* A pair beside a Latin letter, or a £ or ¥ (José, £40): UTF-8, no question asked. */
static void test_latin_pairs_read_as_utf8(void **state)
{
	static const char data[] = "id,name,note\n1,Jos\xc3\xa9,\xc2\xa3" "40.00\n"
				   "2,M\xc3\xbcller,\xc3\xa9t\xc3\xa9\n";
	static const char signs[] = "id,Amount (\xc2\xa3),Price \xc2\xa5\nK1,40,5\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 3, "id", "name", "note");
	expect_record(&f, 2, 3, "1", "José", "£40.00");
	expect_record(&f, 3, 3, "2", "Müller", "été");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	close_fixture(&f);
	open_opts(&f, signs, sizeof(signs) - 1, NULL);
	expect_record(&f, 1, 3, "id", "Amount (£)", "Price ¥");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	close_fixture(&f);
}

/*
 * What decides is the line and the 64 KiB after it, wherever the line
 * falls in the reader's buffer: лена alone cannot tell, Иван (И is D0 98)
 * after it says UTF-8, at every offset around the buffer's end.
 */
static void test_detection_window_whole(void **state)
{
	static const char head[] = "id,name\n", lena[] = "B1,\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb0\n",
			  ivan[] = "B2,\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\n";
	size_t size = 65536 + 64, shift;
	char *data = malloc(size + sizeof(lena) + sizeof(ivan));

	(void)state;
	assert_non_null(data);
	for (shift = 0; shift < 48; shift++) {
		size_t pad = 65536 + shift - strlen(head) - strlen(lena), n = 0;
		struct fixture f;

		memcpy(data, head, strlen(head));
		n = strlen(head);
		memcpy(data + n, "Z,", 2);
		memset(data + n + 2, 'x', pad - 3);
		n += pad - 1;
		data[n++] = '\n';
		memcpy(data + n, lena, strlen(lena));
		n += strlen(lena);
		memcpy(data + n, ivan, strlen(ivan));
		n += strlen(ivan);
		open_opts(&f, data, n, NULL);
		assert_int_equal(next(&f), CRM_OK);
		assert_int_equal(next(&f), CRM_OK);
		if (next(&f) != CRM_OK)
			fail_msg("shift %zu: %s", shift, f.err.message);
		assert_string_equal(f.rec.fields[1], "лена");
		assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
		close_fixture(&f);
	}
	free(data);
}

/* A line further on that only one encoding reads decides for the pairs before it. */
static void test_undecided_pairs_decided_later(void **state)
{
	/* ﾐｷ, then 山田 in CP932 (8E is no UTF-8 lead); then ﾐｷ, then 山田 in UTF-8. */
	static const char cp932[] = "id,kana\n1,\xd0\xb7\n2,\x8e\x52\x93\x63\n";
	static const char utf8[] = "id,name\n1,\xd0\xb7\n2,山田\n";
	struct fixture f;

	(void)state;
	open_opts(&f, cp932, sizeof(cp932) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_record(&f, 2, 2, "1", "ﾐｷ");
	expect_record(&f, 3, 2, "2", "山田");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_CP932);
	close_fixture(&f);

	open_opts(&f, utf8, sizeof(utf8) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_record(&f, 2, 2, "1", "з");
	expect_record(&f, 3, 2, "2", "山田");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	close_fixture(&f);
}

/* Named, the encoding decides what could not be told. */
static void test_undecided_bytes_named(void **state)
{
	struct crm_csv_read_options o = { .encoding = CRM_ENC_CP932 };
	static const char data[] = "id,kana\n1,\xd0\xb7\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, &o);
	expect_record(&f, 1, 2, "id", "kana");
	expect_record(&f, 2, 2, "1", "ﾐｷ");
	close_fixture(&f);
	o.encoding = CRM_ENC_UTF8;
	open_opts(&f, data, sizeof(data) - 1, &o);
	expect_record(&f, 1, 2, "id", "kana");
	expect_record(&f, 2, 2, "1", "з");
	close_fixture(&f);
}

/*
 * EUC-JP (an old web shop's export) is valid CP932 too, mostly half-width
 * kana: 山田 is BB B3 C5 C4, ｻｳﾅﾄ. Asked, not stored as kana; CP932 text,
 * whose kana and kanji start with 81-9F, is read as before.
 */
static void test_eucjp_refused(void **state)
{
	/* id,name / 1,山田 太郎 / 2,やまだ in EUC-JP. */
	static const char euc[] = "id,name\n1,\xbb\xb3\xc5\xc4 \xc2\xc0\xcf\xba\n"
				  "2,\xa4\xe4\xa4\xde\xa4\xc0\n";
	/* The same in CP932. */
	static const char sjis[] = "id,name\n1,\x8e\x52\x93\x63 \x91\xbe\x98\x59\n"
				   "2,\x82\xe2\x82\xdc\x82\xbe\n";
	/* ﾔﾏﾀﾞ ﾀﾛｳ in CP932: an odd run (ｳ alone) is no EUC-JP. */
	static const char kana[] = "id,kana\n1,\xd4\xcf\xc0\xde \xc0\xdb\xb3\n";
	struct fixture f;

	(void)state;
	open_opts(&f, euc, sizeof(euc) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "the file looks like EUC-JP, which crm does not"
		     " read: \"山田\" in EUC-JP is \"ｻｳﾅﾄ\" in CP932: convert it to UTF-8 first");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	open_opts(&f, sjis, sizeof(sjis) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_record(&f, 2, 2, "1", "山田 太郎");
	expect_record(&f, 3, 2, "2", "やまだ");
	close_fixture(&f);
	open_opts(&f, kana, sizeof(kana) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_record(&f, 2, 2, "1", "ﾔﾏﾀﾞ ﾀﾛｳ");
	close_fixture(&f);
}

/*
 * What a review found refused by the rules above, read as before: CP932
 * hiragana, whose lead byte 82 after a trail byte makes valid UTF-8 by
 * chance (さとう はなこ), and Vietnamese (ư is C6 B0, by a Latin letter).
 * A CP932 word of half-width kana whose bytes pair up as EUC-JP's (ｽｽﾞｷ),
 * and a short EUC-JP file of common kanji (山田), are the same bytes:
 * asked, with both readings.
 */
static void test_review_cases(void **state)
{
	static const char hira[] = "id,\x82\xd3\x82\xe8\x82\xaa\x82\xc8\n"
				   "1,\x82\xb3\x82\xc6\x82\xa4 \x82\xcd\x82\xc8\x82\xb1\n";
	static const char viet[] = "id,name\n1,L\xc6\xb0u H\xc6\xb0ng\n";
	static const char kana[] = "id,kana\n1,\xbd\xbd\xde\xb7\n";
	static const char euc[] = "id,name\n1,\xbb\xb3\xc5\xc4\n";
	/* Windows-1252 alone: E7 is a rare kanji's lead byte to CP932 (Fran輟is). */
	static const char cp1252[] = "id,name\n1,Fran\xe7ois Dupont\n2,M\xfcller\n";
	struct fixture f;

	(void)state;
	open_opts(&f, hira, sizeof(hira) - 1, NULL);
	expect_record(&f, 1, 2, "id", "ふりがな");
	expect_record(&f, 2, 2, "1", "さとう はなこ");
	close_fixture(&f);
	open_opts(&f, viet, sizeof(viet) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_record(&f, 2, 2, "1", "Lưu Hưng");
	close_fixture(&f);
	open_opts(&f, kana, sizeof(kana) - 1, NULL);
	expect_record(&f, 1, 2, "id", "kana");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is CP932 or EUC-JP:"
		     " \"ｽｽﾞｷ\" in CP932 is \"十涎\" in EUC-JP");
	close_fixture(&f);
	open_opts(&f, euc, sizeof(euc) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is CP932 or EUC-JP:"
		     " \"ｻｳﾅﾄ\" in CP932 is \"山田\" in EUC-JP");
	close_fixture(&f);
	open_opts(&f, cp1252, sizeof(cp1252) - 1, NULL);
	expect_record(&f, 1, 2, "id", "name");
	expect_error(&f, CRM_ERR_INVALID, 2, 0, "cannot tell whether the file is UTF-8 or CP932:"
		     " \"Fran\xef\xbf\xbdois\" in UTF-8 is \"Fran輟is\" in CP932");
	close_fixture(&f);
}

/* A UTF-8 byte order mark says UTF-8: against CP932 named, the file is refused, once. */
static void test_bom_against_named_encoding(void **state)
{
	struct crm_csv_read_options o = { .encoding = CRM_ENC_CP932,
					  .name_encoding = "name it with --encoding" };
	static const char data[] = "\xef\xbb\xbfid,name\n1,Zo\xc3\xab\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, &o);
	expect_error(&f, CRM_ERR_INVALID, 1, 0, "the file starts with a UTF-8 byte order mark, so"
		     " it is UTF-8, not cp932 as named: leave --encoding out");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	o.encoding = CRM_ENC_UTF8;
	open_opts(&f, data, sizeof(data) - 1, &o);
	expect_record(&f, 1, 2, "id", "name");
	expect_record(&f, 2, 2, "1", "Zoë");
	close_fixture(&f);
}

static void test_forced_encoding(void **state)
{
	struct crm_csv_read_options o = { .encoding = CRM_ENC_CP932 };
	static const char data[] = "a\n\xc3\xbd\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, &o);
	expect_record(&f, 1, 1, "a");
	expect_record(&f, 2, 1, "ﾃｽ");
	close_fixture(&f);

	o.encoding = CRM_ENC_UTF8;
	open_opts(&f, "a\n\x8e\x52\n", 5, &o);
	expect_record(&f, 1, 1, "a");
	expect_error(&f, CRM_ERR_ENCODING, 2, 1, "invalid UTF-8 byte 0x8E at character 1");
	close_fixture(&f);
}

static void test_encoding_names(void **state)
{
	enum crm_encoding e;

	(void)state;
	assert_int_equal(crm_encoding_parse("UTF-8", &e), 0);
	assert_int_equal(e, CRM_ENC_UTF8);
	assert_int_equal(crm_encoding_parse("utf8", &e), 0);
	assert_int_equal(e, CRM_ENC_UTF8);
	assert_int_equal(crm_encoding_parse("utf-8-bom", &e), 0);
	assert_int_equal(e, CRM_ENC_UTF8_BOM);
	assert_int_equal(crm_encoding_parse("Shift_JIS", &e), 0);
	assert_int_equal(e, CRM_ENC_CP932);
	assert_int_equal(crm_encoding_parse("Windows-31J", &e), 0);
	assert_int_equal(e, CRM_ENC_CP932);
	assert_int_equal(crm_encoding_parse("auto", &e), 0);
	assert_int_equal(e, CRM_ENC_AUTO);
	assert_int_equal(crm_encoding_parse("latin1", &e), -1);
	assert_int_equal(crm_encoding_parse("", &e), -1);
	assert_string_equal(crm_encoding_name(CRM_ENC_CP932), "cp932");
}

static void test_line_endings(void **state)
{
	struct fixture f;

	(void)state;
	/* LF, CRLF and lone CR in one file: each ends one physical line. */
	open_str(&f, "a,b\r\n1,2\r3,4\n5,6");
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 2, "1", "2");
	expect_record(&f, 3, 2, "3", "4");
	expect_record(&f, 4, 2, "5", "6");
	assert_int_equal(f.rec.end_line, 4);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_quoted_newlines_keep_line_numbers(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "id,note\r\n1,\"first\r\nsecond\nthird\"\r\n\r\n2,\"say \"\"hi\"\"\"\r\n");
	expect_record(&f, 1, 2, "id", "note");
	expect_record(&f, 2, 2, "1", "first\r\nsecond\nthird");
	assert_int_equal(f.rec.end_line, 4);
	/* Line 5 is blank: skipped, but counted. */
	expect_record(&f, 6, 2, "2", "say \"hi\"");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

/*
 * Lines without a quote are split without libcsv: empty fields at either
 * end, spaces, a lone CR and a tab delimiter come out as libcsv has them,
 * and lines with quotes in between still go to libcsv.
 */
static void test_plain_and_quoted_lines_alike(void **state)
{
	struct crm_csv_read_options o = { .delimiter = '\t' };
	struct fixture f;

	(void)state;
	open_str(&f, ",a,,b,\r\n\"\",\"a\",,\"b\",\"\"\n , x ,,y, \r,\"1\n2\",,,\n,,,,\n");
	expect_record(&f, 1, 5, "", "a", "", "b", "");
	expect_record(&f, 2, 5, "", "a", "", "b", "");
	expect_record(&f, 3, 5, " ", " x ", "", "y", " ");
	expect_record(&f, 4, 5, "", "1\n2", "", "", "");
	expect_record(&f, 6, 5, "", "", "", "", "");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	open_opts(&f, "a\tb,c\n1\t\"2\t3\"\n\t\n", strlen("a\tb,c\n1\t\"2\t3\"\n\t\n"), &o);
	expect_record(&f, 1, 2, "a", "b,c");
	expect_record(&f, 2, 2, "1", "2\t3");
	expect_record(&f, 3, 2, "", "");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_spaces_and_literal_quotes(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "a,b,c\n a , b ,12\" monitor\n\"\",x,O\"Brien\"\n");
	expect_record(&f, 1, 3, "a", "b", "c");
	expect_record(&f, 2, 3, " a ", " b ", "12\" monitor");
	expect_record(&f, 3, 3, "", "x", "O\"Brien\"");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void assert_mark(const struct crm_csv_mark *m, unsigned long line,
			unsigned long character, size_t field)
{
	assert_int_equal(m->line, line);
	assert_int_equal(m->character, character);
	assert_int_equal(m->field, field);
}

/*
 * A quote inside an unquoted field is read literally and marked where it
 * is (#11: 高橋 "次郎 was stored without a word); a quoted field is not.
 */
static void test_quote_inside_field_marked(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "k,name\nK1,高橋 \"次郎\nK2,\"a \"\"b\"\"\"\nK3,x\"y\"z\n");
	expect_record(&f, 1, 2, "k", "name");
	assert_mark(&f.rec.quote, 0, 0, 0);
	expect_record(&f, 2, 2, "K1", "高橋 \"次郎");
	assert_mark(&f.rec.quote, 2, 7, 2);
	expect_record(&f, 3, 2, "K2", "a \"b\"");
	assert_mark(&f.rec.quote, 0, 0, 0);
	expect_record(&f, 4, 2, "K3", "x\"y\"z");
	assert_mark(&f.rec.quote, 4, 5, 2);
	assert_mark(&f.rec.bom, 0, 0, 0);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

/*
 * A byte order mark after the start (files joined with cat) is removed from
 * the fields and marked (#12: "\uFEFFC00004" was stored as a key of its
 * own); a bad byte after it is still reported at its own character.
 */
static void test_bom_inside_file_removed(void **state)
{
	static const char data[] = "\xEF\xBB\xBFk,v\nC1,a\n\xEF\xBB\xBF"
				   "C00004,b\nC5,x\xEF\xBB\xBFy\xEF\xBB\xBFz\n"
				   "C6,\xEF\xBB\xBF\xff\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "k", "v");
	expect_record(&f, 2, 2, "C1", "a");
	assert_mark(&f.rec.bom, 0, 0, 0);
	expect_record(&f, 3, 2, "C00004", "b");
	assert_mark(&f.rec.bom, 3, 1, 0);
	expect_record(&f, 4, 2, "C5", "xyz");
	assert_mark(&f.rec.bom, 4, 5, 0);
	expect_error(&f, CRM_ERR_ENCODING, 5, 2, "invalid UTF-8 byte 0xFF at character 4");
	close_fixture(&f);
	/* Several marks before a bad byte each move it (fuzz: it moved by one only). */
	open_str(&f, "k,v\nC7,\xEF\xBB\xBF" "a\xEF\xBB\xBF" "b\xEF\xBB\xBF\xC8\n");
	expect_record(&f, 1, 2, "k", "v");
	expect_error(&f, CRM_ERR_ENCODING, 2, 2, "invalid UTF-8 byte 0xC8 at character 6");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_ragged_rows_reported(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "a,b,c\n1,2,3\n1,2\n1,2,3,4\n7,8,9\n");
	expect_record(&f, 1, 3, "a", "b", "c");
	expect_record(&f, 2, 3, "1", "2", "3");
	expect_error(&f, CRM_ERR_CSV, 3, 0, "ragged row: 2 fields where 3 were expected");
	assert_int_equal(f.rec.line, 3);
	assert_int_equal(f.rec.raw_len, 4);
	assert_memory_equal(f.rec.raw, "1,2\n", 4);
	expect_error(&f, CRM_ERR_CSV, 4, 0, "ragged row: 4 fields where 3 were expected");
	expect_record(&f, 5, 3, "7", "8", "9");
	close_fixture(&f);
}

static void test_any_fields(void **state)
{
	struct crm_csv_read_options o = { .expect_fields = CRM_CSV_ANY_FIELDS };
	struct fixture f;

	(void)state;
	open_opts(&f, "a,b\n1\n", 6, &o);
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 1, "1");
	close_fixture(&f);
}

/* A file of n rows "i,name i,city" with line k replaced by bad. */
static char *long_file(int n, int k1, const char *bad1, int k2, const char *bad2)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	int i;

	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,city\n"), 0);
	for (i = 2; i <= n; i++) {
		if (i == k1)
			assert_int_equal(crm_strbuf_addstr(&sb, bad1), 0);
		else if (i == k2)
			assert_int_equal(crm_strbuf_addstr(&sb, bad2), 0);
		else
			assert_int_equal(crm_strbuf_addf(&sb, "%d,name %d,city\n", i, i), 0);
	}
	return crm_strbuf_detach(&sb, NULL);
}

/* Reads to the end; counts good records and checks their first field is their line. */
static int drain_good(struct fixture *f, unsigned long *bad_lines, int nbad_max, int *nbad)
{
	int good = 0;
	enum crm_status s;

	*nbad = 0;
	while ((s = next(f)) != CRM_EOF) {
		if (s == CRM_OK) {
			good++;
			assert_int_equal(strtoul(f->rec.fields[0], NULL, 10), f->rec.line);
		} else {
			assert_true(s == CRM_ERR_CSV || s == CRM_ERR_TOOBIG);
			if (*nbad < nbad_max)
				bad_lines[*nbad] = f->err.line;
			(*nbad)++;
		}
	}
	return good;
}

static void test_stray_quote_mid_file(void **state)
{
	/*
	 * The quote on line 500 never closes. Naive readers swallow the other
	 * 500 lines into one field; crm names line 500 and reads the rest.
	 */
	char *data = long_file(1000, 500, "500,\"Tanaka,Tokyo\n", 0, NULL);
	unsigned long bad[4];
	struct fixture f;
	int nbad;

	(void)state;
	open_str(&f, data);
	expect_record(&f, 1, 3, "id", "name", "city");
	assert_int_equal(drain_good(&f, bad, 4, &nbad), 998);
	assert_int_equal(nbad, 1);
	assert_int_equal(bad[0], 500);
	close_fixture(&f);

	open_str(&f, data);
	expect_record(&f, 1, 3, "id", "name", "city");
	while (next(&f) == CRM_OK)
		;
	assert_int_equal(f.err.code, CRM_ERR_CSV);
	assert_int_equal(f.err.line, 500);
	assert_int_equal(f.err.column, 2);
	assert_non_null(strstr(f.err.message, "quote opened at line 500 is never closed"));
	/* The bad record is that one line, as read. */
	assert_int_equal(f.rec.line, 500);
	assert_int_equal(f.rec.end_line, 500);
	assert_int_equal(f.rec.raw_len, strlen("500,\"Tanaka,Tokyo\n"));
	assert_memory_equal(f.rec.raw, "500,\"Tanaka,Tokyo\n", f.rec.raw_len);
	expect_record(&f, 501, 3, "501", "name 501", "city");
	close_fixture(&f);
	free(data);
}

static void test_stray_quote_closed_later(void **state)
{
	/*
	 * The quote opened on line 500 is "closed" by the first quote of line
	 * 700, and text follows it: both lines are bad, all others are read.
	 */
	char *data = long_file(1000, 500, "500,\"Tanaka,Tokyo\n", 700, "700,\"Sato\"x,Osaka\n");
	unsigned long bad[4];
	struct fixture f;
	int nbad;

	(void)state;
	open_str(&f, data);
	expect_record(&f, 1, 3, "id", "name", "city");
	assert_int_equal(drain_good(&f, bad, 4, &nbad), 997);
	assert_int_equal(nbad, 2);
	assert_int_equal(bad[0], 500);
	assert_int_equal(bad[1], 700);
	close_fixture(&f);
	free(data);
}

static void test_stray_quote_balanced_by_another(void **state)
{
	/*
	 * Two stray quotes that happen to balance: the lines between them
	 * form one record that RFC 4180 allows, which must not pass silently.
	 */
	struct fixture f;

	(void)state;
	open_str(&f, "id,name,city\n2,\"Tanaka,Tokyo\n3,x,y\n4,Sato\",Osaka\n5,a,b\n");
	expect_record(&f, 1, 3, "id", "name", "city");
	expect_error(&f, CRM_ERR_CSV, 2, 0, "opened at line 2 swallows line 3");
	assert_int_equal(f.rec.end_line, 2);
	expect_record(&f, 3, 3, "3", "x", "y");
	/* The closing stray quote, read again, is a literal in an unquoted field. */
	expect_record(&f, 4, 3, "4", "Sato\"", "Osaka");
	expect_record(&f, 5, 3, "5", "a", "b");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* A real multi-line note with commas is not taken for one. */
	open_str(&f, "id,note,city\n2,\"a, b\nc, d\",Tokyo\n3,x,y\n");
	expect_record(&f, 1, 3, "id", "note", "city");
	expect_record(&f, 2, 3, "2", "a, b\nc, d", "Tokyo");
	expect_record(&f, 4, 3, "3", "x", "y");
	close_fixture(&f);
}

static void test_unterminated_quote_at_eof(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "a,b\n1,2\n3,\"abc\n");
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 2, "1", "2");
	expect_error(&f, CRM_ERR_CSV, 3, 2, "quote opened at line 3 is never closed");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* Without a final newline, and with lines after the quote. */
	open_str(&f, "a,b\n3,\"abc\n4,5");
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_CSV, 2, 2, "never closed");
	expect_record(&f, 3, 2, "4", "5");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_text_after_closing_quote(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "a,b\n\"x\"y,2\n3,4\n");
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_CSV, 2, 1, "text follows the closing quote");
	expect_record(&f, 3, 2, "3", "4");
	close_fixture(&f);
}

static void test_nul_byte(void **state)
{
	static const char data[] = "a,b\n1,x\0y\n2,z\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_CSV, 2, 2, "NUL byte at character 4");
	expect_record(&f, 3, 2, "2", "z");
	close_fixture(&f);
}

static void test_invalid_utf8_after_detection(void **state)
{
	/*
	 * Mostly valid UTF-8 decides UTF-8 even with a damaged byte in sight;
	 * the bad byte is its own record's error, the rest reads correctly.
	 */
	static const char data[] = "名,b\n1,東京\n2,ab\xff\n3,c\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "名", "b");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_UTF8);
	expect_record(&f, 2, 2, "1", "東京");
	expect_error(&f, CRM_ERR_ENCODING, 3, 2, "invalid UTF-8 byte 0xFF at character 5");
	expect_record(&f, 4, 2, "3", "c");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_invalid_cp932(void **state)
{
	/* 0x85 0x40 is unassigned in CP932. */
	static const char data[] = "a,b\n\x8e\x52\x93\x63,x\x85\x40y\n2,z\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_ENCODING, 2, 2, "invalid CP932 byte sequence 0x85 0x40 at character 5");
	expect_record(&f, 3, 2, "2", "z");
	assert_int_equal(crm_csv_encoding(f.r), CRM_ENC_CP932);
	close_fixture(&f);
}

static void test_ten_megabyte_field(void **state)
{
	size_t big = 10u << 20, len;
	char *data = malloc(big + 64), *p;
	struct fixture f;

	(void)state;
	assert_non_null(data);
	p = data;
	memcpy(p, "id,body\n1,\"", 11);
	p += 11;
	memset(p, 'x', big);
	p[big / 2] = '\n';        /* an embedded newline in the middle */
	p += big;
	memcpy(p, "\"\n2,end\n", 8);
	len = (size_t)(p + 8 - data);
	open_opts(&f, data, len, NULL);
	expect_record(&f, 1, 2, "id", "body");
	assert_int_equal(next(&f), CRM_OK);
	assert_int_equal(f.rec.line, 2);
	assert_int_equal(f.rec.end_line, 3);
	assert_int_equal(f.rec.lens[1], big);
	assert_int_equal(f.rec.fields[1][0], 'x');
	assert_int_equal(f.rec.fields[1][big / 2], '\n');
	expect_record(&f, 4, 2, "2", "end");
	close_fixture(&f);
	free(data);
}

static void test_field_cap(void **state)
{
	struct crm_csv_read_options o = { .max_field = 64 };
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	unsigned long bad[4];
	struct fixture f;
	int i, nbad;

	(void)state;
	/* A stray quote with no other quote after it: stopped by the cap. */
	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,city\n2,\"oops,x\n"), 0);
	for (i = 3; i <= 40; i++)
		assert_int_equal(crm_strbuf_addf(&sb, "%d,n,c\n", i), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 3, "id", "name", "city");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 2, "grew past the limit of 64 bytes");
	assert_int_equal(drain_good(&f, bad, 4, &nbad), 38);
	assert_int_equal(nbad, 0);
	close_fixture(&f);
	crm_strbuf_release(&sb);

	/* One physical line over the cap: that line only. */
	assert_int_equal(crm_strbuf_addstr(&sb, "id,v\n2,"), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(crm_strbuf_addch(&sb, 'y'), 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "\n3,ok\n"), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 2, "id", "v");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 1, "longer than the limit of 64 bytes");
	expect_record(&f, 3, 2, "3", "ok");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	crm_strbuf_release(&sb);
}

/*
 * A quoted field over the cap whose lines are no records is one giant cell:
 * one bad record for all its lines, read on to its end, and the records
 * after it (#12: each of its lines was read again as a record, 8.9 million
 * rejects from one cell of a 17 MB file).
 */
static void test_giant_cell_is_one_record(void **state)
{
	struct crm_csv_read_options o = { .max_field = 64 };
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	struct fixture f;
	int i;

	(void)state;
	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,note\n1,a,\"x"), 0);
	for (i = 0; i < 500; i++)
		assert_int_equal(crm_strbuf_addstr(&sb, "\nline \"\"quoted\"\" text"), 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "\"\n2,b,ok\n3,c,ok\n"), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 3, "id", "name", "note");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 3, "ends at line 502, past the limit of 64 bytes");
	assert_int_equal(f.rec.line, 2);
	assert_int_equal(f.rec.end_line, 502);
	/* Its text for the rejects file is its first line only. */
	assert_int_equal(f.rec.raw_len, strlen("1,a,\"x\n"));
	expect_record(&f, 503, 3, "2", "b", "ok");
	expect_record(&f, 504, 3, "3", "c", "ok");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* A literal quote before the cell's own on its first line (review). */
	crm_strbuf_setlen(&sb, 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,note\n1,12\" monitor,\"x"), 0);
	for (i = 0; i < 500; i++)
		assert_int_equal(crm_strbuf_addstr(&sb, "\nline"), 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "\"\n2,b,ok\n"), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 3, "id", "name", "note");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 3, "ends at line 502");
	expect_record(&f, 503, 3, "2", "b", "ok");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* Its closing quote on a line longer than the cap, past what is kept (review). */
	crm_strbuf_setlen(&sb, 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,note\n1,a,\"x"), 0);
	for (i = 0; i < 500; i++)
		assert_int_equal(crm_strbuf_addstr(&sb, "\nline"), 0);
	assert_int_equal(crm_strbuf_addch(&sb, '\n'), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(crm_strbuf_addch(&sb, 'y'), 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "\"\n2,b,ok\n3,c,ok\n"), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 3, "id", "name", "note");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 3, "ends at line 503");
	expect_record(&f, 504, 3, "2", "b", "ok");
	expect_record(&f, 505, 3, "3", "c", "ok");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* Never closed: one bad record to the end of the input. */
	crm_strbuf_setlen(&sb, 0);
	assert_int_equal(crm_strbuf_addstr(&sb, "id,name,note\n1,a,\"x"), 0);
	for (i = 0; i < 500; i++)
		assert_int_equal(crm_strbuf_addstr(&sb, "\nmore text"), 0);
	open_opts(&f, sb.buf, sb.len, &o);
	expect_record(&f, 1, 3, "id", "name", "note");
	expect_error(&f, CRM_ERR_CSV, 2, 3, "the quote opened at line 2 is never closed");
	assert_int_equal(f.rec.end_line, 502);
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
	crm_strbuf_release(&sb);
}

static void test_cut_line_stays_too_long_when_read_again(void **state)
{
	/*
	 * The quote of line 2 swallows line 3, which is over the cap and cut.
	 * Read again after the unwind, line 3 must still be too long, not a
	 * record made of its first bytes.
	 */
	struct crm_csv_read_options o = { .max_field = 12 };
	struct fixture f;

	(void)state;
	open_opts(&f, "h1,h2\na,\"b\nxxxxx,yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nc,d\n", 51, &o);
	expect_record(&f, 1, 2, "h1", "h2");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 2, "quoted field opened at line 2");
	expect_error(&f, CRM_ERR_TOOBIG, 3, 1, "line is longer than the limit of 12 bytes");
	expect_record(&f, 4, 2, "c", "d");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);

	/* The same as the last line of the file, without a terminator. */
	open_opts(&f, "h1,h2\na,\"b\nxxxxx,yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 46, &o);
	expect_record(&f, 1, 2, "h1", "h2");
	expect_error(&f, CRM_ERR_TOOBIG, 2, 2, NULL);
	expect_error(&f, CRM_ERR_TOOBIG, 3, 1, "longer than the limit");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_swallowed_lines_survive_other_errors(void **state)
{
	/* A NUL in the record must not take the swallowed good lines with it. */
	static const char data[] = "h1,h2,h3\na,\"b\0,c\nd,e,f\ng,h,i\nj,k\",l\nm,n,o\n";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_record(&f, 1, 3, "h1", "h2", "h3");
	expect_error(&f, CRM_ERR_CSV, 2, 2, "NUL byte");
	assert_int_equal(f.rec.end_line, 2);
	expect_record(&f, 3, 3, "d", "e", "f");
	expect_record(&f, 4, 3, "g", "h", "i");
	expect_record(&f, 5, 3, "j", "k\"", "l");
	expect_record(&f, 6, 3, "m", "n", "o");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_ragged_multiline_record_unwinds(void **state)
{
	/* Two columns: too narrow to spot swallowed records, but ragged. */
	struct fixture f;

	(void)state;
	open_str(&f, "h1,h2\na,\"b\nc,d\ne,f\ng\",h,x\ni,j\n");
	expect_record(&f, 1, 2, "h1", "h2");
	expect_error(&f, CRM_ERR_CSV, 2, 0, "quoted field opened at line 2 runs to line 5");
	assert_int_equal(f.rec.end_line, 2);
	expect_record(&f, 3, 2, "c", "d");
	expect_record(&f, 4, 2, "e", "f");
	expect_error(&f, CRM_ERR_CSV, 5, 0, "ragged row: 3 fields where 2 were expected");
	expect_record(&f, 6, 2, "i", "j");
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

static void test_empty_tsv_row_is_a_record(void **state)
{
	struct crm_csv_read_options o = { .delimiter = '\t' };
	struct fixture f;

	(void)state;
	open_opts(&f, "a\tb\tc\n\t\t\n1\t2\t3\n", 16, &o);
	expect_record(&f, 1, 3, "a", "b", "c");
	expect_record(&f, 2, 3, "", "", "");
	expect_record(&f, 3, 3, "1", "2", "3");
	close_fixture(&f);
	/* And in CSV, for symmetry: a row of commas is a row. */
	open_str(&f, "a,b\n,\n");
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 2, "", "");
	close_fixture(&f);
}

static void test_many_fields_cost_no_memory(void **state)
{
	size_t n = 1u << 20, i;
	char *data = malloc(n + 16);
	struct fixture f;

	(void)state;
	assert_non_null(data);
	memcpy(data, "a,b\n", 4);
	for (i = 0; i < n; i++)
		data[4 + i] = ',';
	data[4 + n] = '\n';
	memcpy(data + 5 + n, "1,2\n", 4);
	open_opts(&f, data, n + 9, NULL);
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_CSV, 2, 0, "ragged row: 1048577 fields where 2 were expected");
	expect_record(&f, 3, 2, "1", "2");
	close_fixture(&f);
	free(data);
}

static void test_utf16_named(void **state)
{
	static const char data[] = "\xFF\xFEn\0a\0m\0e\0\r\0\n\0";
	struct fixture f;

	(void)state;
	open_opts(&f, data, sizeof(data) - 1, NULL);
	expect_error(&f, CRM_ERR_ENCODING, 1, 0, "the file is UTF-16");
	/* Reading on after the error, as the contract allows, comes to an end (#12). */
	assert_int_equal(next(&f), CRM_EOF);
	close_fixture(&f);
}

/*
 * UTF-16 without a byte order mark, mostly kanji: few NULs, but each
 * delimiter and line end is a code unit with one (#11: read as CP932, it
 * was "NUL byte at character 8").
 */
static void test_utf16_kanji_without_bom(void **state)
{
	/* 顧客,氏名\n山田,太郎\n in UTF-16LE, then UTF-16BE. */
	static const char le[] = "\x67\x98\xA2\x5B,\0\x0F\x6C\x0D\x54\n\0"
				 "\x71\x5C\x30\x75,\0\x2A\x59\xCE\x90\n\0";
	static const char be[] = "\x98\x67\x5B\xA2\0,\x6C\x0F\x54\x0D\0\n"
				 "\x5C\x71\x75\x30\0,\x59\x2A\x90\xCE\0\n";
	struct fixture f;

	(void)state;
	open_opts(&f, le, sizeof(le) - 1, NULL);
	expect_error(&f, CRM_ERR_ENCODING, 1, 0, "the file is UTF-16");
	close_fixture(&f);
	open_opts(&f, be, sizeof(be) - 1, NULL);
	expect_error(&f, CRM_ERR_ENCODING, 1, 0, "without a byte order mark");
	close_fixture(&f);
	/* A NUL in a UTF-8 file is a bad byte of its record, not UTF-16. */
	open_opts(&f, "a,b\n1,\0\n2,x\n", 11, NULL);
	expect_record(&f, 1, 2, "a", "b");
	expect_error(&f, CRM_ERR_CSV, 2, 2, "NUL byte");
	expect_record(&f, 3, 2, "2", "x");
	close_fixture(&f);
}

static void test_delimiter(void **state)
{
	struct crm_csv_read_options o = { .delimiter = '\t' };
	struct fixture f;

	(void)state;
	open_opts(&f, "a\tb\n1,2\t3\n", 10, &o);
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 2, "1,2", "3");
	close_fixture(&f);
}

/* The delimiter the first line has most of, outside quotes; ',' on a tie or none. */
static void test_delimiter_detected(void **state)
{
	static const struct { const char *data; char want; } cases[] = {
		{ "a\tb\tc\n1\t2\t3\n", '\t' },
		{ "a;b;c\n1;2;3\n", ';' },
		{ "a,b;c\n", ',' },
		{ "\"a,b,c\";d;e\n", ';' },
		{ "abc\n", ',' },
	};
	struct crm_csv_read_options o = { .detect_delimiter = 1 };
	struct fixture f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		open_opts(&f, cases[i].data, strlen(cases[i].data), &o);
		assert_int_equal(next(&f), CRM_OK);
		assert_int_equal(crm_csv_delimiter(f.r), cases[i].want);
		close_fixture(&f);
	}
	open_opts(&f, "a;b\n1;2\n", 8, &o);
	expect_record(&f, 1, 2, "a", "b");
	expect_record(&f, 2, 2, "1", "2");
	close_fixture(&f);
}

static void test_bytes_read(void **state)
{
	struct fixture f;

	(void)state;
	open_str(&f, "a\n1\n");
	expect_record(&f, 1, 1, "a");
	expect_record(&f, 2, 1, "1");
	assert_int_equal(next(&f), CRM_EOF);
	assert_int_equal(crm_csv_bytes_read(f.r), 4);
	close_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_utf8),
		cmocka_unit_test(test_bom_stripped),
		cmocka_unit_test(test_only_bom_and_empty),
		cmocka_unit_test(test_cp932),
		cmocka_unit_test(test_cp932_halfwidth_kana_not_taken_for_utf8),
		cmocka_unit_test(test_undecided_encoding_refused),
		cmocka_unit_test(test_latin_pairs_read_as_utf8),
		cmocka_unit_test(test_detection_window_whole),
		cmocka_unit_test(test_undecided_pairs_decided_later),
		cmocka_unit_test(test_undecided_bytes_named),
		cmocka_unit_test(test_eucjp_refused),
		cmocka_unit_test(test_review_cases),
		cmocka_unit_test(test_bom_against_named_encoding),
		cmocka_unit_test(test_forced_encoding),
		cmocka_unit_test(test_encoding_names),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_quoted_newlines_keep_line_numbers),
		cmocka_unit_test(test_plain_and_quoted_lines_alike),
		cmocka_unit_test(test_spaces_and_literal_quotes),
		cmocka_unit_test(test_quote_inside_field_marked),
		cmocka_unit_test(test_bom_inside_file_removed),
		cmocka_unit_test(test_ragged_rows_reported),
		cmocka_unit_test(test_any_fields),
		cmocka_unit_test(test_stray_quote_mid_file),
		cmocka_unit_test(test_stray_quote_closed_later),
		cmocka_unit_test(test_stray_quote_balanced_by_another),
		cmocka_unit_test(test_unterminated_quote_at_eof),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8_after_detection),
		cmocka_unit_test(test_invalid_cp932),
		cmocka_unit_test(test_ten_megabyte_field),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_giant_cell_is_one_record),
		cmocka_unit_test(test_cut_line_stays_too_long_when_read_again),
		cmocka_unit_test(test_swallowed_lines_survive_other_errors),
		cmocka_unit_test(test_ragged_multiline_record_unwinds),
		cmocka_unit_test(test_empty_tsv_row_is_a_record),
		cmocka_unit_test(test_many_fields_cost_no_memory),
		cmocka_unit_test(test_utf16_named),
		cmocka_unit_test(test_utf16_kanji_without_bom),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_delimiter_detected),
		cmocka_unit_test(test_bytes_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
