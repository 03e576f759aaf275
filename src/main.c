/*
 * crm: the dispatcher, reached by nobody. It parses the global options,
 * finds the command in the table below, and runs it; the command opens the
 * database through crm_open_db() (src/cli.c) once its own options
 * are known to be good, so that a usage error or --help never creates or
 * touches a database. At the end it checks that everything written to
 * stdout really got out.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "utf8.h"
#include "banned.h"

/*
 * The command table, made from meson.build's crm_commands (CRM_COMMAND_LIST
 * in config.h): each subcommand file defines its crm_cmd_NAME, so a command
 * listed there without its file, or a file not listed, does not link.
 */
#define X(name) extern const struct crm_cmd crm_cmd_##name;
CRM_COMMAND_LIST
#undef X
#define X(name) &crm_cmd_##name,
static const struct crm_cmd *const commands[] = { CRM_COMMAND_LIST };
#undef X
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_usage[] =
	"usage: crm [--db <file>] [-q | --quiet] [-v | --verbose] [--no-progress]\n"
	"           <command> [<args>]\n"
	"       crm --version | --help | --list-cmds | --list-opts <command>\n"
	"       crm help <command> | crm | fields | schema\n";

static const struct crm_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/*
 * The command called name, or NULL after saying it is none and, as git
 * does, which commands are a slip (two edits at most) away from it.
 */
static const struct crm_cmd *command_named(const char *name)
{
	const struct crm_cmd *cmd = find_command(name);
	const struct crm_cmd *near[NCOMMANDS];
	size_t i, k = 0;

	if (cmd)
		return cmd;
	fprintf(stderr, "crm: '%s' is not a crm command. See 'crm --help'.\n", name);
	for (i = 0; i < NCOMMANDS; i++)
		if (crm_utf8_distance(name, commands[i]->name, 2) <= 2)
			near[k++] = commands[i];
	if (k)
		fprintf(stderr, "\nThe most similar command%s\n", k == 1 ? " is" : "s are");
	for (i = 0; i < k; i++)
		fprintf(stderr, "\t%s\n", near[i]->name);
	return NULL;
}

/*
 * crm --list-opts NAME: every option of the command, from its table, one
 * per line; the docs test holds the pages and completions against it.
 */
static int list_options(const char *name)
{
	const struct crm_cmd *cmd = command_named(name);
	const struct crm_option *o;

	if (!cmd)
		return CRM_EXIT_USAGE;
	for (o = cmd->usage->options; o && o->name; o++)
		printf("%s%s\n", o->name[1] ? "--" : "-", o->name);
	puts("-h");
	puts("--help");
	return CRM_EXIT_OK;
}

static void print_help(FILE *out)
{
	size_t i;

	fputs(global_usage, out);
	fputs("\nGlobal options:\n"
	      "  --db <file>     the database (default: $CRM_DB, else ./crm.db)\n"
	      "  -q, --quiet     print errors only\n"
	      "  -v, --verbose   say more about what is done\n"
	      "  --no-progress   never draw a progress bar\n"
	      "  --list-cmds     print the command names\n"
	      "  --list-opts <command>\n"
	      "                  print the options of a command\n"
	      "\nCommands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nExit status: 0 done, 1 failed (nothing changed), 2 usage error,\n"
	      "3 done but rows were rejected or rules violated, 4 database busy.\n"
	      "See 'crm help <command>' or man crm(1).\n", out);
}

/* Runs argv quietly (its stderr to /dev/null); 1 when it exits 0. */
static int quietly(char *const argv[])
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		FILE *devnull = freopen("/dev/null", "w", stderr);

		(void)devnull;
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/*
 * Shows page (crm-import.1) from its file when man(1) cannot find it by
 * name: in the build's own tree, else where meson installs it; with
 * man -l, else mandoc(1), which a minimal system may have without man.
 */
static int show_page_file(const char *page, char section)
{
	char path[PATH_MAX];
	const char *dirs[] = { CRM_SOURCE_MANDIR, CRM_INSTALL_MANDIR };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *man[] = { "man", "-l", path, NULL };
		char *mandoc[] = { "mandoc", "-a", path, NULL };

		/* The tree keeps pages flat; an installed manual, by section. */
		if (i == 0)
			snprintf(path, sizeof(path), "%s/%s.%c", dirs[i], page, section);
		else
			snprintf(path, sizeof(path), "%s/man%c/%s.%c", dirs[i], section, page,
				 section);
		if (access(path, R_OK) != 0)
			continue;
		if (quietly(man) || quietly(mandoc))
			return 1;
	}
	return 0;
}

/*
 * crm help NAME: the page of a command, or of a topic (fields, schema),
 * by man(1) if it has it, else from the page's file; else the usage.
 */
