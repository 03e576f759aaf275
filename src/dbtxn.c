/*
 * Write transactions: the writer queue (an advisory lock beside the
 * database, so that crm writers are served in turn, which SQLite's busy
 * handler does not do), BEGIN IMMEDIATE, commit with its hook, savepoints
 * and rollback.
 */
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

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Takes the queue lock, waiting at most ms milliseconds. A blocked flock()
 * is woken by the kernel the moment the holder lets go, so waiting crm
 * writers are served promptly, unlike SQLite's busy handler, which sleeps
 * and polls and so lets a busy importer starve everyone else. The wait is
 * bounded by an interval timer whose signal interrupts flock() (as
 * flock(1) -w does); the previous handler and timer are restored.
 */
static int flock_timed(int fd, long ms)
{
	struct sigaction sa, old_sa;
	struct itimerval it, old_it;
	struct timespec start;
	int rc, e;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	if (ms <= 0) {
		errno = EWOULDBLOCK;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the signal must end the wait */
	if (sigaction(SIGALRM, &sa, &old_sa) != 0)
		return -1;
	/*
	 * The timer fires at the deadline and then every 10 ms: should the
	 * first signal arrive before flock() blocks, a later one still ends
	 * the wait, and a signal before the deadline just blocks again.
	 */
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	it.it_interval.tv_usec = 10000;
	if (setitimer(ITIMER_REAL, &it, &old_it) != 0) {
		e = errno;
		sigaction(SIGALRM, &old_sa, NULL);
		errno = e;
		return -1;
	}
	while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR && crm_db_elapsed_ms(&start) < ms)
		;
	e = errno;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	if (old_it.it_value.tv_sec || old_it.it_value.tv_usec)
		setitimer(ITIMER_REAL, &old_it, NULL);
	if (rc != 0)
		errno = e == EINTR ? EWOULDBLOCK : e;
	return rc;
}

void crm_db_set_label(struct crm_db *db, const char *label)
{
	snprintf(db->label, sizeof(db->label), "%s", label ? label : "");
}

void crm_db_set_wait_hook(struct crm_db *db, void (*on_wait)(void *ctx, const char *holder),
			  void *ctx)
{
	db->on_wait = on_wait;
	db->wait_ctx = ctx;
}

/* Leaves "PID LABEL" in the lock file for the writers that queue behind. */
static void say_holder(struct crm_db *db)
{
	char buf[80];
	int n = snprintf(buf, sizeof(buf), "%ld %s\n", (long)getpid(),
			 db->label[0] ? db->label : "crm");

	/* Best effort: the lock works without it. */
	if (n <= 0 || ftruncate(db->lock_fd, 0) != 0)
		return;
	if (pwrite(db->lock_fd, buf, (size_t)n, 0) != n)
		return;
}

