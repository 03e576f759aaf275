/*
 * Private to the database layer (src/db*.c): the SQLite handle behind a
 * struct crm_db. Nothing else in src/ or subcommands/ includes this
 * header; white-box unit tests and benchmarks may, to look underneath.
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

#endif
