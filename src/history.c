/*
 * The history: the runs, one run's changes, and one customer's history,
 * each as rows for the command to print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "customer.h"
#include "history.h"
#include "run.h"
#include "strbuf.h"
#include "logsql.h"
#include "types.h"
#include "banned.h"

enum history_sql {
	SQL_RUNS,
	SQL_RUNNING,
	SQL_RUN_EXISTS,
	SQL_CHANGES,
	SQL_CUSTOMER,
	SQL_COUNT
};

/*
 * A stored UTC timestamp t (2026-12-02T00:30:00.000Z) as local time, as
 * TZ says, with its offset (2026-12-02T09:30:00.000+09:00); as stored when
 * local time is UTC. SQLite's 'localtime' asks the C library, as date(1).
 */
#define LOCAL_OFFSET(t) \
	"(SELECT CASE WHEN o < 0 THEN '-' ELSE '+' END ||" \
	" printf('%02d:%02d', abs(o) / 3600, abs(o) % 3600 / 60) FROM (SELECT" \
	" CAST(round((julianday(" t ", 'localtime') - julianday(" t ")) * 86400) AS INTEGER) AS o))"
#define LOCAL_TIME(t) \
	"CASE WHEN " t " IS NULL OR julianday(" t ", 'localtime') = julianday(" t ") THEN " t \
	" ELSE strftime('%Y-%m-%dT%H:%M:%f', " t ", 'localtime') || " LOCAL_OFFSET(t) " END"

/* The filters, on a query with started_at, actor and command columns. */
#define FILTER_SQL \
	" (?11 IS NULL OR started_at >= ?11) AND (?12 IS NULL OR actor = ?12)" \
	" AND (?13 IS NULL OR command = ?13)"

