/*
 * crm log: who changed what and when (the runs, one run's changes, one
 * customer's history), undo of a run, the check of the log's hash chain,
 * and erasure of a person.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "chain.h"
#include "customer.h"
#include "forget.h"
#include "history.h"
#include "revert.h"
#include "output.h"
#include "banned.h"

enum {
	OPT_SINCE = CRM_OPT_OWN,
	OPT_ACTOR,
	OPT_COMMAND,
	OPT_COUNT,
	OPT_NO_PAGER,
	OPT_FORCE,
	OPT_REASON,
};

static const struct crm_option log_options[] = {
	{ "since", OPT_SINCE, "<date>", "only what happened on or after the (local) date",
	  "a date (2025-04-01) or a UTC timestamp" },
	{ "actor", OPT_ACTOR, "<name>", "only runs of this actor", "a user name" },
	{ "command", OPT_COMMAND, "<name>", "only runs of this command (import, log revert, ...)",
	  "a command name" },
	{ "n", OPT_COUNT, "<count>", "at most this many runs", "a number of runs" },
	CRM_OPT_FORMAT,
	{ "no-pager", OPT_NO_PAGER, NULL, "never page a table through $PAGER", NULL },
	CRM_OPT_DRY_RUN,
	{ "force", OPT_FORCE, NULL, "revert what is still as the run left it; list the rest",
	  NULL },
	{ "reason", OPT_REASON, "<text>", "why the person is erased (the request's reference)",
	  "why the person is erased" },
	CRM_OPT_END,
};

static const struct crm_usage log_usage = {
	"usage: crm log [<filters>] [-n <count>] [--format <fmt>]\n"
	"       crm log show <run> [--format <fmt>]\n"
	"       crm log customer <id> | <source>:<key> [<filters>] [--format <fmt>]\n"
	"       crm log revert <run> [--dry-run] [--force]\n"
	"       crm log verify\n"
	"       crm log forget <id> | <source>:<key> --reason <text> [--dry-run]\n",
	log_options,
};

#define CMD "log"

struct log_cli {
	struct crm_ctx *ctx;
	struct crm_log_filter filter;
	enum crm_format format;
	int format_set, no_pager, dry_run, force;
	const char *reason;
	FILE *out;
	FILE *pager;
};

#define usage_error(...) crm_usage_error(CMD, &log_usage, __VA_ARGS__)

/* A table on a terminal goes through $PAGER (default less -FRX), as git does. */
static void start_pager(struct log_cli *cli)
{
	const char *pager = getenv("CRM_PAGER");

	cli->out = stdout;
	if (cli->no_pager || cli->format != CRM_FORMAT_TABLE || !isatty(STDOUT_FILENO))
		return;
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less";
	if (!*pager || !strcmp(pager, "cat"))
		return;
	setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRX", 1);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	cli->pager = popen(pager, "w");
	if (cli->pager)
		cli->out = cli->pager;
}

static int stop_pager(struct log_cli *cli, int rc)
{
	if (cli->pager) {
		pclose(cli->pager);
		cli->pager = NULL;
	}
	return rc;
}

/* Prints every row of rows through the chosen format; frees rows. */
static enum crm_status print_rows(struct log_cli *cli, struct crm_rows *rows,
				  struct crm_error *err)
{
	const char *names[64];
	struct crm_value vals[64];
	struct crm_out *o;
	size_t n = crm_rows_columns(rows), i;
	enum crm_status s;
	int more = 0;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		names[i] = crm_rows_name(rows, i);
	s = crm_out_open(&o, cli->out, cli->format, names, n, err);
	if (!s) {
		/* Cells are cut for a person at a terminal, never for a pipe or a file. */
		crm_out_set_cut(o, isatty(STDOUT_FILENO));
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], "counts"))
				crm_out_json_column(o, i);
	}
	while (!s && (more = crm_rows_next(rows, err)) > 0) {
		for (i = 0; i < n; i++)
			vals[i] = crm_rows_value(rows, i);
		s = crm_out_row(o, vals, err);
	}
	if (!s && more < 0)
		s = err->code;
	if (s)
		crm_out_free(o);
	else
		s = crm_out_close(o, err);
	crm_rows_free(rows);
	return s;
}

