/*
 * The database seam: statements, result rows and statement tables.
 *
 * Only src/db*.c include <sqlite3.h>. The rest of the core prepares SQL
 * from its module's statement table, binds, steps and reads columns through
 * the calls below; commands get query results as a struct crm_rows, which
 * can only be walked. A PostgreSQL backend will implement this header (and
 * db.h) over libpq.
 *
 * SQL that is SQLite's own dialect, all of it in the statement tables (or
 * built from the catalogues beside them) of the files named here, so that
 * a second backend knows what to translate:
 *   - JSON functions (json_object, json_extract, json_each, json_patch,
 *     json_valid, json_type, json_group_array): audit.c (a row whole as
 *     JSON), history.c, revertsql.c (a row put back), forget.c (blanking
 *     the log), import-store.c (extra, raw rows), cleanse.c (extra);
 *   - pragma_table_info(): audit.c, revertsql.c (a table's columns);
 *   - INSERT OR IGNORE / OR REPLACE: audit.c, import-store.c;
 *     ON CONFLICT ... DO: import-store.c, fielddefs.c; RETURNING: audit.c,
 *     forget.c, import-store.c (PostgreSQL has the last two as they are);
 *   - strftime('%Y-%m-%dT%H:%M:%fZ', 'now') for timestamps: audit.c; the
 *     'localtime' modifier, julianday() and printf() to show them in local
 *     time: history.c;
 *   - TEMP tables and WITHOUT ROWID: forget.c, import-store.c;
 *   - a table as the operand of IN (x IN who, IN temp.crm_forget_who):
 *     history.c, forget.c, logsql.c; LIMIT -1 for no limit: history.c;
 *     bare columns taken from the min() row of a GROUP BY: revertsql.c;
 *   - PRAGMA statements and the WAL, journal and checkpoint calls: db.c only.
 */
#ifndef CRM_DBSTMT_H
#define CRM_DBSTMT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "value.h"

struct crm_db;
struct crm_stmt;

/* What a step gave: a row to read, the end, or an error (crm_stmt_fail says which). */
enum crm_step {
	CRM_STEP_ERROR = -1,
	CRM_STEP_DONE = 0,
	CRM_STEP_ROW = 1,
};

/*
 * Prepares sql (one statement) on db. On success *out owns the statement:
 * free it with crm_stmt_free(). On failure *out is NULL and err is filled.
 */
enum crm_status crm_stmt_prepare(struct crm_db *db, const char *sql,
				 struct crm_stmt **out, struct crm_error *err);
/* Finalizes and frees st. st may be NULL. */
void crm_stmt_free(struct crm_stmt *st);
/* The connection st was prepared on. */
struct crm_db *crm_stmt_db(const struct crm_stmt *st);

/*
 * Parameters are numbered from 1. A binding that fails (out of memory, no
 * such parameter) is remembered and makes the next step fail with it, so
 * that callers need not check each bind.
 */
void crm_stmt_bind_null(struct crm_stmt *st, int i);
void crm_stmt_bind_int(struct crm_stmt *st, int i, int64_t v);
void crm_stmt_bind_real(struct crm_stmt *st, int i, double v);
/* Text of len bytes, copied; NULL binds SQL NULL. */
void crm_stmt_bind_text(struct crm_stmt *st, int i, const char *s, size_t len);
/* A NUL-terminated string, copied; NULL binds SQL NULL. */
void crm_stmt_bind_str(struct crm_stmt *st, int i, const char *s);
/*
 * As crm_stmt_bind_text/_str but not copied: s must stay valid and
 * unchanged until parameter i is bound again or the statement is freed
 * (a reset keeps bindings). For hot loops that bind every parameter anew
 * for each row.
 */
void crm_stmt_bind_text_ref(struct crm_stmt *st, int i, const char *s, size_t len);
void crm_stmt_bind_str_ref(struct crm_stmt *st, int i, const char *s);
/* A blob of len bytes, copied; NULL binds SQL NULL. */
void crm_stmt_bind_blob(struct crm_stmt *st, int i, const void *p, size_t len);
/* v (NULL for SQL NULL) by its own type; text copied. */
void crm_stmt_bind_value(struct crm_stmt *st, int i, const struct crm_value *v);
/* How many parameters st takes. */
int crm_stmt_params(const struct crm_stmt *st);

