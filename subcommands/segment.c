/*
 * crm segment: named sets of customers to act on, defined in a small
 * language that compiles to SQL with bound values only (segment.h), and
 * who entered and left them between snapshots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-segment.h"
#include "customer.h"
#include "rfm.h"
#include "segment.h"
#include "utf8.h"
#include "banned.h"

#define CMD "segment"

enum {
	OPT_WHERE = CRM_OPT_OWN,
	OPT_IDS,
	OPT_AS_OF,
	OPT_DESCRIPTION,
	OPT_REPLACE,
	OPT_SINCE_EXPORT,
	OPT_SCHEME,
};

static const struct crm_option segment_options[] = {
	{ "where", OPT_WHERE, "<expr>", "show, count: this expression instead of a saved\n"
	  "segment", "an expression, such as \"prefecture = '東京都'\"" },
	{ "ids", OPT_IDS, NULL, "show: the ids alone, one per line, for a pipeline\n(crm export --ids -)",
	  NULL },
	{ "as-of", OPT_AS_OF, "<date>", "evaluate as on this day, YYYY-MM-DD: today, age and\n"
	  "days since are counted from it, later orders left out\n(default: today)",
	  "a date, YYYY-MM-DD" },
	{ "description", OPT_DESCRIPTION, "<text>", "create: what the segment is for", "text" },
	{ "replace", OPT_REPLACE, NULL, "create: change the expression of a saved segment", NULL },
	{ "since-export", OPT_SINCE_EXPORT, "<run>", "show: who of that export's recipients bought\n"
	  "afterwards, with their spend (効果測定)", "a run number" },
	{ "scheme", OPT_SCHEME, "<file>", "lint: the R x FM cells of this RFM scheme file that\n"
	  "no segment or two segments name", "a scheme file, crm-rfm(1)" },
	CRM_OPT_DRY_RUN,
	CRM_OPT_FORMAT,
	CRM_OPT_END,
};

static const struct crm_usage segment_usage = {
	"usage: crm segment list [--format <fmt>]\n"
	"       crm segment show (<name> | --where <expr>) [--ids] [--as-of <date>]\n"
	"                        [--since-export <run>] [--format <fmt>]\n"
	"       crm segment count (<name> | --where <expr>) [--as-of <date>]\n"
	"       crm segment create <name> <expr> [--description <text>] [--replace]\n"
	"                          [--dry-run]\n"
	"       crm segment drop <name> [--dry-run]\n"
	"       crm segment snapshot <name> [--as-of <date>] [--dry-run]\n"
	"       crm segment diff <name> [<run> [<run>]] [--as-of <date>] [--format <fmt>]\n"
	"       crm segment lint [--scheme <file>] [--as-of <date>]\n"
	"       crm segment fields [--format <fmt>]\n",
	segment_options,
};

#define usage_error(...) crm_usage_error(CMD, &segment_usage, __VA_ARGS__)

struct cli {
	struct crm_ctx *ctx;
	const char *verb;
	char **args;
	int nargs;
	const char *where, *as_of, *description, *scheme;
	int ids, replace, dry_run, format_set;
	int64_t since_export;
	enum crm_format format;
};

/* ---- Expressions ---------------------------------------------------------- */

/* The segment name, or --where, compiled as of --as-of: the shared target (cli-segment.h). */
static int target_open(struct cli *cli, const char *name, struct crm_target *t)
{
	return crm_target_open(cli->ctx, CMD, name, cli->where, cli->as_of, t);
}

/* show and count take a name or --where, not both. */
static int want_target(struct cli *cli)
{
	if (cli->where && cli->nargs)
		return usage_error("%s takes a segment name or --where, not both", cli->verb);
	if (cli->nargs > 1)
		return usage_error("too many arguments for segment %s ('%s'): one segment name",
				   cli->verb, cli->args[1]);
	if (!cli->where && cli->nargs != 1)
		return usage_error("%s needs a segment name or --where '<expression>'", cli->verb);
	return CRM_EXIT_OK;
}

/* ---- Records out -------------------------------------------------------------- */

/* Value of column col of r, of field f, as a person reads it (money in units). */
static struct crm_value field_value(struct crm_rows *r, size_t col,
				   const struct crm_seg_field *f, char buf[32])
{
	struct crm_value v = crm_rows_value(r, col);

	/* a fraction is money's ten-thousandths too: 2500 is 0.25 */
	if ((f->type == CRM_SEG_MONEY || f->type == CRM_SEG_SHARE) && v.type == CRM_VALUE_INT) {
		crm_rfm_money(v.i, buf);
		return crm_value_text(buf);
	}
	return v;
}

