/*
 * Forget: a person erased from every table and from the log, which is
 * sealed again; a tombstone says who did it, when and why.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "customer.h"
#include "erasure.h"
#include "forget.h"
#include "logsql.h"
#include "run.h"
#include "strbuf.h"
#include "banned.h"

enum forget_sql {
	SQL_FORGET_TEMP,
	SQL_FORGET_WHO,
	SQL_FORGET_ROWS,
	SQL_FORGET_KEYS,
	SQL_FORGET_NAMED_KEY,
	SQL_FORGET_REMOVED_KEYS,
	SQL_FIND_REMOVED_KEY,
	SQL_FIND_REMOVED_ID,
	SQL_KEYS_OF,
	SQL_FORGET_NOBODY,
	SQL_FORGET_COUNT,
	SQL_FORGET_SPANS,
	SQL_FORGET_COPIES,
	SQL_FORGET_BLANK,
	SQL_FORGET_REMOVE,
	SQL_TOMBSTONE,
	SQL_COUNT
};

/*
 * Which changes hold the person's values. Ids are reused after rows are
 * deleted, so a row's changes belong to the person only from the last
 * delete of that id before them: each (table, id) gets the span of change
 * ids (lo, hi] that is theirs. Their current rows are theirs from their
 * last delete on; earlier rows of theirs that a run removed (a reverted
 * import, say) are found through the copies of their source records, by
 * source and key, and the customer and order copies the same run removed.
 */
#define PREV_DELETE(t, i, before) \
	"coalesce((SELECT max(d.id) FROM changes d WHERE d.tbl = " t " AND d.row_id = " i \
	" AND d.op = 'delete' AND d.id < " before "), 0)"

