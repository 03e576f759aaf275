/*
 * Private to the database layer (src/db*.c): the SQLite handle behind a
 * struct crm_db. Nothing outside src/db*.c includes this header.
 */
#ifndef CRM_DBINT_H
#define CRM_DBINT_H

#include <sqlite3.h>

#include "db.h"

/* The connection's SQLite handle; owned by db. */
sqlite3 *crm_db_sqlite(struct crm_db *db);
/*
 * Fills err from SQLite's last error on db for a failed call that returned
 * rc, prefixing what; maps SQLITE_BUSY/LOCKED to CRM_ERR_BUSY and
 * SQLITE_READONLY to CRM_ERR_READONLY. Returns the crm status.
 */
enum crm_status crm_db_fail(struct crm_db *db, int rc, struct crm_error *err,
			    const char *what);

/*
 * Transitional, for the modules not yet moved onto dbstmt.h; to be gone
 * when the last one is.
 */
sqlite3 *crm_db_handle(struct crm_db *db);
enum crm_status crm_db_prepare(struct crm_db *db, const char *sql,
			       sqlite3_stmt **stmt, struct crm_error *err);
enum crm_status crm_db_step_done(struct crm_db *db, sqlite3_stmt *st, const char *what,
				 struct crm_error *err);
/* Column col of the current row of st; text points into st's memory. */
struct crm_value crm_value_column(sqlite3_stmt *st, int col);
/* Binds v (NULL for SQL NULL) to parameter i of st, text copied. */
void crm_value_bind(sqlite3_stmt *st, int i, const struct crm_value *v);

#endif
