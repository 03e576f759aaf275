#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "chain.h"
#include "customer.h"
#include "strbuf.h"
#include "banned.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

enum audit_stmt {
	ST_INSERT_RUN,
	ST_INSERT_CHANGE,
	ST_LAST_CHANGE,
	ST_FINISH,
	ST_COUNTS,
	ST_COLUMNS,
	ST_DISCARD,
	ST_COUNT,
};

static const char *const audit_sql[ST_COUNT] = {
	[ST_INSERT_RUN] =
		"INSERT INTO runs(command, argv, actor, host, started_at, status, pid)"
		" VALUES (?1, ?2, ?3, ?4, " NOW_SQL ", 'running', ?5)"
		" RETURNING id, started_at",
	[ST_INSERT_CHANGE] =
		"INSERT INTO changes(run_id, tbl, row_id, op, field, old_value, new_value, id, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_LAST_CHANGE] = "SELECT id, hash FROM changes ORDER BY id DESC LIMIT 1",
	[ST_FINISH] =
		"UPDATE runs SET finished_at = " NOW_SQL ", status = ?1, counts = ?2"
		" WHERE id = ?3",
	[ST_COUNTS] = "UPDATE runs SET counts = ?1 WHERE id = ?2",
	/* A run that changed nothing: no row of the log names it. */
	[ST_DISCARD] = "DELETE FROM runs WHERE id = ?1"
		       " AND NOT EXISTS (SELECT 1 FROM changes WHERE run_id = ?1)",
	/* SQLite's own: a table's columns, for the whole-row JSON below. */
	[ST_COLUMNS] = "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
};

/*
 * Two statements are built at run time from identifiers of the program's
 * own (never from input), on these fixed parts:
 *   - the batch: BATCH_HEAD then "(?, ?, ...), (?, ...)" for as many rows
 *     as a batch holds (crm_audit_batch);
 *   - a row whole as JSON: "SELECT json_object('id', "id", ...) FROM "tbl"
 *     WHERE id = ?1" (SQLite's json_object), with the columns ST_COLUMNS
 *     lists and tbl one of crm_logged_tables (row_json_stmt).
 * OR FAIL: without ABORT's promise to undo the statement alone, which would
 * need a statement journal; a failure ends the transaction anyway.
 */
static const char BATCH_HEAD[] =
	"INSERT OR FAIL INTO changes(run_id, tbl, row_id, op, field, old_value, new_value, id,"
	" hash) VALUES ";

/*
 * Rows held back by crm_audit_batch, written up to BATCH_ROWS to an INSERT:
 * a statement per row cost a third of the time of a cleanse's logging. And
 * the batches are large because each multi-row INSERT copies the pages it
 * finds into a statement journal (the foreign key on run_id makes SQLite
 * keep one): with 32 rows a statement that was 4.9 GB of copying for a
 * cleanse of 200,000 customers, with 1024 about 1.2 GB. The texts live in
 * one arena, by offset, so that the caller's memory may go.
 */
#define BATCH_ROWS 1024
#define CHANGE_COLS 9

struct held_text {
	int null;
	size_t off, len;
};

struct held_change {
	int64_t id, row_id;
	const char *op;                   /* one of this file's literals */
	struct held_text tbl, field;
	struct crm_value old_value, new_value;   /* text: s unused, see *_text */
	struct held_text old_text, new_text;
	char hash[CRM_HASH_HEX_LEN + 1];
};

/* Consecutive ids inserted into one table, not yet written to the log. */
struct insert_range {
	int64_t first, last;
	unsigned long order;     /* when the range began, to write ranges in order */
	int open;
};

