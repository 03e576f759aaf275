/*
 * Segments on a database: saved ones (the segments table, each change in
 * a run, logged), the built-in ones (dormant and one per segment of the
 * rfm11 scheme), their evaluation (count, rows), snapshots of who is in
 * one (segment_snapshots, segment_members) and what an export did for a
 * campaign (who of its recipients bought afterwards).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "audit.h"
#include "customer.h"
#include "dbstmt.h"
#include "rfm.h"
#include "segment.h"
#include "strbuf.h"
#include "utf8.h"
#include "banned.h"

enum {
	SQL_FIND,
	SQL_ALL,
	SQL_INSERT,
	SQL_UPDATE,
	SQL_DELETE,
	SQL_RFM_RUN,
	SQL_RFM_SNAPSHOT,
	SQL_SNAP_INSERT,
	SQL_MEMBER_INSERT,
	SQL_SNAP_FIND,
	SQL_MEMBERS,
	SQL_EXPORT,
	SQL_RECIPIENTS,
	SQL_SINCE,
	SQL_CONTROL,
	SQL_RUN_EXISTS,
	SQL_COUNT
};

static const char *const segment_sql[SQL_COUNT] = {
	[SQL_FIND] = "SELECT id, name, definition, description, updated_at FROM segments"
		     " WHERE name = ?1",
	[SQL_ALL] = "SELECT id, name, definition, description FROM segments ORDER BY name",
	[SQL_INSERT] = "INSERT INTO segments(id, name, kind, definition, description, created_at,"
		       " updated_at) VALUES (?1, ?2, 'rule', ?3, ?4, ?5, ?5)",
	[SQL_UPDATE] = "UPDATE segments SET definition = ?2, description = ?3, updated_at = ?4"
		       " WHERE id = ?1",
	[SQL_DELETE] = "DELETE FROM segments WHERE id = ?1",
	/* Scores saved before schema 13 have no snapshot row: the latest of them, then. */
	[SQL_RFM_RUN] = "SELECT max(run_id) FROM rfm_scores"
			" WHERE NOT EXISTS (SELECT 1 FROM rfm_snapshots)",
	/*
	 * The scores of the day nearest the as-of day, not after it (of one
	 * day, the later run): a baseline saved afterwards for an earlier day
	 * (for crm rfm --compare) is not today's scores.
	 */
	[SQL_RFM_SNAPSHOT] = "SELECT run_id, bins, scheme, ltv IS NOT NULL FROM rfm_snapshots"
			     " WHERE as_of <= ?1"
			     " ORDER BY as_of DESC, run_id DESC LIMIT 1",
	[SQL_SNAP_INSERT] = "INSERT INTO segment_snapshots(id, run_id, segment, definition, as_of,"
			    " customers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQL_MEMBER_INSERT] = "INSERT INTO segment_members(id, snapshot_id, customer_id)"
			      " VALUES (?1, ?2, ?3)",
	[SQL_SNAP_FIND] = "SELECT s.run_id, s.as_of, r.started_at, s.customers FROM segment_snapshots s"
			  " JOIN runs r ON r.id = s.run_id WHERE s.segment = ?1"
			  " AND (?2 = 0 OR s.run_id = ?2) ORDER BY s.run_id DESC LIMIT 1",
	[SQL_MEMBERS] = "SELECT m.customer_id, c.merged_into FROM segment_snapshots s"
			" JOIN segment_members m ON m.snapshot_id = s.id"
			" JOIN customers c ON c.id = m.customer_id WHERE s.run_id = ?1",
	/* exports.at is UTC, orders.ordered_at local time: the export's day, locally */
	[SQL_EXPORT] = "SELECT min(at), count(*), date(min(at), 'localtime') FROM exports"
		       " WHERE run_id = ?1",
	[SQL_RECIPIENTS] = "SELECT ec.customer_id, c.merged_into FROM exports e"
			   " JOIN export_customers ec ON ec.export_id = e.id"
			   " JOIN customers c ON c.id = ec.customer_id WHERE e.run_id = ?1",
	/* Orders and money since a day: the lines on or after it. */
	[SQL_SINCE] = "SELECT count(DISTINCT CASE WHEN o.status = 'ok'"
		      " THEN o.source || ':' || o.order_key END), IFNULL(sum(o.amount), 0),"
		      " substr(min(CASE WHEN o.status = 'ok' THEN o.ordered_at END), 1, 10)"
		      " FROM orders o WHERE o.customer_id = ?1 AND o.ordered_at >= ?2",
	[SQL_CONTROL] = "SELECT max(run_id) FROM segment_snapshots WHERE segment = ?1"
			" AND run_id < ?2",
	[SQL_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?1",
};

