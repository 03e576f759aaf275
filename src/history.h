/*
 * The history (crm log, crm log show, crm log customer): the runs, one
 * run's changes, one customer's changes. The queries return rows
 * (dbstmt.h) whose columns are what the command prints, named as it
 * prints them; the caller walks and frees them (crm_rows_next,
 * crm_rows_free).
 */
#ifndef CRM_HISTORY_H
#define CRM_HISTORY_H

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
	int64_t limit;         /* 0: no limit */
};

/*
 * Checks a --since value as crm_log_runs() takes it: CRM_ERR_INVALID, with
 * a message naming the option, when it is neither a date nor a timestamp.
 * NULL is no filter and fine.
 */
enum crm_status crm_log_since_check(const char *since, struct crm_error *err);

/*
 * Runs, newest first. Columns: run, started_at, actor, command, status,
 * counts, reverted_by, arguments (the command line but the program, so
 * the files an import read). f->since is checked here: a bad date is
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

#endif