struct crm_audit {
	struct crm_db *db;
	int64_t run_id;
	struct crm_stmt_table t;
	struct crm_stmt *batch;          /* built by crm_audit_batch */
	/* By index in crm_logged_tables, ntables of them: */
	size_t ntables;
	struct crm_stmt **row_json;      /* built on first use */
	struct insert_range *pending;
	unsigned long ranges_begun;
	char started_at[32];
	char *actor, *command;
	/* The end of the hash chain, read at the first change of each transaction. */
	int chain_loaded;
	int64_t last_id;
	uint8_t last_digest[CRM_HASH_SIZE];
	/* crm_audit_batch: rows held back, and the arena of their texts */
	struct held_change *held;
	size_t nheld, cap;       /* cap: rows to a batch, 1 until crm_audit_batch */
	int broken;              /* held rows were lost: only a rollback may follow */
	struct held_change one;
	struct crm_strbuf arena;
};

static enum crm_status before_commit(void *ctx, struct crm_error *err);
static void on_rollback(void *ctx);

const char *crm_actor(void)
{
	static char buf[256];
	const char *u = getenv("CRM_USER");
	struct passwd *pw;

	if (u && *u) {
		snprintf(buf, sizeof(buf), "%s", u);
		return buf;
	}
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(buf, sizeof(buf), "%s", pw->pw_name);
	else
		snprintf(buf, sizeof(buf), "uid %lu", (unsigned long)geteuid());
	return buf;
}

/* The index of tbl in crm_logged_tables (the customer catalogue's), or -1. */
static int table_index(const char *tbl)
{
	size_t i;

	for (i = 0; tbl && crm_logged_tables[i]; i++)
		if (!strcmp(crm_logged_tables[i], tbl))
			return (int)i;
	return -1;
}

int crm_audit_table_known(const char *tbl)
{
	return crm_table_logged(tbl);
}

static enum crm_status not_audited(const char *tbl, struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_INVALID, "table '%s' is not audited", tbl);
}

/*
 * Prepares "SELECT json_object('id', "id", ...) FROM tbl WHERE id = ?1"
 * from the table's columns, read through cols (ST_COLUMNS): identifiers
 * from the schema and tbl from crm_logged_tables, never from input.
 */
static enum crm_status row_json_stmt(struct crm_db *db, struct crm_stmt *cols, const char *tbl,
				     struct crm_stmt **out, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s = CRM_OK;
	enum crm_step step;
	int n = 0, oom = 0;

	crm_stmt_bind_str_ref(cols, 1, tbl);
	oom |= crm_strbuf_addstr(&sql, "SELECT json_object(");
	while ((step = crm_stmt_step(cols)) == CRM_STEP_ROW) {
		const char *col = crm_stmt_text(cols, 0);

		oom |= crm_strbuf_addf(&sql, "%s'%s', \"%s\"", n++ ? ", " : "", col, col);
	}
	if (step == CRM_STEP_ERROR)
		s = crm_stmt_fail(cols, err, "cannot read table columns");
	else if (n == 0)
		s = crm_error_set(err, CRM_ERR_SCHEMA, "table %s is missing", tbl);
	else if (oom || crm_strbuf_addf(&sql, ") FROM \"%s\" WHERE id = ?1", tbl))
		s = crm_error_nomem(err);
	crm_stmt_clear(cols);
	if (!s)
		s = crm_stmt_prepare(db, sql.buf, out, err);
	crm_strbuf_release(&sql);
	return s;
}

/* Steps a row-JSON statement for row_id; *json is its memory until it is reset. */
static enum crm_status step_row_json(struct crm_stmt *st, const char *tbl, int64_t row_id,
				     const char **json, struct crm_error *err)
{
	enum crm_status s;
	int found;

	*json = NULL;
	crm_stmt_reset(st);
	crm_stmt_bind_int(st, 1, row_id);
	s = crm_stmt_one(st, &found, "cannot read row", err);
	if (s)
		return s;
	if (!found)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "no row %lld in %s",
				     (long long)row_id, tbl);
	*json = crm_stmt_text(st, 0);
	return CRM_OK;
}

enum crm_status crm_audit_row_json(struct crm_db *db, const char *tbl,
				   int64_t row_id, char **json,
				   struct crm_error *err)
{
	struct crm_stmt *cols = NULL, *st = NULL;
	int t = table_index(tbl);
	const char *j;
	enum crm_status s;

