/*
 * The import engine: one CSV export into the database, as a part of the
 * caller's run.
 *
 * Each record belongs to (source, key). A record seen before is compared,
 * column by column, with what the same source sent last time (the raw row
 * kept with it): only fields whose source value changed are written, each
 * logged with its old and new value, so re-importing an unchanged file
 * changes nothing, and a later cleanse of a value is not undone by the
 * next import of the same export.
 */
#ifndef CRM_IMPORT_H
#define CRM_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "csvio.h"
#include "error.h"
#include "fields.h"
#include "fielddefs.h"
#include "run.h"

struct crm_import_map {
	const char *column;   /* a header of the file */
	const char *field;    /* a field of the kind, "extra", or "-" to ignore */
};

struct crm_import_options {
	enum crm_kind kind;
	int kind_given;               /* 0: guess from the headers */
	const char *source;           /* the records' source (required) */
	const char *customer_source;  /* orders, interactions: NULL means source */
	const char *key_column;       /* NULL: the column the catalogue names key */
	const struct crm_import_map *maps;
	size_t nmaps;
	enum crm_encoding encoding;
	int lenient;                  /* store rows with bad fields, fields emptied */
	int allow_erased;             /* create records of people erased before */
	size_t max_field;             /* 0: the reader's default */
	int no_cleanse;               /* customers: store values as the file wrote them */
	/*
	 * Customers: the country of records that give none (no country
	 * column, or an empty value), stored as their country; NULL: Japan
	 * (crm_record_country).
	 */
	const char *country;
	const struct crm_fielddefs *defs; /* crm-fields(5): more header aliases; or NULL */
};

/* Customer fields the counts by field hold at most (the catalogue's are fewer). */
#define CRM_IMPORT_MAX_FIELDS 64

struct crm_import_stats {
	unsigned long read;           /* records after the header, blank ones excluded */
	unsigned long added;          /* new records */
	unsigned long updated;        /* records with at least one field changed */
	unsigned long unchanged;
	unsigned long rejected;       /* records not stored */
	unsigned long field_errors;   /* lenient: fields left empty */
	unsigned long warned;         /* records stored with a reported mark (a quote
					 kept, a byte order mark removed) */
	unsigned long blank;          /* rows with every field empty, skipped */
	unsigned long new_customers;  /* customers created for unknown customer keys */
	unsigned long changes;        /* changes made: rows inserted, fields updated
					 (the log keeps runs of inserts as one row) */
	const char *encoding;         /* what the file turned out to be */
	/*
	 * Customers, unless no_cleanse: values the rules of crm cleanse stored
	 * otherwise than the file wrote them, and values against a rule or a
	 * field definition (stored as they are: crm cleanse --check lists
	 * them); each also by field, in the customer catalogue's order.
	 */
	unsigned long normalized;
	unsigned long violations;
	unsigned long normalized_by[CRM_IMPORT_MAX_FIELDS];
	unsigned long violations_by[CRM_IMPORT_MAX_FIELDS];
};

/* How the columns were mapped, reported once per file after its header. */
struct crm_import_column {
	const char *header;
	const char *field;            /* field name, "extra" or "-" (ignored) */
	int by_user;                  /* --map or --key said so */
};

struct crm_import_mapping {
	enum crm_kind kind;
	int kind_guessed;
	const struct crm_import_column *columns;
	size_t ncolumns;
	int hashed_key;               /* no key column: the key is a hash of the row */
};

/* One problem with one record (or, when lenient, with one stored field). */
struct crm_import_problem {
	unsigned long line;
	const char *column;           /* header, or NULL for the whole record */
	const char *value;            /* the offending value, or NULL */
	const char *reason;
	const char *raw;              /* the record's lines as read */
	size_t raw_len;
	/*
	 * NULL: the record was rejected. Else how it was stored anyway:
	 * "stored with this field empty" (--lenient), ...
	 */
	const char *stored;
};

/* A value stored otherwise than the file wrote it, by a rule of crm cleanse. */
struct crm_import_change {
	unsigned long line;
	int64_t customer;
	const char *field;
	const char *before;           /* as the file (or, for a field it does not
					 send, the customer) had it; NULL: none */
	const char *after;            /* NULL: emptied */
	const char *rule;
};

struct crm_import_sink {
	void *ctx;
	/* Each may be NULL. A failure of problem() or change() aborts the import. */
	void (*mapping)(void *ctx, const struct crm_import_mapping *m);
	enum crm_status (*problem)(void *ctx, const struct crm_import_problem *p,
				   struct crm_error *err);
	void (*progress)(void *ctx, unsigned long long bytes, unsigned long rows);
	enum crm_status (*change)(void *ctx, const struct crm_import_change *c,
				  struct crm_error *err);
};

/*
 * Imports the CSV on fp (name for messages) into the run's database inside
 * the part of the run the caller has begun (crm_run_part_begin), logging
 * every change to the run. Rejected records go to sink->problem. The counts
 * are the caller's to add to the run. Returns CRM_OK (rejects are not
 * failures: see stats->rejected), or a failure after which the caller must
 * abort the part.
 */
enum crm_status crm_import_file(struct crm_run *run, FILE *fp, const char *name,
				const struct crm_import_options *opts,
				const struct crm_import_sink *sink,
				struct crm_import_stats *stats, struct crm_error *err);

#endif
