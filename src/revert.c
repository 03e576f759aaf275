/*
 * Revert: a run undone as a new run, change by change, newest first, from
 * the log alone; values and rows later runs changed are conflicts, left as
 * they are. The SQL it runs is in revertsql.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "revert.h"
#include "revertsql.h"
#include "run.h"
#include "strbuf.h"
#include "banned.h"

void crm_revert_result_release(struct crm_revert_result *res)
{
	size_t i;

	for (i = 0; i < res->nconflicts; i++) {
		free(res->conflicts[i].tbl);
		free(res->conflicts[i].field);
		free(res->conflicts[i].reason);
	}
	free(res->conflicts);
	memset(res, 0, sizeof(*res));
}

/* "run 5, 7" for the later runs that changed tbl.row (field), or why none. */
static enum crm_status later_runs(struct reverter *rv, const char *tbl, int64_t row,
				  const char *field, int64_t after, struct crm_strbuf *out,
				  struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_LATER, err);
	enum crm_step step;
	int n = 0, oom = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_str(st, 3, field);
	crm_stmt_bind_int(st, 4, after);
	crm_stmt_bind_int(st, 5, rv->target);
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW)
		oom |= crm_strbuf_addf(out, "%s%lld (%s)", n++ ? ", " : "changed by run ",
				       (long long)crm_stmt_int(st, 0), crm_stmt_text(st, 1));
	if (step == CRM_STEP_ERROR) {
		enum crm_status s = crm_stmt_fail(st, err, "cannot read the log");

		crm_stmt_clear(st);
		return s;
	}
	crm_stmt_clear(st);
	if (!n)
		oom |= crm_strbuf_addstr(out, "no later run logged it (erased by crm log forget, or changed outside crm)");
	return oom ? crm_error_nomem(err) : CRM_OK;
}

static enum crm_status add_conflict(struct reverter *rv, const char *tbl, int64_t row,
				    const char *field, const char *reason,
				    struct crm_error *err)
{
	struct crm_revert_result *res = rv->res;
	struct crm_log_conflict *c;

	c = realloc(res->conflicts, (res->nconflicts + 1) * sizeof(*c));
	if (!c)
		return crm_error_nomem(err);
	res->conflicts = c;
	c += res->nconflicts;
	c->tbl = strdup(tbl);
	c->field = field ? strdup(field) : NULL;
	c->reason = strdup(reason);
	c->row = row;
	if (!c->tbl || !c->reason || (field && !c->field)) {
		free(c->tbl);
		free(c->field);
		free(c->reason);
		return crm_error_nomem(err);
	}
	res->nconflicts++;
	return CRM_OK;
}

static enum crm_status conflict_later(struct reverter *rv, const char *tbl, int64_t row,
				      const char *field, int64_t after, const char *what,
				      struct crm_error *err)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	enum crm_status s = crm_strbuf_addstr(&sb, what) ? crm_error_nomem(err) : CRM_OK;

	if (!s)
		s = later_runs(rv, tbl, row, field, after, &sb, err);
	if (!s)
		s = add_conflict(rv, tbl, row, field, sb.buf, err);
	crm_strbuf_release(&sb);
	return s;
}

/* Sets field of tbl.row to v, logging the update from cur. */
static enum crm_status set_value(struct reverter *rv, const char *tbl, int64_t row,
				 const char *field, const struct crm_value *cur,
				 const struct crm_value *v, const char *what,
				 struct crm_error *err)
{
	struct crm_stmt *set;
	enum crm_status s = crm_revert_built(rv, BUILT_SET, tbl, field, &set, err);

	if (!s)
		s = crm_audit_update(rv->audit, tbl, row, field, cur, v, err);
	if (!s) {
		crm_stmt_bind_value(set, 1, v);
		crm_stmt_bind_int(set, 2, row);
		s = crm_stmt_run(set, what, err);
	}
	if (!s)
		rv->res->restored++;
	return s;
}

