#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "dbint.h"
#include "banned.h"


const char *crm_db_default_path(void)
{
	const char *p = getenv("CRM_DB");

	return p && *p ? p : CRM_DB_DEFAULT_PATH;
}

enum crm_status crm_db_busy_timeout_env(long *ms, struct crm_error *err)
{
	const char *s = getenv("CRM_BUSY_TIMEOUT");
	char *end;
	long v;

	*ms = CRM_DB_DEFAULT_BUSY_MS;
	if (!s || !*s)
		return CRM_OK;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > INT_MAX)
		return crm_error_set(err, CRM_ERR_INVALID,
				     "CRM_BUSY_TIMEOUT must be a number of milliseconds, not '%s'", s);
	*ms = v;
	return CRM_OK;
}

const char *crm_db_path(const struct crm_db *db) { return db->path; }
int crm_db_created(const struct crm_db *db) { return db->created; }
const char *crm_db_network_fs(const struct crm_db *db) { return db->netfs; }
int crm_db_schema_version(const struct crm_db *db) { return db->schema_version; }
int crm_db_opened_version(const struct crm_db *db) { return db->opened_version; }

const char *crm_db_backend_version(void)
{
	static char v[48];

	if (!*v)
		snprintf(v, sizeof(v), "SQLite %s", sqlite3_libversion());
	return v;
}



enum crm_status crm_db_intend(struct crm_db *db, enum crm_db_intent what,
			      struct crm_error *err)
{
	const char *test;

	/* PRAGMA takes no parameters: these are the layer's own strings. */
	switch (what) {
	case CRM_DB_BULK_LOAD:
		return crm_db_exec(db, "PRAGMA cache_size = -65536", err);
	case CRM_DB_BULK_REWRITE:
		return crm_db_exec(db, "PRAGMA cache_size = -40960", err);
	case CRM_DB_ERASE:
		return crm_db_exec(db, "PRAGMA secure_delete = ON", err);
	case CRM_DB_DEFER_KEYS:
		return crm_db_exec(db, "PRAGMA defer_foreign_keys = ON", err);
	case CRM_DB_OWN_KEYS:
		/* SQLite ignores the pragma inside a transaction: say so, not nothing. */
		if (db->in_txn)
			return crm_error_set(err, CRM_ERR_INTERNAL,
					     "foreign keys are left to the writer outside a"
					     " transaction only");
		db->own_keys = 1;
		test = getenv("CRM_TEST_CHECK_KEYS");
		db->check_keys = test && !strcmp(test, "1");
		return crm_db_exec(db, "PRAGMA foreign_keys = OFF", err);
	}
	return crm_error_set(err, CRM_ERR_INTERNAL, "unknown database intent %d", (int)what);
}

void crm_db_checkpoint(struct crm_db *db)
{
	sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int crm_db_checkpoint_truncate(struct crm_db *db)
{
	return sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE,
					 NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static enum crm_status prepare_raw(struct crm_db *db, const char *sql,
				   sqlite3_stmt **stmt, struct crm_error *err)
{
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, stmt, NULL);

	if (rc != SQLITE_OK) {
		*stmt = NULL;
		return crm_db_fail(db, rc, err, "cannot prepare statement");
	}
	return CRM_OK;
}



/* Runs a one-row, one-integer query such as "PRAGMA user_version". */
static enum crm_status query_int(struct crm_db *db, const char *sql, int *out,
				 struct crm_error *err)
{
	int64_t v = *out;
	enum crm_status s = crm_db_query_int64(db, sql, NULL, &v, err);

	if (!s)
		*out = (int)v;
	return s;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (!slash)
		return strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	d = malloc(n + 1);
	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/* Names the filesystems on which SQLite's locks cannot be trusted. */
static const char *network_fs_name(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) != 0)
		return NULL;
	switch ((unsigned long)st.f_type) {
	case 0x6969UL: return "nfs";
	case 0x517BUL: return "smb";
	case 0xFF534D42UL: return "cifs";
	case 0xFE534D42UL: return "smb2";
	case 0x65735546UL: return "fuse";
	case 0x01021997UL: return "9p";
	case 0x5346414FUL: return "afs";
	case 0x00C36400UL: return "ceph";
	case 0x47504653UL: return "gpfs";
	case 0x0BD00BD0UL: return "lustre";
	}
	return NULL;
}

