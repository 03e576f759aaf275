/*
 * Storage: a record kept under its source key. The statements of an
 * import (one table; the INSERT, the SELECT of a row and the per-field
 * UPDATEs built from the catalogue's names); a record found by (source,
 * key) and handed to import-update.c, or inserted with its raw row; the
 * customer of an order or interaction, created bare when its key is new;
 * every change logged to the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "erasure.h"
#include "import-private.h"
#include "banned.h"

/*
 * The SQL of each statement of enum stmt (import-private.h). SQLite's own
 * dialect here: json_patch and json_each (extra, the last raw row),
 * INSERT OR IGNORE / OR REPLACE, RETURNING.
 */
static const char *const stmt_sql[S_COUNT] = {
	[S_FIND_SOURCE] =
		"SELECT id, customer_id, raw, raw_headers FROM source_records"
		" WHERE source = ?1 AND source_key = ?2",
	/* Nothing when the key is taken: the fresh path's repeated key. */
	[S_INSERT_SOURCE] =
		"INSERT INTO source_records(source, source_key, customer_id, run_id, raw, raw_headers,"
		" id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (source, source_key) DO NOTHING",
	[S_UPDATE_SOURCE_RAW] = "UPDATE source_records SET raw = ?1, raw_headers = ?3 WHERE id = ?2",
	[S_FIND_ORDER] = "SELECT id, raw, raw_headers FROM orders"
			 " WHERE source = ?1 AND order_key = ?2 AND line = ?3",
	[S_FIND_INTERACTION] = "SELECT id, raw, raw_headers FROM interactions"
			       " WHERE source = ?1 AND source_key = ?2",
	[S_UPDATE_ORDER_RAW] = "UPDATE orders SET raw = ?1, raw_headers = ?3 WHERE id = ?2",
	[S_UPDATE_INTERACTION_RAW] =
		"UPDATE interactions SET raw = ?1, raw_headers = ?3 WHERE id = ?2",
	[S_GET_ORDER_CUSTOMER] = "SELECT customer_id FROM orders WHERE id = ?1",
	[S_GET_INTERACTION_CUSTOMER] = "SELECT customer_id FROM interactions WHERE id = ?1",
	[S_SET_ORDER_CUSTOMER] = "UPDATE orders SET customer_id = ?1 WHERE id = ?2",
	[S_SET_INTERACTION_CUSTOMER] = "UPDATE interactions SET customer_id = ?1 WHERE id = ?2",
	[S_MINIMAL_CUSTOMER] = "INSERT INTO customers(created_at, updated_at, id) VALUES (?1, ?1, ?2)",
	[S_UPDATED_AT] = "UPDATE customers SET updated_at = ?1 WHERE id = ?2",
	[S_EXTRA] = "UPDATE customers SET extra = nullif(json_patch(coalesce(extra, '{}'), ?1), '{}')"
		    " WHERE id = ?2 RETURNING extra",
	[S_LINE_GET] = "SELECT n FROM temp.crm_import_lines WHERE order_key = ?1",
	[S_LINE_SET] = "INSERT OR REPLACE INTO temp.crm_import_lines(order_key, n) VALUES (?1, ?2)",
	/* The old row's header -> value pairs: its values ?1 with its header list ?2. */
	[S_OLD_RAW] = "SELECT h.value, v.value FROM json_each(?1) AS v"
		      " JOIN json_each((SELECT names FROM raw_headers WHERE id = ?2)) AS h"
		      " ON h.key = v.key",
	/* The last standing run's mapping of a source's header list (mapping_text()). */
	[S_OLD_MAPPING] = "SELECT m.mapping FROM import_mappings m"
			  " JOIN runs r ON r.id = m.run_id AND r.reverted_by IS NULL"
			  " WHERE m.source = ?1 AND m.kind = ?2 AND m.raw_headers = ?3"
			  " ORDER BY m.run_id DESC LIMIT 1",
	/* Nothing when the key came before in the file. */
	[S_KEY_SEEN] = "INSERT INTO temp.crm_import_keys(k, line) VALUES (?1, ?2)"
		       " ON CONFLICT (k) DO NOTHING",
	[S_KEY_LINE] = "SELECT line FROM temp.crm_import_keys WHERE k = ?1",
	[S_GET_EXTRA] = "SELECT extra FROM customers WHERE id = ?1",
	[S_GET_UPDATED_AT] = "SELECT updated_at FROM customers WHERE id = ?1",
	[S_UNDO_CUSTOMER] = "DELETE FROM customers WHERE id = ?1",
	[S_MERGED] = "SELECT merged_into IS NOT NULL FROM customers WHERE id = ?1",
	[S_LINES_CREATE] = "CREATE TEMP TABLE IF NOT EXISTS crm_import_lines("
			   "order_key TEXT PRIMARY KEY, n INTEGER NOT NULL)",
	[S_LINES_CLEAR] = "DELETE FROM temp.crm_import_lines",
	[S_KEYS_CREATE] = "CREATE TEMP TABLE IF NOT EXISTS crm_import_keys("
			  "k TEXT PRIMARY KEY, line INTEGER NOT NULL)",
	[S_KEYS_CLEAR] = "DELETE FROM temp.crm_import_keys",
	[S_FRESH_CUSTOMERS] =
		"SELECT NOT EXISTS (SELECT 1 FROM source_records WHERE source = ?1)",
	[S_FRESH_ORDERS] = "SELECT NOT EXISTS (SELECT 1 FROM orders WHERE source = ?1)",
	[S_FRESH_INTERACTIONS] = "SELECT NOT EXISTS (SELECT 1 FROM interactions WHERE source = ?1)",
	[S_HEADERS_ADD] = "INSERT OR IGNORE INTO raw_headers(names) VALUES (?1)",
	[S_HEADERS_ID] = "SELECT id FROM raw_headers WHERE names = ?1",
	/* The last run that mapped it and stands: a reverted run's mapping is undone too. */
	[S_MAPPING_SAME] = "SELECT m.mapping = ?4 FROM import_mappings m"
			   " JOIN runs r ON r.id = m.run_id AND r.reverted_by IS NULL"
			   " WHERE m.source = ?1 AND m.kind = ?2 AND m.raw_headers = ?3"
			   " ORDER BY m.run_id DESC LIMIT 1",
	[S_MAPPING_PUT] = "INSERT INTO import_mappings(source, kind, raw_headers, run_id, mapping)"
			  " VALUES (?1, ?2, ?3, ?5, ?4)"
			  " ON CONFLICT (source, kind, raw_headers, run_id)"
			  " DO UPDATE SET mapping = excluded.mapping",
};

