/*
 * crm cleanse: one notation per field for every customer, in one
 * transaction and one run (so `crm log revert` undoes it), or with --check
 * a list of what breaks the field definitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cleanse.h"
#include "fielddefs.h"
#include "output.h"
#include "progress.h"
#include "banned.h"

enum {
	OPT_FIELD = CRM_OPT_OWN,
	OPT_RULE,
	OPT_CHECK,
	OPT_SAVE,
};

static const struct crm_option cleanse_options[] = {
	{ "field", OPT_FIELD, "<field>", "only this customer field (again for more)",
	  "a customer field" },
	{ "rule", OPT_RULE, "<rule>", "only this rule: text, name, kana, company, phone, email,\n"
	  "email-typo, postal, address (again for more)", CRM_RULE_LIST },
	{ "check", OPT_CHECK, NULL, "change nothing; list what breaks the field definitions", NULL },
	CRM_OPT_DRY_RUN,
	CRM_OPT_SINCE_RUN,
	CRM_OPT_FIELDS,
	{ "save", OPT_SAVE, NULL, "store the --fields file in the database, for every user", NULL },
	CRM_OPT_FORMAT,
	CRM_OPT_END,
};

static const struct crm_usage cleanse_usage = {
	"usage: crm cleanse [--field <field>]... [--rule <rule>]... [--check] [--dry-run]\n"
	"                   [--since <run>] [--fields <file>] [--format <fmt>]\n"
	"       crm cleanse --fields <file> --save\n",
	cleanse_options,
};

#define CMD "cleanse"
#define usage_error(...) crm_usage_error(CMD, &cleanse_usage, __VA_ARGS__)

#define MAX_FIELDS 64

struct cli {
	struct crm_ctx *ctx;
	struct crm_cleanse_options opt;
	const char *fields_arg[MAX_FIELDS];
	const char *defs_path;
	enum crm_format format;
	int format_set, dry_run, save;
	struct crm_out *out;
	struct crm_customer_labels *labels;   /* --check: how a person knows each customer */
	struct crm_progress bar;
	/* violations per field, for the summary */
	char *vfield[MAX_FIELDS + 32];
	unsigned long vcount[MAX_FIELDS + 32];
	size_t nv;
};

static void count_violation(struct cli *cli, const char *field)
{
	size_t i;

	for (i = 0; i < cli->nv; i++)
		if (!strcmp(cli->vfield[i], field)) {
			cli->vcount[i]++;
			return;
		}
	if (cli->nv < sizeof(cli->vfield) / sizeof(cli->vfield[0]) &&
	    (cli->vfield[cli->nv] = strdup(field)))
		cli->vcount[cli->nv++] = 1;
}

static enum crm_status on_item(void *ctx, const struct crm_cleanse_item *it,
			       struct crm_error *err)
{
	struct cli *cli = ctx;
	struct crm_value v[5];

	if (it->problem)
		count_violation(cli, it->field);
	if (!cli->out || (it->problem ? !cli->opt.check : cli->opt.check))
		return CRM_OK;
	/* A violation is for a person to fix: name the customer as they know it. */
	if (cli->opt.check) {
		const char *key, *name;
		struct crm_value w[6];
		enum crm_status s = crm_customer_label(cli->labels, it->customer, &key, &name, err);

		if (s)
			return s;
		w[0] = crm_value_int(it->customer);
		w[1] = crm_value_text(key);
		w[2] = crm_value_text(name);
		w[3] = crm_value_text(it->field);
		w[4] = crm_value_text(it->before);
		w[5] = crm_value_text(it->problem);
		return crm_out_row(cli->out, w, err);
	}
	v[0] = crm_value_int(it->customer);
	v[1] = crm_value_text(it->field);
	v[2] = crm_value_text(it->before);
	v[3] = crm_value_text(it->problem ? it->problem : it->after);
	v[4] = crm_value_text(it->rule);
	return crm_out_row(cli->out, v, err);
}