/*
 * Creates path with mode 0600 if it does not exist yet, so that neither
 * SQLite nor the umask decides its permissions (SQLite gives the -wal and
 * -shm files the mode of the database file).
 */
static enum crm_status create_file(struct crm_db *db, const char *dir,
				   struct crm_error *err)
{
	int fd = open(db->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return CRM_OK;
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			return crm_error_set(err, CRM_ERR_READONLY,
					     "cannot create database '%s': directory '%s' is not writable",
					     db->path, dir);
		return crm_error_set(err, CRM_ERR_IO, "cannot create database '%s': %s",
				     db->path, strerror(errno));
	}
	if (fchmod(fd, 0600) != 0) {
		int e = errno;

		close(fd);
		return crm_error_set(err, CRM_ERR_IO, "cannot create database '%s': %s",
				     db->path, strerror(e));
	}
	if (close(fd) != 0)
		return crm_error_set(err, CRM_ERR_IO, "cannot create database '%s': %s",
				     db->path, strerror(errno));
	db->created = 1;
	return CRM_OK;
}

/*
 * Gives crm's own message for the cases where SQLite's would mislead
 * ("attempt to write a readonly database", "unable to open database file").
 */
static enum crm_status check_access(struct crm_db *db, const char *dir,
				    struct crm_error *err)
{
	if (access(db->path, R_OK) != 0)
		return crm_error_set(err, errno == EACCES ? CRM_ERR_READONLY : CRM_ERR_IO,
				     "cannot read database '%s': %s", db->path, strerror(errno));
	if (!(db->flags & CRM_DB_WRITE)) {
		char shm[PATH_MAX];

		/* Reading a WAL database needs its -shm file, or the right to make it. */
		snprintf(shm, sizeof(shm), "%s-shm", db->path);
		if (access(dir, W_OK) != 0 && access(shm, F_OK) != 0)
			return crm_error_set(err, CRM_ERR_READONLY,
					     "cannot read database '%s': directory '%s' is not "
					     "writable and SQLite needs to create '%s' there",
					     db->path, dir, shm);
		return CRM_OK;
	}
	if (access(db->path, W_OK) != 0)
		return crm_error_set(err, CRM_ERR_READONLY,
				     "database '%s' is read-only (%s)", db->path, strerror(errno));
	if (access(dir, W_OK) != 0)
		return crm_error_set(err, CRM_ERR_READONLY,
				     "directory '%s' is not writable: SQLite needs to create "
				     "'%s-wal' and '%s-shm' beside the database", dir,
				     db->path, db->path);
	return CRM_OK;
}


static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Switches the file to WAL unless it is already. The switch needs an
 * exclusive lock, and SQLite does not call the busy handler for it when a
 * writer holds the file (it would deadlock), so it is retried here until
 * the busy timeout runs out.
 */
static enum crm_status use_wal(struct crm_db *db, struct crm_error *err)
{
	struct timespec start;
	sqlite3_stmt *st;
	enum crm_status s;
	long nap = 5;
	int rc;

	s = prepare_raw(db, "PRAGMA journal_mode", &st, err);
	if (s)
		return s;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "wal")) {
		sqlite3_finalize(st);
		return CRM_OK;
	}
	sqlite3_finalize(st);
	s = prepare_raw(db, "PRAGMA journal_mode = WAL", &st, err);
	if (s)
		return s;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if ((rc & 0xff) != SQLITE_BUSY || crm_db_elapsed_ms(&start) >= db->busy_ms) {
			s = crm_db_fail(db, rc, err, "cannot set journal_mode=WAL");
			sqlite3_finalize(st);
			return s;
		}
		sqlite3_reset(st);
		sleep_ms(nap);
		nap = nap < 100 ? nap * 2 : 100;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
		s = crm_error_set(err, CRM_ERR_DB,
				  "cannot use WAL mode on '%s' (journal mode stayed '%s')",
				  db->path, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

enum crm_status crm_db_bulk_begin(struct crm_db *db, int *on, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s;
	int rc;

	*on = 0;
	if (!db->created || db->bulk || db->in_txn || !(db->flags & CRM_DB_WRITE))
		return CRM_OK;
	s = prepare_raw(db, "PRAGMA journal_mode = DELETE", &st, err);
	if (s)
		return s;
	/* Another connection (busy) keeps the WAL: so be it. */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "delete"))
		db->bulk = *on = 1;
	else if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
		s = crm_db_fail(db, rc, err, "cannot set journal_mode=DELETE");
	sqlite3_finalize(st);
	return s;
}