/*
 * A source record the run moved from customer old to customer new (a
 * merge), about to go back: the rows a later run attached to new under
 * its key (an order whose raw row names it, from whichever source the
 * order file came: --customer-source) would stay with new, the wrong
 * person once the record is back. The log cannot say where such a row
 * belongs: they are conflicts, listed with their run, to revert first.
 */
static enum crm_status attached_later(struct reverter *rv, int64_t record,
				      const struct crm_value *old, const struct crm_value *new,
				      struct crm_error *err)
{
	const struct crm_customer_table *t;
	struct crm_stmt *get = NULL;
	enum crm_status s;
	int found = 0;
	char *key;

	if (old->type != CRM_VALUE_INT || new->type != CRM_VALUE_INT)
		return CRM_OK;
	s = crm_revert_built(rv, BUILT_GET, "source_records", "source_key", &get, err);
	if (s)
		return s;
	crm_stmt_bind_int(get, 1, record);
	s = crm_stmt_one(get, &found, "cannot read the source record", err);
	key = !s && found && crm_stmt_text(get, 0) ? strdup(crm_stmt_text(get, 0)) : NULL;
	crm_stmt_reset(get);
	if (s || !found)
		return s;
	if (!key)
		return crm_error_nomem(err);
	for (t = crm_customer_tables; !s && t->tbl; t++) {
		struct crm_stmt *st = NULL;
		enum crm_step step;

		if (!(t->flags & CRM_CT_MOVES) || !(t->flags & CRM_CT_SOURCE) ||
		    !strcmp(t->tbl, "source_records"))
			continue;
		s = crm_revert_built(rv, BUILT_ATTACHED, t->tbl, t->column, &st, err);
		if (s)
			break;
		crm_stmt_bind_int(st, 1, new->i);
		crm_stmt_bind_str(st, 2, key);
		crm_stmt_bind_int(st, 3, rv->target);
		while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
			char why[400];

			snprintf(why, sizeof(why), "run %lld attached it to customer %lld under the"
				 " key %.100s of source record %lld, which this run had moved there"
				 " from customer %lld: it would stay with %lld (revert run %lld first,"
				 " then import it again)", (long long)crm_stmt_int(st, 1),
				 (long long)new->i, key, (long long)record, (long long)old->i,
				 (long long)new->i, (long long)crm_stmt_int(st, 1));
			s = add_conflict(rv, t->tbl, crm_stmt_int(st, 0), t->column, why, err);
		}
		if (!s && step == CRM_STEP_ERROR)
			s = crm_stmt_fail(st, err, "cannot read the rows attached later");
		crm_stmt_reset(st);
	}
	free(key);
	return s;
}

/* Puts field of tbl.row back to old if it is still what the run set (new). */
static enum crm_status revert_update(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const char *field,
				     const struct crm_value *old, const struct crm_value *new,
				     struct crm_error *err)
{
	struct crm_stmt *get = NULL;
	enum crm_status s = crm_revert_check(rv, tbl, field, err);
	int found = 0;

	if (!s)
		s = crm_revert_built(rv, BUILT_GET, tbl, field, &get, err);
	if (s)
		return s;
	crm_stmt_bind_int(get, 1, row);
	s = crm_stmt_one(get, &found, "cannot read the row", err);
	if (!s && !found) {
		s = conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err);
	} else if (!s) {
		struct crm_value cur = crm_stmt_value(get, 0);

		/* A source record going back to its customer: what followed it since? */
		if (crm_value_equal(&cur, new) && !strcmp(tbl, "source_records") &&
		    !strcmp(field, "customer_id"))
			s = attached_later(rv, row, old, new, err);
		if (!s && crm_value_equal(&cur, new))
			s = set_value(rv, tbl, row, field, &cur, old, "cannot restore the value", err);
		else if (strcmp(field, "updated_at"))
			s = conflict_later(rv, tbl, row, field, change, "", err);
		/* Else a later run touched the row: its time stands. */
	}
	crm_stmt_reset(get);
	return s;
}

