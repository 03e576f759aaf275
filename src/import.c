/*
 * The import engine. For each record of the file: map its columns to the
 * catalogue's fields, convert typed values to their canonical form (or
 * reject the record, saying which column and why), then insert it or
 * update the fields whose source value changed, logging every change in
 * the caller's transaction.
 */
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "fielddefs.h"
#include "strbuf.h"
#include "types.h"
#include "banned.h"

/* A converted field value; text lives in the record's arena (offset). */
struct fval {
	int set;
	enum crm_value_type type;
	long long i;
	size_t off;
	size_t len;
	int bad;                 /* lenient: the value was invalid and dropped */
};

struct column {
	char *header;            /* unique: a repeated header gets " (2)" */
	char *json_key;          /* ,"header": escaped once, for the hash of a keyless row */
	const struct crm_field *field;
	const char *own;         /* a field of the company's own (crm-fields(5)): its key in extra */
	int ignored;
	int by_user;
};

/*
 * The statements of an import. Those before S_PER_FILE are prepared when
 * the file's header is mapped and used for every record; the rest are
 * asked for from the table when needed, once per file. A statement on
 * orders is followed by the same on interactions (see kind_stmt).
 */
enum stmt {
	S_FIND_SOURCE,           /* a customer by (source, key) */
	S_INSERT_SOURCE,
	S_UPDATE_SOURCE_RAW,
	S_FIND_ORDER,            /* an order or interaction by its key */
	S_FIND_INTERACTION,
	S_UPDATE_ORDER_RAW,
	S_UPDATE_INTERACTION_RAW,
	S_GET_ORDER_CUSTOMER,    /* an order's or interaction's customer_id */
	S_GET_INTERACTION_CUSTOMER,
	S_SET_ORDER_CUSTOMER,
	S_SET_INTERACTION_CUSTOMER,
	S_MINIMAL_CUSTOMER,
	S_UPDATED_AT,
	S_EXTRA,
	S_LINE_GET,
	S_LINE_SET,
	S_OLD_RAW,
	S_KEY_SEEN,
	S_KEY_LINE,
	S_GET_EXTRA,
	S_GET_UPDATED_AT,
	S_UNDO_CUSTOMER,
	S_PER_FILE,
	S_LINES_CREATE = S_PER_FILE,
	S_LINES_CLEAR,
	S_KEYS_CREATE,
	S_KEYS_CLEAR,
	S_FRESH_CUSTOMERS,       /* whether the source has no records of the kind */
	S_FRESH_ORDERS,
	S_FRESH_INTERACTIONS,
	S_HEADERS_ADD,
	S_HEADERS_ID,
	S_COUNT
};

struct importer {
	struct crm_db *db;
	struct crm_audit *run;
	const struct crm_import_options *o;
	const struct crm_import_sink *sink;
	struct crm_import_stats *stats;
	const char *name;
	enum crm_kind kind;
	const char *table;
	const char *csource;
	struct column *cols;
	size_t ncols;
	const struct crm_field *fields;
	size_t nfields;
	int key_col;             /* -1: the key is a hash of the row */
	int ckey_col;            /* orders, interactions: the customer key column */
	char now[32];

	struct crm_stmt_table sql;
	struct crm_stmt *st[S_PER_FILE]; /* the table's, prepared up front (NULL: unused) */
	/* Built from the catalogue's names of the kind's fields: */
	struct crm_stmt *ins;    /* INSERT of a new row */
	struct crm_stmt *get;    /* SELECT of every catalogue column of a row */
	struct crm_stmt **upd;   /* per field: UPDATE table SET field = ?1 WHERE id = ?2 */

	/* The record being imported. */
	const struct crm_csv_record *rec;
	struct fval *vals;
	struct crm_strbuf arena;
	struct crm_strbuf raw;   /* the row as read: a JSON array of the values */
	struct crm_strbuf hashed; /* keyless rows: header -> value, what the key hashes */
	int64_t headers_id;      /* raw_headers of the file's header list */
	int64_t ckey_headers_id; /* raw_headers of [customer key header], 0 until needed */
	struct crm_strbuf why;   /* reasons for a rejection */
	const char *bad_column;
	char *bad_value;         /* the first bad value, for the rejects file */
	char *key;
	char *ckey;
	int64_t line;            /* orders: the row's line within its order */
	char *prev_order;
	int64_t prev_line;
	char *last_ckey;
	int64_t last_customer;
	int changed_any;
	struct crm_strbuf tmp;   /* a value being converted */
	unsigned char *sourced;  /* per field: a column or a derivation gives it */
	size_t f_name, f_family, f_amount, f_status, f_price, f_qty; /* field indexes */
	int has_postal;          /* a column maps to a postal field */
	int country_col;         /* the column of country, -1 when none */
	int pref_col;            /* the column of prefecture, -1 when none */
	int fresh;               /* the source had no records: skip lookups */
};

static const char *const stmt_sql[S_COUNT] = {
	[S_FIND_SOURCE] =
		"SELECT id, customer_id, raw, raw_headers FROM source_records"
		" WHERE source = ?1 AND source_key = ?2",
	/* Nothing when the key is taken: the fresh path's repeated key. */
	[S_INSERT_SOURCE] =
		"INSERT INTO source_records(source, source_key, customer_id, run_id, raw, raw_headers)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (source, source_key) DO NOTHING",
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
	[S_MINIMAL_CUSTOMER] = "INSERT INTO customers(created_at, updated_at) VALUES (?1, ?1)",
	[S_UPDATED_AT] = "UPDATE customers SET updated_at = ?1 WHERE id = ?2",
	[S_EXTRA] = "UPDATE customers SET extra = nullif(json_patch(coalesce(extra, '{}'), ?1), '{}')"
		    " WHERE id = ?2 RETURNING extra",
	[S_LINE_GET] = "SELECT n FROM temp.crm_import_lines WHERE order_key = ?1",
	[S_LINE_SET] = "INSERT OR REPLACE INTO temp.crm_import_lines(order_key, n) VALUES (?1, ?2)",
	/* The old row's header -> value pairs: its values ?1 with its header list ?2. */
	[S_OLD_RAW] = "SELECT h.value, v.value FROM json_each(?1) AS v"
		      " JOIN json_each((SELECT names FROM raw_headers WHERE id = ?2)) AS h"
		      " ON h.key = v.key",
	/* Nothing when the key came before in the file. */
	[S_KEY_SEEN] = "INSERT INTO temp.crm_import_keys(k, line) VALUES (?1, ?2)"
		       " ON CONFLICT (k) DO NOTHING",
	[S_KEY_LINE] = "SELECT line FROM temp.crm_import_keys WHERE k = ?1",
	[S_GET_EXTRA] = "SELECT extra FROM customers WHERE id = ?1",
	[S_GET_UPDATED_AT] = "SELECT updated_at FROM customers WHERE id = ?1",
	[S_UNDO_CUSTOMER] = "DELETE FROM customers WHERE id = ?1",
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
};

static enum crm_status nomem(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
}

/* The status of a failure a call reported only through err. */
static enum crm_status failed(const struct crm_error *err)
{
	return err && err->code ? err->code : CRM_ERR_INTERNAL;
}


static int is_real(const struct crm_field *f)
{
	return !(f->flags & CRM_F_VIRTUAL);
}

/* Text of a value in the arena. */
static const char *vtext(const struct importer *im, const struct fval *v)
{
	return im->arena.buf + v->off;
}

static struct crm_value to_value(const struct importer *im, const struct fval *v)
{
	struct crm_value out = crm_value_null();

	if (!v->set)
		return out;
	if (v->type == CRM_VALUE_INT)
		return crm_value_int(v->i);
	out.type = CRM_VALUE_TEXT;
	out.s = vtext(im, v);
	out.len = v->len;
	return out;
}