enum crm_status crm_db_bulk_end(struct crm_db *db, struct crm_error *err)
{
	if (!db->bulk)
		return CRM_OK;
	if (db->in_txn)
		return crm_error_set(err, CRM_ERR_INTERNAL, "a bulk load ends outside a transaction");
	db->bulk = 0;
	return use_wal(db, err);
}

static enum crm_status set_pragmas(struct crm_db *db, struct crm_error *err)
{
	enum crm_status s;

	if (!(db->flags & CRM_DB_WRITE))
		return crm_db_exec(db, "PRAGMA foreign_keys = ON", err);
	/*
	 * WAL lets readers (exports) run beside a writer. synchronous=FULL:
	 * a commit that was reported is never lost on power failure. Each is
	 * set explicitly rather than left to the platform's build defaults.
	 */
	s = use_wal(db, err);
	if (s)
		return s;
	return crm_db_exec(db,
			   "PRAGMA synchronous = FULL;"
			   "PRAGMA foreign_keys = ON", err);
}

/* Refuses files that are not crm's, and schemas newer than this binary. */
static enum crm_status check_schema(struct crm_db *db, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s;
	int app, version, tables, rc;

	/*
	 * One statement, so one snapshot: read one by one, a migration that
	 * another process commits in between would show its tables but not
	 * yet its application_id, and crm would call its own file foreign.
	 */
	s = prepare_raw(db, "SELECT (SELECT application_id FROM pragma_application_id),"
			   " (SELECT user_version FROM pragma_user_version),"
			   " (SELECT count(*) FROM sqlite_schema)", &st, err);
	if (s == CRM_ERR_SCHEMA || s == CRM_ERR_DB) {
		char why[CRM_ERROR_MSG_MAX];

		/* err->message cannot be both the source and the target. */
		snprintf(why, sizeof(why), "%s", err->message);
		return crm_error_set(err, CRM_ERR_SCHEMA,
				     "'%s' is not a crm database: %s", db->path, why);
	}
	if (s)
		return s;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		s = crm_db_fail(db, rc, err, "cannot read the database");
		sqlite3_finalize(st);
		if (s == CRM_ERR_SCHEMA || s == CRM_ERR_DB) {
			char why[CRM_ERROR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", err->message);
			return crm_error_set(err, CRM_ERR_SCHEMA,
					     "'%s' is not a crm database: %s", db->path, why);
		}
		return s;
	}
	app = sqlite3_column_int(st, 0);
	version = sqlite3_column_int(st, 1);
	tables = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
	if ((app != 0 && app != CRM_APPLICATION_ID) || (app == 0 && tables > 0))
		return crm_error_set(err, CRM_ERR_SCHEMA,
				     "'%s' is an SQLite database but not a crm database", db->path);
	if (version < 0)
		return crm_error_set(err, CRM_ERR_SCHEMA,
				     "database '%s' has schema version %d, which no crm writes",
				     db->path, version);
	if (version > crm_schema_version)
		return crm_error_set(err, CRM_ERR_SCHEMA,
				     "database '%s' has schema version %d, newer than this crm "
				     "understands (%d): use a newer crm", db->path, version,
				     crm_schema_version);
	db->schema_version = db->opened_version = version;
	return CRM_OK;
}

/* What the layers above do in a migration's transaction: see db.h. */
static enum crm_status (*migrate_hook)(struct crm_db *db, struct crm_error *err);

void crm_db_set_migrate_hook(enum crm_status (*after_migrate)(struct crm_db *db,
							      struct crm_error *err))
{
	migrate_hook = after_migrate;
}

/* Applies the migrations the database lacks, in one write transaction. */
static enum crm_status migrate(struct crm_db *db, struct crm_error *err)
{
	enum crm_status s;
	int version = 0, v;
	char sql[80];

