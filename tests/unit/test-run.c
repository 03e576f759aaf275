/*
 * The run lifecycle and the customer catalogue: what a run leaves in the
 * runs table on every path (finish, dry run, parts, failure), the counts
 * object, and how a customer is found through merges.
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

#include "dbfixture.h"

static char *argv0[] = { "crm", "test", NULL };

static void test_finish_writes_status_and_counts(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, 0, &r, &f->err), CRM_OK);
	assert_int_equal(crm_run_id(r), 1);
	assert_true(crm_db_in_transaction(f->db));
	assert_int_equal(crm_run_count(r, "read", 3, &f->err), CRM_OK);
	assert_int_equal(crm_run_add(r, "new", 1, &f->err), CRM_OK);
	assert_int_equal(crm_run_add(r, "new", 1, &f->err), CRM_OK);
	assert_int_equal(crm_run_count(r, "read", 4, &f->err), CRM_OK);
	assert_int_equal(crm_run_get(r, "new"), 2);
	assert_int_equal(crm_run_get(r, "nothing"), 0);
	assert_int_equal(crm_run_finish(r, CRM_RUN_ATTENTION, &f->err), CRM_OK);
	assert_false(crm_db_in_transaction(f->db));
	crm_run_free(r);
	fx_assert_query(f, "SELECT status || ' ' || counts || ' ' || command FROM runs",
		     "rejected {\"read\":4,\"new\":2} test");
	fx_assert_query(f, "SELECT finished_at IS NOT NULL FROM runs", "1");
}

static void test_dry_run_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_DRY, &r, &f->err),
			 CRM_OK);
	assert_true(crm_run_is_dry(r));
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('x', 'a', 'a')");
	assert_int_equal(crm_run_finish(r, CRM_RUN_OK, &f->err), CRM_OK);
	crm_run_free(r);
	fx_assert_query(f, "SELECT count(*) FROM runs", "0");
	fx_assert_query(f, "SELECT count(*) FROM segments", "0");
}

static void test_abort_and_free_roll_back(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, 0, &r, &f->err), CRM_OK);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('x', 'a', 'a')");
	crm_run_abort(r);
	crm_run_free(r);
	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, 0, &r, &f->err), CRM_OK);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('y', 'a', 'a')");
	crm_run_free(r);      /* never finished: nothing kept */
	crm_run_free(NULL);
	assert_false(crm_db_in_transaction(f->db));
	fx_assert_query(f, "SELECT count(*) FROM runs", "0");
	fx_assert_query(f, "SELECT count(*) FROM segments", "0");
}

/* A run in parts: the runs row at once, each part's counts with the part. */
static void test_parts_commit_one_by_one(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_PARTS, &r, &f->err),
			 CRM_OK);
	assert_false(crm_db_in_transaction(f->db));
	fx_assert_query(f, "SELECT status FROM runs", "running");

	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_ERR_INTERNAL);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('a', 'a', 'a')");
	assert_int_equal(crm_run_add(r, "files", 1, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_commit(r, 0, CRM_RUN_OK, &f->err), CRM_OK);
	fx_assert_query(f, "SELECT status || ' ' || counts FROM runs", "running {\"files\":1}");

	/* A part dropped leaves neither its rows nor its counts (#12: it left its counts). */
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('b', 'a', 'a')");
	assert_int_equal(crm_run_add(r, "files", 5, &f->err), CRM_OK);
	assert_int_equal(crm_run_add(r, "dropped", 1, &f->err), CRM_OK);
	crm_run_part_abort(r);
	assert_int_equal(crm_run_get(r, "files"), 1);
	assert_int_equal(crm_run_get(r, "dropped"), 0);
	assert_int_equal(crm_run_part_commit(r, 0, CRM_RUN_OK, &f->err), CRM_ERR_INTERNAL);

	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	assert_int_equal(crm_run_add(r, "files", 1, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_commit(r, 1, CRM_RUN_OK, &f->err), CRM_OK);
	/* The last part ended the run: finish has nothing left to do. */
	assert_int_equal(crm_run_finish(r, CRM_RUN_FAILED, &f->err), CRM_OK);
	crm_run_free(r);
	fx_assert_query(f, "SELECT status || ' ' || counts FROM runs", "ok {\"files\":2}");
	fx_assert_query(f, "SELECT group_concat(name) FROM segments", "a");
}

/*
 * A part that fails after one was kept: the run ends 'failed' in a
 * transaction of its own. One that fails before any was kept changed
 * nothing, and leaves no run (a usage error found in a file's header).
 */
static void test_parts_failed_end(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_PARTS, &r, &f->err),
			 CRM_OK);
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	assert_int_equal(crm_run_count(r, "files", 0, &f->err), CRM_OK);
	assert_int_equal(crm_run_finish(r, CRM_RUN_FAILED, &f->err), CRM_OK);
	crm_run_free(r);
	fx_assert_query(f, "SELECT count(*) FROM runs", "0");

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_PARTS, &r, &f->err),
			 CRM_OK);
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	assert_int_equal(crm_run_count(r, "files", 1, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_commit(r, 0, CRM_RUN_OK, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	assert_int_equal(crm_run_finish(r, CRM_RUN_FAILED, &f->err), CRM_OK);
	crm_run_free(r);
	fx_assert_query(f, "SELECT status || ' ' || counts FROM runs", "failed {\"files\":1}");
}

/* A dry run in parts: parts are savepoints of one transaction, all rolled back. */
static void test_dry_parts(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_PARTS | CRM_RUN_DRY,
				       &r, &f->err), CRM_OK);
	assert_true(crm_db_in_transaction(f->db));
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('a', 'a', 'a')");
	assert_int_equal(crm_run_part_commit(r, 0, CRM_RUN_OK, &f->err), CRM_OK);
	assert_int_equal(crm_run_part_begin(r, &f->err), CRM_OK);
	fx_exec(f, "INSERT INTO segments(name, created_at, updated_at) VALUES ('b', 'a', 'a')");
	crm_run_part_abort(r);
	fx_assert_query(f, "SELECT group_concat(name) FROM segments", "a");
	assert_int_equal(crm_run_finish(r, CRM_RUN_OK, &f->err), CRM_OK);
	crm_run_free(r);
	fx_assert_query(f, "SELECT count(*) FROM runs", "0");
	fx_assert_query(f, "SELECT count(*) FROM segments", "0");
}

