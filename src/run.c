#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"
#include "strbuf.h"
#include "banned.h"

struct run_count {
	const char *name;
	long long n;
};

struct crm_run {
	struct crm_db *db;
	struct crm_audit *audit;
	unsigned flags;
	int in_part;        /* a part's transaction or savepoint is open */
	long parts;         /* parts committed */
	int finished;       /* the runs row has its end */
	struct run_count *counts;
	size_t ncounts, alloc;
	/*
	 * The counts when the open part began: a part that is dropped, or
	 * whose commit fails, takes its counts with it, so that the runs row
	 * counts only what was committed (#12: a full disk's failed commit was
	 * logged with the counts of work never done).
	 */
	struct run_count *kept;
	size_t nkept;
};

static const char *status_name(enum crm_run_status s)
{
	switch (s) {
	case CRM_RUN_OK: return "ok";
	case CRM_RUN_ATTENTION: return "rejected";
	case CRM_RUN_FAILED: return "failed";
	}
	return "failed";
}

enum crm_status crm_run_begin(struct crm_db *db, const char *command, int argc,
			      char *const argv[], unsigned flags, struct crm_run **out,
			      struct crm_error *err)
{
	struct crm_run *r = calloc(1, sizeof(*r));
	enum crm_status s;

	*out = NULL;
	if (!r)
		return crm_error_nomem(err);
	r->db = db;
	r->flags = flags;
	s = crm_db_begin(db, err);
	if (!s)
		s = crm_audit_start(db, command, argc, argv, &r->audit, err);
	/* Before anyone can see the run: so that it is never taken for killed. */
	if (!s && !(flags & CRM_RUN_DRY))
		s = crm_db_hold_run(db, crm_audit_run_id(r->audit), err);
	/* A run in parts keeps its runs row whatever becomes of the parts. */
	if (!s && (flags & CRM_RUN_PARTS) && !(flags & CRM_RUN_DRY))
		s = crm_db_commit(db, err);
	if (s) {
		crm_db_rollback(db);
		crm_audit_free(r->audit);
		free(r);
		return s;
	}
	*out = r;
	return CRM_OK;
}

struct crm_audit *crm_run_audit(struct crm_run *r) { return r->audit; }
int64_t crm_run_id(const struct crm_run *r) { return crm_audit_run_id(r->audit); }
const char *crm_run_started_at(const struct crm_run *r) { return crm_audit_started_at(r->audit); }
struct crm_db *crm_run_db(struct crm_run *r) { return r->db; }
int crm_run_is_dry(const struct crm_run *r) { return (r->flags & CRM_RUN_DRY) != 0; }
long crm_run_parts(const struct crm_run *r) { return r->parts; }

static struct run_count *find_count(const struct crm_run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncounts; i++)
		if (!strcmp(r->counts[i].name, name))
			return &r->counts[i];
	return NULL;
}

static enum crm_status set_count(struct crm_run *r, const char *name, long long n, int add,
				 struct crm_error *err)
{
	struct run_count *c = find_count(r, name);

	if (!c) {
		if (r->ncounts == r->alloc) {
			size_t alloc = r->alloc ? 2 * r->alloc : 16;
			struct run_count *p = realloc(r->counts, alloc * sizeof(*p));

			if (!p)
				return crm_error_nomem(err);
			r->counts = p;
			r->alloc = alloc;
		}
		c = &r->counts[r->ncounts++];
		c->name = name;
		c->n = 0;
	}
	c->n = add ? c->n + n : n;
	return CRM_OK;
}

enum crm_status crm_run_count(struct crm_run *r, const char *name, long long n,
			      struct crm_error *err)
{
	return set_count(r, name, n, 0, err);
}

enum crm_status crm_run_add(struct crm_run *r, const char *name, long long n,
			    struct crm_error *err)
{
	return set_count(r, name, n, 1, err);
}

long long crm_run_get(const struct crm_run *r, const char *name)
{
	const struct run_count *c = find_count(r, name);

	return c ? c->n : 0;
}

char *crm_run_counts_json(const struct crm_run *r)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	size_t i;
	int bad = crm_strbuf_addch(&sb, '{');

	/* Names are the program's own identifiers: nothing in them needs quoting. */
	for (i = 0; !bad && i < r->ncounts; i++)
		bad = crm_strbuf_addf(&sb, "%s\"%s\":%lld", i ? "," : "", r->counts[i].name,
				      r->counts[i].n);
	if (bad || crm_strbuf_addch(&sb, '}')) {
		crm_strbuf_release(&sb);
		return NULL;
	}
	return crm_strbuf_detach(&sb, NULL);
}

/* Writes the run's counts, and its end when status is given, in the open transaction. */
static enum crm_status record(struct crm_run *r, const enum crm_run_status *status,
			      struct crm_error *err)
{
	char *json = crm_run_counts_json(r);
	enum crm_status s;

