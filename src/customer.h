/*
 * The customer catalogue: which tables hold a customer's data, through
 * which column, what a merge and an erasure do to each; and the one way to
 * look a customer up, following merges to the survivor.
 *
 * A merge (crm-schema(5), MERGES) folds customer L into survivor S:
 *   - L's customers row stays, with merged_into = S and its values as they
 *     were (logged as op 'merge' with the whole old row); every command
 *     leaves it out unless asked for;
 *   - rows of the tables marked CRM_CT_MOVES (source records, orders,
 *     interactions) move to S: their customer_id is updated, each update
 *     logged, so that S's history, RFM and exports see them and a later
 *     import of L's source key updates S;
 *   - history rows (CRM_CT_HISTORY: rfm_scores, export_customers,
 *     segment_members) stay with L: they say what was true when they were written;
 *   - a revert of the merging run puts each moved row back and clears
 *     merged_into from the log, change by change, like any other run;
 *   - forget of S, or of any source key that resolves to S, erases S and
 *     every customer merged into it, however deep, in every table below.
 * merged_into may chain (L -> M -> S) when a survivor is merged later:
 * crm_customer_resolve() follows it to the end.
 */
#ifndef CRM_CUSTOMER_H
#define CRM_CUSTOMER_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

enum crm_customer_table_flags {
	CRM_CT_SELF = 1 << 0,     /* the customers table: the column is the row's own id */
	CRM_CT_MOVES = 1 << 1,    /* rows move to the survivor at a merge */
	CRM_CT_HISTORY = 1 << 2,  /* rows record what was: they stay with the merged row */
	CRM_CT_SOURCE = 1 << 3,   /* rows carry a run_id: the run that wrote them */
};

/* A table that holds a customer's data. */
struct crm_customer_table {
	const char *tbl;     /* every one has an integer id column */
	const char *column;  /* the column that names the customer */
	unsigned flags;
};

/*
 * Every table holding a customer's data, the customers table first and
 * each table before those its rows depend on; a forget deletes them in
 * the reverse order. NULL-terminated (tbl NULL).
 */
extern const struct crm_customer_table crm_customer_tables[];

/* The entry for tbl, or NULL when tbl holds no customer's data. */
const struct crm_customer_table *crm_customer_table(const char *tbl);

/*
 * Tables whose rows the audit trail can capture and restore whole: the
 * customer tables above and the others with an id (segments, exports,
 * field definitions). NULL-terminated.
 */
extern const char *const crm_logged_tables[];
/* 1 when tbl is one of crm_logged_tables. */
int crm_table_logged(const char *tbl);

/*
 * The id to give the next new row of tbl (one of crm_logged_tables), so
 * that an id, once used, never names another row: one above the largest
 * id tbl has and every id the log names for tbl (the ends of insert
 * ranges included), so that a revert or an erasure of the newest rows does
 * not hand their ids on. Index seeks only. A writer inside its write
 * transaction may count up from it for the rows it inserts.
 */
enum crm_status crm_id_next(struct crm_db *db, const char *tbl, int64_t *next,
			    struct crm_error *err);

/*
 * A customer and every customer merged into it, however many merges deep:
 * the table who(id) of a WITH RECURSIVE, for the survivor bound to ?1.
 * With crm_customer_resolve() (from any id up to its survivor) this is the
 * one statement of what a merge ties together.
 */
#define CRM_CUSTOMER_WHO_SQL \
	"who(id) AS (SELECT ?1 UNION" \
	" SELECT c.id FROM customers c JOIN who ON c.merged_into = who.id)"

/*
 * The customer that id stands for now: id itself, or the survivor at the
 * end of its merged_into chain. CRM_ERR_NOTFOUND when there is no customer
 * id; CRM_ERR_SCHEMA when the chain loops (a damaged database).
 */
enum crm_status crm_customer_resolve(struct crm_db *db, int64_t id, int64_t *survivor,
				     struct crm_error *err);

struct crm_audit;

/*
 * Folds customer loser into survivor as MERGES above says, inside the
 * caller's write transaction, each change logged through a: loser's row
 * whole (op 'merge') as its merged_into is set, then every row of a
 * CRM_CT_MOVES table re-pointed to survivor (an update each). *moved
 * counts the rows moved. CRM_ERR_CONFLICT when loser is merged already,
 * is survivor, or survivor is merged; nothing is changed then.
 */
