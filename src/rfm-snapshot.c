/*
 * RFM snapshots (crm rfm --save, --compare): a row of rfm_snapshots per
 * saved run (how it scored, its thresholds) and a row of rfm_scores per
 * customer, each logged in the run, so that crm log revert removes them;
 * and the migration matrix between a snapshot and scores of now.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "customer.h"
#include "dbstmt.h"
#include "rfm.h"
#include "strbuf.h"
#include "banned.h"

enum {
	SQL_SNAPSHOT,
	SQL_SCORE,
	SQL_FIND,
	SQL_THEN,
	SQL_ANY,
	SQL_HOW,
	SQL_BINS,
	SQL_RUN,
	SQL_COUNT
};

static const char *const snapshot_sql[SQL_COUNT] = {
	[SQL_SNAPSHOT] = "INSERT INTO rfm_snapshots(id, run_id, as_of, method, bins, returns,"
			 " scheme, customers, thresholds, ltv)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQL_SCORE] = "INSERT INTO rfm_scores(id, run_id, customer_id, as_of, recency_days,"
		      " frequency, monetary, r_score, f_score, m_score, segment,"
		      " expected_purchases, p_alive, expected_aov, predicted_value, ltv)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[SQL_FIND] = "SELECT scheme, customers FROM rfm_snapshots WHERE run_id = ?1",
	[SQL_THEN] = "SELECT customer_id, segment FROM rfm_scores WHERE run_id = ?1"
		     " ORDER BY customer_id",
	[SQL_ANY] = "SELECT count(*) FROM rfm_scores WHERE run_id = ?1",
	[SQL_RUN] = "SELECT command, status FROM runs WHERE id = ?1",
	[SQL_HOW] = "SELECT method, bins, thresholds FROM rfm_snapshots WHERE run_id = ?1",
	/* Per dimension and score: count, and the lowest and highest value as text, exact. */
	[SQL_BINS] = "SELECT d.key, json_extract(b.value, '$.score'), json_extract(b.value, '$.count'),"
		     " json_extract(b.value, '$.min'), json_extract(b.value, '$.max')"
		     " FROM json_each(?1) d, json_each(d.value) b"
		     " WHERE d.key IN ('r', 'f', 'm') AND d.type = 'array' AND b.type = 'object'",
};

static const char *const dim_names[CRM_RFM_DIMS] = { "r", "f", "m" };

/* One dimension's bins (and breaks) as JSON into b; -1 when out of memory. */
static int dim_json(const struct crm_rfm *r, int d, struct crm_strbuf *b)
{
	char lo[32], hi[32];
	int k, oom = crm_strbuf_addf(b, "\"%s\":[", dim_names[d]);

	for (k = 0; !oom && k < r->o.bins; k++) {
		const struct crm_rfm_bin *x = &r->bin[d][k];

		crm_rfm_value(d, x->lo, lo);
		crm_rfm_value(d, x->hi, hi);
		if (x->count)
			oom |= crm_strbuf_addf(b, "%s{\"score\":%d,\"count\":%zu,\"min\":%s,\"max\":%s}",
					       k ? "," : "", k + 1, x->count, lo, hi);
		else
			oom |= crm_strbuf_addf(b, "%s{\"score\":%d,\"count\":0}", k ? "," : "",
					       k + 1);
	}
	return oom | crm_strbuf_addch(b, ']');
}

/* The thresholds of r as the JSON of rfm_snapshots.thresholds. */
static int thresholds_json(const struct crm_rfm *r, struct crm_strbuf *b)
{
	int d, k, oom = crm_strbuf_addch(b, '{');

	for (d = 0; !oom && d < CRM_RFM_DIMS; d++)
		oom |= (d && crm_strbuf_addch(b, ',')) | dim_json(r, d, b);
	if (!oom && r->o.frozen)
		oom |= crm_strbuf_addf(b, ",\"frozen_from\":%lld", (long long)r->o.frozen->run);
	if (!oom && r->o.method == CRM_RFM_QUANTILE && !r->o.frozen) {
		/* The breaks as R's rfm package prints them: values, each break reached at or above. */
		oom |= crm_strbuf_add(b, ",\"breaks\":{", 11);
		for (d = 0; !oom && d < CRM_RFM_DIMS; d++) {
			oom |= crm_strbuf_addf(b, "%s\"%s\":[", d ? "," : "", dim_names[d]);
			for (k = 0; !oom && k < r->o.bins - 1; k++)
				oom |= crm_strbuf_addf(b, "%s%.17g", k ? "," : "",
						       crm_rfm_break(r, d, k));
			oom |= crm_strbuf_addch(b, ']');
		}
		oom |= crm_strbuf_addch(b, '}');
	}
	return oom | crm_strbuf_addch(b, '}');
}