/* ---- Built-in segments ----------------------------------------------------- */

#define DORMANT_DAYS 365

/* "Can't Lose Them" as a name: cant-lose-them. */
static void slug(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++) {
		if (isalnum((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
		else if (*s == ' ' && n && out[n - 1] != '-')
			out[n++] = '-';
	}
	out[n] = '\0';
}

/* Built-in k (0 dormant, then the rfm11 segments) into s; 0, or -1 past the last. */
static int builtin(size_t k, struct crm_segment *s)
{
	const char *const *names = crm_rfm_rfm11.segments;
	struct crm_strbuf def = CRM_STRBUF_INIT;
	char name[64], desc[160];
	size_t n = 0;
	const char *p;

	while (names[n])
		n++;
	if (k > n)
		return -1;
	memset(s, 0, sizeof(*s));
	s->builtin = 1;
	if (k == 0) {
		snprintf(name, sizeof(name), "dormant");
		snprintf(desc, sizeof(desc), "休眠: ordered before, but not in the last %d days",
			 DORMANT_DAYS);
		crm_strbuf_addf(&def, "days_since_last_order >= %d", DORMANT_DAYS);
	} else {
		slug(names[k - 1], name, sizeof(name));
		snprintf(desc, sizeof(desc), "the RFM segment %s of the latest saved scores",
			 names[k - 1]);
		crm_strbuf_addstr(&def, "segment = '");
		for (p = names[k - 1]; *p; p++) {
			if (*p == '\'')
				crm_strbuf_addch(&def, '\'');   /* Can''t Lose Them */
			crm_strbuf_addch(&def, *p);
		}
		crm_strbuf_addch(&def, '\'');
	}
	s->name = strdup(name);
	s->description = strdup(desc);
	s->definition = crm_strbuf_detach(&def, NULL);
	return 0;
}

void crm_segment_release(struct crm_segment *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->definition);
	free(s->description);
	memset(s, 0, sizeof(*s));
}

int crm_segment_name_ok(const char *name)
{
	size_t n = strlen(name), i;
	int32_t cp;
	int k;

	if (!n || n > 64 || name[0] == '-')
		return 0;
	for (i = 0; i < n; i += (size_t)k) {
		unsigned char c = (unsigned char)name[i];

		k = 1;
		if (c < 0x80) {
			if (!(isalnum(c) || c == '-' || c == '_'))
				return 0;
			continue;
		}
		/* letters and digits of any script (東京, ｶﾀｶﾅ, 々, ー); no spaces or symbols */
		if ((k = crm_utf8_decode(name + i, (ptrdiff_t)(n - i), &cp)) <= 0)
			return 0;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
			break;
		default:
			return 0;
		}
	}
	return 1;
}

static enum crm_status dup_row(struct crm_stmt *st, struct crm_segment *s, struct crm_error *err)
{
	memset(s, 0, sizeof(*s));
	s->id = crm_stmt_int(st, 0);
	s->name = strdup(crm_stmt_text(st, 1));
	s->definition = strdup(crm_stmt_is_null(st, 2) ? "" : crm_stmt_text(st, 2));
	s->description = crm_stmt_is_null(st, 3) ? NULL : strdup(crm_stmt_text(st, 3));
	if (!s->name || !s->definition || (!crm_stmt_is_null(st, 3) && !s->description)) {
		crm_segment_release(s);
		return crm_error_nomem(err);
	}
	return CRM_OK;
}