/* The bar measures ids, up to the largest; its rows are the customers read. */
static void on_progress(void *ctx, unsigned long at, unsigned long total, unsigned long scanned)
{
	struct cli *cli = ctx;

	cli->bar.total = total;
	crm_progress_update(&cli->bar, at, scanned);
}

static void summary(struct cli *cli, const struct crm_cleanse_stats *st, int64_t run)
{
	const char *what = cli->opt.check ? "check" : cli->dry_run ? "dry run" : NULL;
	char a[32], b[32];
	size_t i;
	int n = 0;

	if (cli->ctx->quiet)
		return;
	/* Numbers with thousands separators, as import's summary and crm-cleanse(1) have them. */
	fprintf(stderr, "crm cleanse: %s%s%s customer%s scanned", what ? what : "",
		what ? ": " : "", crm_num(st->scanned, a, sizeof(a)), st->scanned == 1 ? "" : "s");
	if (!cli->opt.check) {
		fprintf(stderr, ", %s changed (%s value%s)", crm_num(st->rows_changed, a, sizeof(a)),
			crm_num(st->changes, b, sizeof(b)), st->changes == 1 ? "" : "s");
		for (i = 0; i < CRM_NRULES; i++)
			if (st->per_rule[i])
				fprintf(stderr, "%s%s %s", n++ ? ", " : ": ", crm_rule_names[i],
					crm_num(st->per_rule[i], a, sizeof(a)));
	}
	fprintf(stderr, "; %s violation%s", crm_num(st->violations, a, sizeof(a)),
		st->violations == 1 ? "" : "s");
	for (i = 0; i < cli->nv; i++)
		fprintf(stderr, "%s%s %s", i ? ", " : ": ", cli->vfield[i],
			crm_num(cli->vcount[i], a, sizeof(a)));
	fputc('\n', stderr);
	/* Nothing changed: nothing to list or undo. */
	if (run && st->changes)
		fprintf(stderr, "crm cleanse: this is run %lld ('crm log show %lld' lists the "
			"changes, 'crm log revert %lld' undoes them)\n", (long long)run,
			(long long)run, (long long)run);
}

/* --fields, else $CRM_FIELDS, else the definitions stored in the database. */
static enum crm_status load_defs(struct cli *cli, struct crm_fielddefs **defs,
				 struct crm_error *err)
{
	const char *path = cli->defs_path ? cli->defs_path : getenv("CRM_FIELDS");
	enum crm_status s;

	*defs = NULL;
	if (path && *path)
		return crm_fielddefs_load(path, defs, err);
	s = crm_open_db(cli->ctx, err);
	return s ? s : crm_fielddefs_stored(cli->ctx->db, defs, err);
}

static int save_defs(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t id = 0;

	crm_error_clear(&err);
	s = crm_open_db(ctx, &err);
	if (!s)
		s = crm_run_begin(ctx->db, CMD, ctx->argc, ctx->argv, 0, &run, &err);
	if (!s)
		s = crm_fielddefs_save(ctx->db, crm_run_audit(run), cli->defs_path, &err);
	if (!s)
		s = crm_run_count(run, "saved", 1, &err);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	if (!s)
		id = crm_run_id(run);
	crm_run_free(run);
	if (s)
		return crm_report(CMD, &err);
	crm_note(ctx, CMD, "field definitions from %s stored in the database (run %lld): import "
		 "and cleanse use them unless --fields or CRM_FIELDS names others",
		 cli->defs_path, (long long)id);
	return CRM_EXIT_OK;
}

/* The run's counts, in the order runs.counts has always had them. */
static enum crm_status count(struct crm_run *run, const struct crm_cleanse_stats *st,
			     struct crm_error *err)
{
	enum crm_status s = crm_run_count(run, "scanned", (long long)st->scanned, err);
	size_t i;

	if (!s)
		s = crm_run_count(run, "changed", (long long)st->rows_changed, err);
	if (!s)
		s = crm_run_count(run, "changes", (long long)st->changes, err);
	if (!s)
		s = crm_run_count(run, "violations", (long long)st->violations, err);
	for (i = 0; !s && i < CRM_NRULES; i++)
		s = crm_run_count(run, crm_rule_names[i], (long long)st->per_rule[i], err);
	return s;
}