/*
 * Steps st once. After CRM_STEP_ERROR, crm_stmt_fail() fills err; the
 * statement must be reset before it is stepped again.
 */
enum crm_step crm_stmt_step(struct crm_stmt *st);
/*
 * Fills err from st's last failure, prefixing what, and returns its status
 * (CRM_ERR_BUSY, CRM_ERR_READONLY, CRM_ERR_IO ... or CRM_ERR_DB).
 */
enum crm_status crm_stmt_fail(struct crm_stmt *st, struct crm_error *err, const char *what);
/*
 * Steps a statement that writes (a RETURNING row is ignored) and resets
 * it. A failure is reported as what.
 */
enum crm_status crm_stmt_run(struct crm_stmt *st, const char *what, struct crm_error *err);
/*
 * Steps a query expected to give at most one row: *found is 1 with the row
 * left to read, or 0 at its end. A failure is reported as what.
 */
enum crm_status crm_stmt_one(struct crm_stmt *st, int *found, const char *what,
			     struct crm_error *err);
/* Makes st ready to step again; bindings are kept. */
void crm_stmt_reset(struct crm_stmt *st);
/* Resets st and sets every parameter to NULL. */
void crm_stmt_clear(struct crm_stmt *st);

/*
 * The current row's columns, numbered from 0. Text and blobs point into
 * st's memory until the next step or reset; NULL reads as 0, 0.0 or NULL.
 */
int crm_stmt_columns(const struct crm_stmt *st);
const char *crm_stmt_column_name(const struct crm_stmt *st, int col);
int crm_stmt_is_null(struct crm_stmt *st, int col);
int64_t crm_stmt_int(struct crm_stmt *st, int col);
double crm_stmt_real(struct crm_stmt *st, int col);
const char *crm_stmt_text(struct crm_stmt *st, int col);
const void *crm_stmt_blob(struct crm_stmt *st, int col);
/* Bytes of the text or blob just read from col (read it first). */
size_t crm_stmt_bytes(struct crm_stmt *st, int col);
/* The column with its own type; text points into st's memory. */
struct crm_value crm_stmt_value(struct crm_stmt *st, int col);

/* The row id the connection's last INSERT gave. */
int64_t crm_db_last_insert_id(struct crm_db *db);
/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
int64_t crm_db_changes(struct crm_db *db);

/*
 * A module's statement table: its SQL, one string per enum value, prepared
 * the first time it is asked for and kept until the table is released.
 */
struct crm_stmt_table {
	struct crm_db *db;
	const char *const *sql;
	size_t n;
	struct crm_stmt **st;
};

/* Sets t up for the n statements of sql (an array the caller keeps). */
enum crm_status crm_stmt_table_init(struct crm_stmt_table *t, struct crm_db *db,
				    const char *const *sql, size_t n,
				    struct crm_error *err);
/*
 * Statement i of t, prepared on first use and reset (bindings kept) on
 * every later one. NULL when it cannot be prepared (err says why).
 */
struct crm_stmt *crm_stmt_table_get(struct crm_stmt_table *t, size_t i,
				    struct crm_error *err);
/* Frees every statement of t. t may be zeroed or already released. */
void crm_stmt_table_release(struct crm_stmt_table *t);

/*
 * A query's result, for the code that only reads it: names of its columns
 * and its rows, one at a time. It owns the statement it walks.
 */
struct crm_rows;

/* Wraps st, whose parameters are bound, as rows; takes ownership of st. */
struct crm_rows *crm_rows_wrap(struct crm_stmt *st, struct crm_error *err);
/* Moves to the next row: 1 a row, 0 the end, -1 failure (err filled). */
int crm_rows_next(struct crm_rows *r, struct crm_error *err);
size_t crm_rows_columns(const struct crm_rows *r);
const char *crm_rows_name(const struct crm_rows *r, size_t col);
/* A column of the current row; text is valid until the next move. */
struct crm_value crm_rows_value(struct crm_rows *r, size_t col);
/* Frees r and its statement. r may be NULL. */
void crm_rows_free(struct crm_rows *r);

#endif
