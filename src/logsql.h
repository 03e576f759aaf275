/*
 * Private to the crm log modules (history.c, revert.c, forget.c): the SQL
 * they share about customers, assembled from the customer catalogue
 * (customer.h) so that the history, a revert and an erasure follow the
 * same tables and the same merges.
 *
 * A statement of a module's table that needs such SQL holds CRM_LOG_PART
 * where it goes; crm_log_sql_fill() puts it there. The parts are built
 * from the catalogue's identifiers only: values are always bound.
 */
#ifndef CRM_LOGSQL_H
#define CRM_LOGSQL_H

#include "db.h"
#include "error.h"
#include "strbuf.h"

/* Where a statement takes the SQL built from the catalogue. */
#define CRM_LOG_PART "/* from the customer catalogue */"

/* Appends tmpl with CRM_LOG_PART replaced by part. 0, or -1 when out of memory. */
int crm_log_sql_fill(struct crm_strbuf *sb, const char *tmpl, const char *part);

/* Appends statement q's catalogue part (none for most q) to sb; -1 when out of memory. */
typedef int crm_log_part_fn(int q, struct crm_strbuf *sb);

/* Appends statement q, tmpl with the part that part_of builds for q, to sql. */
enum crm_status crm_log_sql_of(const char *tmpl, int q, crm_log_part_fn *part_of,
			       struct crm_strbuf *sql, struct crm_error *err);

/* Statement q, as crm_log_sql_of() builds it, prepared for the caller (who frees it). */
enum crm_status crm_log_sql_prepare(struct crm_db *db, const char *tmpl, int q,
				    crm_log_part_fn *part_of, struct crm_stmt **out,
				    struct crm_error *err);

/*
 * Appends a query of the rows (tbl, id) of the customers in who (a table
 * of ids, such as the who above), in every table of the catalogue but
 * those whose flags have any of skip.
 */
int crm_log_sql_rows(struct crm_strbuf *sb, const char *who, unsigned skip);

/*
 * Appends an expression giving the customer a row belongs to, for the
 * columns (or expressions) tbl, a table's name, and row, its id; NULL
 * for a table that holds no customer's data or a row that is gone.
 */
int crm_log_sql_customer_of(struct crm_strbuf *sb, const char *tbl, const char *row);

#endif