/* --ltv: the fitted model as the JSON of rfm_snapshots.ltv. */
static int ltv_json(const struct crm_rfm *r, struct crm_strbuf *b)
{
	const struct crm_rfm_ltv *l = r->ltv;
	int oom = crm_strbuf_addf(b, "{\"horizon_days\":%.17g,\"discount\":%.17g,\"bgnbd\":"
				  "{\"r\":%.17g,\"alpha\":%.17g,\"a\":%.17g,\"b\":%.17g,"
				  "\"log_likelihood\":%.17g,\"iterations\":%d},\"gamma_gamma\":",
				  r->o.horizon, r->o.discount, l->m.r, l->m.alpha, l->m.a, l->m.b,
				  l->bg.ll, l->bg.iterations);

	if (l->gg_failed)
		oom |= crm_strbuf_add(b, "null", 4);
	else
		oom |= crm_strbuf_addf(b, "{\"p\":%.17g,\"q\":%.17g,\"v\":%.17g,"
				       "\"log_likelihood\":%.17g,\"iterations\":%d}", l->g.p, l->g.q,
				       l->g.v, l->gg.ll, l->gg.iterations);
	return oom | crm_strbuf_addch(b, '}');
}

static enum crm_status save_snapshot(struct crm_run *run, struct crm_stmt_table *t,
				     const struct crm_rfm *r, const char *as_of,
				     struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_strbuf json = CRM_STRBUF_INIT, ltv = CRM_STRBUF_INIT;
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_SNAPSHOT, err);
	enum crm_status s;
	int64_t id = 0;

	if (!st)
		return err->code;
	if (thresholds_json(r, &json) || (r->ltv && ltv_json(r, &ltv))) {
		crm_strbuf_release(&json);
		crm_strbuf_release(&ltv);
		return crm_error_nomem(err);
	}
	s = crm_id_next(db, "rfm_snapshots", &id, err);
	if (!s) {
		crm_stmt_bind_int(st, 1, id);
		crm_stmt_bind_int(st, 2, crm_run_id(run));
		crm_stmt_bind_str(st, 3, as_of);
		crm_stmt_bind_str(st, 4, crm_rfm_method_names[r->o.method]);
		crm_stmt_bind_int(st, 5, r->o.bins);
		crm_stmt_bind_str(st, 6, r->o.returns == CRM_RFM_NET ? "net" : "gross");
		if (r->o.scheme)
			crm_stmt_bind_str(st, 7, r->o.scheme->name);
		else
			crm_stmt_bind_null(st, 7);
		crm_stmt_bind_int(st, 8, (int64_t)r->n);
		crm_stmt_bind_text(st, 9, json.buf, json.len);
		if (r->ltv)
			crm_stmt_bind_text(st, 10, ltv.buf, ltv.len);
		else
			crm_stmt_bind_null(st, 10);
		s = crm_stmt_run(st, "cannot save the RFM snapshot", err);
	}
	crm_strbuf_release(&json);
	crm_strbuf_release(&ltv);
	return s ? s : crm_audit_insert(crm_run_audit(run), "rfm_snapshots", id, err);
}

/* Customer i's predictions into ?12..?16, or NULLs without --ltv. */
static void bind_ltv(struct crm_stmt *st, const struct crm_rfm *r, size_t i)
{
	const struct crm_rfm_ltv_customer *l;
	int k;

	if (!r->ltv) {
		for (k = 12; k <= 16; k++)
			crm_stmt_bind_null(st, k);
		return;
	}
	l = &r->ltv->c[i];
	crm_stmt_bind_real(st, 12, l->expected);
	crm_stmt_bind_real(st, 13, l->p_alive);
	crm_stmt_bind_int(st, 14, crm_rfm_money_of(l->aov));
	crm_stmt_bind_int(st, 15, crm_rfm_money_of(l->value));
	crm_stmt_bind_int(st, 16, crm_rfm_ltv_total(r, i));
}

