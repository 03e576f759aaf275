/*
 * What the parts of the import engine share; nothing outside src/import*.c
 * includes this header. The engine is cut by concept:
 *
 *   import.c          a file: its header, then record by record, each
 *                     through the steps of import_record()
 *   import-map.c      columns: headers to fields (aliases, --map, --key),
 *                     the key columns, the mapping report
 *   import-convert.c  a record to typed field values and its key; why a
 *                     record is rejected
 *   import-store.c    the statements; a record stored under its source
 *                     key: found, or inserted with its raw row, logged
 *   import-update.c   a record seen before: which fields changed since the
 *                     source last sent it, and only those written, logged
 *   import-clean.c    a customer's values in the notation crm cleanse
 *                     gives them, before they are stored (#13)
 */
#ifndef CRM_IMPORT_PRIVATE_H
#define CRM_IMPORT_PRIVATE_H

#include <stdint.h>

#include "audit.h"
#include "csvio.h"
#include "db.h"
#include "error.h"
#include "fields.h"
#include "import.h"
#include "strbuf.h"

/* A converted field value; text lives in the record's arena (offset). */
struct fval {
	int set;
	enum crm_value_type type;
	long long i;
	size_t off;
	size_t len;
	int bad;                 /* lenient: the value was invalid and dropped */
};

struct column {
	char *header;            /* unique: a repeated header gets " (2)" */
	char *json_key;          /* ,"header": escaped once, for the hash of a keyless row */
	const struct crm_field *field;
	const char *own;         /* a field of the company's own (crm-fields(5)): its key in extra */
	int ignored;
	int by_user;
};

/*
 * The statements of an import (SQL in import-store.c). Those before
 * S_PER_FILE are prepared when the file's header is mapped and used for
 * every record; the rest are asked for from the table when needed, once
 * per file. A statement on orders is followed by the same on interactions
 * (see import_kind_stmt).
 */
enum stmt {
	S_FIND_SOURCE,           /* a customer by (source, key) */
	S_INSERT_SOURCE,
	S_UPDATE_SOURCE_RAW,
	S_FIND_ORDER,            /* an order or interaction by its key */
	S_FIND_INTERACTION,
	S_UPDATE_ORDER_RAW,
	S_UPDATE_INTERACTION_RAW,
	S_GET_ORDER_CUSTOMER,    /* an order's or interaction's customer_id */
	S_GET_INTERACTION_CUSTOMER,
	S_SET_ORDER_CUSTOMER,
	S_SET_INTERACTION_CUSTOMER,
	S_MINIMAL_CUSTOMER,
	S_UPDATED_AT,
	S_EXTRA,
	S_LINE_GET,
	S_LINE_SET,
	S_OLD_RAW,
	S_OLD_MAPPING,           /* how the header list a record came with last was mapped */
	S_KEY_SEEN,
	S_KEY_LINE,
	S_GET_EXTRA,
	S_GET_UPDATED_AT,
	S_UNDO_CUSTOMER,
	S_MERGED,                /* whether a customer was merged into another */
	S_PER_FILE,
	S_LINES_CREATE = S_PER_FILE,
	S_LINES_CLEAR,
	S_KEYS_CREATE,
	S_KEYS_CLEAR,
	S_FRESH_CUSTOMERS,       /* whether the source has no records of the kind */
	S_FRESH_ORDERS,
	S_FRESH_INTERACTIONS,
	S_HEADERS_ADD,
	S_HEADERS_ID,
	S_MAPPING_SAME,          /* whether the header list was mapped so last time */
	S_MAPPING_PUT,
	S_COUNT
};

/* One file being imported. */
struct importer {
	struct crm_db *db;
	struct crm_audit *audit; /* the run's: every change is logged to it */
	int64_t run_id;
	const struct crm_import_options *o;
	const struct crm_import_sink *sink;
	struct crm_import_stats *stats;
	const char *name;
	enum crm_kind kind;
	const char *table;
	const char *csource;
	struct column *cols;
	size_t ncols;
	const struct crm_field *fields;
	size_t nfields;
	int key_col;             /* -1: the key is a hash of the row */
	int ckey_col;            /* orders, interactions: the customer key column */
	char now[32];