static enum crm_status out_open(struct cli *cli, struct crm_out **out, const char *const *names,
				size_t n, struct crm_error *err)
{
	enum crm_status s = crm_out_open(out, stdout, cli->format, names, n, err);

	if (!s)
		crm_out_set_cut(*out, isatty(STDOUT_FILENO));
	return s;
}

static void said(struct cli *cli, const struct crm_target *t, unsigned long n);

static int show_ids(struct cli *cli, struct crm_target *t)
{
	struct crm_rows *r = NULL;
	struct crm_error err;
	enum crm_status s;
	unsigned long n = 0;
	int k = 0;

	crm_error_clear(&err);
	s = crm_segment_rows(cli->ctx->db, t->e, 1, &r, &err);
	while (!s && (k = crm_rows_next(r, &err)) > 0) {
		if (printf("%lld\n", (long long)crm_rows_value(r, 0).i) < 0)
			s = crm_error_set(&err, CRM_ERR_IO, "cannot write the ids");
		n++;
	}
	if (!s && k < 0)
		s = crm_error_status(&err);
	crm_rows_free(r);
	if (!s && fflush(stdout))
		s = crm_error_set(&err, CRM_ERR_IO, "cannot write the ids");
	if (s)
		return crm_report(CMD, &err);
	said(cli, t, n);
	return CRM_EXIT_OK;
}

static void said(struct cli *cli, const struct crm_target *t, unsigned long n)
{
	char a[32];

	if (cli->ctx->quiet)
		return;
	if (t->seg.name)
		fprintf(stderr, "crm segment: %s customer%s in %s as of %s\n",
			crm_num(n, a, sizeof(a)), n == 1 ? "" : "s", t->seg.name, t->env.as_of);
	else
		fprintf(stderr, "crm segment: %s customer%s as of %s\n", crm_num(n, a, sizeof(a)),
			n == 1 ? " matches" : "s match", t->env.as_of);
}

/* Whether show has field f's column anyway. */
static int shown(const struct crm_seg_field *f)
{
	return !strcmp(f->name, "id") || !strcmp(f->name, "name");
}

static int show(struct cli *cli)
{
	const struct crm_seg_field *const *used;
	struct crm_customer_labels *labels = NULL;
	const char **names = NULL;
	struct crm_value *vals = NULL;
	struct crm_rows *r = NULL;
	struct crm_out *out = NULL;
	struct crm_error err;
	struct crm_target t;
	enum crm_status s;
	size_t n, i, cols = 3;
	int rc, more = 0;
	char money[64][32];

	if ((rc = target_open(cli, cli->where ? NULL : cli->args[0], &t)))
		return rc;
	if (cli->ids) {
		rc = show_ids(cli, &t);
		crm_target_release(&t);
		return rc;
	}
	crm_error_clear(&err);
	used = crm_seg_used(t.e, &n);
	if (!(names = calloc(n + 3, sizeof(*names))) || !(vals = calloc(n + 3, sizeof(*vals)))) {
		s = crm_error_nomem(&err);
		goto out;
	}
	names[0] = "id";
	names[1] = "source_key";
	names[2] = "name";
	/* id and name are there already: the fields named are the others */
	for (i = 0, cols = 3; i < n; i++)
		if (!shown(used[i]))
			names[cols++] = used[i]->name;
	/* the name is asked for by default: a field named name is not shown twice */
	s = crm_customer_labels_open(cli->ctx->db, &labels, &err);
	if (!s)
		s = crm_segment_rows(cli->ctx->db, t.e, 0, &r, &err);
	if (!s)
		s = out_open(cli, &out, names, cols, &err);
	while (!s && (more = crm_rows_next(r, &err)) > 0) {
		const char *key = NULL, *name = NULL;
		size_t k;
		int64_t id = crm_rows_value(r, 0).i;

		if ((s = crm_customer_label(labels, id, &key, &name, &err)))
			break;
		vals[0] = crm_value_int(id);
		vals[1] = key ? crm_value_text(key) : crm_value_null();
		vals[2] = name ? crm_value_text(name) : crm_value_null();
		for (i = 0, k = 3; i < n && i < 64; i++)
			if (!shown(used[i]))
				vals[k++] = field_value(r, i + 1, used[i], money[i]);
		s = crm_out_row(out, vals, &err);
	}
	if (!s && more < 0)
		s = crm_error_status(&err);
	if (!s) {
		unsigned long rows = crm_out_rows(out);

		s = crm_out_close(out, &err);
		out = NULL;
		if (!s)
			said(cli, &t, rows);
	}
out:
	crm_out_free(out);
	crm_rows_free(r);
	crm_customer_labels_free(labels);
	free(names);
	free(vals);
	crm_target_release(&t);
	return s ? crm_report(CMD, &err) : CRM_EXIT_OK;
}

