/*
 * The run: the one lifecycle of every command that changes the database.
 *
 *   crm_run_begin()   queue for the writer lock, BEGIN IMMEDIATE, the runs row
 *   crm_run_count()   the run's counts, by name (the runs.counts object)
 *   crm_run_finish()  status and counts written, COMMIT (a dry run: ROLLBACK)
 *   crm_run_abort()   ROLLBACK of what is open
 *
 * A run is one transaction, or, with CRM_RUN_PARTS, a runs row committed
 * at once and then one transaction per part (import commits file by file,
 * so that the log always says what was committed). A dry run takes the
 * same path and ends in a rollback: its parts are savepoints of its one
 * transaction. The runs.counts JSON is built here and nowhere else.
 */
#ifndef CRM_RUN_H
#define CRM_RUN_H

#include <stdint.h>

#include "audit.h"
#include "db.h"
#include "error.h"

enum crm_run_flags {
	CRM_RUN_DRY = 1 << 0,    /* do the work, report it, roll it back */
	CRM_RUN_PARTS = 1 << 1,  /* one transaction per part (see above) */
};

/* How a run ended, as runs.status says it. */
enum crm_run_status {
	CRM_RUN_OK,          /* "ok" */
	CRM_RUN_ATTENTION,   /* "rejected": done, but a human should look */
	CRM_RUN_FAILED,      /* "failed": parts were committed, then one failed */
};

struct crm_run;

/*
 * Starts a run of command (as `crm log` lists it) with the whole command
 * line argv for the runs row. On success *out owns the run and its open
 * transaction (for CRM_RUN_PARTS outside a dry run: none is open until
 * crm_run_part_begin). On failure nothing is left open or written.
 */
enum crm_status crm_run_begin(struct crm_db *db, const char *command, int argc,
			      char *const argv[], unsigned flags, struct crm_run **out,
			      struct crm_error *err);

/* The audit trail of the run: each change of the run is logged through it. */
struct crm_audit *crm_run_audit(struct crm_run *r);
/* The id of the run's runs row. */
int64_t crm_run_id(const struct crm_run *r);
/* When the run started (UTC), as rows it writes take it. */
const char *crm_run_started_at(const struct crm_run *r);
struct crm_db *crm_run_db(struct crm_run *r);
int crm_run_is_dry(const struct crm_run *r);

/*
 * Sets the count name (a string the caller keeps, as a JSON key: letters,
 * digits and '_') to n, or adds n to it. Counts appear in runs.counts in
 * the order they were first set.
 */
enum crm_status crm_run_count(struct crm_run *r, const char *name, long long n,
			      struct crm_error *err);
enum crm_status crm_run_add(struct crm_run *r, const char *name, long long n,
			    struct crm_error *err);
/* A count set before; 0 when it was not. */
long long crm_run_get(const struct crm_run *r, const char *name);
/* The counts as the runs row gets them, in a new string the caller frees. */
char *crm_run_counts_json(const struct crm_run *r);

/* CRM_RUN_PARTS: how many parts were committed so far. */
long crm_run_parts(const struct crm_run *r);
/* CRM_RUN_PARTS: starts a part (a transaction, or in a dry run a savepoint). */
enum crm_status crm_run_part_begin(struct crm_run *r, struct crm_error *err);
/*
 * Keeps the part: its counts so far go into the runs row in the part's own
 * transaction, which commits. When last, the run ends there with status.
 * When the commit fails (a full disk), the part is dropped as by
 * crm_run_part_abort, counts and all.
 */
enum crm_status crm_run_part_commit(struct crm_run *r, int last,
				    enum crm_run_status status, struct crm_error *err);
/*
 * Drops the part: back to where it began, and so are the counts, so that
 * the run counts only what was committed.
 */
void crm_run_part_abort(struct crm_run *r);

/*
 * Ends the run with status and its counts and commits; a dry run rolls
 * back instead. For CRM_RUN_PARTS whose last part did not end it (a part
 * failed), the end is written in a short transaction of its own; a run
 * in parts that failed before keeping any part changed nothing, and its
 * runs row goes. On failure nothing of the open transaction is kept.
 */
enum crm_status crm_run_finish(struct crm_run *r, enum crm_run_status status,
			       struct crm_error *err);
/* Rolls back what is open (nothing is kept of it). */
void crm_run_abort(struct crm_run *r);
/* Frees r, rolling back first if a transaction is still open. r may be NULL. */
void crm_run_free(struct crm_run *r);

/*
 * Whether the process of run (its runs.pid given) is gone: it held the
 * run's lock (crm_db_hold_run) from its start, and no one holds it now. A
 * run still 'running' whose process is gone was killed and will never
 * finish. 0 when it cannot be told (no pid: a run recorded before schema
 * 10; no lock file).
 */
int crm_run_gone(struct crm_db *db, int64_t run, int64_t pid);

#endif