/*
 * Binds without a copy: the arena holds the record's values unchanged
 * until the next record, and every statement bound here is stepped and
 * reset before then.
 */
static void bind_fval(const struct importer *im, struct crm_stmt *st, int i, const struct fval *v)
{
	if (!v || !v->set)
		crm_stmt_bind_null(st, i);
	else if (v->type == CRM_VALUE_INT)
		crm_stmt_bind_int(st, i, v->i);
	else
		crm_stmt_bind_text_ref(st, i, vtext(im, v), v->len);
}

/* ---- Statements -------------------------------------------------------- */

/* Statement orders of the kind being imported, or the same on interactions. */
static struct crm_stmt *kind_stmt(const struct importer *im, enum stmt orders)
{
	return im->st[im->kind == CRM_KIND_ORDERS ? orders : orders + 1];
}

/*
 * Steps a query that must give a row (the row read or changed a moment
 * ago in this transaction): none means the database is damaged. The row
 * is left to read; the caller resets st.
 */
static enum crm_status one_row(struct crm_stmt *st, const char *what, struct crm_error *err)
{
	int found;
	enum crm_status s = crm_stmt_one(st, &found, what, err);

	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_SCHEMA, "%s: the row is gone", what);
	if (s)
		crm_stmt_reset(st);
	return s;
}

/* Runs statement i of the table, one that is used once per file. */
static enum crm_status run_once(struct importer *im, enum stmt i, const char *what,
				struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&im->sql, i, err);

	return st ? crm_stmt_run(st, what, err) : failed(err);
}

/* Whether a field of the kind gets its value from a column or a derivation. */
static int compute_has_source(const struct importer *im, size_t f)
{
	size_t c;

	for (c = 0; c < im->ncols; c++)
		if (im->cols[c].field == &im->fields[f])
			return 1;
	/* Derived for orders when no column gives them. */
	if (im->kind == CRM_KIND_ORDERS &&
	    (!strcmp(im->fields[f].name, "status") || !strcmp(im->fields[f].name, "amount")))
		return 1;
	return 0;
}

static int field_has_source(const struct importer *im, size_t f)
{
	return im->sourced[f];
}

/* Looks up, once per file, what every row needs by index. */
static enum crm_status index_fields(struct importer *im, struct crm_error *err)
{
	size_t f;

	im->sourced = calloc(im->nfields ? im->nfields : 1, 1);
	if (!im->sourced)
		return nomem(err);
	for (f = 0; f < im->nfields; f++)
		im->sourced[f] = (unsigned char)compute_has_source(im, f);
	im->f_name = im->f_family = im->f_amount = im->f_status = im->f_price = im->f_qty = SIZE_MAX;
	for (f = 0; f < im->nfields; f++) {
		const char *n = im->fields[f].name;

		if (!strcmp(n, "name")) im->f_name = f;
		else if (!strcmp(n, "family_name")) im->f_family = f;
		else if (!strcmp(n, "amount")) im->f_amount = f;
		else if (!strcmp(n, "status")) im->f_status = f;
		else if (!strcmp(n, "unit_price")) im->f_price = f;
		else if (!strcmp(n, "quantity")) im->f_qty = f;
	}
	return CRM_OK;
}

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
		if (!is_real(&im->fields[f]))
			continue;
		oom |= crm_strbuf_addf(get, ", \"%s\"", im->fields[f].name);
		if (!field_has_source(im, f))
			continue;
		oom |= crm_strbuf_addf(ins, ", \"%s\"", im->fields[f].name);
		oom |= crm_strbuf_addf(&vals, ", ?%d", ++n);
	}
	oom |= crm_strbuf_addf(ins, ") VALUES (%s)", vals.buf);
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
			s = failed(err);
	if (!s && insert_and_get_sql(im, &ins, &get))
		s = nomem(err);
	if (!s)
		s = crm_stmt_prepare(im->db, ins.buf, &im->ins, err);
	if (!s)
		s = crm_stmt_prepare(im->db, get.buf, &im->get, err);
	crm_strbuf_release(&ins);
	crm_strbuf_release(&get);
	if (!s) {
		im->upd = calloc(im->nfields ? im->nfields : 1, sizeof(*im->upd));
		if (!im->upd)
			s = nomem(err);
	}
	return s;
}

static struct crm_stmt *update_stmt(struct importer *im, size_t f, struct crm_error *err)
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

static void free_statements(struct importer *im)
{
	size_t i;

	crm_stmt_table_release(&im->sql);
	crm_stmt_free(im->ins);
	crm_stmt_free(im->get);
	if (im->upd)
		for (i = 0; i < im->nfields; i++)
			crm_stmt_free(im->upd[i]);
	free(im->upd);
}

/* ---- Mapping ------------------------------------------------------------ */

static const struct crm_import_map *user_map(const struct crm_import_options *o,
					     const char *header)
{
	size_t i;

	for (i = 0; i < o->nmaps; i++)
		if (!strcmp(o->maps[i].column, header))
			return &o->maps[i];
	return NULL;
}

/* A header repeated in the file is kept apart in the raw row as "name (2)". */
static char *unique_header(const struct column *cols, size_t n, const char *h)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	int k = 1;
	size_t i;

	for (;;) {
		int clash = 0;

		crm_strbuf_reset(&sb);
		if ((k == 1 ? crm_strbuf_addstr(&sb, h) : crm_strbuf_addf(&sb, "%s (%d)", h, k))) {
			crm_strbuf_release(&sb);
			return NULL;
		}
		for (i = 0; i < n && !clash; i++)
			clash = !strcmp(cols[i].header, sb.buf);
		if (!clash)
			return crm_strbuf_detach(&sb, NULL);
		k++;
	}
}

/*
 * The key in extra of a column that names a field of the company's own:
 * the field's name, unless an earlier column took it (that one wins, and
 * this one keeps its header, as any column without a field does).
 */
static const char *own_key(const struct column *cols, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cols[i].own && !strcmp(cols[i].own, name))
			return NULL;
	return name;
}

static enum crm_status map_columns(struct importer *im, const struct crm_csv_record *hdr,
				   struct crm_error *err)
{
	const struct crm_import_options *o = im->o;
	size_t c, i;