static const char *const history_sql[SQL_COUNT] = {
	[SQL_RUNS] =
		/* counts as valid JSON, always: the json format writes it as an object. */
		"SELECT id AS run, " LOCAL_TIME("started_at") " AS started_at, actor, command,"
		/* ?15: the runs found killed (killed_runs), as a JSON array. */
		" CASE WHEN status = 'running' AND id IN (SELECT value FROM json_each(?15))"
		"  THEN 'killed' ELSE status END AS status,"
		" CASE WHEN counts IS NULL OR json_valid(counts) THEN counts"
		"  ELSE json_quote(counts) END AS counts, reverted_by,"
		/* The command line but the program's path: the files a run read. */
		" (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(argv)"
		"  THEN argv END) WHERE key > 0) AS arguments"
		" FROM runs WHERE" FILTER_SQL " ORDER BY id DESC LIMIT ?14",
	[SQL_RUNNING] = "SELECT id, host, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL",
	[SQL_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?1",
	[SQL_CHANGES] =
		"SELECT id AS change, tbl AS \"table\", row_id AS row,"
		" CASE WHEN op = 'insert' THEN new_value END AS \"to\","
		" CASE WHEN op = 'insert' AND new_value <> row_id THEN NULL ELSE "
		CRM_LOG_PART /* crm_log_sql_customer_of */ " END AS customer,"
		" op, field, old_value AS old,"
		" CASE WHEN op = 'insert' THEN NULL ELSE new_value END AS new"
		" FROM changes WHERE run_id = ?1 ORDER BY id",
	/*
	 * The rows of the customers in who (crm_log_sql_rows), but those of
	 * the history tables: the exports that carried them are listed from
	 * export_customers, as exports. Then their changes: the insert range
	 * holding each row is found through changes_inserts (the range
	 * starting nearest below it), every other change through changes_row.
	 * Only ids are sorted; the values (raw rows can be long) are read
	 * after, in the sorted order: the LIMIT keeps SQLite from flattening
	 * the sorted subquery into the join, so it stays the outer loop and
	 * its order is the output's.
	 */
	[SQL_CUSTOMER] =
		"WITH RECURSIVE " CRM_CUSTOMER_WHO_SQL ","
		" mine(tbl, id) AS (" CRM_LOG_PART "),"
		" keys(seq, row_id, ins, run) AS ("
		"  SELECT c.id, c.row_id, 0, c.run_id"
		"   FROM mine m JOIN changes c ON c.tbl = m.tbl AND c.row_id = m.id"
		"   WHERE c.op <> 'insert'"
		"  UNION ALL"
		"  SELECT c.id, m.id, 1, c.run_id"
		"   FROM mine m JOIN changes c ON c.tbl = m.tbl AND c.op = 'insert'"
		"    AND c.row_id = (SELECT max(row_id) FROM changes"
		"                    WHERE tbl = m.tbl AND op = 'insert' AND row_id <= m.id)"
		"    AND c.new_value >= m.id),"
		" timed(at, seq, row_id, ins, run) AS ("
		"  SELECT r.started_at, k.seq, k.row_id, k.ins, k.run FROM keys k"
		"   JOIN runs r ON r.id = k.run"
		"  UNION ALL"
		"  SELECT e.at, -e.id, e.id, 2, e.run_id FROM export_customers x"
		"   JOIN exports e ON e.id = x.export_id WHERE x.customer_id IN who),"
		" sorted AS (SELECT * FROM timed"
		"  WHERE (?11 IS NULL OR at >= ?11) ORDER BY at, seq LIMIT -1)"
		" SELECT " LOCAL_TIME("t.at") " AS at, t.run, coalesce(e.actor, r.actor) AS actor,"
		"  CASE WHEN t.ins = 2 THEN 'export' ELSE r.command END AS command,"
		"  CASE WHEN t.ins = 2 THEN 'exports' ELSE c.tbl END AS \"table\","
		"  t.row_id AS row,"
		"  CASE t.ins WHEN 0 THEN c.op WHEN 1 THEN 'insert' ELSE 'export' END AS op,"
		"  CASE WHEN t.ins = 0 THEN c.field END AS field,"
		"  CASE WHEN t.ins = 0 THEN c.old_value END AS old,"
		"  CASE t.ins WHEN 0 THEN c.new_value WHEN 2 THEN"
		"   json_object('recipient', e.recipient, 'purpose', e.purpose, 'columns', e.columns,"
		"    'rows', e.row_count, 'status', r.status)"
		"  END AS new"
		" FROM sorted t LEFT JOIN changes c ON t.ins < 2 AND c.id = t.seq"
		" LEFT JOIN runs r ON r.id = t.run"
		" LEFT JOIN exports e ON t.ins = 2 AND e.id = t.row_id"
		" WHERE (?12 IS NULL OR coalesce(e.actor, r.actor) = ?12)"
		" AND (?13 IS NULL OR (CASE WHEN t.ins = 2 THEN 'export' ELSE r.command END) = ?13)"
		" LIMIT ?14",
};

/* The part of q built from the customer catalogue, if it has one. */
static int catalogue_part(int q, struct crm_strbuf *sb)
{
	switch (q) {
	case SQL_CHANGES:
		return crm_log_sql_customer_of(sb, "tbl", "row_id");
	case SQL_CUSTOMER:
		return crm_log_sql_rows(sb, "who", CRM_CT_HISTORY);
	default:
		return 0;
	}
}

/* Statement q of the table, prepared for the caller (who frees it). */
static enum crm_status prepare(struct crm_db *db, enum history_sql q, struct crm_stmt **out,
			       struct crm_error *err)
{
	return crm_log_sql_prepare(db, history_sql[q], q, catalogue_part, out, err);
}

/* Hands st over as rows; st is freed on failure too. */
static enum crm_status wrap(struct crm_stmt *st, struct crm_rows **out, struct crm_error *err)
{
	*out = crm_rows_wrap(st, err);
	return *out ? CRM_OK : CRM_ERR_NOMEM;
}

/* n digits at *p as a number, advancing *p; -1 when they are not all digits. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/*
 * The zone of a timestamp at p: Z, +HH:MM, +HHMM or -..., as seconds east
 * of UTC in *east; *local is 1 when there is none (local time, as TZ says).
 * Returns 0, or -1 when p holds anything else.
 */
static int zone(const char *p, long *east, int *local)
{
	int sign, h, m;

	*east = 0;
	*local = !*p;
	if (!*p || (*p == 'Z' && !p[1]))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	h = digits(&p, 2);
	if (*p == ':')
		p++;
	m = digits(&p, 2);
	if (h < 0 || m < 0 || h > 23 || m > 59 || *p)
		return -1;
	*east = sign * (h * 3600L + m * 60L);
	return 0;
}

/*
 * An ISO 8601 timestamp, as crm shows them: YYYY-MM-DD, T or a space,
 * HH:MM[:SS[.fraction]], and Z, an offset, or nothing for local time.
 * Sets *t and *ms; -1 for anything else, or a time that does not exist.
 */
static int timestamp(const char *s, time_t *t, int *ms)
{
	const char *p = s;
	struct tm tm = { 0 }, back;
	int y, mo, d, h, mi, sec = 0, local, frac = 0, places = 0;
	long east;
	time_t shown;

	y = digits(&p, 4);
	if (y < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 0 || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if ((h = digits(&p, 2)) < 0 || *p++ != ':' || (mi = digits(&p, 2)) < 0)
		return -1;
	if (*p == ':' && (p++, (sec = digits(&p, 2)) < 0))
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, places++)
			if (places < 3)
				frac = frac * 10 + (*p - '0');
		if (!places)
			return -1;
		for (; places < 3; places++)
			frac *= 10;
	}
	if (zone(p, &east, &local))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*t = local ? mktime(&tm) : timegm(&tm) - east;
	if (*t == (time_t)-1)
		return -1;
	/* 2026-02-30 or 25:00 comes back as another time: it does not exist. */
	shown = local ? *t : *t + east;
	if (!(local ? localtime_r(&shown, &back) : gmtime_r(&shown, &back)) ||
	    back.tm_year != y - 1900 || back.tm_mon != mo - 1 || back.tm_mday != d ||
	    back.tm_hour != h || back.tm_min != mi || back.tm_sec != sec)
		return -1;
	*ms = frac;
	return 0;
}

