/*
 * Field definitions (crm-fields(5)): what a good file sets, and every
 * syntax error named with its line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fielddefs.h"

static enum crm_status parse(const char *text, struct crm_fielddefs **d, struct crm_error *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	enum crm_status s;

	assert_non_null(fp);
	s = crm_fielddefs_read(fp, "fields.txt", d, err);
	fclose(fp);
	return s;
}

static const char good[] =
	"\xef\xbb\xbf# 項目定義シート\n"
	"\n"
	"[email]\n"
	"aliases = メアド, Ｅメール、 連絡先メール\n"
	"required = yes\n"
	"rules = -email-typo\n"
	"\n"
	"[customers.phone]\n"
	"rules = phone, -text\n"
	"\r\n"
	"[会員区分]\n"
	"type = enum\n"
	"choices = ゴールド、シルバー, ブロンズ\n"
	"required = 任意\n"
	"[orders.product]\n"
	"\u3000aliases\u3000=\u3000品名\u3000\n";

/* The list messages print names every rule, in order. */
static void test_rule_list(void **state)
{
	char list[256] = "";
	size_t i;

	(void)state;
	for (i = 0; crm_rule_names[i]; i++) {
		if (i)
			strcat(list, ", ");
		strcat(list, crm_rule_names[i]);
	}
	assert_int_equal(i, CRM_NRULES);
	assert_string_equal(list, CRM_RULE_LIST);
}

static void test_good_file(void **state)
{
	struct crm_fielddefs *d;
	struct crm_error err;
	const struct crm_fielddef *e, *p, *m;

	(void)state;
	assert_int_equal(parse(good, &d, &err), CRM_OK);
	assert_int_equal(d->n, 4);
	e = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "email");
	assert_non_null(e);
	assert_non_null(e->field);
	assert_int_equal(e->type, CRM_T_EMAIL);
	assert_int_equal(e->naliases, 3);
	assert_string_equal(e->aliases[1], "Ｅメール");
	assert_string_equal(e->aliases[2], "連絡先メール");
	assert_int_equal(e->required, 1);
	assert_int_equal(e->line, 3);
	assert_int_equal(crm_fielddef_rule(e, crm_rule_index("email-typo"), 1), 0);
	assert_int_equal(crm_fielddef_rule(e, crm_rule_index("email"), 1), 1);
	p = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "phone");
	assert_int_equal(crm_fielddef_rule(p, crm_rule_index("phone"), 0), 1);
	assert_int_equal(crm_fielddef_rule(p, crm_rule_index("text"), 1), 0);
	assert_int_equal(p->required, -1);
	m = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "会員区分");
	assert_null(m->field);
	assert_int_equal(m->type, CRM_T_ENUM);
	assert_int_equal(m->nchoices, 3);
	assert_true(crm_fielddef_allows(m, "シルバー"));
	assert_false(crm_fielddef_allows(m, "プラチナ"));
	assert_true(crm_fielddef_allows(e, "anything"));
	assert_int_equal(m->required, 0);
	assert_string_equal(crm_fielddefs_find(d, CRM_KIND_ORDERS, "product")->aliases[0], "品名");
	/* Aliases match as headers do: width, case and punctuation blind. */
	assert_ptr_equal(crm_fielddefs_for_header(d, CRM_KIND_CUSTOMERS, "ﾒｱﾄﾞ"), e);
	assert_ptr_equal(crm_fielddefs_for_header(d, CRM_KIND_CUSTOMERS, "メアド"), e);
	assert_ptr_equal(crm_fielddefs_for_header(d, CRM_KIND_CUSTOMERS, "Eメール"), e);
	assert_ptr_equal(crm_fielddefs_for_header(d, CRM_KIND_CUSTOMERS, "会員 区分"), m);
	assert_null(crm_fielddefs_for_header(d, CRM_KIND_ORDERS, "メアド"));
	assert_null(crm_fielddefs_for_header(NULL, CRM_KIND_CUSTOMERS, "メアド"));
	crm_fielddefs_free(d);
}