	im->cols = calloc(hdr->nfields, sizeof(*im->cols));
	if (!im->cols)
		return nomem(err);
	im->key_col = im->ckey_col = -1;
	for (c = 0; c < hdr->nfields; c++) {
		struct column *col = &im->cols[c];
		const struct crm_import_map *m = user_map(o, hdr->fields[c]);

		col->header = unique_header(im->cols, c, hdr->fields[c]);
		im->ncols = c + 1;
		if (!col->header)
			return nomem(err);
		{
			struct crm_strbuf k = CRM_STRBUF_INIT;

			if (crm_strbuf_addch(&k, ',') ||
			    crm_strbuf_add_json_string(&k, col->header, strlen(col->header)) ||
			    crm_strbuf_addch(&k, ':')) {
				crm_strbuf_release(&k);
				return nomem(err);
			}
			col->json_key = crm_strbuf_detach(&k, NULL);
			if (!col->json_key)
				return nomem(err);
		}
		if (m) {
			col->by_user = 1;
			if (!strcmp(m->field, "-")) {
				col->ignored = 1;
				continue;
			}
			if (!strcmp(m->field, "extra"))
				continue;
			col->field = crm_field_find(im->kind, m->field);
			if (!col->field)
				return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, c + 1,
						    "--map '%s=%s': %s has no field '%s'", m->column,
						    m->field, crm_kind_name(im->kind), m->field);
		} else if (o->key_column && !strcmp(o->key_column, hdr->fields[c])) {
			col->by_user = 1;
			col->field = crm_field_find(im->kind, im->kind == CRM_KIND_ORDERS
							      ? "order_key" : "source_key");
		} else {
			/* The field definitions' aliases first: the company knows its headers. */
			const struct crm_fielddef *d =
				crm_fielddefs_for_header(o->defs, im->kind, hdr->fields[c]);

			if (d && !d->field && im->kind == CRM_KIND_CUSTOMERS)
				col->own = own_key(im->cols, c, d->name);   /* to extra */
			else
				col->field = d && d->field ? d->field
							   : crm_field_for_header(im->kind, hdr->fields[c]);
		}
	}
	/* One column per field, except fields that join several. */
	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;

		if (!f || (f->flags & CRM_F_JOIN))
			continue;
		for (i = 0; i < c; i++)
			if (im->cols[i].field == f)
				break;
		if (i < c) {
			/* A user's choice wins over an alias. */
			if (im->cols[c].by_user && !im->cols[i].by_user)
				im->cols[i].field = NULL;
			else if (!im->cols[c].by_user)
				im->cols[c].field = NULL;
			else
				return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, c + 1,
						    "columns '%s' and '%s' both map to %s",
						    im->cols[i].header, im->cols[c].header, f->name);
		}
	}
	for (i = 0; i < o->nmaps; i++) {
		for (c = 0; c < hdr->nfields; c++)
			if (!strcmp(hdr->fields[c], o->maps[i].column))
				break;
		if (c == hdr->nfields)
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
					    "--map '%s=%s': the file has no column '%s'",
					    o->maps[i].column, o->maps[i].field, o->maps[i].column);
	}
	if (o->key_column) {
		for (c = 0; c < im->ncols; c++)
			if (!strcmp(hdr->fields[c], o->key_column))
				break;
		if (c == im->ncols)
			return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
					    "--key '%s': the file has no such column", o->key_column);
	}
	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;

		if (f && (f->flags & CRM_F_KEY))
			im->key_col = (int)c;
		if (f && (f->flags & CRM_F_CUSTOMER_KEY))
			im->ckey_col = (int)c;
	}
	if (im->kind == CRM_KIND_ORDERS && im->key_col < 0)
		return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
				    "no order number column (注文番号, InvoiceNo ...): name it with "
				    "--key or --map COLUMN=order_key");
	if (im->kind != CRM_KIND_CUSTOMERS && im->ckey_col < 0)
		return crm_error_at(err, CRM_ERR_INVALID, im->name, hdr->line, 0,
				    "no customer key column (顧客番号, CustomerID ...): name it with "
				    "--map COLUMN=customer_key");
	return CRM_OK;
}

static void report_mapping(struct importer *im, int guessed)
{
	struct crm_import_column *cc;
	struct crm_import_mapping m;
	size_t c;

	if (!im->sink || !im->sink->mapping)
		return;
	cc = calloc(im->ncols, sizeof(*cc));
	if (!cc)
		return;
	for (c = 0; c < im->ncols; c++) {
		cc[c].header = im->cols[c].header;
		/* Customers keep unmapped columns in extra; all kinds in raw. */
		cc[c].field = im->cols[c].ignored ? "-" : im->cols[c].field ? im->cols[c].field->name
			      : im->cols[c].own ? im->cols[c].own
			      : im->kind == CRM_KIND_CUSTOMERS ? "extra" : "raw";
		cc[c].by_user = im->cols[c].by_user;
	}
	m.kind = im->kind;
	m.kind_guessed = guessed;
	m.columns = cc;
	m.ncolumns = im->ncols;
	m.hashed_key = im->key_col < 0;
	im->sink->mapping(im->sink->ctx, &m);
	free(cc);
}

/* ---- One record ----------------------------------------------------------- */

/* An order's status as exported: ok, cancelled or returned, in either language. */
static enum crm_status parse_order_status(const char *s, const char **out,
					      struct crm_error *err)
{
	static const struct { const char *word, *status; } words[] = {
		{ "ok", "ok" }, { "正常", "ok" }, { "完了", "ok" }, { "出荷済", "ok" },
		{ "出荷済み", "ok" }, { "発送済", "ok" }, { "発送済み", "ok" }, { "有効", "ok" },
		{ "completed", "ok" }, { "complete", "ok" }, { "shipped", "ok" },
		{ "paid", "ok" }, { "cancelled", "cancelled" }, { "canceled", "cancelled" },
		{ "cancel", "cancelled" }, { "キャンセル", "cancelled" }, { "取消", "cancelled" },
		{ "取消し", "cancelled" }, { "取り消し", "cancelled" }, { "無効", "cancelled" },
		{ "returned", "returned" }, { "return", "returned" }, { "refunded", "returned" },
		{ "返品", "returned" }, { "返品済", "returned" }, { "返品済み", "returned" },
		{ "返金", "returned" },
	};
	char *k = crm_header_key(s);
	size_t i;

	if (!k)
		return crm_error_set(err, CRM_ERR_INVALID, "'%s' is not valid UTF-8", s);
	if (!*k) {
		free(k);
		return CRM_EOF;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(k, words[i].word)) {
			free(k);
			*out = words[i].status;
			return CRM_OK;
		}
	free(k);
	return crm_error_set(err, CRM_ERR_INVALID,
			     "'%s' is not an order status (ok, cancelled, returned)", s);
}

/* Trims ASCII white space and U+3000 IDEOGRAPHIC SPACE from both ends. */
static void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	for (;;) {
		if (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
			p++;
			n--;
		} else if (n >= 3 && !memcmp(p, "\xE3\x80\x80", 3)) {
			p += 3;
			n -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
			n--;
		else if (n >= 3 && !memcmp(p + n - 3, "\xE3\x80\x80", 3))
			n -= 3;
		else
			break;
	}
	*s = p;
	*len = n;
}

static size_t field_index(const struct importer *im, const struct crm_field *f)
{
	return (size_t)(f - im->fields);
}

static int set_text(struct importer *im, struct fval *v, const char *s, size_t len)
{
	v->set = 1;
	v->type = CRM_VALUE_TEXT;
	v->off = im->arena.len;
	v->len = len;
	if (crm_strbuf_add(&im->arena, s, len) || crm_strbuf_addch(&im->arena, '\0'))
		return -1;
	return 0;
}

static void set_int(struct fval *v, long long i)
{
	v->set = 1;
	v->type = CRM_VALUE_INT;
	v->i = i;
}

/* Records why a field of the record is bad; the record is rejected unless lenient. */
static int field_problem(struct importer *im, const struct column *col, const char *value,
			 const char *reason, struct crm_error *err, enum crm_status *fail)
{
	if (im->o->lenient) {
		struct crm_import_problem p = {
			.line = im->rec->line, .column = col->header, .value = value,
			.reason = reason, .raw = im->rec->raw, .raw_len = im->rec->raw_len,
			.stored = 1,
		};

		im->stats->field_errors++;
		if (im->sink && im->sink->problem && (*fail = im->sink->problem(im->sink->ctx, &p, err)))
			return -1;
		return 0;
	}
	if (!im->bad_column) {
		im->bad_column = col->header;
		free(im->bad_value);
		im->bad_value = strdup(value);
	}
	if (im->why.len)
		crm_strbuf_addstr(&im->why, "; ");
	crm_strbuf_addf(&im->why, "column %s: %s", col->header, reason);
	return 0;
}

