#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "log.h"
#include "strbuf.h"
#include "types.h"
#include "banned.h"

static enum crm_status nomem(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
}

/* ---- Statements ------------------------------------------------------------- */

enum log_sql {
	SQL_RUNS,
	SQL_RUN_EXISTS,
	SQL_CHANGES,
	SQL_FIND_BY_ID,
	SQL_FIND_BY_SOURCE,
	SQL_CUSTOMER,
	SQL_TARGET,
	SQL_LATER,
	SQL_HAS_COLUMN,
	SQL_FIRST_LATER,
	SQL_REINSERTED,
	SQL_CHILDREN,
	SQL_RUN_CHANGES,
	SQL_MARK_REVERTED,
	SQL_COLUMNS,
	SQL_COLUMNS_BUT_ID,
	SQL_FORGET_TEMP,
	SQL_FORGET_WHO,
	SQL_FORGET_ROWS,
	SQL_FORGET_COUNT,
	SQL_CUSTOMER_EXISTS,
	SQL_FORGET_SPANS,
	SQL_FORGET_BLANK,
	SQL_FORGET_REMOVE,
	SQL_TOMBSTONE,
	SQL_COUNT
};

/* The filters, on a query with started_at, actor and command columns. */
#define FILTER_SQL \
	" (?11 IS NULL OR started_at >= ?11) AND (?12 IS NULL OR actor = ?12)" \
	" AND (?13 IS NULL OR command = ?13)"

/* The customer a row of an audited table belongs to. */
#define CUSTOMER_OF(tbl, row) \
	"CASE " tbl " WHEN 'customers' THEN " row \
	" WHEN 'source_records' THEN (SELECT customer_id FROM source_records WHERE id = " row ")" \
	" WHEN 'orders' THEN (SELECT customer_id FROM orders WHERE id = " row ")" \
	" WHEN 'interactions' THEN (SELECT customer_id FROM interactions WHERE id = " row ")" \
	" END"

/*
 * Which changes hold the person's values. Ids are reused after rows are
 * deleted, so a row's changes belong to the person only from the last
 * delete of that id before them: each (table, id) gets the span of change
 * ids (lo, hi] that is theirs. Their current rows are theirs from their
 * last delete on; earlier rows of theirs that a run removed (a reverted
 * import, say) are found through the copies of their source records, by
 * source and key, and the customer and order copies the same run removed.
 */
#define PREV_DELETE(t, i, before) \
	"coalesce((SELECT max(d.id) FROM changes d WHERE d.tbl = " t " AND d.row_id = " i \
	" AND d.op = 'delete' AND d.id < " before "), 0)"