enum crm_status crm_rfm_save(struct crm_run *run, const struct crm_rfm *r,
			     void (*progress)(void *ctx, unsigned long long at,
					      unsigned long long total),
			     void *ctx, struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	char as_of[11];
	int64_t next = 0;
	size_t i;

	if (r->as_of == CRM_RFM_NO_DATE)
		return crm_error_set(err, CRM_ERR_INVALID, "no dated orders, and no --as-of: no "
				     "day to save scores for");
	crm_rfm_date(r->as_of, as_of);
	if ((s = crm_stmt_table_init(&t, db, snapshot_sql, SQL_COUNT, err)))
		return s;
	s = save_snapshot(run, &t, r, as_of, err);
	if (!s)
		s = crm_id_next(db, "rfm_scores", &next, err);
	for (i = 0; !s && i < r->n; i++) {
		const struct crm_rfm_customer *c = &r->c[i];

		if (!(st = crm_stmt_table_get(&t, SQL_SCORE, err))) {
			s = err->code;
			break;
		}
		crm_stmt_bind_int(st, 1, next);
		crm_stmt_bind_int(st, 2, crm_run_id(run));
		crm_stmt_bind_int(st, 3, c->id);
		crm_stmt_bind_str_ref(st, 4, as_of);
		crm_stmt_bind_int(st, 5, c->recency);
		crm_stmt_bind_int(st, 6, c->frequency);
		crm_stmt_bind_int(st, 7, c->monetary);
		crm_stmt_bind_int(st, 8, c->r);
		crm_stmt_bind_int(st, 9, c->f);
		crm_stmt_bind_int(st, 10, c->m);
		if (c->segment >= 0)
			crm_stmt_bind_str_ref(st, 11, r->o.scheme->segments[c->segment]);
		else
			crm_stmt_bind_null(st, 11);
		bind_ltv(st, r, i);
		s = crm_stmt_run(st, "cannot save the RFM scores", err);
		if (!s)
			s = crm_audit_insert(crm_run_audit(run), "rfm_scores", next++, err);
		if (progress && !(i & 0xffff))
			progress(ctx, i, r->n);
	}
	crm_stmt_table_release(&t);
	return s;
}

/* The index of name among the scheme's segments, or -1. */
static int segment_index(const struct crm_rfm_scheme *sc, const char *name)
{
	int i;

	for (i = 0; name && sc->segments[i]; i++)
		if (!strcmp(sc->segments[i], name))
			return i;
	return -1;
}

/* Why run has no what: there is no such run, or it is not a crm rfm --save. */
static enum crm_status no_scores(struct crm_stmt_table *t, int64_t run, const char *what,
				 struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_RUN, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, run);
	s = crm_stmt_one(st, &found, "cannot read the runs", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld (crm log lists the "
				  "runs)", (long long)run);
	else if (!s)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "run %lld (crm %s, %s) saved no %s: crm "
				  "rfm --save saves them, and a revert of its run removes them",
				  (long long)run, crm_stmt_text(st, 0), crm_stmt_text(st, 1), what);
	crm_stmt_reset(st);
	return s;
}

/* Whether run saved a snapshot of scheme sc: CRM_ERR_NOTFOUND or CRM_ERR_INVALID if not. */
static enum crm_status find_snapshot(struct crm_stmt_table *t, int64_t run,
				     const struct crm_rfm_scheme *sc, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_FIND, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, run);
	s = crm_stmt_one(st, &found, "cannot read the RFM snapshots", err);
	if (!s && found && (!crm_stmt_text(st, 0) || strcmp(crm_stmt_text(st, 0), sc->name)))
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld saved scores of scheme %s, "
				  "not %s: segments of two schemes do not compare", (long long)run,
				  crm_stmt_text(st, 0) ? crm_stmt_text(st, 0) : "none", sc->name);
	crm_stmt_reset(st);
	if (s || found)
		return s;
	/* A snapshot of schema 12 or before has scores only. */
	if (!(st = crm_stmt_table_get(t, SQL_ANY, err)))
		return err->code;
	crm_stmt_bind_int(st, 1, run);
	s = crm_stmt_one(st, &found, "cannot read the RFM scores", err);
	if (!s && found && crm_stmt_int(st, 0))
		found = 2;
	crm_stmt_reset(st);
	return s || found == 2 ? s : no_scores(t, run, "RFM scores", err);
}

