/*
 * crm export's masking, column names and Japanese headers (export.h), and
 * the CSV writer's --replace of characters CP932 lacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "export.h"

static void masks(const char *col, const char *v, const char *want)
{
	char buf[64];

	assert_string_equal(crm_export_mask(col, v, buf, sizeof(buf)), want);
}

static void test_mask(void **state)
{
	(void)state;
	masks("email", "taro@example.jp", "t***@example.jp");
	masks("email", "山田@example.jp", "山***@example.jp");
	masks("email", "no-at-sign", "***");
	masks("email", "@example.jp", "***");
	masks("phone", "090-1234-5678", "090-****-5678");
	masks("phone", "03-1234-5678", "03-****-5678");
	masks("mobile", "09012345678", "090****5678");
	masks("phone", "+81-3-1234-5678", "+81-*-****-5678");
	masks("phone", "12", "12");
	masks("birthdate", "1985-04-03", "1985");
	masks("postal_code", "100-0001", "100-****");
	masks("name", "山田 太郎", "山田 *");
	masks("name", "山田　太郎", "山田 *");
	masks("name", "山田太郎", "山*");
	masks("name_kana", "ヤマダ タロウ", "ヤマダ *");
	masks("address", "丸の内1-1-1", "***");
	masks("given_name", "太郎", "***");
	masks("prefecture", "東京都", "東京都");   /* not a column that is masked */
}

static void test_columns(void **state)
{
	const enum crm_kind C = CRM_KIND_CUSTOMERS, O = CRM_KIND_ORDERS;
	size_t n;

	(void)state;
	assert_true(crm_export_columns(C, &n) != NULL && n > 20);
	assert_string_equal(crm_export_column(C, "name"), "name");
	assert_string_equal(crm_export_column(C, "氏名"), "name");
	assert_string_equal(crm_export_column(C, "メールアドレス"), "email");
	assert_string_equal(crm_export_column(C, "id"), "id");
	assert_string_equal(crm_export_column(C, "source_key"), "source_key");
	assert_null(crm_export_column(C, "nmae"));
	assert_null(crm_export_column(C, "extra"));
	assert_null(crm_export_column(C, "amount"));
	/* each its own header, at once */
	assert_string_equal(crm_export_label_ja(C, "name"), "氏名");
	assert_string_equal(crm_export_label_ja(C, "email"), "メールアドレス");
	assert_string_equal(crm_export_label_ja(C, "name"), "氏名");
	assert_string_equal(crm_export_label_ja(C, "id"), "ID");
	/* the first Japanese header, though the first of all is DM可否 */
	assert_string_equal(crm_export_label_ja(C, "consent_post"), "DM可否");
	/* orders: their own columns, money and numbers marked */
	assert_string_equal(crm_export_column(O, "金額"), "amount");
	assert_string_equal(crm_export_column(O, "order_key"), "order_key");
	assert_string_equal(crm_export_column(O, "customer_key"), "customer_key");
	assert_null(crm_export_column(O, "email"));
	assert_int_equal(crm_export_column_flags(O, "amount"), CRM_EXPORT_MONEY);
	assert_int_equal(crm_export_column_flags(O, "quantity"), CRM_EXPORT_NUMBER);
	assert_int_equal(crm_export_column_flags(O, "customer_key"), CRM_EXPORT_LABEL);
	assert_int_equal(crm_export_column_flags(C, "birthdate"), CRM_EXPORT_DATE);
	assert_string_equal(crm_export_label_ja(O, "order_key"), "注文番号");
	assert_string_equal(crm_export_default_columns(O)[0], "customer_id");
}

static void test_cp932_replace(void **state)
{
	struct crm_csv_write_options o = { .encoding = CRM_ENC_CP932, .replace = 1 };
	const char *rec[] = { "𠮷田", "髙橋" };
	struct crm_csv_writer *w = NULL;
	struct crm_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(fp);
	crm_error_clear(&err);
	assert_int_equal(crm_csv_writer_open(&w, fp, &o, &err), CRM_OK);
	assert_int_equal(crm_csv_write_record(w, rec, NULL, 2, &err), CRM_OK);
	assert_int_equal(crm_csv_replaced(w), 1);
	assert_int_equal(crm_csv_writer_close(w, &err), CRM_OK);
	fclose(fp);
	/* ?田 in CP932, then 髙橋 (an IBM extension CP932 has) */
	assert_int_equal(len, 9);
	assert_memory_equal(buf, "?\x93\x63,\xfb\xfc\x8b\xb4\n", 9);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_cp932_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
