/*
 * Erased keys: kept as keyed hashes under the database's own key, found
 * again by source and key only, and nothing to check before any erasure.
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

#include "crm.h"
#include "erasure.h"

#include "dbfixture.h"

static void tombstone(struct fx *f)
{
	fx_exec(f, "INSERT INTO runs(command, argv, actor, host, started_at, status)"
		" VALUES ('log forget', '[]', 't', 'h', '2026-12-01T23:30:00.000Z', 'ok');"
		"INSERT INTO tombstones(run_id, customer_id, at, actor, reason)"
		" VALUES (1, 1, '2026-12-01T23:30:00.000Z', 't', 'request')");
}

static void test_nothing_to_check_before_an_erasure(void **state)
{
	struct fx *f = *state;
	struct crm_erased *e = (struct crm_erased *)f;

	assert_int_equal(crm_erased_open(f->db, 0, &e, &f->err), CRM_OK);
	assert_null(e);
	/* A key made but nothing erased yet: still nothing to check. */
	assert_int_equal(crm_erased_open(f->db, 1, &e, &f->err), CRM_OK);
	assert_non_null(e);
	crm_erased_free(e);
	assert_int_equal(crm_erased_open(f->db, 0, &e, &f->err), CRM_OK);
	assert_null(e);
	crm_erased_free(NULL);
}

static void test_found_by_source_and_key_only(void **state)
{
	struct fx *f = *state;
	struct crm_erased *e;
	char at[40];
	int found = -1;

	tombstone(f);
	assert_int_equal(crm_erased_open(f->db, 1, &e, &f->err), CRM_OK);
	assert_int_equal(crm_erased_add(e, 1, "web:x", 3, "taro@example.jp", &f->err), CRM_OK);
	/* The same key twice is one row. */
	assert_int_equal(crm_erased_add(e, 1, "web", 3, "taro@example.jp", &f->err), CRM_OK);
	crm_erased_free(e);

	/* Another open reads the same key: the hash is found again. */
	assert_int_equal(crm_erased_open(f->db, 0, &e, &f->err), CRM_OK);
	assert_non_null(e);
	assert_int_equal(crm_erased_find(e, "web", "taro@example.jp", &found, at, sizeof(at),
					 &f->err), CRM_OK);
	assert_int_equal(found, 1);
	assert_string_equal(at, "2026-12-01T23:30:00.000Z");
	assert_int_equal(crm_erased_find(e, "shop", "taro@example.jp", &found, at, sizeof(at),
					 &f->err), CRM_OK);
	assert_int_equal(found, 0);
	/* Source and key are kept apart: "we" + "b\0taro" is not "web" + "taro". */
	assert_int_equal(crm_erased_find(e, "we", "btaro@example.jp", &found, at, sizeof(at),
					 &f->err), CRM_OK);
	assert_int_equal(found, 0);
	crm_erased_free(e);
}

static void test_key_is_random_and_never_stored(void **state)
{
	struct fx *f = *state;
	struct crm_erased *e;
	struct crm_stmt *st;
	int found = 0;

	tombstone(f);
	assert_int_equal(crm_erased_open(f->db, 1, &e, &f->err), CRM_OK);
	assert_int_equal(crm_erased_add(e, 1, "web", 3, "taro@example.jp", &f->err), CRM_OK);
	crm_erased_free(e);
	assert_int_equal(crm_stmt_prepare(f->db, "SELECT count(*) FROM erased_keys WHERE"
					  " instr(hash, CAST('taro' AS BLOB)) > 0 OR length(hash) <> 32"
					  " OR (SELECT length(key) FROM erasure_key) <> 32"
					  " OR (SELECT key FROM erasure_key) = zeroblob(32)",
					  &st, &f->err), CRM_OK);
	assert_int_equal(crm_stmt_one(st, &found, "test", &f->err), CRM_OK);
	assert_int_equal(crm_stmt_int(st, 0), 0);
	crm_stmt_free(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_to_check_before_an_erasure),
		T(test_found_by_source_and_key_only),
		T(test_key_is_random_and_never_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
