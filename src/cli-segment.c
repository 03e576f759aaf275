/*
 * The segment target of the command line (cli-segment.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-segment.h"
#include "output.h"
#include "banned.h"

/*
 * A bad expression: the message, and under a short one on a terminal the
 * expression with a caret at the trouble.
 */
int crm_expr_error(const char *cmd, const char *text, size_t at, const struct crm_error *err)
{
	size_t len = strlen(text), i;

	crm_report(cmd, err);
	if (len > 200 || !isatty(STDERR_FILENO) || at > len || strchr(text, '\n'))
		return crm_exit_code(err->code);
	fprintf(stderr, "  %s\n  ", text);
	for (i = crm_display_width(text, at); i > 0; i--)
		fputc(' ', stderr);
	fputs("^\n", stderr);
	return crm_exit_code(err->code);
}

/*
 * An expression given as "-": read from standard input (one too long to
 * be an argument), all of it counted but only what can be compiled kept.
 * *len is its whole length; the text is NUL-terminated at what was kept.
 */
static char *read_expr(size_t *len, struct crm_error *err)
{
	size_t cap = CRM_SEG_MAX_BYTES + 1, n = 0, got;
	char *buf = malloc(cap + 1), chunk[8192];

	if (!buf) {
		crm_error_nomem(err);
		return NULL;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (n < cap)
			memcpy(buf + n, chunk, got < cap - n ? got : cap - n);
		n += got;
	}
	if (ferror(stdin)) {
		free(buf);
		crm_error_set(err, CRM_ERR_IO, "cannot read the expression from standard input");
		return NULL;
	}
	/* a byte order mark, as Windows' Notepad writes, is not part of it */
	if (n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		memmove(buf, buf + 3, (n < cap ? n : cap) - 3);
		n -= 3;
	}
	/* a final newline, as echo and editors leave, is not part of it */
	if (n && n <= cap && buf[n - 1] == '\n')
		n--;
	buf[n < cap ? n : cap] = '\0';
	*len = n;
	return buf;
}

/* The expression text of an argument: itself, or for "-" standard input. */
int crm_expr_arg(const char *cmd, const char *arg, char **owned, size_t *len)
{
	struct crm_error err;

	*owned = NULL;
	if (strcmp(arg, "-")) {
		*len = strlen(arg);
		return CRM_EXIT_OK;
	}
	crm_error_clear(&err);
	if (!(*owned = read_expr(len, &err)))
		return crm_report(cmd, &err);
	return CRM_EXIT_OK;
}

void crm_target_release(struct crm_target *t)
{
	crm_seg_free(t->e);
	crm_segment_release(&t->seg);
	free(t->owned);
	memset(t, 0, sizeof(*t));
}

/* A segment of the RFM scores' segment names whose scores have none, or other ones. */
static void warn_scheme(const struct crm_ctx *ctx, const char *cmd, const struct crm_target *t)
{
	const struct crm_seg_field *const *used;
	size_t n, i;

	used = crm_seg_used(t->e, &n);
	for (i = 0; i < n && strcmp(used[i]->name, "segment"); i++)
		;
	if (i == n || ctx->quiet || !t->env.rfm_run || !t->env.rfm_bins)
		return;   /* scores saved before schema 13 do not say their scheme */
	if (!t->env.rfm_scheme[0])
		fprintf(stderr, "crm %s: warning: the RFM scores of run %lld name no segments "
			"(saved with --scheme none): no one has one\n", cmd, (long long)t->env.rfm_run);
	else if (t->seg.builtin && !t->seg.id && strcmp(t->env.rfm_scheme, "rfm11"))
		fprintf(stderr, "crm %s: warning: the RFM scores of run %lld name their "
			"segments by %s, and %s is one of rfm11's\n", cmd, (long long)t->env.rfm_run,
			t->env.rfm_scheme, t->seg.name);
}

int crm_target_open(struct crm_ctx *ctx, const char *cmd, const char *name, const char *where,
		    const char *as_of, struct crm_target *t)
{
	struct crm_error err;
	enum crm_status s;
	size_t at = 0, len = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	crm_error_clear(&err);
	if (!name && (rc = crm_expr_arg(cmd, where, &t->owned, &len)))
		return rc;
	if ((s = crm_open_db(ctx, &err)) || (s = crm_segment_env(ctx->db, as_of, &t->env, &err)) ||
	    (name && (s = crm_segment_find(ctx->db, name, &t->seg, &err)))) {
		crm_target_release(t);
		return crm_report(cmd, &err);
	}
	t->text = name ? t->seg.definition : t->owned ? t->owned : where;
	if (name)
		len = strlen(t->text);
	if ((s = crm_seg_compile(t->text, len, &t->env, &t->e, &at, &err))) {
		rc = crm_expr_error(cmd, t->text, at, &err);
		if (name)
			fprintf(stderr, "crm %s: (segment '%s' is: %s)\n", cmd, name, t->text);
		crm_target_release(t);
		return rc;
	}
	warn_scheme(ctx, cmd, t);
	return CRM_EXIT_OK;
}
