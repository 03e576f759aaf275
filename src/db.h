/*
 * The database core: opening, pragmas, migrations, write transactions.
 *
 * Every sqlite3_* call of crm lives in src/db*.c. The rest of the core
 * reaches the database through this header and dbstmt.h (statements,
 * rows, statement tables), so that another backend can take its place.
 */
#ifndef CRM_DB_H
#define CRM_DB_H

#include <stdint.h>

#include "dbstmt.h"
#include "error.h"

/* One numbered migration, embedded from src/sql/NNNN-what.sql. */
struct crm_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct crm_migration crm_migrations[];
extern const int crm_schema_version;

/* Written to PRAGMA application_id so that crm knows its own files ("CRM1"). */
#define CRM_APPLICATION_ID 0x43524d31

#define CRM_DB_DEFAULT_PATH "crm.db"
#define CRM_DB_DEFAULT_BUSY_MS 30000L

enum crm_db_flags {
	CRM_DB_READ = 1 << 0,    /* read only */
	CRM_DB_WRITE = 1 << 1,   /* read and write; migrates an older schema */
	CRM_DB_CREATE = 1 << 2,  /* with CRM_DB_WRITE: create the file if missing */
};

struct crm_db;

/*
 * The path crm uses when none is given: $CRM_DB if set and not empty, else
 * "crm.db". The string is static or the environment's: do not free it.
 */
const char *crm_db_default_path(void);

/*
 * The busy timeout in milliseconds from $CRM_BUSY_TIMEOUT, else the default
 * of 30 s. Returns CRM_ERR_INVALID (and fills err) when the variable is not
 * a whole number of milliseconds.
 */
enum crm_status crm_db_busy_timeout_env(long *ms, struct crm_error *err);

/*
 * Opens the database at path with flags. A new file is created mode 0600
 * whatever the umask. Sets the busy timeout first (busy_ms), then WAL,
 * synchronous=FULL and foreign keys. Refuses a schema newer than this
 * binary, and a file that is not a crm database, leaving it untouched.
 * On success *out owns the connection: release it with crm_db_close().
 */
enum crm_status crm_db_open(struct crm_db **out, const char *path,
			    unsigned flags, long busy_ms, struct crm_error *err);

/*
 * Work of the layers above that a migration does in its own transaction,
 * after the schema's migrations and before the commit (a failure undoes
 * the migration): the audit core seals the log rows written before the
 * hash chain existed (crm_chain_seal_unsealed in chain.h), so that the
 * database layer need not know about the log. One for the process, set
 * before opening for writing; NULL for none.
 */
void crm_db_set_migrate_hook(enum crm_status (*after_migrate)(struct crm_db *db,
							      struct crm_error *err));

/* Closes the connection and frees db. db may be NULL. */
void crm_db_close(struct crm_db *db);

/* The path it was opened with; owned by db. */
const char *crm_db_path(const struct crm_db *db);
/* 1 when crm_db_open() created the file, else 0. */
int crm_db_created(const struct crm_db *db);
/*
 * The name of the network filesystem the database lives on ("nfs", "smb",
 * "fuse" ...), or NULL for a local one. SQLite's locking is not safe on
 * network filesystems: the caller should warn.
 */
const char *crm_db_network_fs(const struct crm_db *db);
/* The schema version the database had when opened (0 for a new file). */
int crm_db_opened_version(const struct crm_db *db);
/* The backend and its version, as "SQLite 3.40.1". */
const char *crm_db_backend_version(void);
/* The schema version the database has now. */
int crm_db_schema_version(const struct crm_db *db);

/*
 * Starts a write transaction: queues on the advisory lock beside the
 * database (so that crm writers are served in turn, which SQLite's own
 * busy handler does not do), then BEGIN IMMEDIATE. Waits at most the busy
 * timeout in all, then fails with CRM_ERR_BUSY having changed nothing.
 */
enum crm_status crm_db_begin(struct crm_db *db, struct crm_error *err);
/*
 * Who this writer is ("crm import"), written into the queue's lock file
 * while it holds it, so that a writer who must wait can say for whom.
 */
void crm_db_set_label(struct crm_db *db, const char *label);
/*
 * Called once when crm_db_begin() has to wait for another writer, with
 * who that is ("crm import (pid 123)", or "another crm command"): the
 * core does not print, the command may say so on a terminal. NULL: none.
 */
void crm_db_set_wait_hook(struct crm_db *db, void (*on_wait)(void *ctx, const char *holder),
			  void *ctx);
/*
 * A run's process says it lives: a lock on the run's byte of the lock file
 * that the kernel lets go when the process ends, however it ends.
 * crm_db_run_alive() tells another process: 1 alive, 0 gone (killed, if
 * its run is still 'running'), -1 cannot tell (no lock file to look at).
 */
enum crm_status crm_db_hold_run(struct crm_db *db, int64_t run, struct crm_error *err);
int crm_db_run_alive(struct crm_db *db, int64_t run);