/* Whether field of tbl.row is still was (updated_at always is: a later run's time stands). */
static enum crm_status value_is(struct reverter *rv, const char *tbl, int64_t row,
				const char *field, const struct crm_value *was, int *same,
				struct crm_error *err)
{
	struct crm_stmt *cur = NULL;
	enum crm_status s = crm_revert_check(rv, tbl, field, err);

	if (!s)
		s = crm_revert_built(rv, BUILT_GET, tbl, field, &cur, err);
	if (s)
		return s;
	crm_stmt_bind_int(cur, 1, row);
	*same = 1;
	if (crm_stmt_step(cur) == CRM_STEP_ROW) {
		struct crm_value now = crm_stmt_value(cur, 0);

		*same = crm_value_equal(&now, was) || !strcmp(field, "updated_at");
	}
	crm_stmt_reset(cur);
	return s;
}

/*
 * Whether a row the run added is still as the run left it: each field's
 * first later update must have started from the value the field has now.
 */
static enum crm_status row_untouched(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, int *untouched, struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_REINSERTED, err);
	enum crm_status s;
	enum crm_step step = CRM_STEP_DONE;
	int found = 0;

	*untouched = 1;
	if (!st)
		return err->code;
	/* A later insert of this id: the row now there is another one (ids are reused). */
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_int(st, 3, change);
	s = crm_stmt_one(st, &found, "cannot read the log", err);
	crm_stmt_reset(st);
	if (s || found) {
		*untouched = !found;
		return s;
	}
	if (!(st = crm_revert_stmt(rv, SQL_FIRST_LATER, err)))
		return err->code;
	crm_stmt_bind_str(st, 1, tbl);
	crm_stmt_bind_int(st, 2, row);
	crm_stmt_bind_int(st, 3, change);
	while (!s && *untouched && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *field = crm_stmt_text(st, 0);
		struct crm_value was = crm_stmt_value(st, 1);

		if (strcmp(crm_stmt_text(st, 2), "update"))   /* merged or deleted later */
			*untouched = 0;
		else
			s = value_is(rv, tbl, row, field, &was, untouched, err);
	}
	if (!s && *untouched && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the log");
	crm_stmt_reset(st);
	return s;
}

/* Rows of later runs that belong to a customer the run added. */
static enum crm_status customer_children(struct reverter *rv, int64_t id, int *has,
					 struct crm_strbuf *why, struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_CHILDREN, err);
	enum crm_status s;

	*has = 0;
	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, id);
	crm_stmt_bind_int(st, 2, rv->target);
	s = crm_stmt_one(st, has, "cannot read the customer's rows", err);
	if (!s && *has && crm_strbuf_addf(why, "%s row %lld", crm_stmt_text(st, 0),
					  (long long)crm_stmt_int(st, 1)))
		s = crm_error_nomem(err);
	/* A row no logged run wrote (none should be) is still theirs. */
	if (!s && *has && !crm_stmt_is_null(st, 2) &&
	    crm_strbuf_addf(why, " of run %lld", (long long)crm_stmt_int(st, 2)))
		s = crm_error_nomem(err);
	if (!s && *has && crm_strbuf_addstr(why, " belongs to it"))
		s = crm_error_nomem(err);
	crm_stmt_reset(st);
	return s;
}

/* Whether tbl is the customers table itself. */
static int is_customers(const char *tbl)
{
	const struct crm_customer_table *t = crm_customer_table(tbl);

	return t && (t->flags & CRM_CT_SELF);
}