static const char *const log_sql[SQL_COUNT] = {
	[SQL_RUNS] =
		"SELECT id AS run, started_at, actor, command, status, counts, reverted_by"
		" FROM runs WHERE" FILTER_SQL " ORDER BY id DESC LIMIT ?14",
	[SQL_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?1",
	[SQL_CHANGES] =
		"SELECT id AS change, tbl AS \"table\", row_id AS row,"
		" CASE WHEN op = 'insert' THEN new_value END AS \"to\","
		" CASE WHEN op = 'insert' AND new_value <> row_id THEN NULL ELSE "
		CUSTOMER_OF("tbl", "row_id") " END AS customer,"
		" op, field, old_value AS old,"
		" CASE WHEN op = 'insert' THEN NULL ELSE new_value END AS new"
		" FROM changes WHERE run_id = ?1 ORDER BY id",
	[SQL_FIND_BY_ID] = "SELECT id FROM customers WHERE id = ?1",
	[SQL_FIND_BY_SOURCE] =
		"SELECT customer_id FROM source_records WHERE source = ?1 AND source_key = ?2",
	/*
	 * The customer's rows, then their changes: the insert range holding
	 * each row is found through changes_inserts (the range starting
	 * nearest below it), every other change through changes_row. Only ids
	 * are sorted; the values (raw rows can be long) are read after, in the
	 * sorted order: the LIMIT keeps SQLite from flattening the sorted
	 * subquery into the join, so it stays the outer loop and its order is
	 * the output's.
	 */
	[SQL_CUSTOMER] =
		"WITH who(id) AS (SELECT ?1 UNION SELECT id FROM customers WHERE merged_into = ?1),"
		" mine(tbl, id) AS ("
		"  SELECT 'customers', id FROM who"
		"  UNION ALL SELECT 'source_records', id FROM source_records"
		"   WHERE customer_id IN who"
		"  UNION ALL SELECT 'orders', id FROM orders WHERE customer_id IN who"
		"  UNION ALL SELECT 'interactions', id FROM interactions WHERE customer_id IN who),"
		" keys(seq, row_id, ins, run) AS ("
		"  SELECT c.id, c.row_id, 0, c.run_id"
		"   FROM mine m JOIN changes c ON c.tbl = m.tbl AND c.row_id = m.id"
		"   WHERE c.op <> 'insert'"
		"  UNION ALL"
		"  SELECT c.id, m.id, 1, c.run_id"
		"   FROM mine m JOIN changes c ON c.tbl = m.tbl AND c.op = 'insert'"
		"    AND c.row_id = (SELECT max(row_id) FROM changes"
		"                    WHERE tbl = m.tbl AND op = 'insert' AND row_id <= m.id)"
		"    AND c.new_value >= m.id),"
		" timed(at, seq, row_id, ins, run) AS ("
		"  SELECT r.started_at, k.seq, k.row_id, k.ins, k.run FROM keys k"
		"   JOIN runs r ON r.id = k.run"
		"  UNION ALL"
		"  SELECT e.at, -e.id, e.id, 2, e.run_id FROM export_customers x"
		"   JOIN exports e ON e.id = x.export_id WHERE x.customer_id IN who),"
		" sorted AS (SELECT * FROM timed"
		"  WHERE (?11 IS NULL OR at >= ?11) ORDER BY at, seq LIMIT -1)"
		" SELECT t.at, t.run, coalesce(e.actor, r.actor) AS actor,"
		"  CASE WHEN t.ins = 2 THEN 'export' ELSE r.command END AS command,"
		"  CASE WHEN t.ins = 2 THEN 'exports' ELSE c.tbl END AS \"table\","
		"  t.row_id AS row,"
		"  CASE t.ins WHEN 0 THEN c.op WHEN 1 THEN 'insert' ELSE 'export' END AS op,"
		"  CASE WHEN t.ins = 0 THEN c.field END AS field,"
		"  CASE WHEN t.ins = 0 THEN c.old_value END AS old,"
		"  CASE t.ins WHEN 0 THEN c.new_value WHEN 2 THEN"
		"   json_object('recipient', e.recipient, 'purpose', e.purpose, 'rows', e.row_count)"
		"  END AS new"
		" FROM sorted t LEFT JOIN changes c ON t.ins < 2 AND c.id = t.seq"
		" LEFT JOIN runs r ON r.id = t.run"
		" LEFT JOIN exports e ON t.ins = 2 AND e.id = t.row_id"
		" WHERE (?12 IS NULL OR coalesce(e.actor, r.actor) = ?12)"
		" AND (?13 IS NULL OR (CASE WHEN t.ins = 2 THEN 'export' ELSE r.command END) = ?13)"
		" LIMIT ?14",
	[SQL_TARGET] =
		"SELECT command, status, reverted_by,"
		" EXISTS (SELECT 1 FROM tombstones WHERE run_id = ?1) FROM runs WHERE id = ?1",
	/* The runs after a change that touched the same value. */
	[SQL_LATER] =
		"SELECT DISTINCT c.run_id, r.command FROM changes c JOIN runs r ON r.id = c.run_id"
		" WHERE c.tbl = ?1 AND c.row_id = ?2 AND (?3 IS NULL OR c.field = ?3)"
		" AND c.id > ?4 AND c.run_id <> ?5 ORDER BY c.run_id",
	[SQL_HAS_COLUMN] = "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
	/* The first change of each field after ?3: SQLite takes the bare columns from min(id)'s row. */
	[SQL_FIRST_LATER] =
		"SELECT field, old_value, op, min(id) FROM changes"
		" WHERE tbl = ?1 AND row_id = ?2 AND id > ?3 AND op <> 'insert'"
		" GROUP BY coalesce(field, op) ORDER BY min(id)",
	/* A later insert of the same id. */
	[SQL_REINSERTED] =
		"SELECT 1 FROM changes WHERE tbl = ?1 AND op = 'insert'"
		" AND id > ?3 AND row_id <= ?2 AND new_value >= ?2 LIMIT 1",
	/* Rows of other runs belonging to a customer. */
	[SQL_CHILDREN] =
		"SELECT 'source_records', id, run_id FROM source_records"
		" WHERE customer_id = ?1 AND run_id IS NOT ?2"
		" UNION ALL SELECT 'orders', id, run_id FROM orders"
		" WHERE customer_id = ?1 AND run_id IS NOT ?2"
		" UNION ALL SELECT 'interactions', id, run_id FROM interactions"
		" WHERE customer_id = ?1 AND run_id IS NOT ?2"
		" UNION ALL SELECT 'rfm_scores', customer_id, run_id FROM rfm_scores"
		" WHERE customer_id = ?1 AND run_id IS NOT ?2"
		" UNION ALL SELECT 'export_customers', x.export_id, e.run_id"
		" FROM export_customers x JOIN exports e ON e.id = x.export_id"
		" WHERE x.customer_id = ?1 LIMIT 1",
	[SQL_RUN_CHANGES] =
		"SELECT id, tbl, row_id, op, field, old_value, new_value"
		" FROM changes WHERE run_id = ?1 ORDER BY id DESC",
	[SQL_MARK_REVERTED] = "UPDATE runs SET reverted_by = ?1 WHERE id = ?2",
	[SQL_COLUMNS] = "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
	[SQL_COLUMNS_BUT_ID] =
		"SELECT name FROM pragma_table_info(?1) WHERE name <> 'id' ORDER BY cid",
	/* The person's rows in every table, in temp tables for the steps below. */
	[SQL_FORGET_TEMP] =
		"DROP TABLE IF EXISTS temp.crm_forget_who;"
		"DROP TABLE IF EXISTS temp.crm_forget_rows;"
		"CREATE TEMP TABLE crm_forget_who(id INTEGER PRIMARY KEY);"
		"CREATE TEMP TABLE crm_forget_rows(tbl TEXT NOT NULL, id INTEGER NOT NULL,"
		" PRIMARY KEY (tbl, id)) WITHOUT ROWID;",
	[SQL_FORGET_WHO] =
		"INSERT INTO temp.crm_forget_who(id)"
		" WITH RECURSIVE who(id) AS (SELECT ?1 UNION"
		"  SELECT c.id FROM customers c JOIN who ON c.merged_into = who.id)"
		" SELECT id FROM who",
	[SQL_FORGET_ROWS] =
		"INSERT INTO temp.crm_forget_rows SELECT 'customers', id FROM temp.crm_forget_who;"
		"INSERT INTO temp.crm_forget_rows SELECT 'source_records', id FROM source_records"
		" WHERE customer_id IN temp.crm_forget_who;"
		"INSERT INTO temp.crm_forget_rows SELECT 'orders', id FROM orders"
		" WHERE customer_id IN temp.crm_forget_who;"
		"INSERT INTO temp.crm_forget_rows SELECT 'interactions', id FROM interactions"
		" WHERE customer_id IN temp.crm_forget_who;",
	[SQL_FORGET_COUNT] = "SELECT count(*) FROM temp.crm_forget_rows WHERE tbl = ?1",
	[SQL_CUSTOMER_EXISTS] = "SELECT count(*) FROM customers WHERE id = ?1",
	[SQL_FORGET_SPANS] =
		"DROP TABLE IF EXISTS temp.crm_forget_spans;"
		"CREATE TEMP TABLE crm_forget_spans(tbl TEXT NOT NULL, id INTEGER NOT NULL,"
		" lo INTEGER NOT NULL, hi INTEGER NOT NULL);"
		"INSERT INTO temp.crm_forget_spans SELECT r.tbl, r.id,"
		" " PREV_DELETE("r.tbl", "r.id", "9223372036854775807") ", 9223372036854775807"
		" FROM temp.crm_forget_rows r;"
		/* Earlier source records of theirs, removed by some run: by source and key. */
		"INSERT INTO temp.crm_forget_spans SELECT 'source_records', c.row_id,"
		" " PREV_DELETE("'source_records'", "c.row_id", "c.id") ", c.id"
		" FROM changes c WHERE c.tbl = 'source_records' AND c.op IN ('delete', 'merge')"
		" AND json_valid(c.old_value) AND EXISTS (SELECT 1 FROM source_records k"
		"  WHERE k.customer_id IN temp.crm_forget_who"
		"  AND k.source = json_extract(c.old_value, '$.source')"
		"  AND k.source_key = json_extract(c.old_value, '$.source_key'));"
		/* The customer rows those belonged to, removed by the same run. */
		"INSERT INTO temp.crm_forget_spans SELECT d.tbl, d.row_id,"
		" " PREV_DELETE("d.tbl", "d.row_id", "d.id") ", d.id"
		" FROM temp.crm_forget_spans s JOIN changes c ON c.tbl = 'source_records'"
		"  AND c.row_id = s.id AND c.id = s.hi"
		" JOIN changes d ON d.tbl = 'customers' AND d.op IN ('delete', 'merge')"
		"  AND d.run_id = c.run_id AND d.row_id = json_extract(c.old_value, '$.customer_id')"
		" WHERE s.tbl = 'source_records' AND s.hi < 9223372036854775807;"
		/* Order lines and interactions of a customer row of theirs, removed. */
		"INSERT INTO temp.crm_forget_spans SELECT o.tbl, o.row_id,"
		" " PREV_DELETE("o.tbl", "o.row_id", "o.id") ", o.id"
		" FROM temp.crm_forget_spans s JOIN changes o"
		"  ON o.tbl IN ('orders', 'interactions', 'source_records') AND o.op IN ('delete', 'merge')"
		"  AND json_valid(o.old_value) AND json_extract(o.old_value, '$.customer_id') = s.id"
		"  AND o.id > s.lo AND (s.hi = 9223372036854775807 OR"
		"   o.run_id = (SELECT run_id FROM changes WHERE id = s.hi))"
		" WHERE s.tbl = 'customers';",
	/*
	 * Values of the person in the log: every change to their rows, and the
	 * copies of removed or merged rows that belonged to them. An insert's
	 * new_value and a merge's are row ids, not their data, and stay.
	 */
	[SQL_FORGET_BLANK] =
		"UPDATE changes SET old_value = NULL,"
		" new_value = CASE WHEN op IN ('insert', 'merge') THEN new_value END"
		" WHERE op <> 'insert' AND (old_value IS NOT NULL OR"
		"  (new_value IS NOT NULL AND op <> 'merge')) AND EXISTS ("
		"  SELECT 1 FROM temp.crm_forget_spans s WHERE s.tbl = changes.tbl"
		"  AND s.id = changes.row_id AND changes.id > s.lo AND changes.id <= s.hi)"
		" RETURNING id",
	[SQL_FORGET_REMOVE] =
		"DELETE FROM export_customers WHERE customer_id IN temp.crm_forget_who;"
		"DELETE FROM rfm_scores WHERE customer_id IN temp.crm_forget_who;"
		"DELETE FROM interactions WHERE customer_id IN temp.crm_forget_who;"
		"DELETE FROM orders WHERE customer_id IN temp.crm_forget_who;"
		"DELETE FROM source_records WHERE customer_id IN temp.crm_forget_who;"
		"UPDATE customers SET merged_into = NULL WHERE id IN temp.crm_forget_who;"
		"DELETE FROM customers WHERE id IN temp.crm_forget_who;"
		"DROP TABLE temp.crm_forget_who;"
		"DROP TABLE temp.crm_forget_rows;"
		"DROP TABLE temp.crm_forget_spans;",
	[SQL_TOMBSTONE] =
		"INSERT INTO tombstones(run_id, customer_id, at, actor, reason, removed)"
		" SELECT id, ?2, started_at, actor, ?3, ?4 FROM runs WHERE id = ?1",
};

/* Statement q of the table, prepared for the caller (who frees it). */
static enum crm_status prepare(struct crm_db *db, enum log_sql q, struct crm_stmt **out,
			       struct crm_error *err)
{
	return crm_stmt_prepare(db, log_sql[q], out, err);
}

/* Hands st over as rows; st is freed on failure too. */
static enum crm_status wrap(struct crm_stmt *st, struct crm_rows **out, struct crm_error *err)
{
	*out = crm_rows_wrap(st, err);
	return *out ? CRM_OK : CRM_ERR_NOMEM;
}

/* ---- Reading ---------------------------------------------------------------- */

/* --since: a date in any form import accepts, or an ISO timestamp as stored. */
static enum crm_status since_value(const char *since, char *out, size_t size,
				   struct crm_error *err)
{
	char date[CRM_DATE_SIZE], head[11];
	struct crm_error e;

	if (crm_parse_date(since, date, &e) == CRM_OK) {
		snprintf(out, size, "%s", date);
		return CRM_OK;
	}
	if (strlen(since) > 10 && strlen(since) < size && since[10] == 'T') {
		memcpy(head, since, 10);
		head[10] = '\0';
		if (crm_parse_date(head, date, &e) == CRM_OK && !strcmp(date, head)) {
			snprintf(out, size, "%s", since);
			return CRM_OK;
		}
	}
	return crm_error_set(err, CRM_ERR_INVALID,
			     "--since '%s' is not a date (2025-07-23) or a timestamp "
			     "(2025-07-23T09:00:00Z)", since);
}

/* Prepares q with the filters bound to ?11 (since) to ?14 (limit). */
static enum crm_status prepare_filtered(struct crm_db *db, enum log_sql q,
					const struct crm_log_filter *f, struct crm_stmt **out,
					struct crm_error *err)
{
	char since[64] = "";
	enum crm_status s;

	*out = NULL;
	if (f && f->since && (s = since_value(f->since, since, sizeof(since), err)))
		return s;
	s = prepare(db, q, out, err);
	if (s)
		return s;
	if (since[0])
		crm_stmt_bind_str(*out, 11, since);
	if (f && f->actor)
		crm_stmt_bind_str(*out, 12, f->actor);
	if (f && f->command)
		crm_stmt_bind_str(*out, 13, f->command);
	crm_stmt_bind_int(*out, 14, f && f->limit > 0 ? f->limit : -1);
	return CRM_OK;
}

enum crm_status crm_log_runs(struct crm_db *db, const struct crm_log_filter *f,
			     struct crm_rows **out, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare_filtered(db, SQL_RUNS, f, &st, err);

	*out = NULL;
	return s ? s : wrap(st, out, err);
}

enum crm_status crm_log_run_exists(struct crm_db *db, int64_t id, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_RUN_EXISTS, &st, err);
	int found = 0;

	if (s)
		return s;
	crm_stmt_bind_int(st, 1, id);
	s = crm_stmt_one(st, &found, "cannot read the runs", err);
	crm_stmt_free(st);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				  (long long)id);
	return s;
}