static void test_counts_json_empty(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;
	char *j;

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, CRM_RUN_DRY, &r, &f->err),
			 CRM_OK);
	j = crm_run_counts_json(r);
	assert_string_equal(j, "{}");
	free(j);
	crm_run_free(r);
}

static void customers(struct fx *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fx_exec(f, "INSERT INTO customers(name, created_at, updated_at) VALUES ('x', 'a', 'a')");
}

static void test_resolve_follows_merges(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;

	customers(f, 4);
	/* 1 -> 2 -> 3; 4 stands alone. */
	fx_exec(f, "UPDATE customers SET merged_into = 3 WHERE id = 2");
	fx_exec(f, "UPDATE customers SET merged_into = 2 WHERE id = 1");
	assert_int_equal(crm_customer_resolve(f->db, 1, &id, &f->err), CRM_OK);
	assert_int_equal(id, 3);
	assert_int_equal(crm_customer_resolve(f->db, 3, &id, &f->err), CRM_OK);
	assert_int_equal(id, 3);
	assert_int_equal(crm_customer_resolve(f->db, 4, &id, &f->err), CRM_OK);
	assert_int_equal(id, 4);
	assert_int_equal(crm_customer_resolve(f->db, 99, &id, &f->err), CRM_ERR_NOTFOUND);
	assert_string_equal(f->err.message, "no customer 99");
	/* A loop, which no command writes, is a damaged database, not a hang. */
	fx_exec(f, "UPDATE customers SET merged_into = 1 WHERE id = 3");
	assert_int_equal(crm_customer_resolve(f->db, 1, &id, &f->err), CRM_ERR_SCHEMA);
	assert_non_null(strstr(f->err.message, "loops"));
}

