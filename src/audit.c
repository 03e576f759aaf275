#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbint.h"
#include "audit.h"
#include "chain.h"
#include "strbuf.h"
#include "banned.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

/* Tables with an `id` key whose rows the log can capture and restore whole. */
static const char *const known_tables[] = {
	"customers", "source_records", "orders", "interactions", "segments", "exports",
	"field_definitions",
};
#define NTABLES (sizeof(known_tables) / sizeof(known_tables[0]))

enum audit_stmt {
	ST_INSERT_CHANGE,
	ST_INSERT_BATCH,
	ST_FINISH,
	ST_LAST_CHANGE,
	ST_COUNT,
};

static const char *const audit_sql[ST_COUNT] = {
	[ST_INSERT_CHANGE] =
		"INSERT INTO changes(run_id, tbl, row_id, op, field, old_value, new_value, id, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_INSERT_BATCH] = NULL,     /* built by batch_sql() */
	[ST_LAST_CHANGE] = "SELECT id, hash FROM changes ORDER BY id DESC LIMIT 1",
	[ST_FINISH] =
		"UPDATE runs SET finished_at = " NOW_SQL ", status = ?1, counts = ?2"
		" WHERE id = ?3",
};

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
	sqlite3_stmt *st[ST_COUNT];
	sqlite3_stmt *row_json[NTABLES];
	struct insert_range pending[NTABLES];
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

static int table_index(const char *tbl)
{
	size_t i;

	for (i = 0; i < NTABLES; i++)
		if (!strcmp(known_tables[i], tbl))
			return (int)i;
	return -1;
}

int crm_audit_table_known(const char *tbl)
{
	return table_index(tbl) >= 0;
}

/*
 * Builds "SELECT json_object('id', id, 'name', name, ...) FROM tbl WHERE
 * id = ?1" from the table's own column list: the identifiers come from the
 * schema (and tbl from known_tables), never from input.
 */
static enum crm_status row_json_stmt(struct crm_db *db, int t, sqlite3_stmt **out,
				     struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	sqlite3_stmt *info;
	enum crm_status s;
	int rc, n = 0, oom = 0;

	s = crm_db_prepare(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
			   &info, err);
	if (s)
		return s;
	sqlite3_bind_text(info, 1, known_tables[t], -1, SQLITE_STATIC);
	oom |= crm_strbuf_addstr(&sql, "SELECT json_object(");
	while ((rc = sqlite3_step(info)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(info, 0);

		oom |= crm_strbuf_addf(&sql, "%s'%s', \"%s\"", n++ ? ", " : "", col, col);
	}
	if (rc != SQLITE_DONE) {
		s = crm_db_fail(db, rc, err, "cannot read table columns");
		goto out;
	}
	if (n == 0) {
		s = crm_error_set(err, CRM_ERR_SCHEMA, "table %s is missing", known_tables[t]);
		goto out;
	}
	oom |= crm_strbuf_addf(&sql, ") FROM \"%s\" WHERE id = ?1", known_tables[t]);
	if (oom) {
		s = crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
		goto out;
	}
	s = crm_db_prepare(db, sql.buf, out, err);
out:
	sqlite3_finalize(info);
	crm_strbuf_release(&sql);
	return s;
}

/* Steps a prepared row-JSON statement for row_id; *json is sqlite's memory. */
static enum crm_status step_row_json(struct crm_db *db, sqlite3_stmt *st,
				     const char *tbl, int64_t row_id,
				     const char **json, struct crm_error *err)
{
	int rc;

	*json = NULL;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, row_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*json = (const char *)sqlite3_column_text(st, 0);
		return CRM_OK;
	}
	if (rc == SQLITE_DONE)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "no row %lld in %s",
				     (long long)row_id, tbl);
	return crm_db_fail(db, rc, err, "cannot read row");
}

enum crm_status crm_audit_row_json(struct crm_db *db, const char *tbl,
				   int64_t row_id, char **json,
				   struct crm_error *err)
{
	int t = table_index(tbl);
	sqlite3_stmt *st;
	const char *j;
	enum crm_status s;

	*json = NULL;
	if (t < 0)
		return crm_error_set(err, CRM_ERR_INVALID, "table '%s' is not audited", tbl);
	s = row_json_stmt(db, t, &st, err);
	if (s)
		return s;
	s = step_row_json(db, st, tbl, row_id, &j, err);
	if (!s) {
		*json = strdup(j);
		if (!*json)
			s = crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
	}
	sqlite3_finalize(st);
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

enum crm_status crm_audit_start(struct crm_db *db, const char *command,
				int argc, char *const argv[],
				struct crm_audit **out, struct crm_error *err)
{
	struct crm_audit *a;
	sqlite3_stmt *st = NULL;
	char host[256] = "";
	char *args = NULL;
	enum crm_status s;
	int i, rc;