/* 1 when name is a built-in's. */
static int is_builtin(const char *name)
{
	struct crm_segment b;
	size_t k;
	int found = 0;

	for (k = 0; !found && !builtin(k, &b); k++) {
		found = b.name && !strcmp(b.name, name);
		crm_segment_release(&b);
	}
	return found;
}

static int by_name(const void *a, const void *b);

/* No segment name: say so, with the one meant when a letter or two slipped. */
static enum crm_status not_found(struct crm_db *db, const char *name, struct crm_error *err)
{
	struct crm_segment *v = NULL;
	size_t n = 0, i, best = 0;
	int d, best_d = 0;
	char near[96] = "";

	if (!crm_segment_list(db, &v, &n, err)) {
		for (i = 0; i < n; i++)
			if ((d = crm_seg_near(name, strlen(name), v[i].name)) &&
			    (!best_d || d < best_d)) {
				best_d = d;
				best = i;
			}
		if (best_d)
			snprintf(near, sizeof(near), " (did you mean %s?)", v[best].name);
		for (i = 0; i < n; i++)
			crm_segment_release(&v[i]);
		free(v);
	}
	return crm_error_set(err, CRM_ERR_NOTFOUND, "no segment '%s'%s", name,
			     *near ? near : " (crm segment list shows them)");
}

enum crm_status crm_segment_find(struct crm_db *db, const char *name, struct crm_segment *out,
				 struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	size_t k;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_FIND, err))) {
		crm_stmt_table_release(&t);
		return err->code;
	}
	crm_stmt_bind_str(st, 1, name);
	s = crm_stmt_one(st, &found, "cannot read the segments", err);
	if (!s && found) {
		s = dup_row(st, out, err);
		out->builtin = !s && is_builtin(name);
	}
	crm_stmt_table_release(&t);
	if (s || found)
		return s;
	for (k = 0; !builtin(k, out); k++) {
		if (!out->name || !out->definition || !out->description) {
			crm_segment_release(out);
			return crm_error_nomem(err);
		}
		if (!strcmp(out->name, name))
			return CRM_OK;
		crm_segment_release(out);
	}
	return not_found(db, name, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct crm_segment *)a)->name, ((const struct crm_segment *)b)->name);
}

enum crm_status crm_segment_list(struct crm_db *db, struct crm_segment **out, size_t *n,
				 struct crm_error *err)
{
	struct crm_segment *v = NULL, b, *x;
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	size_t cap = 0, len = 0, i, k;
	enum crm_step step;

	*out = NULL;
	*n = 0;
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_ALL, err)))
		s = err->code;
	for (k = 0; !s; k++) {
		memset(&b, 0, sizeof(b));
		if (k < 64) {
			if (builtin(k, &b)) {
				k = 63;
				continue;
			}
			if (!b.name || !b.definition || !b.description) {
				crm_segment_release(&b);
				s = crm_error_nomem(err);
				break;
			}
		} else {
			step = crm_stmt_step(st);
			if (step == CRM_STEP_DONE)
				break;
			if (step == CRM_STEP_ERROR) {
				s = crm_stmt_fail(st, err, "cannot read the segments");
				break;
			}
			if ((s = dup_row(st, &b, err)))
				break;
			/* A saved one replaces the built-in of its name. */
			for (i = 0; i < len && strcmp(v[i].name, b.name); i++)
				;
			if (i < len) {
				crm_segment_release(&v[i]);
				v[i] = b;
				v[i].builtin = 1;
				continue;
			}
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			if (!(x = realloc(v, cap * sizeof(*v)))) {
				crm_segment_release(&b);
				s = crm_error_nomem(err);
				break;
			}
			v = x;
		}
		v[len++] = b;
	}
	crm_stmt_table_release(&t);
	if (s) {
		for (i = 0; i < len; i++)
			crm_segment_release(&v[i]);
		free(v);
		return s;
	}
	qsort(v, len, sizeof(*v), by_name);
	*out = v;
	*n = len;
	return CRM_OK;
}