static int count(struct cli *cli)
{
	struct crm_error err;
	struct crm_target t;
	int64_t n = 0;
	int rc;

	if ((rc = target_open(cli, cli->where ? NULL : cli->args[0], &t)))
		return rc;
	crm_error_clear(&err);
	if (crm_segment_count(cli->ctx->db, t.e, &n, &err)) {
		crm_target_release(&t);
		return crm_report(CMD, &err);
	}
	printf("%lld\n", (long long)n);
	crm_target_release(&t);
	if (fflush(stdout)) {
		crm_error_set(&err, CRM_ERR_IO, "cannot write the count");
		return crm_report(CMD, &err);
	}
	return CRM_EXIT_OK;
}

/* ---- The effect of an export ------------------------------------------------------ */

struct effect_out {
	struct cli *cli;
	struct crm_out *out;    /* opened at the first row: an error prints nothing */
	struct crm_customer_labels *labels;
};

static const char *const effect_names[] = {
	"id", "source_key", "name", "orders_since", "spent_since", "first_order_since",
};

static enum crm_status out_open(struct cli *cli, struct crm_out **out, const char *const *names,
				size_t n, struct crm_error *err);

static enum crm_status effect_row(void *ctx, int64_t id, int64_t orders, int64_t spent,
				  const char *first, struct crm_error *err)
{
	struct effect_out *x = ctx;
	const char *key = NULL, *name = NULL;
	struct crm_value v[6];
	char money[32];
	enum crm_status s = crm_customer_label(x->labels, id, &key, &name, err);

	if (!s && !x->out)
		s = out_open(x->cli, &x->out, effect_names, 6, err);
	if (s)
		return s;
	crm_rfm_money(spent, money);
	v[0] = crm_value_int(id);
	v[1] = key ? crm_value_text(key) : crm_value_null();
	v[2] = name ? crm_value_text(name) : crm_value_null();
	v[3] = crm_value_int(orders);
	v[4] = crm_value_text(money);
	v[5] = *first ? crm_value_text(first) : crm_value_null();
	return crm_out_row(x->out, v, err);
}

static void rate(size_t a, size_t b, char buf[16])
{
	snprintf(buf, 16, "%.1f%%", b ? 100.0 * (double)a / (double)b : 0.0);
}

static int since_export(struct cli *cli)
{
	struct effect_out x = { .cli = cli };
	struct crm_seg_effect eff;
	struct crm_segment seg;
	struct crm_error err;
	enum crm_status s;
	char a[32], b[32], m[32], pct[16];

	crm_error_clear(&err);
	memset(&seg, 0, sizeof(seg));
	if ((s = crm_open_db(cli->ctx, &err)) ||
	    (s = crm_segment_find(cli->ctx->db, cli->args[0], &seg, &err)))
		return crm_report(CMD, &err);
	s = crm_customer_labels_open(cli->ctx->db, &x.labels, &err);
	if (!s)
		s = crm_segment_effect(cli->ctx->db, seg.name, cli->since_export, &eff, effect_row,
				       &x, &err);
	if (!s && !x.out)
		s = out_open(cli, &x.out, effect_names, 6, &err);
	if (!s) {
		s = crm_out_close(x.out, &err);
		x.out = NULL;
	}
	crm_out_free(x.out);
	crm_customer_labels_free(x.labels);
	if (s) {
		crm_segment_release(&seg);
		return crm_report(CMD, &err);
	}
	if (!cli->ctx->quiet) {
		crm_rfm_money(eff.spent, m);
		rate(eff.bought, eff.recipients, pct);
		fprintf(stderr, "crm segment: export run %lld (%s): %s recipient%s, %s bought "
			"since (%s), spending %s\n", (long long)eff.run, eff.day,
			crm_num(eff.recipients, a, sizeof(a)), eff.recipients == 1 ? "" : "s",
			crm_num(eff.bought, b, sizeof(b)), pct, m);
		if (eff.control_run) {
			crm_rfm_money(eff.control_spent, m);
			rate(eff.control_bought, eff.control, pct);
			fprintf(stderr, "crm segment: not sent (in %s's snapshot of run %lld, not in "
				"the export): %s, %s bought (%s), spending %s\n", seg.name,
				(long long)eff.control_run, crm_num(eff.control, a, sizeof(a)),
				crm_num(eff.control_bought, b, sizeof(b)), pct, m);
		} else {
			fprintf(stderr, "crm segment: no snapshot of %s before the export to compare "
				"with (crm segment snapshot %s, then export, gives a control group)\n",
				seg.name, seg.name);
		}
	}
	crm_segment_release(&seg);
	return CRM_EXIT_OK;
}