enum crm_status crm_log_changes(struct crm_db *db, int64_t run, struct crm_rows **out,
				struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_CHANGES, &st, err);

	*out = NULL;
	if (s)
		return s;
	crm_stmt_bind_int(st, 1, run);
	return wrap(st, out, err);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

enum crm_status crm_log_find_customer(struct crm_db *db, const char *spec, int64_t *id,
				      struct crm_error *err)
{
	const char *colon = strchr(spec, ':');
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;

	if (all_digits(spec) && strlen(spec) < 19) {
		s = prepare(db, SQL_FIND_BY_ID, &st, err);
		if (s)
			return s;
		crm_stmt_bind_int(st, 1, strtoll(spec, NULL, 10));
	} else if (colon && colon > spec && colon[1]) {
		s = prepare(db, SQL_FIND_BY_SOURCE, &st, err);
		if (s)
			return s;
		crm_stmt_bind_text(st, 1, spec, (size_t)(colon - spec));
		crm_stmt_bind_str(st, 2, colon + 1);
	} else {
		return crm_error_set(err, CRM_ERR_INVALID,
				     "'%s' names no customer: give an id (42) or SOURCE:KEY", spec);
	}
	s = crm_stmt_one(st, &found, "cannot find the customer", err);
	if (!s && found)
		*id = crm_stmt_int(st, 0);
	else if (!s)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %s", spec);
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_log_customer(struct crm_db *db, int64_t customer,
				 const struct crm_log_filter *f, struct crm_rows **out,
				 struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare_filtered(db, SQL_CUSTOMER, f, &st, err);

	*out = NULL;
	if (s)
		return s;
	crm_stmt_bind_int(st, 1, customer);
	return wrap(st, out, err);
}

/* ---- Revert ----------------------------------------------------------------- */

struct reverter {
	struct crm_db *db;
	struct crm_audit *run;
	int64_t target;
	int force;
	struct crm_revert_result *res;
	struct crm_stmt_table sql;
	/* Statements built from the log's table and field names, kept by key. */
	struct { char *key; struct crm_stmt *st; } cache[64];
	size_t ncache;
	/*
	 * Columns found in the schema, as "tbl.col": pragma_table_info
	 * compiles a statement of its own each time it runs, which was most
	 * of the time of reverting a cleanse.
	 */
	char *columns[64];
	size_t ncolumns;
};

/* Statement q of the revert's table, reset; NULL when it cannot be prepared. */
static struct crm_stmt *stmt(struct reverter *rv, enum log_sql q, struct crm_error *err)
{
	return crm_stmt_table_get(&rv->sql, q, err);
}

static struct crm_stmt *cache_find(struct reverter *rv, const char *key)
{
	size_t i;