static enum crm_status convert(struct importer *im, const struct column *col, struct fval *v,
			       const char *s, size_t len, int japanese, struct crm_error *err)
{
	struct crm_error e;
	enum crm_status rc = CRM_OK, fail = CRM_OK;
	char buf[24];
	const char *tmp;

	/* The checks take a C string: most values already end where they end. */
	if (s[len] == '\0') {
		tmp = s;
	} else {
		crm_strbuf_reset(&im->tmp);
		if (crm_strbuf_add(&im->tmp, s, len))
			return nomem(err);
		tmp = im->tmp.buf;
	}
	crm_error_clear(&e);
	switch (col->field->type) {
	case CRM_T_TEXT:
	case CRM_T_KANA:
		break;
	case CRM_T_EMAIL:
		rc = crm_check_email(tmp, &e);
		break;
	case CRM_T_PHONE:
		rc = crm_check_phone(tmp, &e);
		break;
	case CRM_T_POSTAL:
		rc = crm_check_postal(tmp, japanese, &e);
		break;
	case CRM_T_DATE:
		rc = crm_parse_date(tmp, buf, &e);
		if (!rc && set_text(im, v, buf, strlen(buf)))
			rc = CRM_ERR_NOMEM;
		goto done;
	case CRM_T_DATETIME:
		rc = crm_parse_datetime(tmp, buf, &e);
		if (!rc && set_text(im, v, buf, strlen(buf)))
			rc = CRM_ERR_NOMEM;
		goto done;
	case CRM_T_MONEY:
	case CRM_T_INTEGER: {
		int64_t n;

		rc = col->field->type == CRM_T_MONEY ? crm_parse_money(tmp, &n, &e)
						     : crm_parse_int(tmp, &n, &e);
		if (!rc)
			set_int(v, n);
		goto done;
	}
	case CRM_T_FLAG: {
		int b;

		rc = crm_parse_flag(tmp, &b, &e);
		if (!rc)
			set_int(v, b);
		goto done;
	}
	case CRM_T_ENUM: {
		const char *g = NULL;

		if (!strcmp(col->field->name, "gender"))
			rc = crm_parse_gender(tmp, &g, &e);
		else
			rc = parse_order_status(tmp, &g, &e);
		if (!rc && set_text(im, v, g, strlen(g)))
			rc = CRM_ERR_NOMEM;
		goto done;
	}
	case CRM_T_KEY:
		break;
	}
	/* Validated or plain text: stored as given, trimmed. */
	if (!rc && set_text(im, v, s, len))
		rc = CRM_ERR_NOMEM;
done:
	if (rc == CRM_ERR_INVALID) {
		v->set = 0;
		v->bad = 1;
		if (field_problem(im, col, tmp, e.message, err, &fail))
			return fail;
		rc = CRM_OK;
	} else if (rc == CRM_EOF) {
		rc = CRM_OK;
	} else if (rc == CRM_ERR_NOMEM) {
		rc = nomem(err);
	}
	return rc;
}

/* "17850.0" (a number written by a spreadsheet) is the key "17850"; width is folded. */
static char *normalize_key(const char *s)
{
	char *k = crm_fold_trim(s);
	char *dot;
	size_t i;

	if (!k)
		return NULL;
	dot = strchr(k, '.');
	if (dot && dot > k) {
		for (i = 0; k + i < dot && k[i] >= '0' && k[i] <= '9'; i++)
			;
		if (k + i == dot && dot[1] && strspn(dot + 1, "0") == strlen(dot + 1))
			*dot = '\0';
	}
	return k;
}

/* The key of a record without a key column: a hash of the whole row. */
static char *hash_key(const struct importer *im)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *k = malloc(7 + 32 + 1);
	int i;

	if (!k)
		return NULL;
	sha256_init(&ctx);
	sha256_update(&ctx, im->hashed.len, (const uint8_t *)im->hashed.buf);
	sha256_digest(&ctx, sizeof(d), d);
	memcpy(k, "sha256:", 7);
	for (i = 0; i < 16; i++) {
		k[7 + 2 * i] = hex[d[i] >> 4];
		k[8 + 2 * i] = hex[d[i] & 15];
	}
	k[39] = '\0';
	return k;
}

/*
 * The row as read, kept to compare with next time: a JSON array of the
 * values, its header names in raw_headers (im->headers_id).
 */
static int build_raw(struct importer *im)
{
	const struct crm_csv_record *r = im->rec;
	size_t c;
	int oom = 0;

	crm_strbuf_reset(&im->raw);
	oom |= crm_strbuf_addch(&im->raw, '[');
	for (c = 0; c < im->ncols; c++) {
		if (c)
			oom |= crm_strbuf_addch(&im->raw, ',');
		oom |= crm_strbuf_add_json_string(&im->raw, r->fields[c], r->lens[c]);
	}
	oom |= crm_strbuf_addch(&im->raw, ']');
	return oom ? -1 : 0;
}

/*
 * The header -> value object of the row that the key of a keyless row
 * hashes: what raw held before schema 4, so that keys stay the same.
 */
static int build_hashed(struct importer *im)
{
	const struct crm_csv_record *r = im->rec;
	size_t c;
	int oom = 0;

	crm_strbuf_reset(&im->hashed);
	oom |= crm_strbuf_addch(&im->hashed, '{');
	for (c = 0; c < im->ncols; c++) {
		/* json_key is ",\"header\":" (no comma before the first). */
		oom |= crm_strbuf_addstr(&im->hashed, im->cols[c].json_key + !c);
		oom |= crm_strbuf_add_json_string(&im->hashed, r->fields[c], r->lens[c]);
	}
	oom |= crm_strbuf_addch(&im->hashed, '}');
	return oom ? -1 : 0;
}

/* Whether the record's postal code is to be checked as a Japanese one. */
static int record_is_japanese(const struct importer *im)
{
	const char *country = NULL, *pref = NULL;
	int jp;

	/* The columns are found once per file (check_fresh): a field has one at most. */
	if (im->country_col >= 0 && im->rec->lens[im->country_col])
		country = im->rec->fields[im->country_col];
	if (im->pref_col >= 0 && im->rec->lens[im->pref_col])
		pref = im->rec->fields[im->pref_col];
	jp = crm_country_is_japan(country);
	if (jp && pref) {
		char *p = crm_fold_trim(pref);

		jp = p && (!*p || crm_is_prefecture(p));
		free(p);
	}
	return jp;
}

/* Converts the record's columns into field values. */
static enum crm_status convert_record(struct importer *im, struct crm_error *err)
{
	const struct crm_csv_record *r = im->rec;
	int japanese = im->has_postal ? record_is_japanese(im) : 1;
	struct crm_strbuf join = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	size_t c, f;

	for (f = 0; f < im->nfields; f++)
		memset(&im->vals[f], 0, sizeof(im->vals[f]));
	/* Joined fields first: several columns, one value. */
	for (f = 0; f < im->nfields && !s; f++) {
		const struct column *first = NULL;

		if (!(im->fields[f].flags & CRM_F_JOIN))
			continue;
		crm_strbuf_reset(&join);
		for (c = 0; c < im->ncols; c++) {
			const char *v = r->fields[c];
			size_t len = r->lens[c];

			if (im->cols[c].field != &im->fields[f])
				continue;
			trim(&v, &len);
			if (!len)
				continue;
			if (!first)
				first = &im->cols[c];
			if ((join.len && crm_strbuf_addch(&join, ' ')) || crm_strbuf_add(&join, v, len))
				s = nomem(err);
		}
		if (!s && first && join.len)
			s = convert(im, first, &im->vals[f], join.buf, join.len, japanese, err);
	}
	crm_strbuf_release(&join);
	for (c = 0; c < im->ncols && !s; c++) {
		const struct crm_field *fd = im->cols[c].field;
		const char *v = r->fields[c];
		size_t len = r->lens[c];

		if (!fd || (fd->flags & (CRM_F_JOIN | CRM_F_VIRTUAL)))
			continue;
		trim(&v, &len);
		if (len)
			s = convert(im, &im->cols[c], &im->vals[field_index(im, fd)], v, len,
				    japanese, err);
	}
	return s;
}

/* A value of the record by field index, or NULL when it has none. */
static struct fval *val(struct importer *im, size_t f)
{
	return f != SIZE_MAX && im->vals[f].set ? &im->vals[f] : NULL;
}

/*
 * Orders: the amount when no column gives it (unit price times quantity,
 * exact), and the status: a return has a negative quantity or amount, a
 * cancellation an order number of C and digits (C536379).
 */
static enum crm_status reject(struct importer *im, const char *column, const char *value,
			      const char *reason, struct crm_error *err);

