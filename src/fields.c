#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fields.h"
#include "ftype-basic.h"
#include "utf8.h"
#include "banned.h"

static const char *const order_status_choices[] = {
	"ok", "cancelled", "returned", NULL,
};

/*
 * Header aliases. Matching folds width and case and drops spaces and
 * punctuation (crm_header_key), so each alias is written once in its
 * natural form: "E-mail" also matches "email", "Ｅメール" and "e_mail".
 */
static const struct crm_field customer_fields[] = {
	{ CRM_KIND_CUSTOMERS, "source_key", &crm_fieldtype_key, CRM_F_KEY | CRM_F_VIRTUAL,
	  "顧客番号|顧客ID|顧客コード|顧客No|会員番号|会員ID|会員No|お客様番号|お客様ID|"
	  "取引先コード|ID|No|customer_id|customer_no|customer_number|customer_code|"
	  "member_id|client_id|rec_id|record_id|unique_id|key", NULL },
	{ CRM_KIND_CUSTOMERS, "name", &crm_fieldtype_name, 0,
	  "氏名|名前|お名前|顧客名|お客様名|氏名漢字|お名前漢字|担当者名|name|full_name|"
	  "fullname|customer_name|contact_name", NULL },
	{ CRM_KIND_CUSTOMERS, "name_kana", &crm_fieldtype_kana, 0,
	  "フリガナ|ふりがな|カナ|かな|氏名カナ|氏名フリガナ|お名前カナ|お名前フリガナ|"
	  "シメイ|セイメイ|name_kana|kana|furigana|name_reading", NULL },
	{ CRM_KIND_CUSTOMERS, "family_name", &crm_fieldtype_name, 0,
	  "姓|苗字|名字|氏|姓漢字|last_name|lastname|surname|family_name", NULL },
	{ CRM_KIND_CUSTOMERS, "given_name", &crm_fieldtype_name, 0,
	  "名|名漢字|下の名前|first_name|firstname|given_name|forename", NULL },
	{ CRM_KIND_CUSTOMERS, "family_kana", &crm_fieldtype_kana, 0,
	  "セイ|せい|姓カナ|姓フリガナ|姓ふりがな|last_name_kana|family_kana", NULL },
	{ CRM_KIND_CUSTOMERS, "given_kana", &crm_fieldtype_kana, 0,
	  "メイ|めい|名カナ|名フリガナ|名ふりがな|first_name_kana|given_kana", NULL },
	{ CRM_KIND_CUSTOMERS, "company", &crm_fieldtype_company, 0,
	  "会社名|企業名|会社|法人名|勤務先|勤務先名|社名|組織名|団体名|company|"
	  "company_name|organization|organisation|account_name", NULL },
	{ CRM_KIND_CUSTOMERS, "department", &crm_fieldtype_text, 0,
	  "部署|部署名|所属|所属部署|部門|department|dept|division", NULL },
	{ CRM_KIND_CUSTOMERS, "title", &crm_fieldtype_text, 0,
	  "役職|役職名|肩書|肩書き|title|job_title|position", NULL },
	{ CRM_KIND_CUSTOMERS, "email", &crm_fieldtype_email, 0,
	  "メールアドレス|メール|Eメール|Eメールアドレス|E-mail|mail|mail_address|"
	  "email_address|PCメール|PCメールアドレス", NULL },
	{ CRM_KIND_CUSTOMERS, "phone", &crm_fieldtype_phone, 0,
	  "電話番号|電話|TEL|TEL番号|固定電話|代表電話|phone|telephone|phone_number|tel_no|"
	  "phone_no", NULL },
	{ CRM_KIND_CUSTOMERS, "mobile", &crm_fieldtype_phone, 0,
	  "携帯|携帯電話|携帯番号|携帯電話番号|携帯TEL|mobile|mobile_phone|cell|cellphone|"
	  "cell_phone", NULL },
	{ CRM_KIND_CUSTOMERS, "postal_code", &crm_fieldtype_postal, 0,
	  "郵便番号|〒|郵便|zip|zipcode|zip_code|postcode|postal_code|postalcode", NULL },
	{ CRM_KIND_CUSTOMERS, "prefecture", &crm_fieldtype_text, 0,
	  "都道府県|都道府県名|県|prefecture|state|province|region", NULL },
	{ CRM_KIND_CUSTOMERS, "city", &crm_fieldtype_text, 0,
	  "市区町村|市町村|市区郡|city|suburb|town|locality", NULL },
	{ CRM_KIND_CUSTOMERS, "address", &crm_fieldtype_address, CRM_F_JOIN,
	  "住所|所在地|番地|住所1|住所2|住所3|町名番地|建物名|ビル名|address|address_1|"
	  "address_2|address1|address2|address_line_1|address_line_2|street|"
	  "street_address|street_number", NULL },
	{ CRM_KIND_CUSTOMERS, "country", &crm_fieldtype_text, 0,
	  "国|国名|国籍|country|country_name", NULL },
	{ CRM_KIND_CUSTOMERS, "birthdate", &crm_fieldtype_date, 0,
	  "生年月日|誕生日|birthdate|birthday|birth_date|dob|date_of_birth", NULL },
	{ CRM_KIND_CUSTOMERS, "gender", &crm_fieldtype_gender, 0,
	  "性別|gender|sex", crm_gender_values },
	{ CRM_KIND_CUSTOMERS, "channel", &crm_fieldtype_text, 0,
	  "流入経路|流入元|チャネル|チャネル名|獲得経路|認知経路|channel|lead_source|"
	  "acquisition_channel", NULL },
	{ CRM_KIND_CUSTOMERS, "rank", &crm_fieldtype_text, 0,
	  "ランク|会員ランク|顧客ランク|rank|tier|member_rank", NULL },
	{ CRM_KIND_CUSTOMERS, "consent_email", &crm_fieldtype_flag, 0,
	  "メール配信|メール配信可否|メルマガ|メルマガ配信|メルマガ購読|メール送信可否|"
	  "メール許諾|email_opt_in|email_consent|consent_email|newsletter", NULL },
	{ CRM_KIND_CUSTOMERS, "consent_phone", &crm_fieldtype_flag, 0,
	  "電話可否|TEL可否|電話連絡可否|電話許諾|phone_opt_in|consent_phone", NULL },
	{ CRM_KIND_CUSTOMERS, "consent_post", &crm_fieldtype_flag, 0,
	  "DM可否|DM送付|DM送付可否|DM希望|郵送可否|dm_opt_in|mail_opt_in|consent_post", NULL },
};

