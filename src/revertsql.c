/*
 * The SQL of a revert: see revertsql.h. Identifiers come from the
 * customer catalogue, or from the log once checked against the tables crm
 * logs and the schema; values are always bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "logsql.h"
#include "revertsql.h"
#include "banned.h"

static const char *const revert_sql[SQL_COUNT] = {
	[SQL_TARGET] =
		"SELECT command, status, reverted_by,"
		" EXISTS (SELECT 1 FROM tombstones WHERE run_id = ?1), pid FROM runs WHERE id = ?1",
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
	/*
	 * A row of customer ?1 that a run other than ?2 wrote, in any table
	 * of the catalogue but customers: its table, id and run (see
	 * children_part()).
	 */
	[SQL_CHILDREN] = "SELECT tbl, id, run FROM (" CRM_LOG_PART ") WHERE run IS NOT ?2 LIMIT 1",
	[SQL_RUN_CHANGES] =
		"SELECT id, tbl, row_id, op, field, old_value, new_value"
		" FROM changes WHERE run_id = ?1 ORDER BY id DESC",
	[SQL_MARK_REVERTED] = "UPDATE runs SET reverted_by = ?1 WHERE id = ?2",
	[SQL_COLUMNS] = "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
	[SQL_COLUMNS_BUT_ID] =
		"SELECT name FROM pragma_table_info(?1) WHERE name <> 'id' ORDER BY cid",
};

/*
 * The statements on a table the log names: @t is the table, @c the
 * column; for BUILT_REINSERT @c is the list of its columns and @v that of
 * their values in the copy, from PART_COLUMN and PART_VALUE.
 */
enum { PART_COLUMN = BUILT_COUNT, PART_VALUE, NBUILT };
static const char *const built_sql[NBUILT] = {
	[BUILT_GET] = "SELECT \"@c\" FROM \"@t\" WHERE id = ?1",
	[BUILT_SET] = "UPDATE \"@t\" SET \"@c\" = ?1 WHERE id = ?2",
	[BUILT_RANGE] = "SELECT id FROM \"@t\" WHERE id BETWEEN ?1 AND ?2 ORDER BY id DESC",
	[BUILT_DELETE] = "DELETE FROM \"@t\" WHERE id = ?1",
	/*
	 * OR IGNORE: a later run may have added a row with the same unique key
	 * (the source record of a key imported again): that is a conflict to
	 * list, not an error.
	 */
	[BUILT_REINSERT] =
		"INSERT OR IGNORE INTO \"@t\"(@c) SELECT @v"
		" WHERE NOT EXISTS (SELECT 1 FROM \"@t\" WHERE id = ?2)",
	[BUILT_UNMERGE] =
		"SELECT \"@c\", json_extract(?1, '$.\"@c\"'), json_type(?1, '$.\"@c\"')"
		" FROM \"@t\" WHERE id = ?2",
	[BUILT_ATTACHED] =
		"SELECT t.id, t.run_id FROM \"@t\" t WHERE t.\"@c\" = ?1 AND t.run_id > ?3"
		" AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = t.run_id"
		" AND r.reverted_by IS NOT NULL)"
		" AND EXISTS (SELECT 1 FROM json_each(t.raw) j WHERE j.value = ?2) ORDER BY t.id",
	[PART_COLUMN] = "\"@c\"",
	[PART_VALUE] = "json_extract(?1, '$.\"@c\"')",
};

struct revert_cached {
	enum revert_built what;
	char *tbl, *col;        /* col "" for none */
	struct crm_stmt *st;
};

/*
 * The rows of customer ?1 in each table of the catalogue but customers,
 * with the run that wrote each: the row's run_id where the table keeps one
 * (CRM_CT_SOURCE), else the run whose logged insert holds the row.
 */
static int children_part(struct crm_strbuf *sb)
{
	const struct crm_customer_table *t;
	int bad = 0, n = 0;

	for (t = crm_customer_tables; !bad && t->tbl; t++) {
		if (t->flags & CRM_CT_SELF)
			continue;
		bad = crm_strbuf_addf(sb, "%sSELECT '%s' AS tbl, x.id AS id, ",
				      n++ ? " UNION ALL " : "", t->tbl);
		if (!bad && (t->flags & CRM_CT_SOURCE))
			bad = crm_strbuf_addstr(sb, "x.run_id");
		else if (!bad)
			bad = crm_strbuf_addf(sb, "(SELECT c.run_id FROM changes c"
					      " WHERE c.tbl = '%s' AND c.op = 'insert'"
					      " AND c.row_id <= x.id AND c.new_value >= x.id"
					      " ORDER BY c.id DESC LIMIT 1)", t->tbl);
		if (!bad)
			bad = crm_strbuf_addf(sb, " AS run FROM \"%s\" x WHERE x.\"%s\" = ?1",
					      t->tbl, t->column);
	}
	return bad;
}

/* The part of q built from the customer catalogue, if it has one. */
static int catalogue_part(int q, struct crm_strbuf *sb)
{
	return q == SQL_CHILDREN ? children_part(sb) : 0;
}

enum crm_status crm_revert_open(struct reverter *rv, struct crm_error *err)
{
	enum crm_status s;
	size_t i;

	for (i = 0; i < SQL_COUNT; i++)
		rv->text[i] = revert_sql[i];
	s = crm_log_sql_of(revert_sql[SQL_CHILDREN], SQL_CHILDREN, catalogue_part,
			   &rv->children, err);
	if (s)
		return s;
	rv->text[SQL_CHILDREN] = rv->children.buf;
	return crm_stmt_table_init(&rv->sql, rv->db, rv->text, SQL_COUNT, err);
}