static const char *const forget_sql[SQL_COUNT] = {
	/* The person's rows in every table, in temp tables for the steps below. */
	[SQL_FORGET_TEMP] =
		"DROP TABLE IF EXISTS temp.crm_forget_who;"
		"DROP TABLE IF EXISTS temp.crm_forget_rows;"
		"DROP TABLE IF EXISTS temp.crm_forget_keys;"
		"CREATE TEMP TABLE crm_forget_who(id INTEGER PRIMARY KEY);"
		"CREATE TEMP TABLE crm_forget_keys(source TEXT NOT NULL, source_key TEXT NOT NULL,"
		" PRIMARY KEY (source, source_key)) WITHOUT ROWID;"
		"CREATE TEMP TABLE crm_forget_rows(tbl TEXT NOT NULL, id INTEGER NOT NULL,"
		" PRIMARY KEY (tbl, id)) WITHOUT ROWID;",
	[SQL_FORGET_WHO] =
		"INSERT INTO temp.crm_forget_who(id)"
		" WITH RECURSIVE " CRM_CUSTOMER_WHO_SQL " SELECT id FROM who",
	/* Their rows in every table of the catalogue (crm_log_sql_rows). */
	[SQL_FORGET_ROWS] = "INSERT INTO temp.crm_forget_rows " CRM_LOG_PART,
	[SQL_FORGET_COUNT] = "SELECT count(*) FROM temp.crm_forget_rows WHERE tbl = ?1",
	/*
	 * The source keys that are the person's: those of their source records,
	 * the one they were named by, and, for a person a run removed, those of
	 * the source records that run removed with their customer row.
	 */
	[SQL_FORGET_KEYS] =
		"INSERT OR IGNORE INTO temp.crm_forget_keys SELECT source, source_key"
		" FROM source_records WHERE customer_id IN temp.crm_forget_who",
	[SQL_FORGET_NAMED_KEY] = "INSERT OR IGNORE INTO temp.crm_forget_keys VALUES (?1, ?2)",
	[SQL_FORGET_REMOVED_KEYS] =
		"INSERT OR IGNORE INTO temp.crm_forget_keys"
		" SELECT json_extract(c.old_value, '$.source'), json_extract(c.old_value, '$.source_key')"
		" FROM changes d JOIN changes c ON c.tbl = 'source_records' AND c.run_id = d.run_id"
		"  AND c.op IN ('delete', 'merge') AND json_valid(c.old_value)"
		"  AND json_extract(c.old_value, '$.customer_id') = d.row_id"
		" WHERE d.tbl = 'customers' AND d.row_id = ?1 AND d.op IN ('delete', 'merge')"
		"  AND d.old_value IS NOT NULL",
	/* A person no row is left of: the customer of the latest removed copy of the key. */
	[SQL_FIND_REMOVED_KEY] =
		"SELECT json_extract(old_value, '$.customer_id') FROM changes"
		" WHERE tbl = 'source_records' AND op IN ('delete', 'merge') AND json_valid(old_value)"
		" AND json_extract(old_value, '$.source') = ?1"
		" AND json_extract(old_value, '$.source_key') = ?2 ORDER BY id DESC LIMIT 1",
	[SQL_KEYS_OF] = "SELECT source, source_key FROM temp.crm_forget_keys",
	[SQL_FORGET_NOBODY] = "DELETE FROM temp.crm_forget_who",
	[SQL_FIND_REMOVED_ID] =
		"SELECT row_id FROM changes WHERE tbl = 'customers' AND row_id = ?1"
		" AND op IN ('delete', 'merge') AND old_value IS NOT NULL LIMIT 1",
	[SQL_FORGET_SPANS] =
		"DROP TABLE IF EXISTS temp.crm_forget_spans;"
		"CREATE TEMP TABLE crm_forget_spans(tbl TEXT NOT NULL, id INTEGER NOT NULL,"
		" lo INTEGER NOT NULL, hi INTEGER NOT NULL);"
		"INSERT INTO temp.crm_forget_spans SELECT r.tbl, r.id,"
		" " PREV_DELETE("r.tbl", "r.id", "9223372036854775807") ", 9223372036854775807"
		" FROM temp.crm_forget_rows r;"
		/* Earlier source records of theirs, removed by some run: by source and key. */
		"INSERT INTO temp.crm_forget_spans SELECT 'source_records', c.row_id,"
		" " PREV_DELETE("'source_records'", "c.row_id", "c.id") ", c.id"
		" FROM changes c WHERE c.tbl = 'source_records' AND c.op IN ('delete', 'merge')"
		" AND json_valid(c.old_value) AND EXISTS (SELECT 1 FROM temp.crm_forget_keys k"
		"  WHERE k.source = json_extract(c.old_value, '$.source')"
		"  AND k.source_key = json_extract(c.old_value, '$.source_key'));"
		/* The customer rows those belonged to, removed by the same run. */
		"INSERT INTO temp.crm_forget_spans SELECT d.tbl, d.row_id,"
		" " PREV_DELETE("d.tbl", "d.row_id", "d.id") ", d.id"
		" FROM temp.crm_forget_spans s JOIN changes c ON c.tbl = 'source_records'"
		"  AND c.row_id = s.id AND c.id = s.hi"
		" JOIN changes d ON d.tbl = 'customers' AND d.op IN ('delete', 'merge')"
		"  AND d.run_id = c.run_id AND d.row_id = json_extract(c.old_value, '$.customer_id')"
		" WHERE s.tbl = 'source_records' AND s.hi < 9223372036854775807;",
	/*
	 * The rows of a customer row of theirs (order lines, interactions ...)
	 * that some run removed while the customer's id was theirs, within the
	 * customer's span (a revert of their orders before a revert of the
	 * customer, say): owners(tbl, path) says, for each table of the
	 * catalogue, where a copy names its customer (owners_part()).
	 */
	[SQL_FORGET_COPIES] =
		"WITH owners(tbl, path) AS (VALUES " CRM_LOG_PART ")"
		" INSERT INTO temp.crm_forget_spans SELECT o.tbl, o.row_id,"
		" " PREV_DELETE("o.tbl", "o.row_id", "o.id") ", o.id"
		" FROM temp.crm_forget_spans s JOIN owners w JOIN changes o"
		"  ON o.tbl = w.tbl AND o.op IN ('delete', 'merge')"
		"  AND json_valid(o.old_value) AND json_extract(o.old_value, w.path) = s.id"
		"  AND o.id > s.lo AND o.id <= s.hi"
		" WHERE s.tbl = 'customers'",
	/*
	 * Values of the person in the log: every change to their rows, and the
	 * copies of removed or merged rows that belonged to them. An insert's
	 * new_value and a merge's are row ids, not their data, and stay.
	 */
	[SQL_FORGET_BLANK] =
		"UPDATE changes SET old_value = NULL,"
		" new_value = CASE WHEN op IN ('insert', 'merge') THEN new_value END"
		" WHERE op <> 'insert' AND (old_value IS NOT NULL OR"
		"  (new_value IS NOT NULL AND op <> 'merge')) AND EXISTS ("
		"  SELECT 1 FROM temp.crm_forget_spans s WHERE s.tbl = changes.tbl"
		"  AND s.id = changes.row_id AND changes.id > s.lo AND changes.id <= s.hi)"
		" RETURNING id",
	/* Their rows go from every table of the catalogue (remove_part()), then the temp tables. */
	[SQL_FORGET_REMOVE] =
		CRM_LOG_PART
		"DROP TABLE temp.crm_forget_who;"
		"DROP TABLE temp.crm_forget_rows;"
		"DROP TABLE temp.crm_forget_keys;"
		"DROP TABLE temp.crm_forget_spans;",
	[SQL_TOMBSTONE] =
		"INSERT INTO tombstones(run_id, customer_id, at, actor, reason, removed)"
		" SELECT id, ?2, started_at, actor, ?3, ?4 FROM runs WHERE id = ?1",
};