/* ---- list, fields ------------------------------------------------------------------- */

static int list(struct cli *cli)
{
	static const char *const names[] = { "name", "kind", "definition", "description" };
	struct crm_segment *v = NULL;
	struct crm_out *out = NULL;
	struct crm_error err;
	enum crm_status s;
	size_t n = 0, i;

	crm_error_clear(&err);
	if ((s = crm_open_db(cli->ctx, &err)) ||
	    (s = crm_segment_list(cli->ctx->db, &v, &n, &err)))
		return crm_report(CMD, &err);
	s = out_open(cli, &out, names, 4, &err);
	for (i = 0; !s && i < n; i++) {
		struct crm_value vals[4];

		vals[0] = crm_value_text(v[i].name);
		vals[1] = crm_value_text(!v[i].id ? "built-in" : v[i].builtin ?
					 "saved (replaces the built-in)" : "saved");
		vals[2] = crm_value_text(v[i].definition);
		vals[3] = v[i].description ? crm_value_text(v[i].description) : crm_value_null();
		s = crm_out_row(out, vals, &err);
	}
	if (!s) {
		s = crm_out_close(out, &err);
		out = NULL;
	}
	crm_out_free(out);
	for (i = 0; i < n; i++)
		crm_segment_release(&v[i]);
	free(v);
	return s ? crm_report(CMD, &err) : CRM_EXIT_OK;
}

static int fields(struct cli *cli)
{
	static const char *const names[] = { "field", "type", "about" };
	const struct crm_seg_field *f;
	struct crm_out *out = NULL;
	struct crm_error err;
	enum crm_status s;
	size_t n, i;
	char about[200];

	crm_error_clear(&err);
	f = crm_seg_fields(&n);
	s = out_open(cli, &out, names, 3, &err);
	for (i = 0; !s && i < n; i++) {
		struct crm_value v[3];
		const char *p;
		size_t k = 0;

		/* the help's line breaks are for the man page's width */
		for (p = f[i].help; *p && k + 1 < sizeof(about); p++)
			about[k++] = *p == '\n' ? ' ' : *p;
		about[k] = '\0';
		v[0] = crm_value_text(f[i].name);
		v[1] = crm_value_text(crm_seg_type_name(f[i].type));
		v[2] = crm_value_text(about);
		s = crm_out_row(out, v, &err);
	}
	if (!s) {
		s = crm_out_close(out, &err);
		out = NULL;
	}
	crm_out_free(out);
	return s ? crm_report(CMD, &err) : CRM_EXIT_OK;
}

/* ---- create, drop, snapshot: runs ------------------------------------------------------ */

