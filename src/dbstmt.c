/*
 * Statements, rows and statement tables over SQLite: the thin half of the
 * database seam. Each call maps to one sqlite3_* call; the only state added
 * is the first failed binding, kept so that the next step reports it. The
 * rest of the layer (db.c opening, dbtxn.c transactions) builds on this
 * file, never the other way round.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "dbint.h"
#include "dbstmt.h"
#include "banned.h"

/*
 * What the layer's files share and every statement needs: the handle,
 * SQLite's errors as crm's, plain statements, and the busy timeout's clock.
 */
sqlite3 *crm_db_sqlite(struct crm_db *db) { return db->sql; }

int crm_db_in_transaction(const struct crm_db *db) { return db->in_txn; }

int crm_db_transaction_alive(const struct crm_db *db)
{
	return db->in_txn && !sqlite3_get_autocommit(db->sql);
}

enum crm_status crm_db_busy_error(struct crm_db *db, struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_BUSY,
			     "database is busy: another process kept '%s' locked for more "
			     "than %ld ms (CRM_BUSY_TIMEOUT); nothing was changed, try again later",
			     db->path, db->busy_ms);
}

enum crm_status crm_db_fail(struct crm_db *db, int rc, struct crm_error *err,
			    const char *what)
{
	enum crm_status code = CRM_ERR_DB;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		if (db)
			return crm_db_busy_error(db, err);
		code = CRM_ERR_BUSY;
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		code = CRM_ERR_READONLY;
		break;
	case SQLITE_NOMEM:
		code = CRM_ERR_NOMEM;
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
		code = CRM_ERR_IO;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = CRM_ERR_SCHEMA;
		break;
	}
	return crm_error_set(err, code, "%s: %s", what,
			     db && db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
}

enum crm_status crm_db_exec(struct crm_db *db, const char *sql,
			    struct crm_error *err)
{
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CRM_OK : crm_db_fail(db, rc, err, sql);
}

enum crm_status crm_db_query_int64(struct crm_db *db, const char *sql, const int64_t *arg,
				   int64_t *out, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = CRM_OK;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return crm_db_fail(db, rc, err, "cannot prepare statement");
	if (arg)
		sqlite3_bind_int64(st, 1, *arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot read the database");
	sqlite3_finalize(st);
	return s;
}

long crm_db_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L +
	       (now.tv_nsec - since->tv_nsec) / 1000000L;
}

struct crm_stmt {
	sqlite3_stmt *st;
	struct crm_db *db;
	int rc;             /* the last failure of a bind or a step, else SQLITE_OK */
};

enum crm_status crm_stmt_prepare(struct crm_db *db, const char *sql,
				 struct crm_stmt **out, struct crm_error *err)
{
	struct crm_stmt *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return crm_error_nomem(err);
	rc = sqlite3_prepare_v2(crm_db_sqlite(db), sql, -1, &s->st, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return crm_db_fail(db, rc, err, "cannot prepare statement");
	}
	s->db = db;
	*out = s;
	return CRM_OK;
}

void crm_stmt_free(struct crm_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->st);
	free(st);
}

struct crm_db *crm_stmt_db(const struct crm_stmt *st)
{
	return st->db;
}

/* Keeps the first failure of a bind for the next step to report. */
static void bound(struct crm_stmt *st, int rc)
{
	if (rc != SQLITE_OK && st->rc == SQLITE_OK)
		st->rc = rc;
}

void crm_stmt_bind_null(struct crm_stmt *st, int i)
{
	bound(st, sqlite3_bind_null(st->st, i));
}

void crm_stmt_bind_int(struct crm_stmt *st, int i, int64_t v)
{
	bound(st, sqlite3_bind_int64(st->st, i, v));
}

void crm_stmt_bind_real(struct crm_stmt *st, int i, double v)
{
	bound(st, sqlite3_bind_double(st->st, i, v));
}