	*json = NULL;
	if (t < 0)
		return not_audited(tbl, err);
	s = crm_stmt_prepare(db, audit_sql[ST_COLUMNS], &cols, err);
	if (!s)
		s = row_json_stmt(db, cols, crm_logged_tables[t], &st, err);
	if (!s)
		s = step_row_json(st, tbl, row_id, &j, err);
	if (!s && !(*json = strdup(j)))
		s = crm_error_nomem(err);
	crm_stmt_free(st);
	crm_stmt_free(cols);
	return s;
}

static enum crm_status argv_json(int argc, char *const argv[], char **out)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	int i, oom = crm_strbuf_addch(&sb, '[');

	for (i = 0; i < argc; i++) {
		if (i)
			oom |= crm_strbuf_addch(&sb, ',');
		oom |= crm_strbuf_add_json_string(&sb, argv[i], strlen(argv[i]));
	}
	oom |= crm_strbuf_addch(&sb, ']');
	if (oom) {
		crm_strbuf_release(&sb);
		return CRM_ERR_NOMEM;
	}
	*out = crm_strbuf_detach(&sb, NULL);
	return *out ? CRM_OK : CRM_ERR_NOMEM;
}

/* A new run's memory, its statements not yet prepared. */
static struct crm_audit *audit_new(struct crm_db *db, const char *command,
				   struct crm_error *err)
{
	struct crm_audit *a = calloc(1, sizeof(*a));

	if (!a) {
		crm_error_nomem(err);
		return NULL;
	}
	crm_strbuf_init(&a->arena);
	a->held = &a->one;
	a->cap = 1;
	a->db = db;
	while (crm_logged_tables[a->ntables])
		a->ntables++;
	a->row_json = calloc(a->ntables, sizeof(*a->row_json));
	a->pending = calloc(a->ntables, sizeof(*a->pending));
	a->actor = strdup(crm_actor());
	a->command = strdup(command);
	if (!a->row_json || !a->pending || !a->actor || !a->command)
		crm_error_nomem(err);
	else if (!crm_stmt_table_init(&a->t, db, audit_sql, ST_COUNT, err))
		return a;
	crm_audit_free(a);
	return NULL;
}

/* Inserts the runs row and reads its id and start time back. */
static enum crm_status insert_run(struct crm_audit *a, const char *args, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&a->t, ST_INSERT_RUN, err);
	char host[256] = "";
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "unknown");
	crm_stmt_bind_str_ref(st, 1, a->command);
	crm_stmt_bind_str_ref(st, 2, args);
	crm_stmt_bind_str_ref(st, 3, a->actor);
	crm_stmt_bind_str_ref(st, 4, host);
	crm_stmt_bind_int(st, 5, (int64_t)getpid());
	s = crm_stmt_one(st, &found, "cannot record the run", err);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_DB, "cannot record the run: no row came back");
	if (!s) {
		a->run_id = crm_stmt_int(st, 0);
		snprintf(a->started_at, sizeof(a->started_at), "%s", crm_stmt_text(st, 1));
	}
	/* Reset at once: the insert is complete only when the statement ends. */
	crm_stmt_clear(st);
	return s;
}

enum crm_status crm_audit_start(struct crm_db *db, const char *command,
				int argc, char *const argv[],
				struct crm_audit **out, struct crm_error *err)
{
	struct crm_audit *a;
	char *args = NULL;
	enum crm_status s;

	*out = NULL;
	if (!crm_db_in_transaction(db))
		return crm_error_set(err, CRM_ERR_INTERNAL,
				     "a run must start inside a write transaction");
	a = audit_new(db, command, err);
	if (!a)
		return err->code;
	if (argv_json(argc, argv, &args)) {
		crm_audit_free(a);
		return crm_error_nomem(err);
	}
	s = insert_run(a, args, err);
	free(args);
	if (s) {
		crm_audit_free(a);
		return s;
	}
	crm_db_set_commit_hook(db, before_commit, on_rollback, a);
	*out = a;
	return CRM_OK;
}

int64_t crm_audit_run_id(const struct crm_audit *a)
{
	return a->run_id;
}

