/*
 * crm init: creates the database, or says that it exists; upgrades an
 * older schema. Creating or upgrading is recorded as a run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "banned.h"

static const struct crm_option init_options[] = { CRM_OPT_END };
static const struct crm_usage init_usage = { "usage: crm [--db <file>] init\n", init_options };

/* Creating or upgrading is a run, its counts the schema versions. */
static int record_run(struct crm_ctx *ctx, struct crm_error *err)
{
	struct crm_run *run = NULL;
	enum crm_status s;

	s = crm_run_begin(ctx->db, "init", ctx->argc, ctx->argv, 0, &run, err);
	if (!s)
		s = crm_run_count(run, "schema_from", crm_db_opened_version(ctx->db), err);
	if (!s)
		s = crm_run_count(run, "schema_to", crm_db_schema_version(ctx->db), err);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_OK, err);
	crm_run_free(run);
	return s;
}

static int cmd_init(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = "init", .usage = &init_usage };
	struct crm_error err;
	char real[PATH_MAX];
	const char *shown;
	int from, to;

	crm_error_clear(&err);
	if (crm_getopt(&g, argc, argv) != CRM_GETOPT_END)
		return g.exit;
	if (g.optind < argc)
		return crm_usage_error("init", &init_usage, "unexpected argument '%s'",
				       argv[g.optind]);
	if (crm_open_db(ctx, &err))
		return crm_report("init", &err);
	from = crm_db_opened_version(ctx->db);
	to = crm_db_schema_version(ctx->db);
	if (from != to && record_run(ctx, &err))
		return crm_report("init", &err);

	/* -q leaves errors only, as crm(1) says: as git init -q, nothing. */
	if (ctx->quiet)
		return CRM_EXIT_OK;
	shown = realpath(crm_db_path(ctx->db), real) ? real : crm_db_path(ctx->db);
	if (crm_db_created(ctx->db) || from == 0)
		printf("created crm database %s (schema version %d)\n", shown, to);
	else if (from != to)
		printf("upgraded crm database %s from schema version %d to %d\n", shown, from, to);
	else
		printf("crm database %s already exists (schema version %d)\n", shown, to);
	return CRM_EXIT_OK;
}

const struct crm_cmd crm_cmd_init = {
	"init", cmd_init, CRM_CMD_DB_WRITE | CRM_CMD_DB_CREATE,
	"create the database, or upgrade its schema", &init_usage,
};