	*out = NULL;
	if (!crm_db_in_transaction(db))
		return crm_error_set(err, CRM_ERR_INTERNAL,
				     "a run must start inside a write transaction");
	a = calloc(1, sizeof(*a));
	if (a) {
		crm_strbuf_init(&a->arena);
		a->held = &a->one;
		a->cap = 1;
	}
	if (!a || argv_json(argc, argv, &args)) {
		free(a);
		return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
	}
	a->db = db;
	a->actor = strdup(crm_actor());
	a->command = strdup(command);
	if (!a->actor || !a->command) {
		s = crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		s = audit_sql[i] ? crm_db_prepare(db, audit_sql[i], &a->st[i], err) : CRM_OK;
		if (s)
			goto fail;
	}
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "unknown");
	s = crm_db_prepare(db,
			   "INSERT INTO runs(command, argv, actor, host, started_at, status)"
			   " VALUES (?1, ?2, ?3, ?4, " NOW_SQL ", 'running')"
			   " RETURNING id, started_at", &st, err);
	if (s)
		goto fail;
	sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, args, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		s = crm_db_fail(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, err,
				"cannot record the run");
		goto fail;
	}
	a->run_id = sqlite3_column_int64(st, 0);
	snprintf(a->started_at, sizeof(a->started_at), "%s", (const char *)sqlite3_column_text(st, 1));
	/* Finalized at once: the insert is complete only when the statement ends. */
	sqlite3_finalize(st);
	free(args);
	crm_db_set_commit_hook(db, before_commit, on_rollback, a);
	*out = a;
	return CRM_OK;
fail:
	sqlite3_finalize(st);
	free(args);
	crm_audit_free(a);
	return s;
}

int64_t crm_audit_run_id(const struct crm_audit *a)
{
	return a->run_id;
}

const char *crm_audit_started_at(const struct crm_audit *a)
{
	return a->started_at;
}

static enum crm_status flush_inserts(struct crm_audit *a, struct crm_error *err);

/* Reads the id and hash of the newest change: the chain goes on from there. */
static enum crm_status load_chain(struct crm_audit *a, struct crm_error *err)
{
	sqlite3_stmt *st = a->st[ST_LAST_CHANGE];
	int rc = sqlite3_step(st);