const char *crm_audit_started_at(const struct crm_audit *a)
{
	return a->started_at;
}

/* Reads the id and hash of the newest change: the chain goes on from there. */
static enum crm_status load_chain(struct crm_audit *a, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&a->t, ST_LAST_CHANGE, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	a->last_id = 0;
	crm_chain_unhex(NULL, a->last_digest);
	s = crm_stmt_one(st, &found, "cannot read the end of the log", err);
	if (!s && found) {
		a->last_id = crm_stmt_int(st, 0);
		crm_chain_unhex(crm_stmt_text(st, 1), a->last_digest);
	}
	crm_stmt_reset(st);
	if (!s)
		a->chain_loaded = 1;
	return s;
}

static enum crm_status broken(struct crm_error *err)
{
	return crm_error_set(err, CRM_ERR_INTERNAL, "changes of this run could not be logged:"
			     " its transaction must be rolled back");
}

/* Copies n bytes of s (NULL for none) into the arena. */
static int hold_text(struct crm_audit *a, const char *s, size_t n, struct held_text *t)
{
	t->null = !s;
	t->off = a->arena.len;
	t->len = s ? n : 0;
	return s ? crm_strbuf_add(&a->arena, s, n) : 0;
}

static int hold_value(struct crm_audit *a, const struct crm_value *v,
		      struct crm_value *into, struct held_text *t)
{
	*into = *v;
	into->s = NULL;
	return v->type == CRM_VALUE_TEXT ? hold_text(a, v->s, v->len, t) : 0;
}

static void bind_held_text(struct crm_audit *a, struct crm_stmt *st, int i,
			   const struct held_text *t)
{
	/* The arena stays as it is until the statement has run. */
	if (t->null)
		crm_stmt_bind_null(st, i);
	else
		crm_stmt_bind_text_ref(st, i, a->arena.buf + t->off, t->len);
}

static void bind_held_value(struct crm_audit *a, struct crm_stmt *st, int i,
			    const struct crm_value *v, const struct held_text *t)
{
	if (v->type == CRM_VALUE_TEXT)
		bind_held_text(a, st, i, t);
	else
		crm_stmt_bind_value(st, i, v);
}

/* Binds change h to the CHANGE_COLS parameters of st after base. */
static void bind_held(struct crm_audit *a, struct crm_stmt *st, int base,
		      const struct held_change *h)
{
	crm_stmt_bind_int(st, base + 1, a->run_id);
	bind_held_text(a, st, base + 2, &h->tbl);
	crm_stmt_bind_int(st, base + 3, h->row_id);
	crm_stmt_bind_str_ref(st, base + 4, h->op);
	bind_held_text(a, st, base + 5, &h->field);
	bind_held_value(a, st, base + 6, &h->old_value, &h->old_text);
	bind_held_value(a, st, base + 7, &h->new_value, &h->new_text);
	crm_stmt_bind_int(st, base + 8, h->id);
	crm_stmt_bind_text_ref(st, base + 9, h->hash, CRM_HASH_HEX_LEN);
}

/*
 * Writes the held rows, in id order: whole batches through the batch
 * statement, the rest one by one. Whatever happens they are no longer
 * held. After a failure the chain has a gap where they were: the run
 * refuses to log more, and its commit fails, until a rollback.
 */
static enum crm_status flush_held(struct crm_audit *a, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t i = 0, k, n;

	while (i < a->nheld && !s) {
		struct crm_stmt *st;

		n = 1;
		if (a->cap > 1 && a->nheld - i >= a->cap) {
			st = a->batch;
			n = a->cap;
		} else if (!(st = crm_stmt_table_get(&a->t, ST_INSERT_CHANGE, err))) {
			s = err->code;
			a->broken = 1;
			break;
		}
		for (k = 0; k < n; k++)
			bind_held(a, st, (int)(k * CHANGE_COLS), &a->held[i + k]);
		if (crm_stmt_step(st) == CRM_STEP_ERROR) {
			s = crm_stmt_fail(st, err, "cannot log the change");
			a->broken = 1;
		}
		crm_stmt_clear(st);
		i += n;
	}
	a->nheld = 0;
	crm_strbuf_reset(&a->arena);
	return s;
}