/* A '#' after a blank starts a comment, as crm-fields(5)'s example writes it. */
static void test_trailing_comments(void **state)
{
	static const char text[] =
		"[phone]\n"
		"rules = -phone          # keep phone numbers exactly as entered\n"
		"[会員区分]                # a column of our own\n"
		"type = enum\n"
		"choices = 個人, 法人\u3000# after an ideographic space too\n"
		"[rank]\n"
		"choices = No.#5, 会員#2\n";
	struct crm_fielddefs *d;
	struct crm_error err;
	const struct crm_fielddef *m, *r;

	(void)state;
	assert_int_equal(parse(text, &d, &err), CRM_OK);
	assert_int_equal(crm_fielddef_rule(crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "phone"),
					   crm_rule_index("phone"), 1), 0);
	m = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "会員区分");
	assert_non_null(m);
	assert_int_equal(m->nchoices, 2);
	assert_string_equal(m->choices[1], "法人");
	/* A '#' inside a value is the value's. */
	r = crm_fielddefs_find(d, CRM_KIND_CUSTOMERS, "rank");
	assert_int_equal(r->nchoices, 2);
	assert_string_equal(r->choices[0], "No.#5");
	assert_string_equal(r->choices[1], "会員#2");
	crm_fielddefs_free(d);
}

struct bad {
	const char *text;
	unsigned long line;
	const char *message;
};

static const struct bad bads[] = {
	{ "aliases = x\n", 1, "'aliases' before any [field] section" },
	{ "[email]\nalias x\n", 2, "'alias x': expected 'setting = value' or a [field] section" },
	{ "[email]\nchoises = a\n", 2, "'choises' is not a setting" },
	{ "[email]\nrequired = maybe\n", 2, "required = 'maybe': use yes or no" },
	{ "[email]\nrules = tidy\n", 2, "rules: 'tidy' is not a rule" },
	{ "[email]\ntype = enum\n", 2, "type: email is a field of crm's own, its type is email" },
	{ "[x]\ntype = colour\n", 2, "type = 'colour': use text" },
	{ "[x]\ntype = enum\n", 1, "[x] is an enum without choices" },
	{ "\n\n[email\n", 3, "'[email': a section is [field] or [kind.field]" },
	{ "[email] x\n", 1, "a section is [field] or [kind.field]" },
	{ "[stores.name]\n", 1, "'stores' is not customers, orders or interactions" },
	{ "[ ]\n", 1, "an empty section name []" },
	{ "[email]\n[email]\n", 2, "[email] is defined twice" },
	{ "[orders.colour]\n", 1, "only customers can have fields of their own" },
	{ "[email]\nrequired =\n", 2, "required has no value" },
	{ "[email]\nrequired = yes\0no\n", 2, "a NUL byte" },
};

static void test_bad_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct crm_fielddefs *d = (void *)1;
		struct crm_error err;
		const char *t = bads[i].text;
		size_t len = strlen(t);
		FILE *fp;
		enum crm_status s;

		if (strstr(t, "required = yes") && !strcmp(bads[i].message, "a NUL byte"))
			len += 1 + strlen(t + len + 1);   /* the text goes on past its NUL */
		fp = fmemopen((void *)t, len, "r");
		assert_non_null(fp);
		crm_error_clear(&err);
		s = crm_fielddefs_read(fp, "fields.txt", &d, &err);
		fclose(fp);
		if (s != CRM_ERR_INVALID || d || err.line != bads[i].line ||
		    strcmp(err.file, "fields.txt") || !strstr(err.message, bads[i].message))
			fail_msg("case %zu: status %d, line %lu, message '%s'; want line %lu, '%s'",
				 i, s, err.line, err.message, bads[i].line, bads[i].message);
	}
}

static void test_missing_file(void **state)
{
	struct crm_fielddefs *d;
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_fielddefs_load("/nonexistent/fields.txt", &d, &err), CRM_ERR_NOTFOUND);
	assert_null(d);
	assert_string_equal(err.file, "/nonexistent/fields.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_list),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_trailing_comments),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