	struct crm_stmt_table sql;
	struct crm_stmt *st[S_PER_FILE]; /* the table's, prepared up front (NULL: unused) */
	/* Built from the catalogue's names of the kind's fields: */
	struct crm_stmt *ins;    /* INSERT of a new row */
	struct crm_stmt *get;    /* SELECT of every catalogue column of a row */
	struct crm_stmt **upd;   /* per field: UPDATE table SET field = ?1 WHERE id = ?2 */

	/* The record being imported. */
	const struct crm_csv_record *rec;
	struct fval *vals;
	struct crm_strbuf arena;
	struct crm_strbuf raw;   /* the row as read: a JSON array of the values */
	struct crm_strbuf hashed; /* keyless rows: header -> value, what the key hashes */
	int64_t headers_id;      /* raw_headers of the file's header list */
	/* The mapping of the header list rows came with last (S_OLD_MAPPING), for the one cached. */
	int64_t old_map_headers;
	char *old_map;           /* NULL: none kept (the headers are mapped as now) */
	/*
	 * The ids the next new customer, source record and row of the file's
	 * kind take (crm_id_next): counted up, never an id used before.
	 */
	int64_t next_customer, next_source, next_row;
	struct crm_erased *erased;   /* keys of erased people, or NULL when none (erasure.h) */
	int remap;               /* the file is mapped otherwise than last time: compare every field */
	struct crm_strbuf mapping;   /* how the file is mapped (mapping_text), kept if it changes rows */
	int64_t ckey_headers_id; /* raw_headers of [customer key header], 0 until needed */
	struct crm_strbuf why;   /* reasons for a rejection */
	const char *bad_column;
	char *bad_value;         /* the first bad value, for the rejects file */
	char *key;
	char *ckey;
	int64_t line;            /* orders: the row's line within its order */
	char *prev_order;
	int64_t prev_line;
	char *last_ckey;
	int64_t last_customer;
	int changed_any;
	struct crm_strbuf tmp;   /* a value being converted */
	unsigned char *sourced;  /* per field: a column or a derivation gives it */
	int *get_col;            /* per real field: its column in get (the id is 0) */
	size_t f_name, f_family, f_given, f_amount, f_status, f_price, f_qty; /* field indexes */
	size_t f_currency;
	/* The record's amounts' currency sign (crm_parse_money_sign()), and its column. */
	const char *money_sign;
	const struct column *money_col;
	size_t f_address, f_prefecture, f_city, f_country;
	int file_has_parts;      /* a column gives the family or the given name */
	int file_has_place;      /* a column gives the prefecture or the city */
	/*
	 * The customer being updated: fields derived from one the file
	 * changed that no longer fit it, emptied (import-update.c).
	 */
	int parts_stale, prefecture_stale, city_stale;
	int has_postal;          /* a column maps to a postal field */
	int country_col;         /* the column of country, -1 when none */
	int pref_col;            /* the column of prefecture, -1 when none */
	int fresh;               /* the source had no records: skip lookups */
	struct import_clean *clean; /* customers: the rules of crm cleanse; NULL: --no-cleanse */
	struct crm_rowclean_pre *pre; /* the record's results worked out ahead, or NULL */
	const struct crm_strbuf *pre_raw; /* its raw row built ahead (import_raw_json()), or NULL */
	const int *clean_col;    /* per field: its column of the rules (import-clean.c), or -1 */
	/*
	 * The fresh path notes no keys: the line of a source record it
	 * inserted is found from its id. Ids count up by one a record, so only
	 * where line - id changes is kept (a reject, a blank or multi-line
	 * row): little memory for a file of ordinary rows.
	 */
	struct fresh_lines {
		int64_t *id;
		int64_t *delta;      /* line - id from this id on */
		size_t n, alloc;
	} fresh_lines;
};