/* ---- Statements ---------------------------------------------------------- */

/* Whether statement i of the table is used for every record of the kind. */
static int stmt_used(enum crm_kind kind, size_t i)
{
	switch (i) {
	case S_FIND_ORDER:
	case S_UPDATE_ORDER_RAW:
	case S_GET_ORDER_CUSTOMER:
	case S_SET_ORDER_CUSTOMER:
	case S_LINE_GET:
	case S_LINE_SET:
		return kind == CRM_KIND_ORDERS;
	case S_FIND_INTERACTION:
	case S_UPDATE_INTERACTION_RAW:
	case S_GET_INTERACTION_CUSTOMER:
	case S_SET_INTERACTION_CUSTOMER:
		return kind == CRM_KIND_INTERACTIONS;
	/* Orders number their lines: their keys cannot repeat in a file. */
	case S_KEY_SEEN:
	case S_KEY_LINE:
		return kind != CRM_KIND_ORDERS;
	case S_GET_EXTRA:
	case S_GET_UPDATED_AT:
	case S_UNDO_CUSTOMER:
		return kind == CRM_KIND_CUSTOMERS;
	default:
		return i < S_PER_FILE;
	}
}

/*
 * The SQL of the INSERT of a new row (the fixed columns of the kind, then
 * each field a column or a derivation gives) and of the SELECT of every
 * field of a row, from the catalogue's names.
 */
static int insert_and_get_sql(const struct importer *im, struct crm_strbuf *ins,
			      struct crm_strbuf *get)
{
	struct crm_strbuf vals = CRM_STRBUF_INIT;
	int oom = 0, n = 0;
	size_t f;

	oom |= crm_strbuf_addf(ins, "INSERT INTO %s(", im->table);
	switch (im->kind) {
	case CRM_KIND_CUSTOMERS:
		oom |= crm_strbuf_addstr(ins, "extra, created_at, updated_at");
		oom |= crm_strbuf_addstr(&vals, "?1, ?2, ?2");
		n = 2;
		break;
	case CRM_KIND_ORDERS:
		oom |= crm_strbuf_addstr(ins, "customer_id, source, order_key, line, run_id, raw,"
					 " raw_headers");
		oom |= crm_strbuf_addstr(&vals, "?1, ?2, ?3, ?4, ?5, ?6, ?7");
		n = 7;
		break;
	default:
		oom |= crm_strbuf_addstr(ins, "customer_id, source, source_key, run_id, raw, raw_headers");
		oom |= crm_strbuf_addstr(&vals, "?1, ?2, ?3, ?4, ?5, ?6");
		n = 6;
		break;
	}
	oom |= crm_strbuf_addstr(get, "SELECT id");
	for (f = 0; f < im->nfields; f++) {
		if (!import_is_real(&im->fields[f]))
			continue;
		oom |= crm_strbuf_addf(get, ", \"%s\"", im->fields[f].name);
		if (!import_has_source(im, f))
			continue;
		oom |= crm_strbuf_addf(ins, ", \"%s\"", im->fields[f].name);
		oom |= crm_strbuf_addf(&vals, ", ?%d", ++n);
	}
	/* Last, the id: crm_id_next's, never one a removed row had. */
	oom |= crm_strbuf_addf(ins, ", id) VALUES (%s, ?%d)", vals.buf, ++n);
	oom |= crm_strbuf_addf(get, " FROM %s WHERE id = ?1", im->table);
	crm_strbuf_release(&vals);
	return oom ? -1 : 0;
}

