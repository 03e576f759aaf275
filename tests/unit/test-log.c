/*
 * The revert engine on the change operations themselves: merges undone
 * with their re-pointed rows, deleted rows put back byte for byte,
 * conflicts with later runs refused or, forced, listed; and erasure.
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

#include "dbint.h"
#include "crm.h"
#include "chain.h"
#include "forget.h"
#include "history.h"
#include "revert.h"

#include "dbfixture.h"

/* Every row of the tables a revert restores, with types, as one string. */
static char *dump(struct fx *f)
{
	static const char *const tables[] = { "customers", "source_records", "orders" };
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	size_t t;

	for (t = 0; t < 3; t++) {
		char *json;
		sqlite3_stmt *st;
		char sql[64];

		snprintf(sql, sizeof(sql), "SELECT id FROM %s ORDER BY id", tables[t]);
		assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db), sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			assert_int_equal(crm_audit_row_json(f->db, tables[t], sqlite3_column_int64(st, 0),
							    &json, &f->err), CRM_OK);
			crm_strbuf_addstr(&sb, json);
			crm_strbuf_addch(&sb, '\n');
			free(json);
		}
		sqlite3_finalize(st);
	}
	return crm_strbuf_detach(&sb, NULL);
}

/* The test's run while one is open; f->run is its audit trail. */
static struct crm_run *run;

static void begin(struct fx *f)
{
	static char *argv[] = { "crm", "test", NULL };

	assert_int_equal(crm_run_begin(f->db, "test", 2, argv, 0, &run, &f->err), CRM_OK);
	f->run = crm_run_audit(run);
}

static void commit(struct fx *f)
{
	assert_int_equal(crm_run_finish(run, CRM_RUN_OK, &f->err), CRM_OK);
	crm_run_free(run);
	run = NULL;
	f->run = NULL;
}

static void abort_run(struct fx *f)
{
	crm_run_free(run);
	run = NULL;
	f->run = NULL;
}

static enum crm_status revert(struct fx *f, int64_t target, int force,
			      struct crm_revert_result *res)
{
	enum crm_status s;

	begin(f);
	s = crm_log_revert(run, target, force, res, &f->err);
	if (s)
		abort_run(f);
	else
		commit(f);
	return s;
}