/* The index of id in the ascending scores of r, or SIZE_MAX. */
static size_t now_index(const struct crm_rfm *r, int64_t id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->c[mid].id == id)
			return mid;
		if (r->c[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

enum crm_status crm_rfm_compare(struct crm_db *db, int64_t run, const struct crm_rfm *r,
				struct crm_rfm_moves *m, struct crm_error *err)
{
	const struct crm_rfm_scheme *sc = r->o.scheme;
	unsigned char *seen = NULL;
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_step step = CRM_STEP_DONE;
	enum crm_status s;
	size_t i, nseg = 0;

	memset(m, 0, sizeof(*m));
	if (!sc)
		return crm_error_set(err, CRM_ERR_INVALID, "--compare compares segments: it needs "
				     "a scheme");
	while (sc->segments[nseg])
		nseg++;
	m->nseg = nseg;
	if ((s = crm_stmt_table_init(&t, db, snapshot_sql, SQL_COUNT, err)))
		return s;
	s = find_snapshot(&t, run, sc, err);
	if (!s && r->n && !(seen = calloc(r->n, 1)))
		s = crm_error_nomem(err);
	if (!s && !(st = crm_stmt_table_get(&t, SQL_THEN, err)))
		s = err->code;
	if (!s) {
		crm_stmt_bind_int(st, 1, run);
		while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
			int then = segment_index(sc, crm_stmt_text(st, 1));
			size_t k = now_index(r, crm_stmt_int(st, 0));

			if (then < 0) {
				s = crm_error_set(err, CRM_ERR_INVALID, "run %lld: customer %lld has "
						  "segment '%s', not one of scheme %s", (long long)run,
						  (long long)crm_stmt_int(st, 0),
						  crm_stmt_text(st, 1) ? crm_stmt_text(st, 1) : "",
						  sc->name);
				break;
			}
			m->then++;
			if (k == SIZE_MAX || seen[k]) {
				m->cell[then][nseg]++;   /* gone: no longer scored, or merged away */
				continue;
			}
			seen[k] = 1;
			m->cell[then][r->c[k].segment >= 0 ? (size_t)r->c[k].segment : nseg]++;
		}
		if (!s && step == CRM_STEP_ERROR)
			s = crm_stmt_fail(st, err, "cannot read the RFM scores");
		crm_stmt_reset(st);
	}
	for (i = 0; !s && i < r->n; i++) {
		m->now++;
		if (!seen[i] && r->c[i].segment >= 0)
			m->cell[nseg][r->c[i].segment]++;   /* new */
	}
	free(seen);
	crm_stmt_table_release(&t);
	return s;
}

/* A bin's value from its JSON number: days and orders whole, money to the ten-thousandth. */
static int64_t bin_value(struct crm_stmt *st, int col, int d)
{
	double x = crm_stmt_real(st, col);

	return d == CRM_RFM_M ? llround(x * 10000) : llround(x);
}

enum crm_status crm_rfm_thresholds(struct crm_db *db, int64_t run, struct crm_rfm_frozen *f,
				   enum crm_rfm_method *method, int *bins, struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *st, *b;
	enum crm_step step;
	enum crm_status s;
	int found = 0, i;

	memset(f, 0, sizeof(*f));
	f->run = run;
	if ((s = crm_stmt_table_init(&t, db, snapshot_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_HOW, err))) {
		crm_stmt_table_release(&t);
		return err->code;
	}
	crm_stmt_bind_int(st, 1, run);
	s = crm_stmt_one(st, &found, "cannot read the RFM snapshots", err);
	if (!s && !found) {
		crm_stmt_reset(st);
		s = no_scores(&t, run, "RFM thresholds", err);
	}
	for (i = 0; !s && crm_rfm_method_names[i]; i++)
		if (!strcmp(crm_stmt_text(st, 0), crm_rfm_method_names[i]))
			*method = (enum crm_rfm_method)i;
	if (!s)
		*bins = (int)crm_stmt_int(st, 1);
	if (!s && !(b = crm_stmt_table_get(&t, SQL_BINS, err)))
		s = err->code;
	if (!s) {
		crm_stmt_bind_str(b, 1, crm_stmt_text(st, 2));
		while ((step = crm_stmt_step(b)) == CRM_STEP_ROW) {
			const char *dim = crm_stmt_text(b, 0);
			int d = dim[0] == 'r' ? CRM_RFM_R : dim[0] == 'f' ? CRM_RFM_F : CRM_RFM_M;
			int64_t k = crm_stmt_int(b, 1);
			struct crm_rfm_bin *x;

			if (k < 1 || k > *bins || k > CRM_RFM_MAX_BINS) {
				s = crm_error_set(err, CRM_ERR_INVALID, "run %lld: its thresholds "
						  "name score %lld of %d", (long long)run,
						  (long long)k, *bins);
				break;
			}
			x = &f->bin[d][k - 1];
			x->count = (size_t)crm_stmt_int(b, 2);
			if (x->count) {
				x->lo = bin_value(b, 3, d);
				x->hi = bin_value(b, 4, d);
			}
		}
		if (!s && step == CRM_STEP_ERROR)
			s = crm_stmt_fail(b, err, "cannot read the RFM thresholds");
		crm_stmt_reset(b);
	}
	crm_stmt_reset(st);
	crm_stmt_table_release(&t);
	return s;
}