static void bind_text(struct crm_stmt *st, int i, const char *s, size_t len,
		      void (*how)(void *))
{
	if (!s)
		bound(st, sqlite3_bind_null(st->st, i));
	else
		bound(st, sqlite3_bind_text64(st->st, i, s, len, how, SQLITE_UTF8));
}

void crm_stmt_bind_text(struct crm_stmt *st, int i, const char *s, size_t len)
{
	bind_text(st, i, s, len, SQLITE_TRANSIENT);
}

void crm_stmt_bind_str(struct crm_stmt *st, int i, const char *s)
{
	bind_text(st, i, s, s ? strlen(s) : 0, SQLITE_TRANSIENT);
}

void crm_stmt_bind_text_ref(struct crm_stmt *st, int i, const char *s, size_t len)
{
	bind_text(st, i, s, len, SQLITE_STATIC);
}

void crm_stmt_bind_str_ref(struct crm_stmt *st, int i, const char *s)
{
	bind_text(st, i, s, s ? strlen(s) : 0, SQLITE_STATIC);
}

void crm_stmt_bind_blob(struct crm_stmt *st, int i, const void *p, size_t len)
{
	if (!p)
		bound(st, sqlite3_bind_null(st->st, i));
	else
		bound(st, sqlite3_bind_blob64(st->st, i, p, len, SQLITE_TRANSIENT));
}

void crm_stmt_bind_value(struct crm_stmt *st, int i, const struct crm_value *v)
{
	if (!v) {
		crm_stmt_bind_null(st, i);
		return;
	}
	switch (v->type) {
	case CRM_VALUE_NULL: crm_stmt_bind_null(st, i); break;
	case CRM_VALUE_INT: crm_stmt_bind_int(st, i, v->i); break;
	case CRM_VALUE_REAL: crm_stmt_bind_real(st, i, v->r); break;
	case CRM_VALUE_TEXT: crm_stmt_bind_text(st, i, v->s ? v->s : "", v->len); break;
	}
}

int crm_stmt_params(const struct crm_stmt *st)
{
	return sqlite3_bind_parameter_count(st->st);
}

enum crm_step crm_stmt_step(struct crm_stmt *st)
{
	int rc;

	if (st->rc != SQLITE_OK)
		return CRM_STEP_ERROR;
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return CRM_STEP_ROW;
	if (rc == SQLITE_DONE)
		return CRM_STEP_DONE;
	st->rc = rc;
	return CRM_STEP_ERROR;
}

enum crm_status crm_stmt_fail(struct crm_stmt *st, struct crm_error *err, const char *what)
{
	int rc = st->rc != SQLITE_OK ? st->rc : SQLITE_ERROR;

	return crm_db_fail(st->db, rc, err, what);
}

enum crm_status crm_stmt_run(struct crm_stmt *st, const char *what, struct crm_error *err)
{
	enum crm_status s = CRM_OK;

	if (crm_stmt_step(st) == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, what);
	crm_stmt_reset(st);
	return s;
}

enum crm_status crm_stmt_one(struct crm_stmt *st, int *found, const char *what,
			     struct crm_error *err)
{
	switch (crm_stmt_step(st)) {
	case CRM_STEP_ROW:
		*found = 1;
		return CRM_OK;
	case CRM_STEP_DONE:
		*found = 0;
		return CRM_OK;
	default:
		*found = 0;
		return crm_stmt_fail(st, err, what);
	}
}

void crm_stmt_reset(struct crm_stmt *st)
{
	sqlite3_reset(st->st);
	st->rc = SQLITE_OK;
}

void crm_stmt_clear(struct crm_stmt *st)
{
	crm_stmt_reset(st);
	sqlite3_clear_bindings(st->st);
}

int crm_stmt_columns(const struct crm_stmt *st)
{
	return sqlite3_column_count(st->st);
}

const char *crm_stmt_column_name(const struct crm_stmt *st, int col)
{
	return sqlite3_column_name(st->st, col);
}

