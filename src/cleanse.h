/*
 * crm cleanse: rewrites customers' stored values into one notation per
 * field (the normalizers), and checks them against the field definitions.
 * Every changed value is one logged update of the caller's run, so that
 * `crm log revert` undoes a cleanse like any run.
 */
#ifndef CRM_CLEANSE_H
#define CRM_CLEANSE_H

#include <stdint.h>

#include "audit.h"
#include "db.h"
#include "error.h"
#include "fielddefs.h"

struct crm_cleanse_options {
	unsigned rules;                 /* bits by crm_rule_index(); 0: all */
	const char *const *fields;      /* only these customer fields; NULL: all */
	size_t nfields;
	int check;                      /* report violations, change nothing */
	int64_t since;                  /* only customers this run or later ones changed; 0: all */
	const struct crm_fielddefs *defs; /* or NULL */
};

/* A change made, or a violation found (problem set), for the caller to print or count. */
struct crm_cleanse_item {
	int64_t customer;
	const char *field;
	const char *before;             /* NULL for no value */
	const char *after;              /* a change: the new value (NULL: emptied) */
	const char *rule;               /* a change: the rule that made it */
	const char *problem;            /* a violation: what is wrong */
};

struct crm_cleanse_sink {
	void *ctx;
	enum crm_status (*item)(void *ctx, const struct crm_cleanse_item *item,
				struct crm_error *err);
	/* at: the id reached, of total (the largest id); scanned: customers read */
	void (*progress)(void *ctx, unsigned long at, unsigned long total, unsigned long scanned);
};

struct crm_cleanse_stats {
	unsigned long scanned;          /* customers read */
	unsigned long rows_changed;     /* customers with at least one change */
	unsigned long changes;          /* values changed */
	unsigned long per_rule[CRM_NRULES];
	unsigned long violations;
};

/*
 * Cleanses the customers (not merged into another) inside the caller's
 * write transaction and run (run may be NULL with opts->check). Changes
 * and violations go to sink as they are found; the customers table is
 * read in one pass, in id order, with memory that does not grow with it.
 */
enum crm_status crm_cleanse(struct crm_db *db, struct crm_audit *run,
			    const struct crm_cleanse_options *opts,
			    const struct crm_cleanse_sink *sink,
			    struct crm_cleanse_stats *stats, struct crm_error *err);

/*
 * A part of a cleanse, for a run in parts that lets other writers in
 * between (#12: a long cleanse held the write lock for all of its run):
 * the customers after id *from, in id order, until budget_ms have passed
 * (0: no limit) or none is left. *from becomes the last id cleansed and
 * *done 1 when none is left; stats add up over the parts (zero them first).
 * A customer is cleansed whole in one part.
 */
enum crm_status crm_cleanse_part(struct crm_db *db, struct crm_audit *run,
				 const struct crm_cleanse_options *opts,
				 const struct crm_cleanse_sink *sink,
				 struct crm_cleanse_stats *stats, int64_t *from, long budget_ms,
				 int *done, struct crm_error *err);

#endif