/* The instant t (and ms) as runs.started_at stores it: UTC, milliseconds, Z. */
static int stored_time(time_t t, int ms, char *out, size_t size)
{
	struct tm utc;
	char head[32];

	if (!gmtime_r(&t, &utc) || !strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &utc))
		return -1;
	return snprintf(out, size, "%s.%03dZ", head, ms) < (int)size ? 0 : -1;
}

/*
 * --since: a date in any form import accepts, from the midnight of that
 * local day, or a timestamp (local time without a zone), as the instant
 * stored times compare with.
 */
static enum crm_status since_value(const char *since, char *out, size_t size,
				   struct crm_error *err)
{
	char date[CRM_DATE_SIZE];
	time_t t;
	int ms = 0;

	if (!timestamp(since, &t, &ms) && !stored_time(t, ms, out, size))
		return CRM_OK;
	/* A timestamp that is not one is no date either: its time is not dropped. */
	if (!strchr(since, ':') && crm_parse_date(since, date, NULL) == CRM_OK) {
		struct tm tm = { 0 };

		/* date is canonical: YYYY-MM-DD. */
		tm.tm_year = (int)strtol(date, NULL, 10) - 1900;
		tm.tm_mon = (int)strtol(date + 5, NULL, 10) - 1;
		tm.tm_mday = (int)strtol(date + 8, NULL, 10);
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t != (time_t)-1 && !stored_time(t, 0, out, size))
			return CRM_OK;
	}
	return crm_error_set(err, CRM_ERR_INVALID,
			     "--since '%s' is not a date (2025-07-23) or a timestamp "
			     "(2025-07-23T09:00:00Z, 2025-07-23 18:00 in local time)", since);
}