/* Prepares what every record of the file needs. */
static enum crm_status build_statements(struct importer *im, struct crm_error *err)
{
	struct crm_strbuf ins = CRM_STRBUF_INIT, get = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	size_t i;

	for (i = 0; i < S_PER_FILE && !s; i++)
		if (stmt_used(im->kind, i) && !(im->st[i] = crm_stmt_table_get(&im->sql, i, err)))
			s = crm_error_status(err);
	if (!s && insert_and_get_sql(im, &ins, &get))
		s = crm_error_nomem(err);
	if (!s)
		s = crm_stmt_prepare(im->db, ins.buf, &im->ins, err);
	if (!s)
		s = crm_stmt_prepare(im->db, get.buf, &im->get, err);
	crm_strbuf_release(&ins);
	crm_strbuf_release(&get);
	if (!s) {
		im->upd = calloc(im->nfields ? im->nfields : 1, sizeof(*im->upd));
		if (!im->upd)
			s = crm_error_nomem(err);
	}
	return s;
}

struct crm_stmt *import_update_stmt(struct importer *im, size_t f, struct crm_error *err)
{
	char sql[160];

	if (!im->upd[f]) {
		/* The catalogue's own names, never the file's. */
		snprintf(sql, sizeof(sql), "UPDATE %s SET \"%s\" = ?1 WHERE id = ?2",
			 im->table, im->fields[f].name);
		if (crm_stmt_prepare(im->db, sql, &im->upd[f], err))
			return NULL;
	}
	return im->upd[f];
}

/* Statement orders of the kind being imported, or the same on interactions. */
struct crm_stmt *import_kind_stmt(const struct importer *im, enum stmt orders)
{
	return im->st[im->kind == CRM_KIND_ORDERS ? orders : orders + 1];
}

/*
 * Steps a query that must give a row (the row read or changed a moment
 * ago in this transaction): none means the database is damaged. The row
 * is left to read; the caller resets st.
 */
enum crm_status import_one_row(struct crm_stmt *st, const char *what, struct crm_error *err)
{
	int found;
	enum crm_status s = crm_stmt_one(st, &found, what, err);

	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_SCHEMA, "%s: the row is gone", what);
	if (s)
		crm_stmt_reset(st);
	return s;
}

/*
 * Binds without a copy: the arena holds the record's values unchanged
 * until the next record, and every statement bound here is stepped and
 * reset before then.
 */
void import_bind_fval(const struct importer *im, struct crm_stmt *st, int i, const struct fval *v)
{
	if (!v || !v->set)
		crm_stmt_bind_null(st, i);
	else if (v->type == CRM_VALUE_INT)
		crm_stmt_bind_int(st, i, v->i);
	else
		crm_stmt_bind_text_ref(st, i, import_vtext(im, v), v->len);
}

/* Runs statement i of the table, one that is used once per file. */
static enum crm_status run_once(struct importer *im, enum stmt i, const char *what,
				struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&im->sql, i, err);

	return st ? crm_stmt_run(st, what, err) : crm_error_status(err);
}

/* ---- Log and raw rows ------------------------------------------------------ */

/* Logs a row the import inserted, and counts it as a change. */
enum crm_status import_log_insert(struct importer *im, const char *tbl, int64_t id,
				  struct crm_error *err)
{
	im->stats->changes++;
	return crm_audit_insert(im->audit, tbl, id, err);
}

/* Logs a field the import changed, and counts it as a change. */
enum crm_status import_log_update(struct importer *im, const char *tbl, int64_t id,
				  const char *field, const struct crm_value *old_value,
				  const struct crm_value *new_value, struct crm_error *err)
{
	im->stats->changes++;
	return crm_audit_update(im->audit, tbl, id, field, old_value, new_value, err);
}

