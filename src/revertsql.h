/*
 * Private to revert.c and revertsql.c: the state of one revert, and the
 * SQL it runs. revertsql.c keeps all of that SQL: a statement table, one
 * statement built from the customer catalogue, and statements built from
 * the table and column names the log holds, each name checked first
 * against the tables crm logs and against the schema.
 */
#ifndef CRM_REVERTSQL_H
#define CRM_REVERTSQL_H

#include <stddef.h>
#include <stdint.h>

#include "revert.h"
#include "strbuf.h"

enum revert_sql {
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
	SQL_COUNT
};

/* Statements on a table (and a column of it) that the log names. */
enum revert_built {
	BUILT_GET,        /* the column of row ?1 */
	BUILT_SET,        /* sets the column of row ?2 to ?1 */
	BUILT_RANGE,      /* the ids from ?1 to ?2, highest first */
	BUILT_DELETE,     /* deletes row ?1 */
	BUILT_REINSERT,   /* puts row ?2 back from its copy ?1 (JSON), unless the id is taken */
	BUILT_UNMERGE,    /* the column of row ?2, its value in the copy ?1 and that value's type */
	/*
	 * The rows of customer ?1 whose raw row holds the key ?2, written by
	 * a run after ?3 not reverted since: their id and run.
	 */
	BUILT_ATTACHED,
	BUILT_COUNT
};

struct revert_cached;

struct reverter {
	struct crm_db *db;
	struct crm_run *run;
	struct crm_audit *audit;     /* the run's: each step is logged through it */
	int64_t target;
	int force;
	struct crm_revert_result *res;
	/* Kept by revertsql.c. */
	struct crm_stmt_table sql;
	const char *text[SQL_COUNT];     /* the table's SQL, the catalogue's part filled in */
	struct crm_strbuf children;      /* SQL_CHILDREN, built */
	struct revert_cached *cache;     /* the BUILT_ statements, by their SQL */
	size_t ncache, alloc;
	/*
	 * Columns found in the schema, as "tbl.col": pragma_table_info
	 * compiles a statement of its own each time it runs, which was most
	 * of the time of reverting a cleanse.
	 */
	char *columns[64];
	size_t ncolumns;
};

/*
 * Sets up the statements of rv, whose fields above "kept by revertsql.c"
 * are set and the rest zeroed (children CRM_STRBUF_INIT).
 * crm_revert_close() frees them, whatever this returned.
 */
enum crm_status crm_revert_open(struct reverter *rv, struct crm_error *err);
void crm_revert_close(struct reverter *rv);

/* Statement q, reset with its bindings kept; NULL when it cannot be prepared. */
struct crm_stmt *crm_revert_stmt(struct reverter *rv, enum revert_sql q,
				 struct crm_error *err);

/*
 * CRM_ERR_SCHEMA, naming them, unless tbl is a table crm logs and col
 * (when not NULL) one of its columns other than id: a log edited outside
 * crm must not make a revert run SQL of its choosing.
 */
enum crm_status crm_revert_check(struct reverter *rv, const char *tbl, const char *col,
				 struct crm_error *err);

/*
 * Statement what on tbl and col (NULL for those that take no column),
 * both checked by crm_revert_check() first. It is reset, and kept for the
 * rest of the revert: the caller resets it after use and does not free it.
 */
enum crm_status crm_revert_built(struct reverter *rv, enum revert_built what,
				 const char *tbl, const char *col, struct crm_stmt **out,
				 struct crm_error *err);

#endif
