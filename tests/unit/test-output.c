/*
 * Records out: CSV, TSV, JSON lines and tables, with Japanese text, NULLs,
 * typed values, cut cells and write errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static const char *const names[] = { "id", "name", "note" };

/* Writes rows (3 values each) in format fmt and returns what came out. */
static char *render(enum crm_format fmt, const struct crm_value *rows, size_t nrows)
{
	struct crm_error err;
	struct crm_out *o;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(crm_out_open(&o, fp, fmt, names, 3, &err), CRM_OK);
	for (i = 0; i < nrows; i++)
		assert_int_equal(crm_out_row(o, rows + 3 * i, &err), CRM_OK);
	assert_int_equal(crm_out_rows(o), nrows);
	assert_int_equal(crm_out_close(o, &err), CRM_OK);
	fclose(fp);
	return buf;
}

static void sample(struct crm_value *v)
{
	v[0] = crm_value_int(1);
	v[1] = crm_value_text("山田 太郎");
	v[2] = crm_value_text("a,\"b\"\nc\t\\");
	v[3] = crm_value_int(-20);
	v[4] = crm_value_null();
	v[5] = crm_value_text("=SUM(A1)");
}

static void test_csv(void **state)
{
	struct crm_value v[6];
	char *out;

	(void)state;
	sample(v);
	out = render(CRM_FORMAT_CSV, v, 2);
	assert_string_equal(out, "id,name,note\n1,山田 太郎,\"a,\"\"b\"\"\nc\t\\\"\n-20,,'=SUM(A1)\n");
	free(out);
}

static void test_tsv(void **state)
{
	struct crm_value v[6];
	char *out;

	(void)state;
	sample(v);
	out = render(CRM_FORMAT_TSV, v, 2);
	assert_string_equal(out, "id\tname\tnote\n1\t山田 太郎\ta,\"b\"\\nc\\t\\\\\n-20\t\t=SUM(A1)\n");
	free(out);
}

static void test_json(void **state)
{
	struct crm_value v[6];
	char *out;

	(void)state;
	sample(v);
	out = render(CRM_FORMAT_JSON, v, 2);
	assert_string_equal(out,
		"{\"id\":1,\"name\":\"山田 太郎\",\"note\":\"a,\\\"b\\\"\\nc\\t\\\\\"}\n"
		"{\"id\":-20,\"name\":null,\"note\":\"=SUM(A1)\"}\n");
	free(out);
}

/* A real is the shortest decimal that reads back as it, a number in JSON, never guarded. */
static void test_reals(void **state)
{
	struct crm_value v[6];
	char *out;

	(void)state;
	v[0] = crm_value_real(2.57);
	v[1] = crm_value_real(-4.5);
	v[2] = crm_value_real(0.1 + 0.2);
	v[3] = crm_value_real(8);
	v[4] = crm_value_real(1.0 / 0.0);
	v[5] = crm_value_real(-0.001);
	assert_int_equal(v[4].type, CRM_VALUE_NULL);
	out = render(CRM_FORMAT_CSV, v, 2);
	assert_string_equal(out, "id,name,note\n2.57,-4.5,0.30000000000000004\n8,,-0.001\n");
	free(out);
	out = render(CRM_FORMAT_JSON, v, 2);
	assert_string_equal(out, "{\"id\":2.57,\"name\":-4.5,\"note\":0.30000000000000004}\n"
			    "{\"id\":8,\"name\":null,\"note\":-0.001}\n");
	free(out);
}

/* Wide characters take two columns; the widest cell sizes its column. */
static void test_table_aligns_wide_text(void **state)
{
	struct crm_value v[6];
	char *out;

	(void)state;
	v[0] = crm_value_int(1);
	v[1] = crm_value_text("山田");
	v[2] = crm_value_text("x");
	v[3] = crm_value_int(22);
	v[4] = crm_value_text("Bob");
	v[5] = crm_value_null();
	out = render(CRM_FORMAT_TABLE, v, 2);
	assert_string_equal(out, "id  name  note\n1   山田  x\n22  Bob\n");
	free(out);
}