/*
 * The raw_headers row of the header names of n columns from cols, added
 * when new: one per distinct list, shared by every row read under it.
 */
static enum crm_status headers_id(struct importer *im, const struct column *cols, size_t n,
				  int64_t *id, struct crm_error *err)
{
	struct crm_strbuf names = CRM_STRBUF_INIT;
	struct crm_stmt *add = crm_stmt_table_get(&im->sql, S_HEADERS_ADD, err);
	struct crm_stmt *get = add ? crm_stmt_table_get(&im->sql, S_HEADERS_ID, err) : NULL;
	enum crm_status s;
	int oom;
	size_t c;

	if (!get)
		return crm_error_status(err);
	oom = crm_strbuf_addch(&names, '[');
	for (c = 0; c < n; c++) {
		if (c)
			oom |= crm_strbuf_addch(&names, ',');
		oom |= crm_strbuf_add_json_string(&names, cols[c].header, strlen(cols[c].header));
	}
	oom |= crm_strbuf_addch(&names, ']');
	if (oom) {
		crm_strbuf_release(&names);
		return crm_error_nomem(err);
	}
	crm_stmt_bind_text_ref(add, 1, names.buf, names.len);
	s = crm_stmt_run(add, "cannot keep the header names", err);
	if (!s) {
		crm_stmt_bind_text_ref(get, 1, names.buf, names.len);
		s = import_one_row(get, "cannot read the header names back", err);
	}
	if (!s) {
		*id = crm_stmt_int(get, 0);
		crm_stmt_reset(get);
	}
	crm_strbuf_release(&names);
	return s;
}

int import_raw_json(struct crm_strbuf *out, const struct crm_csv_record *r, size_t ncols)
{
	size_t c;
	int oom = 0;

	crm_strbuf_reset(out);
	oom |= crm_strbuf_addch(out, '[');
	for (c = 0; c < ncols; c++) {
		if (c)
			oom |= crm_strbuf_addch(out, ',');
		oom |= crm_strbuf_add_json_string(out, r->fields[c], r->lens[c]);
	}
	oom |= crm_strbuf_addch(out, ']');
	return oom ? -1 : 0;
}

/*
 * The row as read, kept to compare with next time: a JSON array of the
 * values, its header names in raw_headers (im->headers_id). Built by the
 * thread reading ahead when it could, as the rest of the record's work.
 */
int import_build_raw(struct importer *im)
{
	if (!im->pre_raw)
		return import_raw_json(&im->raw, im->rec, im->ncols);
	crm_strbuf_reset(&im->raw);
	return crm_strbuf_add(&im->raw, im->pre_raw->buf, im->pre_raw->len);
}

/* The record's extra columns (mapped to no field), non-empty ones, as JSON. */
/* With changed, only the changed columns, emptied ones as null (to delete them). */
int import_extra_json(struct importer *im, struct crm_strbuf *out, const unsigned char *changed)
{
	size_t c;
	int n = 0, oom = 0;

	oom |= crm_strbuf_addch(out, '{');
	for (c = 0; c < im->ncols; c++) {
		const struct column *col = &im->cols[c];
		const char *v = im->rec->fields[c], *key;
		size_t len = im->rec->lens[c];

		/*
		 * Mapped to a field now, by a mapping that differs from last time:
		 * the value it left in extra goes (json_patch drops a null).
		 */
		if (im->remap && changed && col->field && !col->ignored && !col->own) {
			oom |= crm_strbuf_addstr(out, n++ ? "," : "");
			oom |= crm_strbuf_add_json_string(out, col->header, strlen(col->header));
			oom |= crm_strbuf_addstr(out, ":null");
			continue;
		}
		if (col->field || col->ignored || (changed && !changed[c]))
			continue;
		import_trim(&v, &len); /* a space (or U+3000) alone is no value */
		if (!len && !changed)
			continue;
		if (n++)
			oom |= crm_strbuf_addch(out, ',');
		key = col->own ? col->own : col->header;
		oom |= crm_strbuf_add_json_string(out, key, strlen(key));
		oom |= crm_strbuf_addch(out, ':');
		/* An emptied column deletes its key: json_patch drops nulls. */
		if (!len)
			oom |= crm_strbuf_addstr(out, "null");
		else
			oom |= crm_strbuf_add_json_string(out, v, len);
	}
	oom |= crm_strbuf_addch(out, '}');
	if (oom)
		return -1;
	return n;
}

/* ---- Inserting ------------------------------------------------------------ */

/*
 * Inserts the source record (source, key) of customer with its raw row;
 * *taken (and nothing inserted) when the source has that key already.
 */