/* Run 1: two customers, the second with a source record and an order. */
static void base(struct fx *f)
{
	int64_t i;

	begin(f);
	fx_exec(f, "INSERT INTO customers(id, name, email, created_at, updated_at) VALUES"
		" (1, '山田 太郎', 'taro@example.jp', 't0', 't0'),"
		" (2, '山田太郎', '007', 't0', 't0');"
		"INSERT INTO source_records(id, source, source_key, customer_id, run_id, raw)"
		" VALUES (1, 'web', 'W1', 2, 1, '{\"氏名\":\"山田太郎\"}');"
		"INSERT INTO orders(id, customer_id, source, order_key, amount, run_id)"
		" VALUES (1, 2, 'web', 'A-1', 15000000, 1)");
	for (i = 1; i <= 2; i++)
		assert_int_equal(crm_audit_insert(f->run, "customers", i, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(f->run, "source_records", 1, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(f->run, "orders", 1, &f->err), CRM_OK);
	commit(f);
}

static void update(struct fx *f, const char *tbl, int64_t id, const char *field,
		   struct crm_value o, struct crm_value n)
{
	struct crm_stmt *st;
	char sql[128];

	assert_int_equal(crm_audit_update(f->run, tbl, id, field, &o, &n, &f->err), CRM_OK);
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2", tbl, field);
	assert_int_equal(crm_stmt_prepare(f->db, sql, &st, &f->err), CRM_OK);
	crm_stmt_bind_value(st, 1, &n);
	crm_stmt_bind_int(st, 2, id);
	assert_int_equal(crm_stmt_step(st), CRM_STEP_DONE);
	crm_stmt_free(st);
}

/* A dedupe-like merge: customer 2 into 1, its rows re-pointed. */
static void test_revert_unmerges(void **state)
{
	struct fx *f = *state;
	struct crm_revert_result res;
	char *before, *after;

	base(f);
	before = dump(f);
	begin(f);
	assert_int_equal(crm_audit_merge(f->run, "customers", 2, 1, &f->err), CRM_OK);
	fx_exec(f, "UPDATE customers SET merged_into = 1, updated_at = 't1' WHERE id = 2");
	update(f, "source_records", 1, "customer_id", crm_value_int(2), crm_value_int(1));
	update(f, "orders", 1, "customer_id", crm_value_int(2), crm_value_int(1));
	update(f, "customers", 1, "email", crm_value_text("taro@example.jp"), crm_value_text("t@example.jp"));
	commit(f);
	assert_int_equal(revert(f, 2, 0, &res), CRM_OK);
	assert_int_equal(res.nconflicts, 0);
	assert_int_equal(res.restored, 5);  /* merged_into, updated_at, two re-points, email */
	after = dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	crm_revert_result_release(&res);
}

static void test_revert_puts_deleted_rows_back(void **state)
{
	struct fx *f = *state;
	struct crm_revert_result res;
	char *before, *after;

	base(f);
	before = dump(f);
	begin(f);
	assert_int_equal(crm_audit_delete(f->run, "orders", 1, &f->err), CRM_OK);
	fx_exec(f, "DELETE FROM orders WHERE id = 1");
	commit(f);
	assert_int_equal(revert(f, 2, 0, &res), CRM_OK);
	assert_int_equal(res.reinserted, 1);
	after = dump(f);
	assert_string_equal(before, after);   /* the integer amount and text '007' kept */
	free(before);
	free(after);
	crm_revert_result_release(&res);
}

static void test_revert_refuses_what_later_runs_built_on(void **state)
{
	struct fx *f = *state;
	struct crm_revert_result res;
	char *counts;

	base(f);
	begin(f);
	update(f, "customers", 1, "email", crm_value_text("taro@example.jp"), crm_value_text("b@example.jp"));
	update(f, "customers", 1, "name", crm_value_text("山田 太郎"), crm_value_text("山田 太朗"));
	commit(f);
	begin(f);
	update(f, "customers", 1, "email", crm_value_text("b@example.jp"), crm_value_text("c@example.jp"));
	commit(f);
	assert_int_equal(revert(f, 2, 0, &res), CRM_ERR_CONFLICT);
	assert_int_equal(res.nconflicts, 1);
	assert_string_equal(res.conflicts[0].field, "email");
	assert_string_equal(res.conflicts[0].reason, "changed by run 3 (test)");
	crm_revert_result_release(&res);
	/* Nothing changed: the name is still run 2's. */
	assert_int_equal(revert(f, 1, 0, &res), CRM_ERR_CONFLICT);
	crm_revert_result_release(&res);
	/* Forced: the name goes back, the email stays and is listed. */
	assert_int_equal(revert(f, 2, 1, &res), CRM_OK);
	assert_int_equal(res.restored, 1);
	assert_int_equal(res.nconflicts, 1);
	crm_revert_result_release(&res);
	counts = fx_text(f, "SELECT counts FROM runs WHERE id = 4");
	assert_string_equal(counts, "{\"reverted\":2,\"restored\":1,\"deleted\":0,"
			    "\"reinserted\":0,\"left\":1}");
	free(counts);
	assert_int_equal(revert(f, 2, 0, &res), CRM_ERR_CONFLICT);   /* already reverted */
	assert_non_null(strstr(f->err.message, "already reverted by run 4"));
	crm_revert_result_release(&res);
}

/* A run that added a customer cannot be undone under a later run's order. */
static void test_revert_keeps_rows_later_runs_hang_on(void **state)
{
	struct fx *f = *state;
	struct crm_revert_result res;

	base(f);
	begin(f);
	fx_exec(f, "INSERT INTO orders(id, customer_id, source, order_key, run_id)"
		" VALUES (2, 1, 'web', 'A-2', 2)");
	assert_int_equal(crm_audit_insert(f->run, "orders", 2, &f->err), CRM_OK);
	commit(f);
	assert_int_equal(revert(f, 1, 0, &res), CRM_ERR_CONFLICT);
	assert_int_equal(res.nconflicts, 1);
	assert_string_equal(res.conflicts[0].reason, "orders row 2 of run 2 belongs to it");
	crm_revert_result_release(&res);
}

static void test_forget(void **state)
{
	struct fx *f = *state;
	struct crm_forget_result res;
	struct crm_chain_break brk;
	sqlite3_stmt *st;
	char *counts, *removed;

	base(f);
	begin(f);
	update(f, "customers", 2, "email", crm_value_text("007"), crm_value_text("hanako@example.jp"));
	assert_int_equal(crm_audit_merge(f->run, "customers", 2, 1, &f->err), CRM_OK);
	fx_exec(f, "UPDATE customers SET merged_into = 1 WHERE id = 2");
	commit(f);
	begin(f);
	assert_int_equal(crm_log_forget(run, &(struct crm_forget_target){ .id = 1, .live = 1 }, "request 1",
					 &res, &f->err), CRM_OK);
	commit(f);
	assert_int_equal(res.customers, 2);          /* the person and the row merged into them */
	assert_int_equal(res.source_records, 1);
	assert_int_equal(res.orders, 1);
	assert_int_equal(res.changes_blanked, 2);
	/* The run and the tombstone count the same, by the same names. */
	counts = fx_text(f, "SELECT counts FROM runs WHERE id = 3");
	removed = fx_text(f, "SELECT removed FROM tombstones");
	assert_string_equal(counts, "{\"customers\":2,\"source_records\":1,\"orders\":1,"
			    "\"interactions\":0,\"changes_blanked\":2}");
	assert_string_equal(removed, counts);
	free(counts);
	free(removed);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db),
		"SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders)"
		" + (SELECT count(*) FROM changes WHERE old_value LIKE '%山田%' OR"
		"    new_value LIKE '%example%')", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	assert_int_equal(crm_chain_verify(f->db, &brk, &f->err), CRM_OK);
	assert_int_equal(brk.id, 0);
	/* An erasure is final. */
	{
		struct crm_revert_result r;

		assert_int_equal(revert(f, 3, 0, &r), CRM_ERR_INVALID);
		crm_revert_result_release(&r);
	}
}

static void test_forget_refuses_a_broken_chain(void **state)
{
	struct fx *f = *state;
	struct crm_forget_result res;

	base(f);
	fx_exec(f, "UPDATE changes SET new_value = 9 WHERE id = 1");
	begin(f);
	assert_int_equal(crm_log_forget(run, &(struct crm_forget_target){ .id = 1, .live = 1 }, "request",
					 &res, &f->err), CRM_ERR_CONFLICT);
	abort_run(f);
}

/* Run 2 adds customer 3; run 3 merges 3 into 2; run 4 merges 2 into 1. */
static void merge_chain(struct fx *f)
{
	base(f);
	begin(f);
	fx_exec(f, "INSERT INTO customers(id, name, email, created_at, updated_at)"
		" VALUES (3, '山田 たろう', 'old@example.jp', 't2', 't2')");
	assert_int_equal(crm_audit_insert(f->run, "customers", 3, &f->err), CRM_OK);
	update(f, "customers", 3, "email", crm_value_text("old@example.jp"),
	       crm_value_text("new@example.jp"));
	commit(f);
	begin(f);
	assert_int_equal(crm_audit_merge(f->run, "customers", 3, 2, &f->err), CRM_OK);
	fx_exec(f, "UPDATE customers SET merged_into = 2 WHERE id = 3");
	commit(f);
	begin(f);
	assert_int_equal(crm_audit_merge(f->run, "customers", 2, 1, &f->err), CRM_OK);
	fx_exec(f, "UPDATE customers SET merged_into = 1 WHERE id = 2");
	update(f, "source_records", 1, "customer_id", crm_value_int(2), crm_value_int(1));
	update(f, "orders", 1, "customer_id", crm_value_int(2), crm_value_int(1));
	commit(f);
}

/* A customer's history as "table row op field" lines. */
static char *history(struct fx *f, int64_t id)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	struct crm_rows *rows;
	int more;

	assert_int_equal(crm_log_customer(f->db, id, NULL, &rows, &f->err), CRM_OK);
	assert_string_equal(crm_rows_name(rows, 4), "table");
	while ((more = crm_rows_next(rows, &f->err)) > 0) {
		struct crm_value v[4];
		size_t i;

		for (i = 0; i < 4; i++) {
			v[i] = crm_rows_value(rows, 4 + i);
			if (v[i].type == CRM_VALUE_INT)
				crm_strbuf_addf(&sb, "%lld", v[i].i);
			else if (v[i].type == CRM_VALUE_TEXT)
				crm_strbuf_add(&sb, v[i].s, v[i].len);
			else
				crm_strbuf_addch(&sb, '-');
			crm_strbuf_addch(&sb, i < 3 ? ' ' : '\n');
		}
	}
	assert_int_equal(more, 0);
	crm_rows_free(rows);
	return crm_strbuf_detach(&sb, NULL);
}

