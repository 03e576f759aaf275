/*
 * Exports of customer records: which columns, whose consent the purpose
 * needs, masking, and the record of provision. Every export is a run
 * that writes a row of exports (who, when, why, for whom, how chosen,
 * which columns, how many) and a row of export_customers per customer,
 * each logged, so that `crm log customer` can say who got whose data.
 *
 *	crm_export_begin   columns checked, the export's id taken
 *	crm_export_where   the customers an expression matches, or
 *	crm_export_ids     the customers named, each to the caller's row
 *	crm_export_finish  the exports row
 *
 * The caller writes the rows (CSV, JSON, a workbook ...) as they come:
 * memory stays flat however many there are.
 */
#ifndef CRM_EXPORT_H
#define CRM_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fields.h"
#include "run.h"
#include "segment.h"
#include "value.h"

enum crm_purpose {
	CRM_PURPOSE_MARKETING,   /* customers without consent for the channels are left out */
	CRM_PURPOSE_SERVICE,
	CRM_PURPOSE_ANALYSIS,
	CRM_PURPOSE_PROVISION,   /* to a third party: a recipient is required */
};
extern const char *const crm_purpose_names[];   /* by enum, NULL-terminated */

/* The consent a column implies for marketing. */
enum crm_consent {
	CRM_CONSENT_EMAIL = 1 << 0,
	CRM_CONSENT_PHONE = 1 << 1,
	CRM_CONSENT_POST = 1 << 2,
};

#define CRM_EXPORT_MAX_COLUMNS 32

struct crm_export {
	/* in */
	enum crm_kind kind;             /* customers, or their orders or interactions */
	const char *columns[CRM_EXPORT_MAX_COLUMNS];   /* field names, checked */
	size_t ncolumns;
	unsigned mask;                  /* bit i: mask column i */
	enum crm_purpose purpose;
	const char *recipient;          /* provision: required */
	const char *filter;             /* how the customers were chosen, for the record */
	int include_merged;
	/* out */
	unsigned consent;               /* marketing: the consents the columns need */
	unsigned long rows;             /* written */
	unsigned long customers;        /* whose data they carried */
	unsigned long left_out;         /* without the consent needed */
	unsigned long lacking[3];       /* of them, without email, phone, post consent */
	int64_t id;                     /* the exports row */
	int recorded;                   /* its exports row and its log entry are in */
	int broken;                     /* a part of its record could not be written */
	/* private */
	struct crm_export_state *st;
};

/*
 * The columns an export of kind can have: id; for customers source_key
 * (the first source record, as source:key), for orders and interactions
 * customer_id and customer_key (their customer's); the table's own
 * columns of the field catalogue.
 */
const char *const *crm_export_columns(enum crm_kind kind, size_t *n);
/* The default columns of an export of kind, NULL-terminated. */
const char *const *crm_export_default_columns(enum crm_kind kind);

/*
 * The column (as crm-fields(5) calls a field: name, email) that token
 * names: the field's own name or any header it is known by (氏名,
 * メールアドレス, e-mail). NULL when none.
 */
const char *crm_export_column(enum crm_kind kind, const char *token);
/* The header of column name in Japanese (氏名), or name itself. */
const char *crm_export_label_ja(enum crm_kind kind, const char *name);

/* What a column holds, for a workbook's cells. */
enum crm_export_column_flags {
	CRM_EXPORT_NUMBER = 1 << 0,   /* a whole number */
	CRM_EXPORT_MONEY = 1 << 1,    /* money, written in the currency's units */
	CRM_EXPORT_DATE = 1 << 2,     /* YYYY-MM-DD */
	CRM_EXPORT_LABEL = 1 << 3,    /* the customer's source:key */
};
unsigned crm_export_column_flags(enum crm_kind kind, const char *name);

/*
 * Starts export x in run (its columns set, checked: CRM_ERR_INVALID
 * names a bad one; a provision needs a recipient). Free with
 * crm_export_release() whatever happens.
 */
enum crm_status crm_export_begin(struct crm_run *run, struct crm_export *x,
				 struct crm_error *err);

/*
 * Called with each customer's values, one per column (text, or NULL for
 * none; an id is a number), masked as x says.
 */
typedef enum crm_status (*crm_export_row_fn)(void *ctx, int64_t id, const struct crm_value *vals,
					     struct crm_error *err);

/* The customers e matches, in id order (merged-away ones left out unless x says). */
enum crm_status crm_export_where(struct crm_run *run, struct crm_export *x,
				 const struct crm_seg_expr *e, crm_export_row_fn row, void *ctx,
				 struct crm_error *err);
/* The customers ids[0..n-1], in that order, each once. */
enum crm_status crm_export_ids(struct crm_run *run, struct crm_export *x, const int64_t *ids,
			       size_t n, crm_export_row_fn row, void *ctx, struct crm_error *err);
/* Writes the exports row: the export as it was done. */
enum crm_status crm_export_finish(struct crm_run *run, struct crm_export *x,
				  struct crm_error *err);
void crm_export_release(struct crm_export *x);

/*
 * Column name's value v masked into buf (size bytes): e-mail t***@example.jp,
 * a phone's middle digits as *, a birthdate's year alone, a name's family
 * part alone, an address and the digits of a postal code after the first
 * three as *. Returns buf, or v when the column is not one that is masked.
 */
const char *crm_export_mask(const char *name, const char *v, char *buf, size_t size);

#endif