/*
 * For each table of the catalogue but customers, the table and the JSON
 * path of the column naming the customer in a copy of its row.
 */
static int owners_part(struct crm_strbuf *sb)
{
	const struct crm_customer_table *t;
	int bad = 0, n = 0;

	for (t = crm_customer_tables; !bad && t->tbl; t++)
		if (!(t->flags & CRM_CT_SELF))
			bad = crm_strbuf_addf(sb, "%s('%s', '$.\"%s\"')", n++ ? ", " : "",
					      t->tbl, t->column);
	return bad;
}

/*
 * Deletes of the person's rows in every table of the catalogue, in its
 * reverse order (rows before the rows they depend on). Their customers
 * rows are unmerged first, so that none is left pointing at another.
 */
static int remove_part(struct crm_strbuf *sb)
{
	const struct crm_customer_table *t = crm_customer_tables;
	int bad = 0;

	while (t->tbl)
		t++;
	while (!bad && t-- > crm_customer_tables) {
		if (t->flags & CRM_CT_SELF)
			bad = crm_strbuf_addf(sb, "UPDATE \"%s\" SET merged_into = NULL"
					      " WHERE \"%s\" IN temp.crm_forget_who;", t->tbl,
					      t->column);
		if (!bad)
			bad = crm_strbuf_addf(sb, "DELETE FROM \"%s\" WHERE \"%s\" IN"
					      " temp.crm_forget_who;", t->tbl, t->column);
	}
	return bad;
}

/* The part of q built from the customer catalogue, if it has one. */
static int catalogue_part(int q, struct crm_strbuf *sb)
{
	switch (q) {
	case SQL_FORGET_ROWS:
		return crm_log_sql_rows(sb, "temp.crm_forget_who", 0);
	case SQL_FORGET_COPIES:
		return owners_part(sb);
	case SQL_FORGET_REMOVE:
		return remove_part(sb);
	default:
		return 0;
	}
}

/* The SQL of q, its catalogue part filled in, into sql. */
static enum crm_status sql_of(enum forget_sql q, struct crm_strbuf *sql, struct crm_error *err)
{
	return crm_log_sql_of(forget_sql[q], q, catalogue_part, sql, err);
}

/* Statement q of the table, prepared for the caller (who frees it). */
static enum crm_status prepare(struct crm_db *db, enum forget_sql q, struct crm_stmt **out,
			       struct crm_error *err)
{
	return crm_log_sql_prepare(db, forget_sql[q], q, catalogue_part, out, err);
}

/* Runs q, statements that take no parameters and return no rows. */
static enum crm_status exec(struct crm_db *db, enum forget_sql q, struct crm_error *err)
{
	struct crm_strbuf sql = CRM_STRBUF_INIT;
	enum crm_status s = sql_of(q, &sql, err);

	if (!s)
		s = crm_db_exec(db, sql.buf, err);
	crm_strbuf_release(&sql);
	return s;
}

/*
 * What an erasure removed, by name, in the order runs.counts and the
 * tombstone's removed column have always listed it. The names that are
 * tables of the catalogue count the person's rows there.
 */
static const struct {
	const char *name;
	size_t offset;       /* of its long in struct crm_forget_result */
} forget_counts[] = {
	{ "customers", offsetof(struct crm_forget_result, customers) },
	{ "source_records", offsetof(struct crm_forget_result, source_records) },
	{ "orders", offsetof(struct crm_forget_result, orders) },
	{ "interactions", offsetof(struct crm_forget_result, interactions) },
	{ "changes_blanked", offsetof(struct crm_forget_result, changes_blanked) },
};
#define NCOUNTS (sizeof(forget_counts) / sizeof(forget_counts[0]))

static long *count_of(struct crm_forget_result *r, size_t i)
{
	return (long *)((char *)r + forget_counts[i].offset);
}

/* Runs statement q once with ?1 bound to a (if it takes it). */
static enum crm_status run_bound(struct crm_db *db, enum forget_sql q, int64_t a,
				 const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, q, &st, err);

	if (s)
		return s;
	if (crm_stmt_params(st) >= 1)
		crm_stmt_bind_int(st, 1, a);
	s = crm_stmt_run(st, what, err);
	crm_stmt_free(st);
	return s;
}