	a->last_id = 0;
	crm_chain_unhex(NULL, a->last_digest);
	if (rc == SQLITE_ROW) {
		a->last_id = sqlite3_column_int64(st, 0);
		crm_chain_unhex((const char *)sqlite3_column_text(st, 1), a->last_digest);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return crm_db_fail(a->db, rc, err, "cannot read the end of the log");
	a->chain_loaded = 1;
	return CRM_OK;
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

static void bind_held_text(struct crm_audit *a, sqlite3_stmt *st, int i,
			   const struct held_text *t)
{
	/* The arena stays as it is until the statement has run. */
	if (t->null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text64(st, i, a->arena.buf + t->off, t->len, SQLITE_STATIC,
				    SQLITE_UTF8);
}

static void bind_held_value(struct crm_audit *a, sqlite3_stmt *st, int i,
			    const struct crm_value *v, const struct held_text *t)
{
	if (v->type == CRM_VALUE_TEXT)
		bind_held_text(a, st, i, t);
	else
		crm_value_bind(st, i, v);
}

/* Binds change h to the CHANGE_COLS parameters of st after base. */
static void bind_held(struct crm_audit *a, sqlite3_stmt *st, int base,
		      const struct held_change *h)
{
	sqlite3_bind_int64(st, base + 1, a->run_id);
	bind_held_text(a, st, base + 2, &h->tbl);
	sqlite3_bind_int64(st, base + 3, h->row_id);
	sqlite3_bind_text(st, base + 4, h->op, -1, SQLITE_STATIC);
	bind_held_text(a, st, base + 5, &h->field);
	bind_held_value(a, st, base + 6, &h->old_value, &h->old_text);
	bind_held_value(a, st, base + 7, &h->new_value, &h->new_text);
	sqlite3_bind_int64(st, base + 8, h->id);
	sqlite3_bind_text(st, base + 9, h->hash, CRM_HASH_HEX_LEN, SQLITE_STATIC);
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
		sqlite3_stmt *st = a->st[ST_INSERT_CHANGE];
		int rc;

		n = 1;
		if (a->cap > 1 && a->nheld - i >= a->cap) {
			st = a->st[ST_INSERT_BATCH];
			n = a->cap;
		}
		for (k = 0; k < n; k++)
			bind_held(a, st, (int)(k * CHANGE_COLS), &a->held[i + k]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE) {
			s = crm_db_fail(a->db, rc, err, "cannot log the change");
			a->broken = 1;
		}
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
		return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
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

		for (i = 0; i < NTABLES; i++)
			if (a->pending[i].open && (!r || a->pending[i].order < r->order))
				r = &a->pending[i];
		if (!r)
			return CRM_OK;
		last = crm_value_int(r->last);
		s = write_change(a, known_tables[r - a->pending], r->first, "insert", NULL,
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

	for (i = 0; i < NTABLES; i++)
		a->pending[i].open = 0;
	a->nheld = 0;
	crm_strbuf_reset(&a->arena);
	a->broken = 0;
	a->chain_loaded = 0;
}

/* Reads the whole row as JSON through the run's cached statement. */
static enum crm_status capture_row(struct crm_audit *a, const char *tbl,
				   int64_t row_id, struct crm_value *v,
				   struct crm_error *err)
{
	int t = table_index(tbl);
	enum crm_status s;
	const char *json;

	if (t < 0)
		return crm_error_set(err, CRM_ERR_INVALID, "table '%s' is not audited", tbl);
	if (!a->row_json[t]) {
		s = row_json_stmt(a->db, t, &a->row_json[t], err);
		if (s)
			return s;
	}
	s = step_row_json(a->db, a->row_json[t], tbl, row_id, &json, err);
	if (s)
		return s;
	*v = crm_value_text(json);
	return CRM_OK;
}

static enum crm_status record_whole(struct crm_audit *a, const char *tbl,
				    int64_t row_id, const char *op,
				    const struct crm_value *into, struct crm_error *err)
{
	struct crm_value row;
	enum crm_status s = capture_row(a, tbl, row_id, &row, err);

	if (s)
		return s;
	/* row.s points into the row statement: log before resetting it. */
	s = record(a, tbl, row_id, op, NULL, &row, into, err);
	sqlite3_reset(a->row_json[table_index(tbl)]);
	return s;
}

enum crm_status crm_audit_insert(struct crm_audit *a, const char *tbl,
				 int64_t row_id, struct crm_error *err)
{
	int t = table_index(tbl);
	struct insert_range *r;

	if (t < 0)
		return crm_error_set(err, CRM_ERR_INVALID, "table '%s' is not audited", tbl);
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

/*
 * Prepares "INSERT INTO changes(...) VALUES (?, ...), ..." for as many rows
 * as BATCH_ROWS and the library's limit on parameters allow, and makes room
 * to hold them.
 */
enum crm_status crm_audit_batch(struct crm_audit *a, struct crm_error *err)
{
	int limit = sqlite3_limit(crm_db_handle(a->db), SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	struct held_change *held;
	size_t r, c, rows = BATCH_ROWS;
	enum crm_status s;
	int failed;

	if (a->cap > 1)
		return CRM_OK;
	if (limit > 0 && (size_t)limit / CHANGE_COLS < rows)
		rows = (size_t)limit / CHANGE_COLS;
	if (rows < 2)
		return CRM_OK;   /* no room for a batch: a row at a time still works */
	/*
	 * OR FAIL: without ABORT's promise to undo the statement alone, which
	 * would need a statement journal; a failure ends the transaction anyway.
	 */
	failed = crm_strbuf_addstr(&sb, "INSERT OR FAIL INTO changes(run_id, tbl, row_id, op, field,"
				   " old_value, new_value, id, hash) VALUES ");
	for (r = 0; r < rows && !failed; r++)
		for (c = 0; c < CHANGE_COLS && !failed; c++)
			failed = crm_strbuf_addstr(&sb, c ? ", ?" : r ? "), (?" : "(?");
	held = failed ? NULL : calloc(rows, sizeof(*held));
	if (!held || crm_strbuf_addch(&sb, ')')) {
		free(held);
		crm_strbuf_release(&sb);
		return crm_error_set(err, CRM_ERR_NOMEM, "out of memory");
	}
	s = crm_db_prepare(a->db, sb.buf, &a->st[ST_INSERT_BATCH], err);
	crm_strbuf_release(&sb);
	if (s) {
		free(held);
		return s;
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
	sqlite3_stmt *st = a->st[ST_FINISH];
	enum crm_status s = crm_audit_flush(a, err);

	if (s)
		return s;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	if (counts_json)
		sqlite3_bind_text(st, 2, counts_json, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, a->run_id);
	s = crm_db_step_done(a->db, st, "cannot record the end of the run", err);
	sqlite3_clear_bindings(st);
	return s;
}

enum crm_status crm_audit_counts(struct crm_audit *a, const char *counts_json,
				 struct crm_error *err)
{
	sqlite3_stmt *st = NULL;
	enum crm_status s = crm_db_prepare(a->db, "UPDATE runs SET counts = ?1 WHERE id = ?2",
					   &st, err);

	if (s)
		return s;
	sqlite3_bind_text(st, 1, counts_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->run_id);
	s = crm_db_step_done(a->db, st, "cannot record the counts", err);
	sqlite3_finalize(st);
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
	if (a->db && crm_db_in_transaction(a->db)) {
		struct crm_error e;

		if (crm_audit_flush(a, &e))
			crm_db_rollback(a->db);
	}
	if (a->db)
		crm_db_set_commit_hook(a->db, NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(a->st[i]);
	for (i = 0; i < NTABLES; i++)
		sqlite3_finalize(a->row_json[i]);
	crm_strbuf_release(&a->arena);
	if (a->held != &a->one)
		free(a->held);
	free(a->actor);
	free(a->command);
	free(a);
}