/* ---- Saving and dropping ------------------------------------------------------ */

/* The values of a segments row, as the log records them. */
static int dup_value(struct crm_stmt *st, int col, char **out, struct crm_value *v)
{
	*out = NULL;
	*v = crm_value_null();
	if (crm_stmt_is_null(st, col))
		return 0;
	if (!(*out = strdup(crm_stmt_text(st, col))))
		return -1;
	*v = crm_value_text(*out);
	return 0;
}

/*
 * --replace of the row st found: its definition, and its description when
 * one is given, each change logged, updated_at too. *replaced is 1, or 2
 * when nothing changed (and nothing is written).
 */
static enum crm_status replace_row(struct crm_run *run, struct crm_stmt_table *t,
				   struct crm_stmt *st, const char *definition,
				   const char *description, int *replaced, struct crm_error *err)
{
	struct crm_audit *a = crm_run_audit(run);
	struct crm_value old[3], def = crm_value_text(definition), desc, now;
	char *keep[3];
	enum crm_status s = CRM_OK;
	int64_t id = crm_stmt_int(st, 0);
	int i, oom = 0;

	for (i = 0; i < 3; i++)
		oom |= dup_value(st, i + 2, &keep[i], &old[i]);
	crm_stmt_reset(st);
	desc = description ? crm_value_text(description) : old[1];
	now = crm_value_text(crm_run_started_at(run));
	if (oom) {
		s = crm_error_nomem(err);
	} else if (crm_value_equal(&old[0], &def) && crm_value_equal(&old[1], &desc)) {
		*replaced = 2;
	} else {
		if (!crm_value_equal(&old[0], &def))
			s = crm_audit_update(a, "segments", id, "definition", &old[0], &def, err);
		if (!s && !crm_value_equal(&old[1], &desc))
			s = crm_audit_update(a, "segments", id, "description", &old[1], &desc, err);
		if (!s)
			s = crm_audit_update(a, "segments", id, "updated_at", &old[2], &now, err);
		if (!s && !(st = crm_stmt_table_get(t, SQL_UPDATE, err)))
			s = err->code;
		if (!s) {
			crm_stmt_bind_int(st, 1, id);
			crm_stmt_bind_value(st, 2, &def);
			crm_stmt_bind_value(st, 3, &desc);
			crm_stmt_bind_value(st, 4, &now);
			s = crm_stmt_run(st, "cannot change the segment", err);
		}
		*replaced = !s;
	}
	for (i = 0; i < 3; i++)
		free(keep[i]);
	return s;
}

