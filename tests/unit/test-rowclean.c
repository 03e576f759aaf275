/*
 * Cleanse's rules for one customer's values (src/rowclean.c), on rows made
 * here rather than read from a database: the API import is to use (#13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rowclean.h"

struct seen {
	int violations;
	char last_problem[256];
};

static enum crm_status on_item(void *ctx, const struct crm_cleanse_item *it,
			       struct crm_error *err)
{
	struct seen *s = ctx;

	(void)err;
	if (it->problem) {
		s->violations++;
		snprintf(s->last_problem, sizeof(s->last_problem), "%s: %s", it->field,
			 it->problem);
	}
	return CRM_OK;
}

static int col_of(const struct crm_rowclean *rc, const char *name)
{
	int c;

	for (c = 0; c < rc->ncols; c++)
		if (!strcmp(rc->col[c].name, name))
			return c;
	fail_msg("no column %s", name);
	abort();
}

static void set(const struct crm_rowclean *rc, struct crm_rowclean_row *r, const char *name,
		const char *v)
{
	int c = col_of(rc, name);

	free(r->val[c]);
	free(r->orig[c]);
	r->val[c] = v ? strdup(v) : NULL;
	r->orig[c] = v ? strdup(v) : NULL;
}

static const char *get(const struct crm_rowclean *rc, const struct crm_rowclean_row *r,
		       const char *name)
{
	return r->val[col_of(rc, name)];
}

static void release_row(const struct crm_rowclean *rc, struct crm_rowclean_row *r)
{
	int c;

	for (c = 0; c < rc->ncols; c++) {
		free(r->val[c]);
		free(r->orig[c]);
		r->val[c] = r->orig[c] = NULL;
	}
}

/* The orig of every column becomes its val: as if stored, for applying again. */
static void store(const struct crm_rowclean *rc, struct crm_rowclean_row *r)
{
	int c;

	for (c = 0; c < rc->ncols; c++) {
		free(r->orig[c]);
		r->orig[c] = r->val[c] ? strdup(r->val[c]) : NULL;
	}
}

static int changed(const struct crm_rowclean *rc, const struct crm_rowclean_row *r)
{
	int c, n = 0;

	for (c = 0; c < rc->ncols; c++)
		n += (!r->val[c] != !r->orig[c]) ||
		     (r->val[c] && r->orig[c] && strcmp(r->val[c], r->orig[c]));
	return n;
}

static void test_messy_row_cleaned_then_stable(void **state)
{
	struct crm_cleanse_options o = { 0 };
	struct crm_cleanse_stats st = { 0 };
	struct seen seen = { 0 };
	struct crm_cleanse_sink sink = { &seen, on_item, NULL };
	struct crm_rowclean rc;
	struct crm_rowclean_row r = { 0 };
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_rowclean_init(&rc, &o, &sink, &st, &err), CRM_OK);
	r.japan = 1;
	set(&rc, &r, "name", "佐々木　花子");
	set(&rc, &r, "phone", "０３(1234)5678 内線１２");
	set(&rc, &r, "email", "<mailto:Hanako@Example.JP>");
	set(&rc, &r, "address", "東京都千代田区丸の内一丁目２番３号");
	set(&rc, &r, "company", "(株)テスト商事");
	assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
	assert_string_equal(get(&rc, &r, "name"), "佐々木 花子");
	assert_string_equal(get(&rc, &r, "family_name"), "佐々木");
	assert_string_equal(get(&rc, &r, "given_name"), "花子");
	assert_string_equal(get(&rc, &r, "phone"), "03-1234-5678 内線 12");
	assert_string_equal(get(&rc, &r, "email"), "Hanako@example.jp");
	assert_string_equal(get(&rc, &r, "prefecture"), "東京都");
	assert_string_equal(get(&rc, &r, "city"), "千代田区");
	assert_string_equal(get(&rc, &r, "address"), "丸の内1-2-3");
	assert_string_equal(get(&rc, &r, "company"), "株式会社テスト商事");
	assert_int_equal(seen.violations, 0);
	/* Applied again to what it gave: nothing changes. */
	store(&rc, &r);
	assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
	assert_int_equal(changed(&rc, &r), 0);
	release_row(&rc, &r);
	crm_rowclean_release(&rc);
}