int crm_stmt_is_null(struct crm_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int64_t crm_stmt_int(struct crm_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

double crm_stmt_real(struct crm_stmt *st, int col)
{
	return sqlite3_column_double(st->st, col);
}

const char *crm_stmt_text(struct crm_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

const void *crm_stmt_blob(struct crm_stmt *st, int col)
{
	return sqlite3_column_blob(st->st, col);
}

size_t crm_stmt_bytes(struct crm_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(st->st, col);
}

struct crm_value crm_stmt_value(struct crm_stmt *st, int col)
{
	struct crm_value v = crm_value_null();

	switch (sqlite3_column_type(st->st, col)) {
	case SQLITE_INTEGER:
		return crm_value_int(sqlite3_column_int64(st->st, col));
	case SQLITE_FLOAT:
		v.type = CRM_VALUE_REAL;
		v.r = sqlite3_column_double(st->st, col);
		return v;
	case SQLITE_TEXT:
	case SQLITE_BLOB:
		/* Text first, then its length: the order sqlite3(3) asks for. */
		v.s = (const char *)sqlite3_column_text(st->st, col);
		if (!v.s)
			return crm_value_null();
		v.type = CRM_VALUE_TEXT;
		v.len = (size_t)sqlite3_column_bytes(st->st, col);
		return v;
	default:
		return v;
	}
}

int64_t crm_db_last_insert_id(struct crm_db *db)
{
	return sqlite3_last_insert_rowid(crm_db_sqlite(db));
}

int64_t crm_db_changes(struct crm_db *db)
{
	return sqlite3_changes64(crm_db_sqlite(db));
}

enum crm_status crm_stmt_table_init(struct crm_stmt_table *t, struct crm_db *db,
				    const char *const *sql, size_t n,
				    struct crm_error *err)
{
	t->db = db;
	t->sql = sql;
	t->n = n;
	t->st = calloc(n ? n : 1, sizeof(*t->st));
	if (!t->st)
		return crm_error_nomem(err);
	return CRM_OK;
}

struct crm_stmt *crm_stmt_table_get(struct crm_stmt_table *t, size_t i,
				    struct crm_error *err)
{
	if (i >= t->n || !t->st) {
		crm_error_set(err, CRM_ERR_INTERNAL, "no statement %zu in the table", i);
		return NULL;
	}
	if (t->st[i]) {
		crm_stmt_reset(t->st[i]);
		return t->st[i];
	}
	if (crm_stmt_prepare(t->db, t->sql[i], &t->st[i], err))
		return NULL;
	return t->st[i];
}

void crm_stmt_table_release(struct crm_stmt_table *t)
{
	size_t i;

	if (!t->st)
		return;
	for (i = 0; i < t->n; i++)
		crm_stmt_free(t->st[i]);
	free(t->st);
	t->st = NULL;
	t->n = 0;
}

struct crm_rows {
	struct crm_stmt *st;
	size_t ncols;
};

struct crm_rows *crm_rows_wrap(struct crm_stmt *st, struct crm_error *err)
{
	struct crm_rows *r = calloc(1, sizeof(*r));

	if (!r) {
		crm_stmt_free(st);
		crm_error_nomem(err);
		return NULL;
	}
	r->st = st;
	r->ncols = (size_t)crm_stmt_columns(st);
	return r;
}

int crm_rows_next(struct crm_rows *r, struct crm_error *err)
{
	switch (crm_stmt_step(r->st)) {
	case CRM_STEP_ROW:
		return 1;
	case CRM_STEP_DONE:
		return 0;
	default:
		crm_stmt_fail(r->st, err, "cannot read the database");
		return -1;
	}
}

size_t crm_rows_columns(const struct crm_rows *r)
{
	return r->ncols;
}

const char *crm_rows_name(const struct crm_rows *r, size_t col)
{
	return crm_stmt_column_name(r->st, (int)col);
}

struct crm_value crm_rows_value(struct crm_rows *r, size_t col)
{
	return crm_stmt_value(r->st, (int)col);
}

void crm_rows_free(struct crm_rows *r)
{
	if (!r)
		return;
	crm_stmt_free(r->st);
	free(r);
}