static int create(struct cli *cli)
{
	const char *name = cli->args[0], *text = cli->args[1], *why;
	struct crm_seg_expr *e = NULL;
	struct crm_seg_env env;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	size_t at = 0, len = 0;
	char *owned = NULL, *desc = NULL;
	struct crm_segment was = { 0 };
	int replaced = 0, rc;

	if (!crm_segment_name_ok(name))
		return usage_error("'%s' cannot name a segment: letters, digits, - and _ (or "
				   "Japanese), at most 64 bytes, not starting with -", name);
	if ((rc = crm_expr_arg(CMD, text, &owned, &len)))
		return rc;
	text = owned ? owned : text;
	crm_error_clear(&err);
	if ((s = crm_open_db_write(cli->ctx, &err)) ||
	    (s = crm_segment_env(cli->ctx->db, cli->as_of, &env, &err))) {
		free(owned);
		return crm_report(CMD, &err);
	}
	env.check_only = 1;
	if (crm_seg_compile(text, len, &env, &e, &at, &err)) {
		rc = crm_expr_error(CMD, text, at, &err);
		free(owned);
		return rc;
	}
	/* what the database cannot evaluate is not saved either */
	if (crm_segment_check(cli->ctx->db, e, &err)) {
		crm_seg_free(e);
		free(owned);
		return crm_report(CMD, &err);
	}
	why = crm_seg_never(e);
	if (why && !cli->ctx->quiet)
		fprintf(stderr, "crm segment: warning: %s can never match: %s\n", name, why);
	if (crm_seg_needs_rfm(e) && !env.rfm_run && !cli->ctx->quiet)
		fprintf(stderr, "crm segment: warning: no RFM scores are saved yet: %s can be "
			"evaluated once crm rfm --save has saved some\n", name);
	/*
	 * A saved one that replaces a built-in keeps its description when it
	 * is the same definition, and else its label alone (休眠 of "休眠:
	 * ordered before, but not in the last 365 days"): the rest told the
	 * built-in's definition, not this one's. Unless told.
	 */
	if (!cli->description && !crm_segment_find(cli->ctx->db, name, &was, &err) &&
	    was.builtin && !was.id && was.description &&
	    !(desc = strcmp(was.definition, text) ? strndup(was.description,
							   strcspn(was.description, ":"))
						    : strdup(was.description))) {
		crm_segment_release(&was);
		crm_seg_free(e);
		free(owned);
		return crm_exit_code(CRM_ERR_NOMEM);
	}
	crm_segment_release(&was);
	crm_error_clear(&err);
	crm_seg_free(e);
	s = crm_run_begin(cli->ctx->db, CMD, cli->ctx->argc, cli->ctx->argv,
			  cli->dry_run ? CRM_RUN_DRY : 0, &run, &err);
	if (!s)
		s = crm_segment_save(run, name, text, desc ? desc : cli->description,
				     cli->replace, &replaced, &err);
	if (!s)
		s = crm_run_count(run, replaced == 1 ? "replaced" : replaced ? "unchanged" :
				  "created", 1, &err);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	crm_run_free(run);
	free(owned);
	free(desc);
	if (s)
		return crm_report(CMD, &err);
	if (replaced == 2)
		crm_note(cli->ctx, CMD, "%s is that already: nothing changed", name);
	else
		crm_note(cli->ctx, CMD, "%s%s %s", cli->dry_run ? "dry run: would have " : "",
			 replaced ? "replaced" : "created", name);
	return CRM_EXIT_OK;
}

static int drop(struct cli *cli)
{
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;

	crm_error_clear(&err);
	if ((s = crm_open_db_write(cli->ctx, &err)))
		return crm_report(CMD, &err);
	s = crm_run_begin(cli->ctx->db, CMD, cli->ctx->argc, cli->ctx->argv,
			  cli->dry_run ? CRM_RUN_DRY : 0, &run, &err);
	if (!s)
		s = crm_segment_drop(run, cli->args[0], &err);
	if (!s)
		s = crm_run_count(run, "dropped", 1, &err);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	crm_run_free(run);
	if (s)
		return crm_report(CMD, &err);
	crm_note(cli->ctx, CMD, "%sdropped %s", cli->dry_run ? "dry run: would have " : "",
		 cli->args[0]);
	return CRM_EXIT_OK;
}

static int snapshot(struct cli *cli)
{
	struct crm_run *run = NULL;
	struct crm_error err;
	struct crm_target t;
	enum crm_status s;
	int64_t members = 0, id = 0;
	char a[32];
	int rc;

	crm_error_clear(&err);
	if ((s = crm_open_db_write(cli->ctx, &err)))
		return crm_report(CMD, &err);
	if ((rc = target_open(cli, cli->args[0], &t)))
		return rc;
	s = crm_run_begin(cli->ctx->db, CMD, cli->ctx->argc, cli->ctx->argv,
			  cli->dry_run ? CRM_RUN_DRY : 0, &run, &err);
	if (!s)
		s = crm_segment_snapshot(run, &t.seg, t.e, t.env.as_of, &members, &err);
	if (!s)
		s = crm_run_count(run, "members", members, &err);
	if (!s) {
		id = crm_run_id(run);
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	}
	crm_run_free(run);
	if (s) {
		crm_target_release(&t);
		return crm_report(CMD, &err);
	}
	if (!cli->ctx->quiet) {
		if (cli->dry_run)
			fprintf(stderr, "crm segment: dry run: %s customer%s of %s as of %s would be "
				"kept (nothing was)\n", crm_num((unsigned long)members, a, sizeof(a)),
				members == 1 ? "" : "s", t.seg.name, t.env.as_of);
		else
			fprintf(stderr, "crm segment: %s customer%s of %s as of %s kept as run %lld "
				"('crm segment diff %s %lld' later shows who entered and left)\n",
				crm_num((unsigned long)members, a, sizeof(a)), members == 1 ? "" : "s",
				t.seg.name, t.env.as_of, (long long)id, t.seg.name, (long long)id);
	}
	crm_target_release(&t);
	return CRM_EXIT_OK;
}