/* The end of each listing: the rows through the pager, or the error of s. */
static int page_rows(struct log_cli *cli, enum crm_status s, struct crm_rows *rows,
		     struct crm_error *err)
{
	if (!s) {
		start_pager(cli);
		s = print_rows(cli, rows, err);
	}
	return stop_pager(cli, s ? crm_report(CMD, err) : CRM_EXIT_OK);
}

static int list_runs(struct log_cli *cli)
{
	struct crm_error err;
	struct crm_rows *rows = NULL;
	enum crm_status s;

	crm_error_clear(&err);
	s = crm_open_db(cli->ctx, &err);
	if (!s)
		s = crm_log_runs(cli->ctx->db, &cli->filter, &rows, &err);
	return page_rows(cli, s, rows, &err);
}

static int show_run(struct log_cli *cli, const char *arg)
{
	struct crm_error err;
	struct crm_rows *rows = NULL;
	enum crm_status s;
	int64_t run;

	crm_error_clear(&err);
	if (crm_parse_positive(arg, &run))
		return usage_error("'%s' is not a run number", arg ? arg : "");
	s = crm_open_db(cli->ctx, &err);
	if (!s)
		s = crm_log_run_exists(cli->ctx->db, run, &err);
	if (!s)
		s = crm_log_changes(cli->ctx->db, run, &rows, &err);
	return page_rows(cli, s, rows, &err);
}

static int show_customer(struct log_cli *cli, const char *arg)
{
	struct crm_error err;
	struct crm_rows *rows = NULL;
	enum crm_status s;
	int64_t id;

	crm_error_clear(&err);
	s = crm_open_db(cli->ctx, &err);
	if (!s)
		s = crm_customer_find(cli->ctx->db, arg, &id, &err);
	if (!s)
		s = crm_log_customer(cli->ctx->db, id, &cli->filter, &rows, &err);
	return page_rows(cli, s, rows, &err);
}

static int run_verify(struct log_cli *cli)
{
	struct crm_error err;
	struct crm_chain_break brk;
	enum crm_status s;

	crm_error_clear(&err);
	s = crm_open_db(cli->ctx, &err);
	if (!s)
		s = crm_chain_verify(cli->ctx->db, &brk, &err);
	if (s)
		return crm_report(CMD, &err);
	if (brk.id) {
		fprintf(stderr, "crm " CMD " verify: change %lld does not match its hash: the log was "
			"changed outside crm at or just before that row\n"
			"  stored:   %s\n  computed: %s\n",
			(long long)brk.id, brk.found[0] ? brk.found : "(none)", brk.expected);
		return CRM_EXIT_ATTENTION;
	}
	crm_note(cli->ctx, CMD " verify", "%lld changes, hash chain intact", (long long)brk.checked);
	return CRM_EXIT_OK;
}

/* Opens the database for writing and begins a run, a dry one for --dry-run. */
static enum crm_status begin_run(struct log_cli *cli, const char *command, char **argv,
				 struct crm_run **run, struct crm_error *err)
{
	struct crm_ctx *ctx = cli->ctx;
	enum crm_status s = crm_open_db_write(ctx, err);

	*run = NULL;
	if (!s)
		s = crm_run_begin(ctx->db, command, ctx->argc, argv,
				  cli->dry_run ? CRM_RUN_DRY : 0, run, err);
	return s;
}

static void print_conflicts(const struct crm_revert_result *res)
{
	size_t i;

	for (i = 0; i < res->nconflicts; i++) {
		const struct crm_log_conflict *c = &res->conflicts[i];

		fprintf(stderr, "  %s %lld%s%s: %s\n", c->tbl, (long long)c->row,
			c->field ? " " : "", c->field ? c->field : "", c->reason);
	}
}

/* What a revert did (or, dry, would do), and what it left. */
static void revert_summary(struct log_cli *cli, struct crm_run *run, int64_t target,
			   const struct crm_revert_result *res)
{
	crm_note(cli->ctx, CMD " revert", "%srun %lld reverted: %ld value%s restored, "
		 "%ld row%s removed, %ld row%s put back", cli->dry_run ? "dry run: " : "",
		 (long long)target, res->restored, res->restored == 1 ? "" : "s", res->deleted,
		 res->deleted == 1 ? "" : "s", res->reinserted, res->reinserted == 1 ? "" : "s");
	if (!cli->dry_run)
		crm_note(cli->ctx, CMD " revert", "this is run %lld ('crm log show %lld')",
			 (long long)crm_run_id(run), (long long)crm_run_id(run));
	if (res->nconflicts) {
		fprintf(stderr, "crm " CMD " revert: %zu value%s left as later runs made them:\n",
			res->nconflicts, res->nconflicts == 1 ? "" : "s");
		print_conflicts(res);
	}
}

