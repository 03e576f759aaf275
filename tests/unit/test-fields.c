/*
 * The field catalogue: header matching across width, case, spaces and
 * punctuation, in Japanese and English; kind guessing; prefectures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fields.h"

static void expect_key(const char *header, const char *want)
{
	char *k = crm_header_key(header);

	assert_non_null(k);
	if (strcmp(k, want))
		fail_msg("header_key('%s') = '%s', want '%s'", header, k, want);
	free(k);
}

static void test_header_key(void **state)
{
	(void)state;
	expect_key("E-mail", "email");
	expect_key("ｅｍａｉｌ", "email");
	expect_key("Ｅ－ｍａｉｌ", "email");
	expect_key("e_mail", "email");
	expect_key("Full Name", "fullname");
	expect_key(" 氏名 ", "氏名");
	expect_key("氏名　", "氏名");
	expect_key("お名前（漢字）", "お名前漢字");
	expect_key("お名前(漢字)", "お名前漢字");
	expect_key("ﾌﾘｶﾞﾅ", "フリガナ");
	expect_key("メール・アドレス", "メールアドレス");
	expect_key("〒", "〒");
	expect_key("TEL", "tel");
	expect_key("", "");
	assert_null(crm_header_key("\xff\xfe"));
}

static void expect_field(enum crm_kind kind, const char *header, const char *field)
{
	const struct crm_field *f = crm_field_for_header(kind, header);

	if (!field) {
		if (f)
			fail_msg("'%s' mapped to %s, want nothing", header, f->name);
		return;
	}
	if (!f)
		fail_msg("'%s' mapped to nothing, want %s", header, field);
	if (strcmp(f->name, field))
		fail_msg("'%s' mapped to %s, want %s", header, f->name, field);
}

static void test_customer_headers(void **state)
{
	(void)state;
	expect_field(CRM_KIND_CUSTOMERS, "氏名", "name");
	expect_field(CRM_KIND_CUSTOMERS, "名前", "name");
	expect_field(CRM_KIND_CUSTOMERS, "お名前", "name");
	expect_field(CRM_KIND_CUSTOMERS, "Full Name", "name");
	expect_field(CRM_KIND_CUSTOMERS, "name", "name");
	expect_field(CRM_KIND_CUSTOMERS, "姓", "family_name");
	expect_field(CRM_KIND_CUSTOMERS, "名", "given_name");
	expect_field(CRM_KIND_CUSTOMERS, "セイ", "family_kana");
	expect_field(CRM_KIND_CUSTOMERS, "メイ", "given_kana");
	expect_field(CRM_KIND_CUSTOMERS, "フリガナ", "name_kana");
	expect_field(CRM_KIND_CUSTOMERS, "ﾌﾘｶﾞﾅ", "name_kana");
	expect_field(CRM_KIND_CUSTOMERS, "ふりがな", "name_kana");
	expect_field(CRM_KIND_CUSTOMERS, "カナ", "name_kana");
	expect_field(CRM_KIND_CUSTOMERS, "会社名", "company");
	expect_field(CRM_KIND_CUSTOMERS, "企業名", "company");
	expect_field(CRM_KIND_CUSTOMERS, "部署", "department");
	expect_field(CRM_KIND_CUSTOMERS, "役職", "title");
	expect_field(CRM_KIND_CUSTOMERS, "メールアドレス", "email");
	expect_field(CRM_KIND_CUSTOMERS, "メール", "email");
	expect_field(CRM_KIND_CUSTOMERS, "E-mail", "email");
	expect_field(CRM_KIND_CUSTOMERS, "Ｅメール", "email");
	expect_field(CRM_KIND_CUSTOMERS, "電話番号", "phone");
	expect_field(CRM_KIND_CUSTOMERS, "TEL", "phone");
	expect_field(CRM_KIND_CUSTOMERS, "ＴＥＬ", "phone");
	expect_field(CRM_KIND_CUSTOMERS, "携帯", "mobile");
	expect_field(CRM_KIND_CUSTOMERS, "郵便番号", "postal_code");
	expect_field(CRM_KIND_CUSTOMERS, "〒", "postal_code");
	expect_field(CRM_KIND_CUSTOMERS, "住所", "address");
	expect_field(CRM_KIND_CUSTOMERS, "都道府県", "prefecture");
	expect_field(CRM_KIND_CUSTOMERS, "市区町村", "city");
	expect_field(CRM_KIND_CUSTOMERS, "生年月日", "birthdate");
	expect_field(CRM_KIND_CUSTOMERS, "誕生日", "birthdate");
	expect_field(CRM_KIND_CUSTOMERS, "性別", "gender");
	expect_field(CRM_KIND_CUSTOMERS, "流入経路", "channel");
	expect_field(CRM_KIND_CUSTOMERS, "チャネル", "channel");
	expect_field(CRM_KIND_CUSTOMERS, "メール配信", "consent_email");
	expect_field(CRM_KIND_CUSTOMERS, "DM可否", "consent_post");
	expect_field(CRM_KIND_CUSTOMERS, "顧客番号", "source_key");
	expect_field(CRM_KIND_CUSTOMERS, "顧客ID", "source_key");
	expect_field(CRM_KIND_CUSTOMERS, "会員番号", "source_key");
	expect_field(CRM_KIND_CUSTOMERS, "ID", "source_key");
	/* The usual English exports (FEBRL, Splink, CRM tools). */
	expect_field(CRM_KIND_CUSTOMERS, "first_name", "given_name");
	expect_field(CRM_KIND_CUSTOMERS, "given_name", "given_name");
	expect_field(CRM_KIND_CUSTOMERS, "last_name", "family_name");
	expect_field(CRM_KIND_CUSTOMERS, "surname", "family_name");
	expect_field(CRM_KIND_CUSTOMERS, "dob", "birthdate");
	expect_field(CRM_KIND_CUSTOMERS, "date_of_birth", "birthdate");
	expect_field(CRM_KIND_CUSTOMERS, "zip", "postal_code");
	expect_field(CRM_KIND_CUSTOMERS, "postcode", "postal_code");
	expect_field(CRM_KIND_CUSTOMERS, "state", "prefecture");
	expect_field(CRM_KIND_CUSTOMERS, "suburb", "city");
	expect_field(CRM_KIND_CUSTOMERS, "address_1", "address");
	expect_field(CRM_KIND_CUSTOMERS, "address_2", "address");
	expect_field(CRM_KIND_CUSTOMERS, "rec_id", "source_key");
	expect_field(CRM_KIND_CUSTOMERS, "CustomerID", "source_key");
	/* Not every header is a field: those go to extra. */
	expect_field(CRM_KIND_CUSTOMERS, "備考", NULL);
	expect_field(CRM_KIND_CUSTOMERS, "soc_sec_id", NULL);
	expect_field(CRM_KIND_CUSTOMERS, "", NULL);
	expect_field(CRM_KIND_CUSTOMERS, "氏名カナ漢字", NULL);
}