/* Whether f is a column of the kind's table (not one that only feeds others). */
static inline int import_is_real(const struct crm_field *f)
{
	return !(f->flags & CRM_F_VIRTUAL);
}

/* Whether field f of the kind gets its value from a column or a derivation. */
static inline int import_has_source(const struct importer *im, size_t f)
{
	return im->sourced[f];
}

/* A value of the record by field index, or NULL when it has none. */
static inline struct fval *import_val(struct importer *im, size_t f)
{
	return f != SIZE_MAX && im->vals[f].set ? &im->vals[f] : NULL;
}

/* Text of a value in the arena. */
static inline const char *import_vtext(const struct importer *im, const struct fval *v)
{
	return im->arena.buf + v->off;
}

/* Whether field f is one import_update_row() found stale, and empties. */
static inline int import_stale(const struct importer *im, size_t f)
{
	return (im->parts_stale && (f == im->f_family || f == im->f_given)) ||
	       (im->prefecture_stale && f == im->f_prefecture) ||
	       (im->city_stale && f == im->f_city);
}

/* import-map.c */
/* Trims ASCII white space and U+3000 IDEOGRAPHIC SPACE from both ends. */
void import_trim(const char **s, size_t *len);
/* Whether field f draws on a changed column (derived order fields: any change). */
int import_field_changed(const struct importer *im, size_t f, const unsigned char *changed);
enum crm_status import_map_columns(struct importer *im, const struct crm_csv_record *hdr,
				   struct crm_error *err);
void import_report_mapping(struct importer *im, int guessed);
enum crm_status import_index_fields(struct importer *im, struct crm_error *err);

/* import-convert.c */
int import_all_empty(const struct crm_csv_record *r);
enum crm_status import_record_keys(struct importer *im, int *rejected, struct crm_error *err);
enum crm_status import_convert_record(struct importer *im, int *rejected,
				      struct crm_error *err);
enum crm_status import_derive_order(struct importer *im, int *rejected, struct crm_error *err);
enum crm_status import_reject(struct importer *im, const char *column, const char *value,
			      const char *reason, struct crm_error *err);
enum crm_status import_reject_repeated_key(struct importer *im, unsigned long first,
					   struct crm_error *err);

/* import-store.c */
enum crm_status import_store_begin(struct importer *im, struct crm_error *err);
void import_store_end(struct importer *im);
struct crm_stmt *import_kind_stmt(const struct importer *im, enum stmt orders);
struct crm_stmt *import_update_stmt(struct importer *im, size_t f, struct crm_error *err);
enum crm_status import_one_row(struct crm_stmt *st, const char *what, struct crm_error *err);
void import_bind_fval(const struct importer *im, struct crm_stmt *st, int i,
		      const struct fval *v);
enum crm_status import_log_insert(struct importer *im, const char *tbl, int64_t id,
				  struct crm_error *err);
enum crm_status import_log_update(struct importer *im, const char *tbl, int64_t id,
				  const char *field, const struct crm_value *old_value,
				  const struct crm_value *new_value, struct crm_error *err);
int import_build_raw(struct importer *im);
/* The raw row of record r (its first ncols fields) as a JSON array, into out; -1 when out of memory. */
int import_raw_json(struct crm_strbuf *out, const struct crm_csv_record *r, size_t ncols);
int import_extra_json(struct importer *im, struct crm_strbuf *out,
		      const unsigned char *changed);
enum crm_status import_survivor(struct importer *im, int64_t *id, struct crm_error *err);
enum crm_status import_see_key(struct importer *im, unsigned long *first,
			       struct crm_error *err);
enum crm_status import_order_line(struct importer *im, struct crm_error *err);
/* The customer of an order or interaction, created bare when its key is new. */
enum crm_status import_resolve_customer(struct importer *im, int64_t *id, int *rejected,
					struct crm_error *err);
