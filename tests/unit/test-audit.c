/*
 * The audit core: runs and changes live and die with the transaction of
 * the change they describe, and keep values with their types.
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

#include "dbfixture.h"

static long long count(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t insert_customer(struct fx *f, const char *name)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db),
		"INSERT INTO customers(name, email, consent_email, created_at, updated_at)"
		" VALUES (?1, 'a@example.jp', 1, '2025-01-01T00:00:00.000Z',"
		" '2025-01-01T00:00:00.000Z')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(crm_db_sqlite(f->db));
}

static struct crm_audit *start(struct fx *f)
{
	static char *argv[] = { "crm", "--db", "x.db", "import", "名簿.csv", NULL };
	struct crm_audit *a = NULL;

	assert_int_equal(crm_db_begin(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_audit_start(f->db, "import", 5, argv, &a, &f->err), CRM_OK);
	return a;
}

static void test_run_row(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);

	assert_true(crm_audit_run_id(a) > 0);
	fx_assert_query(f, "SELECT command || '|' || argv || '|' || actor || '|' || status FROM runs",
		     "import|[\"crm\",\"--db\",\"x.db\",\"import\",\"名簿.csv\"]|tester|running");
	assert_int_equal(count(f, "SELECT count(*) FROM runs WHERE host <> '' AND finished_at IS NULL"
			       " AND started_at GLOB '20[0-9][0-9]-[01][0-9]-[0-3][0-9]T*Z'"), 1);
	assert_int_equal(crm_audit_finish(a, "ok", "{\"new\":3}", &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	fx_assert_query(f, "SELECT status || ' ' || counts FROM runs", "ok {\"new\":3}");
	assert_int_equal(count(f, "SELECT count(*) FROM runs WHERE finished_at >= started_at"), 1);
}

static void test_start_needs_transaction(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = NULL;
	char *argv[] = { "crm", NULL };

	assert_int_equal(crm_audit_start(f->db, "x", 1, argv, &a, &f->err), CRM_ERR_INTERNAL);
	assert_null(a);
	assert_int_equal(count(f, "SELECT count(*) FROM runs"), 0);
}

static void test_changes_keep_types(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田太郎");
	struct crm_value old_text = crm_value_text("007"), new_int = crm_value_int(7);
	struct crm_value null = crm_value_null(), name = crm_value_text("山田 太郎");

	assert_int_equal(crm_audit_insert(a, "customers", id, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "no_such_table", id, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_audit_update(a, "customers", id, "rank", &old_text, &new_int,
					  &f->err), CRM_OK);
	assert_int_equal(crm_audit_update(a, "customers", id, "name", &null, &name, &f->err),
			 CRM_OK);
	assert_int_equal(crm_audit_update(a, "customers", id, "", &null, &name, &f->err),
			 CRM_ERR_INVALID);
	assert_int_equal(crm_audit_finish(a, "ok", NULL, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);

	assert_int_equal(count(f, "SELECT count(*) FROM changes"), 3);
	/* The insert names its rows, first to last; their values are the rows' own. */
	fx_assert_query(f, "SELECT op || ' ' || tbl || ' ' || (row_id = 1) || ' ' ||"
		     " (old_value IS NULL) || ' ' || new_value FROM changes WHERE op = 'insert'",
		     "insert customers 1 1 1");
	/* '007' stays text and 7 stays an integer: no affinity rewrote them. */
	fx_assert_query(f, "SELECT typeof(old_value) || ' ' || old_value || ' ' ||"
		     " typeof(new_value) || ' ' || new_value FROM changes WHERE field = 'rank'",
		     "text 007 integer 7");
	fx_assert_query(f, "SELECT typeof(old_value) || ' ' || new_value FROM changes"
		     " WHERE field = 'name'", "null 山田 太郎");
}

static void test_rollback_leaves_no_log(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "佐藤");

	assert_int_equal(crm_audit_insert(a, "customers", id, &f->err), CRM_OK);
	crm_db_rollback(f->db);
	crm_audit_free(a);
	assert_int_equal(count(f, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM changes"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM customers"), 0);
}