enum crm_status crm_log_since_check(const char *since, struct crm_error *err)
{
	char out[64];

	return since ? since_value(since, out, sizeof(out), err) : CRM_OK;
}

/* Prepares q with the filters bound to ?11 (since) to ?14 (limit). */
static enum crm_status prepare_filtered(struct crm_db *db, enum history_sql q,
					const struct crm_log_filter *f, struct crm_stmt **out,
					struct crm_error *err)
{
	char since[64] = "";
	enum crm_status s;

	*out = NULL;
	if (f && f->since && (s = since_value(f->since, since, sizeof(since), err)))
		return s;
	s = prepare(db, q, out, err);
	if (s)
		return s;
	if (since[0])
		crm_stmt_bind_str(*out, 11, since);
	if (f && f->actor)
		crm_stmt_bind_str(*out, 12, f->actor);
	if (f && f->command)
		crm_stmt_bind_str(*out, 13, f->command);
	crm_stmt_bind_int(*out, 14, f && f->limit > 0 ? f->limit : -1);
	return CRM_OK;
}

/*
 * The runs still 'running' whose process is gone: killed, never to finish
 * (#12). Into ids as a JSON array.
 */
static enum crm_status killed_runs(struct crm_db *db, struct crm_strbuf *ids,
				   struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_step step;
	enum crm_status s = prepare(db, SQL_RUNNING, &st, err);
	int bad = 0, n = 0;

	if (s)
		return s;
	bad |= crm_strbuf_addch(ids, '[');
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW)
		if (crm_run_gone(db, crm_stmt_int(st, 0), crm_stmt_int(st, 2)))
			bad |= crm_strbuf_addf(ids, "%s%lld", n++ ? "," : "",
					       (long long)crm_stmt_int(st, 0));
	bad |= crm_strbuf_addch(ids, ']');
	s = step == CRM_STEP_ERROR ? crm_stmt_fail(st, err, "cannot read the runs")
	    : bad ? crm_error_nomem(err) : CRM_OK;
	crm_stmt_free(st);
	return s;
}

enum crm_status crm_log_runs(struct crm_db *db, const struct crm_log_filter *f,
			     struct crm_rows **out, struct crm_error *err)
{
	struct crm_strbuf killed = CRM_STRBUF_INIT;
	struct crm_stmt *st = NULL;
	enum crm_status s = killed_runs(db, &killed, err);

	*out = NULL;
	if (!s)
		s = prepare_filtered(db, SQL_RUNS, f, &st, err);
	if (!s)
		crm_stmt_bind_str(st, 15, killed.buf);
	crm_strbuf_release(&killed);
	return s ? s : wrap(st, out, err);
}

enum crm_status crm_log_run_exists(struct crm_db *db, int64_t id, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_RUN_EXISTS, &st, err);
	int found = 0;

	if (s)
		return s;
	crm_stmt_bind_int(st, 1, id);
	s = crm_stmt_one(st, &found, "cannot read the runs", err);
	crm_stmt_free(st);
	if (!s && !found)
		s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld: see 'crm log'",
				  (long long)id);
	return s;
}

enum crm_status crm_log_changes(struct crm_db *db, int64_t run, struct crm_rows **out,
				struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = prepare(db, SQL_CHANGES, &st, err);

	*out = NULL;
	if (s)
		return s;
	crm_stmt_bind_int(st, 1, run);
	return wrap(st, out, err);
}

enum crm_status crm_log_customer(struct crm_db *db, int64_t customer,
				 const struct crm_log_filter *f, struct crm_rows **out,
				 struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s;

	*out = NULL;
	s = crm_customer_resolve(db, customer, &customer, err);
	if (!s)
		s = prepare_filtered(db, SQL_CUSTOMER, f, &st, err);
	if (s)
		return s;
	crm_stmt_bind_int(st, 1, customer);
	return wrap(st, out, err);
}