	for (i = 0; i < rv->ncache; i++)
		if (!strcmp(rv->cache[i].key, key))
			return rv->cache[i].st;
	return NULL;
}

/*
 * The statement cached under key, prepared from sql (built by the caller
 * from checked identifiers) the first time. A full cache just prepares:
 * *owned tells the caller to free instead of reset.
 */
static enum crm_status cached(struct reverter *rv, const char *key, const char *sql,
			      struct crm_stmt **out, int *owned, struct crm_error *err)
{
	enum crm_status s;

	*owned = 0;
	*out = cache_find(rv, key);
	if (*out)
		return CRM_OK;
	s = crm_stmt_prepare(rv->db, sql, out, err);
	if (s)
		return s;
	if (rv->ncache == sizeof(rv->cache) / sizeof(rv->cache[0]) ||
	    !(rv->cache[rv->ncache].key = strdup(key))) {
		*owned = 1;
		return CRM_OK;
	}
	rv->cache[rv->ncache++].st = *out;
	return CRM_OK;
}

static void release(struct crm_stmt *st, int owned)
{
	if (owned)
		crm_stmt_free(st);
	else if (st)
		crm_stmt_clear(st);
}

void crm_revert_result_release(struct crm_revert_result *res)
{
	size_t i;

	for (i = 0; i < res->nconflicts; i++) {
		free(res->conflicts[i].tbl);
		free(res->conflicts[i].field);
		free(res->conflicts[i].reason);
	}
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
}

/* Remembers tbl.col as a column of the schema, while there is room (and memory). */
static void remember_column(struct reverter *rv, const char *tbl, const char *col)
{
	size_t n = strlen(tbl) + strlen(col) + 2;
	char *k = rv->ncolumns < sizeof(rv->columns) / sizeof(rv->columns[0]) ? malloc(n) : NULL;

	if (k) {
		snprintf(k, n, "%s.%s", tbl, col);
		rv->columns[rv->ncolumns++] = k;
	}
}

/* Identifiers read from the log are checked against the schema before use. */
static enum crm_status check_column(struct reverter *rv, const char *tbl, const char *col,
				    struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	size_t i;
	int found = 0;

	if (!tbl || !crm_audit_table_known(tbl))
		return crm_error_set(err, CRM_ERR_SCHEMA, "the log names a table crm does not "
				     "keep ('%s'): run 'crm log verify'", tbl ? tbl : "");
	if (!col)
		return CRM_OK;
	for (i = 0; i < rv->ncolumns; i++) {
		const char *k = rv->columns[i];
		size_t n = strlen(tbl);

		if (!strncmp(k, tbl, n) && k[n] == '.' && !strcmp(k + n + 1, col))
			return CRM_OK;
	}
	if (!(st = stmt(rv, SQL_HAS_COLUMN, err)))
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_str(st, 2, col);
	s = crm_stmt_one(st, &found, "cannot read the schema", err);
	crm_stmt_reset(st);
	if (s)
		return s;
	if (found && strcmp(col, "id")) {
		remember_column(rv, tbl, col);
		return CRM_OK;
	}
	return crm_error_set(err, CRM_ERR_SCHEMA, "the log names a column %s has not ('%s'): "
			     "run 'crm log verify'", tbl, col);
}

/* "run 5, 7" for the later runs that changed tbl.row (field), or why none. */
static enum crm_status later_runs(struct reverter *rv, const char *tbl, int64_t row,
				  const char *field, int64_t after, struct crm_strbuf *out,
				  struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_LATER, err);
	enum crm_step step;
	int n = 0, oom = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_str(st, 3, field);
	crm_stmt_bind_int(st, 4, after);
	crm_stmt_bind_int(st, 5, rv->target);
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW)
		oom |= crm_strbuf_addf(out, "%s%lld (%s)", n++ ? ", " : "changed by run ",
				       (long long)crm_stmt_int(st, 0), crm_stmt_text(st, 1));
	if (step == CRM_STEP_ERROR) {
		enum crm_status s = crm_stmt_fail(st, err, "cannot read the log");

		crm_stmt_clear(st);
		return s;
	}
	crm_stmt_clear(st);
	if (!n)
		oom |= crm_strbuf_addstr(out, "no later run logged it (erased by crm log forget, or changed outside crm)");
	return oom ? nomem(err) : CRM_OK;
}