static const struct crm_field order_fields[] = {
	{ CRM_KIND_ORDERS, "order_key", &crm_fieldtype_key, CRM_F_KEY | CRM_F_VIRTUAL,
	  "注文番号|受注番号|注文ID|受注ID|注文No|受注No|伝票番号|売上番号|請求書番号|"
	  "InvoiceNo|invoice|invoice_no|invoice_number|order_id|order_no|order_number|"
	  "order_key", NULL },
	{ CRM_KIND_ORDERS, "customer_key", &crm_fieldtype_key, CRM_F_CUSTOMER_KEY | CRM_F_VIRTUAL,
	  "顧客番号|顧客ID|顧客コード|会員番号|会員ID|お客様番号|取引先コード|CustomerID|"
	  "customer_id|customer_no|customer_code|member_id|client_id", NULL },
	{ CRM_KIND_ORDERS, "ordered_at", &crm_fieldtype_datetime, 0,
	  "注文日|注文日時|購入日|購入日時|受注日|受注日時|売上日|取引日|InvoiceDate|"
	  "order_date|ordered_at|purchase_date|date", NULL },
	{ CRM_KIND_ORDERS, "product", &crm_fieldtype_text, 0,
	  "商品名|品名|商品|製品名|Description|product|product_name|item|item_name", NULL },
	{ CRM_KIND_ORDERS, "unit_price", &crm_fieldtype_money, 0,
	  "単価|販売単価|UnitPrice|unit_price|price", NULL },
	{ CRM_KIND_ORDERS, "quantity", &crm_fieldtype_integer, 0,
	  "数量|個数|Quantity|qty|quantity", NULL },
	{ CRM_KIND_ORDERS, "amount", &crm_fieldtype_money, 0,
	  "金額|合計|合計金額|小計|売上金額|税込金額|amount|total|line_total|subtotal", NULL },
	{ CRM_KIND_ORDERS, "status", &crm_fieldtype_enum, 0,
	  "ステータス|状態|注文状態|status|order_status", order_status_choices },
	{ CRM_KIND_ORDERS, "currency", &crm_fieldtype_text, 0,
	  "通貨|currency", NULL },
};