static int run_revert(struct log_cli *cli, const char *arg)
{
	struct crm_error err;
	struct crm_revert_result res = { 0 };
	struct crm_run *run = NULL;
	struct crm_rows *rows = NULL;
	enum crm_status s;
	int64_t target;
	int rc;

	crm_error_clear(&err);
	if (crm_parse_positive(arg, &target))
		return usage_error("'%s' is not a run number", arg ? arg : "");
	s = begin_run(cli, "log revert", cli->ctx->argv, &run, &err);
	if (s)
		return crm_report(CMD, &err);
	s = crm_log_revert(run, target, cli->force, &res, &err);
	if (s) {
		crm_run_free(run);
		rc = crm_report(CMD, &err);
		print_conflicts(&res);
		crm_revert_result_release(&res);
		return rc;
	}
	if (cli->dry_run) {
		/* Rows put back are batched as insert ranges: list them too. */
		s = crm_audit_flush(crm_run_audit(run), &err);
		if (!s)
			s = crm_log_changes(cli->ctx->db, crm_run_id(run), &rows, &err);
		if (!s)
			s = print_rows(cli, rows, &err);
	}
	if (!s)
		s = crm_run_finish(run, res.nconflicts ? CRM_RUN_ATTENTION : CRM_RUN_OK, &err);
	if (s) {
		rc = crm_report(CMD, &err);
	} else {
		revert_summary(cli, run, target, &res);
		rc = res.nconflicts ? CRM_EXIT_ATTENTION : CRM_EXIT_OK;
	}
	crm_run_free(run);
	crm_revert_result_release(&res);
	return rc;
}

/*
 * The person's key may be their email: the run records the customer id in
 * its place, so that the log of the erasure holds nothing of them.
 */
static enum crm_status begin_forget(struct log_cli *cli, int argi, int64_t id,
				    struct crm_run **run, struct crm_error *err)
{
	struct crm_ctx *ctx = cli->ctx;
	char **argv = calloc((size_t)ctx->argc + 1, sizeof(*argv));
	char idbuf[32];
	enum crm_status s;
	int i;

	*run = NULL;
	if (!argv)
		return crm_error_nomem(err);
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	for (i = 0; i < ctx->argc; i++)
		argv[i] = i == argi ? idbuf : ctx->argv[i];
	s = crm_db_intend(ctx->db, CRM_DB_ERASE, err);
	if (!s)
		s = begin_run(cli, "log forget", argv, run, err);
	free(argv);
	return s;
}

static int run_forget(struct log_cli *cli, const char *arg, int argi)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_error err;
	struct crm_forget_result res;
	struct crm_forget_target who;
	struct crm_run *run = NULL;
	enum crm_status s;

	crm_error_clear(&err);
	if (!cli->reason || !*cli->reason)
		return usage_error("%s needs --reason: why the person is erased", "forget");
	s = crm_open_db_write(ctx, &err);
	if (!s)
		s = crm_forget_find(ctx->db, arg, &who, &err);
	/* A merged customer is the same person: say whom that takes in. */
	if (!s && who.live && who.named && who.named != who.id)
		crm_note(ctx, CMD " forget", "customer %s was merged into %lld: erasing the "
			 "person, customer %lld and every customer merged into it", arg,
			 (long long)who.id, (long long)who.id);
	if (!s && !who.live)
		crm_note(ctx, CMD " forget", "%s has no rows left (a revert removed them): erasing "
			 "what the log keeps of customer %lld", arg, (long long)who.id);
	if (!s)
		s = begin_forget(cli, argi, who.id, &run, &err);
	if (!s)
		s = crm_log_forget(run, &who, cli->reason, &res, &err);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	crm_run_free(run);
	if (s)
		return crm_report(CMD, &err);
	/* Old pages of the person's rows must not linger in the WAL. */
	if (!cli->dry_run && crm_db_checkpoint_truncate(ctx->db))
		fprintf(stderr, "crm " CMD " forget: warning: a reader kept the write-ahead log busy: "
			"old copies of the erased rows stay in %s-wal until the next checkpoint\n",
			crm_db_path(ctx->db));
	crm_note(ctx, CMD " forget", "%scustomer %lld erased: %ld customer row%s, %ld source "
		 "record%s, %ld order line%s, %ld interaction%s removed; %ld logged value%s blanked",
		 cli->dry_run ? "dry run: " : "", (long long)who.id, res.customers,
		 res.customers == 1 ? "" : "s", res.source_records,
		 res.source_records == 1 ? "" : "s", res.orders, res.orders == 1 ? "" : "s",
		 res.interactions, res.interactions == 1 ? "" : "s", res.changes_blanked,
		 res.changes_blanked == 1 ? "" : "s");
	return CRM_EXIT_OK;
}