static enum crm_status add_conflict(struct reverter *rv, const char *tbl, int64_t row,
				    const char *field, const char *reason,
				    struct crm_error *err)
{
	struct crm_revert_result *res = rv->res;
	struct crm_log_conflict *c;

	c = realloc(res->conflicts, (res->nconflicts + 1) * sizeof(*c));
	if (!c)
		return nomem(err);
	res->conflicts = c;
	c += res->nconflicts;
	c->tbl = strdup(tbl);
	c->field = field ? strdup(field) : NULL;
	c->reason = strdup(reason);
	c->row = row;
	if (!c->tbl || !c->reason || (field && !c->field)) {
		free(c->tbl);
		free(c->field);
		free(c->reason);
		return nomem(err);
	}
	res->nconflicts++;
	return CRM_OK;
}

static enum crm_status conflict_later(struct reverter *rv, const char *tbl, int64_t row,
				      const char *field, int64_t after, const char *what,
				      struct crm_error *err)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	enum crm_status s = crm_strbuf_addstr(&sb, what) ? nomem(err) : CRM_OK;

	if (!s)
		s = later_runs(rv, tbl, row, field, after, &sb, err);
	if (!s)
		s = add_conflict(rv, tbl, row, field, sb.buf, err);
	crm_strbuf_release(&sb);
	return s;
}

/* The cached statement that reads field of a row of tbl (?1 the id). */
static enum crm_status value_stmt(struct reverter *rv, const char *tbl, const char *field,
				  struct crm_stmt **out, int *owned, struct crm_error *err)
{
	char sql[256];

	/* Identifiers checked by the caller against the schema; the SQL is the key. */
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE id = ?1", field, tbl);
	return cached(rv, sql, sql, out, owned, err);
}

/* Sets field of tbl.row to v, logging the update from cur. */
static enum crm_status set_value(struct reverter *rv, const char *tbl, int64_t row,
				 const char *field, const struct crm_value *cur,
				 const struct crm_value *v, const char *what,
				 struct crm_error *err)
{
	struct crm_stmt *set = NULL;
	char sql[256];
	enum crm_status s;
	int owned = 0;

	snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE id = ?2", tbl, field);
	s = cached(rv, sql, sql, &set, &owned, err);
	if (!s)
		s = crm_audit_update(rv->run, tbl, row, field, cur, v, err);
	if (!s) {
		crm_stmt_bind_value(set, 1, v);
		crm_stmt_bind_int(set, 2, row);
		s = crm_stmt_run(set, what, err);
	}
	if (!s)
		rv->res->restored++;
	release(set, owned);
	return s;
}

/* Puts field of tbl.row back to old if it is still what the run set (new). */
static enum crm_status revert_update(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const char *field,
				     const struct crm_value *old, const struct crm_value *new,
				     struct crm_error *err)
{
	struct crm_stmt *get = NULL;
	enum crm_status s = check_column(rv, tbl, field, err);
	int found = 0, owned = 0;

	if (!s)
		s = value_stmt(rv, tbl, field, &get, &owned, err);
	if (s)
		return s;
	crm_stmt_bind_int(get, 1, row);
	s = crm_stmt_one(get, &found, "cannot read the row", err);
	if (!s && !found) {
		s = conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err);
	} else if (!s) {
		struct crm_value cur = crm_stmt_value(get, 0);

		if (crm_value_equal(&cur, new))
			s = set_value(rv, tbl, row, field, &cur, old, "cannot restore the value", err);
		else if (strcmp(field, "updated_at"))
			s = conflict_later(rv, tbl, row, field, change, "", err);
		/* Else a later run touched the row: its time stands. */
	}
	release(get, owned);
	return s;
}

/* Whether field of tbl.row is still was (updated_at always is: a later run's time stands). */
static enum crm_status value_is(struct reverter *rv, const char *tbl, int64_t row,
				const char *field, const struct crm_value *was, int *same,
				struct crm_error *err)
{
	struct crm_stmt *cur = NULL;
	enum crm_status s = check_column(rv, tbl, field, err);
	int owned = 0;

	/* The statement revert_update() reads a value with, from the cache. */
	if (!s)
		s = value_stmt(rv, tbl, field, &cur, &owned, err);
	if (s)
		return s;
	crm_stmt_bind_int(cur, 1, row);
	*same = 1;
	if (crm_stmt_step(cur) == CRM_STEP_ROW) {
		struct crm_value now = crm_stmt_value(cur, 0);

		*same = crm_value_equal(&now, was) || !strcmp(field, "updated_at");
	}
	release(cur, owned);
	return s;
}