/* Removes row id of tbl, added by the run, if it is still as the run left it. */
static enum crm_status remove_added(struct reverter *rv, int64_t change, const char *tbl,
				    int64_t id, struct crm_stmt *del, struct crm_error *err)
{
	struct crm_strbuf why = CRM_STRBUF_INIT;
	enum crm_status s;
	int untouched, children = 0;

	s = row_untouched(rv, change, tbl, id, &untouched, err);
	if (!s && untouched && is_customers(tbl))
		s = customer_children(rv, id, &children, &why, err);
	if (!s && !untouched)
		s = conflict_later(rv, tbl, id, NULL, change,
				   "the row it added was changed since: ", err);
	else if (!s && children)
		s = add_conflict(rv, tbl, id, NULL, why.buf, err);
	crm_strbuf_release(&why);
	if (s || !untouched || children)
		return s;
	s = crm_audit_delete(rv->audit, tbl, id, err);
	if (!s) {
		crm_stmt_bind_int(del, 1, id);
		s = crm_stmt_run(del, "cannot remove the row", err);
	}
	if (!s)
		rv->res->deleted++;
	return s;
}

/* Removes the rows of an insert range that are still as the run left them. */
static enum crm_status revert_insert(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t first, int64_t last, struct crm_error *err)
{
	struct crm_stmt *ids = NULL, *del = NULL;
	enum crm_status s = crm_revert_check(rv, tbl, NULL, err);
	enum crm_step step = CRM_STEP_DONE;

	if (!s)
		s = crm_revert_built(rv, BUILT_RANGE, tbl, NULL, &ids, err);
	if (!s)
		s = crm_revert_built(rv, BUILT_DELETE, tbl, NULL, &del, err);
	if (s)
		return s;
	crm_stmt_bind_int(ids, 1, first);
	crm_stmt_bind_int(ids, 2, last);
	while (!s && (step = crm_stmt_step(ids)) == CRM_STEP_ROW)
		s = remove_added(rv, change, tbl, crm_stmt_int(ids, 0), del, err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(ids, err, "cannot read the rows");
	crm_stmt_reset(ids);
	return s;
}

/* Puts back a row the run removed, from the copy in the log. */
static enum crm_status revert_delete(struct reverter *rv, int64_t change, const char *tbl,
				     int64_t row, const struct crm_value *old,
				     struct crm_error *err)
{
	struct crm_stmt *st = NULL;
	enum crm_status s = crm_revert_check(rv, tbl, NULL, err);

