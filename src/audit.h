/*
 * The audit core: one `runs` row per mutating command and one `changes`
 * row per change, written in the same transaction as the change itself, so
 * that a rolled-back change leaves no log and a committed one always has
 * its log. Every mutating command records its work through this module;
 * `crm log` reads and reverts it.
 */
#ifndef CRM_AUDIT_H
#define CRM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "value.h"

/*
 * Who is acting: $CRM_USER if set, else the login name of the effective
 * user, else "uid N". Returns a static buffer.
 */
const char *crm_actor(void);

/* The tables whose rows the audit trail can capture whole. */
int crm_audit_table_known(const char *tbl);

struct crm_audit;

/*
 * Inserts a `runs` row (status 'running', started now, actor, host, argv
 * as a JSON array) for command. Must be called inside a write transaction
 * (crm_db_begin). On success *out owns the run's statements: free it with
 * crm_audit_free() before closing db.
 */
enum crm_status crm_audit_start(struct crm_db *db, const char *command,
				int argc, char *const argv[],
				struct crm_audit **out, struct crm_error *err);

/* The id of the run's `runs` row. */
int64_t crm_audit_run_id(const struct crm_audit *a);

/*
 * When the run started (runs.started_at). Rows the run creates or changes
 * take it as created_at/updated_at, so a row's updated_at is always the
 * start of the last run that changed it: a revert can put it back from the
 * log without a changes row of its own.
 */
const char *crm_audit_started_at(const struct crm_audit *a);

/*
 * Records that row_id of tbl was inserted (undone by deleting it). No
 * values are kept: the row itself holds them, and an imported record's
 * original row is kept in its source record. Call after the INSERT.
 *
 * Consecutive ids inserted into one table become one changes row, op
 * 'insert', row_id the first id and new_value the last: a bulk import
 * logs a handful of rows, not millions. They are written when any other
 * change is logged, at crm_audit_finish(), or just before the transaction
 * commits (crm_db_commit calls back), so nothing can be left unlogged.
 */
enum crm_status crm_audit_insert(struct crm_audit *a, const char *tbl,
				 int64_t row_id, struct crm_error *err);

/* Writes the batched insert ranges and held rows now, so that a query of the log sees them. */
enum crm_status crm_audit_flush(struct crm_audit *a, struct crm_error *err);

/*
 * From now on the run's changes are written to the table in batches, which
 * is much faster for many of them: they are in `changes` after
 * crm_audit_flush, a savepoint or the commit. For a run that does not read
 * the log back while it writes.
 */
enum crm_status crm_audit_batch(struct crm_audit *a, struct crm_error *err);

/* Records that field of row_id in tbl went from old to new. */
enum crm_status crm_audit_update(struct crm_audit *a, const char *tbl,
				 int64_t row_id, const char *field,
				 const struct crm_value *old_value,
				 const struct crm_value *new_value,
				 struct crm_error *err);

/*
 * Records that row_id of tbl is about to be deleted: the whole old row is
 * kept as JSON in old_value. Call before the DELETE.
 */
enum crm_status crm_audit_delete(struct crm_audit *a, const char *tbl,
				 int64_t row_id, struct crm_error *err);

/*
 * Records that row_id of tbl is being merged into into_id: the whole row as
 * it was before the merge is kept in old_value, into_id in new_value. Call
 * before changing the row.
 */
enum crm_status crm_audit_merge(struct crm_audit *a, const char *tbl,
				int64_t row_id, int64_t into_id,
				struct crm_error *err);

/*
 * Marks the run finished now with status ("ok", "rejected" or "failed")
 * and counts (a JSON object as text, or NULL). Inside a write transaction.
 */
enum crm_status crm_audit_finish(struct crm_audit *a, const char *status,
				 const char *counts_json, struct crm_error *err);

/*
 * Drops the run's runs row, if no change names it: a run that failed
 * before changing anything leaves no trace. Inside a write transaction.
 */
enum crm_status crm_audit_discard(struct crm_audit *a, struct crm_error *err);
/*
 * Updates the run's counts so far (a JSON object as text), leaving it
 * 'running': a long run records each part's counts with that part's own
 * transaction, so that the log always matches what was committed.
 */
enum crm_status crm_audit_counts(struct crm_audit *a, const char *counts_json,
				 struct crm_error *err);

/* Finalizes the run's statements and frees a. a may be NULL. */
void crm_audit_free(struct crm_audit *a);

/*
 * Reads row_id of tbl whole as a JSON object (column -> value) into a new
 * string the caller frees. CRM_ERR_NOTFOUND when there is no such row.
 */
enum crm_status crm_audit_row_json(struct crm_db *db, const char *tbl,
				   int64_t row_id, char **json,
				   struct crm_error *err);

#endif