/*
 * Whether a row the run added is still as the run left it: each field's
 * first later update must have started from the value the field has now.
 */
static enum crm_status row_untouched(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, int *untouched, struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_REINSERTED, err);
	enum crm_status s;
	enum crm_step step = CRM_STEP_DONE;
	int found = 0;

	*untouched = 1;
	if (!st)
		return err->code;
	/* A later insert of this id: the row now there is another one (ids are reused). */
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_int(st, 3, change);
	s = crm_stmt_one(st, &found, "cannot read the log", err);
	crm_stmt_reset(st);
	if (s || found) {
		*untouched = !found;
		return s;
	}
	if (!(st = stmt(rv, SQL_FIRST_LATER, err)))
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_int(st, 3, change);
	while (!s && *untouched && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *field = crm_stmt_text(st, 0);
		struct crm_value was = crm_stmt_value(st, 1);

		if (strcmp(crm_stmt_text(st, 2), "update"))   /* merged or deleted later */
			*untouched = 0;
		else
			s = value_is(rv, tbl, row, field, &was, untouched, err);
	}
	if (!s && *untouched && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the log");
	crm_stmt_reset(st);
	return s;
}

/* Rows of later runs that belong to a customer the run added. */
static enum crm_status customer_children(struct reverter *rv, int64_t id, int *has,
					 struct crm_strbuf *why, struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_CHILDREN, err);
	enum crm_status s;

	*has = 0;
	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, id);
	crm_stmt_bind_int(st, 2, rv->target);
	s = crm_stmt_one(st, has, "cannot read the customer's rows", err);
	if (!s && *has && crm_strbuf_addf(why, "%s row %lld of run %lld belongs to it",
					  crm_stmt_text(st, 0), (long long)crm_stmt_int(st, 1),
					  (long long)crm_stmt_int(st, 2)))
		s = nomem(err);
	crm_stmt_reset(st);
	return s;
}

/* Removes row id of tbl, added by the run, if it is still as the run left it. */
static enum crm_status remove_added(struct reverter *rv, int64_t change, const char *tbl,
				    int64_t id, struct crm_stmt *del, struct crm_error *err)
{
	struct crm_strbuf why = CRM_STRBUF_INIT;
	enum crm_status s;
	int untouched, children = 0;

	s = row_untouched(rv, change, tbl, id, &untouched, err);
	if (!s && untouched && !strcmp(tbl, "customers"))
		s = customer_children(rv, id, &children, &why, err);
	if (!s && !untouched)
		s = conflict_later(rv, tbl, id, NULL, change,
				   "the row it added was changed since: ", err);
	else if (!s && children)
		s = add_conflict(rv, tbl, id, NULL, why.buf, err);
	crm_strbuf_release(&why);
	if (s || !untouched || children)
		return s;
	s = crm_audit_delete(rv->run, tbl, id, err);
	if (!s) {
		crm_stmt_bind_int(del, 1, id);
		s = crm_stmt_run(del, "cannot remove the row", err);
	}
	if (!s)
		rv->res->deleted++;
	return s;
}

/* Removes the rows of an insert range that are still as the run left them. */
static enum crm_status revert_insert(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t first, int64_t last, struct crm_error *err)
{
	char sql[128];
	struct crm_stmt *ids = NULL, *del = NULL;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	enum crm_step step = CRM_STEP_DONE;

	if (s)
		return s;
	/* The table is checked above against the ones crm keeps. */
	snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE id BETWEEN ?1 AND ?2"
		 " ORDER BY id DESC", tbl);
	s = crm_stmt_prepare(rv->db, sql, &ids, err);
	if (!s) {
		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE id = ?1", tbl);
		s = crm_stmt_prepare(rv->db, sql, &del, err);
	}
	if (!s) {
		crm_stmt_bind_int(ids, 1, first);
		crm_stmt_bind_int(ids, 2, last);
	}
	while (!s && (step = crm_stmt_step(ids)) == CRM_STEP_ROW)
		s = remove_added(rv, change, tbl, crm_stmt_int(ids, 0), del, err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(ids, err, "cannot read the rows");
	crm_stmt_free(ids);
	crm_stmt_free(del);
	return s;
}

/* The table's columns as "a", "b", ... and json_extract(?1, '$."a"'), ... */
static enum crm_status column_lists(struct reverter *rv, const char *tbl,
				    struct crm_strbuf *cols, struct crm_strbuf *vals,
				    struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_COLUMNS, err);
	enum crm_step step;
	int n = 0, oom = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *c = crm_stmt_text(st, 0);

		oom |= crm_strbuf_addf(cols, "%s\"%s\"", n ? ", " : "", c);
		oom |= crm_strbuf_addf(vals, "%sjson_extract(?1, '$.\"%s\"')", n++ ? ", " : "", c);
	}
	if (step == CRM_STEP_ERROR) {
		enum crm_status s = crm_stmt_fail(st, err, "cannot read the schema");

		crm_stmt_reset(st);
		return s;
	}
	crm_stmt_reset(st);
	return oom ? nomem(err) : CRM_OK;
}

/* The cached statement that puts a row of tbl back from its copy (?1) if its id (?2) is free. */
static enum crm_status reinsert_stmt(struct reverter *rv, const char *tbl,
				     struct crm_stmt **out, int *owned, struct crm_error *err)
{
	struct crm_strbuf cols = CRM_STRBUF_INIT, vals = CRM_STRBUF_INIT, sql = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	char key[64];

	*owned = 0;
	snprintf(key, sizeof(key), "reinsert %s", tbl);
	*out = cache_find(rv, key);
	if (*out)
		return CRM_OK;
	s = column_lists(rv, tbl, &cols, &vals, err);
	if (!s && crm_strbuf_addf(&sql, "INSERT INTO \"%s\"(%s) SELECT %s"
				  " WHERE NOT EXISTS (SELECT 1 FROM \"%s\" WHERE id = ?2)",
				  tbl, cols.buf, vals.buf, tbl))
		s = nomem(err);
	if (!s)
		s = cached(rv, key, sql.buf, out, owned, err);
	crm_strbuf_release(&cols);
	crm_strbuf_release(&vals);
	crm_strbuf_release(&sql);
	return s;
}