/* Takes a copy of link, hashed, to be written by flush_held. */
static enum crm_status hold(struct crm_audit *a, const struct crm_chain_link *l,
			    const char *hash, struct crm_error *err)
{
	struct held_change *h;
	enum crm_status s;

	if (a->nheld == a->cap && (s = flush_held(a, err)))
		return s;
	h = &a->held[a->nheld];
	h->id = l->id;
	h->row_id = l->row_id;
	h->op = l->op;
	memcpy(h->hash, hash, sizeof(h->hash));
	if (hold_text(a, l->tbl, strlen(l->tbl), &h->tbl) ||
	    hold_text(a, l->field.s, l->field.len, &h->field) ||
	    hold_value(a, &l->old_value, &h->old_value, &h->old_text) ||
	    hold_value(a, &l->new_value, &h->new_value, &h->new_text))
		return crm_error_nomem(err);
	a->nheld++;
	return CRM_OK;
}

static enum crm_status write_change(struct crm_audit *a, const char *tbl, int64_t row_id,
				    const char *op, const char *field,
				    const struct crm_value *old_value,
				    const struct crm_value *new_value,
				    struct crm_error *err)
{
	struct crm_value null = crm_value_null();
	struct crm_chain_link l = {
		.run_id = a->run_id, .tbl = tbl, .row_id = row_id, .op = op,
		.field = crm_value_text(field),
		.old_value = old_value ? *old_value : null,
		.new_value = new_value ? *new_value : null,
		.actor = a->actor, .command = a->command, .started_at = a->started_at,
	};
	uint8_t digest[CRM_HASH_SIZE];
	char hash[CRM_HASH_HEX_LEN + 1];
	enum crm_status s;

	if (!crm_db_in_transaction(a->db))
		return crm_error_set(err, CRM_ERR_INTERNAL,
				     "a change must be logged inside its write transaction");
	if (a->broken)
		return broken(err);
	if (!a->chain_loaded && (s = load_chain(a, err)))
		return s;
	l.id = a->last_id + 1;
	crm_chain_digest(a->last_digest, &l, digest);
	crm_chain_hex(digest, hash);
	s = hold(a, &l, hash, err);
	if (!s && a->cap == 1)
		s = flush_held(a, err);
	if (s)
		return s;
	a->last_id = l.id;
	memcpy(a->last_digest, digest, sizeof(digest));
	return CRM_OK;
}

/*
 * Writes the pending insert ranges, oldest first: one changes row per run
 * of consecutive ids, row_id the first and new_value the last. Every other
 * change flushes them first, so the log keeps the order things happened in.
 */
static enum crm_status flush_inserts(struct crm_audit *a, struct crm_error *err)
{
	for (;;) {
		struct insert_range *r = NULL;
		struct crm_value last;
		enum crm_status s;
		size_t i;

		for (i = 0; i < a->ntables; i++)
			if (a->pending[i].open && (!r || a->pending[i].order < r->order))
				r = &a->pending[i];
		if (!r)
			return CRM_OK;
		last = crm_value_int(r->last);
		s = write_change(a, crm_logged_tables[r - a->pending], r->first, "insert", NULL,
				 NULL, &last, err);
		if (s)
			return s;
		r->open = 0;
	}
}

static enum crm_status record(struct crm_audit *a, const char *tbl, int64_t row_id,
			      const char *op, const char *field,
			      const struct crm_value *old_value,
			      const struct crm_value *new_value,
			      struct crm_error *err)
{
	enum crm_status s = flush_inserts(a, err);

	return s ? s : write_change(a, tbl, row_id, op, field, old_value, new_value, err);
}

/*
 * Before a commit or a savepoint: the batched inserts are written, and the
 * next transaction reads the end of the chain anew (another process may
 * log in between).
 */
