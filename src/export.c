/*
 * Exports of customer records (export.h): the columns of the customer
 * catalogue, the consent a marketing purpose needs, masking, and the
 * record of provision (exports, export_customers), in the export's run.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "customer.h"
#include "dbstmt.h"
#include "export.h"
#include "fields.h"
#include "ftype.h"
#include "rfm.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

const char *const crm_purpose_names[] = {
	"marketing", "service", "analysis", "provision", NULL,
};

enum {
	SQL_EXPORT,
	SQL_MEMBER,
	SQL_COUNT
};

static const char *const export_sql[SQL_COUNT] = {
	[SQL_EXPORT] = "INSERT INTO exports(id, run_id, actor, at, purpose, recipient, filter,"
		       " columns, row_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SQL_MEMBER] = "INSERT INTO export_customers(id, export_id, customer_id)"
		       " VALUES (?1, ?2, ?3)",
};

struct crm_export_state {
	struct crm_stmt_table t;
	struct crm_customer_labels *labels;
	int64_t next_member;
	int64_t last_customer;          /* recorded last: orders come customer by customer */
	int label;                      /* the column of the customer's source:key, or -1 */
	int64_t labelled;               /* whose key was looked up last (valid till the next) */
	const char *key;
	unsigned flags[CRM_EXPORT_MAX_COLUMNS];
};

/* ---- Columns -------------------------------------------------------------- */

#define MAX_COLUMNS 48

/* A kind's columns: name, SQL over its table t (customers c), what they hold. */
static struct kind_columns {
	const char *name[MAX_COLUMNS];
	char sql[MAX_COLUMNS][32];
	unsigned flags[MAX_COLUMNS];
	char label[MAX_COLUMNS][64];
	size_t n;
} kinds[CRM_KIND_COUNT];

static void add_column(struct kind_columns *k, const char *name, const char *sql,
		       unsigned flags, const char *aliases)
{
	const char *p;
	size_t len = 0;

	if (k->n == MAX_COLUMNS)
		return;
	k->name[k->n] = name;
	snprintf(k->sql[k->n], sizeof(k->sql[0]), "%s", sql);
	k->flags[k->n] = flags;
	/* the first Japanese header the catalogue knows for it (DM可否 counts) */
	snprintf(k->label[k->n], sizeof(k->label[0]), "%s", name);
	for (p = aliases; p && *p; p += len + (p[len] == '|')) {
		size_t i;

		len = strcspn(p, "|");
		for (i = 0; i < len && (unsigned char)p[i] < 0x80; i++)
			;
		if (i < len && len < sizeof(k->label[0])) {
			memcpy(k->label[k->n], p, len);
			k->label[k->n][len] = '\0';
			break;
		}
	}
	k->n++;
}

static const struct kind_columns *columns_of(enum crm_kind kind)
{
	static const char *const keys[CRM_KIND_COUNT][4] = {
		[CRM_KIND_CUSTOMERS] = { NULL },
		[CRM_KIND_ORDERS] = { "source", "order_key", "line", NULL },
		[CRM_KIND_INTERACTIONS] = { "source", "source_key", NULL },
	};
	struct kind_columns *k = &kinds[kind];
	/* a customers export reads c alone; the others their table t, joined to c */
	const char *t = kind == CRM_KIND_CUSTOMERS ? "c" : "t";
	const struct crm_field *f;
	char sql[32];
	size_t i, nf;

	if (k->n)
		return k;
	snprintf(sql, sizeof(sql), "%s.id", t);
	add_column(k, "id", sql, CRM_EXPORT_NUMBER, NULL);
	if (kind == CRM_KIND_CUSTOMERS) {
		add_column(k, "source_key", "NULL", CRM_EXPORT_LABEL, NULL);
	} else {
		add_column(k, "customer_id", "t.customer_id", CRM_EXPORT_NUMBER, NULL);
		add_column(k, "customer_key", "NULL", CRM_EXPORT_LABEL, NULL);
	}
	f = crm_fields(kind, &nf);
	for (i = 0; keys[kind][i]; i++) {
		const struct crm_field *g = crm_field_find(kind, keys[kind][i]);

		snprintf(sql, sizeof(sql), "%s.%s", t, keys[kind][i]);
		add_column(k, keys[kind][i], sql, !strcmp(keys[kind][i], "line") ?
			   CRM_EXPORT_NUMBER : 0, g ? g->aliases : NULL);
	}
	for (i = 0; i < nf; i++) {
		unsigned flags = 0;

		if (f[i].flags & CRM_F_VIRTUAL)
			continue;
		if (f[i].fieldtype == &crm_fieldtype_money)
			flags = CRM_EXPORT_MONEY;
		else if (f[i].fieldtype == &crm_fieldtype_integer)
			flags = CRM_EXPORT_NUMBER;
		else if (f[i].fieldtype == &crm_fieldtype_date)
			flags = CRM_EXPORT_DATE;
		snprintf(sql, sizeof(sql), "%s.%s", t, f[i].name);
		add_column(k, f[i].name, sql, flags, f[i].aliases);
	}
	return k;
}