/* Puts back a row the run removed, from the copy in the log. */
static enum crm_status revert_delete(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const struct crm_value *old,
				     struct crm_error *err)
{
	struct crm_stmt *st = NULL;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	int owned = 0;

	if (s)
		return s;   /* tbl may be NULL: nothing below may use it */
	if (old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	s = reinsert_stmt(rv, tbl, &st, &owned, err);
	if (s)
		return s;
	crm_stmt_bind_value(st, 1, old);
	crm_stmt_bind_int(st, 2, row);
	s = crm_stmt_run(st, "cannot put the row back", err);
	if (!s && crm_db_changes(rv->db) == 0)
		s = conflict_later(rv, tbl, row, NULL, change,
				   "a row with its id exists again: ", err);
	else if (!s && !(s = crm_audit_insert(rv->run, tbl, row, err)))
		rv->res->reinserted++;
	release(st, owned);
	return s;
}

/*
 * Puts column c of tbl.row back to its value in the copy old, unless the
 * row is gone or (for merged_into) no longer merged into into.
 */
static enum crm_status unmerge_column(struct reverter *rv, int64_t change, const char *tbl,
				      int64_t row, const char *c, const struct crm_value *old,
				      const struct crm_value *into, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	struct crm_stmt *get = NULL;
	enum crm_status s = CRM_OK;
	int found = 0;

	/* c comes from the schema of a table checked against the ones crm keeps. */
	if (crm_strbuf_addf(&sql, "SELECT \"%s\", json_extract(?1, '$.\"%s\"'),"
			    " json_type(?1, '$.\"%s\"') FROM \"%s\" WHERE id = ?2", c, c, c, tbl))
		s = nomem(err);
	if (!s)
		s = crm_stmt_prepare(rv->db, sql.buf, &get, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	crm_stmt_bind_value(get, 1, old);
	crm_stmt_bind_int(get, 2, row);
	s = crm_stmt_one(get, &found, "cannot read the row", err);
	if (!s && !found) {
		s = conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err);
		if (!s)
			s = CRM_EOF;   /* nothing more to do for this row */
	} else if (!s) {
		struct crm_value now = crm_stmt_value(get, 0), was = crm_stmt_value(get, 1);

		if (!strcmp(c, "merged_into") && !crm_value_equal(&now, into))
			s = conflict_later(rv, tbl, row, c, change, "no longer merged: ", err);
		else if (!crm_value_equal(&now, &was))
			s = set_value(rv, tbl, row, c, &now, &was, "cannot unmerge the row", err);
	}
	crm_stmt_free(get);
	return s;
}

/* Unmerges: every column back to the copy kept when the row was merged. */
static enum crm_status revert_merge(struct reverter *rv, int64_t change, const char *tbl,
				    int64_t row, const struct crm_value *old,
				    const struct crm_value *into, struct crm_error *err)
{
	struct crm_stmt *cols;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	enum crm_step step = CRM_STEP_DONE;

	if (s)
		return s;
	if (old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	if (!(cols = stmt(rv, SQL_COLUMNS_BUT_ID, err)))
		return err->code;
	crm_stmt_bind_str(cols, 1, tbl);
	while (!s && (step = crm_stmt_step(cols)) == CRM_STEP_ROW)
		s = unmerge_column(rv, change, tbl, row, crm_stmt_text(cols, 0), old, into, err);
	if (s == CRM_EOF)
		s = CRM_OK;
	else if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(cols, err, "cannot read the schema");
	crm_stmt_reset(cols);
	return s;
}

/* Why target cannot be reverted at all, if it cannot. */
static enum crm_status check_target(struct reverter *rv, struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_TARGET, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, rv->target);
	s = crm_stmt_one(st, &found, "cannot read the run", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				  (long long)rv->target);
	else if (!s && rv->target == crm_audit_run_id(rv->run))
		s = crm_error_set(err, CRM_ERR_INVALID, "a run cannot revert itself");
	else if (!s && !crm_stmt_is_null(st, 2))
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld was already reverted by run %lld",
				  (long long)rv->target, (long long)crm_stmt_int(st, 2));
	else if (!s && crm_stmt_int(st, 3))
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld erased a person: an erasure "
				  "cannot be undone", (long long)rv->target);
	else if (!s && !strcmp(crm_stmt_text(st, 1), "running") && !rv->force)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld has not finished (it is still "
				  "running, or was killed): --force reverts what it committed",
				  (long long)rv->target);
	crm_stmt_reset(st);
	return s;
}

static enum crm_status revert_change(struct reverter *rv, struct crm_stmt *st,
				     struct crm_error *err)
{
	int64_t change = crm_stmt_int(st, 0);
	const char *tbl = crm_stmt_text(st, 1);
	int64_t row = crm_stmt_int(st, 2);
	const char *op = crm_stmt_text(st, 3);
	const char *field = crm_stmt_text(st, 4);
	struct crm_value old = crm_stmt_value(st, 5), new = crm_stmt_value(st, 6);

	if (!op || !tbl)
		return crm_error_set(err, CRM_ERR_SCHEMA, "change %lld is damaged",
				     (long long)change);
	if (!strcmp(op, "update"))
		return revert_update(rv, change, tbl, row, field, &old, &new, err);
	if (!strcmp(op, "insert"))
		return revert_insert(rv, change, tbl, row,
				     new.type == CRM_VALUE_INT ? new.i : row, err);
	if (!strcmp(op, "delete"))
		return revert_delete(rv, change, tbl, row, &old, err);
	if (!strcmp(op, "merge"))
		return revert_merge(rv, change, tbl, row, &old, &new, err);
	return crm_error_set(err, CRM_ERR_SCHEMA, "change %lld has an unknown op '%s'",
			     (long long)change, op);
}

/* Every change of the target, newest first; then the refusal if there were conflicts. */
static enum crm_status revert_changes(struct reverter *rv, struct crm_error *err)
{
	struct crm_stmt *st = stmt(rv, SQL_RUN_CHANGES, err);
	struct crm_revert_result *res = rv->res;
	enum crm_status s = CRM_OK;
	enum crm_step step = CRM_STEP_DONE;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, rv->target);
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW)
		s = revert_change(rv, st, err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the run's changes");
	crm_stmt_reset(st);
	if (!s && res->nconflicts && !rv->force)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld cannot be reverted: %zu "
				  "value%s changed since by later runs; nothing was changed "
				  "(--force reverts the rest)", (long long)rv->target,
				  res->nconflicts, res->nconflicts == 1 ? " was" : "s were");
	return s;
}