	if (!json)
		return crm_error_nomem(err);
	s = status ? crm_audit_finish(r->audit, status_name(*status), json, err)
		   : crm_audit_counts(r->audit, json, err);
	free(json);
	if (!s && status)
		r->finished = 1;
	return s;
}

/* Notes the counts as they are, for forget_part() to go back to. */
static enum crm_status keep_counts(struct crm_run *r, struct crm_error *err)
{
	struct run_count *k = NULL;

	if (r->ncounts && !(k = malloc(r->ncounts * sizeof(*k))))
		return crm_error_nomem(err);
	if (k)
		memcpy(k, r->counts, r->ncounts * sizeof(*k));
	free(r->kept);
	r->kept = k;
	r->nkept = r->ncounts;
	return CRM_OK;
}

/* The part's counts go with it: back to those kept when it began. */
static void forget_part(struct crm_run *r)
{
	/* counts has room: it held at least these when they were kept. */
	if (r->nkept)
		memcpy(r->counts, r->kept, r->nkept * sizeof(*r->kept));
	r->ncounts = r->nkept;
}

enum crm_status crm_run_part_begin(struct crm_run *r, struct crm_error *err)
{
	enum crm_status s;

	if (r->in_part)
		return crm_error_set(err, CRM_ERR_INTERNAL, "a part of the run is already open");
	s = keep_counts(r, err);
	if (!s)
		s = crm_run_is_dry(r) ? crm_db_savepoint(r->db, err) : crm_db_begin(r->db, err);
	if (!s)
		r->in_part = 1;
	return s;
}

/*
 * Between two parts: a writer woken when the lock was let go takes it now.
 * Without the pause, this process's next part, asking at once, won the
 * lock again and again (flock hands it to no one in particular), and a
 * writer waited behind a long cleanse as if it were one transaction (#12).
 */
static void yield_lock(void)
{
	const struct timespec pause = { 0, 2 * 1000 * 1000 };

	nanosleep(&pause, NULL);
}

enum crm_status crm_run_part_commit(struct crm_run *r, int last,
				    enum crm_run_status status, struct crm_error *err)
{
	enum crm_status s;

	if (!r->in_part)
		return crm_error_set(err, CRM_ERR_INTERNAL, "no part of the run is open");
	if (crm_run_is_dry(r)) {
		s = crm_db_release_savepoint(r->db, err);
		if (s)
			crm_run_part_abort(r);
		r->in_part = 0;
		return s;
	}
	s = record(r, last ? &status : NULL, err);
	if (!s)
		s = crm_db_commit(r->db, err);
	if (s) {
		r->finished = 0;
		crm_db_rollback(r->db);
		forget_part(r);
	} else {
		r->parts++;
		crm_db_checkpoint(r->db);
		if (!last)
			yield_lock();
	}
	r->in_part = 0;
	return s;
}

void crm_run_part_abort(struct crm_run *r)
{
	if (!r->in_part)
		return;
	if (crm_run_is_dry(r))
		crm_db_rollback_to_savepoint(r->db);
	else
		crm_db_rollback(r->db);
	forget_part(r);
	r->in_part = 0;
}

enum crm_status crm_run_finish(struct crm_run *r, enum crm_run_status status,
			       struct crm_error *err)
{
	enum crm_status s;

	crm_run_part_abort(r);
	if (crm_run_is_dry(r)) {
		crm_db_rollback(r->db);
		return CRM_OK;
	}
	if (r->finished)
		return CRM_OK;
	/* A run in parts has no transaction open between its parts. */
	if ((r->flags & CRM_RUN_PARTS) && (s = crm_db_begin(r->db, err)))
		return s;
	/*
	 * One that failed before any part was kept changed nothing (a --map
	 * naming no column, say): it leaves no run behind.
	 */
	if ((r->flags & CRM_RUN_PARTS) && status == CRM_RUN_FAILED && !r->parts)
		s = crm_audit_discard(r->audit, err);
	else
		s = record(r, &status, err);
	if (!s)
		s = crm_db_commit(r->db, err);
	if (s) {
		r->finished = 0;
		crm_db_rollback(r->db);
	}
	return s;
}

void crm_run_abort(struct crm_run *r)
{
	if (!r)
		return;
	r->in_part = 0;
	crm_db_rollback(r->db);
}

void crm_run_free(struct crm_run *r)
{
	if (!r)
		return;
	if (crm_db_in_transaction(r->db))
		crm_db_rollback(r->db);
	crm_audit_free(r->audit);
	free(r->counts);
	free(r->kept);
	free(r);
}

int crm_run_gone(struct crm_db *db, int64_t run, int64_t pid)
{
	/* No pid: a run of schema 9 or before, which holds no lock to look at. */
	return pid > 0 && crm_db_run_alive(db, run) == 0;
}