static enum crm_status insert_source(struct importer *im, const char *source, const char *key,
				     int64_t customer, const struct crm_strbuf *raw,
				     int64_t headers, int *taken, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_INSERT_SOURCE];
	enum crm_status s;

	crm_stmt_bind_str_ref(st, 1, source);
	crm_stmt_bind_str_ref(st, 2, key);
	crm_stmt_bind_int(st, 3, customer);
	crm_stmt_bind_int(st, 4, im->run_id);
	crm_stmt_bind_text_ref(st, 5, raw->buf, raw->len);
	crm_stmt_bind_int(st, 6, headers);
	crm_stmt_bind_int(st, 7, im->next_source);
	s = crm_stmt_run(st, "cannot record the source", err);
	*taken = !s && crm_db_changes(im->db) == 0;
	/* An id a key already taken did not use stays free for the next. */
	if (!s && !*taken)
		im->next_source++;
	return s;
}

/*
 * A customer for a customer key its source has not sent: a bare row, and
 * its source record whose raw row is the key alone, both logged.
 */
static enum crm_status new_customer(struct importer *im, int64_t *id, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_MINIMAL_CUSTOMER];
	struct crm_strbuf raw = CRM_STRBUF_INIT;
	enum crm_status s;
	int taken;

	crm_stmt_bind_str_ref(st, 1, im->now);
	crm_stmt_bind_int(st, 2, im->next_customer++);
	s = crm_stmt_run(st, "cannot create the customer", err);
	if (s)
		return s;
	*id = crm_db_last_insert_id(im->db);
	s = import_log_insert(im, "customers", *id, err);
	if (!s && !im->ckey_headers_id)
		s = headers_id(im, &im->cols[im->ckey_col], 1, &im->ckey_headers_id, err);
	if (s)
		return s;
	if (crm_strbuf_addch(&raw, '[') ||
	    crm_strbuf_add_json_string(&raw, im->ckey, strlen(im->ckey)) ||
	    crm_strbuf_addch(&raw, ']')) {
		crm_strbuf_release(&raw);
		return crm_error_nomem(err);
	}
	s = insert_source(im, im->csource, im->ckey, *id, &raw, im->ckey_headers_id, &taken, err);
	crm_strbuf_release(&raw);
	/* Looked up a moment ago in this transaction: it cannot be there. */
	if (!s && taken)
		s = crm_error_set(err, CRM_ERR_INTERNAL, "cannot record the customer's source:"
				  " its key is taken");
	if (!s)
		s = import_log_insert(im, "source_records", crm_db_last_insert_id(im->db), err);
	if (!s)
		im->stats->new_customers++;
	return s;
}

/*
 * The customer *id stands for now: itself, or the survivor when it was
 * merged into another (crm_customer_resolve), so that a re-import of a
 * merged customer's key updates the customer it lives on in, and its
 * orders and interactions go there. Asked only where the customer is
 * written to: a merge is rare, and a look costs a read.
 */
enum crm_status import_survivor(struct importer *im, int64_t *id, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_MERGED];
	enum crm_status s;
	int merged;

	crm_stmt_bind_int(st, 1, *id);
	s = import_one_row(st, "cannot look the customer up", err);
	if (s)
		return s;
	merged = crm_stmt_int(st, 0) != 0;
	crm_stmt_reset(st);
	return merged ? crm_customer_resolve(im->db, *id, id, err) : CRM_OK;
}

/* The customer of an order or interaction, created bare when its key is new. */
enum crm_status import_resolve_customer(struct importer *im, int64_t *id, int *rejected,
					struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_FIND_SOURCE];
	enum crm_status s;
	int found;

	*rejected = 0;
	if (im->last_ckey && !strcmp(im->last_ckey, im->ckey)) {
		*id = im->last_customer;
		return CRM_OK;
	}
	crm_stmt_bind_str_ref(st, 1, im->csource);
	crm_stmt_bind_str_ref(st, 2, im->ckey);
	s = crm_stmt_one(st, &found, "cannot look up the customer", err);
	if (!s && found)
		*id = crm_stmt_int(st, 1);
	crm_stmt_reset(st);
	if (!s && found)
		s = import_survivor(im, id, err);
	if (!s && !found)
		s = import_check_erased(im, im->csource, im->ckey, im->ckey_col, rejected, err);
	if (s || *rejected)
		return s;
	if (!found && (s = new_customer(im, id, err)))
		return s;
	free(im->last_ckey);
	im->last_ckey = strdup(im->ckey);
	im->last_customer = *id;
	return im->last_ckey ? CRM_OK : crm_error_nomem(err);
}

