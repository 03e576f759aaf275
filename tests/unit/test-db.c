/*
 * The database core: creation and permissions, pragmas, schema checks,
 * migrations and write transactions between processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbint.h"
#include "crm.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/crm-test-db-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/crm.db", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static struct crm_db *open_ok(const char *path, unsigned flags)
{
	struct crm_error err;
	struct crm_db *db = NULL;
	enum crm_status s = crm_db_open(&db, path, flags, 5000, &err);

	if (s)
		fail_msg("open %s: %s", path, err.message);
	return db;
}

static int query_int(struct crm_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Runs sql on path with a plain SQLite connection, outside crm. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void test_create_mode_and_pragmas(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db;
	struct stat st;
	mode_t old = umask(0);

	db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	umask(old);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(crm_db_created(db), 1);
	assert_int_equal(crm_db_opened_version(db), 0);
	assert_int_equal(crm_db_schema_version(db), crm_schema_version);
	assert_int_equal(query_int(db, "PRAGMA user_version"), crm_schema_version);
	assert_int_equal(query_int(db, "PRAGMA application_id"), CRM_APPLICATION_ID);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(query_int(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_int_equal(sqlite3_busy_timeout(crm_db_sqlite(db), 5000), SQLITE_OK);
	/* The -wal file SQLite made has the database's mode, not the umask's. */
	{
		char wal[160];

		snprintf(wal, sizeof(wal), "%s-wal", t->path);
		assert_int_equal(stat(wal, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	crm_db_close(db);

	db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	assert_int_equal(crm_db_created(db), 0);
	assert_int_equal(crm_db_opened_version(db), crm_schema_version);
	crm_db_close(db);
}

static void test_every_design_table_exists(void **state)
{
	static const char *const tables[] = {
		"customers", "source_records", "orders", "interactions", "runs",
		"changes", "segments", "rfm_scores", "exports", "export_customers",
	};
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[128];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='%s'",
			 tables[i]);
		assert_int_equal(query_int(db, sql), 1);
	}
	/* The hot lookups have their indexes. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN "
				   "('source_records_customer', 'orders_customer_time', "
				   "'changes_row', 'changes_run', 'interactions_customer_time')"), 5);
	crm_db_close(db);
}

static void test_migrations_numbered(void **state)
{
	int i;

	(void)state;
	assert_true(crm_schema_version >= 1);
	for (i = 0; i < crm_schema_version; i++) {
		assert_int_equal(crm_migrations[i].version, i + 1);
		assert_true(strstr(crm_migrations[i].sql, "CREATE") ||
			    strstr(crm_migrations[i].sql, "ALTER TABLE"));
	}
}

static void test_missing_without_create(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = NULL;

	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_READ, 100, &err), CRM_ERR_NOTFOUND);
	assert_null(db);
	assert_non_null(strstr(err.message, "crm init"));
	assert_int_equal(access(t->path, F_OK), -1);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_NOTFOUND);
	assert_int_equal(access(t->path, F_OK), -1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void test_newer_schema_refused_untouched(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	char *before, *after;
	size_t nb, na;

	crm_db_close(db);
	raw_exec(t->path, "PRAGMA user_version = 99; PRAGMA journal_mode = DELETE");
	before = slurp(t->path, &nb);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_SCHEMA);
	assert_null(db);
	assert_non_null(strstr(err.message, "schema version 99"));
	assert_non_null(strstr(err.message, "newer than this crm"));
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_READ, 100, &err), CRM_ERR_SCHEMA);
	after = slurp(t->path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb);
	free(before);
	free(after);
}

/* How many times needle is in the SQL of table changes. */
static int in_changes_sql(struct crm_db *db, const char *needle)
{
	sqlite3_stmt *st;
	const char *p;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(db),
		"SELECT sql FROM sqlite_schema WHERE name = 'changes'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	for (p = (const char *)sqlite3_column_text(st, 0); (p = strstr(p, needle)); p++)
		n++;
	sqlite3_finalize(st);
	return n;
}

/* Schema 6 checks a change's run at commit: still checked, never lost. */
static void test_change_needs_its_run_at_commit(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	sqlite3 *h = crm_db_sqlite(db);

	assert_int_equal(in_changes_sql(db, "REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED"), 1);
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO changes(run_id, tbl, row_id, op)"
				      " VALUES (999, 'customers', 1, 'update')", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_not_equal(crm_db_commit(db, &err), CRM_OK);
	assert_non_null(strstr(err.message, "FOREIGN KEY"));
	assert_int_equal(query_int(db, "SELECT count(*) FROM changes"), 0);
	/* With its run, it commits. */
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO runs(id, command, argv, actor, host,"
				      " started_at, status) VALUES (999, 'x', '[]', 'a', 'h',"
				      " '2025-01-01T00:00:00.000Z', 'ok');"
				      "INSERT INTO changes(run_id, tbl, row_id, op)"
				      " VALUES (999, 'customers', 1, 'update')", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(crm_db_commit(db, &err), CRM_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM changes"), 1);
	crm_db_close(db);
}

/*
 * A new database turned back into schema `from` by downgrade, opened for
 * writing: it says it was at `from`, and is migrated to the current schema.
 */
static struct crm_db *migrated_from(const char *path, const char *downgrade, int from)
{
	struct crm_db *db = open_ok(path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	raw_exec(path, downgrade);
	db = open_ok(path, CRM_DB_WRITE);
	assert_int_equal(crm_db_opened_version(db), from);
	assert_int_equal(query_int(db, "PRAGMA user_version"), crm_schema_version);
	return db;
}

/* What schema 15 added, to go back before it. */
#define DROP_15 "ALTER TABLE rfm_scores DROP COLUMN expected_purchases;" \
	" ALTER TABLE rfm_scores DROP COLUMN p_alive; ALTER TABLE rfm_scores DROP COLUMN expected_aov;" \
	" ALTER TABLE rfm_scores DROP COLUMN predicted_value; ALTER TABLE rfm_scores DROP COLUMN ltv;" \
	" ALTER TABLE rfm_snapshots DROP COLUMN ltv; "
/* What schemas 14 and 15 added, to go back before them. */
#define DROP_14 DROP_15 "DROP TABLE segment_members; DROP TABLE segment_snapshots; "

/* Schema 11: a database of version 10 gets the table of dedupe's decisions, empty. */
static void test_migration_11(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = migrated_from(t->path, DROP_14 "DROP TABLE rfm_snapshots; DROP TABLE dedupe_models;"
					  " DROP TABLE dedupe_decisions; PRAGMA user_version = 10", 10);

	assert_int_equal(query_int(db, "SELECT count(*) FROM dedupe_decisions"), 0);
	crm_db_close(db);
}

/* Schema 12: a database of version 11 gets the table of dedupe's saved models, empty. */
static void test_migration_12(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = migrated_from(t->path, DROP_14 "DROP TABLE rfm_snapshots; DROP TABLE dedupe_models;"
					  " PRAGMA user_version = 11", 11);

	assert_int_equal(query_int(db, "SELECT count(*) FROM dedupe_models"), 0);
	crm_db_close(db);
}

/* Schema 13: a database of version 12 gets the table of RFM snapshots, empty. */
static void test_migration_13(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = migrated_from(t->path, DROP_14 "DROP TABLE rfm_snapshots;"
					  " PRAGMA user_version = 12", 12);

	assert_int_equal(query_int(db, "SELECT count(*) FROM rfm_snapshots"), 0);
	crm_db_close(db);
}

/* Schema 14: a database of version 13 gets the tables of segment snapshots, empty. */
static void test_migration_14(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = migrated_from(t->path, DROP_15 "DROP TABLE segment_members;"
					  " DROP TABLE segment_snapshots; PRAGMA user_version = 13", 13);

	assert_int_equal(query_int(db, "SELECT count(*) FROM segment_snapshots"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segment_members"), 0);
	crm_db_close(db);
}

/*
 * Schema 15: a database of version 14 gets the columns of --ltv, and a
 * snapshot saved before keeps its scores, NULL in them.
 */
static void test_migration_15(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	raw_exec(t->path, DROP_15
		 "INSERT INTO customers(id, created_at, updated_at) VALUES (1, 'x', 'x');"
		 "INSERT INTO runs(id, command, argv, actor, host, started_at) VALUES"
		 " (1, 'rfm', '[]', 'a', 'h', '2026-01-01T00:00:00.000Z');"
		 "INSERT INTO rfm_snapshots(run_id, as_of, method, bins, returns, customers, thresholds)"
		 " VALUES (1, '2026-01-01', 'rank', 5, 'net', 1, '{}');"
		 "INSERT INTO rfm_scores(run_id, customer_id, as_of, r_score) VALUES (1, 1, '2026-01-01', 4);"
		 "PRAGMA user_version = 14");
	db = open_ok(t->path, CRM_DB_WRITE);
	assert_int_equal(crm_db_opened_version(db), 14);
	assert_int_equal(query_int(db, "PRAGMA user_version"), crm_schema_version);
	assert_int_equal(query_int(db, "SELECT count(*) FROM rfm_scores WHERE r_score = 4 AND"
				   " p_alive IS NULL AND ltv IS NULL AND predicted_value IS NULL"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM rfm_snapshots WHERE ltv IS NULL"), 1);
	crm_db_close(db);
}

/* Turns a new database back into schema 5, whose changes has sql_5. */
static void make_schema_5(const char *path, const char *edit)
{
	char sql[1280];

	/* Schema 10 added runs.pid, 11 dedupe_decisions, 12 dedupe_models, 13 rfm_snapshots,
	 * 14 segment_snapshots and segment_members. */
	snprintf(sql, sizeof(sql),
		 DROP_14 "DROP TABLE rfm_snapshots; DROP TABLE dedupe_models;"
		 "DROP TABLE dedupe_decisions;"
		 "ALTER TABLE runs DROP COLUMN pid;"
		 "PRAGMA writable_schema = ON;"
		 "UPDATE sqlite_schema SET sql = %s WHERE name = 'changes';"
		 "PRAGMA writable_schema = RESET;"
		 "PRAGMA user_version = 5", edit);
	raw_exec(path, sql);
}

static void test_migration_6(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	make_schema_5(t->path, "replace(sql, ' DEFERRABLE INITIALLY DEFERRED', '')");
	db = open_ok(t->path, CRM_DB_WRITE);
	assert_int_equal(crm_db_opened_version(db), 5);
	assert_int_equal(query_int(db, "PRAGMA user_version"), crm_schema_version);
	assert_int_equal(in_changes_sql(db, "REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED"), 1);
	assert_int_equal(in_changes_sql(db, "REFERENCES"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'crm_%'"), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE"
				   " integrity_check = 'ok'"), 1);
	crm_db_close(db);
}

/* Schema 10: runs get a pid column; runs recorded before keep NULL there. */
static void test_migration_10(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	raw_exec(t->path, DROP_14 "DROP TABLE rfm_snapshots; DROP TABLE dedupe_models;"
		 " DROP TABLE dedupe_decisions;"
		 "ALTER TABLE runs DROP COLUMN pid;"
		 "INSERT INTO runs(command, argv, actor, host, started_at) VALUES"
		 " ('import', '[]', 'a', 'h', '2026-01-01T00:00:00.000Z');"
		 "PRAGMA user_version = 9");
	db = open_ok(t->path, CRM_DB_WRITE);
	assert_int_equal(crm_db_opened_version(db), 9);
	assert_int_equal(query_int(db, "PRAGMA user_version"), crm_schema_version);
	assert_int_equal(query_int(db, "SELECT count(*) FROM runs WHERE command = 'import'"
				   " AND status = 'running' AND pid IS NULL"), 1);
	crm_db_close(db);
}

/* A changes table whose SQL is not what schema 5 wrote: the migration stops. */
static void check_migration_6_refuses(struct tmp *t, const char *edit)
{
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	sqlite3 *h;
	sqlite3_stmt *st;
	char *before;

	crm_db_close(db);
	make_schema_5(t->path, edit);
	assert_int_equal(sqlite3_open(t->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT sql FROM sqlite_schema WHERE name = 'changes'",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	before = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);

	assert_int_not_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_OK);
	assert_null(db);
	assert_non_null(strstr(err.message, "migration 0006-changes-deferred-run.sql failed"));
	/* Nothing changed: still schema 5, its SQL as it was. */
	assert_int_equal(sqlite3_open(t->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT user_version FROM"
		" pragma_user_version), sql FROM sqlite_schema WHERE name = 'changes'",
		-1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 5);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), before);
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(before);
	{
		char p[160];

		unlink(t->path);
		snprintf(p, sizeof(p), "%s-wal", t->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", t->path);
		unlink(p);
	}
}

static void test_migration_6_guard(void **state)
{
	struct tmp *t = *state;

	/* No reference to edit. */
	check_migration_6_refuses(t, "replace(sql, ' REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED', '')");
	/* A deferral of its own already: editing would leave two. */
	check_migration_6_refuses(t, "replace(sql, 'INITIALLY DEFERRED', 'INITIALLY IMMEDIATE')");
}

static void test_negative_schema_refused(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	raw_exec(t->path, "PRAGMA user_version = -1");
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_SCHEMA);
	assert_non_null(strstr(err.message, "schema version -1, which no crm writes"));
	assert_null(db);
}

static void test_not_a_crm_database(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = NULL;
	FILE *fp;

	raw_exec(t->path, "CREATE TABLE other(x)");
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_SCHEMA);
	assert_non_null(strstr(err.message, "not a crm database"));
	unlink(t->path);

	fp = fopen(t->path, "w");
	assert_non_null(fp);
	fputs("name,email\nthis is a CSV file, not a database\n", fp);
	fclose(fp);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_SCHEMA);
	assert_non_null(strstr(err.message, "not a crm database"));
	assert_null(db);
}

static void test_read_only_file(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);

	crm_db_close(db);
	if (geteuid() == 0)
		skip(); /* root writes through file modes */
	assert_int_equal(chmod(t->path, 0400), 0);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_READONLY);
	assert_non_null(strstr(err.message, "read-only"));
	assert_int_equal(chmod(t->path, 0600), 0);
	assert_int_equal(chmod(t->dir, 0500), 0);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 100, &err), CRM_ERR_READONLY);
	assert_non_null(strstr(err.message, "is not writable"));
	assert_int_equal(chmod(t->dir, 0700), 0);
}

static void test_transactions(void **state)
{
	struct tmp *t = *state;
	struct crm_error err;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_db *ro;

	assert_int_equal(crm_db_commit(db, &err), CRM_ERR_INTERNAL);
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(crm_db_in_transaction(db), 1);
	assert_int_equal(crm_db_begin(db, &err), CRM_ERR_INTERNAL);
	assert_int_equal(crm_db_exec(db, "INSERT INTO segments(name, created_at, updated_at)"
				     " VALUES ('x', 'now', 'now')", &err), CRM_OK);
	crm_db_rollback(db);
	assert_int_equal(crm_db_in_transaction(db), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segments"), 0);

	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(crm_db_exec(db, "INSERT INTO segments(name, created_at, updated_at)"
				     " VALUES ('y', 'now', 'now')", &err), CRM_OK);
	assert_int_equal(crm_db_commit(db, &err), CRM_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segments"), 1);

	ro = open_ok(t->path, CRM_DB_READ);
	assert_int_equal(crm_db_begin(ro, &err), CRM_ERR_INTERNAL);
	assert_int_equal(query_int(ro, "SELECT count(*) FROM segments"), 1);
	crm_db_close(ro);
	/* Closing with a transaction open rolls it back. */
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(crm_db_exec(db, "DELETE FROM segments", &err), CRM_OK);
	crm_db_close(db);
	db = open_ok(t->path, CRM_DB_READ);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segments"), 1);
	crm_db_close(db);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * A child holds a crm write transaction for hold_ms; meanwhile the parent
 * tries to write with busy_ms. Returns the parent's status.
 */
/*
 * A child holds the write lock for hold_ms; the parent, told when the
 * child has it, opens with busy_ms and begins. *waited: how long its begin
 * took; *since: from the child's word to the parent holding the lock (a
 * slow machine's open included: it cannot shorten the child's hold).
 */
static enum crm_status contend(const char *path, long hold_ms, long busy_ms, double *waited,
			       double *since)
{
	struct crm_error err;
	struct crm_db *db;
	enum crm_status s;
	int pipefd[2], status;
	char c;
	pid_t pid;
	double t0;

	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL); /* the child leaves through exit(): nothing to print twice */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct crm_db *cdb = NULL;

		close(pipefd[0]);
		int rc = 1;

		if (!crm_db_open(&cdb, path, CRM_DB_WRITE, 10000, &err) &&
		    !crm_db_begin(cdb, &err) &&
		    !crm_db_exec(cdb, "INSERT INTO segments(name, created_at, updated_at)"
				 " VALUES ('child', 'now', 'now')", &err) &&
		    write(pipefd[1], "x", 1) == 1) {
			usleep((useconds_t)hold_ms * 1000);
			rc = crm_db_commit(cdb, &err) ? 1 : 0;
		}
		if (rc)
			fprintf(stderr, "child: %s\n", err.message);
		crm_db_close(cdb);
		close(pipefd[1]);
		/* Leave through exit(), so that valgrind sees everything freed. */
		exit(rc);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	*since = now_ms();
	close(pipefd[0]);
	assert_int_equal(crm_db_open(&db, path, CRM_DB_WRITE, busy_ms, &err), CRM_OK);
	t0 = now_ms();
	s = crm_db_begin(db, &err);
	*waited = now_ms() - t0;
	*since = now_ms() - *since;
	if (s == CRM_OK) {
		assert_int_equal(crm_db_exec(db, "INSERT INTO segments(name, created_at, updated_at)"
					     " VALUES ('parent', 'now', 'now')", &err), CRM_OK);
		assert_int_equal(crm_db_commit(db, &err), CRM_OK);
	} else {
		assert_int_equal(s, CRM_ERR_BUSY);
		assert_non_null(strstr(err.message, "database is busy"));
	}
	crm_db_close(db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return s;
}

static void test_busy_waits_then_succeeds(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	double waited, since;

	crm_db_close(db);
	assert_int_equal(contend(t->path, 500, 10000, &waited, &since), CRM_OK);
	/* held 500 ms from the word: however slow the open, the lock came after */
	assert_true(since >= 450);
	db = open_ok(t->path, CRM_DB_READ);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segments"), 2);
	crm_db_close(db);
}

static void test_busy_times_out(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	double waited, since;

	crm_db_close(db);
	assert_int_equal(contend(t->path, 1500, 100, &waited, &since), CRM_ERR_BUSY);
	assert_true(waited >= 90 && waited < 1000);
	/* Only the child's row: the parent changed nothing. */
	db = open_ok(t->path, CRM_DB_READ);
	assert_int_equal(query_int(db, "SELECT count(*) FROM segments"), 1);
	crm_db_close(db);
}

static void test_busy_from_foreign_writer(void **state)
{
	/* A writer that is not crm holds SQLite's lock without the queue lock. */
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	sqlite3 *h;
	double t0;

	assert_int_equal(sqlite3_open(t->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	crm_db_close(db);
	assert_int_equal(crm_db_open(&db, t->path, CRM_DB_WRITE, 150, &err), CRM_OK);
	t0 = now_ms();
	assert_int_equal(crm_db_begin(db, &err), CRM_ERR_BUSY);
	assert_true(now_ms() - t0 >= 100);
	assert_int_equal(crm_db_in_transaction(db), 0);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	/* The queue lock was released: the next try gets through. */
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(crm_db_commit(db, &err), CRM_OK);
	crm_db_close(db);
}

static void test_busy_timeout_env(void **state)
{
	struct crm_error err;
	long ms;

	(void)state;
	unsetenv("CRM_BUSY_TIMEOUT");
	assert_int_equal(crm_db_busy_timeout_env(&ms, &err), CRM_OK);
	assert_int_equal(ms, 30000);
	setenv("CRM_BUSY_TIMEOUT", "100", 1);
	assert_int_equal(crm_db_busy_timeout_env(&ms, &err), CRM_OK);
	assert_int_equal(ms, 100);
	setenv("CRM_BUSY_TIMEOUT", "10s", 1);
	assert_int_equal(crm_db_busy_timeout_env(&ms, &err), CRM_ERR_INVALID);
	assert_non_null(strstr(err.message, "'10s'"));
	setenv("CRM_BUSY_TIMEOUT", "-5", 1);
	assert_int_equal(crm_db_busy_timeout_env(&ms, &err), CRM_ERR_INVALID);
	unsetenv("CRM_BUSY_TIMEOUT");
}

static void test_default_path(void **state)
{
	(void)state;
	unsetenv("CRM_DB");
	assert_string_equal(crm_db_default_path(), "crm.db");
	setenv("CRM_DB", "/x/y.db", 1);
	assert_string_equal(crm_db_default_path(), "/x/y.db");
	setenv("CRM_DB", "", 1);
	assert_string_equal(crm_db_default_path(), "crm.db");
	unsetenv("CRM_DB");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* The statement seam: a bad bind shows at the step, and nothing is written. */
static void test_stmt_bind_failure_surfaces_at_step(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	struct crm_stmt *st;

	assert_int_equal(crm_db_exec(db, "CREATE TEMP TABLE x(a)", &err), CRM_OK);
	assert_int_equal(crm_stmt_prepare(db, "INSERT INTO x VALUES (?1)", &st, &err), CRM_OK);
	assert_int_equal(crm_stmt_params(st), 1);
	crm_stmt_bind_int(st, 7, 1);       /* no parameter 7 */
	assert_int_equal(crm_stmt_step(st), CRM_STEP_ERROR);
	assert_int_equal(crm_stmt_fail(st, &err, "cannot insert"), CRM_ERR_DB);
	assert_non_null(strstr(err.message, "cannot insert: "));
	crm_stmt_clear(st);
	crm_stmt_bind_str(st, 1, "ok");
	assert_int_equal(crm_stmt_run(st, "cannot insert", &err), CRM_OK);
	assert_int_equal(crm_db_changes(db), 1);
	assert_int_equal(crm_db_last_insert_id(db), 1);
	crm_stmt_free(st);
	crm_stmt_free(NULL);
	crm_db_close(db);
}

static void test_stmt_prepare_failure(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	struct crm_stmt *st = (struct crm_stmt *)&err;

	assert_int_equal(crm_stmt_prepare(db, "SELEKT 1", &st, &err), CRM_ERR_DB);
	assert_null(st);
	assert_non_null(strstr(err.message, "syntax error"));
	crm_db_close(db);
}

static void test_stmt_values_keep_their_types(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	struct crm_stmt *st;
	struct crm_value v, in = { .type = CRM_VALUE_TEXT, .s = "007xyz", .len = 3 };
	int found = -1;

	assert_int_equal(crm_stmt_prepare(db, "SELECT ?1, ?2, ?3, ?4, ?5", &st, &err), CRM_OK);
	crm_stmt_bind_value(st, 1, &in);
	crm_stmt_bind_int(st, 2, 7);
	crm_stmt_bind_real(st, 3, 0.5);
	crm_stmt_bind_value(st, 4, NULL);
	crm_stmt_bind_text_ref(st, 5, "abc", 2);
	assert_int_equal(crm_stmt_one(st, &found, "cannot read", &err), CRM_OK);
	assert_int_equal(found, 1);
	v = crm_stmt_value(st, 0);
	assert_int_equal(v.type, CRM_VALUE_TEXT);
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.s, "007", 3);
	assert_int_equal(crm_stmt_value(st, 1).type, CRM_VALUE_INT);
	assert_int_equal(crm_stmt_int(st, 1), 7);
	assert_true(crm_stmt_real(st, 2) == 0.5);
	assert_true(crm_stmt_is_null(st, 3));
	assert_null(crm_stmt_text(st, 3));
	assert_string_equal(crm_stmt_text(st, 4), "ab");
	assert_int_equal(crm_stmt_bytes(st, 4), 2);
	assert_int_equal(crm_stmt_one(st, &found, "cannot read", &err), CRM_OK);
	assert_int_equal(found, 0);
	crm_stmt_free(st);
	crm_db_close(db);
}

static void test_stmt_table_prepares_once(void **state)
{
	static const char *const sql[] = { "SELECT 1", "SELECT nonsense FROM nowhere" };
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	struct crm_stmt_table tab;
	struct crm_stmt *a, *b;

	assert_int_equal(crm_stmt_table_init(&tab, db, sql, 2, &err), CRM_OK);
	a = crm_stmt_table_get(&tab, 0, &err);
	assert_non_null(a);
	assert_int_equal(crm_stmt_step(a), CRM_STEP_ROW);
	b = crm_stmt_table_get(&tab, 0, &err);   /* reset: steps from the start */
	assert_ptr_equal(a, b);
	assert_int_equal(crm_stmt_step(b), CRM_STEP_ROW);
	assert_int_equal(crm_stmt_int(b, 0), 1);
	assert_null(crm_stmt_table_get(&tab, 1, &err));
	assert_non_null(strstr(err.message, "no such table"));
	assert_null(crm_stmt_table_get(&tab, 2, &err));
	assert_int_equal(err.code, CRM_ERR_INTERNAL);
	crm_stmt_table_release(&tab);
	crm_stmt_table_release(&tab);
	crm_db_close(db);
}

static void test_rows_walk_a_result(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	struct crm_stmt *st;
	struct crm_rows *r;
	long n = 0;
	int rc;

	assert_int_equal(crm_stmt_prepare(db, "SELECT value AS v, 'x' AS w FROM json_each(?1)",
					  &st, &err), CRM_OK);
	crm_stmt_bind_str(st, 1, "[1,2,3]");
	r = crm_rows_wrap(st, &err);
	assert_non_null(r);
	assert_int_equal(crm_rows_columns(r), 2);
	assert_string_equal(crm_rows_name(r, 0), "v");
	while ((rc = crm_rows_next(r, &err)) == 1)
		n += crm_rows_value(r, 0).i;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 6);
	crm_rows_free(r);
	crm_rows_free(NULL);
	crm_db_close(db);
}

static void test_intents(void **state)
{
	struct tmp *t = *state;
	struct crm_db *db = open_ok(t->path, CRM_DB_WRITE | CRM_DB_CREATE);
	struct crm_error err;
	int64_t v = 0;

	assert_int_equal(crm_db_intend(db, CRM_DB_BULK_LOAD, &err), CRM_OK);
	assert_int_equal(crm_db_query_int64(db, "PRAGMA cache_size", NULL, &v, &err), CRM_OK);
	assert_int_equal(v, -65536);
	assert_int_equal(crm_db_intend(db, CRM_DB_ERASE, &err), CRM_OK);
	assert_int_equal(crm_db_query_int64(db, "PRAGMA secure_delete", NULL, &v, &err), CRM_OK);
	assert_int_equal(v, 1);
	assert_int_equal(crm_db_intend(db, (enum crm_db_intent)99, &err), CRM_ERR_INTERNAL);
	crm_db_close(db);
}

/*
 * CRM_DB_OWN_KEYS: SQLite checks no key; under CRM_TEST_CHECK_KEYS each
 * commit checks them all, without it none.
 */
static void own_keys(const char *path, int checked)
{
	struct crm_db *db = open_ok(path, CRM_DB_WRITE | CRM_DB_CREATE);
	sqlite3 *h = crm_db_sqlite(db);
	struct crm_error err;

	/* Inside a transaction SQLite would ignore it: an error, keys still checked. */
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(crm_db_intend(db, CRM_DB_OWN_KEYS, &err), CRM_ERR_INTERNAL);
	crm_db_rollback(db);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(crm_db_intend(db, CRM_DB_OWN_KEYS, &err), CRM_OK);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 0);
	assert_int_equal(crm_db_begin(db, &err), CRM_OK);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO source_records(source, source_key,"
				      " customer_id) VALUES ('s', 'k', 42)", NULL, NULL, NULL),
			 SQLITE_OK);
	if (checked) {
		assert_int_equal(crm_db_commit(db, &err), CRM_ERR_INTERNAL);
		assert_non_null(strstr(err.message,
				       "source_records row 1 names no row of customers"));
		assert_int_equal(crm_db_in_transaction(db), 0);
		assert_int_equal(query_int(db, "SELECT count(*) FROM source_records"), 0);
		/* With its customer, it commits. */
		assert_int_equal(crm_db_begin(db, &err), CRM_OK);
		assert_int_equal(sqlite3_exec(h, "INSERT INTO customers(created_at, updated_at, id)"
					      " VALUES ('2025-01-01T00:00:00.000Z',"
					      " '2025-01-01T00:00:00.000Z', 42);"
					      " INSERT INTO source_records(source, source_key,"
					      " customer_id) VALUES ('s', 'k', 42)", NULL, NULL, NULL),
				 SQLITE_OK);
	}
	/* Unchecked, what the writer wrote is what it gets: its word is taken. */
	assert_int_equal(crm_db_commit(db, &err), CRM_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM source_records"), 1);
	crm_db_close(db);
}

static void test_own_keys(void **state)
{
	struct tmp *t = *state;

	assert_int_equal(setenv("CRM_TEST_CHECK_KEYS", "1", 1), 0);
	own_keys(t->path, 1);
	assert_int_equal(unlink(t->path), 0);
	assert_int_equal(unsetenv("CRM_TEST_CHECK_KEYS"), 0);
	own_keys(t->path, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_mode_and_pragmas),
		T(test_stmt_bind_failure_surfaces_at_step),
		T(test_stmt_prepare_failure),
		T(test_stmt_values_keep_their_types),
		T(test_stmt_table_prepares_once),
		T(test_rows_walk_a_result),
		T(test_intents),
		T(test_own_keys),
		T(test_every_design_table_exists),
		cmocka_unit_test(test_migrations_numbered),
		T(test_missing_without_create),
		T(test_newer_schema_refused_untouched),
		T(test_negative_schema_refused),
		T(test_change_needs_its_run_at_commit),
		T(test_migration_6),
		T(test_migration_10),
		T(test_migration_11),
		T(test_migration_12),
		T(test_migration_13),
		T(test_migration_14),
		T(test_migration_15),
		T(test_migration_6_guard),
		T(test_not_a_crm_database),
		T(test_read_only_file),
		T(test_transactions),
		T(test_busy_waits_then_succeeds),
		T(test_busy_times_out),
		T(test_busy_from_foreign_writer),
		cmocka_unit_test(test_busy_timeout_env),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