static enum crm_status before_commit(void *ctx, struct crm_error *err)
{
	struct crm_audit *a = ctx;
	enum crm_status s = crm_audit_flush(a, err);

	a->chain_loaded = 0;
	return s;
}

/* A rolled-back transaction took the pending rows with it. */
static void on_rollback(void *ctx)
{
	struct crm_audit *a = ctx;
	size_t i;

	for (i = 0; i < a->ntables; i++)
		a->pending[i].open = 0;
	a->nheld = 0;
	crm_strbuf_reset(&a->arena);
	a->broken = 0;
	a->chain_loaded = 0;
}

/* Logs row_id of tbl whole (as JSON, the old value) as a change op (into, the new). */
static enum crm_status record_whole(struct crm_audit *a, const char *tbl,
				    int64_t row_id, const char *op,
				    const struct crm_value *into, struct crm_error *err)
{
	int t = table_index(tbl);
	struct crm_stmt *cols;
	struct crm_value row;
	const char *json;
	enum crm_status s;

	if (t < 0)
		return not_audited(tbl, err);
	if (!a->row_json[t]) {
		if (!(cols = crm_stmt_table_get(&a->t, ST_COLUMNS, err)))
			return err->code;
		if ((s = row_json_stmt(a->db, cols, crm_logged_tables[t], &a->row_json[t], err)))
			return s;
	}
	s = step_row_json(a->row_json[t], tbl, row_id, &json, err);
	if (s)
		return s;
	/* json points into the row statement: log before resetting it. */
	row = crm_value_text(json);
	s = record(a, tbl, row_id, op, NULL, &row, into, err);
	crm_stmt_reset(a->row_json[t]);
	return s;
}

enum crm_status crm_audit_insert(struct crm_audit *a, const char *tbl,
				 int64_t row_id, struct crm_error *err)
{
	int t = table_index(tbl);
	struct insert_range *r;

	if (t < 0)
		return not_audited(tbl, err);
	if (!crm_db_in_transaction(a->db))
		return crm_error_set(err, CRM_ERR_INTERNAL,
				     "a change must be logged inside its write transaction");
	r = &a->pending[t];
	if (r->open && row_id == r->last + 1) {
		r->last = row_id;
		return CRM_OK;
	}
	if (r->open) {
		enum crm_status s = flush_inserts(a, err);

		if (s)
			return s;
	}
	r->first = r->last = row_id;
	r->order = a->ranges_begun++;
	r->open = 1;
	return CRM_OK;
}

enum crm_status crm_audit_flush(struct crm_audit *a, struct crm_error *err)
{
	enum crm_status s = a->broken ? broken(err) : flush_inserts(a, err);

	return s ? s : flush_held(a, err);
}

/* The batch statement for rows rows: BATCH_HEAD and a group of parameters per row. */
static enum crm_status prepare_batch(struct crm_audit *a, size_t rows, struct crm_error *err)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	enum crm_status s;
	size_t r, c;
	int failed = crm_strbuf_addstr(&sb, BATCH_HEAD);

	for (r = 0; r < rows && !failed; r++)
		for (c = 0; c < CHANGE_COLS && !failed; c++)
			failed = crm_strbuf_addstr(&sb, c ? ", ?" : r ? "), (?" : "(?");
	if (failed || crm_strbuf_addch(&sb, ')'))
		s = crm_error_nomem(err);
	else
		s = crm_stmt_prepare(a->db, sb.buf, &a->batch, err);
	crm_strbuf_release(&sb);
	return s;
}

/*
 * Prepares the batch INSERT for BATCH_ROWS rows, or for fewer when the
 * database refuses that many parameters to a statement (SQLite's limit is
 * a build option; it is halved until the statement prepares), and makes
 * room to hold them. Below two rows a row at a time still works.
 */
enum crm_status crm_audit_batch(struct crm_audit *a, struct crm_error *err)
{
	struct held_change *held;
	size_t rows;
	enum crm_status s = CRM_ERR_DB;

