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
