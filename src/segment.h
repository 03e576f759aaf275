/*
 * Segments: named sets of customers, defined by an expression in a small
 * language (crm-segment(1), EXPRESSIONS) over a fixed set of fields.
 *
 * An expression is compiled to a SQL condition over the customers table
 * (alias c): every field becomes SQL from the table below, every value a
 * bound parameter, so that nothing a user writes reaches the SQL text.
 * The fixed parameters are ?1 the as-of date (YYYY-MM-DD), ?2 the day
 * after it (order lines before it count) and ?3 the run of the latest
 * saved RFM scores; the expression's values follow from ?4.
 *
 * A comparison with a missing value is false, whatever the operator, and
 * `not` turns false into true: `not age > 30` includes customers whose
 * age is unknown; `is empty` asks for them.
 */
#ifndef CRM_SEGMENT_H
#define CRM_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "dbstmt.h"
#include "error.h"
#include "run.h"

enum crm_seg_type {
	CRM_SEG_TEXT,
	CRM_SEG_INT,
	CRM_SEG_MONEY,   /* ten-thousandths; written in currency units */
	CRM_SEG_DATE,    /* YYYY-MM-DD */
	CRM_SEG_BOOL,
	CRM_SEG_SHARE,   /* a fraction 0 to 1, in ten-thousandths; written as 0.25 */
};

enum crm_seg_field_flags {
	CRM_SEG_RFM = 1 << 0,       /* from the latest saved RFM scores */
	CRM_SEG_DERIVED = 1 << 1,   /* computed from orders, interactions or dates */
	CRM_SEG_LTV = 1 << 2,       /* and of those saved by crm rfm --ltv */
};

/* A field an expression may name. */
struct crm_seg_field {
	const char *name;
	enum crm_seg_type type;
	const char *sql;        /* its value over customers c */
	const char *help;
	unsigned flags;
	int64_t lo, hi;         /* INT: the values it can have */
	int cost;               /* 0 a column, 1 a seek, 2 an index range, 3 reading rows */
};

/* The fields, in the order crm segment fields lists them; *n of them. */
const struct crm_seg_field *crm_seg_fields(size_t *n);
/* The name of type t ("text", "number", "money", "date", "yes/no"). */
const char *crm_seg_type_name(enum crm_seg_type t);

#define CRM_SEG_MAX_BYTES 65536   /* of an expression */
#define CRM_SEG_MAX_DEPTH 64      /* nested parentheses and nots */

/* Where an expression is evaluated. */
struct crm_seg_env {
	char as_of[11];         /* "today": YYYY-MM-DD */
	int64_t rfm_run;        /* the latest saved RFM scores, 0 when there are none */
	int rfm_bins;           /* their scores run from 1 to this; 0 when unknown */
	char rfm_scheme[48];    /* with rfm_bins: the scheme that named their segments, "" none */
	int rfm_ltv;            /* they were saved with --ltv: p_alive, predicted_value, ltv */
	int check_only;         /* compiled to be saved, not run: RFM fields need no scores */
};

struct crm_seg_expr;

/*
 * Compiles the len bytes of text. On failure err says what and where
 * ("character 17: unknown field 'nmae'") and *at is the byte offset of
 * the trouble in text, for a caret under it.
 */
enum crm_status crm_seg_compile(const char *text, size_t len, const struct crm_seg_env *env,
				struct crm_seg_expr **out, size_t *at, struct crm_error *err);
void crm_seg_free(struct crm_seg_expr *e);

/* The SQL condition over customers c, with ?N placeholders only. */
const char *crm_seg_sql(const struct crm_seg_expr *e);
/* Binds ?1..?N of the condition on st (only those st has). */
void crm_seg_bind(const struct crm_seg_expr *e, struct crm_stmt *st);
/* The values bound after the fixed parameters (?4 is value 0), for the tests. */
size_t crm_seg_nparams(const struct crm_seg_expr *e);
struct crm_value crm_seg_param(const struct crm_seg_expr *e, size_t i);
/* The fields e names, each once, in the order it names them; *n of them. */
const struct crm_seg_field *const *crm_seg_used(const struct crm_seg_expr *e, size_t *n);
/* 1 when e names a field of the RFM scores. */
int crm_seg_needs_rfm(const struct crm_seg_expr *e);
/*
 * Why e can never match whatever the data (two values one field cannot
 * both have, a range no value is in, a prefecture that is none), or NULL
 * when no such reason was found.
 */
const char *crm_seg_never(const struct crm_seg_expr *e);

/*
 * Whether the len bytes at s are a slip of name (one or two letters off,
 * ASCII case ignored): 0 when not, else 1 + the letters off.
 */
int crm_seg_near(const char *s, size_t len, const char *name);

/* Shifts YYYY-MM-DD date by n units ('d', 'w', 'm', 'y') into out; -1 when out of range. */
int crm_seg_date_add(const char *date, long n, char unit, char out[11]);

/* ---- Saved and built-in segments, evaluated on a database (segment.c) ---- */

struct crm_db;