	if (s)
		return s;   /* tbl may be NULL: nothing below may use it */
	if (old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	s = crm_revert_built(rv, BUILT_REINSERT, tbl, NULL, &st, err);
	if (s)
		return s;
	crm_stmt_bind_value(st, 1, old);
	crm_stmt_bind_int(st, 2, row);
	s = crm_stmt_run(st, "cannot put the row back", err);
	if (!s && crm_db_changes(rv->db) == 0)
		s = conflict_later(rv, tbl, row, NULL, change,
				   "a row with its id or its key exists again: ", err);
	else if (!s && !(s = crm_audit_insert(rv->audit, tbl, row, err)))
		rv->res->reinserted++;
	return s;
}

/*
 * Puts column c of tbl.row back to its value in the copy old, unless the
 * row is gone or (for merged_into) no longer merged into into.
 */
static enum crm_status unmerge_column(struct reverter *rv, int64_t change, const char *tbl,
				      int64_t row, const char *c, const struct crm_value *old,
				      const struct crm_value *into, struct crm_error *err)
{
	struct crm_stmt *get;
	/* c comes from the schema of a table checked against the ones crm keeps. */
	enum crm_status s = crm_revert_built(rv, BUILT_UNMERGE, tbl, c, &get, err);
	int found = 0;

	if (s)
		return s;
	crm_stmt_bind_value(get, 1, old);
	crm_stmt_bind_int(get, 2, row);
	s = crm_stmt_one(get, &found, "cannot read the row", err);
	if (!s && !found) {
		s = conflict_later(rv, tbl, row, NULL, change, "the row is gone: ", err);
		if (!s)
			s = CRM_EOF;   /* nothing more to do for this row */
	} else if (!s) {
		struct crm_value now = crm_stmt_value(get, 0), was = crm_stmt_value(get, 1);

		if (!strcmp(c, "merged_into") && !crm_value_equal(&now, into))
			s = conflict_later(rv, tbl, row, c, change, "no longer merged: ", err);
		else if (!crm_value_equal(&now, &was))
			s = set_value(rv, tbl, row, c, &now, &was, "cannot unmerge the row", err);
	}
	crm_stmt_reset(get);
	return s;
}

/* Unmerges: every column back to the copy kept when the row was merged. */
static enum crm_status revert_merge(struct reverter *rv, int64_t change, const char *tbl,
				    int64_t row, const struct crm_value *old,
				    const struct crm_value *into, struct crm_error *err)
{
	struct crm_stmt *cols;
	enum crm_status s = crm_revert_check(rv, tbl, NULL, err);
	enum crm_step step = CRM_STEP_DONE;

	if (s)
		return s;
	if (old->type != CRM_VALUE_TEXT)
		return add_conflict(rv, tbl, row, NULL, "the log keeps no copy of the row "
				    "(erased by crm log forget?)", err);
	if (!(cols = crm_revert_stmt(rv, SQL_COLUMNS_BUT_ID, err)))
		return err->code;
	crm_stmt_bind_str(cols, 1, tbl);
	while (!s && (step = crm_stmt_step(cols)) == CRM_STEP_ROW)
		s = unmerge_column(rv, change, tbl, row, crm_stmt_text(cols, 0), old, into, err);
	if (s == CRM_EOF)
		s = CRM_OK;
	else if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(cols, err, "cannot read the schema");
	crm_stmt_reset(cols);
	return s;
}

/* Why target cannot be reverted at all, if it cannot. */
static enum crm_status check_target(struct reverter *rv, struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_TARGET, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, rv->target);
	s = crm_stmt_one(st, &found, "cannot read the run", err);
	/* The revert's own run is the next number: to whoever typed it, no run yet. */
	if (!s && (!found || rv->target == crm_run_id(rv->run)))
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				  (long long)rv->target);
	else if (!s && !crm_stmt_is_null(st, 2))
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld was already reverted by run %lld",
				  (long long)rv->target, (long long)crm_stmt_int(st, 2));
	else if (!s && crm_stmt_int(st, 3))
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld erased a person: an erasure "
				  "cannot be undone", (long long)rv->target);
	/* The record of provision stays: the data went out whatever the log says. */
	else if (!s && !strcmp(crm_stmt_text(st, 0), "export"))
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld exported customer data: what "
				  "went out cannot be taken back, and its record stays",
				  (long long)rv->target);
	/*
	 * A run still running is not reverted under its feet; one killed (its
	 * process gone) will never finish, and what it committed is undone
	 * like any run's (#12: a cleanse killed between its parts).
	 */
	else if (!s && !strcmp(crm_stmt_text(st, 1), "running") && !rv->force &&
		 !crm_run_gone(rv->db, rv->target, crm_stmt_int(st, 4)))
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld has not finished (it is still "
				  "running): --force reverts what it committed",
				  (long long)rv->target);
	crm_stmt_reset(st);
	return s;
}

static enum crm_status revert_change(struct reverter *rv, struct crm_stmt *st,
				     struct crm_error *err)
{
	int64_t change = crm_stmt_int(st, 0);
	const char *tbl = crm_stmt_text(st, 1);
	int64_t row = crm_stmt_int(st, 2);
	const char *op = crm_stmt_text(st, 3);
	const char *field = crm_stmt_text(st, 4);
	struct crm_value old = crm_stmt_value(st, 5), new = crm_stmt_value(st, 6);

	if (!op || !tbl)
		return crm_error_set(err, CRM_ERR_SCHEMA, "change %lld is damaged",
				     (long long)change);
	if (!strcmp(op, "update"))
		return revert_update(rv, change, tbl, row, field, &old, &new, err);
	if (!strcmp(op, "insert"))
		return revert_insert(rv, change, tbl, row,
				     new.type == CRM_VALUE_INT ? new.i : row, err);
	if (!strcmp(op, "delete"))
		return revert_delete(rv, change, tbl, row, &old, err);
	if (!strcmp(op, "merge"))
		return revert_merge(rv, change, tbl, row, &old, &new, err);
	return crm_error_set(err, CRM_ERR_SCHEMA, "change %lld has an unknown op '%s'",
			     (long long)change, op);
}