/* When the lock is taken, tells the wait hook who has it, from the lock file. */
static void tell_wait(struct crm_db *db)
{
	char buf[80], holder[112];
	ssize_t n;
	long pid;
	char *end;

	if (!db->on_wait)
		return;
	/* Free: the try took it, and flock_timed() has it again at once. */
	if (flock(db->lock_fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		return;
	n = pread(db->lock_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtol(buf, &end, 10);
	if (n > 0 && pid > 0 && *end == ' ' && end[1])
		snprintf(holder, sizeof(holder), "%s (pid %ld)", end + 1, pid);
	else
		snprintf(holder, sizeof(holder), "another crm command");
	db->on_wait(db->wait_ctx, holder);
}

/* Opens the lock file once for the connection: writable when it can be. */
static int open_lock(struct crm_db *db)
{
	if (db->lock_fd >= 0)
		return 0;
	db->lock_fd = open(db->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (db->lock_fd < 0 && !(db->flags & CRM_DB_WRITE))
		db->lock_fd = open(db->lock_path, O_RDONLY | O_CLOEXEC);
	return db->lock_fd >= 0 ? 0 : -1;
}

/*
 * A run's process holds a read lock on one byte of the lock file, far past
 * its text, from the start of the run to its own end: fcntl() locks go
 * with the process, also on kill -9, and are seen by every process of the
 * kernel, whatever its PID namespace (a pid and a host name are not proof:
 * review). The byte is RUN_LOCK_BASE + the run's id. A process holds its
 * locks only while every descriptor of the file it opened stays open: the
 * connection's lock_fd, which lives as long as it.
 */
#define RUN_LOCK_BASE ((off_t)1 << 40)

enum crm_status crm_db_hold_run(struct crm_db *db, int64_t run, struct crm_error *err)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
			    .l_start = RUN_LOCK_BASE + (off_t)run, .l_len = 1 };

	if (open_lock(db) != 0 || fcntl(db->lock_fd, F_SETLK, &fl) != 0)
		return crm_error_set(err, CRM_ERR_IO, "cannot lock '%s': %s", db->lock_path,
				     strerror(errno));
	return CRM_OK;
}

int crm_db_run_alive(struct crm_db *db, int64_t run)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = RUN_LOCK_BASE + (off_t)run, .l_len = 1 };

	if (open_lock(db) != 0 || fcntl(db->lock_fd, F_GETLK, &fl) != 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

enum crm_status crm_db_begin(struct crm_db *db, struct crm_error *err)
{
	struct timespec start;
	long left;
	int rc;

	if (db->in_txn)
		return crm_error_set(err, CRM_ERR_INTERNAL, "write transaction already open");
	if (!(db->flags & CRM_DB_WRITE))
		return crm_error_set(err, CRM_ERR_INTERNAL, "database opened read-only");
	if (open_lock(db) != 0)
		return crm_error_set(err, errno == EACCES || errno == EROFS
					  ? CRM_ERR_READONLY : CRM_ERR_IO,
				     "cannot open lock file '%s': %s", db->lock_path,
				     strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &start);
	tell_wait(db);
	if (flock_timed(db->lock_fd, db->busy_ms) != 0) {
		if (errno == EWOULDBLOCK)
			return crm_db_busy_error(db, err);
		return crm_error_set(err, CRM_ERR_IO, "cannot lock '%s': %s",
				     db->lock_path, strerror(errno));
	}
	/* Writers that are not crm (sqlite3, other tools) skip the queue. */
	left = db->busy_ms - crm_db_elapsed_ms(&start);
	sqlite3_busy_timeout(db->sql, left > 0 ? (int)left : 0);
	rc = sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(db->sql, (int)db->busy_ms);
	if (rc != SQLITE_OK) {
		enum crm_status s = (rc & 0xff) == SQLITE_BUSY
			? crm_db_busy_error(db, err)
			: crm_db_fail(db, rc, err, "cannot begin transaction");

		flock(db->lock_fd, LOCK_UN);
		return s;
	}
	db->in_txn = 1;
	say_holder(db);
	return CRM_OK;
}

void crm_db_set_commit_hook(struct crm_db *db,
			    enum crm_status (*before_commit)(void *ctx, struct crm_error *err),
			    void (*on_rollback)(void *ctx), void *ctx)
{
	db->before_commit = before_commit;
	db->on_rollback = on_rollback;
	db->hook_ctx = ctx;
}

/*
 * CRM_DB_OWN_KEYS (db.h): the keys SQLite did not check, checked before a
 * commit under CRM_TEST_CHECK_KEYS; an internal error naming the first
 * row whose key dangles.
 */
static enum crm_status check_own_keys(struct crm_db *db, struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = CRM_OK;
	int rc;

	if (!db->check_keys)
		return CRM_OK;
	rc = sqlite3_prepare_v2(db->sql, "PRAGMA foreign_key_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return crm_db_fail(db, rc, err, "cannot check the foreign keys");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		s = crm_error_set(err, CRM_ERR_INTERNAL,
				  "a write left a foreign key dangling: %s row %lld names no row"
				  " of %s", (const char *)sqlite3_column_text(st, 0),
				  (long long)sqlite3_column_int64(st, 1),
				  (const char *)sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot check the foreign keys");
	sqlite3_finalize(st);
	return s;
}

enum crm_status crm_db_commit(struct crm_db *db, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	int rc;

	if (!db->in_txn)
		return crm_error_set(err, CRM_ERR_INTERNAL, "no write transaction to commit");
	if (db->before_commit) {
		s = db->before_commit(db->hook_ctx, err);
		if (s) {
			crm_db_rollback(db);
			return s;
		}
	}
	s = check_own_keys(db, err);
	if (s) {
		crm_db_rollback(db);
		return s;
	}
	rc = sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		s = crm_db_fail(db, rc, err, "cannot commit");
		if (!sqlite3_get_autocommit(db->sql))
			sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	}
	db->in_txn = 0;
	flock(db->lock_fd, LOCK_UN);
	return s;
}

enum crm_status crm_db_savepoint(struct crm_db *db, struct crm_error *err)
{
	enum crm_status s;

	if (!db->in_txn)
		return crm_error_set(err, CRM_ERR_INTERNAL, "a savepoint needs a write transaction");
	if (db->before_commit && (s = db->before_commit(db->hook_ctx, err)))
		return s;
	return crm_db_exec(db, "SAVEPOINT crm_part", err);
}

void crm_db_rollback_to_savepoint(struct crm_db *db)
{
	if (!db->in_txn)
		return;
	if (db->on_rollback)
		db->on_rollback(db->hook_ctx);
	sqlite3_exec(db->sql, "ROLLBACK TO crm_part; RELEASE crm_part", NULL, NULL, NULL);
}

enum crm_status crm_db_release_savepoint(struct crm_db *db, struct crm_error *err)
{
	return crm_db_exec(db, "RELEASE crm_part", err);
}

void crm_db_rollback(struct crm_db *db)
{
	if (!db || !db->in_txn)
		return;
	if (db->on_rollback)
		db->on_rollback(db->hook_ctx);
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	db->in_txn = 0;
	flock(db->lock_fd, LOCK_UN);
}