/* Adds the key t was named by to the person's keys. */
static enum crm_status named_key(struct crm_db *db, const struct crm_forget_target *t,
				 struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;
	const char *key;
	size_t n;
	int64_t id;

	if (!t->spec || crm_customer_spec(t->spec, &id, &n, &key) != CRM_SPEC_KEY)
		return CRM_OK;
	s = prepare(db, SQL_FORGET_NAMED_KEY, &st, err);
	if (s)
		return s;
	crm_stmt_bind_text(st, 1, t->spec, n);
	crm_stmt_bind_str(st, 2, key);
	s = crm_stmt_run(st, "cannot note the person's keys", err);
	crm_stmt_free(st);
	return s;
}

/*
 * The person's customers (who), their rows in the tables, and their
 * source keys. A person no row is left of has no rows: their id may name
 * someone else's row in a database from before ids were kept apart.
 */
static enum crm_status collect_rows(struct crm_db *db, const struct crm_forget_target *t,
				    struct crm_error *err)
{
	enum crm_status s = exec(db, SQL_FORGET_TEMP, err);

	if (!s)
		s = run_bound(db, SQL_FORGET_WHO, t->id, "cannot find the person's rows", err);
	if (!s && t->live)
		s = exec(db, SQL_FORGET_ROWS, err);
	if (!s && t->live)
		s = exec(db, SQL_FORGET_KEYS, err);
	if (!s && !t->live)
		s = run_bound(db, SQL_FORGET_REMOVED_KEYS, t->id, "cannot find the person's keys",
			      err);
	if (!s)
		s = named_key(db, t, err);
	return s;
}

/*
 * The customer a removed copy in the log names: of the source record
 * source:key (source of n bytes), or when source is NULL of customer
 * named. *found 0 when the log has none.
 */
static enum crm_status find_removed(struct crm_db *db, const char *source, size_t n,
				    const char *key, int64_t named, int64_t *id, int *found,
				    struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, source ? SQL_FIND_REMOVED_KEY : SQL_FIND_REMOVED_ID,
				    &st, err);

	if (s)
		return s;
	if (source) {
		crm_stmt_bind_text(st, 1, source, n);
		crm_stmt_bind_str(st, 2, key);
	} else {
		crm_stmt_bind_int(st, 1, named);
	}
	s = crm_stmt_one(st, found, "cannot look the person up in the log", err);
	if (!s && *found && crm_stmt_is_null(st, 0))
		*found = 0;
	if (!s && *found)
		*id = crm_stmt_int(st, 0);
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_forget_find(struct crm_db *db, const char *spec,
				struct crm_forget_target *t, struct crm_error *err)
{
	enum crm_customer_spec kind;
	enum crm_status s;
	const char *key = NULL;
	size_t n = 0;
	int found = 0;

	t->spec = spec;
	t->named = 0;
	t->live = 1;
	kind = crm_customer_spec(spec, &t->named, &n, &key);
	if (kind == CRM_SPEC_KEY)
		t->named = 0;
	s = crm_customer_find(db, spec, &t->id, err);
	if (s != CRM_ERR_NOTFOUND)
		return s;
	/* Not in the tables: a run may have removed them, while the log keeps their values. */
	s = find_removed(db, kind == CRM_SPEC_KEY ? spec : NULL, n, key, t->named, &t->id, &found,
			 err);
	if (!s && !found)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "no customer %s, in the tables or "
				     "in the log", spec);
	t->live = 0;
	return s;
}

/* How many of the person's rows there are in each table forget_counts names. */
static enum crm_status count_rows(struct crm_db *db, struct crm_forget_result *res,
				  struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_FORGET_COUNT, &st, err);
	size_t i;
	int found = 0;

	for (i = 0; !s && i < NCOUNTS; i++) {
		if (!crm_customer_table(forget_counts[i].name))
			continue;
		crm_stmt_bind_str(st, 1, forget_counts[i].name);
		s = crm_stmt_one(st, &found, "cannot count the person's rows", err);
		if (!s && found)
			*count_of(res, i) = (long)crm_stmt_int(st, 0);
		crm_stmt_reset(st);
	}
	crm_stmt_free(st);
	return s;
}

static enum crm_status blank_changes(struct crm_db *db, long *n, int64_t *first,
				     struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_FORGET_BLANK, &st, err);
	enum crm_step step;

	if (s)
		return s;
	*n = 0;
	*first = 0;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int64_t id = crm_stmt_int(st, 0);

		if (!*n || id < *first)
			*first = id;
		++*n;
	}
	if (step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot blank the log");
	crm_stmt_free(st);
	return s;
}