enum crm_status crm_segment_save(struct crm_run *run, const char *name, const char *definition,
				 const char *description, int replace, int *replaced,
				 struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_audit *a = crm_run_audit(run);
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;
	int64_t id = 0;

	*replaced = 0;
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_FIND, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_str(st, 1, name);
	if ((s = crm_stmt_one(st, &found, "cannot read the segments", err)))
		goto out;
	if (found) {
		if (!replace) {
			s = crm_error_set(err, CRM_ERR_CONFLICT, "segment '%s' exists already: "
					  "--replace changes its expression", name);
			goto out;
		}
		s = replace_row(run, &t, st, definition, description, replaced, err);
		goto out;
	}
	crm_stmt_reset(st);
	if ((s = crm_id_next(db, "segments", &id, err)))
		goto out;
	if (!(st = crm_stmt_table_get(&t, SQL_INSERT, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_int(st, 1, id);
	crm_stmt_bind_str(st, 2, name);
	crm_stmt_bind_str(st, 3, definition);
	crm_stmt_bind_str(st, 4, description);
	crm_stmt_bind_str(st, 5, crm_run_started_at(run));
	s = crm_stmt_run(st, "cannot save the segment", err);
	if (!s)
		s = crm_audit_insert(a, "segments", id, err);
out:
	crm_stmt_table_release(&t);
	return s;
}

enum crm_status crm_segment_drop(struct crm_run *run, const char *name, struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;
	int64_t id;

	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_FIND, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_str(st, 1, name);
	if ((s = crm_stmt_one(st, &found, "cannot read the segments", err)))
		goto out;
	if (!found) {
		s = is_builtin(name) ?
		    crm_error_set(err, CRM_ERR_NOTFOUND, "no saved segment '%s' (it is built "
				  "in: it cannot be dropped)", name) :
		    not_found(crm_run_db(run), name, err);
		goto out;
	}
	id = crm_stmt_int(st, 0);
	crm_stmt_reset(st);
	if ((s = crm_audit_delete(crm_run_audit(run), "segments", id, err)))
		goto out;
	if (!(st = crm_stmt_table_get(&t, SQL_DELETE, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_int(st, 1, id);
	s = crm_stmt_run(st, "cannot drop the segment", err);
out:
	crm_stmt_table_release(&t);
	return s;
}

/* ---- Evaluating ------------------------------------------------------------ */

enum crm_status crm_segment_env(struct crm_db *db, const char *as_of, struct crm_seg_env *env,
				struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *st;
	time_t now = time(NULL);
	struct tm tm;
	char next[11];
	int found = 0;
	enum crm_status s;

	memset(env, 0, sizeof(*env));
	if (as_of) {
		snprintf(env->as_of, sizeof(env->as_of), "%s", as_of);
	} else if (!localtime_r(&now, &tm) || !strftime(env->as_of, sizeof(env->as_of),
							   "%Y-%m-%d", &tm)) {
		return crm_error_set(err, CRM_ERR_INTERNAL, "cannot tell today's date");
	}
	if (crm_seg_date_add(env->as_of, 1, 'd', next))
		return crm_error_set(err, CRM_ERR_INVALID, "--as-of '%s' is not a date (2025-07-23)",
				     env->as_of);
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_RFM_SNAPSHOT, err))) {
		crm_stmt_table_release(&t);
		return err->code;
	}
	crm_stmt_bind_str(st, 1, next);
	s = crm_stmt_one(st, &found, "cannot read the RFM snapshots", err);
	if (!s && found) {
		env->rfm_run = crm_stmt_int(st, 0);
		env->rfm_bins = (int)crm_stmt_int(st, 1);
		snprintf(env->rfm_scheme, sizeof(env->rfm_scheme), "%s",
			 crm_stmt_is_null(st, 2) ? "" : crm_stmt_text(st, 2));
		env->rfm_ltv = (int)crm_stmt_int(st, 3);
	}
	crm_stmt_table_release(&t);
	if (!s && !found && !as_of)   /* bins and scheme unknown: rfm_bins stays 0 */
		s = crm_db_query_int64(db, segment_sql[SQL_RFM_RUN], NULL, &env->rfm_run, err);
	return s;
}

/*
 * The query of the customers e matches (merged-away ones left out):
 * head, then the fields e names unless bare, the frame, then tail.
 */
static enum crm_status prepare(struct crm_db *db, const struct crm_seg_expr *e, const char *head,
			       int bare, const char *tail, struct crm_stmt **out,
			       struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	const struct crm_seg_field *const *used;
	enum crm_status s;
	size_t n, i;
	int oom = crm_strbuf_addstr(&sql, head);

	*out = NULL;
	used = crm_seg_used(e, &n);
	for (i = 0; !bare && i < n; i++)
		oom |= crm_strbuf_addf(&sql, ", %s", used[i]->sql);
	oom |= crm_strbuf_addf(&sql, " FROM customers c WHERE c.merged_into IS NULL AND %s%s",
			       crm_seg_sql(e), tail);
	if (oom) {
		crm_strbuf_release(&sql);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(db, sql.buf, out, err);
	crm_strbuf_release(&sql);
	if (!s)
		crm_seg_bind(e, *out);
	else if (strstr(err->message, "parser stack overflow") ||
		 strstr(err->message, "too large"))
		/* SQLite's parser takes about a dozen levels of and/or in parentheses */
		s = crm_error_set(err, CRM_ERR_INVALID, "the expression nests too deeply for the "
				  "database: use fewer levels of parentheses and not");
	return s;
}

enum crm_status crm_segment_check(struct crm_db *db, const struct crm_seg_expr *e,
				  struct crm_error *err)
{
	struct crm_stmt *st = NULL;
	enum crm_status s = prepare(db, e, "SELECT c.id", 0, " ORDER BY c.id", &st, err);

	crm_stmt_free(st);
	return s;
}

enum crm_status crm_segment_count(struct crm_db *db, const struct crm_seg_expr *e,
				  int64_t *n, struct crm_error *err)
{
	struct crm_stmt *st = NULL;
	enum crm_status s = prepare(db, e, "SELECT count(*)", 1, "", &st, err);
	int found = 0;

	if (!s)
		s = crm_stmt_one(st, &found, "cannot count the segment", err);
	*n = !s && found ? crm_stmt_int(st, 0) : 0;
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_segment_rows(struct crm_db *db, const struct crm_seg_expr *e, int ids_only,
				 struct crm_rows **out, struct crm_error *err)
{
	struct crm_stmt *st = NULL;
	enum crm_status s = prepare(db, e, "SELECT c.id", ids_only, " ORDER BY c.id", &st, err);

	*out = NULL;
	if (s)
		return s;
	*out = crm_rows_wrap(st, err);
	return *out ? CRM_OK : crm_error_status(err);
}

/* ---- Id sets ------------------------------------------------------------------ */

/*
 * The customers of a query's rows (customer id, merged_into), each
 * resolved to the survivor it is now, sorted, each once.
 */
static enum crm_status resolved_ids(struct crm_db *db, const char *sql, int64_t run,
				    struct crm_ids *out, struct crm_error *err)
{
	struct crm_customer_lookup *l = NULL;
	struct crm_stmt *st = NULL;
	enum crm_status s = crm_stmt_prepare(db, sql, &st, err);
	enum crm_step step = CRM_STEP_DONE;
	int64_t id;

	if (!s)
		s = crm_customer_lookup_open(db, &l, err);
	if (s) {
		crm_stmt_free(st);
		return s;
	}
	crm_stmt_bind_int(st, 1, run);
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		id = crm_stmt_int(st, 0);
		if (!crm_stmt_is_null(st, 1))
			s = crm_customer_lookup_resolve(l, id, &id, err);
		if (!s && crm_ids_add(out, id))
			s = crm_error_nomem(err);
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the customers");
	crm_stmt_free(st);
	crm_customer_lookup_free(l);
	if (!s)
		crm_ids_sort(out);
	return s;
}

enum crm_status crm_segment_members(struct crm_db *db, int64_t run, int64_t **ids, size_t *n,
				    struct crm_error *err)
{
	struct crm_ids s = { 0 };
	enum crm_status st = resolved_ids(db, segment_sql[SQL_MEMBERS], run, &s, err);

	if (st) {
		free(s.v);
		s.v = NULL;
		s.n = 0;
	}
	*ids = s.v;
	*n = s.n;
	return st;
}

enum crm_status crm_segment_ids(struct crm_db *db, const struct crm_seg_expr *e, int64_t **ids,
				size_t *n, struct crm_error *err)
{
	struct crm_rows *r = NULL;
	struct crm_ids s = { 0 };
	enum crm_status st = crm_segment_rows(db, e, 1, &r, err);
	int k;

	while (!st && (k = crm_rows_next(r, err)) > 0)
		if (crm_ids_add(&s, crm_rows_value(r, 0).i))
			st = crm_error_nomem(err);
	if (!st && k < 0)
		st = crm_error_status(err);
	crm_rows_free(r);
	if (st) {
		free(s.v);
		s.v = NULL;
		s.n = 0;
	}
	*ids = s.v;
	*n = s.n;
	return st;
}

/* ---- Snapshots ---------------------------------------------------------------- */

enum crm_status crm_segment_snapshot(struct crm_run *run, const struct crm_segment *seg,
				     const struct crm_seg_expr *e, const char *as_of,
				     int64_t *members, struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_audit *a = crm_run_audit(run);
	struct crm_stmt_table t;
	struct crm_stmt *st;
	int64_t *ids = NULL, snap = 0, next = 0;
	size_t n = 0, i;
	enum crm_status s;

	*members = 0;
	if ((s = crm_segment_ids(db, e, &ids, &n, err)))
		return s;
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err))) {
		free(ids);
		return s;
	}
	s = crm_id_next(db, "segment_snapshots", &snap, err);
	if (!s && !(st = crm_stmt_table_get(&t, SQL_SNAP_INSERT, err)))
		s = err->code;
	if (!s) {
		crm_stmt_bind_int(st, 1, snap);
		crm_stmt_bind_int(st, 2, crm_run_id(run));
		crm_stmt_bind_str(st, 3, seg->name);
		crm_stmt_bind_str(st, 4, seg->definition);
		crm_stmt_bind_str(st, 5, as_of);
		crm_stmt_bind_int(st, 6, (int64_t)n);
		s = crm_stmt_run(st, "cannot save the snapshot", err);
	}
	if (!s)
		s = crm_audit_insert(a, "segment_snapshots", snap, err);
	if (!s)
		s = crm_id_next(db, "segment_members", &next, err);
	for (i = 0; !s && i < n; i++) {
		if (!(st = crm_stmt_table_get(&t, SQL_MEMBER_INSERT, err))) {
			s = err->code;
			break;
		}
		crm_stmt_bind_int(st, 1, next);
		crm_stmt_bind_int(st, 2, snap);
		crm_stmt_bind_int(st, 3, ids[i]);
		s = crm_stmt_run(st, "cannot save the snapshot's members", err);
		if (!s)
			s = crm_audit_insert(a, "segment_members", next++, err);
	}
	crm_stmt_table_release(&t);
	free(ids);
	*members = s ? 0 : (int64_t)n;
	return s;
}

/* Whether run is one of the runs table; *s set when the look failed. */
static int run_exists(struct crm_stmt_table *t, int64_t run, enum crm_status *s,
		      struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_RUN_EXISTS, err);
	int found = 0;

	*s = CRM_OK;
	if (!st) {
		*s = err->code;
		return 1;
	}
	crm_stmt_bind_int(st, 1, run);
	*s = crm_stmt_one(st, &found, "cannot read the runs", err);
	crm_stmt_reset(st);
	return *s ? 1 : found;
}

enum crm_status crm_segment_snapshot_find(struct crm_db *db, const char *name, int64_t run,
					  struct crm_seg_snapshot *out, struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_SNAP_FIND, err))) {
		crm_stmt_table_release(&t);
		return err->code;
	}
	crm_stmt_bind_str(st, 1, name);
	crm_stmt_bind_int(st, 2, run);
	s = crm_stmt_one(st, &found, "cannot read the snapshots", err);
	if (!s && found) {
		out->run = crm_stmt_int(st, 0);
		snprintf(out->as_of, sizeof(out->as_of), "%s", crm_stmt_text(st, 1));
		snprintf(out->at, sizeof(out->at), "%s", crm_stmt_text(st, 2));
		out->customers = crm_stmt_int(st, 3);
	}
	if (!s && !found && run && !run_exists(&t, run, &s, err))
		s = s ? s : crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld (crm log "
					  "lists them)", (long long)run);
	crm_stmt_table_release(&t);
	if (!s && !found)
		s = run ? crm_error_set(err, CRM_ERR_NOTFOUND, "run %lld took no snapshot of "
					"segment '%s'", (long long)run, name) :
		    crm_error_set(err, CRM_ERR_NOTFOUND, "segment '%s' has no snapshot: crm "
				  "segment snapshot %s takes one", name, name);
	return s;
}