static int column_index(enum crm_kind kind, const char *name)
{
	const struct kind_columns *k = columns_of(kind);
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name))
			return (int)i;
	return -1;
}

const char *const *crm_export_columns(enum crm_kind kind, size_t *n)
{
	const struct kind_columns *k = columns_of(kind);

	*n = k->n;
	return k->name;
}

const char *crm_export_column(enum crm_kind kind, const char *token)
{
	const struct crm_field *f;
	int i = column_index(kind, token);

	if (i >= 0)
		return columns_of(kind)->name[i];
	if (!(f = crm_field_for_header(kind, token)) || (i = column_index(kind, f->name)) < 0)
		return NULL;
	return columns_of(kind)->name[i];
}

const char *crm_export_label_ja(enum crm_kind kind, const char *name)
{
	int i = column_index(kind, name);

	if (!strcmp(name, "id"))
		return "ID";
	return i < 0 ? name : columns_of(kind)->label[i];
}

unsigned crm_export_column_flags(enum crm_kind kind, const char *name)
{
	int i = column_index(kind, name);

	return i < 0 ? 0 : columns_of(kind)->flags[i];
}

const char *const *crm_export_default_columns(enum crm_kind kind)
{
	static const char *const def[CRM_KIND_COUNT][16] = {
		[CRM_KIND_CUSTOMERS] = { "id", "source_key", "name", "name_kana", "company", "email",
					 "phone", "postal_code", "prefecture", "city", "address",
					 NULL },
		[CRM_KIND_ORDERS] = { "customer_id", "customer_key", "order_key", "line",
				      "ordered_at", "product", "unit_price", "quantity", "amount",
				      "status", "currency", NULL },
		[CRM_KIND_INTERACTIONS] = { "customer_id", "customer_key", "at", "kind", "channel",
					    "subject", "status", "owner", NULL },
	};

	return def[kind];
}

static unsigned column_consent(const char *name)
{
	if (!strcmp(name, "email"))
		return CRM_CONSENT_EMAIL;
	if (!strcmp(name, "phone") || !strcmp(name, "mobile"))
		return CRM_CONSENT_PHONE;
	if (!strcmp(name, "address") || !strcmp(name, "postal_code"))
		return CRM_CONSENT_POST;
	return 0;
}

/* ---- Masking --------------------------------------------------------------- */

/* The first character of UTF-8 s: its length in bytes. */
static size_t first_char(const char *s)
{
	int32_t cp;
	int n = crm_utf8_next(s, &cp);

	return n > 0 ? (size_t)n : 1;
}