/* A history is the survivor's and every customer's merged into it, however deep. */
static void test_history_follows_merges(void **state)
{
	struct fx *f = *state;
	char *h, *h3;
	int64_t id = 0;

	merge_chain(f);
	assert_int_equal(crm_customer_find(f->db, "3", &id, &f->err), CRM_OK);
	assert_int_equal(id, 1);
	h = history(f, 1);
	assert_non_null(strstr(h, "customers 1 insert -\n"));
	assert_non_null(strstr(h, "customers 3 insert -\n"));
	assert_non_null(strstr(h, "customers 3 update email\n"));
	assert_non_null(strstr(h, "customers 3 merge -\n"));
	assert_non_null(strstr(h, "customers 2 merge -\n"));
	assert_non_null(strstr(h, "orders 1 update customer_id\n"));
	/* Asked for by a merged customer's id, the history is the survivor's. */
	h3 = history(f, 3);
	assert_string_equal(h, h3);
	free(h);
	free(h3);
}

/* Forget of a merged customer erases the survivor and all merged into it, scores and export lines too. */
static void test_forget_follows_merges(void **state)
{
	struct fx *f = *state;
	struct crm_forget_result res;
	sqlite3_stmt *st;

	merge_chain(f);
	fx_exec(f, "INSERT INTO rfm_scores(run_id, customer_id, as_of) VALUES (2, 3, '2025-01-01');"
		"INSERT INTO exports(id, run_id, actor, at, purpose, row_count)"
		" VALUES (1, 2, 'tester', 't2', 'mail', 1);"
		"INSERT INTO export_customers(export_id, customer_id) VALUES (1, 2)");
	begin(f);
	assert_int_equal(crm_log_forget(run, &(struct crm_forget_target){ .id = 2, .live = 1 }, "request 2",
					 &res, &f->err), CRM_OK);
	commit(f);
	assert_int_equal(res.customers, 3);
	assert_int_equal(res.source_records, 1);
	assert_int_equal(res.orders, 1);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db),
		"SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM rfm_scores)"
		" + (SELECT count(*) FROM export_customers), (SELECT count(*) FROM exports),"
		" (SELECT customer_id FROM tombstones)", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	assert_int_equal(sqlite3_column_int(st, 1), 1);   /* the record of provision stays */
	assert_int_equal(sqlite3_column_int(st, 2), 1);   /* the survivor's id */
	sqlite3_finalize(st);
}