static int run_help(const char *name)
{
	const struct crm_cmd *cmd = NULL;
	char page[64];
	char section = '1';

	if (!strcmp(name, "fields") || !strcmp(name, "schema"))
		section = '5';
	else if (strcmp(name, "crm") && !(cmd = command_named(name)))
		return CRM_EXIT_USAGE;
	/* crm help crm is crm(1), the page of the program itself. */
	snprintf(page, sizeof(page), strcmp(name, "crm") ? "crm-%s" : "%s", name);
	{
		char sect[2] = { section, '\0' };
		char *man[] = { "man", sect, page, NULL };

		if (quietly(man) || show_page_file(page, section))
			return CRM_EXIT_OK;
	}
	if (!cmd) {
		fprintf(stderr, "crm help: no page %s(%c) found: see man/%s.%c in crm's "
			"sources\n", page, section, page, section);
		return CRM_EXIT_FAILED;
	}
	fprintf(stderr, "crm help: no man page for %s installed; its usage:\n", page);
	crm_usage_print(stdout, cmd->usage);
	return CRM_EXIT_OK;
}

/* Reports a write error on stdout (a full disk, a closed pipe) as failure. */
static int finish_stdout(int rc)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A command that failed has said why (its write failed first). */
		if (rc != CRM_EXIT_OK)
			return rc;
		fprintf(stderr, "crm: error writing to standard output%s%s\n", errno ? ": " : "",
			errno ? strerror(errno) : "");
		return CRM_EXIT_FAILED;
	}
	if (fclose(stdout) != 0) {
		fprintf(stderr, "crm: error closing standard output: %s\n", strerror(errno));
		return CRM_EXIT_FAILED;
	}
	return rc;
}

/*
 * crm's own options, parsed as the commands' are (cli.h): the same
 * messages for a misuse, the usage after them; -h prints the whole help.
 */
#define DB_VALUE "the database's file name"

enum { OPT_DB = CRM_OPT_OWN, OPT_NO_PROGRESS, OPT_VERSION, OPT_LIST_CMDS, OPT_LIST_OPTS };

static const struct crm_option global_options_table[] = {
	{ "db", OPT_DB, "<file>", NULL, DB_VALUE },
	{ "quiet", 'q', NULL, NULL, NULL },
	{ "q", 'q', NULL, NULL, NULL },
	{ "verbose", 'v', NULL, NULL, NULL },
	{ "v", 'v', NULL, NULL, NULL },
	{ "no-progress", OPT_NO_PROGRESS, NULL, NULL, NULL },
	{ "version", OPT_VERSION, NULL, NULL, NULL },
	{ "list-cmds", OPT_LIST_CMDS, NULL, NULL, NULL },
	{ "list-opts", OPT_LIST_OPTS, "<command>", NULL, "a command's name" },
	CRM_OPT_END,
};

static const struct crm_usage global_usage_table = { global_usage, global_options_table };

/*
 * Parses the global options into ctx. Returns -1 to go on to the command
 * at argv[optind], else the exit code (--version, --help, a misuse ...).
 */
static int global_options(int argc, char **argv, struct crm_ctx *ctx, int *no_progress)
{
	struct crm_getopt g = { .usage = &global_usage_table, .help = print_help };
	size_t i;
	int c;

	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_DB:
			if (!*g.arg) {
				crm_getopt_error(&g, "option '--db' needs a value: " DB_VALUE);
				return g.exit;
			}
			ctx->db_path = g.arg;
			break;
		case 'q': ctx->quiet = 1; break;
		case 'v': ctx->verbose = 1; break;
		case OPT_NO_PROGRESS: *no_progress = 1; break;
		case OPT_VERSION:
			printf("crm %s (schema %d, %s)\n", CRM_VERSION,
			       crm_schema_version, crm_db_backend_version());
			return finish_stdout(CRM_EXIT_OK);
		case OPT_LIST_CMDS:
			for (i = 0; i < NCOMMANDS; i++)
				puts(commands[i]->name);
			return finish_stdout(CRM_EXIT_OK);
		case OPT_LIST_OPTS:
			return finish_stdout(list_options(g.arg));
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit == CRM_EXIT_OK ? finish_stdout(CRM_EXIT_OK) : g.exit;
	optind = g.optind;
	return -1;
}

int main(int argc, char **argv)
{
	struct crm_ctx ctx = { 0 };
	const struct crm_cmd *cmd;
	struct crm_error err;
	int no_progress = 0, rc, first;

	crm_error_clear(&err);
	ctx.argc = argc;
	ctx.argv = argv;
	rc = global_options(argc, argv, &ctx, &no_progress);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		fprintf(stderr, "%s\nSee 'crm --help' for the commands.\n", global_usage);
		return CRM_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			print_help(stdout);
			return finish_stdout(CRM_EXIT_OK);
		}
		return finish_stdout(run_help(argv[optind + 1]));
	}
	cmd = command_named(argv[optind]);
	if (!cmd)
		return CRM_EXIT_USAGE;
	if (!ctx.db_path)
		ctx.db_path = crm_db_default_path();
	ctx.db_flags = cmd->flags;
	ctx.cmd = cmd->name;
	if (crm_db_busy_timeout_env(&ctx.busy_ms, &err)) {
		crm_report(NULL, &err);
		return CRM_EXIT_USAGE;
	}
	ctx.progress = !no_progress && !ctx.quiet && isatty(STDERR_FILENO);

	/* The command sees its own name as argv[0]; optind = 0 resets getopt. */
	first = optind;
	optind = 0;
	rc = cmd->fn(argc - first, argv + first, &ctx);
	crm_db_close(ctx.db);
	return finish_stdout(rc);
}