/* Inserts the record as a new row; logged unless the caller logs it later. */
enum crm_status import_insert_row(struct importer *im, int64_t customer, int64_t *id,
				  int log, struct crm_error *err)
{
	struct crm_stmt *st = im->ins;
	struct crm_strbuf extra = CRM_STRBUF_INIT;
	enum crm_status s;
	int i = 1, n;
	size_t f;

	/* Every parameter is bound below, so no clearing of the last row's. */
	switch (im->kind) {
	case CRM_KIND_CUSTOMERS:
		n = import_extra_json(im, &extra, NULL);
		if (n < 0)
			return crm_error_nomem(err);
		crm_stmt_bind_text_ref(st, 1, n > 0 ? extra.buf : NULL, extra.len);
		crm_stmt_bind_str_ref(st, 2, im->now);
		i = 3;
		break;
	case CRM_KIND_ORDERS:
		crm_stmt_bind_int(st, 1, customer);
		crm_stmt_bind_str_ref(st, 2, im->o->source);
		crm_stmt_bind_str_ref(st, 3, im->key);
		crm_stmt_bind_int(st, 4, im->line);
		crm_stmt_bind_int(st, 5, im->run_id);
		crm_stmt_bind_text_ref(st, 6, im->raw.buf, im->raw.len);
		crm_stmt_bind_int(st, 7, im->headers_id);
		i = 8;
		break;
	default:
		crm_stmt_bind_int(st, 1, customer);
		crm_stmt_bind_str_ref(st, 2, im->o->source);
		crm_stmt_bind_str_ref(st, 3, im->key);
		crm_stmt_bind_int(st, 4, im->run_id);
		crm_stmt_bind_text_ref(st, 5, im->raw.buf, im->raw.len);
		crm_stmt_bind_int(st, 6, im->headers_id);
		i = 7;
		break;
	}
	for (f = 0; f < im->nfields; f++)
		if (import_is_real(&im->fields[f]) && import_has_source(im, f))
			import_bind_fval(im, st, i++, &im->vals[f]);
	crm_stmt_bind_int(st, i, im->kind == CRM_KIND_CUSTOMERS ? im->next_customer++
								 : im->next_row++);
	s = crm_stmt_run(st, "cannot insert the record", err);
	crm_strbuf_release(&extra);
	if (s)
		return s;
	*id = crm_db_last_insert_id(im->db);
	return log ? import_log_insert(im, im->table, *id, err) : CRM_OK;
}

/* Notes the line of the source record with id sid (see struct fresh_lines). */
static int note_fresh_line(struct importer *im, int64_t sid)
{
	struct fresh_lines *fl = &im->fresh_lines;
	int64_t delta = (int64_t)im->rec->line - sid;

	if (fl->n && fl->delta[fl->n - 1] == delta)
		return 0;
	if (fl->n == fl->alloc) {
		size_t alloc = fl->alloc ? fl->alloc * 2 : 64;
		int64_t *id = realloc(fl->id, alloc * sizeof(*id)), *d;

		if (!id)
			return -1;
		fl->id = id;
		if (!(d = realloc(fl->delta, alloc * sizeof(*d))))
			return -1;
		fl->delta = d;
		fl->alloc = alloc;
	}
	fl->id[fl->n] = sid;
	fl->delta[fl->n++] = delta;
	return 0;
}

/* The line of the source record with id sid inserted by the fresh path, or 0. */
static unsigned long fresh_line(const struct importer *im, int64_t sid)
{
	const struct fresh_lines *fl = &im->fresh_lines;
	size_t lo = 0, hi = fl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fl->id[mid] <= sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (unsigned long)(sid + fl->delta[lo - 1]) : 0;
}

/* The line where the key of a fresh path's repeated record came first, or 0. */
static enum crm_status first_line(struct importer *im, unsigned long *line,
				  struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_FIND_SOURCE];
	enum crm_status s;
	int found;

	*line = 0;
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, im->key);
	s = crm_stmt_one(st, &found, "cannot look up the key", err);
	if (!s && found)
		*line = fresh_line(im, crm_stmt_int(st, 0));
	crm_stmt_reset(st);
	return s;
}

/* A new customer and its source record, both logged once both are in. */
enum crm_status import_insert_customer(struct importer *im, struct crm_error *err)
{
	enum crm_status s;
	int64_t id, sid = im->next_source;
	int taken = 0;

