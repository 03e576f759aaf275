/*
 * Erasing a person (crm log forget): from every table of the customer
 * catalogue and from the log, inside the caller's run (run.h), which the
 * caller finishes or frees.
 */
#ifndef CRM_FORGET_H
#define CRM_FORGET_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "dbstmt.h"
#include "error.h"
#include "run.h"

struct crm_forget_result {
	long customers, source_records, orders, interactions;   /* rows removed */
	long changes_blanked;                                   /* changes rows blanked */
};

/* Whom an erasure is for. */
struct crm_forget_target {
	int64_t id;        /* the customer: the survivor of its merges when live */
	int live;          /* 0: no row of theirs is left (a revert removed them), the log has them */
	int64_t named;     /* the id spec named, or 0 when it named a source record */
	const char *spec;  /* as named: an id, or SOURCE:KEY (the caller keeps it) */
};

/*
 * Finds whom spec ("42" or "SOURCE:KEY") names: a customer in the tables
 * (crm_customer_find), else one whose rows a run removed but the log still
 * holds (the latest removed copy of that source record, or of customer
 * 42). CRM_ERR_NOTFOUND when neither has them.
 */
enum crm_status crm_forget_find(struct crm_db *db, const char *spec,
				struct crm_forget_target *t, struct crm_error *err);

/*
 * Erases t inside run: a live customer with every customer merged into it,
 * however deep, and their rows in every table of the customer catalogue;
 * for every person, their values in `changes`, found by the source keys
 * they ever had, are blanked. A tombstone with reason is written, and the
 * hash chain is sealed again from the first blanked change. Counts
 * customers, source_records, orders, interactions and changes_blanked (the
 * tombstone keeps the same). Refuses when the chain is already broken. The
 * caller states the intent CRM_DB_ERASE before the run begins.
 */
enum crm_status crm_log_forget(struct crm_run *run, const struct crm_forget_target *t,
			       const char *reason, struct crm_forget_result *res,
			       struct crm_error *err);

#endif