/* A customer a run added stays while a history table holds a row of it. */
static void test_revert_keeps_customers_with_history(void **state)
{
	struct fx *f = *state;
	struct crm_revert_result res;

	base(f);
	begin(f);
	fx_exec(f, "INSERT INTO rfm_scores(run_id, customer_id, as_of) VALUES (2, 1, '2025-01-01')");
	commit(f);
	assert_int_equal(revert(f, 1, 0, &res), CRM_ERR_CONFLICT);
	assert_int_equal(res.nconflicts, 1);
	assert_string_equal(res.conflicts[0].tbl, "customers");
	assert_string_equal(res.conflicts[0].reason, "rfm_scores row 1 of run 2 belongs to it");
	crm_revert_result_release(&res);
}

static void test_find_customer(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;

	base(f);
	assert_int_equal(crm_customer_find(f->db, "web:W1", &id, &f->err), CRM_OK);
	assert_int_equal(id, 2);
	assert_int_equal(crm_customer_find(f->db, "1", &id, &f->err), CRM_OK);
	assert_int_equal(id, 1);
	assert_int_equal(crm_customer_find(f->db, "3", &id, &f->err), CRM_ERR_NOTFOUND);
	assert_int_equal(crm_customer_find(f->db, "web:W2", &id, &f->err), CRM_ERR_NOTFOUND);
	assert_int_equal(crm_customer_find(f->db, ":W1", &id, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_customer_find(f->db, "web:", &id, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_customer_find(f->db, "", &id, &f->err), CRM_ERR_INVALID);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_revert_unmerges),
		T(test_revert_puts_deleted_rows_back),
		T(test_revert_refuses_what_later_runs_built_on),
		T(test_revert_keeps_rows_later_runs_hang_on),
		T(test_forget),
		T(test_forget_refuses_a_broken_chain),
		T(test_find_customer),
		T(test_history_follows_merges),
		T(test_forget_follows_merges),
		T(test_revert_keeps_customers_with_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