	if (a->cap > 1)
		return CRM_OK;
	for (rows = BATCH_ROWS; rows >= 2; rows /= 2) {
		s = prepare_batch(a, rows, err);
		if (s != CRM_ERR_DB)
			break;
	}
	if (rows < 2) {
		crm_error_clear(err);
		return CRM_OK;
	}
	if (s)
		return s;
	if (!(held = calloc(rows, sizeof(*held)))) {
		crm_stmt_free(a->batch);
		a->batch = NULL;
		return crm_error_nomem(err);
	}
	/* Nothing is held here: every row went out when the run was one at a time. */
	a->held = held;
	a->cap = rows;
	return CRM_OK;
}

enum crm_status crm_audit_update(struct crm_audit *a, const char *tbl,
				 int64_t row_id, const char *field,
				 const struct crm_value *old_value,
				 const struct crm_value *new_value,
				 struct crm_error *err)
{
	if (!field || !*field)
		return crm_error_set(err, CRM_ERR_INVALID, "an update needs a field name");
	return record(a, tbl, row_id, "update", field, old_value, new_value, err);
}

enum crm_status crm_audit_delete(struct crm_audit *a, const char *tbl,
				 int64_t row_id, struct crm_error *err)
{
	return record_whole(a, tbl, row_id, "delete", NULL, err);
}

enum crm_status crm_audit_merge(struct crm_audit *a, const char *tbl,
				int64_t row_id, int64_t into_id,
				struct crm_error *err)
{
	struct crm_value into = crm_value_int(into_id);

	return record_whole(a, tbl, row_id, "merge", &into, err);
}

enum crm_status crm_audit_finish(struct crm_audit *a, const char *status,
				 const char *counts_json, struct crm_error *err)
{
	enum crm_status s = crm_audit_flush(a, err);
	struct crm_stmt *st;

	if (s)
		return s;
	if (!(st = crm_stmt_table_get(&a->t, ST_FINISH, err)))
		return err->code;
	crm_stmt_bind_str_ref(st, 1, status);
	crm_stmt_bind_str_ref(st, 2, counts_json);
	crm_stmt_bind_int(st, 3, a->run_id);
	s = crm_stmt_run(st, "cannot record the end of the run", err);
	crm_stmt_clear(st);
	return s;
}

enum crm_status crm_audit_discard(struct crm_audit *a, struct crm_error *err)
{
	enum crm_status s = crm_audit_flush(a, err);
	struct crm_stmt *st;

	if (s)
		return s;
	if (!(st = crm_stmt_table_get(&a->t, ST_DISCARD, err)))
		return err->code;
	crm_stmt_bind_int(st, 1, a->run_id);
	return crm_stmt_run(st, "cannot drop the run", err);
}

enum crm_status crm_audit_counts(struct crm_audit *a, const char *counts_json,
				 struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&a->t, ST_COUNTS, err);
	enum crm_status s;

	if (!st)
		return err->code;
	crm_stmt_bind_str_ref(st, 1, counts_json);
	crm_stmt_bind_int(st, 2, a->run_id);
	s = crm_stmt_run(st, "cannot record the counts", err);
	crm_stmt_clear(st);
	return s;
}

void crm_audit_free(struct crm_audit *a)
{
	size_t i;

	if (!a)
		return;
	/*
	 * Rows still held (or insert ranges pending) are written now: freed
	 * before its commit, the run still logs what it did. If that fails,
	 * the transaction is rolled back rather than committed without them.
	 */
	if (a->run_id && crm_db_in_transaction(a->db)) {
		struct crm_error e;

		if (crm_audit_flush(a, &e))
			crm_db_rollback(a->db);
	}
	if (a->run_id)
		crm_db_set_commit_hook(a->db, NULL, NULL, NULL);
	crm_stmt_table_release(&a->t);
	crm_stmt_free(a->batch);
	for (i = 0; a->row_json && i < a->ntables; i++)
		crm_stmt_free(a->row_json[i]);
	free(a->row_json);
	free(a->pending);
	crm_strbuf_release(&a->arena);
	if (a->held != &a->one)
		free(a->held);
	free(a->actor);
	free(a->command);
	free(a);
}