/* ---- diff ------------------------------------------------------------------------------ */

static enum crm_status diff_rows(struct crm_out *out, struct crm_customer_labels *labels,
				 const char *what, const int64_t *a, size_t na, const int64_t *b,
				 size_t nb, size_t *count, struct crm_error *err)
{
	size_t i, j = 0;
	enum crm_status s = CRM_OK;

	*count = 0;
	/* in a, not in b: both sorted */
	for (i = 0; !s && i < na; i++) {
		const char *key = NULL, *name = NULL;
		struct crm_value v[4];

		while (j < nb && b[j] < a[i])
			j++;
		if (j < nb && b[j] == a[i])
			continue;
		(*count)++;
		if ((s = crm_customer_label(labels, a[i], &key, &name, err)))
			break;
		v[0] = crm_value_text(what);
		v[1] = crm_value_int(a[i]);
		v[2] = key ? crm_value_text(key) : crm_value_null();
		v[3] = name ? crm_value_text(name) : crm_value_null();
		s = crm_out_row(out, v, err);
	}
	return s;
}

static int diff(struct cli *cli)
{
	static const char *const names[] = { "change", "id", "source_key", "name" };
	struct crm_seg_snapshot then, now;
	struct crm_customer_labels *labels = NULL;
	struct crm_out *out = NULL;
	int64_t *a = NULL, *b = NULL, run[2] = { 0, 0 };
	size_t na = 0, nb = 0, entered = 0, left = 0;
	struct crm_error err;
	struct crm_target t;
	enum crm_status s;
	char x[32], y[32], p[32], q[32];
	const char *name;
	int i, rc;

	for (i = 1; i < cli->nargs; i++)
		if (crm_parse_positive(cli->args[i], &run[i - 1]))
			return usage_error("'%s' is not a run number", cli->args[i]);
	if (run[1] && cli->as_of)
		return usage_error("--as-of is for a diff against now, not between two "
				   "snapshots%s", "");
	crm_error_clear(&err);
	memset(&t, 0, sizeof(t));
	if (run[1]) {
		/* two snapshots: the segment need not exist any more */
		if ((s = crm_open_db(cli->ctx, &err)))
			return crm_report(CMD, &err);
	} else if ((rc = target_open(cli, cli->args[0], &t))) {
		return rc;
	}
	name = cli->args[0];
	memset(&now, 0, sizeof(now));
	s = crm_segment_snapshot_find(cli->ctx->db, name, run[0], &then, &err);
	if (!s)
		s = crm_segment_members(cli->ctx->db, then.run, &a, &na, &err);
	if (!s && run[1]) {
		s = crm_segment_snapshot_find(cli->ctx->db, name, run[1], &now, &err);
		if (!s)
			s = crm_segment_members(cli->ctx->db, now.run, &b, &nb, &err);
	} else if (!s) {
		s = crm_segment_ids(cli->ctx->db, t.e, &b, &nb, &err);
	}
	if (!s)
		s = crm_customer_labels_open(cli->ctx->db, &labels, &err);
	if (!s)
		s = out_open(cli, &out, names, 4, &err);
	if (!s)
		s = diff_rows(out, labels, "entered", b, nb, a, na, &entered, &err);
	if (!s)
		s = diff_rows(out, labels, "left", a, na, b, nb, &left, &err);
	if (!s) {
		s = crm_out_close(out, &err);
		out = NULL;
	}
	crm_out_free(out);
	crm_customer_labels_free(labels);
	free(a);
	free(b);
	if (s) {
		crm_target_release(&t);
		return crm_report(CMD, &err);
	}
	if (!cli->ctx->quiet) {
		char to[96];

		if (now.run)
			snprintf(to, sizeof(to), "run %lld of %s", (long long)now.run, now.as_of);
		else
			snprintf(to, sizeof(to), "now (%s)", t.env.as_of);
		fprintf(stderr, "crm segment: %s: %s entered, %s left, from run %lld of %s (%s) "
			"to %s (%s)\n", name, crm_num(entered, x, sizeof(x)),
			crm_num(left, y, sizeof(y)), (long long)then.run, then.as_of,
			crm_num(na, p, sizeof(p)), to, crm_num(nb, q, sizeof(q)));
	}
	crm_target_release(&t);
	return CRM_EXIT_OK;
}

