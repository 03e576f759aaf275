/*
 * The rules of crm cleanse for one customer's values, wherever they come
 * from: the customers table (crm cleanse, src/cleanse.c) or a record on
 * its way in (crm import, src/import-clean.c). Which columns (from the field
 * catalogue), which rules and field definitions apply, and what they make
 * of a row: changed values in the row, violations and changes to the sink.
 * Private to the commands' cores: cleanse.c and import.
 */
#ifndef CRM_ROWCLEAN_H
#define CRM_ROWCLEAN_H

#include <stdint.h>

#include "cleanse.h"
#include "fields.h"
#include "ftype-date.h"
#include "normalize.h"

typedef enum crm_status (*crm_rowclean_fn)(const char *s, struct crm_norm *out,
				      struct crm_error *err);

enum rule { R_TEXT, R_NAME, R_KANA, R_COMPANY, R_PHONE, R_EMAIL, R_EMAIL_TYPO, R_POSTAL,
	    R_ADDRESS };
/* In the order of crm_rule_names, whose names the summary prints by these. */
_Static_assert(R_ADDRESS + 1 == CRM_NRULES, "enum rule and crm_rule_names must agree");

/*
 * How a column is cleansed: not at all, checked only, normalized, or by a
 * function of its own for the three with more to them.
 */
enum how { H_NONE, H_CHECK, H_PLAIN, H_EMAIL, H_ADDRESS };

/* A customer field of the catalogue that cleanse reads, and what it does with it. */
struct crm_rowclean_col {
	const char *name;    /* the catalogue's */
	enum rule rule;      /* the rule that normalizes it */
	crm_rowclean_fn fn;       /* NULL (H_CHECK): checked only */
	enum how how;
	int japan_only;      /* skipped for a record whose country is not Japan */
};

/*
 * The columns come from the field catalogue, in its order; a field's type
 * there says how it is cleansed (column_for): its normalizer, and for
 * email, phone and address what more is done with what it gives.
 */
/*
 * The fields cleanse treats by what they mean: the name and its parts,
 * the address and its parts, the country (is the record Japanese?), and
 * the values import stores canonical. Their columns are found at setup.
 */
enum field { F_NAME, F_FAMILY, F_GIVEN, F_EMAIL, F_PREFECTURE, F_CITY, F_ADDRESS, F_COUNTRY,
	     F_BIRTHDATE, F_GENDER, F_COUNT };
static const char *const field_names[F_COUNT] = {
	[F_NAME] = "name", [F_FAMILY] = "family_name", [F_GIVEN] = "given_name",
	[F_EMAIL] = "email", [F_PREFECTURE] = "prefecture", [F_CITY] = "city",
	[F_ADDRESS] = "address", [F_COUNTRY] = "country", [F_BIRTHDATE] = "birthdate",
	[F_GENDER] = "gender",
};

/* At most as many columns as the bits of a set of them (an UPDATE's). */
#define CRM_ROWCLEAN_MAX_COLS ((int)(sizeof(unsigned long) * 8))

/*
 * A normalizer's result worked out ahead, in another thread, for the
 * value in: crm_rowclean_apply() takes it instead of calling the
 * normalizer when the column holds that value then (a normalizer is a
 * pure function of its input, so the result is the same).
 */
struct crm_rowclean_pre {
	const char *in;          /* not owned (the maker's); NULL: none */
	enum crm_status st;      /* what the normalizer returned */
	struct crm_norm norm;    /* its result, which crm_rowclean_apply() borrows */
	int packed;              /* norm's strings are not owned (the maker's buffer) */
	int same;                /* norm.value is in, byte for byte */
	char *why;               /* CRM_ERR_INVALID: the message (owned) */
	/*
	 * Import's check of the same value (crm_fieldtype's check) for a
	 * record in country, when checked is 1.
	 */
	int checked, country;
	enum crm_status check_st;
	char *check_why;
};

/*
 * Frees what p holds and leaves it empty. The pre must outlive the row
 * it was given to (crm_rowclean_apply() borrows its result).
 */
void crm_rowclean_pre_release(struct crm_rowclean_pre *p);

/* One customer as read, and the values this run gives it. */
struct crm_rowclean_row {
	int64_t id;
	char *val[CRM_ROWCLEAN_MAX_COLS];     /* current values, NULL for none: owned, */
	unsigned long lent;                   /* but for those of these bits (the caller's) */
	char *orig[CRM_ROWCLEAN_MAX_COLS];    /* as read, for the log (owned) */
	int rule[CRM_ROWCLEAN_MAX_COLS];      /* the rule that last changed the column */
	char *updated_at;        /* as read (crm cleanse) */
	int japan;
	/*
	 * The values of the field definitions' own fields (in extra), by own[]
	 * index; NULL when they are not known, and then not checked.
	 */
	const char *const *own;
	/* Results worked out ahead, by column, or NULL (see struct crm_rowclean_pre). */
	struct crm_rowclean_pre *pre;
};

struct crm_rowclean {
	const struct crm_cleanse_options *o;
	const struct crm_cleanse_sink *sink;
	struct crm_cleanse_stats *st;
	/* The columns, from the catalogue, and where the fields of enum field are. */
	struct crm_rowclean_col col[CRM_ROWCLEAN_MAX_COLS];
	int ncols;
	int at[F_COUNT];
	const struct crm_fielddef *def[CRM_ROWCLEAN_MAX_COLS];
	/* Worked out once from the options and definitions, read per customer. */
	int on[CRM_ROWCLEAN_MAX_COLS];            /* the column is cleansed (--field) */
	unsigned rules[CRM_ROWCLEAN_MAX_COLS];    /* the rules on for it, bits by enum rule */
	/* the company's own fields (defined, not in the catalogue), those --field
	 * leaves in: values from extra */
	const struct crm_fielddef **own;
	size_t nown;
	struct crm_norm norm;
	int borrowed;                     /* norm's strings are a pre's (rowclean.c) */
	const char *same;                 /* and norm.value is this value, byte for byte */
	const struct crm_field *gender;   /* the catalogue's, for its choices */
	char today[CRM_DATE_SIZE];        /* local, YYYY-MM-DD: no birthdate is after it */
};

/* The column of field f (of enum field). */
#define AT(c, f) ((c)->at[f])

/*
 * Sets rc up for the options (rules, --field, the field definitions) with
 * the sink and stats that violations and changes go to (sink may be NULL).
 * Released with crm_rowclean_release().
 */
enum crm_status crm_rowclean_init(struct crm_rowclean *rc, const struct crm_cleanse_options *o,
				  const struct crm_cleanse_sink *sink,
				  struct crm_cleanse_stats *st, struct crm_error *err);
void crm_rowclean_release(struct crm_rowclean *rc);

/*
 * Applies the rules to row r: its values in val[] are replaced by what
 * they become (orig[] is left for the caller to compare with), rule[]
 * says which rule changed each, and violations go to the sink.
 */
enum crm_status crm_rowclean_apply(struct crm_rowclean *rc, struct crm_rowclean_row *r,
				   struct crm_error *err);

#endif