const char *crm_export_mask(const char *name, const char *v, char *buf, size_t size)
{
	size_t len = strlen(v), i, k = 0, digits = 0, seen = 0;
	const char *at;

	if (!size)
		return v;
	if (!strcmp(name, "email")) {
		if (!(at = strchr(v, '@')) || at == v)
			snprintf(buf, size, "***");
		else
			snprintf(buf, size, "%.*s***%s", (int)first_char(v), v, at);
		return buf;
	}
	if (!strcmp(name, "phone") || !strcmp(name, "mobile")) {
		/*
		 * 090-1234-5678 -> 090-****-5678: the first group (or, unhyphenated,
		 * the first three digits) and the last four digits stay
		 */
		const char *dash = strchr(v, '-');
		size_t keep = 0;

		for (i = 0; i < len; i++)
			digits += isdigit((unsigned char)v[i]) != 0;
		for (i = 0; dash && v + i < dash; i++)
			keep += isdigit((unsigned char)v[i]) != 0;
		if (!dash)
			keep = 3;
		for (i = 0; i < len && k + 1 < size; i++) {
			if (isdigit((unsigned char)v[i])) {
				seen++;
				buf[k++] = seen <= keep || seen + 4 > digits ? v[i] : '*';
			} else {
				buf[k++] = v[i];
			}
		}
		buf[k] = '\0';
		return buf;
	}
	if (!strcmp(name, "birthdate")) {
		snprintf(buf, size, "%.4s", v);
		return buf;
	}
	if (!strcmp(name, "postal_code")) {
		for (i = 0; i < len && k + 1 < size; i++)
			buf[k++] = isdigit((unsigned char)v[i]) && ++seen > 3 ? '*' : v[i];
		buf[k] = '\0';
		return buf;
	}
	if (!strcmp(name, "name") || !strcmp(name, "name_kana")) {
		/* 山田 太郎 -> 山田 *: the family part, as far as the first space */
		const char *sp = strchr(v, ' '), *wide = strstr(v, "\xe3\x80\x80");

		if (wide && (!sp || wide < sp))
			sp = wide;      /* a full-width space, as 山田　太郎 is often written */
		if (sp)
			snprintf(buf, size, "%.*s *", (int)(sp - v), v);
		else
			snprintf(buf, size, "%.*s*", (int)first_char(v), v);
		return buf;
	}
	if (!strcmp(name, "address") || !strcmp(name, "given_name") ||
	    !strcmp(name, "given_kana") || !strcmp(name, "family_name") ||
	    !strcmp(name, "family_kana")) {
		snprintf(buf, size, "***");
		return buf;
	}
	return v;
}

/* ---- The export -------------------------------------------------------------- */

enum crm_status crm_export_begin(struct crm_run *run, struct crm_export *x,
				 struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_export_state *st;
	enum crm_status s;
	size_t i;

	x->st = NULL;
	x->rows = x->left_out = 0;
	x->recorded = x->broken = 0;
	x->consent = 0;
	if (x->purpose == CRM_PURPOSE_PROVISION && (!x->recipient || !*x->recipient))
		return crm_error_set(err, CRM_ERR_INVALID, "a provision to a third party needs "
				     "--recipient: to whom");
	if (!x->ncolumns)
		return crm_error_set(err, CRM_ERR_INVALID, "no columns to export");
	if (!(st = calloc(1, sizeof(*st))))
		return crm_error_nomem(err);
	x->st = st;
	st->label = -1;
	for (i = 0; i < x->ncolumns; i++) {
		if (!crm_export_column(x->kind, x->columns[i]) ||
		    strcmp(crm_export_column(x->kind, x->columns[i]), x->columns[i]))
			return crm_error_set(err, CRM_ERR_INVALID, "'%s' is not a column of %s",
					     x->columns[i], crm_kind_name(x->kind));
		st->flags[i] = crm_export_column_flags(x->kind, x->columns[i]);
		if (st->flags[i] & CRM_EXPORT_LABEL)
			st->label = (int)i;
		if (x->purpose == CRM_PURPOSE_MARKETING && x->kind == CRM_KIND_CUSTOMERS)
			x->consent |= column_consent(x->columns[i]);
	}
	if ((s = crm_stmt_table_init(&st->t, db, export_sql, SQL_COUNT, err)) ||
	    (s = crm_customer_labels_open(db, &st->labels, err)) ||
	    (s = crm_id_next(db, "exports", &x->id, err)) ||
	    (s = crm_id_next(db, "export_customers", &st->next_member, err)))
		return s;
	/* export_customers rows name the exports row written at the end */
	return crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
}

void crm_export_release(struct crm_export *x)
{
	if (!x->st)
		return;
	crm_stmt_table_release(&x->st->t);
	crm_customer_labels_free(x->st->labels);
	free(x->st);
	x->st = NULL;
}