/* ---- A campaign's effect --------------------------------------------------------- */

/* Orders and money of customer id since day: *orders 0 when none. */
static enum crm_status since(struct crm_stmt_table *t, int64_t id, const char *day,
			     int64_t *orders, int64_t *spent, char first[11],
			     struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, SQL_SINCE, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, id);
	crm_stmt_bind_str(st, 2, day);
	s = crm_stmt_one(st, &found, "cannot read the orders", err);
	*orders = found ? crm_stmt_int(st, 0) : 0;
	*spent = found ? crm_stmt_int(st, 1) : 0;
	snprintf(first, 11, "%s", found && !crm_stmt_is_null(st, 2) ? crm_stmt_text(st, 2) : "");
	crm_stmt_reset(st);
	return s;
}

enum crm_status crm_segment_effect(struct crm_db *db, const char *name, int64_t run,
				   struct crm_seg_effect *eff,
				   enum crm_status (*row)(void *ctx, int64_t id, int64_t orders,
							  int64_t spent, const char *first,
							  struct crm_error *err),
				   void *ctx, struct crm_error *err)
{
	struct crm_ids sent = { 0 }, ctl = { 0 };
	struct crm_stmt_table t;
	struct crm_stmt *st;
	enum crm_status s;
	int64_t n = 0, orders, spent;
	char day[11], first[11];
	size_t i;
	int found = 0;

	memset(eff, 0, sizeof(*eff));
	eff->run = run;
	if ((s = crm_stmt_table_init(&t, db, segment_sql, SQL_COUNT, err)))
		return s;
	if (!(st = crm_stmt_table_get(&t, SQL_EXPORT, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_int(st, 1, run);
	if ((s = crm_stmt_one(st, &found, "cannot read the exports", err)))
		goto out;
	n = found ? crm_stmt_int(st, 1) : 0;
	if (!n) {
		if (!run_exists(&t, run, &s, err) && !s)
			s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: "
					  "--since-export takes the run of a crm export (crm log lists "
					  "them)", (long long)run);
		else if (!s)
			s = crm_error_set(err, CRM_ERR_NOTFOUND, "run %lld exported nothing: "
					  "--since-export takes the run of a crm export (crm log "
					  "lists them)", (long long)run);
		goto out;
	}
	snprintf(eff->at, sizeof(eff->at), "%s", crm_stmt_text(st, 0));
	snprintf(eff->day, sizeof(eff->day), "%s",
		 crm_stmt_is_null(st, 2) ? "" : crm_stmt_text(st, 2));
	memcpy(day, eff->day, sizeof(day));
	crm_stmt_reset(st);
	if ((s = resolved_ids(db, segment_sql[SQL_RECIPIENTS], run, &sent, err)))
		goto out;
	eff->recipients = sent.n;
	/* The control group: the segment's members of its latest snapshot before the export. */
	if (!(st = crm_stmt_table_get(&t, SQL_CONTROL, err))) {
		s = err->code;
		goto out;
	}
	crm_stmt_bind_str(st, 1, name);
	crm_stmt_bind_int(st, 2, run);
	if ((s = crm_stmt_one(st, &found, "cannot read the snapshots", err)))
		goto out;
	eff->control_run = found ? crm_stmt_int(st, 0) : 0;
	crm_stmt_reset(st);
	if (eff->control_run &&
	    (s = resolved_ids(db, segment_sql[SQL_MEMBERS], eff->control_run, &ctl, err)))
		goto out;
	for (i = 0; !s && i < ctl.n; i++) {
		if (crm_ids_has(&sent, ctl.v[i]))
			continue;
		eff->control++;
		s = since(&t, ctl.v[i], day, &orders, &spent, first, err);
		if (!s && orders) {
			eff->control_bought++;
			eff->control_spent += spent;
		}
	}
	for (i = 0; !s && i < sent.n; i++) {
		s = since(&t, sent.v[i], day, &orders, &spent, first, err);
		if (s || !orders)
			continue;
		eff->bought++;
		eff->spent += spent;
		if (row)
			s = row(ctx, sent.v[i], orders, spent, first, err);
	}
out:
	crm_stmt_table_release(&t);
	free(sent.v);
	free(ctl.v);
	return s;
}