static enum crm_status derive_order(struct importer *im, struct crm_error *err)
{
	struct fval *amount = &im->vals[im->f_amount];
	struct fval *status = &im->vals[im->f_status];
	struct fval *price = val(im, im->f_price), *qty = val(im, im->f_qty);
	const char *st = "ok";
	const char *k = im->key;
	long long product;

	if (!amount->set && !amount->bad && price && qty) {
		if (__builtin_mul_overflow(price->i, qty->i, &product)) {
			const struct column *col = NULL;
			enum crm_status fail = CRM_OK;
			size_t c;

			for (c = 0; c < im->ncols && !col; c++)
				if (im->cols[c].field == &im->fields[im->f_qty])
					col = &im->cols[c];
			amount->bad = 1;
			if (col && field_problem(im, col, im->rec->fields[col - im->cols],
						 "unit price times quantity is too large an amount",
						 err, &fail))
				return fail;
		} else {
			set_int(amount, product);
		}
	}
	/* A status given (and good) stands; a bad one under --lenient is derived. */
	if (status->set)
		return CRM_OK;
	if ((qty && qty->i < 0) || (amount->set && amount->i < 0))
		st = "returned";
	if (k[0] == 'C' || k[0] == 'c') {
		size_t i = k[1] == '-' ? 2 : 1;

		if (k[i] && strspn(k + i, "0123456789") == strlen(k + i))
			st = "cancelled";
	}
	status->bad = 0;
	return set_text(im, status, st, strlen(st)) ? nomem(err) : CRM_OK;
}

static enum crm_status reject(struct importer *im, const char *column, const char *value,
			      const char *reason, struct crm_error *err)
{
	struct crm_import_problem p = {
		.line = im->rec->line, .column = column, .value = value, .reason = reason,
		.raw = im->rec->raw, .raw_len = im->rec->raw_len,
	};

	im->stats->rejected++;
	if (im->sink && im->sink->problem)
		return im->sink->problem(im->sink->ctx, &p, err);
	return CRM_OK;
}

/* ---- Writing ---------------------------------------------------------------- */

static enum crm_status log_insert(struct importer *im, const char *tbl, int64_t id,
				  struct crm_error *err)
{
	im->stats->changes++;
	return crm_audit_insert(im->run, tbl, id, err);
}

static enum crm_status log_update(struct importer *im, const char *tbl, int64_t id,
				  const char *field, const struct crm_value *old_value,
				  const struct crm_value *new_value, struct crm_error *err)
{
	im->stats->changes++;
	return crm_audit_update(im->run, tbl, id, field, old_value, new_value, err);
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
		return failed(err);
	oom = crm_strbuf_addch(&names, '[');
	for (c = 0; c < n; c++) {
		if (c)
			oom |= crm_strbuf_addch(&names, ',');
		oom |= crm_strbuf_add_json_string(&names, cols[c].header, strlen(cols[c].header));
	}
	oom |= crm_strbuf_addch(&names, ']');
	if (oom) {
		crm_strbuf_release(&names);
		return nomem(err);
	}
	crm_stmt_bind_text_ref(add, 1, names.buf, names.len);
	s = crm_stmt_run(add, "cannot keep the header names", err);
	if (!s) {
		crm_stmt_bind_text_ref(get, 1, names.buf, names.len);
		s = one_row(get, "cannot read the header names back", err);
	}
	if (!s) {
		*id = crm_stmt_int(get, 0);
		crm_stmt_reset(get);
	}
	crm_strbuf_release(&names);
	return s;
}

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
	crm_stmt_bind_int(st, 4, crm_audit_run_id(im->run));
	crm_stmt_bind_text_ref(st, 5, raw->buf, raw->len);
	crm_stmt_bind_int(st, 6, headers);
	s = crm_stmt_run(st, "cannot record the source", err);
	*taken = !s && crm_db_changes(im->db) == 0;
	return s;
}

/* The customer of an order or interaction, created bare when its key is new. */
static enum crm_status resolve_customer(struct importer *im, int64_t *id, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_FIND_SOURCE];
	enum crm_status s;
	struct crm_strbuf raw = CRM_STRBUF_INIT;
	int found, taken;

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
	if (s)
		return s;
	if (!found) {
		st = im->st[S_MINIMAL_CUSTOMER];
		crm_stmt_bind_str_ref(st, 1, im->now);
		s = crm_stmt_run(st, "cannot create the customer", err);
		if (s)
			return s;
		*id = crm_db_last_insert_id(im->db);
		s = log_insert(im, "customers", *id, err);
		if (s)
			return s;
		if (!im->ckey_headers_id) {
			s = headers_id(im, &im->cols[im->ckey_col], 1, &im->ckey_headers_id, err);
			if (s)
				return s;
		}
		if (crm_strbuf_addch(&raw, '[') ||
		    crm_strbuf_add_json_string(&raw, im->ckey, strlen(im->ckey)) ||
		    crm_strbuf_addch(&raw, ']')) {
			crm_strbuf_release(&raw);
			return nomem(err);
		}
		s = insert_source(im, im->csource, im->ckey, *id, &raw, im->ckey_headers_id, &taken,
				  err);
		crm_strbuf_release(&raw);
		/* Looked up a moment ago in this transaction: it cannot be there. */
		if (!s && taken)
			s = crm_error_set(err, CRM_ERR_INTERNAL, "cannot record the customer's source:"
					  " its key is taken");
		if (!s)
			s = log_insert(im, "source_records", crm_db_last_insert_id(im->db), err);
		if (s)
			return s;
		im->stats->new_customers++;
	}
	free(im->last_ckey);
	im->last_ckey = strdup(im->ckey);
	im->last_customer = *id;
	return im->last_ckey ? CRM_OK : nomem(err);
}

/* The record's extra columns (mapped to no field), non-empty ones, as JSON. */
/* With changed, only the changed columns, emptied ones as null (to delete them). */
static int extra_json(struct importer *im, struct crm_strbuf *out, const unsigned char *changed)
{
	size_t c;
	int n = 0, oom = 0;

	oom |= crm_strbuf_addch(out, '{');
	for (c = 0; c < im->ncols; c++) {
		const struct column *col = &im->cols[c];
		const char *v = im->rec->fields[c], *key;
		size_t len = im->rec->lens[c];

		if (col->field || col->ignored || (changed && !changed[c]))
			continue;
		trim(&v, &len); /* a space (or U+3000) alone is no value */
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

/* Inserts the record as a new row; logged unless the caller logs it later. */
static enum crm_status insert_row(struct importer *im, int64_t customer, int64_t *id,
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
		n = extra_json(im, &extra, NULL);
		if (n < 0)
			return nomem(err);
		crm_stmt_bind_text_ref(st, 1, n > 0 ? extra.buf : NULL, extra.len);
		crm_stmt_bind_str_ref(st, 2, im->now);
		i = 3;
		break;
	case CRM_KIND_ORDERS:
		crm_stmt_bind_int(st, 1, customer);
		crm_stmt_bind_str_ref(st, 2, im->o->source);
		crm_stmt_bind_str_ref(st, 3, im->key);
		crm_stmt_bind_int(st, 4, im->line);
		crm_stmt_bind_int(st, 5, crm_audit_run_id(im->run));
		crm_stmt_bind_text_ref(st, 6, im->raw.buf, im->raw.len);
		crm_stmt_bind_int(st, 7, im->headers_id);
		i = 8;
		break;
	default:
		crm_stmt_bind_int(st, 1, customer);
		crm_stmt_bind_str_ref(st, 2, im->o->source);
		crm_stmt_bind_str_ref(st, 3, im->key);
		crm_stmt_bind_int(st, 4, crm_audit_run_id(im->run));
		crm_stmt_bind_text_ref(st, 5, im->raw.buf, im->raw.len);
		crm_stmt_bind_int(st, 6, im->headers_id);
		i = 7;
		break;
	}
	for (f = 0; f < im->nfields; f++)
		if (is_real(&im->fields[f]) && field_has_source(im, f))
			bind_fval(im, st, i++, &im->vals[f]);
	s = crm_stmt_run(st, "cannot insert the record", err);
	crm_strbuf_release(&extra);
	if (s)
		return s;
	*id = crm_db_last_insert_id(im->db);
	return log ? log_insert(im, im->table, *id, err) : CRM_OK;
}

/*
 * Which columns changed since the source last sent this record: compares
 * the new row with the raw row kept from last time, column by column.
 */
static enum crm_status changed_columns(struct importer *im, const char *old_raw,
				       int64_t old_headers, unsigned char *changed,
				       struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_OLD_RAW];
	enum crm_step rc;
	size_t c;

	for (c = 0; c < im->ncols; c++)
		changed[c] = im->rec->lens[c] != 0; /* a column new to the source */
	crm_stmt_bind_str(st, 1, old_raw);
	crm_stmt_bind_int(st, 2, old_headers);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *k = crm_stmt_text(st, 0);
		const char *v = crm_stmt_text(st, 1);
		size_t vlen = crm_stmt_bytes(st, 1);

		for (c = 0; c < im->ncols; c++)
			if (k && !strcmp(k, im->cols[c].header)) {
				changed[c] = !v ? im->rec->lens[c] != 0
						: vlen != im->rec->lens[c] ||
						  memcmp(v, im->rec->fields[c], vlen) != 0;
				break;
			}
	}
	if (rc == CRM_STEP_ERROR) {
		enum crm_status s = crm_stmt_fail(st, err, "cannot read the record's last raw row");

		crm_stmt_reset(st);
		return s;
	}
	crm_stmt_reset(st);
	return CRM_OK;
}

