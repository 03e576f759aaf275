/*
 * Import's upsert: a record is looked up by its source key and updated
 * (import-update.c) or inserted (import-store.c). The top of the storing
 * half, so that the files below it do not call back up.
 */
#include <stdlib.h>
#include <string.h>

#include "import-private.h"
#include "banned.h"

/*
 * Updates the row that st found from the record; column raw_col of st is
 * the raw row kept from last time, the next column its raw_headers.
 * Resets st.
 */
static enum crm_status update_found(struct importer *im, struct crm_stmt *st, int raw_col,
				    int64_t row, int64_t source_row, int64_t customer,
				    struct crm_error *err)
{
	const char *t = crm_stmt_text(st, raw_col);
	int64_t headers = crm_stmt_int(st, raw_col + 1);
	char *old = t ? strdup(t) : NULL;
	enum crm_status s;

	crm_stmt_reset(st);
	if (t && !old)
		return crm_error_nomem(err);
	s = import_update_row(im, row, source_row, old, headers, customer, err);
	free(old);
	return s;
}

/* A customer whose key the tables do not have: inserted, unless an erased person's. */
static enum crm_status new_record(struct importer *im, struct crm_error *err)
{
	int rejected;
	enum crm_status s = import_check_erased(im, im->o->source, im->key, im->key_col,
						&rejected, err);

	return s || rejected ? s : import_insert_customer(im, err);
}

static enum crm_status upsert_customer(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_FIND_SOURCE];
	enum crm_status s;
	int found;

	/* A source seen for the first time: every key is new, unless repeated. */
	if (im->fresh)
		return new_record(im, err);
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, im->key);
	s = crm_stmt_one(st, &found, "cannot look up the record", err);
	if (!s && found) {
		int64_t src = crm_stmt_int(st, 0), cust = crm_stmt_int(st, 1);

		return update_found(im, st, 2, cust, src, cust, err);
	}
	crm_stmt_reset(st);
	return s ? s : new_record(im, err);
}

static enum crm_status upsert_row(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st = import_kind_stmt(im, S_FIND_ORDER);
	enum crm_status s;
	int64_t customer = 0, id;
	int found, rejected;

	/* An erased person's customer key: the row is rejected, nothing made. */
	s = import_resolve_customer(im, &customer, &rejected, err);
	if (s || rejected)
		return s;
	/*
	 * Orders of a new source need no lookup: (order, line) is unique
	 * within a file by construction.
	 */
	if (im->fresh && im->kind == CRM_KIND_ORDERS) {
		s = import_insert_row(im, customer, &id, 1, err);
		if (!s)
			im->stats->added++;
		return s;
	}
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, im->key);
	if (im->kind == CRM_KIND_ORDERS)
		crm_stmt_bind_int(st, 3, im->line);
	s = crm_stmt_one(st, &found, "cannot look up the record", err);
	if (!s && found) {
		int64_t row = crm_stmt_int(st, 0);

		return update_found(im, st, 1, row, row, customer, err);
	}
	crm_stmt_reset(st);
	if (s)
		return s;
	s = import_insert_row(im, customer, &id, 1, err);
	if (!s)
		im->stats->added++;
	return s;
}

/* Stores the record, converted and checked, under its key. */
enum crm_status import_store(struct importer *im, struct crm_error *err)
{
	return im->kind == CRM_KIND_CUSTOMERS ? upsert_customer(im, err) : upsert_row(im, err);
}