/*
 * How long a part of a cleanse may hold the write lock: other writers wait
 * at most about this for their turn (#12: an importer once waited 7.85 s
 * behind a cleanse). A part costs a commit, a few milliseconds. The tests
 * set CRM_TEST_PART_MS to kill a cleanse between its parts.
 */
#define PART_MS 250

/* The cleanse, a part at a time, each committed with the run's counts so far. */
static enum crm_status cleanse_in_parts(struct cli *cli, struct crm_run *run,
					const struct crm_cleanse_sink *sink,
					struct crm_cleanse_stats *st, struct crm_error *err)
{
	int64_t from = 0;
	int done = 0;
	enum crm_status s = CRM_OK;

	const char *test_ms = getenv("CRM_TEST_PART_MS");
	long part_ms = test_ms ? strtol(test_ms, NULL, 10) : 0;

	if (part_ms <= 0)
		part_ms = PART_MS;
	memset(st, 0, sizeof(*st));
	while (!s && !done) {
		s = crm_run_part_begin(run, err);
		if (s)
			break;
		s = crm_cleanse_part(cli->ctx->db, crm_run_audit(run), &cli->opt, sink, st,
				     &from, part_ms, &done, err);
		if (!s)
			s = count(run, st, err);
		if (!s)
			s = crm_run_part_commit(run, done, CRM_RUN_OK, err);
		else
			crm_run_part_abort(run);
	}
	return s;
}

/* Ends the run: failed if s is a failure (the parts kept stay), else ok. */
static enum crm_status finish(struct crm_run *run, enum crm_status s, struct crm_error *err)
{
	struct crm_error e;
	enum crm_status f = crm_run_finish(run, s ? CRM_RUN_FAILED : CRM_RUN_OK, s ? &e : err);

	return s ? s : f;
}

static int run_cleanse(struct cli *cli)
{
	static const char *const change_cols[] = { "customer", "field", "before", "after", "rule" };
	static const char *const check_cols[] = { "customer", "key", "name", "field", "value",
						   "problem" };
	struct crm_ctx *ctx = cli->ctx;
	struct crm_cleanse_sink sink = { .ctx = cli, .item = on_item, .progress = on_progress };
	struct crm_cleanse_stats st;
	struct crm_fielddefs *defs = NULL;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t run_id = 0, kept_id = 0;
	long long kept = 0;
	size_t i;
	int rc;

	crm_error_clear(&err);
	s = load_defs(cli, &defs, &err);
	if (s)
		return crm_report(CMD, &err);
	cli->opt.defs = defs;
	for (i = 0; i < cli->opt.nfields; i++)
		if (!crm_field_find(CRM_KIND_CUSTOMERS, cli->fields_arg[i]) &&
		    !crm_fielddefs_find(defs, CRM_KIND_CUSTOMERS, cli->fields_arg[i])) {
			crm_fielddefs_free(defs);
			return usage_error("--field '%s' is not a customer field (see crm-import(1)) "
					   "nor one the field definitions define", cli->fields_arg[i]);
		}
	s = crm_open_db(ctx, &err);
	/* Index pages of changes are touched again and again: keep them in memory. */
	if (!s)
		s = crm_db_intend(ctx->db, CRM_DB_BULK_REWRITE, &err);
	if (!s && (cli->dry_run || cli->opt.check))
		s = crm_out_open(&cli->out, stdout, cli->format,
				 cli->opt.check ? check_cols : change_cols, cli->opt.check ? 6 : 5,
				 &err);
	/* Cells are cut for a person at a terminal, never for a pipe or a file. */
	if (!s && cli->out)
		crm_out_set_cut(cli->out, isatty(STDOUT_FILENO));
	if (!s && cli->opt.check)
		s = crm_customer_labels_open(ctx->db, &cli->labels, &err);
	/* --check changes nothing: it is no run. */
	if (!s && !cli->opt.check)
		s = crm_run_begin(ctx->db, CMD, ctx->argc, ctx->argv,
				  CRM_RUN_PARTS | (cli->dry_run ? CRM_RUN_DRY : 0), &run, &err);
	if (!s) {
		crm_progress_start(&cli->bar, stderr, ctx->progress, "cleanse", 0);
		s = run ? cleanse_in_parts(cli, run, &sink, &st, &err)
			: crm_cleanse(ctx->db, NULL, &cli->opt, &sink, &st, &err);
		crm_progress_done(&cli->bar);
	}
	if (run)
		s = finish(run, s, &err);
	/*
	 * A cleanse that fails after committing parts changed those customers
	 * (a busy error says nothing was: not so for the parts kept).
	 */
	if (s && run && !cli->dry_run && crm_run_parts(run)) {
		kept_id = crm_run_id(run);
		kept = crm_run_get(run, "scanned");
	}
	if (!s && run && !cli->dry_run)
		run_id = crm_run_id(run);
	crm_run_free(run);
	crm_customer_labels_free(cli->labels);
	cli->labels = NULL;
	if (cli->out) {
		enum crm_status o = s ? CRM_OK : crm_out_close(cli->out, &err);

		if (s)
			crm_out_free(cli->out);
		cli->out = NULL;
		s = s ? s : o;
	}
	crm_fielddefs_free(defs);
	if (s) {
		rc = crm_report(CMD, &err);
		if (kept_id)
			fprintf(stderr, "crm cleanse: but run %lld kept the parts it committed (%lld "
				"customers scanned): 'crm log revert %lld' undoes them, and crm cleanse "
				"again does the rest\n", (long long)kept_id, kept, (long long)kept_id);
		return rc;
	}
	if (!cli->dry_run && !cli->opt.check)
		crm_db_checkpoint(ctx->db);
	summary(cli, &st, run_id);
	rc = cli->opt.check && st.violations ? CRM_EXIT_ATTENTION : CRM_EXIT_OK;
	return rc;
}