/* ---- lint ------------------------------------------------------------------------------ */

/* The cells of a scheme file that no segment or two name. */
static int lint_scheme(const char *path, int *problems)
{
	struct crm_rfm_cover c;
	struct crm_error err;
	int r, fm, i;

	crm_error_clear(&err);
	/* "-" is standard input, as everywhere in crm */
	if (crm_rfm_scheme_cover(strcmp(path, "-") ? path : "/dev/stdin", &c, &err))
		return crm_report(CMD, &err);
	for (r = 5; r >= 1; r--)
		for (fm = 1; fm <= 5; fm++) {
			uint32_t bits = c.cell[r - 1][fm - 1];

			if (!bits) {
				/* FM = (F + M + 1) / 2, and F + M is at least 2 */
				if (fm == 1)
					printf("%s: cell R%d FM1 (F + M = 2): no segment names it\n",
					       path, r);
				else
					printf("%s: cell R%d FM%d (F + M = %d or %d): no segment "
					       "names it\n", path, r, fm, 2 * fm - 1, 2 * fm);
				++*problems;
				continue;
			}
			if (!(bits & (bits - 1)))
				continue;
			printf("%s: cell R%d FM%d: named by", path, r, fm);
			for (i = 0; i < c.n; i++)
				if (bits & ((uint32_t)1 << i))
					printf(" '%s'", c.names[i]);
			printf("\n");
			++*problems;
		}
	crm_rfm_cover_release(&c);
	return CRM_EXIT_OK;
}

static int lint(struct cli *cli)
{
	struct crm_segment *v = NULL;
	struct crm_seg_env env;
	struct crm_error err;
	enum crm_status s;
	size_t n = 0, i, saved = 0;
	int problems = 0, rc;
	char a[32];

	crm_error_clear(&err);
	if (cli->scheme && (rc = lint_scheme(cli->scheme, &problems)))
		return rc;
	if ((s = crm_open_db(cli->ctx, &err)) ||
	    (s = crm_segment_env(cli->ctx->db, cli->as_of, &env, &err)) ||
	    (s = crm_segment_list(cli->ctx->db, &v, &n, &err)))
		return crm_report(CMD, &err);
	for (i = 0; !s && i < n; i++) {
		struct crm_seg_expr *e = NULL;
		const char *why;
		int64_t count = 0;
		size_t at;

		if (!v[i].id)
			continue;   /* the built-ins are checked by the tests */
		saved++;
		crm_error_clear(&err);
		if (crm_seg_compile(v[i].definition, strlen(v[i].definition), &env, &e, &at,
				    &err)) {
			printf("%s: cannot be evaluated: %s\n", v[i].name, err.message);
			problems++;
			continue;
		}
		if ((why = crm_seg_never(e))) {
			printf("%s: can never match: %s\n", v[i].name, why);
			problems++;
		} else if ((s = crm_segment_count(cli->ctx->db, e, &count, &err)) &&
			   s == CRM_ERR_INVALID) {
			/* this segment's fault (nested too deep), not the database's */
			printf("%s: cannot be evaluated: %s\n", v[i].name, err.message);
			problems++;
			s = CRM_OK;
		} else if (!s && !count) {
			printf("%s: note: matches no customer as of %s\n", v[i].name, env.as_of);
		}
		crm_seg_free(e);
	}
	for (i = 0; i < n; i++)
		crm_segment_release(&v[i]);
	free(v);
	if (s)
		return crm_report(CMD, &err);
	if (fflush(stdout)) {
		crm_error_set(&err, CRM_ERR_IO, "cannot write the report");
		return crm_report(CMD, &err);
	}
	if (!cli->ctx->quiet)
		fprintf(stderr, "crm segment: %s problem%s in %zu saved segment%s%s\n",
			crm_num((unsigned long)problems, a, sizeof(a)), problems == 1 ? "" : "s",
			saved, saved == 1 ? "" : "s", cli->scheme ? " and the scheme file" : "");
	return problems ? CRM_EXIT_ATTENTION : CRM_EXIT_OK;
}

/* ---- Dispatch ---------------------------------------------------------------------------- */

struct verb {
	const char *name;
	int (*fn)(struct cli *cli);
	int min, max;           /* arguments after the verb */
	unsigned opts;          /* the options it takes, by bit below */
};