static void test_order_headers(void **state)
{
	(void)state;
	expect_field(CRM_KIND_ORDERS, "注文番号", "order_key");
	expect_field(CRM_KIND_ORDERS, "受注番号", "order_key");
	expect_field(CRM_KIND_ORDERS, "InvoiceNo", "order_key");
	expect_field(CRM_KIND_ORDERS, "注文日", "ordered_at");
	expect_field(CRM_KIND_ORDERS, "購入日", "ordered_at");
	expect_field(CRM_KIND_ORDERS, "InvoiceDate", "ordered_at");
	expect_field(CRM_KIND_ORDERS, "商品名", "product");
	expect_field(CRM_KIND_ORDERS, "Description", "product");
	expect_field(CRM_KIND_ORDERS, "単価", "unit_price");
	expect_field(CRM_KIND_ORDERS, "UnitPrice", "unit_price");
	expect_field(CRM_KIND_ORDERS, "数量", "quantity");
	expect_field(CRM_KIND_ORDERS, "Quantity", "quantity");
	expect_field(CRM_KIND_ORDERS, "金額", "amount");
	expect_field(CRM_KIND_ORDERS, "合計", "amount");
	expect_field(CRM_KIND_ORDERS, "CustomerID", "customer_key");
	expect_field(CRM_KIND_ORDERS, "顧客番号", "customer_key");
	expect_field(CRM_KIND_ORDERS, "StockCode", NULL);
	expect_field(CRM_KIND_ORDERS, "Country", NULL);
	/* In an orders file, a bare ID says nothing about whose. */
	expect_field(CRM_KIND_ORDERS, "ID", NULL);
}