enum crm_status crm_log_revert(struct crm_db *db, struct crm_audit *run, int64_t target,
			       int force, struct crm_revert_result *res,
			       struct crm_error *err)
{
	struct reverter rv = { .db = db, .run = run, .target = target, .force = force, .res = res };
	struct crm_stmt *st = NULL;
	enum crm_status s;

	memset(res, 0, sizeof(*res));
	s = crm_stmt_table_init(&rv.sql, db, log_sql, SQL_COUNT, err);
	if (!s)
		s = check_target(&rv, err);
	/* Rows come and go in the log's reverse order: check references at commit. */
	if (!s)
		s = crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
	if (!s)
		s = revert_changes(&rv, err);
	if (!s && !(st = stmt(&rv, SQL_MARK_REVERTED, err)))
		s = err->code;
	if (!s) {
		crm_stmt_bind_int(st, 1, crm_audit_run_id(run));
		crm_stmt_bind_int(st, 2, target);
		s = crm_stmt_run(st, "cannot mark the run reverted", err);
	}
	crm_stmt_table_release(&rv.sql);
	while (rv.ncache--) {
		crm_stmt_free(rv.cache[rv.ncache].st);
		free(rv.cache[rv.ncache].key);
	}
	while (rv.ncolumns--)
		free(rv.columns[rv.ncolumns]);
	return s;
}

/* ---- Forget ----------------------------------------------------------------- */

/* Runs statement q once with ?1 bound to a (if it takes it). */
static enum crm_status run_bound(struct crm_db *db, enum log_sql q, int64_t a,
				 const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, q, &st, err);

	if (s)
		return s;
	if (crm_stmt_params(st) >= 1)
		crm_stmt_bind_int(st, 1, a);
	s = crm_stmt_run(st, what, err);
	crm_stmt_free(st);
	return s;
}

static enum crm_status collect_rows(struct crm_db *db, int64_t id, struct crm_error *err)
{
	enum crm_status s = crm_db_exec(db, log_sql[SQL_FORGET_TEMP], err);

	if (!s)
		s = run_bound(db, SQL_FORGET_WHO, id, "cannot find the person's rows", err);
	if (!s)
		s = crm_db_exec(db, log_sql[SQL_FORGET_ROWS], err);
	return s;
}

static enum crm_status count_rows(struct crm_db *db, const char *tbl, long *n,
				  struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_FORGET_COUNT, &st, err);
	int found = 0;

	*n = 0;
	if (s)
		return s;
	crm_stmt_bind_str(st, 1, tbl);
	s = crm_stmt_one(st, &found, "cannot count the person's rows", err);
	if (!s && found)
		*n = (long)crm_stmt_int(st, 0);
	crm_stmt_free(st);
	return s;
}

static enum crm_status blank_changes(struct crm_db *db, long *n, int64_t *first,
				     struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_FORGET_BLANK, &st, err);
	enum crm_step step;

	if (s)
		return s;
	*n = 0;
	*first = 0;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int64_t id = crm_stmt_int(st, 0);

		if (!*n || id < *first)
			*first = id;
		++*n;
	}
	if (step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot blank the log");
	crm_stmt_free(st);
	return s;
}

static enum crm_status tombstone(struct crm_db *db, struct crm_audit *run, int64_t id,
				 const char *reason, const struct crm_forget_result *r,
				 struct crm_error *err)
{
	struct crm_stmt *st;
	char removed[256];
	enum crm_status s = prepare(db, SQL_TOMBSTONE, &st, err);

	if (s)
		return s;
	snprintf(removed, sizeof(removed),
		 "{\"customers\":%ld,\"source_records\":%ld,\"orders\":%ld,\"interactions\":%ld,"
		 "\"changes_blanked\":%ld}", r->customers, r->source_records, r->orders,
		 r->interactions, r->changes_blanked);
	crm_stmt_bind_int(st, 1, crm_audit_run_id(run));
	crm_stmt_bind_int(st, 2, id);
	crm_stmt_bind_str(st, 3, reason);
	crm_stmt_bind_str(st, 4, removed);
	s = crm_stmt_run(st, "cannot write the tombstone", err);
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_log_forget(struct crm_db *db, struct crm_audit *run, int64_t id,
			       const char *reason, struct crm_forget_result *res,
			       struct crm_error *err)
{
	struct crm_chain_break brk;
	enum crm_status s;
	int64_t first = 0, exists = 0;

	memset(res, 0, sizeof(*res));
	if (!reason || !*reason)
		return crm_error_set(err, CRM_ERR_INVALID, "an erasure needs a reason");
	s = crm_chain_verify(db, &brk, err);
	if (!s && brk.id)
		return crm_error_set(err, CRM_ERR_CONFLICT, "the log's hash chain is already broken "
				     "at change %lld: erasing now would seal that in; see "
				     "'crm log verify'", (long long)brk.id);
	if (!s)
		s = crm_db_query_int64(db, log_sql[SQL_CUSTOMER_EXISTS], &id, &exists, err);
	if (!s && !exists)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %lld", (long long)id);
	if (!s)
		s = collect_rows(db, id, err);
	if (!s)
		s = count_rows(db, "customers", &res->customers, err);
	if (!s)
		s = count_rows(db, "source_records", &res->source_records, err);
	if (!s)
		s = count_rows(db, "orders", &res->orders, err);
	if (!s)
		s = count_rows(db, "interactions", &res->interactions, err);
	if (!s)
		s = crm_db_exec(db, log_sql[SQL_FORGET_SPANS], err);
	if (!s)
		s = blank_changes(db, &res->changes_blanked, &first, err);
	if (!s)
		s = crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
	if (!s)
		s = crm_db_exec(db, log_sql[SQL_FORGET_REMOVE], err);
	if (!s)
		s = tombstone(db, run, id, reason, res, err);
	if (!s && first)
		s = crm_chain_seal(db, first, err);
	return s;
}
