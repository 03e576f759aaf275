/*
 * crm log: reading the audit trail, undoing runs and erasing people.
 * Each concept has its file: history.c (the runs, one run's changes, one
 * customer's history), revert.c (undoing a run) and forget.c (erasing a
 * person).
 *
 * The queries return rows (dbstmt.h) whose columns are what the command
 * prints, named as it prints them; the caller walks and frees them
 * (crm_rows_next, crm_rows_free). Revert and forget work inside the
 * caller's run (run.h), log each change through it and set its counts, so
 * that the caller finishes it (a dry run rolls back, after showing what
 * would change) or, on failure, frees it and nothing is kept.
 */
#ifndef CRM_LOG_H
#define CRM_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "dbstmt.h"
#include "error.h"
#include "run.h"

struct crm_log_filter {
	const char *since;     /* a date or timestamp (UTC), or NULL */
	const char *actor;     /* or NULL */
	const char *command;   /* or NULL */
	long limit;            /* 0: no limit */
};

/*
 * Runs, newest first. Columns: run, started_at, actor, command, status,
 * counts, reverted_by. f->since is checked here: a bad date is
 * CRM_ERR_INVALID.
 */
enum crm_status crm_log_runs(struct crm_db *db, const struct crm_log_filter *f,
			     struct crm_rows **out, struct crm_error *err);

/* CRM_ERR_NOTFOUND when there is no run id. */
enum crm_status crm_log_run_exists(struct crm_db *db, int64_t id, struct crm_error *err);

/*
 * One run's changes in the order made. Columns: change, table, row, to
 * (the last row of an insert range), customer, op, field, old, new.
 */
enum crm_status crm_log_changes(struct crm_db *db, int64_t run, struct crm_rows **out,
				struct crm_error *err);

/*
 * One customer's history, oldest first: every change to the customer's row
 * and to the rows merged into it, however many merges deep, to their
 * source records, orders and interactions, and every export that carried
 * them. customer is resolved to its survivor first (crm_customer_find()
 * gives one). Columns: at, run, actor, command, table, row, op, field,
 * old, new. Filters as for crm_log_runs().
 */
enum crm_status crm_log_customer(struct crm_db *db, int64_t customer,
				 const struct crm_log_filter *f, struct crm_rows **out,
				 struct crm_error *err);

/* A value a revert left alone, and why. */
struct crm_log_conflict {
	char *tbl, *field;     /* field NULL for a whole row */
	int64_t row;
	char *reason;          /* "changed by run 5, 7", "row 3 already exists", ... */
};

struct crm_revert_result {
	long restored;         /* values put back */
	long deleted;          /* rows the run had added, removed */
	long reinserted;       /* rows the run had removed, put back */
	size_t nconflicts;
	struct crm_log_conflict *conflicts;
};

/*
 * Undoes run target inside run, change by change, newest first, logging
 * each step through run. A value that is no longer as target left it is a
 * conflict: without force nothing is reverted and CRM_ERR_CONFLICT is
 * returned with every conflict listed in res; with force such values are
 * left and listed, and the rest is reverted. Marks target reverted_by run
 * and counts reverted (target), restored, deleted, reinserted and left
 * (conflicts). Free res with crm_revert_result_release().
 */
enum crm_status crm_log_revert(struct crm_run *run, int64_t target, int force,
			       struct crm_revert_result *res, struct crm_error *err);

void crm_revert_result_release(struct crm_revert_result *res);

struct crm_forget_result {
	long customers, source_records, orders, interactions;   /* rows removed */
	long changes_blanked;                                   /* changes rows blanked */
};

/*
 * Erases customer id, resolved to its survivor, and every customer merged
 * into that, however deep, inside run: their rows in every table of the
 * customer catalogue go, their values in `changes` are blanked, a
 * tombstone with reason is written, and the hash chain is sealed again
 * from the first blanked change. Counts customers, source_records, orders,
 * interactions and changes_blanked (the tombstone keeps the same). Refuses
 * when the chain is already broken. The caller states the intent
 * CRM_DB_ERASE before the run begins.
 */
enum crm_status crm_log_forget(struct crm_run *run, int64_t id, const char *reason,
			       struct crm_forget_result *res, struct crm_error *err);

#endif
