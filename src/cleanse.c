#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanse.h"
#include "country.h"
#include "fields.h"
#include "history.h"
#include "rowclean.h"
#include "strbuf.h"
#include "types.h"
#include "banned.h"

/* A cleanse: the rules (rowclean.h) and the database they are applied in. */
struct cleanser {
	struct crm_db *db;
	struct crm_audit *run;
	int64_t from;                /* customers after this id only (a part: see cleanse.h) */
	struct crm_rowclean rc;
	const char **own;            /* the row's own fields' values (rc.own order) */
	/* UPDATE statements by the set of columns they write */
	struct { unsigned long mask; struct crm_stmt *st; } set[256];
	size_t nset;
};

/*
 * The rules, then what the database adds: a run to log to, and for --since
 * a run that is there.
 */
static enum crm_status setup(struct cleanser *c, const struct crm_cleanse_options *o,
			     const struct crm_cleanse_sink *sink, struct crm_cleanse_stats *st,
			     struct crm_error *err)
{
	enum crm_status s = crm_rowclean_init(&c->rc, o, sink, st, err);

	if (s)
		return s;
	if (!o->check && !c->run)
		return crm_error_set(err, CRM_ERR_INTERNAL, "cleanse needs a run to log to");
	/* Else a run that is not there would quietly select no one. */
	return o->since ? crm_log_run_exists(c->db, o->since, err) : CRM_OK;
}

enum cleanse_stmt {
	ST_MAX_ID,
	ST_COUNT,
};

static const char *const cleanse_sql[ST_COUNT] = {
	/* The largest id, for the progress bar. */
	[ST_MAX_ID] = "SELECT max(id) FROM customers",
};

/*
 * Two statements are built at run time, from the column names of the
 * table below and of the field definitions' own fields (never from
 * input): the SELECT of the customers to cleanse, SELECT_HEAD, each
 * column, updated_at, a SELECT_OWN per own field (SQLite's json_extract,
 * from extra), SELECT_TAIL; and an UPDATE for each set of changed columns,
 * UPDATE_HEAD, "column" = ?n for each, UPDATE_TAIL.
 */
#define SELECT_HEAD "SELECT id"
#define SELECT_OWN ", json_extract(extra, ?%zu)"
#define SELECT_TAIL \
	" FROM customers WHERE merged_into IS NULL AND (?1 IS NULL OR updated_at >="\
	" (SELECT started_at FROM runs WHERE id = ?1)) AND id > ?2 ORDER BY id"
#define UPDATE_HEAD "UPDATE customers SET "
#define UPDATE_TAIL "updated_at = ?%d WHERE id = ?%d"