/*
 * SELECT the customer's id and three consents, then the columns (the
 * customer's source:key as NULL: from the labels), from the kind's table
 * t joined to its customer c.
 */
static int select_sql(const struct crm_export *x, struct crm_strbuf *b)
{
	const struct kind_columns *k = columns_of(x->kind);
	size_t i;
	int oom = crm_strbuf_addstr(b, "SELECT c.id, c.consent_email, c.consent_phone,"
				    " c.consent_post");

	for (i = 0; i < x->ncolumns; i++)
		oom |= crm_strbuf_addf(b, ", %s", k->sql[column_index(x->kind, x->columns[i])]);
	if (x->kind == CRM_KIND_CUSTOMERS)
		oom |= crm_strbuf_addstr(b, " FROM customers c WHERE ");
	else
		oom |= crm_strbuf_addf(b, " FROM %s t JOIN customers c ON c.id = t.customer_id"
				       " WHERE ", crm_kind_name(x->kind));
	return oom;
}

/*
 * In customer order; a customer's orders by time, interactions too: the
 * order of their indexes (orders_customer_time holds the status before
 * the row), so that SQLite reads the lines in order instead of sorting
 * them all.
 */
static const char *order_by(const struct crm_export *x)
{
	if (x->kind == CRM_KIND_ORDERS)
		return " ORDER BY c.id, t.ordered_at, t.status, t.id";
	return x->kind == CRM_KIND_INTERACTIONS ? " ORDER BY c.id, t.at, t.id" : " ORDER BY c.id";
}

/* e, the error of a step after another failed, as err: the first is kept otherwise. */
static enum crm_status pass(struct crm_error *err, const struct crm_error *e)
{
	*err = *e;
	return crm_error_status(e);
}

/* The current row of q (see select_sql): to row and to the record, unless its consent lacks. */
static enum crm_status one_row(struct crm_run *run, struct crm_export *x, struct crm_stmt *q,
			       crm_export_row_fn row, void *ctx, struct crm_error *err)
{
	struct crm_value vals[CRM_EXPORT_MAX_COLUMNS];
	char masked[CRM_EXPORT_MAX_COLUMNS][160];
	int64_t id = crm_stmt_int(q, 0);
	struct crm_stmt *st;
	struct crm_error e;
	enum crm_status s, w;
	size_t i;

	if (x->consent) {
		unsigned lacks = 0, k;

		for (k = 0; k < 3; k++)
			if ((x->consent & (1u << k)) && crm_stmt_int(q, (int)k + 1) != 1)
				lacks |= 1u << k;
		if (lacks) {
			x->left_out++;
			for (k = 0; k < 3; k++)
				x->lacking[k] += (lacks >> k) & 1;
			return CRM_OK;
		}
	}
	for (i = 0; i < x->ncolumns; i++) {
		vals[i] = crm_stmt_value(q, (int)i + 4);
		if (vals[i].type == CRM_VALUE_INT && (x->st->flags[i] & CRM_EXPORT_MONEY)) {
			/* money in the currency's units, exact: 1500, -300, 2.55 */
			crm_rfm_money(vals[i].i, masked[i]);
			vals[i] = crm_value_text(masked[i]);
		} else if (vals[i].type == CRM_VALUE_TEXT && (x->mask & (1u << i))) {
			vals[i] = crm_value_text(crm_export_mask(x->columns[i], vals[i].s,
								 masked[i], sizeof(masked[i])));
		}
	}
	if (x->st->label >= 0) {
		const char *name = NULL;

		/* an order export's lines come customer by customer: one seek each */
		if (id != x->st->labelled &&
		    (s = crm_customer_label(x->st->labels, id, &x->st->key, &name, err)))
			return s;
		x->st->labelled = id;
		vals[x->st->label] = x->st->key ? crm_value_text(x->st->key) : crm_value_null();
	}
	/*
	 * A row that failed may be partly out (a short write to standard
	 * output): it is counted and its customer recorded all the same.
	 */
	w = row(ctx, id, vals, err);
	x->rows++;
	/* whose data went out: each customer once (an order export's lines come in turn) */
	if (id == x->st->last_customer)
		return w;
	x->st->last_customer = id;
	x->customers++;
	crm_error_clear(&e);
	if (!(st = crm_stmt_table_get(&x->st->t, SQL_MEMBER, &e)))
		return w ? w : pass(err, &e);
	crm_stmt_bind_int(st, 1, x->st->next_member);
	crm_stmt_bind_int(st, 2, x->id);
	crm_stmt_bind_int(st, 3, id);
	if (!(s = crm_stmt_run(st, "cannot record the export", &e)))
		s = crm_audit_insert(crm_run_audit(run), "export_customers", x->st->next_member++, &e);
	if (s)
		x->broken = 1;
	return w ? w : s ? pass(err, &e) : CRM_OK;
}