static void test_kind_guess(void **state)
{
	static const char *const retail[] = {
		"InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
		"UnitPrice", "CustomerID", "Country",
	};
	static const char *const customers[] = {
		"顧客番号", "氏名", "フリガナ", "メールアドレス", "電話番号", "住所",
	};
	static const char *const orders[] = { "注文番号", "顧客番号", "注文日", "商品名", "金額" };
	static const char *const talks[] = { "問い合わせ番号", "顧客番号", "日時", "件名", "内容", "担当者" };
	static const char *const nothing[] = { "a", "b" };

	(void)state;
	assert_int_equal(crm_kind_guess(retail, 8), CRM_KIND_ORDERS);
	assert_int_equal(crm_kind_guess(customers, 6), CRM_KIND_CUSTOMERS);
	assert_int_equal(crm_kind_guess(orders, 5), CRM_KIND_ORDERS);
	assert_int_equal(crm_kind_guess(talks, 6), CRM_KIND_INTERACTIONS);
	assert_int_equal(crm_kind_guess(nothing, 2), CRM_KIND_CUSTOMERS);
	assert_int_equal(crm_kind_guess(NULL, 0), CRM_KIND_CUSTOMERS);
}

static void test_catalogue(void **state)
{
	enum crm_kind k;
	size_t n;

	(void)state;
	assert_int_equal(crm_kind_parse("orders", &k), 0);
	assert_int_equal(k, CRM_KIND_ORDERS);
	assert_int_equal(crm_kind_parse("order", &k), -1);
	assert_string_equal(crm_kind_name(CRM_KIND_INTERACTIONS), "interactions");
	assert_non_null(crm_fields(CRM_KIND_CUSTOMERS, &n));
	assert_true(n > 20);
	assert_non_null(crm_field_find(CRM_KIND_CUSTOMERS, "birthdate"));
	assert_int_equal(crm_field_find(CRM_KIND_CUSTOMERS, "birthdate")->fieldtype->stored, CRM_T_DATE);
	assert_int_equal(crm_field_find(CRM_KIND_ORDERS, "amount")->fieldtype->stored, CRM_T_MONEY);
	assert_null(crm_field_find(CRM_KIND_ORDERS, "name"));
	assert_string_equal(crm_ftype_name(CRM_T_POSTAL), "postal");
}

/*
 * Every field names its type in the type catalogue, and stores its values
 * as that type does; the fields cleanse normalizes its own way have the
 * types whose normalizers it runs.
 */