enum crm_status crm_customer_merge(struct crm_db *db, struct crm_audit *a, int64_t loser,
				   int64_t survivor, unsigned long *moved, struct crm_error *err);

/* What a person names a customer by on the command line. */
enum crm_customer_spec {
	CRM_SPEC_NONE,     /* neither: a usage error */
	CRM_SPEC_ID,       /* "42": *id */
	CRM_SPEC_KEY,      /* "SOURCE:KEY": the source is spec's first *source_len bytes, *key the rest */
};
/*
 * Reads spec as an id or a source record (the source may not contain ':'
 * but the key may). The one reading of it that every command shares.
 */
enum crm_customer_spec crm_customer_spec(const char *spec, int64_t *id, size_t *source_len,
					 const char **key);

/*
 * Finds a customer by id ("42") or by source record ("SOURCE:KEY"; the
 * source may not contain ':' but the key may), resolved to the survivor.
 * CRM_ERR_NOTFOUND when there is none (the message names spec).
 */
enum crm_status crm_customer_find(struct crm_db *db, const char *spec, int64_t *id,
				  struct crm_error *err);
/*
 * The same for many customers in a row (a list of ids read from a file):
 * the statements prepared once. Free with crm_customer_lookup_free().
 */
struct crm_customer_lookup;
enum crm_status crm_customer_lookup_open(struct crm_db *db, struct crm_customer_lookup **out,
					 struct crm_error *err);
enum crm_status crm_customer_lookup_find(struct crm_customer_lookup *l, const char *spec,
					 int64_t *id, struct crm_error *err);
/* crm_customer_resolve() with l's statement. */
enum crm_status crm_customer_lookup_resolve(struct crm_customer_lookup *l, int64_t id,
					    int64_t *survivor, struct crm_error *err);
/* l may be NULL. */
void crm_customer_lookup_free(struct crm_customer_lookup *l);

/* A set of customer ids: added to, then sorted (each once) and searched. */
struct crm_ids {
	int64_t *v;
	size_t n, cap;
};
/* Appends id; -1 when out of memory. */
int crm_ids_add(struct crm_ids *s, int64_t id);
/* Sorts the ids ascending and keeps each once. */
void crm_ids_sort(struct crm_ids *s);
/* 1 when the sorted s holds id. */
int crm_ids_has(const struct crm_ids *s, int64_t id);
void crm_ids_release(struct crm_ids *s);


/*
 * How a person names a customer in a report: the source:key of its first
 * source record and its name. For a command listing many customers.
 */
struct crm_customer_labels;

enum crm_status crm_customer_labels_open(struct crm_db *db, struct crm_customer_labels **out,
					 struct crm_error *err);
/*
 * Customer id's source:key and name (either NULL when it has none), valid
 * until the next call on l.
 */
enum crm_status crm_customer_label(struct crm_customer_labels *l, int64_t id,
				   const char **key, const char **name, struct crm_error *err);
/*
 * What a person compares two customers by, for a review side by side:
 * source:key, then these columns of the customer, in this order.
 */
#define CRM_CUSTOMER_CARD 12
extern const char *const crm_customer_card_fields[CRM_CUSTOMER_CARD];
/* Customer id's card (NULL values where it has none), valid until the next call on l. */
enum crm_status crm_customer_card(struct crm_customer_labels *l, int64_t id,
				  const char *vals[CRM_CUSTOMER_CARD], struct crm_error *err);

/* l may be NULL. */
void crm_customer_labels_free(struct crm_customer_labels *l);

/*
 * The source:key labels of many customers in one pass over the source
 * records (for a report of every customer, where crm_customer_label()
 * would seek once per customer): keys[i] for ids[i], ids ascending, NULL
 * when it has no source record. Free with crm_customer_keys_free().
 */
enum crm_status crm_customer_keys(struct crm_db *db, const int64_t *ids, size_t n, char **keys,
				  struct crm_error *err);
void crm_customer_keys_free(char **keys, size_t n);

#endif