/* Every change of the target, newest first; then the refusal if there were conflicts. */
static enum crm_status revert_changes(struct reverter *rv, struct crm_error *err)
{
	struct crm_stmt *st = crm_revert_stmt(rv, SQL_RUN_CHANGES, err);
	struct crm_revert_result *res = rv->res;
	enum crm_status s = CRM_OK;
	enum crm_step step = CRM_STEP_DONE;
	long n = 0;

	if (!st)
		return err->code;
	crm_stmt_bind_int(st, 1, rv->target);
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		s = revert_change(rv, st, err);
		n++;
	}
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the run's changes");
	crm_stmt_reset(st);
	/* A run that changed nothing (init, a dry import) has nothing to undo. */
	if (!s && !n)
		return crm_error_set(err, CRM_ERR_CONFLICT, "run %lld changed nothing: there is "
				     "nothing to revert", (long long)rv->target);
	if (!s && res->nconflicts && !rv->force)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld cannot be reverted: %zu "
				  "value%s changed since by later runs; nothing was changed "
				  "(--force reverts the rest)", (long long)rv->target,
				  res->nconflicts, res->nconflicts == 1 ? " was" : "s were");
	/*
	 * --force that could undo nothing undid nothing: the run is not
	 * marked reverted, or it could never be reverted once what stands in
	 * the way is gone.
	 */
	else if (!s && res->nconflicts && !res->restored && !res->deleted && !res->reinserted)
		s = crm_error_set(err, CRM_ERR_CONFLICT, "run %lld cannot be reverted: later "
				  "runs changed all it did (%zu conflict%s); nothing was changed",
				  (long long)rv->target, res->nconflicts,
				  res->nconflicts == 1 ? "" : "s");
	return s;
}

/* The counts of the run, as runs.counts has always named them. */
static enum crm_status count(struct reverter *rv, struct crm_error *err)
{
	const struct crm_revert_result *res = rv->res;
	enum crm_status s = crm_run_count(rv->run, "reverted", rv->target, err);

	if (!s)
		s = crm_run_count(rv->run, "restored", res->restored, err);
	if (!s)
		s = crm_run_count(rv->run, "deleted", res->deleted, err);
	if (!s)
		s = crm_run_count(rv->run, "reinserted", res->reinserted, err);
	if (!s)
		s = crm_run_count(rv->run, "left", (long long)res->nconflicts, err);
	return s;
}

enum crm_status crm_log_revert(struct crm_run *run, int64_t target, int force,
			       struct crm_revert_result *res, struct crm_error *err)
{
	struct reverter rv = { .db = crm_run_db(run), .run = run, .audit = crm_run_audit(run),
			       .target = target, .force = force, .res = res,
			       .children = CRM_STRBUF_INIT };
	struct crm_stmt *st = NULL;
	enum crm_status s;

	memset(res, 0, sizeof(*res));
	s = crm_revert_open(&rv, err);
	if (!s)
		s = check_target(&rv, err);
	/* Rows come and go in the log's reverse order: check references at commit. */
	if (!s)
		s = crm_db_intend(rv.db, CRM_DB_DEFER_KEYS, err);
	if (!s)
		s = revert_changes(&rv, err);
	if (!s && !(st = crm_revert_stmt(&rv, SQL_MARK_REVERTED, err)))
		s = err->code;
	if (!s) {
		crm_stmt_bind_int(st, 1, crm_run_id(run));
		crm_stmt_bind_int(st, 2, target);
		s = crm_stmt_run(st, "cannot mark the run reverted", err);
	}
	if (!s)
		s = count(&rv, err);
	crm_revert_close(&rv);
	return s;
}