/* "UPDATE customers SET a = ?1, b = ?2, updated_at = ?3 WHERE id = ?4" for mask. */
static enum crm_status update_stmt(struct cleanser *c, unsigned long mask, struct crm_stmt **st,
				   int *owned, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t i;
	int col, n = 0, oom;

	*owned = 0;
	for (i = 0; i < c->nset; i++)
		if (c->set[i].mask == mask) {
			*st = c->set[i].st;
			return CRM_OK;
		}
	oom = crm_strbuf_addstr(&sql, UPDATE_HEAD);
	/* The names come from the field catalogue, never from input. */
	for (col = 0; col < c->rc.ncols; col++)
		if (mask & (1ul << col))
			oom |= crm_strbuf_addf(&sql, "\"%s\" = ?%d, ", c->rc.col[col].name, ++n);
	oom |= crm_strbuf_addf(&sql, UPDATE_TAIL, n + 1, n + 2);
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(c->db, sql.buf, st, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	if (c->nset < sizeof(c->set) / sizeof(c->set[0])) {
		c->set[c->nset].mask = mask;
		c->set[c->nset++].st = *st;
	} else {
		*owned = 1;
	}
	return CRM_OK;
}

/*
 * Logs the row's changed values and its updated_at, in column order (the
 * order the changes are reported in), then writes them in one UPDATE.
 */
static enum crm_status write_row(struct cleanser *c, struct crm_rowclean_row *r,
				 struct crm_error *err)
{
	const char *now = crm_audit_started_at(c->run);
	struct crm_value vals[CRM_ROWCLEAN_MAX_COLS];
	enum crm_status s = CRM_OK;
	unsigned long mask = 0;
	struct crm_stmt *st = NULL;
	int col, n = 0, owned = 0;

	for (col = 0; !s && col < c->rc.ncols; col++) {
		struct crm_value o = crm_value_text(r->orig[col]), v = crm_value_text(r->val[col]);
		struct crm_cleanse_item it = { .customer = r->id, .field = c->rc.col[col].name,
					       .before = r->orig[col], .after = r->val[col],
					       .rule = crm_rule_names[r->rule[col]] };

		if (crm_value_equal(&o, &v))
			continue;
		c->rc.st->changes++;
		c->rc.st->per_rule[r->rule[col]]++;
		mask |= 1ul << col;
		vals[n++] = v;
		if (c->rc.sink && c->rc.sink->item)
			s = c->rc.sink->item(c->rc.sink->ctx, &it, err);
		if (!s)
			s = crm_audit_update(c->run, "customers", r->id, c->rc.col[col].name, &o, &v, err);
	}
	if (!s && (!r->updated_at || strcmp(r->updated_at, now))) {
		struct crm_value o = crm_value_text(r->updated_at), v = crm_value_text(now);

		s = crm_audit_update(c->run, "customers", r->id, "updated_at", &o, &v, err);
	}
	if (!s)
		s = update_stmt(c, mask, &st, &owned, err);
	if (s)
		return s;
	/* The values stay in r until the statement has run. */
	for (col = 0; col < n; col++)
		crm_stmt_bind_text_ref(st, col + 1, vals[col].s, vals[col].len);
	crm_stmt_bind_str_ref(st, n + 1, now);
	crm_stmt_bind_int(st, n + 2, r->id);
	s = crm_stmt_run(st, "cannot write the customer", err);
	if (owned)
		crm_stmt_free(st);
	return s;
}

static int row_changed(const struct cleanser *c, const struct crm_rowclean_row *r)
{
	int col;

	for (col = 0; col < c->rc.ncols; col++) {
		struct crm_value o = crm_value_text(r->orig[col]), n = crm_value_text(r->val[col]);

		if (!crm_value_equal(&o, &n))
			return 1;
	}
	return 0;
}

static void row_release(const struct cleanser *c, struct crm_rowclean_row *r)
{
	int col;

	for (col = 0; col < c->rc.ncols; col++) {
		free(r->val[col]);
		free(r->orig[col]);
		r->val[col] = r->orig[col] = NULL;
	}
	free(r->updated_at);
	r->updated_at = NULL;
}

static enum crm_status row_read(const struct cleanser *c, struct crm_rowclean_row *r,
			       struct crm_stmt *sel, struct crm_error *err)
{
	const char *updated_at, *country;
	int col;

	r->id = crm_stmt_int(sel, 0);
	for (col = 0; col < c->rc.ncols; col++) {
		const char *v = crm_stmt_text(sel, 1 + col);

		if (!v)
			continue;
		r->val[col] = strdup(v);
		r->orig[col] = strdup(v);
		if (!r->val[col] || !r->orig[col])
			return crm_error_nomem(err);
	}
	for (col = 0; (size_t)col < c->rc.nown; col++)
		c->own[col] = crm_stmt_text(sel, 2 + c->rc.ncols + col);
	r->own = c->own;
	updated_at = crm_stmt_text(sel, 1 + c->rc.ncols);
	if (updated_at && !(r->updated_at = strdup(updated_at)))
		return crm_error_nomem(err);
	country = r->val[AT(&c->rc, F_COUNTRY)];
	r->japan = crm_record_country(country, r->val[AT(&c->rc, F_PREFECTURE)]) == CRM_COUNTRY_JP;
	return CRM_OK;
}

/* SELECT id, the columns, and each own field from extra. */
static enum crm_status prepare_select(struct cleanser *c, struct crm_stmt **sel,
				      struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t i;
	int col, oom = crm_strbuf_addstr(&sql, SELECT_HEAD);

	for (col = 0; col < c->rc.ncols; col++)
		oom |= crm_strbuf_addf(&sql, ", \"%s\"", c->rc.col[col].name);
	oom |= crm_strbuf_addstr(&sql, ", updated_at");
	for (i = 0; i < c->rc.nown; i++)
		oom |= crm_strbuf_addf(&sql, SELECT_OWN, i + 3);
	oom |= crm_strbuf_addstr(&sql, SELECT_TAIL);
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(c->db, sql.buf, sel, err);
	crm_strbuf_release(&sql);
	if (s)
		return s;
	if (c->rc.o->since)
		crm_stmt_bind_int(*sel, 1, c->rc.o->since);
	crm_stmt_bind_int(*sel, 2, c->from);
	for (i = 0; i < c->rc.nown; i++) {
		struct crm_strbuf path = CRM_STRBUF_INIT;

		if (crm_strbuf_addstr(&path, "$.") ||
		    crm_strbuf_add_json_string(&path, c->rc.own[i]->name, strlen(c->rc.own[i]->name)))
			s = crm_error_nomem(err);
		else
			crm_stmt_bind_text(*sel, (int)i + 3, path.buf, path.len);
		crm_strbuf_release(&path);
	}
	return s;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

enum crm_status crm_cleanse(struct crm_db *db, struct crm_audit *run,
			    const struct crm_cleanse_options *opts,
			    const struct crm_cleanse_sink *sink,
			    struct crm_cleanse_stats *stats, struct crm_error *err)
{
	int64_t from = 0;
	int done;

	memset(stats, 0, sizeof(*stats));
	return crm_cleanse_part(db, run, opts, sink, stats, &from, 0, &done, err);
}

enum crm_status crm_cleanse_part(struct crm_db *db, struct crm_audit *run,
				 const struct crm_cleanse_options *opts,
				 const struct crm_cleanse_sink *sink,
				 struct crm_cleanse_stats *stats, int64_t *from, long budget_ms,
				 int *done, struct crm_error *err)
{
	struct cleanser c = { .db = db, .run = run, .from = *from };
	struct crm_rowclean_row r = { 0 };
	struct crm_stmt *sel = NULL;
	int64_t total = 0;   /* the largest id, for the progress bar */
	enum crm_status s;
	enum crm_step step = CRM_STEP_DONE;
	struct timespec start;

	*done = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	s = setup(&c, opts, sink, stats, err);
	/* The own fields' values of the row read, pointing into the statement's. */
	if (!s && c.rc.nown && !(c.own = calloc(c.rc.nown, sizeof(*c.own))))
		s = crm_error_nomem(err);
	if (!s && run)
		s = crm_audit_batch(run, err);
	if (!s)
		s = crm_db_query_int64(db, cleanse_sql[ST_MAX_ID], NULL, &total, err);
	if (!s)
		s = prepare_select(&c, &sel, err);
	while (!s && (step = crm_stmt_step(sel)) == CRM_STEP_ROW) {
		*from = crm_stmt_int(sel, 0);
		s = row_read(&c, &r, sel, err);
		if (!s)
			s = crm_rowclean_apply(&c.rc, &r, err);
		if (!s && row_changed(&c, &r)) {
			stats->rows_changed++;
			s = write_row(&c, &r, err);
		}
		row_release(&c, &r);
		stats->scanned++;
		if (sink && sink->progress && stats->scanned % 1024 == 0)
			sink->progress(sink->ctx, (unsigned long)crm_stmt_int(sel, 0),
				       (unsigned long)total, stats->scanned);
		/* The part's time is up: the rest in the next one. */
		if (budget_ms > 0 && stats->scanned % 256 == 0 && elapsed_ms(&start) >= budget_ms)
			break;
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(sel, err, "cannot read the customers");
	if (!s && step == CRM_STEP_DONE)
		*done = 1;
	row_release(&c, &r);
	crm_stmt_free(sel);
	while (c.nset--)
		crm_stmt_free(c.set[c.nset].st);
	crm_rowclean_release(&c.rc);
	free(c.own);
	return s;
}