enum {
	V_WHERE = 1 << 0, V_IDS = 1 << 1, V_AS_OF = 1 << 2, V_DESC = 1 << 3, V_REPLACE = 1 << 4,
	V_SINCE = 1 << 5, V_SCHEME = 1 << 6, V_DRY = 1 << 7, V_FORMAT = 1 << 8,
};

static const struct verb verbs[] = {
	{ "list", list, 0, 0, V_FORMAT },
	{ "show", show, 0, 1, V_WHERE | V_IDS | V_AS_OF | V_SINCE | V_FORMAT },
	{ "count", count, 0, 1, V_WHERE | V_AS_OF },
	{ "create", create, 2, 2, V_DESC | V_REPLACE | V_DRY },
	{ "drop", drop, 1, 1, V_DRY },
	{ "snapshot", snapshot, 1, 1, V_AS_OF | V_DRY },
	{ "diff", diff, 1, 3, V_AS_OF | V_FORMAT },
	{ "lint", lint, 0, 0, V_SCHEME | V_AS_OF },
	{ "fields", fields, 0, 0, V_FORMAT },
};

static int dispatch(struct cli *cli, unsigned given)
{
	static const char *const opt_names[] = {
		"--where", "--ids", "--as-of", "--description", "--replace", "--since-export",
		"--scheme", "--dry-run", "--format",
	};
	const struct verb *v = NULL;
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(cli->verb, verbs[i].name))
			v = &verbs[i];
	if (!v)
		return usage_error("'%s' is not a segment command: list, show, count, create, drop, "
				   "snapshot, diff, lint, fields", cli->verb);
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if ((given & (1u << i)) && !(v->opts & (1u << i)))
			return usage_error("%s is not an option of segment %s", opt_names[i],
					   v->name);
	if (v->opts & V_WHERE) {
		int rc = want_target(cli);

		if (rc)
			return rc;
		if (cli->since_export && !cli->nargs)
			return usage_error("--since-export needs the segment's name (its snapshot "
					   "before the export is the control group)%s", "");
		if (cli->ids && (given & V_FORMAT))
			return usage_error("--ids writes bare ids: not with --format%s", "");
		if (cli->since_export && cli->ids)
			return usage_error("--since-export lists the buyers with their spend: "
					   "not with --ids%s", "");
		if (cli->since_export)
			return since_export(cli);
	} else if (cli->nargs < v->min || cli->nargs > v->max) {
		if (cli->nargs > v->max)
			return usage_error("too many arguments for segment %s ('%s')", v->name,
					   cli->args[v->max]);
		return usage_error("segment %s needs %s", v->name, v->min == 2 ?
				   "a name and an expression" : "a segment name");
	}
	return v->fn(cli);
}

static int cmd_segment(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = CMD, .usage = &segment_usage, .permute = 1 };
	struct cli cli = { .ctx = ctx };
	unsigned given = 0;
	int c;

	cli.format = crm_default_format();
	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_WHERE:
			if (cli.where)
				return usage_error("--where is given once: join the tests with and%s",
						   "");
			cli.where = g.arg;
			given |= V_WHERE;
			break;
		case OPT_IDS: cli.ids = 1; given |= V_IDS; break;
		case OPT_AS_OF:
			if (strlen(g.arg) != 10 || crm_rfm_days(g.arg) == CRM_RFM_NO_DATE)
				return usage_error("--as-of takes a date, YYYY-MM-DD, not '%s'", g.arg);
			cli.as_of = g.arg;
			given |= V_AS_OF;
			break;
		case OPT_DESCRIPTION: cli.description = g.arg; given |= V_DESC; break;
		case OPT_REPLACE: cli.replace = 1; given |= V_REPLACE; break;
		case OPT_SINCE_EXPORT:
			if (crm_getopt_run(&g, &cli.since_export))
				return g.exit;
			given |= V_SINCE;
			break;
		case OPT_SCHEME: cli.scheme = g.arg; given |= V_SCHEME; break;
		case CRM_OPT_ID_DRY_RUN: cli.dry_run = 1; given |= V_DRY; break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli.format))
				return g.exit;
			given |= V_FORMAT;
			break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	if (g.optind >= argc)
		return usage_error("which segment command? list, show, count, create, drop, "
				   "snapshot, diff, lint, fields%s", "");
	cli.verb = argv[g.optind];
	cli.args = argv + g.optind + 1;
	cli.nargs = argc - g.optind - 1;
	return dispatch(&cli, given);
}

const struct crm_cmd crm_cmd_segment = {
	"segment", cmd_segment, CRM_CMD_DB_READ,
	"name the customers to act on, and watch who enters and leaves", &segment_usage,
};
