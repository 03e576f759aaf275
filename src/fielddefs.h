/*
 * Field definitions (crm-fields(5), the 項目定義シート): a plain-text file
 * that adds header aliases to the catalogue's fields, marks fields
 * required, sets their allowed values, turns cleanse rules on or off per
 * field, and declares fields of its own (kept in customers.extra).
 *
 *     # comments and blank lines are ignored
 *     [email]                      a customer field ([orders.product] for others)
 *     aliases = メアド, Eメール      more header names (',' or '、' between)
 *     required = yes
 *     rules = -email-typo          rules on (name) or off (-name)
 *     [会員区分]                     not in the catalogue: a field of its own
 *     type = enum
 *     choices = ゴールド、シルバー
 *
 * Errors name the file and line. Import and cleanse both read it.
 */
#ifndef CRM_FIELDDEFS_H
#define CRM_FIELDDEFS_H

#include <stddef.h>
#include <stdio.h>

#include "audit.h"
#include "db.h"
#include "error.h"
#include "fields.h"

/* The cleanse rules a definition can turn on or off, by name (and a NULL). */
#define CRM_NRULES 9
extern const char *const crm_rule_names[CRM_NRULES + 1];
/* The same names as a list for messages (test-fielddefs checks they agree). */
#define CRM_RULE_LIST "text, name, kana, company, phone, email, email-typo, postal, address"
/* The index of rule name in crm_rule_names, or -1. */
int crm_rule_index(const char *name);

struct crm_fielddef {
	enum crm_kind kind;
	char *name;                    /* the field's name as written */
	const struct crm_field *field; /* the catalogue's, or NULL for an own field */
	enum crm_ftype type;           /* the catalogue's type, or the declared one */
	char **aliases;
	size_t naliases;
	char **choices;
	size_t nchoices;
	int required;                  /* 1 yes, 0 no, -1 as the catalogue says */
	unsigned rules_on, rules_off;  /* bits by crm_rule_index() */
	unsigned long line;            /* where its section starts */
};

struct crm_fielddefs {
	char *path;                    /* for messages */
	struct crm_fielddef *defs;
	size_t n;
};

/*
 * Reads definitions from fp; path names it in errors (file:line). On
 * success *out is owned by the caller (crm_fielddefs_free). Nothing is
 * returned on a syntax error: CRM_ERR_INVALID with err at its line.
 */
enum crm_status crm_fielddefs_read(FILE *fp, const char *path, struct crm_fielddefs **out,
				   struct crm_error *err);

/* The same from a file name. */
enum crm_status crm_fielddefs_load(const char *path, struct crm_fielddefs **out,
				   struct crm_error *err);

/* The same from text of len bytes; name stands for the file in errors. */
enum crm_status crm_fielddefs_parse(const char *name, const char *text, size_t len,
				    struct crm_fielddefs **out, struct crm_error *err);

void crm_fielddefs_free(struct crm_fielddefs *d);

/* The largest definitions file crm reads whole (to store it). */
#define CRM_FIELDDEFS_MAX (1024 * 1024)

/*
 * The definitions stored in the database by crm_fielddefs_save(), or
 * *out NULL when there are none (or db is NULL).
 */
enum crm_status crm_fielddefs_stored(struct crm_db *db, struct crm_fielddefs **out,
				     struct crm_error *err);

/*
 * Reads the file at path whole, checks it parses, and stores its text as
 * the database's definitions, replacing any, logged through run; inside
 * the run's write transaction.
 */
enum crm_status crm_fielddefs_save(struct crm_db *db, struct crm_audit *run, const char *path,
				   struct crm_error *err);

/* The definition of kind's field name, or NULL. defs may be NULL. */
const struct crm_fielddef *crm_fielddefs_find(const struct crm_fielddefs *defs,
					      enum crm_kind kind, const char *name);

/*
 * The definition whose aliases (or own field's name) match header, matched
 * as crm_header_key() does, or NULL. defs may be NULL.
 */
const struct crm_fielddef *crm_fielddefs_for_header(const struct crm_fielddefs *defs,
						    enum crm_kind kind, const char *header);

/* Whether value is one of def's choices (any value is when it has none). */
int crm_fielddef_allows(const struct crm_fielddef *def, const char *value);

/* Whether rule is on for def: off wins, then on, then dflt. def may be NULL. */
int crm_fielddef_rule(const struct crm_fielddef *def, int rule, int dflt);

#endif