static const struct crm_field interaction_fields[] = {
	{ CRM_KIND_INTERACTIONS, "source_key", &crm_fieldtype_key, CRM_F_KEY | CRM_F_VIRTUAL,
	  "問い合わせ番号|問合せ番号|対応番号|商談番号|案件番号|活動ID|履歴ID|ID|"
	  "interaction_id|activity_id|ticket_id|case_id|deal_id", NULL },
	{ CRM_KIND_INTERACTIONS, "customer_key", &crm_fieldtype_key, CRM_F_CUSTOMER_KEY | CRM_F_VIRTUAL,
	  "顧客番号|顧客ID|顧客コード|会員番号|会員ID|お客様番号|取引先コード|CustomerID|"
	  "customer_id|customer_no|member_id|client_id", NULL },
	{ CRM_KIND_INTERACTIONS, "at", &crm_fieldtype_datetime, 0,
	  "日時|対応日|対応日時|問い合わせ日|問い合わせ日時|受付日|受付日時|活動日|"
	  "商談日|at|date|datetime|timestamp|created_at", NULL },
	{ CRM_KIND_INTERACTIONS, "kind", &crm_fieldtype_text, 0,
	  "種別|区分|活動種別|対応種別|kind|type|activity_type", NULL },
	{ CRM_KIND_INTERACTIONS, "channel", &crm_fieldtype_text, 0,
	  "チャネル|経路|手段|channel|medium", NULL },
	{ CRM_KIND_INTERACTIONS, "subject", &crm_fieldtype_text, 0,
	  "件名|タイトル|表題|subject|title|summary", NULL },
	{ CRM_KIND_INTERACTIONS, "body", &crm_fieldtype_text, 0,
	  "内容|本文|問い合わせ内容|対応内容|詳細|メモ|body|message|content|note|notes|"
	  "description", NULL },
	{ CRM_KIND_INTERACTIONS, "status", &crm_fieldtype_text, 0,
	  "ステータス|状態|対応状況|進捗|status", NULL },
	{ CRM_KIND_INTERACTIONS, "owner", &crm_fieldtype_text, 0,
	  "担当者|担当|対応者|営業担当|owner|assignee|rep|sales_rep", NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *crm_kind_name(enum crm_kind kind)
{
	switch (kind) {
	case CRM_KIND_CUSTOMERS: return "customers";
	case CRM_KIND_ORDERS: return "orders";
	case CRM_KIND_INTERACTIONS: return "interactions";
	case CRM_KIND_COUNT: break;
	}
	return NULL;
}

int crm_kind_parse(const char *s, enum crm_kind *kind)
{
	int k;

	for (k = 0; k < CRM_KIND_COUNT; k++)
		if (!strcmp(s, crm_kind_name((enum crm_kind)k))) {
			*kind = (enum crm_kind)k;
			return 0;
		}
	return -1;
}

const struct crm_field *crm_fields(enum crm_kind kind, size_t *n)
{
	switch (kind) {
	case CRM_KIND_CUSTOMERS:
		*n = COUNT(customer_fields);
		return customer_fields;
	case CRM_KIND_ORDERS:
		*n = COUNT(order_fields);
		return order_fields;
	case CRM_KIND_INTERACTIONS:
		*n = COUNT(interaction_fields);
		return interaction_fields;
	case CRM_KIND_COUNT:
		break;
	}
	*n = 0;
	return NULL;
}

const struct crm_field *crm_field_find(enum crm_kind kind, const char *name)
{
	const struct crm_field *f;
	size_t i, n;

	f = crm_fields(kind, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/* Spaces, punctuation, controls and format characters: not part of a header's identity. */
static int header_noise(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
		return 1;
	default:
		return 0;
	}
}

char *crm_header_key(const char *header)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n, i = 0;
	char *out;
	size_t o = 0;

	n = utf8proc_map((const utf8proc_uint8_t *)header, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
			 UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	out = malloc((size_t)n + 1);
	if (!out) {
		free(folded);
		return NULL;
	}
	while (i < n) {
		int32_t cp;
		int k = crm_utf8_decode((const char *)folded + i, n - i, &cp);

		if (k < 0)
			break;
		if (!header_noise(cp)) {
			memcpy(out + o, folded + i, (size_t)k);
			o += (size_t)k;
		}
		i += k;
	}
	out[o] = '\0';
	free(folded);
	return out;
}

/* 1 when key equals the header key of one of the '|'-separated aliases. */
static int alias_matches(const char *aliases, const char *key)
{
	const char *p = aliases;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		char alias[128];
		char *k;
		int hit;

		if (len < sizeof(alias)) {
			memcpy(alias, p, len);
			alias[len] = '\0';
			k = crm_header_key(alias);
			hit = k && !strcmp(k, key);
			free(k);
			if (hit)
				return 1;
		}
		p += len;
		if (*p == '|')
			p++;
	}
	return 0;
}

const struct crm_field *crm_field_for_header(enum crm_kind kind, const char *header)
{
	const struct crm_field *f, *hit = NULL;
	char *key = crm_header_key(header), *name;
	size_t i, n;

	if (!key || !*key) {
		free(key);
		return NULL;
	}
	f = crm_fields(kind, &n);
	for (i = 0; i < n && !hit; i++) {
		name = crm_header_key(f[i].name);
		if ((name && !strcmp(name, key)) || alias_matches(f[i].aliases, key))
			hit = &f[i];
		free(name);
	}
	free(key);
	return hit;
}

const struct crm_field *crm_field_similar(enum crm_kind kind, const char *header,
					  char *alias, size_t alias_size)
{
	const struct crm_field *f;
	char *key = crm_header_key(header);
	size_t i, n, len, limit;

	if (!key || !*key || crm_field_for_header(kind, header)) {
		free(key);
		return NULL;
	}
	/*
	 * One slip in a header of 3 to 7 characters, two in a longer one; none
	 * in one of 1 or 2, where a slip is most of the word (x is not 姓).
	 */
	len = crm_utf8_count(key, strlen(key));
	if (len < 3) {
		free(key);
		return NULL;
	}
	limit = len < 8 ? 1 : 2;
	f = crm_fields(kind, &n);
	for (i = 0; i < n; i++) {
		const char *p = f[i].aliases;

		while (p && *p) {
			size_t l = strcspn(p, "|");
			char a[128];
			char *k;
			int near = 0;

			if (l < sizeof(a)) {
				memcpy(a, p, l);
				a[l] = '\0';
				k = crm_header_key(a);
				near = k && crm_utf8_distance(k, key, limit) <= limit;
				free(k);
				if (near) {
					snprintf(alias, alias_size, "%s", a);
					free(key);
					return &f[i];
				}
			}
			p += l + (p[l] == '|');
		}
	}
	free(key);
	return NULL;
}

/* Fields that say "this file is of that kind" (keys and names are shared). */
static int telling(const struct crm_field *f)
{
	static const char *const shared[] = {
		"source_key", "customer_key", "channel", "status", NULL,
	};
	size_t i;

	for (i = 0; shared[i]; i++)
		if (!strcmp(f->name, shared[i]))
			return 0;
	return 1;
}

enum crm_kind crm_kind_guess(const char *const *headers, size_t n)
{
	int score[CRM_KIND_COUNT] = { 0 };
	enum crm_kind best = CRM_KIND_CUSTOMERS;
	int k;
	size_t i;

	for (k = 0; k < CRM_KIND_COUNT; k++)
		for (i = 0; i < n; i++) {
			const struct crm_field *f = crm_field_for_header((enum crm_kind)k, headers[i]);

			if (f && telling(f))
				score[k]++;
		}
	for (k = 1; k < CRM_KIND_COUNT; k++)
		if (score[k] > score[best])
			best = (enum crm_kind)k;
	return best;
}