	s = import_clean_new(im, err);
	if (!s)
		s = import_insert_row(im, 0, &id, 0, err);
	if (!s)
		s = insert_source(im, im->o->source, im->key, id, &im->raw, im->headers_id, &taken,
				  err);
	if (!s && taken) {
		/* The key came before in this file: undo, and reject this one. */
		struct crm_stmt *undo = im->st[S_UNDO_CUSTOMER];
		unsigned long first;

		crm_stmt_bind_int(undo, 1, id);
		s = crm_stmt_run(undo, "cannot undo an insert", err);
		if (!s)
			s = first_line(im, &first, err);
		return s ? s : import_reject_repeated_key(im, first, err);
	}
	if (!s && im->fresh && note_fresh_line(im, sid))
		s = crm_error_nomem(err);
	if (!s)
		s = import_log_insert(im, "customers", id, err);
	if (!s)
		s = import_log_insert(im, "source_records", crm_db_last_insert_id(im->db), err);
	if (!s)
		s = import_clean_inserted(im, id, err);
	if (!s)
		im->stats->added++;
	return s;
}

/* ---- Finding, or inserting -------------------------------------------------- */

/* Notes the key as seen; *first is the line it was seen at before, or 0. */
enum crm_status import_see_key(struct importer *im, unsigned long *first, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_KEY_SEEN];
	enum crm_status s;
	int found;

	*first = 0;
	crm_stmt_bind_str_ref(st, 1, im->key);
	crm_stmt_bind_int(st, 2, (int64_t)im->rec->line);
	s = crm_stmt_run(st, "cannot note the key", err);
	if (s || crm_db_changes(im->db) != 0)
		return s;
	st = im->st[S_KEY_LINE];
	crm_stmt_bind_str_ref(st, 1, im->key);
	s = crm_stmt_one(st, &found, "cannot read the key's first line", err);
	*first = found ? (unsigned long)crm_stmt_int(st, 0) : 1;
	crm_stmt_reset(st);
	return s;
}

/* The line of this row within its order: rows of an order are numbered in file order. */
enum crm_status import_order_line(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	int found;

	if (im->prev_order && !strcmp(im->prev_order, im->key)) {
		im->line = ++im->prev_line;
		return CRM_OK;
	}
	if (im->prev_order) {
		st = im->st[S_LINE_SET];
		crm_stmt_bind_str_ref(st, 1, im->prev_order);
		crm_stmt_bind_int(st, 2, im->prev_line);
		s = crm_stmt_run(st, "cannot number order lines", err);
		if (s)
			return s;
	}
	st = im->st[S_LINE_GET];
	crm_stmt_bind_str_ref(st, 1, im->key);
	s = crm_stmt_one(st, &found, "cannot number order lines", err);
	im->line = found ? crm_stmt_int(st, 0) + 1 : 1;
	crm_stmt_reset(st);
	if (s)
		return s;
	free(im->prev_order);
	im->prev_order = strdup(im->key);
	im->prev_line = im->line;
	return im->prev_order ? CRM_OK : crm_error_nomem(err);
}

/* How each column is mapped, as one string: "header=field" by the unit separator. */
static int mapping_text(const struct importer *im, struct crm_strbuf *sb)
{
	int oom = 0;
	size_t c;

	for (c = 0; c < im->ncols; c++) {
		const struct column *col = &im->cols[c];
		const char *to = col->ignored ? "-" : col->field ? col->field->name : NULL;

		if (to)
			oom |= crm_strbuf_addf(sb, "%s%s=%s", c ? "\x1f" : "", col->header, to);
		else
			oom |= crm_strbuf_addf(sb, "%s%s=extra:%s", c ? "\x1f" : "", col->header,
					       col->own ? col->own : col->header);
	}
	return oom;
}

/* Binds source, kind, header list and mapping to ?1 to ?4 of st. */
static void bind_mapping(struct importer *im, struct crm_stmt *st)
{
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, crm_kind_name(im->kind));
	crm_stmt_bind_int(st, 3, im->headers_id);
	crm_stmt_bind_text_ref(st, 4, im->mapping.buf, im->mapping.len);
}

/*
 * Whether this header list of the source was mapped otherwise by the last
 * run that changed its rows and stands (not reverted): then every row is
 * compared field by field (im->remap).
 */
static enum crm_status check_mapping(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *same = crm_stmt_table_get(&im->sql, S_MAPPING_SAME, err);
	enum crm_status s;
	int found = 0;

	if (!same)
		return crm_error_status(err);
	crm_strbuf_reset(&im->mapping);
	if (mapping_text(im, &im->mapping) || crm_strbuf_addstr(&im->mapping, ""))
		return crm_error_nomem(err);
	bind_mapping(im, same);
	s = crm_stmt_one(same, &found, "cannot read how the file was mapped", err);
	/*
	 * Only a mapping known to differ is applied again: rows stored before
	 * this table was kept are left as they are, so that re-importing an
	 * unchanged file still changes nothing.
	 */
	im->remap = !s && found && !crm_stmt_int(same, 0);
	crm_stmt_reset(same);
	return s;
}