static void test_delete_and_merge_keep_whole_row(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t keep = insert_customer(f, "髙橋"), gone = insert_customer(f, "高橋");
	char *json = NULL;

	assert_int_equal(crm_audit_merge(a, "customers", gone, keep, &f->err), CRM_OK);
	assert_int_equal(crm_audit_delete(a, "customers", keep, &f->err), CRM_OK);
	assert_int_equal(crm_audit_delete(a, "customers", 9999, &f->err), CRM_ERR_NOTFOUND);
	assert_int_equal(crm_audit_delete(a, "no_such_table", keep, &f->err), CRM_ERR_INVALID);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);

	fx_assert_query(f, "SELECT json_extract(old_value, '$.name') || ' ' || new_value"
		     " FROM changes WHERE op = 'merge'", "高橋 1");
	fx_assert_query(f, "SELECT json_extract(old_value, '$.name') || ' ' ||"
		     " json_extract(old_value, '$.created_at') FROM changes WHERE op = 'delete'",
		     "髙橋 2025-01-01T00:00:00.000Z");
	/* Every column of the table is in the captured row. */
	assert_int_equal(count(f, "SELECT count(*) FROM json_each((SELECT old_value FROM changes"
			       " WHERE op = 'delete'))"),
			 count(f, "SELECT count(*) FROM pragma_table_info('customers')"));

	assert_int_equal(crm_audit_row_json(f->db, "customers", keep, &json, &f->err), CRM_OK);
	assert_non_null(strstr(json, "\"name\":\"髙橋\""));
	free(json);
	assert_int_equal(crm_audit_row_json(f->db, "customers", 4242, &json, &f->err),
			 CRM_ERR_NOTFOUND);
	assert_null(json);
	assert_int_equal(crm_audit_table_known("orders"), 1);
	assert_int_equal(crm_audit_table_known("sqlite_schema"), 0);
}

/*
 * Every table the customer catalogue says the log can capture is captured
 * whole: rfm_scores and export_customers, which have had an id since
 * schema 7, as well as the others.
 */