/* A segment by name: saved (id > 0) or built in (id 0). */
struct crm_segment {
	int64_t id;
	char *name;
	char *definition;
	char *description;
	int builtin;            /* 1: a built-in; with id > 0, a saved one replaces it */
};
void crm_segment_release(struct crm_segment *s);

/*
 * The segment called name: a saved one, else a built-in.
 * CRM_ERR_NOTFOUND (naming the segments there are) when there is none.
 */
enum crm_status crm_segment_find(struct crm_db *db, const char *name, struct crm_segment *out,
				 struct crm_error *err);
/*
 * Every segment, saved and built-in, sorted by name; a saved one that
 * replaces a built-in appears once. Free each with crm_segment_release()
 * and the array with free().
 */
enum crm_status crm_segment_list(struct crm_db *db, struct crm_segment **out, size_t *n,
				 struct crm_error *err);

/* A name a segment may have: letters, digits, '-', '_' and non-ASCII, at most 64 bytes. */
int crm_segment_name_ok(const char *name);

/*
 * Saves name with definition (which the caller compiled and checked) in
 * run. replace: an existing one is updated (its description kept when
 * description is NULL), else it is CRM_ERR_CONFLICT. *replaced is 0 for
 * a new one, 1 for one replaced, 2 when the saved one was that already.
 */
enum crm_status crm_segment_save(struct crm_run *run, const char *name, const char *definition,
				 const char *description, int replace, int *replaced,
				 struct crm_error *err);
/* Drops the saved segment name in run; CRM_ERR_NOTFOUND when none is saved. */
enum crm_status crm_segment_drop(struct crm_run *run, const char *name, struct crm_error *err);

/*
 * The environment of now (or of as_of, YYYY-MM-DD, when not NULL) on db:
 * the RFM scores are those of the latest snapshot saved as of that day or
 * before.
 */
enum crm_status crm_segment_env(struct crm_db *db, const char *as_of, struct crm_seg_env *env,
				struct crm_error *err);

/*
 * Whether the database can evaluate e (prepared, not run): an expression
 * nested deeper than SQLite's parser takes is CRM_ERR_INVALID.
 */
enum crm_status crm_segment_check(struct crm_db *db, const struct crm_seg_expr *e,
				  struct crm_error *err);
/* How many customers (merged-away ones left out) e matches. */
enum crm_status crm_segment_count(struct crm_db *db, const struct crm_seg_expr *e,
				  int64_t *n, struct crm_error *err);
/*
 * The customers e matches, by id, as rows: id, then each field e names.
 * With ids_only, the id alone.
 */
enum crm_status crm_segment_rows(struct crm_db *db, const struct crm_seg_expr *e, int ids_only,
				 struct crm_rows **out, struct crm_error *err);

/*
 * crm segment snapshot: who is in segment s now, kept in run (a row of
 * segment_snapshots, one of segment_members per customer, logged).
 */
enum crm_status crm_segment_snapshot(struct crm_run *run, const struct crm_segment *s,
				     const struct crm_seg_expr *e, const char *as_of,
				     int64_t *members, struct crm_error *err);

/* A snapshot of a segment. */
struct crm_seg_snapshot {
	int64_t run;
	char as_of[11];
	char at[32];            /* when it was taken (runs.started_at) */
	int64_t customers;
};
/*
 * The snapshot run took of segment name; with run 0, the latest one.
 * CRM_ERR_NOTFOUND when there is none.
 */
enum crm_status crm_segment_snapshot_find(struct crm_db *db, const char *name, int64_t run,
					  struct crm_seg_snapshot *out, struct crm_error *err);
/*
 * The members of the snapshot of run, each resolved to the customer it is
 * now (merged ones to their survivor), sorted, each once: *ids (free it).
 */
enum crm_status crm_segment_members(struct crm_db *db, int64_t run, int64_t **ids, size_t *n,
				    struct crm_error *err);
/* The customers e matches now, sorted: *ids (free it). */
enum crm_status crm_segment_ids(struct crm_db *db, const struct crm_seg_expr *e, int64_t **ids,
				size_t *n, struct crm_error *err);

/* What an export did for a campaign: who received it, who bought after. */
struct crm_seg_effect {
	int64_t run;
	char at[32];                    /* when the export ran (UTC) */
	char day[11];                   /* its day in local time, as orders are dated */
	size_t recipients;              /* resolved to survivors, each once */
	size_t bought;                  /* of them, with an order line since */
	int64_t spent;                  /* their net amount since, ten-thousandths */
	int64_t control_run;            /* the snapshot the control group comes from, or 0 */
	size_t control, control_bought;
	int64_t control_spent;
};
/*
 * crm segment show NAME --since-export RUN: the recipients of the exports
 * of run (each resolved to the customer it is now), and as the control
 * group the members of segment name's latest snapshot before that run
 * whom it did not send to; who of each bought on or after the day of the
 * export. row (may be NULL) is told of each recipient who bought, by id.
 */
enum crm_status crm_segment_effect(struct crm_db *db, const char *name, int64_t run,
				   struct crm_seg_effect *eff,
				   enum crm_status (*row)(void *ctx, int64_t id, int64_t orders,
							  int64_t spent, const char *first,
							  struct crm_error *err),
				   void *ctx, struct crm_error *err);

#endif
