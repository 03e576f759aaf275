/*
 * The customer catalogue's merge (customer.h, MERGES): what folding one
 * customer into another does to each table that holds a customer's data.
 * Apart from customer.c because it writes through the audit trail, which
 * itself asks the catalogue which tables it logs.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "customer.h"
#include "strbuf.h"
#include "banned.h"

enum merge_sql {
	SQL_MERGEABLE,
	SQL_SET_MERGED,
	SQL_COUNT,
};

static const char *const merge_sql[SQL_COUNT] = {
	/* 1 when ?1 and ?2 are two customers, neither merged. */
	[SQL_MERGEABLE] =
		"SELECT count(*) = 2 FROM customers WHERE id IN (?1, ?2) AND ?1 <> ?2"
		" AND merged_into IS NULL",
	[SQL_SET_MERGED] = "UPDATE customers SET merged_into = ?1 WHERE id = ?2",
};

/* Re-points the rows of table t that name loser to survivor, each logged. */
static enum crm_status move_rows(struct crm_db *db, struct crm_audit *a,
				 const struct crm_customer_table *t, int64_t loser,
				 int64_t survivor, unsigned long *moved, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	struct crm_stmt *sel = NULL, *upd = NULL;
	struct crm_value from = crm_value_int(loser), to = crm_value_int(survivor);
	enum crm_status s = CRM_OK;
	enum crm_step step = CRM_STEP_DONE;

	/* Identifiers from the catalogue above, never from input. */
	if (crm_strbuf_addf(&sql, "SELECT id FROM \"%s\" WHERE \"%s\" = ?1 ORDER BY id",
			    t->tbl, t->column))
		return crm_error_nomem(err);
	s = crm_stmt_prepare(db, sql.buf, &sel, err);
	crm_strbuf_reset(&sql);
	if (!s && crm_strbuf_addf(&sql, "UPDATE \"%s\" SET \"%s\" = ?1 WHERE id = ?2",
				  t->tbl, t->column))
		s = crm_error_nomem(err);
	if (!s)
		s = crm_stmt_prepare(db, sql.buf, &upd, err);
	crm_strbuf_release(&sql);
	if (!s)
		crm_stmt_bind_int(sel, 1, loser);
	while (!s && (step = crm_stmt_step(sel)) == CRM_STEP_ROW) {
		int64_t row = crm_stmt_int(sel, 0);

		s = crm_audit_update(a, t->tbl, row, t->column, &from, &to, err);
		if (!s) {
			crm_stmt_bind_int(upd, 1, survivor);
			crm_stmt_bind_int(upd, 2, row);
			s = crm_stmt_run(upd, "cannot move the merged customer's rows", err);
		}
		if (!s)
			(*moved)++;
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(sel, err, "cannot read the merged customer's rows");
	crm_stmt_free(sel);
	crm_stmt_free(upd);
	return s;
}

enum crm_status crm_customer_merge(struct crm_db *db, struct crm_audit *a, int64_t loser,
				   int64_t survivor, unsigned long *moved, struct crm_error *err)
{
	const struct crm_customer_table *t;
	struct crm_stmt *st;
	enum crm_status s = crm_stmt_prepare(db, merge_sql[SQL_MERGEABLE], &st, err);
	int found = 0;

	if (s)
		return s;
	crm_stmt_bind_int(st, 1, loser);
	crm_stmt_bind_int(st, 2, survivor);
	s = crm_stmt_one(st, &found, "cannot read the customers to merge", err);
	if (!s && !(found && crm_stmt_int(st, 0)))
		s = crm_error_set(err, CRM_ERR_CONFLICT, "customer %lld cannot be merged into "
				  "customer %lld: one of them is merged already, or not there",
				  (long long)loser, (long long)survivor);
	crm_stmt_free(st);
	if (!s)
		s = crm_audit_merge(a, "customers", loser, survivor, err);
	if (!s)
		s = crm_stmt_prepare(db, merge_sql[SQL_SET_MERGED], &st, err);
	if (!s) {
		crm_stmt_bind_int(st, 1, survivor);
		crm_stmt_bind_int(st, 2, loser);
		s = crm_stmt_run(st, "cannot merge the customer", err);
		crm_stmt_free(st);
	}
	for (t = crm_customer_tables; !s && t->tbl; t++)
		if (t->flags & CRM_CT_MOVES)
			s = move_rows(db, a, t, loser, survivor, moved, err);
	return s;
}