static enum crm_status walk(struct crm_run *run, struct crm_export *x, struct crm_stmt *q,
			    crm_export_row_fn row, void *ctx, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	enum crm_step step;

	while (!s && (step = crm_stmt_step(q)) == CRM_STEP_ROW)
		s = one_row(run, x, q, row, ctx, err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(q, err, "cannot read the customers");
	return s;
}

enum crm_status crm_export_where(struct crm_run *run, struct crm_export *x,
				 const struct crm_seg_expr *e, crm_export_row_fn row, void *ctx,
				 struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	struct crm_stmt *q = NULL;
	enum crm_status s;
	int oom = select_sql(x, &sql);

	oom |= crm_strbuf_addf(&sql, "%s%s%s", x->include_merged ? "" :
			       "c.merged_into IS NULL AND ", crm_seg_sql(e), order_by(x));
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(crm_run_db(run), sql.buf, &q, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	crm_seg_bind(e, q);
	s = walk(run, x, q, row, ctx, err);
	crm_stmt_free(q);
	return s;
}

enum crm_status crm_export_ids(struct crm_run *run, struct crm_export *x, const int64_t *ids,
			       size_t n, crm_export_row_fn row, void *ctx, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	struct crm_stmt *q = NULL;
	enum crm_status s;
	size_t i;
	int oom = select_sql(x, &sql);

	oom |= crm_strbuf_addf(&sql, "c.id = ?1%s", order_by(x));
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(crm_run_db(run), sql.buf, &q, err);
	crm_strbuf_release(&sql);
	for (i = 0; !s && i < n; i++) {
		crm_stmt_reset(q);
		crm_stmt_bind_int(q, 1, ids[i]);
		s = walk(run, x, q, row, ctx, err);
	}
	crm_stmt_free(q);
	return s;
}

enum crm_status crm_export_finish(struct crm_run *run, struct crm_export *x,
				  struct crm_error *err)
{
	struct crm_strbuf cols = CRM_STRBUF_INIT;
	struct crm_stmt *st;
	enum crm_status s;
	size_t i;
	int oom = 0;

	for (i = 0; i < x->ncolumns; i++)
		oom |= crm_strbuf_addf(&cols, "%s%s%s", i ? "," : "", x->columns[i],
				       x->mask & (1u << i) ? " (masked)" : "");
	if (oom) {
		crm_strbuf_release(&cols);
		return crm_error_nomem(err);
	}
	if (!(st = crm_stmt_table_get(&x->st->t, SQL_EXPORT, err))) {
		crm_strbuf_release(&cols);
		return err->code;
	}
	crm_stmt_bind_int(st, 1, x->id);
	crm_stmt_bind_int(st, 2, crm_run_id(run));
	crm_stmt_bind_str(st, 3, crm_actor());
	crm_stmt_bind_str(st, 4, crm_run_started_at(run));
	crm_stmt_bind_str(st, 5, crm_purpose_names[x->purpose]);
	crm_stmt_bind_str(st, 6, x->recipient);
	crm_stmt_bind_str(st, 7, x->filter);
	crm_stmt_bind_str(st, 8, cols.buf);
	crm_stmt_bind_int(st, 9, (int64_t)x->rows);
	s = crm_stmt_run(st, "cannot record the export", err);
	crm_strbuf_release(&cols);
	if (s)
		return s;
	if ((s = crm_audit_insert(crm_run_audit(run), "exports", x->id, err)))
		x->broken = 1;   /* the row is in, its log entry not */
	else
		x->recorded = 1;
	return s;
}