/* Whether field f draws on a changed column (derived order fields: any change). */
static int field_changed(const struct importer *im, size_t f, const unsigned char *changed)
{
	size_t c;

	for (c = 0; c < im->ncols; c++)
		if (im->cols[c].field == &im->fields[f] && changed[c])
			return 1;
	if (im->kind == CRM_KIND_ORDERS &&
	    (!strcmp(im->fields[f].name, "status") || !strcmp(im->fields[f].name, "amount")))
		return field_has_source(im, f);
	return 0;
}

static enum crm_status update_fields(struct importer *im, int64_t id, const unsigned char *changed,
				     struct crm_error *err)
{
	struct crm_stmt *get = im->get;
	enum crm_status s;
	int col = 1;
	size_t f;

	im->changed_any = 0;
	crm_stmt_bind_int(get, 1, id);
	s = one_row(get, "cannot read the record to update", err);
	for (f = 0; f < im->nfields && !s; f++) {
		struct crm_value oldv, newv;
		struct crm_stmt *up;

		if (!is_real(&im->fields[f]))
			continue;
		col++;
		if (!field_changed(im, f, changed))
			continue;
		/* A bad value under --lenient is no value: the field is emptied. */
		oldv = crm_stmt_value(get, col - 1);
		newv = to_value(im, &im->vals[f]);
		if (crm_value_equal(&oldv, &newv))
			continue;
		up = update_stmt(im, f, err);
		if (!up) {
			s = failed(err);
			break;
		}
		s = log_update(im, im->table, id, im->fields[f].name, &oldv, &newv, err);
		if (s)
			break;
		bind_fval(im, up, 1, &im->vals[f]);
		crm_stmt_bind_int(up, 2, id);
		s = crm_stmt_run(up, "cannot update the record", err);
		im->changed_any = 1;
	}
	crm_stmt_reset(get);
	return s;
}

/*
 * Sets updated_at to the run's start, logged like any field (but not
 * counted as a change of the record), so that a revert puts it back.
 */
static enum crm_status touch_customer(struct importer *im, int64_t id, struct crm_error *err)
{
	struct crm_stmt *g = im->st[S_GET_UPDATED_AT], *st = im->st[S_UPDATED_AT];
	struct crm_value o, nv = crm_value_text(im->now);
	enum crm_status s;

	crm_stmt_bind_int(g, 1, id);
	s = one_row(g, "cannot read the customer", err);
	if (s)
		return s;
	o = crm_stmt_value(g, 0);
	s = crm_value_equal(&o, &nv) ? CRM_OK
		: crm_audit_update(im->run, "customers", id, "updated_at", &o, &nv, err);
	crm_stmt_reset(g);
	if (s)
		return s;
	crm_stmt_bind_str_ref(st, 1, im->now);
	crm_stmt_bind_int(st, 2, id);
	return crm_stmt_run(st, "cannot update the customer", err);
}

/* A customer's extra as it is, for the log: NULL when it has none. */
static enum crm_status old_extra(struct importer *im, int64_t id, char **before,
				 struct crm_error *err)
{
	struct crm_stmt *g = im->st[S_GET_EXTRA];
	enum crm_status s;
	int found;

	*before = NULL;
	crm_stmt_bind_int(g, 1, id);
	/* Not "no extra" on a failure: the log would lose the old value. */
	s = crm_stmt_one(g, &found, "cannot read the customer's extra", err);
	if (!s && found && crm_stmt_text(g, 0) && !(*before = strdup(crm_stmt_text(g, 0))))
		s = nomem(err);
	crm_stmt_reset(g);
	return s;
}

/* customers.extra and updated_at, after the fields of an updated customer. */
static enum crm_status update_customer_extras(struct importer *im, int64_t id,
					      const unsigned char *changed, struct crm_error *err)
{
	struct crm_strbuf patch = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	char *before = NULL;
	int n;

	n = extra_json(im, &patch, changed);
	if (n < 0)
		return nomem(err);
	if (n > 0)
		s = old_extra(im, id, &before, err);
	if (n > 0 && !s) {
		struct crm_stmt *st = im->st[S_EXTRA];

		crm_stmt_bind_text_ref(st, 1, patch.buf, patch.len);
		crm_stmt_bind_int(st, 2, id);
		s = one_row(st, "cannot update extra", err);
		if (!s) {
			const char *after = crm_stmt_text(st, 0);

			if (!before || !after || strcmp(before, after)) {
				struct crm_value o = crm_value_text(before), nv = crm_value_text(after);

				s = log_update(im, "customers", id, "extra", &o, &nv, err);
				im->changed_any = 1;
			}
			crm_stmt_reset(st);
		}
	}
	crm_strbuf_release(&patch);
	free(before);
	if (!s && im->changed_any)
		s = touch_customer(im, id, err);
	return s;
}

/* Replaces the kept raw row, logged, so that the next import compares with it. */
/* Its header list too, when the file's differs. */
static enum crm_status update_raw(struct importer *im, struct crm_stmt *st, const char *tbl,
				  int64_t id, const char *old_raw, int64_t old_headers,
				  struct crm_error *err)
{
	struct crm_value o = crm_value_text(old_raw), nv = crm_value_text(im->raw.buf);
	enum crm_status s = CRM_OK;

	if (!old_raw || strcmp(old_raw, im->raw.buf))
		s = log_update(im, tbl, id, "raw", &o, &nv, err);
	if (!s && old_headers != im->headers_id) {
		o = old_headers ? crm_value_int(old_headers) : crm_value_null();
		nv = crm_value_int(im->headers_id);
		s = log_update(im, tbl, id, "raw_headers", &o, &nv, err);
	}
	if (s)
		return s;
	crm_stmt_bind_text_ref(st, 1, im->raw.buf, im->raw.len);
	crm_stmt_bind_int(st, 2, id);
	crm_stmt_bind_int(st, 3, im->headers_id);
	return crm_stmt_run(st, "cannot keep the raw row", err);
}