static void test_table_cuts_long_cells(void **state)
{
	struct crm_value v[3];
	char *out, *line;

	(void)state;
	v[0] = crm_value_int(1);
	v[1] = crm_value_text("ああああああああああああああああああああああああああああああ"); /* 60 columns */
	v[2] = crm_value_text("end");
	out = render(CRM_FORMAT_TABLE, v, 1);
	line = strchr(out, '\n') + 1;
	/* "1" padded to 2, 19 wide characters (38 columns) and the ellipsis padded to 40, "end". */
	assert_int_equal(crm_display_width(line, strcspn(line, "\n")), 2 + 2 + 40 + 2 + 3);
	assert_non_null(strstr(line, "…"));
	assert_non_null(strstr(line, "end\n"));
	free(out);
}

/* A table for a pipe keeps every cell whole; a JSON column goes in as JSON. */
static void test_uncut_table_and_json_column(void **state)
{
	struct crm_error err;
	struct crm_value v[3];
	struct crm_out *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(fp);
	v[0] = crm_value_int(1);
	v[1] = crm_value_text("ああああああああああああああああああああああああああああああ");
	v[2] = crm_value_text("{\"files\":2}");
	assert_int_equal(crm_out_open(&o, fp, CRM_FORMAT_TABLE, names, 3, &err), CRM_OK);
	crm_out_set_cut(o, 0);
	assert_int_equal(crm_out_row(o, v, &err), CRM_OK);
	assert_int_equal(crm_out_close(o, &err), CRM_OK);
	fflush(fp);
	assert_null(strstr(buf, "…"));
	assert_non_null(strstr(buf, "ああああああああああああああああああああああああああああああ"));
	fclose(fp);
	free(buf);

	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(crm_out_open(&o, fp, CRM_FORMAT_JSON, names, 3, &err), CRM_OK);
	crm_out_json_column(o, 2);
	crm_out_json_column(o, 99);   /* no such column: ignored */
	assert_int_equal(crm_out_row(o, v, &err), CRM_OK);
	v[2] = crm_value_null();
	assert_int_equal(crm_out_row(o, v, &err), CRM_OK);
	assert_int_equal(crm_out_close(o, &err), CRM_OK);
	fclose(fp);
	assert_non_null(strstr(buf, ",\"note\":{\"files\":2}}\n"));
	assert_non_null(strstr(buf, ",\"note\":null}\n"));
	free(buf);
}

static void test_display_width(void **state)
{
	(void)state;
	assert_int_equal(crm_display_width("abc", 3), 3);
	assert_int_equal(crm_display_width("ｱｲｳ", strlen("ｱｲｳ")), 3);
	assert_int_equal(crm_display_width("アイウ", strlen("アイウ")), 6);
	assert_int_equal(crm_display_width("\xff\xfe", 2), 2);   /* not UTF-8: a column a byte */
}

static void test_format_parse(void **state)
{
	enum crm_format f;

	(void)state;
	assert_int_equal(crm_format_parse("json", &f), 0);
	assert_int_equal(f, CRM_FORMAT_JSON);
	assert_int_equal(crm_format_parse("table", &f), 0);
	assert_int_equal(f, CRM_FORMAT_TABLE);
	assert_int_equal(crm_format_parse("JSON", &f), -1);
	assert_int_equal(crm_format_parse("", &f), -1);
}

static void test_write_error(void **state)
{
	struct crm_value v[3] = { crm_value_int(1), crm_value_text("x"), crm_value_null() };
	struct crm_error err;
	struct crm_out *o;
	FILE *fp = fopen("/dev/full", "w");
	enum crm_status s = CRM_OK;
	int i;

	(void)state;
	if (!fp)
		skip();
	assert_int_equal(crm_out_open(&o, fp, CRM_FORMAT_JSON, names, 3, &err), CRM_OK);
	for (i = 0; i < 10000 && !s; i++)
		s = crm_out_row(o, v, &err);
	if (!s)
		s = crm_out_close(o, &err);
	else
		crm_out_free(o);
	assert_int_equal(s, CRM_ERR_IO);
	fclose(fp);
}

static void test_no_columns(void **state)
{
	struct crm_error err;
	struct crm_out *o;

	(void)state;
	assert_int_equal(crm_out_open(&o, stdout, CRM_FORMAT_CSV, names, 0, &err), CRM_ERR_INTERNAL);
	assert_null(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_table_aligns_wide_text),
		cmocka_unit_test(test_table_cuts_long_cells),
		cmocka_unit_test(test_uncut_table_and_json_column),
		cmocka_unit_test(test_display_width),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_no_columns),
		cmocka_unit_test(test_reals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