/* Inserts the record as a new row; logged unless log is 0 (the caller logs it later). */
enum crm_status import_insert_row(struct importer *im, int64_t customer, int64_t *id,
				  int log, struct crm_error *err);
/* A new customer and its source record, both logged once both are in. */
enum crm_status import_insert_customer(struct importer *im, struct crm_error *err);

/* import-update.c */
enum crm_status import_update_row(struct importer *im, int64_t row, int64_t source_row,
				  const char *old_raw, int64_t old_headers, int64_t customer,
				  struct crm_error *err);

/*
 * Whether the record would bring back a person erased at their request:
 * then it is rejected, saying when (import-store.c).
 */
enum crm_status import_check_erased(struct importer *im, const char *source, const char *key,
				    int col, int *rejected, struct crm_error *err);

/*
 * Keeps how the file was mapped, for the next import of its header list
 * to compare with, when the file changed any row: a run that changed
 * nothing says nothing of how the rows stand.
 */
enum crm_status import_keep_mapping(struct importer *im, struct crm_error *err);


/*
 * import-clean.c: the rules of crm cleanse (rowclean.h) on a customer on
 * its way in. Begun once the columns are mapped and before the statements
 * are built (every field the rules may give a value is inserted).
 */
enum crm_status import_clean_begin(struct importer *im, struct crm_error *err);
void import_clean_end(struct importer *im);
/* A new customer: its values in im->vals become what the rules make of them. */
enum crm_status import_clean_new(struct importer *im, struct crm_error *err);
/* The new customer was inserted as id: its changes are counted and reported. */
enum crm_status import_clean_inserted(struct importer *im, int64_t id, struct crm_error *err);
/*
 * A customer seen before, read by im->get (its row stepped): the rules on
 * its stored values with the fields the file changed (changed columns)
 * put over them. Then import_clean_value() gives the value of each field
 * the rules cover (*covered), NULL for none.
 */
enum crm_status import_clean_update(struct importer *im, int64_t id,
				    const unsigned char *changed, struct crm_error *err);
const char *import_clean_value(const struct importer *im, size_t f, int *covered);
/*
 * For reading ahead: the rule column of field f and the normalizer the
 * rules run on its value (NULL: checked only); -1 when the rules do not
 * cover it (or run none).
 */
struct crm_rowclean_pre;
struct crm_norm;
typedef enum crm_status (*import_norm_fn)(const char *s, struct crm_norm *out,
					  struct crm_error *err);
int import_clean_fn(const struct importer *im, size_t f, int *col, import_norm_fn *fn);

/*
 * import-convert.c: the country of rec (country.h) from its country and
 * prefecture columns, or the file's --country, as its checks and rules take it.
 */
int import_country(const struct importer *im, const struct crm_csv_record *rec);

/*
 * import-ahead.c: a thread that reads the file ahead and works out the
 * normalizers' results for each record. Started once the columns are
 * mapped and the rules begun; *out stays NULL when there is nothing to
 * work out. Until it is stopped the reader is the thread's.
 */
struct import_ahead;
enum crm_status import_ahead_start(struct importer *im, struct crm_csv_reader *r,
				   struct import_ahead **out, struct crm_error *err);
/*
 * The next record, as crm_csv_read() gives it (err set for a bad one),
 * with the results worked out for it (*pre), its raw row (*raw, NULL when
 * not built ahead) and the bytes read by then; valid until the next call.
 */
enum crm_status import_ahead_next(struct import_ahead *a, const struct crm_csv_record **rec,
				  struct crm_rowclean_pre **pre, const struct crm_strbuf **raw,
				  unsigned long long *bytes,
				  struct crm_error *err);
void import_ahead_stop(struct import_ahead *a);

/* import-upsert.c */
enum crm_status import_store(struct importer *im, struct crm_error *err);

#endif