/* The customer of an order or interaction changes with its key or source. */
static enum crm_status update_customer_id(struct importer *im, int64_t row, int64_t customer,
					  struct crm_error *err)
{
	struct crm_stmt *g = kind_stmt(im, S_GET_ORDER_CUSTOMER);
	struct crm_stmt *u = kind_stmt(im, S_SET_ORDER_CUSTOMER);
	enum crm_status s;
	int64_t was;

	crm_stmt_bind_int(g, 1, row);
	s = one_row(g, "cannot read the record's customer", err);
	if (s)
		return s;
	was = crm_stmt_int(g, 0);
	crm_stmt_reset(g);
	if (was != customer) {
		struct crm_value o = crm_value_int(was), nv = crm_value_int(customer);

		s = log_update(im, im->table, row, "customer_id", &o, &nv, err);
		if (!s) {
			crm_stmt_bind_int(u, 1, customer);
			crm_stmt_bind_int(u, 2, row);
			s = crm_stmt_run(u, "cannot update the customer", err);
		}
		im->changed_any = 1;
	}
	return s;
}

/* Updates a record seen before; old_raw is what the source sent last time. */
static enum crm_status update_row(struct importer *im, int64_t row, int64_t source_row,
				  const char *old_raw, int64_t old_headers, int64_t customer,
				  struct crm_error *err)
{
	unsigned char *changed;
	enum crm_status s;

	if (old_raw && old_headers == im->headers_id && strlen(old_raw) == im->raw.len &&
	    !memcmp(old_raw, im->raw.buf, im->raw.len)) {
		/* Same row; its customer may still be another (--customer-source). */
		im->changed_any = 0;
		s = im->kind == CRM_KIND_CUSTOMERS ? CRM_OK : update_customer_id(im, row, customer, err);
		if (!s) {
			if (im->changed_any)
				im->stats->updated++;
			else
				im->stats->unchanged++;
		}
		return s;
	}
	changed = calloc(im->ncols ? im->ncols : 1, 1);
	if (!changed)
		return nomem(err);
	s = changed_columns(im, old_raw ? old_raw : "[]", old_headers, changed, err);
	if (!s)
		s = update_fields(im, row, changed, err);
	if (!s && im->kind == CRM_KIND_CUSTOMERS)
		s = update_customer_extras(im, row, changed, err);
	if (!s && im->kind != CRM_KIND_CUSTOMERS)
		s = update_customer_id(im, row, customer, err);
	if (!s)
		s = im->kind == CRM_KIND_CUSTOMERS
		    ? update_raw(im, im->st[S_UPDATE_SOURCE_RAW], "source_records", source_row,
				 old_raw, old_headers, err)
		    : update_raw(im, kind_stmt(im, S_UPDATE_ORDER_RAW), im->table, row, old_raw,
				 old_headers, err);
	free(changed);
	if (!s) {
		if (im->changed_any)
			im->stats->updated++;
		else
			im->stats->unchanged++;
	}
	return s;
}

/*
 * A record whose key came before in the same file: the file says two
 * things of one record, and which is right is for a human to decide.
 */
static enum crm_status reject_repeated_key(struct importer *im, unsigned long first,
					   struct crm_error *err)
{
	char why[160];

	if (first)
		snprintf(why, sizeof(why), "the key '%.60s' came before, at line %lu: a record "
			 "may appear once in a file", im->key, first);
	else
		snprintf(why, sizeof(why), "the key '%.60s' came before in this file: a record "
			 "may appear once in a file", im->key);
	return reject(im, im->key_col >= 0 ? im->cols[im->key_col].header : NULL, im->key,
		      why, err);
}

/* Notes the key as seen; *first is the line it was seen at before, or 0. */
static enum crm_status see_key(struct importer *im, unsigned long *first, struct crm_error *err)
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
		return nomem(err);
	s = update_row(im, row, source_row, old, headers, customer, err);
	free(old);
	return s;
}

/* A new customer and its source record, both logged once both are in. */
static enum crm_status insert_customer(struct importer *im, struct crm_error *err)
{
	enum crm_status s;
	int64_t id;
	int taken = 0;

	s = insert_row(im, 0, &id, 0, err);
	if (!s)
		s = insert_source(im, im->o->source, im->key, id, &im->raw, im->headers_id, &taken,
				  err);
	if (!s && taken) {
		/* The key came before in this file: undo, and reject this one. */
		struct crm_stmt *undo = im->st[S_UNDO_CUSTOMER];

		crm_stmt_bind_int(undo, 1, id);
		s = crm_stmt_run(undo, "cannot undo an insert", err);
		return s ? s : reject_repeated_key(im, 0, err);
	}
	if (!s)
		s = log_insert(im, "customers", id, err);
	if (!s)
		s = log_insert(im, "source_records", crm_db_last_insert_id(im->db), err);
	if (!s)
		im->stats->added++;
	return s;
}

static enum crm_status upsert_customer(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st = im->st[S_FIND_SOURCE];
	enum crm_status s;
	int found;

	/* A source seen for the first time: every key is new, unless repeated. */
	if (im->fresh)
		return insert_customer(im, err);
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	crm_stmt_bind_str_ref(st, 2, im->key);
	s = crm_stmt_one(st, &found, "cannot look up the record", err);
	if (!s && found) {
		int64_t src = crm_stmt_int(st, 0), cust = crm_stmt_int(st, 1);

		return update_found(im, st, 2, cust, src, cust, err);
	}
	crm_stmt_reset(st);
	return s ? s : insert_customer(im, err);
}

/* The line of this row within its order: rows of an order are numbered in file order. */
static enum crm_status order_line(struct importer *im, struct crm_error *err)
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
	return im->prev_order ? CRM_OK : nomem(err);
}

static enum crm_status upsert_row(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st = kind_stmt(im, S_FIND_ORDER);
	enum crm_status s;
	int64_t customer = 0, id;
	int found;

	s = resolve_customer(im, &customer, err);
	if (s)
		return s;
	/*
	 * Orders of a new source need no lookup: (order, line) is unique
	 * within a file by construction.
	 */
	if (im->fresh && im->kind == CRM_KIND_ORDERS) {
		s = insert_row(im, customer, &id, 1, err);
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
	s = insert_row(im, customer, &id, 1, err);
	if (!s)
		im->stats->added++;
	return s;
}

/* Whether the source has no records of this kind yet, and the like. */
static enum crm_status check_fresh(struct importer *im, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	size_t c;
	int found;

	im->country_col = im->pref_col = -1;
	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;

		if (f && f->type == CRM_T_POSTAL)
			im->has_postal = 1;
		if (f && !strcmp(f->name, "country"))
			im->country_col = (int)c;
		else if (f && !strcmp(f->name, "prefecture"))
			im->pref_col = (int)c;
	}
	st = crm_stmt_table_get(&im->sql, im->kind == CRM_KIND_CUSTOMERS ? S_FRESH_CUSTOMERS
					  : im->kind == CRM_KIND_ORDERS ? S_FRESH_ORDERS
					  : S_FRESH_INTERACTIONS, err);
	if (!st)
		return failed(err);
	crm_stmt_bind_str_ref(st, 1, im->o->source);
	s = crm_stmt_one(st, &found, "cannot look the source up", err);
	im->fresh = found && crm_stmt_int(st, 0);
	crm_stmt_reset(st);
	return s;
}

static int all_empty(const struct crm_csv_record *r)
{
	size_t c;

	for (c = 0; c < r->nfields; c++) {
		const char *v = r->fields[c];
		size_t len = r->lens[c];

		trim(&v, &len);
		if (len)
			return 0;
	}
	return 1;
}

static enum crm_status import_record(struct importer *im, struct crm_error *err)
{
	enum crm_status s;
	const char *missing = NULL;