static void test_find_by_id_and_source_key(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;

	customers(f, 2);
	fx_exec(f, "INSERT INTO source_records(source, source_key, customer_id, raw)"
		" VALUES ('shop', 'C:1', 1, '[]')");
	assert_int_equal(crm_customer_find(f->db, "shop:C:1", &id, &f->err), CRM_OK);
	assert_int_equal(id, 1);
	fx_exec(f, "UPDATE customers SET merged_into = 2 WHERE id = 1");
	assert_int_equal(crm_customer_find(f->db, "shop:C:1", &id, &f->err), CRM_OK);
	assert_int_equal(id, 2);
	assert_int_equal(crm_customer_find(f->db, "1", &id, &f->err), CRM_OK);
	assert_int_equal(id, 2);
	assert_int_equal(crm_customer_find(f->db, "shop:nope", &id, &f->err), CRM_ERR_NOTFOUND);
	assert_string_equal(f->err.message, "no customer shop:nope");
	assert_int_equal(crm_customer_find(f->db, "7", &id, &f->err), CRM_ERR_NOTFOUND);
	assert_string_equal(f->err.message, "no customer 7");
	assert_int_equal(crm_customer_find(f->db, "shop:", &id, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_customer_find(f->db, ":k", &id, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_customer_find(f->db, "", &id, &f->err), CRM_ERR_INVALID);
}

static void test_catalogue(void **state)
{
	const struct crm_customer_table *t;
	size_t n = 0;

	(void)state;
	assert_string_equal(crm_customer_tables[0].tbl, "customers");
	assert_true(crm_customer_tables[0].flags & CRM_CT_SELF);
	for (t = crm_customer_tables; t->tbl; t++, n++) {
		assert_true(crm_table_logged(t->tbl));
		assert_ptr_equal(crm_customer_table(t->tbl), t);
	}
	assert_int_equal(n, 8);
	assert_true(crm_customer_table("orders")->flags & CRM_CT_MOVES);
	assert_true(crm_customer_table("segment_members")->flags & CRM_CT_HISTORY);
	assert_null(crm_customer_table("segment_snapshots"));
	assert_true(crm_table_logged("segment_snapshots"));
	assert_true(crm_customer_table("rfm_scores")->flags & CRM_CT_HISTORY);
	assert_true(crm_customer_table("dedupe_decisions")->flags & CRM_CT_HISTORY);
	assert_null(crm_customer_table("segments"));
	assert_null(crm_customer_table(NULL));
	assert_true(crm_table_logged("segments"));
	assert_false(crm_table_logged("changes"));
	assert_false(crm_table_logged(NULL));
}

/* Every logged table has an integer id, rfm_scores and export_customers included. */
static void test_every_logged_table_has_an_id(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; crm_logged_tables[i]; i++) {
		struct crm_stmt *st;
		int found = 0;

		assert_int_equal(crm_stmt_prepare(f->db, "SELECT type FROM pragma_table_info(?1)"
						  " WHERE name = 'id' AND pk = 1", &st, &f->err),
				 CRM_OK);
		crm_stmt_bind_str(st, 1, crm_logged_tables[i]);
		assert_int_equal(crm_stmt_one(st, &found, "test", &f->err), CRM_OK);
		if (!found)
			fail_msg("%s has no id primary key", crm_logged_tables[i]);
		assert_string_equal(crm_stmt_text(st, 0), "INTEGER");
		crm_stmt_free(st);
	}
}

/*
 * An id, once used, is never handed out again: not after the newest rows
 * go, by crm or by anyone's SQL, since the log still names them.
 */
static void test_id_next_never_reuses(void **state)
{
	struct fx *f = *state;
	struct crm_run *r;
	int64_t next = 0, id;

	assert_int_equal(crm_id_next(f->db, "customers", &next, &f->err), CRM_OK);
	assert_int_equal(next, 1);
	assert_int_equal(crm_run_begin(f->db, "test", 2, argv0, 0, &r, &f->err), CRM_OK);
	for (id = 1; id <= 3; id++) {
		customers(f, 1);
		assert_int_equal(crm_audit_insert(crm_run_audit(r), "customers", id, &f->err),
				 CRM_OK);
	}
	assert_int_equal(crm_run_finish(r, CRM_RUN_OK, &f->err), CRM_OK);
	crm_run_free(r);
	assert_int_equal(crm_id_next(f->db, "customers", &next, &f->err), CRM_OK);
	assert_int_equal(next, 4);
	/* The newest rows go: their ids are still the log's, one insert range 1-3. */
	fx_exec(f, "DELETE FROM customers WHERE id >= 2");
	assert_int_equal(crm_id_next(f->db, "customers", &next, &f->err), CRM_OK);
	assert_int_equal(next, 4);
	fx_exec(f, "DELETE FROM customers");
	assert_int_equal(crm_id_next(f->db, "customers", &next, &f->err), CRM_OK);
	assert_int_equal(next, 4);
	/* A row named by any other change counts too. */
	fx_exec(f, "INSERT INTO runs(command, argv, actor, host, started_at, status)"
		" VALUES ('t', '[]', 'a', 'h', 'x', 'ok');"
		"INSERT INTO changes(run_id, tbl, row_id, op, field, old_value, new_value)"
		" VALUES (2, 'customers', 9, 'delete', NULL, '{}', NULL)");
	assert_int_equal(crm_id_next(f->db, "customers", &next, &f->err), CRM_OK);
	assert_int_equal(next, 10);
	assert_int_equal(crm_id_next(f->db, "orders", &next, &f->err), CRM_OK);
	assert_int_equal(next, 1);
	assert_int_equal(crm_id_next(f->db, "changes", &next, &f->err), CRM_ERR_INTERNAL);
	assert_int_equal(crm_id_next(f->db, "x\"; DROP TABLE runs; --", &next, &f->err),
			 CRM_ERR_INTERNAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_finish_writes_status_and_counts),
		T(test_dry_run_leaves_nothing),
		T(test_abort_and_free_roll_back),
		T(test_parts_commit_one_by_one),
		T(test_parts_failed_end),
		T(test_dry_parts),
		T(test_counts_json_empty),
		T(test_resolve_follows_merges),
		T(test_find_by_id_and_source_key),
		cmocka_unit_test(test_catalogue),
		T(test_every_logged_table_has_an_id),
		T(test_id_next_never_reuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