/*
 * The run's counts, and the same as a JSON object for the tombstone
 * (which keeps them as the record of what went, whatever the run's counts
 * become) into removed.
 */
static enum crm_status count(struct crm_run *run, struct crm_forget_result *res,
			     struct crm_strbuf *removed, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t i;
	int bad = crm_strbuf_addch(removed, '{');

	for (i = 0; !s && i < NCOUNTS; i++) {
		s = crm_run_count(run, forget_counts[i].name, *count_of(res, i), err);
		bad |= crm_strbuf_addf(removed, "%s\"%s\":%ld", i ? "," : "",
				       forget_counts[i].name, *count_of(res, i));
	}
	if (!s && (bad || crm_strbuf_addch(removed, '}')))
		s = crm_error_nomem(err);
	return s;
}

static enum crm_status tombstone(struct crm_run *run, int64_t id, const char *reason,
				 struct crm_forget_result *res, struct crm_error *err)
{
	struct crm_strbuf removed = CRM_STRBUF_INIT;
	struct crm_stmt *st = NULL;
	enum crm_status s = count(run, res, &removed, err);

	if (!s)
		s = prepare(crm_run_db(run), SQL_TOMBSTONE, &st, err);
	if (!s) {
		crm_stmt_bind_int(st, 1, crm_run_id(run));
		crm_stmt_bind_int(st, 2, id);
		crm_stmt_bind_str(st, 3, reason);
		crm_stmt_bind_str(st, 4, removed.buf);
		s = crm_stmt_run(st, "cannot write the tombstone", err);
	}
	crm_stmt_free(st);
	crm_strbuf_release(&removed);
	return s;
}

/*
 * Keeps each source key of the person as erased by tombstone (a keyed hash,
 * erasure.h), so that an import does not bring them back unasked.
 */
static enum crm_status keep_erased_keys(struct crm_db *db, int64_t tombstone,
					struct crm_error *err)
{
	struct crm_erased *e = NULL;
	struct crm_stmt *st = NULL;
	enum crm_status s = crm_erased_open(db, 1, &e, err);
	enum crm_step step = CRM_STEP_DONE;

	if (!s)
		s = prepare(db, SQL_KEYS_OF, &st, err);
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW)
		s = crm_erased_add(e, tombstone, crm_stmt_text(st, 0), crm_stmt_bytes(st, 0),
				   crm_stmt_text(st, 1), err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the person's keys");
	crm_stmt_free(st);
	crm_erased_free(e);
	return s;
}

enum crm_status crm_log_forget(struct crm_run *run, const struct crm_forget_target *t,
			       const char *reason, struct crm_forget_result *res,
			       struct crm_error *err)
{
	struct crm_forget_target who = *t;
	struct crm_db *db = crm_run_db(run);
	struct crm_chain_break brk;
	enum crm_status s;
	int64_t first = 0;

	memset(res, 0, sizeof(*res));
	if (!reason || !*reason)
		return crm_error_set(err, CRM_ERR_INVALID, "an erasure needs a reason");
	s = crm_chain_verify(db, &brk, err);
	if (!s && brk.id)
		return crm_error_set(err, CRM_ERR_CONFLICT, "the log's hash chain is already broken "
				     "at change %lld: erasing now would seal that in; see "
				     "'crm log verify'", (long long)brk.id);
	/* The survivor, and so every customer merged into it, however deep. */
	if (!s && who.live)
		s = crm_customer_resolve(db, who.id, &who.id, err);
	if (!s)
		s = collect_rows(db, &who, err);
	if (!s)
		s = count_rows(db, res, err);
	if (!s)
		s = exec(db, SQL_FORGET_SPANS, err);
	if (!s)
		s = exec(db, SQL_FORGET_COPIES, err);
	if (!s)
		s = blank_changes(db, &res->changes_blanked, &first, err);
	if (!s)
		s = tombstone(run, who.id, reason, res, err);
	if (!s)
		s = keep_erased_keys(db, crm_db_last_insert_id(db), err);
	if (!s)
		s = crm_db_intend(db, CRM_DB_DEFER_KEYS, err);
	/* No row is theirs to delete: their id may be someone else's now. */
	if (!s && !who.live)
		s = exec(db, SQL_FORGET_NOBODY, err);
	if (!s)
		s = exec(db, SQL_FORGET_REMOVE, err);
	if (!s && first)
		s = crm_chain_seal(db, first, err);
	return s;
}