static int cmd_cleanse(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = CMD, .usage = &cleanse_usage, .permute = 1 };
	struct cli cli = { .ctx = ctx };
	int c, r;
	size_t i;

	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_FIELD:
			if (cli.opt.nfields == MAX_FIELDS)
				return usage_error("more than %d --field options", MAX_FIELDS);
			cli.fields_arg[cli.opt.nfields++] = g.arg;
			cli.opt.fields = cli.fields_arg;
			break;
		case OPT_RULE:
			r = crm_rule_index(g.arg);
			if (r < 0)
				return usage_error("--rule '%s' is not a rule: " CRM_RULE_LIST, g.arg);
			cli.opt.rules |= 1u << r;
			break;
		case OPT_CHECK: cli.opt.check = 1; break;
		case CRM_OPT_ID_DRY_RUN: cli.dry_run = 1; break;
		case CRM_OPT_ID_SINCE_RUN:
			if (crm_getopt_run(&g, &cli.opt.since))
				return g.exit;
			break;
		case CRM_OPT_ID_FIELDS: cli.defs_path = g.arg; break;
		case OPT_SAVE: cli.save = 1; break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli.format))
				return g.exit;
			cli.format_set = 1;
			break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	if (g.optind < argc)
		return usage_error("unexpected argument '%s'", argv[g.optind]);
	if (cli.save) {
		if (!cli.defs_path)
			return usage_error("--save stores the file given with --fields: name it%s", "");
		if (cli.opt.check || cli.dry_run || cli.opt.nfields || cli.opt.rules || cli.opt.since)
			return usage_error("--save only stores the definitions: drop the other "
					   "options%s", "");
		return save_defs(&cli);
	}
	if (cli.opt.check && cli.dry_run)
		return usage_error("--check changes nothing already: drop --dry-run%s", "");
	if (!cli.format_set)
		cli.format = crm_default_format();
	r = run_cleanse(&cli);
	for (i = 0; i < cli.nv; i++)
		free(cli.vfield[i]);
	return r;
}

const struct crm_cmd crm_cmd_cleanse = {
	"cleanse", cmd_cleanse, CRM_CMD_DB_WRITE,
	"one notation per field; check the field definitions", &cleanse_usage,
};