static void test_every_logged_table_is_captured(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");
	int64_t run = crm_audit_run_id(a);
	char sql[512], *json = NULL;
	size_t i;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO rfm_scores(run_id, customer_id, as_of, r_score, segment, thresholds)"
		 " VALUES (%lld, %lld, '2025-06-30', 5, 'champions', '{\"r\":[30,90]}');"
		 "INSERT INTO exports(run_id, actor, at, row_count)"
		 " VALUES (%lld, 'tester', '2025-06-30T00:00:00.000Z', 1);"
		 "INSERT INTO export_customers(export_id, customer_id)"
		 " VALUES (last_insert_rowid(), %lld)",
		 (long long)run, (long long)id, (long long)run, (long long)id);
	assert_int_equal(sqlite3_exec(crm_db_sqlite(f->db), sql, NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; crm_logged_tables[i]; i++)
		assert_int_equal(crm_audit_table_known(crm_logged_tables[i]), 1);

	assert_int_equal(crm_audit_row_json(f->db, "rfm_scores", 1, &json, &f->err), CRM_OK);
	assert_non_null(strstr(json, "\"segment\":\"champions\""));
	assert_non_null(strstr(json, "\"id\":1"));
	free(json);
	assert_int_equal(crm_audit_row_json(f->db, "export_customers", 1, &json, &f->err),
			 CRM_OK);
	snprintf(sql, sizeof(sql), "{\"id\":1,\"export_id\":1,\"customer_id\":%lld}",
		 (long long)id);
	assert_string_equal(json, sql);
	free(json);

	assert_int_equal(crm_audit_delete(a, "export_customers", 1, &f->err), CRM_OK);
	assert_int_equal(crm_audit_delete(a, "rfm_scores", 1, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	fx_assert_query(f, "SELECT group_concat(tbl || ':' || row_id, ' ') FROM"
		     " (SELECT tbl, row_id FROM changes WHERE op = 'delete' ORDER BY id)",
		     "export_customers:1 rfm_scores:1");
	fx_assert_query(f, "SELECT json_extract(old_value, '$.thresholds') FROM changes"
		     " WHERE tbl = 'rfm_scores'", "{\"r\":[30,90]}");
	assert_int_equal(count(f, "SELECT count(*) FROM json_each((SELECT old_value FROM changes"
			       " WHERE tbl = 'rfm_scores'))"),
			 count(f, "SELECT count(*) FROM pragma_table_info('rfm_scores')"));
}

static void test_change_outside_transaction(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	struct crm_value v = crm_value_int(1);

	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_audit_update(a, "customers", 1, "rank", &v, &v, &f->err),
			 CRM_ERR_INTERNAL);
	crm_audit_free(a);
	assert_int_equal(count(f, "SELECT count(*) FROM changes"), 0);
}

static void test_insert_ranges(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	struct crm_value v = crm_value_int(3);
	int64_t i;

	/* Consecutive ids of one table are one row; two tables keep their order. */
	for (i = 1; i <= 1000; i++) {
		assert_int_equal(crm_audit_insert(a, "customers", i, &f->err), CRM_OK);
		assert_int_equal(crm_audit_insert(a, "source_records", i, &f->err), CRM_OK);
	}
	/* A gap starts a new range. */
	assert_int_equal(crm_audit_insert(a, "customers", 1002, &f->err), CRM_OK);
	/* Any other change writes the pending ranges first: the log keeps order. */
	assert_int_equal(crm_audit_update(a, "customers", 1002, "rank", NULL, &v, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "customers", 1003, &f->err), CRM_OK);
	/* No explicit flush: the commit itself writes what is pending. */
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	fx_assert_query(f, "SELECT group_concat(tbl || ':' || op || ':' || row_id || ':' ||"
		     " coalesce(new_value, ''), ' ') FROM (SELECT * FROM changes ORDER BY id)",
		     "customers:insert:1:1000 source_records:insert:1:1000 customers:insert:1002:1002 "
		     "customers:update:1002:3 customers:insert:1003:1003");

	/* A rollback forgets pending ranges with the rows they named. */
	assert_int_equal(crm_db_begin(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "customers", 2000, &f->err), CRM_OK);
	crm_db_rollback(f->db);
	assert_int_equal(crm_db_begin(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "orders", 7, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM changes WHERE row_id = 2000"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM changes WHERE tbl = 'orders' AND row_id = 7"), 1);
	crm_audit_free(a);
	/* With the run freed, commits no longer call into it. */
	assert_int_equal(crm_db_begin(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
}

static void test_actor(void **state)
{
	(void)state;
	setenv("CRM_USER", "鈴木", 1);
	assert_string_equal(crm_actor(), "鈴木");
	unsetenv("CRM_USER");
	assert_true(strlen(crm_actor()) > 0);
	assert_string_not_equal(crm_actor(), "鈴木");
}


/* The chain follows the documented bytes: these hashes were computed from
 * crm-log(1)'s description by an independent script (Python's hashlib). */
static void test_chain_known_answer(void **state)
{
	struct crm_chain_link l = {
		.id = 1, .run_id = 1, .tbl = "customers", .row_id = 42, .op = "update",
		.actor = "tester", .command = "import", .started_at = "2026-11-24T09:00:00.000Z",
	};
	char a[CRM_HASH_HEX_LEN + 1], b[CRM_HASH_HEX_LEN + 1];

	(void)state;
	l.field = crm_value_text("email");
	l.old_value = crm_value_text("taro@example.jp");
	l.new_value = crm_value_text("山田@example.jp");
	crm_chain_hash(NULL, &l, a);
	assert_string_equal(a, "f0332b4227cb330758b4fd43c26eae892f828b114d093ab481dc342545a8ad2e");
	l.id = 2;
	l.field = crm_value_text("phone");
	l.old_value = crm_value_int(7);
	l.new_value = crm_value_null();
	crm_chain_hash(a, &l, b);
	assert_string_equal(b, "62b6ed0721f803bb9c56f928f1d5685209cd67cdfac65615d1c9e3b66bc13e89");
	/* The integer 7 and the text '7' hash apart. */
	l.old_value = crm_value_text("7");
	crm_chain_hash(a, &l, a);
	assert_string_not_equal(a, b);
}

/* Two runs in two transactions, inserts and updates: one unbroken chain. */
static void log_two_runs(struct fx *f)
{
	struct crm_value o = crm_value_int(7), n = crm_value_text("7");
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(crm_audit_insert(a, "customers", id, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "customers", insert_customer(f, "佐藤"), &f->err), CRM_OK);
	assert_int_equal(crm_audit_update(a, "customers", id, "rank", &o, &n, &f->err), CRM_OK);
	assert_int_equal(crm_audit_finish(a, "ok", NULL, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	a = start(f);
	assert_int_equal(crm_audit_update(a, "customers", id, "name", &n, &o, &f->err), CRM_OK);
	assert_int_equal(crm_audit_delete(a, "customers", id, &f->err), CRM_OK);
	assert_int_equal(crm_audit_finish(a, "ok", NULL, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
}

static void test_chain_verifies(void **state)
{
	struct fx *f = *state;
	struct crm_chain_break brk;

	log_two_runs(f);
	assert_int_equal(count(f, "SELECT count(*) FROM changes WHERE length(hash) = 64"), 4);
	assert_int_equal(crm_chain_verify(f->db, &brk, &f->err), CRM_OK);
	assert_int_equal(brk.id, 0);
	assert_int_equal(brk.checked, 4);
}

static void assert_breaks_at(struct fx *f, const char *sql, int64_t at)
{
	struct crm_chain_break brk;

	assert_int_equal(sqlite3_exec(crm_db_sqlite(f->db), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(crm_chain_verify(f->db, &brk, &f->err), CRM_OK);
	assert_int_equal(brk.id, at);
}

static void test_chain_detects_edits(void **state)
{
	struct fx *f = *state;

	log_two_runs(f);
	/* The same digits as text instead of an integer. */
	assert_breaks_at(f, "UPDATE changes SET old_value = '7' WHERE id = 2", 2);
	assert_breaks_at(f, "UPDATE changes SET old_value = 7 WHERE id = 2", 0);
	assert_breaks_at(f, "UPDATE runs SET started_at = '2020-01-01T00:00:00.000Z' WHERE id = 2", 3);
}

static void test_chain_detects_removed_rows(void **state)
{
	struct fx *f = *state;

	log_two_runs(f);
	assert_breaks_at(f, "DELETE FROM changes WHERE id = 2", 3);
}

/* Rows without a hash (schema 1) are sealed; the chain then holds. */
static void test_chain_seal(void **state)
{
	struct fx *f = *state;

	log_two_runs(f);
	assert_breaks_at(f, "UPDATE changes SET hash = NULL WHERE id >= 2", 2);
	assert_int_equal(crm_db_begin(f->db, &f->err), CRM_OK);
	assert_int_equal(crm_chain_seal(f->db, 2, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	assert_breaks_at(f, "SELECT 1", 0);
	assert_int_equal(crm_chain_seal(f->db, 1, &f->err), CRM_ERR_INTERNAL);
}

/* Writes a schema 1 database at path whose log has two rows and no hashes. */
static void write_schema1(const char *path)
{
	char sql[256];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, crm_migrations[0].sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 1; PRAGMA application_id = %d",
		 CRM_APPLICATION_ID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO runs(command, argv, actor, host, started_at, status)"
		" VALUES ('import', '[]', 'old', 'h', '2025-01-01T00:00:00.000Z', 'ok');"
		"INSERT INTO changes(run_id, tbl, row_id, op, new_value)"
		" VALUES (1, 'customers', 1, 'insert', 1);"
		"INSERT INTO changes(run_id, tbl, row_id, op, field, old_value, new_value)"
		" VALUES (1, 'customers', 1, 'update', 'name', '旧', '旧 太郎')",
		NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/*
 * The database layer knows nothing of the log: the migration seals the
 * old rows through the hook the program sets, in the migration's own
 * transaction, and without it leaves them as they were.
 */
static void test_migration_seals_through_hook(void **state)
{
	struct fx *f = *state;
	struct crm_chain_break brk;
	struct crm_db *db = NULL;
	char path[160];
	int hooked;

	for (hooked = 0; hooked < 2; hooked++) {
		snprintf(path, sizeof(path), "%s/old%d.db", f->dir, hooked);
		write_schema1(path);
		crm_db_set_migrate_hook(hooked ? crm_chain_seal_unsealed : NULL);
		assert_int_equal(crm_db_open(&db, path, CRM_DB_WRITE, 1000, &f->err), CRM_OK);
		crm_db_set_migrate_hook(NULL);
		assert_int_equal(crm_db_opened_version(db), 1);
		assert_int_equal(crm_chain_verify(db, &brk, &f->err), CRM_OK);
		assert_int_equal(brk.id, hooked ? 0 : 1);
		assert_int_equal(brk.checked, hooked ? 2 : 1);
		/* Sealed, the log has nothing left to seal: a wrong hash stays wrong. */
		assert_int_equal(crm_db_begin(db, &f->err), CRM_OK);
		if (hooked) {
			assert_int_equal(sqlite3_exec(crm_db_sqlite(db), "UPDATE changes SET hash"
						      " = 'x' WHERE id = 2", NULL, NULL, NULL),
					 SQLITE_OK);
			assert_int_equal(crm_chain_seal_unsealed(db, &f->err), CRM_OK);
			assert_int_equal(crm_chain_verify(db, &brk, &f->err), CRM_OK);
			assert_int_equal(brk.id, 2);
		}
		crm_db_rollback(db);
		crm_db_close(db);
	}
}

/* Logs field "f<i>" of customer id, old value i as text, new value i or NULL. */
static void log_numbered(struct fx *f, struct crm_audit *a, int64_t id, int from, int to)
{
	char old[16];
	int i;

	for (i = from; i < to; i++) {
		char field[16];
		struct crm_value o, n = i % 5 ? crm_value_int(i) : crm_value_null();

		snprintf(field, sizeof(field), "f%d", i);
		snprintf(old, sizeof(old), "%03d", i);
		o = crm_value_text(old);
		assert_int_equal(crm_audit_update(a, "customers", id, field, &o, &n, &f->err),
				 CRM_OK);
		/* The log took a copy: the caller's memory is its own again. */
		memset(field, 'x', sizeof(field) - 1);
		memset(old, 'x', sizeof(old) - 1);
	}
}

/* Every numbered row from..to-1 is there, in id order, with its values and types. */
static void assert_numbered(struct fx *f, int from, int to, int64_t first_id)
{
	sqlite3_stmt *st;
	int i;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(f->db),
		"SELECT id, field, old_value, typeof(old_value), new_value, typeof(new_value)"
		" FROM changes WHERE op = 'update' ORDER BY id", -1, &st, NULL), SQLITE_OK);
	for (i = from; i < to; i++) {
		char want[16];

		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), first_id + i - from);
		snprintf(want, sizeof(want), "f%d", i);
		assert_string_equal((const char *)sqlite3_column_text(st, 1), want);
		snprintf(want, sizeof(want), "%03d", i);
		assert_string_equal((const char *)sqlite3_column_text(st, 2), want);
		assert_string_equal((const char *)sqlite3_column_text(st, 3), "text");
		assert_string_equal((const char *)sqlite3_column_text(st, 5),
				    i % 5 ? "integer" : "null");
		if (i % 5)
			assert_int_equal(sqlite3_column_int64(st, 4), i);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void assert_chain_intact(struct fx *f, int64_t rows)
{
	struct crm_chain_break brk;

	assert_int_equal(crm_chain_verify(f->db, &brk, &f->err), CRM_OK);
	assert_int_equal(brk.id, 0);
	assert_int_equal(brk.checked, rows);
}

/*
 * Batched rows (n of them, with the library allowing max_params parameters
 * to a statement): copied, in order, chained, whole batches and parts.
 */
static void check_batch(struct fx *f, int n, int max_params)
{
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	if (max_params)
		sqlite3_limit(crm_db_sqlite(f->db), SQLITE_LIMIT_VARIABLE_NUMBER, max_params);
	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	assert_int_equal(crm_audit_insert(a, "customers", id, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, n);
	assert_int_equal(crm_audit_flush(a, &f->err), CRM_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM changes"), n + 1);
	/* The insert range, begun first, is first. */
	assert_int_equal(count(f, "SELECT id FROM changes WHERE op = 'insert'"), 1);
	log_numbered(f, a, id, n, n + 5);
	assert_int_equal(crm_audit_finish(a, "ok", NULL, &f->err), CRM_OK);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	assert_numbered(f, 0, n + 5, 2);
	assert_chain_intact(f, n + 6);
}

/* More than two batches of the largest size. */
static void test_batch_writes_every_row(void **state)
{
	check_batch(*state, 2500, 0);
}

/* A library with a low limit on parameters: smaller batches (of 8 rows). */
static void test_batch_within_parameter_limit(void **state)
{
	check_batch(*state, 30, 100);
}

/* A limit too low for two rows: one row at a time. */
static void test_batch_of_one(void **state)
{
	check_batch(*state, 3, 10);
}

/* The commit writes what is held, without a flush. */
static void test_batch_commit_writes_held_rows(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, 3);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	assert_numbered(f, 0, 3, 1);
	assert_chain_intact(f, 3);
}

/* Rows held after a savepoint go with its rollback; those before stay. */
static void test_batch_rollback_to_savepoint(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, 5);
	assert_int_equal(crm_db_savepoint(f->db, &f->err), CRM_OK);
	log_numbered(f, a, id, 100, 140);
	crm_db_rollback_to_savepoint(f->db);
	log_numbered(f, a, id, 5, 8);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	assert_numbered(f, 0, 8, 1);
	assert_chain_intact(f, 8);
}

static void test_batch_rollback_leaves_no_log(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, 40);
	crm_db_rollback(f->db);
	crm_audit_free(a);
	assert_int_equal(count(f, "SELECT count(*) FROM changes"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM runs"), 0);
}

/*
 * A batch that fails to go out leaves a gap in the chain: the run refuses
 * to log more, and its commit fails, so no broken chain is ever committed.
 */
static void test_batch_failure_ends_logging(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(sqlite3_exec(crm_db_sqlite(f->db),
		"CREATE TEMP TRIGGER no_f20 BEFORE INSERT ON changes WHEN NEW.field = 'f20'"
		" BEGIN SELECT RAISE(FAIL, 'no f20'); END", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, 30);
	assert_int_not_equal(crm_audit_flush(a, &f->err), CRM_OK);
	assert_non_null(strstr(f->err.message, "no f20"));
	{
		struct crm_value o = crm_value_text("x"), n = crm_value_text("y");

		assert_int_equal(crm_audit_update(a, "customers", id, "name", &o, &n, &f->err),
				 CRM_ERR_INTERNAL);
		assert_non_null(strstr(f->err.message, "must be rolled back"));
	}
	assert_int_not_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	crm_audit_free(a);
	assert_int_equal(count(f, "SELECT count(*) FROM changes"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM runs"), 0);
}

/* A run freed before its commit has still logged what it holds. */
static void test_batch_free_writes_held_rows(void **state)
{
	struct fx *f = *state;
	struct crm_audit *a = start(f);
	int64_t id = insert_customer(f, "山田");

	assert_int_equal(crm_audit_batch(a, &f->err), CRM_OK);
	log_numbered(f, a, id, 0, 10);
	crm_audit_free(a);
	assert_int_equal(crm_db_commit(f->db, &f->err), CRM_OK);
	assert_numbered(f, 0, 10, 1);
	assert_chain_intact(f, 10);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_run_row),
		T(test_start_needs_transaction),
		T(test_changes_keep_types),
		T(test_rollback_leaves_no_log),
		T(test_delete_and_merge_keep_whole_row),
		T(test_every_logged_table_is_captured),
		T(test_change_outside_transaction),
		T(test_insert_ranges),
		cmocka_unit_test(test_actor),
		cmocka_unit_test(test_chain_known_answer),
		T(test_chain_verifies),
		T(test_chain_detects_edits),
		T(test_chain_detects_removed_rows),
		T(test_batch_writes_every_row),
		T(test_batch_within_parameter_limit),
		T(test_batch_of_one),
		T(test_batch_commit_writes_held_rows),
		T(test_batch_rollback_to_savepoint),
		T(test_batch_rollback_leaves_no_log),
		T(test_batch_failure_ends_logging),
		T(test_batch_free_writes_held_rows),
		T(test_chain_seal),
		T(test_migration_seals_through_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