enum crm_status import_keep_mapping(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *put;

	if (!im->stats->added && !im->stats->updated)
		return CRM_OK;
	put = crm_stmt_table_get(&im->sql, S_MAPPING_PUT, err);
	if (!put)
		return crm_error_status(err);
	bind_mapping(im, put);
	crm_stmt_bind_int(put, 5, im->run_id);
	return crm_stmt_run(put, "cannot keep how the file was mapped", err);
}

/* Whether the source has no records of this kind yet: then no key needs looking up. */
static enum crm_status check_fresh(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	int found;

	st = crm_stmt_table_get(&im->sql, im->kind == CRM_KIND_CUSTOMERS ? S_FRESH_CUSTOMERS
					  : im->kind == CRM_KIND_ORDERS ? S_FRESH_ORDERS
					  : S_FRESH_INTERACTIONS, err);
	if (!st)
		return crm_error_status(err);
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	s = crm_stmt_one(st, &found, "cannot look the source up", err);
	im->fresh = found && crm_stmt_int(st, 0);
	crm_stmt_reset(st);
	return s;
}

/*
 * Makes ready to store the file's records, once its columns are mapped:
 * the work tables of the file, the statements, whether its source is new,
 * and the raw_headers row of its header list.
 */
enum crm_status import_store_begin(struct importer *im, struct crm_error *err)
{
	enum crm_status s = crm_stmt_table_init(&im->sql, im->db, stmt_sql, S_COUNT, err);

	if (!s)
		s = run_once(im, S_LINES_CREATE, "cannot number order lines", err);
	if (!s)
		s = run_once(im, S_LINES_CLEAR, "cannot number order lines", err);
	if (!s)
		s = run_once(im, S_KEYS_CREATE, "cannot note the keys", err);
	if (!s)
		s = run_once(im, S_KEYS_CLEAR, "cannot note the keys", err);
	if (!s)
		s = build_statements(im, err);
	if (!s)
		s = check_fresh(im, err);
	if (!s)
		s = headers_id(im, im->cols, im->ncols, &im->headers_id, err);
	if (!s)
		s = check_mapping(im, err);
	if (!s)
		s = crm_id_next(im->db, "customers", &im->next_customer, err);
	if (!s)
		s = crm_id_next(im->db, "source_records", &im->next_source, err);
	if (!s && im->kind != CRM_KIND_CUSTOMERS)
		s = crm_id_next(im->db, im->table, &im->next_row, err);
	if (!s && !im->o->allow_erased)
		s = crm_erased_open(im->db, 0, &im->erased, err);
	return s;
}

/* Frees the file's statements. */
void import_store_end(struct importer *im)
{
	size_t i;

	crm_stmt_table_release(&im->sql);
	crm_strbuf_release(&im->mapping);
	crm_erased_free(im->erased);
	im->erased = NULL;
	crm_stmt_free(im->ins);
	crm_stmt_free(im->get);
	if (im->upd)
		for (i = 0; i < im->nfields; i++)
			crm_stmt_free(im->upd[i]);
	free(im->upd);
}

/*
 * Whether a record about to be created under source:key (its own key, or
 * the key of the customer an order names) would bring back a person
 * erased at their request: then it is rejected, saying when. Called only
 * where the key was just found not to be in the tables. The reject keeps
 * nothing of the person: not the key, not the record's text (the rejects
 * file is written beside the input, in the clear).
 */
enum crm_status import_check_erased(struct importer *im, const char *source, const char *key,
				    int col, int *rejected, struct crm_error *err)
{
	char at[40] = "", why[200];
	int found = 0;
	enum crm_status s;
	struct crm_import_problem p = { .line = im->rec->line };

	*rejected = 0;
	if (!im->erased || !key || !source)
		return CRM_OK;
	s = crm_erased_find(im->erased, source, key, &found, at, sizeof(at), err);
	if (s || !found)
		return s;
	*rejected = 1;
	snprintf(why, sizeof(why), "%s erased on %.10s at the person's request: not imported "
		 "again (--allow-erased to import it)",
		 im->kind == CRM_KIND_CUSTOMERS ? "a record" : "its customer was", at);
	p.column = col >= 0 ? im->cols[col].header : NULL;
	p.reason = why;
	im->stats->rejected++;
	return im->sink && im->sink->problem ? im->sink->problem(im->sink->ctx, &p, err) : CRM_OK;
}
