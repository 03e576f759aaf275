/*
 * Undoing a run (crm log revert). The revert works inside the caller's run
 * (run.h), logs each change through it and sets its counts, so that the
 * caller finishes it (a dry run rolls back, after showing what would
 * change) or, on failure, frees it and nothing is kept.
 */
#ifndef CRM_REVERT_H
#define CRM_REVERT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "dbstmt.h"
#include "error.h"
#include "run.h"

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

#endif