	crm_strbuf_reset(&im->arena);
	crm_strbuf_reset(&im->why);
	im->bad_column = NULL;
	free(im->bad_value);
	im->bad_value = NULL;
	free(im->key);
	free(im->ckey);
	im->key = im->ckey = NULL;
	if (build_raw(im))
		return nomem(err);
	if (im->key_col >= 0) {
		const char *k = im->rec->fields[im->key_col];

		im->key = normalize_key(k);
		if (!im->key)
			return nomem(err);
		if (!*im->key)
			return reject(im, im->cols[im->key_col].header, "",
				      "the key is empty: a record needs it to be found again", err);
	} else {
		im->key = build_hashed(im) ? NULL : hash_key(im);
		if (!im->key)
			return nomem(err);
	}
	if (im->ckey_col >= 0) {
		im->ckey = normalize_key(im->rec->fields[im->ckey_col]);
		if (!im->ckey)
			return nomem(err);
		if (!*im->ckey)
			return reject(im, im->cols[im->ckey_col].header, "",
				      im->kind == CRM_KIND_ORDERS
				      ? "the customer key is empty: an order needs its customer"
				      : "the customer key is empty: an interaction needs its customer",
				      err);
	}
	s = convert_record(im, err);
	if (s)
		return s;
	if (im->kind == CRM_KIND_CUSTOMERS && !val(im, im->f_name) && !val(im, im->f_family))
		missing = "no name: a customer needs a full name (氏名) or at least a family name (姓)";
	if (im->why.len || missing) {
		if (missing && !im->why.len)
			return reject(im, NULL, NULL, missing, err);
		if (missing)
			crm_strbuf_addf(&im->why, "; %s", missing);
		return reject(im, im->bad_column, im->bad_value, im->why.buf, err);
	}
	if (im->kind != CRM_KIND_ORDERS && !(im->fresh && im->kind == CRM_KIND_CUSTOMERS)) {
		unsigned long first;

		s = see_key(im, &first, err);
		if (s || first)
			return s ? s : reject_repeated_key(im, first, err);
	}
	if (im->kind == CRM_KIND_ORDERS) {
		s = order_line(im, err);
		if (!s)
			s = derive_order(im, err);
		if (s)
			return s;
		if (im->why.len)
			return reject(im, im->bad_column, im->bad_value, im->why.buf, err);
	}
	return im->kind == CRM_KIND_CUSTOMERS ? upsert_customer(im, err) : upsert_row(im, err);
}

static void importer_release(struct importer *im)
{
	size_t c;

	free_statements(im);
	for (c = 0; c < im->ncols; c++) {
		free(im->cols[c].header);
		free(im->cols[c].json_key);
	}
	free(im->cols);
	free(im->vals);
	crm_strbuf_release(&im->arena);
	crm_strbuf_release(&im->raw);
	crm_strbuf_release(&im->hashed);
	crm_strbuf_release(&im->why);
	crm_strbuf_release(&im->tmp);
	free(im->sourced);
	free(im->key);
	free(im->ckey);
	free(im->bad_value);
	free(im->prev_order);
	free(im->last_ckey);
}

/* The header: the first good record. A bad one fails the file. */
static enum crm_status read_header(struct importer *im, struct crm_csv_reader *r,
				   struct crm_csv_record *hdr, struct crm_error *err)
{
	enum crm_status s = crm_csv_read(r, hdr, err);

	if (s == CRM_EOF)
		return crm_error_at(err, CRM_ERR_CSV, im->name, 0, 0, "the file is empty: no header");
	/* An encoding error with no column is about the file (UTF-16), not its header. */
	if (s == CRM_ERR_ENCODING && !err->column)
		return s;
	if (s == CRM_ERR_CSV || s == CRM_ERR_ENCODING || s == CRM_ERR_TOOBIG) {
		char msg[CRM_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->message);
		return crm_error_at(err, s, im->name, err->line, err->column, "bad header: %s", msg);
	}
	return s;
}

enum crm_status crm_import_file(struct crm_db *db, struct crm_audit *run, FILE *fp,
				const char *name, const struct crm_import_options *opts,
				const struct crm_import_sink *sink,
				struct crm_import_stats *stats, struct crm_error *err)
{
	struct crm_csv_read_options ro = { .encoding = opts->encoding, .max_field = opts->max_field };
	struct importer im = { 0 };
	struct crm_csv_reader *r = NULL;
	struct crm_csv_record rec;
	enum crm_status s;
	unsigned long rows = 0;

	memset(stats, 0, sizeof(*stats));
	im.db = db;
	im.run = run;
	im.o = opts;
	im.sink = sink;
	im.stats = stats;
	im.name = name;
	crm_strbuf_init(&im.arena);
	crm_strbuf_init(&im.raw);
	crm_strbuf_init(&im.hashed);
	crm_strbuf_init(&im.why);
	crm_strbuf_init(&im.tmp);
	snprintf(im.now, sizeof(im.now), "%s", crm_audit_started_at(run));
	if (!opts->source || !*opts->source)
		return crm_error_set(err, CRM_ERR_INVALID, "an import needs a source name");
	im.csource = opts->customer_source ? opts->customer_source : opts->source;

	s = run ? crm_audit_batch(run, err) : CRM_OK;
	if (s)
		return s;
	s = crm_csv_reader_open(&r, fp, name, &ro, err);
	if (s)
		return s;
	s = read_header(&im, r, &rec, err);
	if (s)
		goto out;
	im.kind = opts->kind;
	if (!opts->kind_given)
		im.kind = crm_kind_guess((const char *const *)rec.fields, rec.nfields);
	im.table = crm_kind_name(im.kind);
	im.fields = crm_fields(im.kind, &im.nfields);
	im.vals = calloc(im.nfields, sizeof(*im.vals));
	if (!im.vals) {
		s = nomem(err);
		goto out;
	}
	s = map_columns(&im, &rec, err);
	if (s)
		goto out;
	report_mapping(&im, !opts->kind_given);
	s = crm_stmt_table_init(&im.sql, db, stmt_sql, S_COUNT, err);
	if (!s)
		s = run_once(&im, S_LINES_CREATE, "cannot number order lines", err);
	if (!s)
		s = run_once(&im, S_LINES_CLEAR, "cannot number order lines", err);
	if (!s)
		s = run_once(&im, S_KEYS_CREATE, "cannot note the keys", err);
	if (!s)
		s = run_once(&im, S_KEYS_CLEAR, "cannot note the keys", err);
	if (s)
		goto out;
	s = index_fields(&im, err);
	if (!s)
		s = build_statements(&im, err);
	if (!s)
		s = check_fresh(&im, err);
	if (!s)
		s = headers_id(&im, im.cols, im.ncols, &im.headers_id, err);
	if (s)
		goto out;

	while ((s = crm_csv_read(r, &rec, err)) != CRM_EOF) {
		im.rec = &rec;
		if (s == CRM_ERR_CSV || s == CRM_ERR_ENCODING || s == CRM_ERR_TOOBIG) {
			stats->read++;
			s = reject(&im, NULL, NULL, err->message, err);
		} else if (s == CRM_OK && all_empty(&rec)) {
			stats->blank++;
		} else if (s == CRM_OK) {
			stats->read++;
			s = import_record(&im, err);
		}
		if (s)
			break;
		if (sink && sink->progress && (++rows & 1023) == 0)
			sink->progress(sink->ctx, crm_csv_bytes_read(r), rows);
	}
	if (s == CRM_EOF)
		s = CRM_OK;
	if (!s && sink && sink->progress)
		sink->progress(sink->ctx, crm_csv_bytes_read(r), rows);
	stats->encoding = crm_encoding_name(crm_csv_encoding(r));
	if (crm_csv_encoding(r) == CRM_ENC_AUTO)
		stats->encoding = "ascii";
	else if (crm_csv_encoding(r) == CRM_ENC_UTF8 && crm_csv_had_bom(r))
		stats->encoding = "utf-8-bom";
out:
	if (s && err && !err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", name);
	importer_release(&im);
	crm_csv_reader_free(r);
	return s;
}