	if (db->schema_version == crm_schema_version)
		return CRM_OK;
	s = crm_db_begin(db, err);
	if (s)
		return s;
	/*
	 * Another process may have migrated while we waited for the lock: what
	 * counts as this open's starting version is what we find now.
	 */
	s = query_int(db, "PRAGMA user_version", &version, err);
	if (!s && (version < 0 || version > crm_schema_version))
		s = crm_error_set(err, CRM_ERR_SCHEMA,
				  "database '%s' changed to schema version %d while crm waited, "
				  "which this crm does not understand (%d)", db->path, version,
				  crm_schema_version);
	if (!s)
		db->opened_version = version;
	for (v = version + 1; !s && v <= crm_schema_version; v++) {
		const struct crm_migration *m = &crm_migrations[v - 1];
		int rc = sqlite3_exec(db->sql, m->sql, NULL, NULL, NULL);

		if (rc != SQLITE_OK) {
			char what[128];

			snprintf(what, sizeof(what), "migration %s failed", m->name);
			s = crm_db_fail(db, rc, err, what);
			break;
		}
		/* PRAGMA takes no parameters; v is the binary's own number. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
		s = crm_db_exec(db, sql, err);
	}
	if (!s && migrate_hook)
		s = migrate_hook(db, err);
	if (!s) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CRM_APPLICATION_ID);
		s = crm_db_exec(db, sql, err);
	}
	if (s) {
		crm_db_rollback(db);
		return s;
	}
	s = crm_db_commit(db, err);
	if (!s)
		db->schema_version = crm_schema_version;
	return s;
}

/* A connection not yet open: its paths and settings. NULL when out of memory. */
static struct crm_db *db_new(const char *path, unsigned flags, long busy_ms)
{
	struct crm_db *db = calloc(1, sizeof(*db));
	size_t n = strlen(path);

	if (!db)
		return NULL;
	db->lock_fd = -1;
	db->flags = (flags & CRM_DB_CREATE) ? flags | CRM_DB_WRITE : flags;
	db->busy_ms = busy_ms < 0 ? CRM_DB_DEFAULT_BUSY_MS : busy_ms;
	db->path = strdup(path);
	db->lock_path = malloc(n + sizeof("-lock"));
	if (!db->path || !db->lock_path) {
		crm_db_close(db);
		return NULL;
	}
	memcpy(db->lock_path, path, n);
	memcpy(db->lock_path + n, "-lock", sizeof("-lock"));
	return db;
}

/*
 * Makes sure the file is there (creating it 0600 when asked to) and can
 * be used as the flags say, in directory dir; notes a network filesystem.
 */
static enum crm_status ensure_file(struct crm_db *db, const char *dir, struct crm_error *err)
{
	enum crm_status s;

	if (access(db->path, F_OK) != 0) {
		if (errno != ENOENT)
			return crm_error_set(err, CRM_ERR_IO, "cannot open database '%s': %s",
					     db->path, strerror(errno));
		if (!(db->flags & CRM_DB_CREATE))
			return crm_error_set(err, CRM_ERR_NOTFOUND,
					     "no database at '%s' (create one with 'crm init')",
					     db->path);
		s = create_file(db, dir, err);
		if (s)
			return s;
	}
	s = check_access(db, dir, err);
	if (!s)
		db->netfs = network_fs_name(dir);
	return s;
}

/* Opens the SQLite connection, its busy timeout first. */
/*
 * A writer killed inside a transaction in rollback mode (a first bulk load,
 * crm_db_bulk_begin) leaves a hot journal, which only a connection that may
 * write can roll back: opened read-only, the database then fails every
 * read with "attempt to write a readonly database" until some writer opens
 * it (#12: crm log verify failed on healthy data). A reader that may write
 * the file has SQLite roll it back, under SQLite's own locks, with one read
 * on a read-write connection; one that may not gets SQLite's error.
 */
static void roll_back_hot_journal(struct crm_db *db)
{
	char journal[PATH_MAX];
	struct stat sb;
	sqlite3 *h = NULL;

	if (snprintf(journal, sizeof(journal), "%s-journal", db->path) >= (int)sizeof(journal) ||
	    stat(journal, &sb) != 0 || sb.st_size == 0 || access(db->path, W_OK) != 0)
		return;
	if (sqlite3_open_v2(db->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(h, (int)db->busy_ms);
		sqlite3_exec(h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	}
	sqlite3_close(h);
}

static enum crm_status connect_sqlite(struct crm_db *db, struct crm_error *err)
{
	int rc;

	if (!(db->flags & CRM_DB_WRITE))
		roll_back_hot_journal(db);

	/*
	 * A connection is used by one thread only: no per-connection mutex.
	 * SQLite's allocation statistics cost a global mutex per malloc and
	 * crm never reads them (this fails harmlessly once SQLite is running).
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	rc = sqlite3_open_v2(db->path, &db->sql,
			     ((db->flags & CRM_DB_WRITE) ? SQLITE_OPEN_READWRITE
							 : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK)
		return crm_db_fail(db, rc, err, "cannot open database");
	sqlite3_extended_result_codes(db->sql, 1);
	/*
	 * The last connection to close checkpoints the WAL and deletes it,
	 * under an exclusive lock on the database: a reader of another tool
	 * (sqlite3 has no busy timeout) opening then got "database is locked"
	 * (#12: 3 in 986 reads, within 50 ms of a crm writer's exit). crm
	 * checkpoints after its commits (crm_db_checkpoint) and SQLite every
	 * 1000 pages anyway; closing takes no lock.
	 */
	sqlite3_db_config(db->sql, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	/* The busy timeout comes first: every statement after it may wait. */
	sqlite3_busy_timeout(db->sql, (int)db->busy_ms);
	return CRM_OK;
}

/* Checks the schema, sets the pragmas, and migrates a connection for writing. */
static enum crm_status ready_schema(struct crm_db *db, struct crm_error *err)
{
	enum crm_status s = check_schema(db, err);

	if (s)
		return s;
	if (!(db->flags & CRM_DB_WRITE) && db->schema_version < crm_schema_version)
		return crm_error_set(err, CRM_ERR_SCHEMA,
				     "database '%s' has schema version %d and needs upgrading to "
				     "%d: run 'crm init'", db->path, db->schema_version,
				     crm_schema_version);
	/*
	 * A file without a schema gets 16 KiB pages before its first write
	 * (later, only a VACUUM could change them): fewer, larger writes and
	 * shallower trees for bulk imports and full-table analyses. Measured,
	 * a first import of 1,000,000 rows took 7.0 s instead of 7.5 s, its
	 * system time halved.
	 */
	if ((db->flags & CRM_DB_WRITE) && db->schema_version == 0) {
		s = crm_db_exec(db, "PRAGMA page_size = 16384", err);
		if (s)
			return s;
	}
	s = set_pragmas(db, err);
	if (!s && (db->flags & CRM_DB_WRITE))
		s = migrate(db, err);
	return s;
}

enum crm_status crm_db_open(struct crm_db **out, const char *path,
			    unsigned flags, long busy_ms, struct crm_error *err)
{
	struct crm_db *db;
	enum crm_status s;
	char *dir;

	*out = NULL;
	if (!path || !*path)
		return crm_error_set(err, CRM_ERR_INVALID, "empty database path");
	db = db_new(path, flags, busy_ms);
	dir = dir_of(path);
	if (!db || !dir)
		s = crm_error_nomem(err);
	else if (!(s = ensure_file(db, dir, err)) && !(s = connect_sqlite(db, err)))
		s = ready_schema(db, err);
	free(dir);
	if (s) {
		/*
		 * A file this call created is left in place, empty or whole:
		 * another process may have found it and migrated it meanwhile,
		 * so removing it could destroy that process's database. An
		 * empty file is a valid new database for the next run.
		 */
		crm_db_close(db);
		return s;
	}
	*out = db;
	return CRM_OK;
}

void crm_db_close(struct crm_db *db)
{
	if (!db)
		return;
	if (db->in_txn)
		crm_db_rollback(db);
	/* Best effort: the next open for writing would switch back anyway. */
	if (db->bulk && db->sql)
		crm_db_bulk_end(db, NULL);
	/*
	 * A writer leaves the WAL empty, without the lock SQLite's own close
	 * would take (see connect_sqlite): whoever opens next has nothing to
	 * recover from it. Readers in its way keep it as it is: no wait.
	 */
	if (db->sql && (db->flags & CRM_DB_WRITE)) {
		sqlite3_busy_timeout(db->sql, 0);
		sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	if (db->sql)
		sqlite3_close(db->sql);
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	free(db->path);
	free(db->lock_path);
	free(db);
}

