/*
 * What the commands that take a segment share for the command line (crm
 * segment, crm export): a segment named, or an expression given with
 * --where (or "-" for standard input), compiled as of a day; and a bad
 * expression reported with a caret under the trouble.
 *
 * Not part of libcrm: linked into the crm program with cli.c.
 */
#ifndef CRM_CLI_SEGMENT_H
#define CRM_CLI_SEGMENT_H

#include <stddef.h>

#include "cli.h"
#include "segment.h"

/* A segment (or an expression) to evaluate. */
struct crm_target {
	struct crm_segment seg;   /* seg.name NULL for an expression */
	struct crm_seg_env env;
	struct crm_seg_expr *e;
	const char *text;         /* the expression */
	char *owned;              /* read from standard input */
};

/*
 * Opens the database of ctx for reading (if not open yet) and compiles
 * the segment name, else the expression where, as of as_of (NULL: today).
 * Reports a failure as command cmd and returns its exit code; 0 when t is
 * ready, to release with crm_target_release().
 */
int crm_target_open(struct crm_ctx *ctx, const char *cmd, const char *name, const char *where,
		    const char *as_of, struct crm_target *t);
void crm_target_release(struct crm_target *t);

/* Reports err of text's compilation and, on a terminal, a caret at byte at. */
int crm_expr_error(const char *cmd, const char *text, size_t at, const struct crm_error *err);
/*
 * The expression text of arg: itself, or for "-" standard input into a
 * new *owned (NULL otherwise); *len its length. An exit code.
 */
int crm_expr_arg(const char *cmd, const char *arg, char **owned, size_t *len);

#endif
