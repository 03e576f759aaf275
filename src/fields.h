/*
 * The field catalogue: every field crm knows for customers, orders and
 * interactions, its type (ftype.h: how import checks and stores it, how
 * cleanse normalizes it), and the header names (Japanese and English) that
 * map to it. Import maps a file's columns through it; cleanse checks
 * values against it.
 */
#ifndef CRM_FIELDS_H
#define CRM_FIELDS_H

#include <stddef.h>

#include "ftype.h"
#include "ftype-address.h"   /* crm_is_prefecture(), which import asks */

enum crm_kind {
	CRM_KIND_CUSTOMERS = 0,
	CRM_KIND_ORDERS,
	CRM_KIND_INTERACTIONS,
	CRM_KIND_COUNT
};

enum crm_field_flags {
	/* The record's own key in its source: (source, key) identifies it. */
	CRM_F_KEY = 1 << 0,
	/* An order's or interaction's customer, by that customer's source key. */
	CRM_F_CUSTOMER_KEY = 1 << 1,
	/* Several columns may map here; their values are joined with a space. */
	CRM_F_JOIN = 1 << 2,
	/* A pseudo-field: not a column of the table. */
	CRM_F_VIRTUAL = 1 << 3,
};

struct crm_field {
	enum crm_kind kind;
	const char *name;              /* the table's column, or a pseudo-field name */
	/* Its type in the catalogue (ftype.h); fieldtype->stored is how import stores it. */
	const struct crm_fieldtype *fieldtype;
	unsigned flags;
	const char *aliases;           /* header names, '|'-separated */
	const char *const *choices;    /* CRM_T_ENUM: the allowed stored values */
};

/* The name of a kind ("customers") and its table; NULL for a bad kind. */
const char *crm_kind_name(enum crm_kind kind);
/* Parses "customers", "orders", "interactions"; returns 0 or -1. */
int crm_kind_parse(const char *s, enum crm_kind *kind);

/* The fields of kind, *n of them; static. */
const struct crm_field *crm_fields(enum crm_kind kind, size_t *n);
/* The field called name in kind, or NULL. */
const struct crm_field *crm_field_find(enum crm_kind kind, const char *name);

/*
 * The form of a header name used for matching: NFKC (so full-width and
 * half-width agree), case folded, with spaces, punctuation and control
 * characters removed: "E-mail", "ｅｍａｉｌ" and "e_mail" all give "email",
 * "お名前（漢字）" gives "お名前漢字". Returns a new string (the caller
 * frees it), or NULL for invalid UTF-8 or no memory.
 */
char *crm_header_key(const char *header);

/* The field of kind whose aliases or name match header, or NULL. */
const struct crm_field *crm_field_for_header(enum crm_kind kind, const char *header);
/*
 * For a header no field takes, the field with an alias a slip away (one
 * character in a short header, two in a longer one: 電話版号 for
 * 電話番号), that alias copied into alias; NULL when none is that near.
 */
const struct crm_field *crm_field_similar(enum crm_kind kind, const char *header,
					  char *alias, size_t alias_size);

/*
 * Guesses the kind of a file from its headers: the kind whose own fields
 * (order number, order date ... for orders) the headers name most. Ties
 * and no clue at all give customers.
 */
enum crm_kind crm_kind_guess(const char *const *headers, size_t n);

#endif