void crm_revert_close(struct reverter *rv)
{
	size_t i;

	crm_stmt_table_release(&rv->sql);
	crm_strbuf_release(&rv->children);
	for (i = 0; i < rv->ncache; i++) {
		crm_stmt_free(rv->cache[i].st);
		free(rv->cache[i].tbl);
		free(rv->cache[i].col);
	}
	free(rv->cache);
	rv->cache = NULL;
	rv->ncache = rv->alloc = 0;
	while (rv->ncolumns)
		free(rv->columns[--rv->ncolumns]);
}

struct crm_stmt *crm_revert_stmt(struct reverter *rv, enum revert_sql q,
				 struct crm_error *err)
{
	return crm_stmt_table_get(&rv->sql, q, err);
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

static int column_known(const struct reverter *rv, const char *tbl, const char *col)
{
	size_t i, n = strlen(tbl);

	for (i = 0; i < rv->ncolumns; i++) {
		const char *k = rv->columns[i];

		if (!strncmp(k, tbl, n) && k[n] == '.' && !strcmp(k + n + 1, col))
			return 1;
	}
	return 0;
}

enum crm_status crm_revert_check(struct reverter *rv, const char *tbl, const char *col,
				 struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;

	if (!tbl || !crm_table_logged(tbl))
		return crm_error_set(err, CRM_ERR_SCHEMA, "the log names a table crm does not "
				     "keep ('%s'): run 'crm log verify'", tbl ? tbl : "");
	if (!col || column_known(rv, tbl, col))
		return CRM_OK;
	if (!(st = crm_revert_stmt(rv, SQL_HAS_COLUMN, err)))
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

/* Appends template what with @t, @c and @v replaced by t, c and v. */
static int expand(struct crm_strbuf *sb, int what, const char *t, const char *c, const char *v)
{
	const char *p = built_sql[what], *at;
	int bad = 0;

	while (!bad && (at = strchr(p, '@'))) {
		const char *with = at[1] == 't' ? t : at[1] == 'c' ? c : v;

		bad = crm_strbuf_add(sb, p, (size_t)(at - p)) || crm_strbuf_addstr(sb, with);
		p = at + 2;
	}
	return bad || crm_strbuf_addstr(sb, p);
}

/* For BUILT_REINSERT: tbl's columns (into cols) and their values in the copy (into vals). */
static enum crm_status column_lists(struct reverter *rv, const char *tbl,
				    struct crm_strbuf *cols, struct crm_strbuf *vals,
				    struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_COLUMNS, err);
	enum crm_status s = CRM_OK;
	enum crm_step step;
	int n = 0, bad = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *c = crm_stmt_text(st, 0);

		bad |= n && (crm_strbuf_addstr(cols, ", ") || crm_strbuf_addstr(vals, ", "));
		bad |= expand(cols, PART_COLUMN, tbl, c, NULL) ||
		       expand(vals, PART_VALUE, tbl, c, NULL);
		n++;
	}
	if (step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the schema");
	else if (bad)
		s = crm_error_nomem(err);
	crm_stmt_reset(st);
	return s;
}

/* The SQL of what on tbl and col, into sql. */
static enum crm_status build(struct reverter *rv, enum revert_built what, const char *tbl,
			     const char *col, struct crm_strbuf *sql, struct crm_error *err)
{
	struct crm_strbuf cols = CRM_STRBUF_INIT, vals = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;

	if (what == BUILT_REINSERT)
		s = column_lists(rv, tbl, &cols, &vals, err);
	if (!s && expand(sql, what, tbl, what == BUILT_REINSERT ? cols.buf : col, vals.buf))
		s = crm_error_nomem(err);
	crm_strbuf_release(&cols);
	crm_strbuf_release(&vals);
	return s;
}

/* Keeps st as what on tbl and col; on failure st is freed. */
static enum crm_status keep(struct reverter *rv, enum revert_built what, const char *tbl,
			    const char *col, struct crm_stmt *st, struct crm_error *err)
{
	struct revert_cached *c;

	if (rv->ncache == rv->alloc) {
		size_t alloc = rv->alloc ? 2 * rv->alloc : 16;

		c = realloc(rv->cache, alloc * sizeof(*c));
		if (!c) {
			crm_stmt_free(st);
			return crm_error_nomem(err);
		}
		rv->cache = c;
		rv->alloc = alloc;
	}
	c = &rv->cache[rv->ncache];
	c->what = what;
	c->tbl = strdup(tbl);
	c->col = strdup(col);
	c->st = st;
	if (!c->tbl || !c->col) {
		free(c->tbl);
		free(c->col);
		crm_stmt_free(st);
		return crm_error_nomem(err);
	}
	rv->ncache++;
	return CRM_OK;
}

enum crm_status crm_revert_built(struct reverter *rv, enum revert_built what,
				 const char *tbl, const char *col, struct crm_stmt **out,
				 struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t i;

	if (!col)
		col = "";
	for (i = 0; i < rv->ncache; i++) {
		const struct revert_cached *c = &rv->cache[i];

		if (c->what == what && !strcmp(c->tbl, tbl) && !strcmp(c->col, col)) {
			*out = c->st;
			crm_stmt_reset(*out);
			return CRM_OK;
		}
	}
	s = build(rv, what, tbl, col, &sql, err);
	if (!s)
		s = crm_stmt_prepare(rv->db, sql.buf, out, err);
	if (!s)
		s = keep(rv, what, tbl, col, *out, err);
	if (s)
		*out = NULL;
	crm_strbuf_release(&sql);
	return s;
}
