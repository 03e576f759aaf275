#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbint.h"
#include "chain.h"
#include "log.h"
#include "strbuf.h"
#include "types.h"
#include "banned.h"

static enum crm_status nomem(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
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

static enum crm_status prepare_filtered(struct crm_db *db, const char *sql,
					const struct crm_log_filter *f, sqlite3_stmt **out,
					struct crm_error *err)
{
	char since[64] = "";
	enum crm_status s;

	*out = NULL;
	if (f && f->since && (s = since_value(f->since, since, sizeof(since), err)))
		return s;
	s = crm_db_prepare(db, sql, out, err);
	if (s)
		return s;
	if (since[0])
		sqlite3_bind_text(*out, 11, since, -1, SQLITE_TRANSIENT);
	if (f && f->actor)
		sqlite3_bind_text(*out, 12, f->actor, -1, SQLITE_TRANSIENT);
	if (f && f->command)
		sqlite3_bind_text(*out, 13, f->command, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(*out, 14, f && f->limit > 0 ? f->limit : -1);
	return CRM_OK;
}

/* The filters, on a query with started_at, actor and command columns. */
#define FILTER_SQL \
	" (?11 IS NULL OR started_at >= ?11) AND (?12 IS NULL OR actor = ?12)" \
	" AND (?13 IS NULL OR command = ?13)"

enum crm_status crm_log_runs(struct crm_db *db, const struct crm_log_filter *f,
			     sqlite3_stmt **out, struct crm_error *err)
{
	return prepare_filtered(db,
		"SELECT id AS run, started_at, actor, command, status, counts, reverted_by"
		" FROM runs WHERE" FILTER_SQL " ORDER BY id DESC LIMIT ?14", f, out, err);
}

enum crm_status crm_log_run_exists(struct crm_db *db, int64_t id, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(db, "SELECT 1 FROM runs WHERE id = ?1", &st, err);
	int rc;

	if (s)
		return s;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return CRM_OK;
	if (rc == SQLITE_DONE)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				     (long long)id);
	return crm_db_fail(db, rc, err, "cannot read the runs");
}

/* The customer a row of an audited table belongs to. */
#define CUSTOMER_OF(tbl, row) \
	"CASE " tbl " WHEN 'customers' THEN " row \
	" WHEN 'source_records' THEN (SELECT customer_id FROM source_records WHERE id = " row ")" \
	" WHEN 'orders' THEN (SELECT customer_id FROM orders WHERE id = " row ")" \
	" WHEN 'interactions' THEN (SELECT customer_id FROM interactions WHERE id = " row ")" \
	" END"

enum crm_status crm_log_changes(struct crm_db *db, int64_t run, sqlite3_stmt **out,
				struct crm_error *err)
{
	enum crm_status s = crm_db_prepare(db,
		"SELECT id AS change, tbl AS \"table\", row_id AS row,"
		" CASE WHEN op = 'insert' THEN new_value END AS \"to\","
		" CASE WHEN op = 'insert' AND new_value <> row_id THEN NULL ELSE "
		CUSTOMER_OF("tbl", "row_id") " END AS customer,"
		" op, field, old_value AS old,"
		" CASE WHEN op = 'insert' THEN NULL ELSE new_value END AS new"
		" FROM changes WHERE run_id = ?1 ORDER BY id", out, err);

	if (!s)
		sqlite3_bind_int64(*out, 1, run);
	return s;
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
	sqlite3_stmt *st;
	enum crm_status s;
	int rc;

	if (all_digits(spec) && strlen(spec) < 19) {
		s = crm_db_prepare(db, "SELECT id FROM customers WHERE id = ?1", &st, err);
		if (s)
			return s;
		sqlite3_bind_int64(st, 1, strtoll(spec, NULL, 10));
	} else if (colon && colon > spec && colon[1]) {
		s = crm_db_prepare(db, "SELECT customer_id FROM source_records"
				       " WHERE source = ?1 AND source_key = ?2", &st, err);
		if (s)
			return s;
		sqlite3_bind_text(st, 1, spec, (int)(colon - spec), SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, colon + 1, -1, SQLITE_TRANSIENT);
	} else {
		return crm_error_set(err, CRM_ERR_INVALID,
				     "'%s' names no customer: give an id (42) or SOURCE:KEY", spec);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return CRM_OK;
	if (rc == SQLITE_DONE)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %s", spec);
	return crm_db_fail(db, rc, err, "cannot find the customer");
}

/*
 * The customer's rows, then their changes: the insert range holding each
 * row is found through changes_inserts (the range starting nearest below
 * it), every other change through changes_row. Only ids are sorted; the
 * values (raw rows can be long) are read after, in the sorted order: the
 * LIMIT keeps SQLite from flattening the sorted subquery into the join,
 * so it stays the outer loop and its order is the output's.
 */
enum crm_status crm_log_customer(struct crm_db *db, int64_t customer,
				 const struct crm_log_filter *f, sqlite3_stmt **out,
				 struct crm_error *err)
{
	enum crm_status s = prepare_filtered(db,
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
		" LIMIT ?14", f, out, err);

	if (!s)
		sqlite3_bind_int64(*out, 1, customer);
	return s;
}

/* ---- Revert ----------------------------------------------------------------- */

struct reverter {
	struct crm_db *db;
	struct crm_audit *run;
	int64_t target;
	int force;
	struct crm_revert_result *res;
	sqlite3_stmt *later;    /* the runs after a change that touched the same value */
	sqlite3_stmt *has_col;
	sqlite3_stmt *first_later; /* each field's first change after a change */
	sqlite3_stmt *children;    /* rows of other runs belonging to a customer */
	sqlite3_stmt *reinserted;  /* a later insert of the same id */
	/* Statements built from the log's table and field names, kept by key. */
	struct { char *key; sqlite3_stmt *st; } cache[64];
	size_t ncache;
	/*
	 * Columns found in the schema, as "tbl.col": pragma_table_info
	 * compiles a statement of its own each time it runs, which was most
	 * of the time of reverting a cleanse.
	 */
	char *columns[64];
	size_t ncolumns;
};

static sqlite3_stmt *cache_find(struct reverter *rv, const char *key)
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
 * *owned tells the caller to finalize instead of reset.
 */
static enum crm_status cached(struct reverter *rv, const char *key, const char *sql,
			      sqlite3_stmt **out, int *owned, struct crm_error *err)
{
	enum crm_status s;

	*owned = 0;
	*out = cache_find(rv, key);
	if (*out)
		return CRM_OK;
	s = crm_db_prepare(rv->db, sql, out, err);
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

static void release(sqlite3_stmt *st, int owned)
{
	if (owned) {
		sqlite3_finalize(st);
	} else if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
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

/* Identifiers read from the log are checked against the schema before use. */
static enum crm_status check_column(struct reverter *rv, const char *tbl, const char *col,
				    struct crm_error *err)
{
	size_t i;
	int rc;

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
	sqlite3_bind_text(rv->has_col, 1, tbl, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(rv->has_col, 2, col, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(rv->has_col);
	sqlite3_reset(rv->has_col);
	if (rc == SQLITE_ROW && strcmp(col, "id")) {
		/* Remembered while there is room (and memory); else asked again. */
		size_t n = strlen(tbl) + strlen(col) + 2;
		char *k = rv->ncolumns < sizeof(rv->columns) / sizeof(rv->columns[0])
			  ? malloc(n) : NULL;

		if (k) {
			snprintf(k, n, "%s.%s", tbl, col);
			rv->columns[rv->ncolumns++] = k;
		}
		return CRM_OK;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crm_db_fail(rv->db, rc, err, "cannot read the schema");
	return crm_error_set(err, CRM_ERR_SCHEMA, "the log names a column %s has not ('%s'): "
			     "run 'crm log verify'", tbl, col);
}

/* "run 5, 7" for the later runs that changed tbl.row (field), or why none. */
static enum crm_status later_runs(struct reverter *rv, const char *tbl, int64_t row,
				  const char *field, int64_t after, struct crm_strbuf *out,
				  struct crm_error *err)
{
	sqlite3_stmt *st = rv->later;
	int rc, n = 0, oom = 0;

	sqlite3_bind_text(st, 1, tbl, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, row);
	if (field)
		sqlite3_bind_text(st, 3, field, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, after);
	sqlite3_bind_int64(st, 5, rv->target);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		oom |= crm_strbuf_addf(out, "%s%lld (%s)", n++ ? ", " : "changed by run ",
				       (long long)sqlite3_column_int64(st, 0),
				       (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return crm_db_fail(rv->db, rc, err, "cannot read the log");
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

/* Puts field of tbl.row back to old if it is still what the run set (new). */
static enum crm_status revert_update(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const char *field,
				     const struct crm_value *old, const struct crm_value *new,
				     struct crm_error *err)
{
	char sql[256];
	sqlite3_stmt *get = NULL, *set = NULL;
	enum crm_status s = check_column(rv, tbl, field, err);
	int rc, own_get = 0, own_set = 0;

	if (s)
		return s;
	/* Identifiers checked above against the schema; the SQL is the key. */
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE id = ?1", field, tbl);
	s = cached(rv, sql, sql, &get, &own_get, err);
	if (s)
		return s;
	sqlite3_bind_int64(get, 1, row);
	rc = sqlite3_step(get);
	if (rc == SQLITE_DONE) {
		s = conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err);
	} else if (rc != SQLITE_ROW) {
		s = crm_db_fail(rv->db, rc, err, "cannot read the row");
	} else {
		struct crm_value cur = crm_value_column(get, 0);

		if (crm_value_equal(&cur, new)) {
			snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE id = ?2",
				 tbl, field);
			s = cached(rv, sql, sql, &set, &own_set, err);
			if (!s)
				s = crm_audit_update(rv->run, tbl, row, field, &cur, old, err);
			if (!s) {
				crm_value_bind(set, 1, old);
				sqlite3_bind_int64(set, 2, row);
				s = crm_db_step_done(rv->db, set, "cannot restore the value", err);
			}
			if (!s)
				rv->res->restored++;
		} else if (!strcmp(field, "updated_at")) {
			/* A later run touched the row: its time stands. */
		} else {
			s = conflict_later(rv, tbl, row, field, change, "", err);
		}
	}
	release(get, own_get);
	release(set, own_set);
	return s;
}

/*
 * Whether a row the run added is still as the run left it: each field's
 * first later update must have started from the value the field has now.
 */
static enum crm_status row_untouched(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, int *untouched, struct crm_error *err)
{
	char sql[256];
	sqlite3_stmt *st = rv->first_later, *cur = NULL;
	enum crm_status s = CRM_OK;
	int rc = SQLITE_DONE, owned;

	*untouched = 1;
	/* A later insert of this id: the row now there is another one (ids are reused). */
	sqlite3_bind_text(rv->reinserted, 1, tbl, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(rv->reinserted, 2, row);
	sqlite3_bind_int64(rv->reinserted, 3, change);
	rc = sqlite3_step(rv->reinserted);
	sqlite3_reset(rv->reinserted);
	if (rc == SQLITE_ROW) {
		*untouched = 0;
		return CRM_OK;
	}
	if (rc != SQLITE_DONE)
		return crm_db_fail(rv->db, rc, err, "cannot read the log");
	sqlite3_bind_text(st, 1, tbl, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, row);
	sqlite3_bind_int64(st, 3, change);
	while (*untouched && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *field = (const char *)sqlite3_column_text(st, 0);
		const char *op = (const char *)sqlite3_column_text(st, 2);
		struct crm_value was = crm_value_column(st, 1), now;

		if (strcmp(op, "update")) {   /* merged or deleted later */
			*untouched = 0;
			break;
		}
		s = check_column(rv, tbl, field, err);
		if (s)
			break;
		/* The statement revert_update() reads a value with, from the cache. */
		snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE id = ?1", field, tbl);
		s = cached(rv, sql, sql, &cur, &owned, err);
		if (s)
			break;
		sqlite3_bind_int64(cur, 1, row);
		if (sqlite3_step(cur) == SQLITE_ROW) {
			now = crm_value_column(cur, 0);
			if (!crm_value_equal(&now, &was) && strcmp(field, "updated_at"))
				*untouched = 0;
		}
		release(cur, owned);
		cur = NULL;
	}
	if (!s && *untouched && rc != SQLITE_DONE)
		s = crm_db_fail(rv->db, rc, err, "cannot read the log");
	sqlite3_reset(st);
	return s;
}

/* Rows of later runs that belong to a customer the run added. */
static enum crm_status customer_children(struct reverter *rv, int64_t id, int *has,
					 struct crm_strbuf *why, struct crm_error *err)
{
	sqlite3_stmt *st = rv->children;
	enum crm_status s = CRM_OK;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, rv->target);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	if (*has && crm_strbuf_addf(why, "%s row %lld of run %lld belongs to it",
				    (const char *)sqlite3_column_text(st, 0),
				    (long long)sqlite3_column_int64(st, 1),
				    (long long)sqlite3_column_int64(st, 2)))
		s = nomem(err);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = crm_db_fail(rv->db, rc, err, "cannot read the customer's rows");
	sqlite3_reset(st);
	return s;
}

/* Removes the rows of an insert range that are still as the run left them. */
static enum crm_status revert_insert(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t first, int64_t last, struct crm_error *err)
{
	char sql[128];
	sqlite3_stmt *ids = NULL, *del = NULL;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	int rc = SQLITE_DONE;

	if (s)
		return s;
	snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE id BETWEEN ?1 AND ?2"
		 " ORDER BY id DESC", tbl);
	s = crm_db_prepare(rv->db, sql, &ids, err);
	if (!s) {
		snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE id = ?1", tbl);
		s = crm_db_prepare(rv->db, sql, &del, err);
	}
	if (s)
		goto out;
	sqlite3_bind_int64(ids, 1, first);
	sqlite3_bind_int64(ids, 2, last);
	while (!s && (rc = sqlite3_step(ids)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(ids, 0);
		struct crm_strbuf why = CRM_STRBUF_INIT;
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
			continue;
		s = crm_audit_delete(rv->run, tbl, id, err);
		if (!s) {
			sqlite3_bind_int64(del, 1, id);
			s = crm_db_step_done(rv->db, del, "cannot remove the row", err);
		}
		if (!s)
			rv->res->deleted++;
	}
	if (!s && rc != SQLITE_DONE)
		s = crm_db_fail(rv->db, rc, err, "cannot read the rows");
out:
	sqlite3_finalize(ids);
	sqlite3_finalize(del);
	return s;
}

/* The table's columns as "a", "b", ... and json_extract(?1, '$."a"'), ... */
static enum crm_status column_lists(struct reverter *rv, const char *tbl,
				    struct crm_strbuf *cols, struct crm_strbuf *vals,
				    struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(rv->db,
		"SELECT name FROM pragma_table_info(?1) ORDER BY cid", &st, err);
	int rc, n = 0, oom = 0;

	if (s)
		return s;
	sqlite3_bind_text(st, 1, tbl, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);

		oom |= crm_strbuf_addf(cols, "%s\"%s\"", n ? ", " : "", c);
		oom |= crm_strbuf_addf(vals, "%sjson_extract(?1, '$.\"%s\"')", n++ ? ", " : "", c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return crm_db_fail(rv->db, rc, err, "cannot read the schema");
	return oom ? nomem(err) : CRM_OK;
}

/* Puts back a row the run removed, from the copy in the log. */
static enum crm_status revert_delete(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const struct crm_value *old,
				     struct crm_error *err)
{
	struct crm_strbuf cols = CRM_STRBUF_INIT, vals = CRM_STRBUF_INIT, sql = CRM_STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	char key[64];
	int rc, owned = 0;

	if (s)
		return s;   /* tbl may be NULL: nothing below may use it */
	if (old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	snprintf(key, sizeof(key), "reinsert %s", tbl);
	st = cache_find(rv, key);
	if (!s && !st)
		s = column_lists(rv, tbl, &cols, &vals, err);
	if (!s && !st && crm_strbuf_addf(&sql, "INSERT INTO \"%s\"(%s) SELECT %s"
					 " WHERE NOT EXISTS (SELECT 1 FROM \"%s\" WHERE id = ?2)",
					 tbl, cols.buf, vals.buf, tbl))
		s = nomem(err);
	if (!s && !st)
		s = cached(rv, key, sql.buf, &st, &owned, err);
	if (!s) {
		crm_value_bind(st, 1, old);
		sqlite3_bind_int64(st, 2, row);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			s = crm_db_fail(rv->db, rc, err, "cannot put the row back");
		else if (sqlite3_changes(crm_db_handle(rv->db)) == 0)
			s = conflict_later(rv, tbl, row, NULL, change,
					   "a row with its id exists again: ", err);
		else if (!(s = crm_audit_insert(rv->run, tbl, row, err)))
			rv->res->reinserted++;
	}
	release(st, owned);
	crm_strbuf_release(&cols);
	crm_strbuf_release(&vals);
	crm_strbuf_release(&sql);
	return s;
}

/* Unmerges: every column back to the copy kept when the row was merged. */
static enum crm_status revert_merge(struct reverter *rv, int64_t change, const char *tbl,
				    int64_t row, const struct crm_value *old,
				    const struct crm_value *into, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	sqlite3_stmt *cols = NULL, *get = NULL, *set = NULL;
	enum crm_status s = check_column(rv, tbl, NULL, err);
	int rc;

	if (!s && old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	if (!s)
		s = crm_db_prepare(rv->db, "SELECT name FROM pragma_table_info(?1)"
				   " WHERE name <> 'id' ORDER BY cid", &cols, err);
	if (s)
		return s;
	sqlite3_bind_text(cols, 1, tbl, -1, SQLITE_TRANSIENT);
	while (!s && (rc = sqlite3_step(cols)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(cols, 0);
		struct crm_value now, was;

		crm_strbuf_reset(&sql);
		if (crm_strbuf_addf(&sql, "SELECT \"%s\", json_extract(?1, '$.\"%s\"'),"
				    " json_type(?1, '$.\"%s\"') FROM \"%s\" WHERE id = ?2",
				    c, c, c, tbl)) {
			s = nomem(err);
			break;
		}
		s = crm_db_prepare(rv->db, sql.buf, &get, err);
		if (s)
			break;
		crm_value_bind(get, 1, old);
		sqlite3_bind_int64(get, 2, row);
		rc = sqlite3_step(get);
		if (rc != SQLITE_ROW) {
			s = rc == SQLITE_DONE
				? conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err)
				: crm_db_fail(rv->db, rc, err, "cannot read the row");
			sqlite3_finalize(get);
			get = NULL;
			break;
		}
		now = crm_value_column(get, 0);
		was = crm_value_column(get, 1);
		if (!strcmp(c, "merged_into") && !crm_value_equal(&now, into)) {
			s = conflict_later(rv, tbl, row, c, change, "no longer merged: ", err);
		} else if (!crm_value_equal(&now, &was)) {
			crm_strbuf_reset(&sql);
			if (crm_strbuf_addf(&sql, "UPDATE \"%s\" SET \"%s\" = ?1 WHERE id = ?2",
					    tbl, c))
				s = nomem(err);
			if (!s)
				s = crm_db_prepare(rv->db, sql.buf, &set, err);
			if (!s)
				s = crm_audit_update(rv->run, tbl, row, c, &now, &was, err);
			if (!s) {
				crm_value_bind(set, 1, &was);
				sqlite3_bind_int64(set, 2, row);
				s = crm_db_step_done(rv->db, set, "cannot unmerge the row", err);
			}
			sqlite3_finalize(set);
			set = NULL;
			if (!s)
				rv->res->restored++;
		}
		sqlite3_finalize(get);
		get = NULL;
	}
	sqlite3_finalize(cols);
	crm_strbuf_release(&sql);
	return s;
}

/* Why target cannot be reverted at all, if it cannot. */
static enum crm_status check_target(struct reverter *rv, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(rv->db,
		"SELECT command, status, reverted_by,"
		" EXISTS (SELECT 1 FROM tombstones WHERE run_id = ?1) FROM runs WHERE id = ?1",
		&st, err);
	int rc;

	if (s)
		return s;
	sqlite3_bind_int64(st, 1, rv->target);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				  (long long)rv->target);
	} else if (rc != SQLITE_ROW) {
		s = crm_db_fail(rv->db, rc, err, "cannot read the run");
	} else if (rv->target == crm_audit_run_id(rv->run)) {
		s = crm_error_set(err, CRM_ERR_INVALID, "a run cannot revert itself");
	} else if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld was already reverted by run %lld",
				  (long long)rv->target, (long long)sqlite3_column_int64(st, 2));
	} else if (sqlite3_column_int(st, 3)) {
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld erased a person: an erasure "
				  "cannot be undone", (long long)rv->target);
	} else if (!strcmp((const char *)sqlite3_column_text(st, 1), "running") && !rv->force) {
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld has not finished (it is still "
				  "running, or was killed): --force reverts what it committed",
				  (long long)rv->target);
	}
	sqlite3_finalize(st);
	return s;
}

static enum crm_status revert_change(struct reverter *rv, sqlite3_stmt *st,
				     struct crm_error *err)
{
	int64_t change = sqlite3_column_int64(st, 0);
	const char *tbl = (const char *)sqlite3_column_text(st, 1);
	int64_t row = sqlite3_column_int64(st, 2);
	const char *op = (const char *)sqlite3_column_text(st, 3);
	const char *field = (const char *)sqlite3_column_text(st, 4);
	struct crm_value old = crm_value_column(st, 5), new = crm_value_column(st, 6);

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

enum crm_status crm_log_revert(struct crm_db *db, struct crm_audit *run, int64_t target,
			       int force, struct crm_revert_result *res,
			       struct crm_error *err)
{
	struct reverter rv = { .db = db, .run = run, .target = target, .force = force, .res = res };
	sqlite3_stmt *st = NULL;
	enum crm_status s;
	int rc = SQLITE_DONE;

	memset(res, 0, sizeof(*res));
	s = check_target(&rv, err);
	/* Rows come and go in the log's reverse order: check references at commit. */
	if (!s)
		s = crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
	if (!s)
		s = crm_db_prepare(db,
			"SELECT DISTINCT c.run_id, r.command FROM changes c JOIN runs r ON r.id = c.run_id"
			" WHERE c.tbl = ?1 AND c.row_id = ?2 AND (?3 IS NULL OR c.field = ?3)"
			" AND c.id > ?4 AND c.run_id <> ?5 ORDER BY c.run_id", &rv.later, err);
	if (!s)
		s = crm_db_prepare(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
				   &rv.has_col, err);
	/* The first change of each field after ?3: SQLite takes the bare columns from min(id)'s row. */
	if (!s)
		s = crm_db_prepare(db, "SELECT field, old_value, op, min(id) FROM changes"
				   " WHERE tbl = ?1 AND row_id = ?2 AND id > ?3 AND op <> 'insert'"
				   " GROUP BY coalesce(field, op) ORDER BY min(id)", &rv.first_later, err);
	if (!s)
		s = crm_db_prepare(db, "SELECT 1 FROM changes WHERE tbl = ?1 AND op = 'insert'"
				   " AND id > ?3 AND row_id <= ?2 AND new_value >= ?2 LIMIT 1",
				   &rv.reinserted, err);
	if (!s)
		s = crm_db_prepare(db,
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
			" WHERE x.customer_id = ?1 LIMIT 1", &rv.children, err);
	if (!s)
		s = crm_db_prepare(db, "SELECT id, tbl, row_id, op, field, old_value, new_value"
				   " FROM changes WHERE run_id = ?1 ORDER BY id DESC", &st, err);
	if (s)
		goto out;
	sqlite3_bind_int64(st, 1, target);
	while (!s && (rc = sqlite3_step(st)) == SQLITE_ROW)
		s = revert_change(&rv, st, err);
	if (!s && rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot read the run's changes");
	if (!s && res->nconflicts && !force)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld cannot be reverted: %zu "
				  "value%s changed since by later runs; nothing was changed "
				  "(--force reverts the rest)", (long long)target, res->nconflicts,
				  res->nconflicts == 1 ? " was" : "s were");
	sqlite3_finalize(st);
	st = NULL;
	if (!s)
		s = crm_db_prepare(db, "UPDATE runs SET reverted_by = ?1 WHERE id = ?2", &st, err);
	if (!s) {
		sqlite3_bind_int64(st, 1, crm_audit_run_id(run));
		sqlite3_bind_int64(st, 2, target);
		s = crm_db_step_done(db, st, "cannot mark the run reverted", err);
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(rv.later);
	sqlite3_finalize(rv.has_col);
	sqlite3_finalize(rv.first_later);
	sqlite3_finalize(rv.children);
	sqlite3_finalize(rv.reinserted);
	while (rv.ncache--) {
		sqlite3_finalize(rv.cache[rv.ncache].st);
		free(rv.cache[rv.ncache].key);
	}
	while (rv.ncolumns--)
		free(rv.columns[rv.ncolumns]);
	return s;
}

/* ---- Forget ----------------------------------------------------------------- */

static enum crm_status exec_bound(struct crm_db *db, const char *sql, int64_t a,
				  const char *what, long *changed, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(db, sql, &st, err);

	if (s)
		return s;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	s = crm_db_step_done(db, st, what, err);
	if (!s && changed)
		*changed = sqlite3_changes(crm_db_handle(db));
	sqlite3_finalize(st);
	return s;
}

/* The person's rows in every table, in temp tables for the steps below. */
static const char forget_rows_sql[] =
	"DROP TABLE IF EXISTS temp.crm_forget_who;"
	"DROP TABLE IF EXISTS temp.crm_forget_rows;"
	"CREATE TEMP TABLE crm_forget_who(id INTEGER PRIMARY KEY);"
	"CREATE TEMP TABLE crm_forget_rows(tbl TEXT NOT NULL, id INTEGER NOT NULL,"
	" PRIMARY KEY (tbl, id)) WITHOUT ROWID;";

static enum crm_status collect_rows(struct crm_db *db, int64_t id, struct crm_error *err)
{
	enum crm_status s = crm_db_exec(db, forget_rows_sql, err);

	if (!s)
		s = exec_bound(db,
			"INSERT INTO temp.crm_forget_who(id)"
			" WITH RECURSIVE who(id) AS (SELECT ?1 UNION"
			"  SELECT c.id FROM customers c JOIN who ON c.merged_into = who.id)"
			" SELECT id FROM who", id, "cannot find the person's rows", NULL, err);
	if (!s)
		s = crm_db_exec(db,
			"INSERT INTO temp.crm_forget_rows SELECT 'customers', id FROM temp.crm_forget_who;"
			"INSERT INTO temp.crm_forget_rows SELECT 'source_records', id FROM source_records"
			" WHERE customer_id IN temp.crm_forget_who;"
			"INSERT INTO temp.crm_forget_rows SELECT 'orders', id FROM orders"
			" WHERE customer_id IN temp.crm_forget_who;"
			"INSERT INTO temp.crm_forget_rows SELECT 'interactions', id FROM interactions"
			" WHERE customer_id IN temp.crm_forget_who;", err);
	return s;
}

static enum crm_status count_rows(struct crm_db *db, const char *tbl, long *n,
				  struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(db,
		"SELECT count(*) FROM temp.crm_forget_rows WHERE tbl = ?1", &st, err);
	int rc;

	if (s)
		return s;
	sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? CRM_OK : crm_db_fail(db, rc, err, "cannot count the person's rows");
}

/*
 * Values of the person in the log: every change to their rows, and the
 * copies of removed or merged rows that belonged to them. An insert's
 * new_value and a merge's are row ids, not their data, and stay.
 */
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

static const char spans_sql[] =
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
	" WHERE s.tbl = 'customers';";

static const char blank_sql[] =
	"UPDATE changes SET old_value = NULL,"
	" new_value = CASE WHEN op IN ('insert', 'merge') THEN new_value END"
	" WHERE op <> 'insert' AND (old_value IS NOT NULL OR"
	"  (new_value IS NOT NULL AND op <> 'merge')) AND EXISTS ("
	"  SELECT 1 FROM temp.crm_forget_spans s WHERE s.tbl = changes.tbl"
	"  AND s.id = changes.row_id AND changes.id > s.lo AND changes.id <= s.hi)"
	" RETURNING id";

static enum crm_status blank_changes(struct crm_db *db, long *n, int64_t *first,
				     struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(db, blank_sql, &st, err);
	int rc;

	if (s)
		return s;
	*n = 0;
	*first = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (!*n || id < *first)
			*first = id;
		++*n;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CRM_OK : crm_db_fail(db, rc, err, "cannot blank the log");
}

static const char remove_sql[] =
	"DELETE FROM export_customers WHERE customer_id IN temp.crm_forget_who;"
	"DELETE FROM rfm_scores WHERE customer_id IN temp.crm_forget_who;"
	"DELETE FROM interactions WHERE customer_id IN temp.crm_forget_who;"
	"DELETE FROM orders WHERE customer_id IN temp.crm_forget_who;"
	"DELETE FROM source_records WHERE customer_id IN temp.crm_forget_who;"
	"UPDATE customers SET merged_into = NULL WHERE id IN temp.crm_forget_who;"
	"DELETE FROM customers WHERE id IN temp.crm_forget_who;"
	"DROP TABLE temp.crm_forget_who;"
	"DROP TABLE temp.crm_forget_rows;"
	"DROP TABLE temp.crm_forget_spans;";

static enum crm_status tombstone(struct crm_db *db, struct crm_audit *run, int64_t id,
				 const char *reason, const struct crm_forget_result *r,
				 struct crm_error *err)
{
	sqlite3_stmt *st;
	char removed[256];
	enum crm_status s = crm_db_prepare(db,
		"INSERT INTO tombstones(run_id, customer_id, at, actor, reason, removed)"
		" SELECT id, ?2, started_at, actor, ?3, ?4 FROM runs WHERE id = ?1", &st, err);

	if (s)
		return s;
	snprintf(removed, sizeof(removed),
		 "{\"customers\":%ld,\"source_records\":%ld,\"orders\":%ld,\"interactions\":%ld,"
		 "\"changes_blanked\":%ld}", r->customers, r->source_records, r->orders,
		 r->interactions, r->changes_blanked);
	sqlite3_bind_int64(st, 1, crm_audit_run_id(run));
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, removed, -1, SQLITE_TRANSIENT);
	s = crm_db_step_done(db, st, "cannot write the tombstone", err);
	sqlite3_finalize(st);
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
		s = crm_db_query_int64(db, "SELECT count(*) FROM customers WHERE id = ?1", &id, &exists,
				       err);
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
		s = crm_db_exec(db, spans_sql, err);
	if (!s)
		s = blank_changes(db, &res->changes_blanked, &first, err);
	if (!s)
		s = crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
	if (!s)
		s = crm_db_exec(db, remove_sql, err);
	if (!s)
		s = tombstone(db, run, id, reason, res, err);
	if (!s && first)
		s = crm_chain_seal(db, first, err);
	return s;
}