/* Commits the write transaction and releases the queue lock. */
enum crm_status crm_db_commit(struct crm_db *db, struct crm_error *err);
/* Rolls back the write transaction, if one is open, and releases the lock. */
void crm_db_rollback(struct crm_db *db);
/*
 * A hook the audit core sets so that work it batched is written before the
 * transaction commits (a failure aborts the commit), and forgotten when it
 * rolls back. One hook per connection; NULL functions remove it.
 */
void crm_db_set_commit_hook(struct crm_db *db,
			    enum crm_status (*before_commit)(void *ctx, struct crm_error *err),
			    void (*on_rollback)(void *ctx), void *ctx);

/*
 * Inside a write transaction: marks a point to go back to (work batched
 * by the commit hook is written first), goes back to it (the rollback
 * hook is called), or keeps what was done since. One point at a time.
 */
enum crm_status crm_db_savepoint(struct crm_db *db, struct crm_error *err);
void crm_db_rollback_to_savepoint(struct crm_db *db);
enum crm_status crm_db_release_savepoint(struct crm_db *db, struct crm_error *err);

/* 1 while a write transaction is open. */
int crm_db_in_transaction(const struct crm_db *db);
/*
 * Whether a transaction crm began is still open in SQLite too: SQLite
 * rolls one back by itself on some errors (a full disk, out of memory).
 */
int crm_db_transaction_alive(const struct crm_db *db);

/*
 * What a command is about to do, so that the database can be set for it
 * (commands say what they intend, the layer knows what that costs):
 */
enum crm_db_intent {
	CRM_DB_BULK_LOAD,    /* write many rows: a larger page cache (64 MiB) */
	CRM_DB_BULK_REWRITE, /* read and rewrite many rows: a larger cache (40 MiB) */
	CRM_DB_ERASE,        /* erase: deleted content is overwritten, not left in free pages */
	CRM_DB_DEFER_KEYS,   /* this transaction checks foreign keys at its commit only */
	CRM_DB_OWN_KEYS,     /* the writer binds only keys it made or read: see below */
};
/*
 * CRM_DB_OWN_KEYS, for a bulk load whose every foreign key (a customer, a
 * run, a raw_headers row) is one it has just inserted or looked up in the
 * same transaction: SQLite's check of each key of each row, which opens
 * the parent table anew for every row, is left out for the rest of the
 * connection (foreign_keys = OFF; it was a sixth of an import's time).
 * Said outside a transaction, else an internal error. With
 * CRM_TEST_CHECK_KEYS=1 in the environment (the test suite sets it, as
 * git's suite sets its GIT_TEST_ variables), each commit first checks
 * every key of the database (PRAGMA foreign_key_check) and fails, rolled
 * back, on one that dangles: the tests hold the writer to its word, and
 * a user's import does not pay for a scan of the whole database.
 */
enum crm_status crm_db_intend(struct crm_db *db, enum crm_db_intent what,
			      struct crm_error *err);

/*
 * Checkpoints the WAL without waiting for readers (PASSIVE), so that it
 * does not grow without bound after large writes. Best effort.
 */
void crm_db_checkpoint(struct crm_db *db);
/*
 * Copies the whole WAL into the database and empties it, waiting for
 * readers up to the busy timeout; -1 when a reader kept it from finishing.
 */
int crm_db_checkpoint_truncate(struct crm_db *db);

/*
 * A database this process has just created has no readers to serve and
 * nothing to lose: its first bulk load may use a rollback journal instead
 * of the WAL, which writes every new page twice (to the WAL, then to the
 * database at the checkpoint). The rollback journal keeps only the pages
 * the load overwrites, so kill -9 still leaves the file as before the
 * transaction or with all of it. crm_db_bulk_begin() switches, outside a
 * transaction, only when crm_db_open() created the file and no other
 * connection has it open (else it leaves the WAL, silently: this is an
 * optimization); *on says whether it did. crm_db_bulk_end() goes back to
 * WAL, waiting for other connections at most the busy timeout; a process
 * killed in between leaves the file in rollback mode, and the next
 * crm_db_open() for writing puts it back to WAL.
 */
enum crm_status crm_db_bulk_begin(struct crm_db *db, int *on, struct crm_error *err);
enum crm_status crm_db_bulk_end(struct crm_db *db, struct crm_error *err);

/*
 * Runs a query whose first column of its first row is an integer, binding
 * *arg to ?1 when arg is not NULL; *out is left alone when there is no row.
 */
enum crm_status crm_db_query_int64(struct crm_db *db, const char *sql, const int64_t *arg,
				   int64_t *out, struct crm_error *err);
/* Runs SQL from a module's table that returns no rows and takes no parameters. */
enum crm_status crm_db_exec(struct crm_db *db, const char *sql,
			    struct crm_error *err);

#endif