/* A violation is reported and the value kept; outside Japan, Japan's rules do not apply. */
static void test_violation_kept_and_country(void **state)
{
	struct crm_cleanse_options o = { 0 };
	struct crm_cleanse_stats st = { 0 };
	struct seen seen = { 0 };
	struct crm_cleanse_sink sink = { &seen, on_item, NULL };
	struct crm_rowclean rc;
	struct crm_rowclean_row r = { 0 };
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_rowclean_init(&rc, &o, &sink, &st, &err), CRM_OK);
	r.japan = 1;
	set(&rc, &r, "name", "札幌 一郎");
	set(&rc, &r, "phone", "011-123-4567");
	assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
	assert_string_equal(get(&rc, &r, "phone"), "011-123-4567");
	assert_int_equal(seen.violations, 1);
	assert_non_null(strstr(seen.last_problem, "no number starts 0111"));
	release_row(&rc, &r);

	seen.violations = 0;
	r.japan = 0;
	set(&rc, &r, "name", "John Smith");
	set(&rc, &r, "phone", "011-123-4567");
	set(&rc, &r, "postal_code", "SW1A 1AA");
	assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
	assert_string_equal(get(&rc, &r, "phone"), "011-123-4567");
	assert_string_equal(get(&rc, &r, "postal_code"), "SW1A 1AA");
	assert_int_equal(seen.violations, 0);
	release_row(&rc, &r);
	crm_rowclean_release(&rc);
}

/* Rules and fields the options leave out are left alone. */
static void test_options_limit(void **state)
{
	static const char *const only[] = { "phone" };
	struct crm_cleanse_options o = { .fields = only, .nfields = 1 };
	struct crm_cleanse_stats st = { 0 };
	struct crm_rowclean rc;
	struct crm_rowclean_row r = { 0 };
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_rowclean_init(&rc, &o, NULL, &st, &err), CRM_OK);
	r.japan = 1;
	set(&rc, &r, "name", "佐々木　花子");
	set(&rc, &r, "phone", "0312345678");
	assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
	assert_string_equal(get(&rc, &r, "phone"), "03-1234-5678");
	assert_string_equal(get(&rc, &r, "name"), "佐々木　花子");
	release_row(&rc, &r);
	crm_rowclean_release(&rc);
}

/*
 * A name in Latin letters is written given name first, accents or not
 * (Müller Jürgen was stored family first); a Japanese one family first.
 */
static void test_latin_names_given_first(void **state)
{
	static const char *const names[][3] = {
		{ "Smith", "John", "John Smith" },
		{ "Müller", "Jürgen", "Jürgen Müller" },
		{ "O'Brien", "Seán", "Seán O'Brien" },
		{ "Nguyễn", "Văn An", "Văn An Nguyễn" },
		{ "山田", "太郎", "山田 太郎" },
		{ "Müller", "太郎", "Müller 太郎" },
	};
	struct crm_cleanse_options o = { 0 };
	struct crm_cleanse_stats st = { 0 };
	struct crm_rowclean rc;
	struct crm_error err;
	size_t i;

	(void)state;
	assert_int_equal(crm_rowclean_init(&rc, &o, NULL, &st, &err), CRM_OK);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct crm_rowclean_row r = { 0 };

		set(&rc, &r, "family_name", names[i][0]);
		set(&rc, &r, "given_name", names[i][1]);
		assert_int_equal(crm_rowclean_apply(&rc, &r, &err), CRM_OK);
		assert_string_equal(get(&rc, &r, "name"), names[i][2]);
		release_row(&rc, &r);
	}
	crm_rowclean_release(&rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messy_row_cleaned_then_stable),
		cmocka_unit_test(test_violation_kept_and_country),
		cmocka_unit_test(test_options_limit),
		cmocka_unit_test(test_latin_names_given_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
