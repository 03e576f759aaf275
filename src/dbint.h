/*
 * Private to the database layer (src/db*.c): the SQLite handle behind a
 * struct crm_db. Nothing else in src/ or subcommands/ includes this
 * header; white-box unit tests and benchmarks may, to look underneath.
 */
#ifndef CRM_DBINT_H
#define CRM_DBINT_H

#include <time.h>

#include <sqlite3.h>

#include "db.h"

/* A connection, as the layer's files see it. */
struct crm_db {
	sqlite3 *sql;
	char *path;
	char *lock_path;
	int lock_fd;        /* -1 until the first write transaction */
	char label[48];     /* who this writer is, for those who wait ("crm import") */
	void (*on_wait)(void *ctx, const char *holder);
	void *wait_ctx;
	long busy_ms;
	unsigned flags;
	int created;
	int in_txn;
	int bulk;           /* crm_db_bulk_begin() left the WAL */
	int own_keys;       /* CRM_DB_OWN_KEYS: SQLite checks no foreign key */
	int check_keys;     /* ... and CRM_TEST_CHECK_KEYS: each commit checks them all */
	int schema_version;
	int opened_version;
	const char *netfs;
	enum crm_status (*before_commit)(void *ctx, struct crm_error *err);
	void (*on_rollback)(void *ctx);
	void *hook_ctx;
};

/* The connection's SQLite handle; owned by db. */
sqlite3 *crm_db_sqlite(struct crm_db *db);
/*
 * Fills err from SQLite's last error on db for a failed call that returned
 * rc, prefixing what; maps SQLITE_BUSY/LOCKED to CRM_ERR_BUSY and
 * SQLITE_READONLY to CRM_ERR_READONLY. Returns the crm status.
 */
enum crm_status crm_db_fail(struct crm_db *db, int rc, struct crm_error *err,
			    const char *what);
/* The error for a lock held past the busy timeout: nothing was changed. */
enum crm_status crm_db_busy_error(struct crm_db *db, struct crm_error *err);
/* Milliseconds since since (CLOCK_MONOTONIC). */
long crm_db_elapsed_ms(const struct timespec *since);

#endif