static void test_field_types(void **state)
{
	static const struct {
		const char *field;
		const char *type;
	} special[] = {
		{ "name", "name" }, { "family_name", "name" }, { "given_name", "name" },
		{ "name_kana", "kana" }, { "family_kana", "kana" }, { "given_kana", "kana" },
		{ "company", "company" }, { "address", "address" }, { "gender", "gender" },
		{ "department", "text" }, { "prefecture", "text" }, { "country", "text" },
		{ "email", "email" }, { "phone", "phone" }, { "mobile", "phone" },
		{ "postal_code", "postal" }, { "birthdate", "date" },
	};
	const struct crm_field *f;
	size_t i, n;
	int k;

	(void)state;
	for (k = 0; k < CRM_KIND_COUNT; k++) {
		f = crm_fields((enum crm_kind)k, &n);
		for (i = 0; i < n; i++) {
			assert_non_null(f[i].fieldtype);
			/* Stored as a plain type, the one its values are kept as. */
			if (!crm_fieldtype_of(f[i].fieldtype->stored))
				fail_msg("%s.%s: type %s is stored as no plain type",
					 crm_kind_name((enum crm_kind)k), f[i].name,
					 f[i].fieldtype->name);
			/* Import checks these by the type's check (import-convert.c). */
			if (f[i].fieldtype->stored == CRM_T_EMAIL ||
			    f[i].fieldtype->stored == CRM_T_PHONE ||
			    f[i].fieldtype->stored == CRM_T_POSTAL)
				assert_non_null(f[i].fieldtype->check);
		}
	}
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		assert_string_equal(crm_field_find(CRM_KIND_CUSTOMERS, special[i].field)->fieldtype->name,
				    special[i].type);
	/* The gender field's choices are what the gender type gives. */
	f = crm_field_find(CRM_KIND_CUSTOMERS, "gender");
	for (i = 0; f->choices[i]; i++)
		;
	assert_int_equal(i, 5);
	assert_string_equal(f->choices[4], "not_applicable");
}

static void test_prefectures(void **state)
{
	(void)state;
	assert_true(crm_is_prefecture("東京都"));
	assert_true(crm_is_prefecture("東京"));
	assert_true(crm_is_prefecture("北海道"));
	assert_true(crm_is_prefecture("大阪府"));
	assert_true(crm_is_prefecture("京都"));
	assert_true(crm_is_prefecture("沖縄県"));
	assert_true(crm_is_prefecture("鹿児島"));
	assert_false(crm_is_prefecture("北海"));
	assert_false(crm_is_prefecture("nsw"));
	assert_false(crm_is_prefecture("東京都千代田区"));
	assert_false(crm_is_prefecture(""));
	assert_false(crm_is_prefecture(NULL));

	/* The full name, from a prefix of the text. */
	assert_string_equal(crm_prefecture_name("東京千代田区", strlen("東京")), "東京都");
	assert_string_equal(crm_prefecture_name("東京都千代田区", strlen("東京都")), "東京都");
	assert_string_equal(crm_prefecture_name("鹿児島市", strlen("鹿児島")), "鹿児島県");
	assert_string_equal(crm_prefecture_name("北海道", strlen("北海道")), "北海道");
	assert_null(crm_prefecture_name("北海道", strlen("北海")));
	assert_null(crm_prefecture_name("東京都", strlen("東")));
	assert_null(crm_prefecture_name(NULL, 0));
}

/* A header a slip away from a known alias is named, an exact one or a far one is not. */
static void test_similar_headers(void **state)
{
	char alias[128];
	const struct crm_field *f;

	(void)state;
	f = crm_field_similar(CRM_KIND_CUSTOMERS, "電話版号", alias, sizeof(alias));
	assert_non_null(f);
	assert_string_equal(f->name, "phone");
	assert_string_equal(alias, "電話番号");
	f = crm_field_similar(CRM_KIND_CUSTOMERS, "メールアドレ", alias, sizeof(alias));
	assert_non_null(f);
	assert_string_equal(f->name, "email");
	assert_null(crm_field_similar(CRM_KIND_CUSTOMERS, "電話番号", alias, sizeof(alias)));
	assert_null(crm_field_similar(CRM_KIND_CUSTOMERS, "好きな色", alias, sizeof(alias)));
	assert_null(crm_field_similar(CRM_KIND_CUSTOMERS, "", alias, sizeof(alias)));
	assert_null(crm_field_similar(CRM_KIND_CUSTOMERS,
				      "ああああああああああああああああああああああああああああああああああああああ",
				      alias, sizeof(alias)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_similar_headers),
		cmocka_unit_test(test_header_key),
		cmocka_unit_test(test_customer_headers),
		cmocka_unit_test(test_order_headers),
		cmocka_unit_test(test_kind_guess),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_field_types),
		cmocka_unit_test(test_prefectures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