/*
 * Runs log command sub (NULL: the listing of runs) on arg, which is word
 * argi of the whole command line, once the options are known good for it.
 */
static int dispatch(struct log_cli *cli, const char *sub, const char *arg, int argi)
{
	static const char *const subs[] = { "show", "customer", "revert", "verify", "forget" };
	size_t i;

	if (!sub)
		return list_runs(cli);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]) && strcmp(sub, subs[i]); i++)
		;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return usage_error("'%s' is not a log command: show, customer, revert, verify, "
				   "forget", sub);
	if ((cli->dry_run || cli->force) && strcmp(sub, "revert") &&
	    !(cli->dry_run && !cli->force && !strcmp(sub, "forget")))
		return usage_error("%s: --dry-run and --force are for revert (and --dry-run for "
				   "forget)", sub);
	if (cli->reason && strcmp(sub, "forget"))
		return usage_error("%s: --reason is for forget", sub);
	if (!strcmp(sub, "verify"))
		return arg ? usage_error("verify takes no argument ('%s')", arg) : run_verify(cli);
	if (!arg)
		return usage_error("'%s' needs an argument", sub);
	/* A customer is named by an id or SOURCE:KEY: anything else is a misuse. */
	if (!strcmp(sub, "customer") || !strcmp(sub, "forget")) {
		const char *key;
		int64_t id;
		size_t n;

		if (crm_customer_spec(arg, &id, &n, &key) == CRM_SPEC_NONE)
			return usage_error("'%s' names no customer: give an id (42) or SOURCE:KEY",
					   arg);
	}
	if (!strcmp(sub, "show"))
		return show_run(cli, arg);
	if (!strcmp(sub, "customer"))
		return show_customer(cli, arg);
	if (!strcmp(sub, "revert"))
		return run_revert(cli, arg);
	return run_forget(cli, arg, argi);
}

static int cmd_log(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = CMD, .usage = &log_usage, .permute = 1 };
	struct log_cli cli = { .ctx = ctx };
	const char *sub, *arg;
	int c, nargs, first = -1;

	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_SINCE: cli.filter.since = g.arg; break;
		case OPT_ACTOR: cli.filter.actor = g.arg; break;
		case OPT_COMMAND: cli.filter.command = g.arg; break;
		case OPT_COUNT:
			if (crm_parse_positive(g.arg, &cli.filter.limit))
				return usage_error("-n '%s' is not a positive number", g.arg);
			break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli.format))
				return g.exit;
			cli.format_set = 1;
			break;
		case OPT_NO_PAGER: cli.no_pager = 1; break;
		case CRM_OPT_ID_DRY_RUN: cli.dry_run = 1; break;
		case OPT_FORCE: cli.force = 1; break;
		case OPT_REASON: cli.reason = g.arg; break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	/* A bad option value is a usage error, whatever the subcommand. */
	{
		struct crm_error e;

		if (crm_log_since_check(cli.filter.since, &e))
			return usage_error("%s", e.message);
	}
	if (!cli.format_set)
		cli.format = crm_default_format();
	cli.out = stdout;
	nargs = argc - g.optind;
	sub = nargs > 0 ? argv[g.optind] : NULL;
	arg = nargs > 1 ? argv[g.optind + 1] : NULL;
	/* Where the argument is in the whole command line, for forget. */
	if (arg) {
		for (c = 0; c < ctx->argc; c++)
			if (ctx->argv[c] == arg)
				first = c;
	}
	if (nargs > 2)
		return usage_error("too many arguments ('%s')", argv[g.optind + 2]);
	return dispatch(&cli, sub, arg, first);
}

const struct crm_cmd crm_cmd_log = {
	"log", cmd_log, CRM_CMD_DB_READ,
	"who changed what, when; undo a run; erase a person", &log_usage,
};
