/*
 * crm: the dispatcher. It parses the global options, finds the command in
 * the one table below, and runs it; the command opens the database through
 * crm_open_db() once its own options are known to be good, so that a usage
 * error or --help never creates or touches a database. At the end it checks
 * that everything written to stdout really got out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "chain.h"
#include "subcommands.h"
#include "banned.h"

enum cmd_flags {
	CMD_DB_READ = 1 << 0,
	CMD_DB_WRITE = 1 << 1,
	CMD_DB_CREATE = 1 << 2,
};

struct crm_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct crm_ctx *ctx);
	unsigned int flags;
	const char *summary;   /* one line, for crm --help */
	const char *usage;     /* for crm help NAME when the man page is missing */
};

/* Only commands that really work belong here: each has a page and tests. */
static const struct crm_cmd commands[] = {
	{ "init", cmd_init, CMD_DB_WRITE | CMD_DB_CREATE,
	  "create the database, or upgrade its schema", crm_init_usage },
	{ "import", cmd_import, CMD_DB_WRITE | CMD_DB_CREATE,
	  "bring CSV exports in: customers, orders, interactions", crm_import_usage },
	{ "log", cmd_log, CMD_DB_READ,
	  "who changed what, when; undo a run; erase a person", crm_log_usage },
	{ "cleanse", cmd_cleanse, CMD_DB_WRITE,
	  "one notation per field; check the field definitions", crm_cleanse_usage },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

_Static_assert(NCOMMANDS == CRM_NCOMMANDS,
	       "the command table and meson.build's crm_commands must agree");

static const char global_usage[] =
	"usage: crm [--db <file>] [-q | --quiet] [-v | --verbose] [--no-progress]\n"
	"           <command> [<args>]\n"
	"       crm --version | --help | --list-cmds\n"
	"       crm help <command>\n";

static const struct crm_cmd *current;
static long busy_ms;

static const struct crm_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int crm_exit_code(enum crm_status s)
{
	switch (s) {
	case CRM_OK:
		return CRM_EXIT_OK;
	case CRM_ERR_BUSY:
		return CRM_EXIT_BUSY;
	default:
		return CRM_EXIT_FAILED;
	}
}

int crm_report(const char *cmd, const struct crm_error *err)
{
	char buf[CRM_ERROR_FILE_MAX + CRM_ERROR_MSG_MAX + 64];

	fprintf(stderr, "crm%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "",
		crm_error_format(err, buf, sizeof(buf)));
	return crm_exit_code(err->code);
}

void crm_note(const struct crm_ctx *ctx, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	fprintf(stderr, "crm %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int crm_parse_run(const char *arg, int64_t *run)
{
	char *end;
	long long v;

	if (!arg || *arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*end || v <= 0 || errno == ERANGE)
		return -1;
	*run = v;
	return 0;
}

enum crm_format crm_default_format(void)
{
	return isatty(STDOUT_FILENO) ? CRM_FORMAT_TABLE : CRM_FORMAT_CSV;
}

int crm_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "crm %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return CRM_EXIT_USAGE;
}

static enum crm_status open_db(struct crm_ctx *ctx, unsigned flags, struct crm_error *err);

enum crm_status crm_open_db(struct crm_ctx *ctx, struct crm_error *err)
{
	return open_db(ctx, 0, err);
}

enum crm_status crm_open_db_write(struct crm_ctx *ctx, struct crm_error *err)
{
	return open_db(ctx, CRM_DB_WRITE, err);
}

static enum crm_status open_db(struct crm_ctx *ctx, unsigned flags, struct crm_error *err)
{
	enum crm_status s;
	const char *fs;

	if (ctx->db)
		return CRM_OK;
	if (current->flags & CMD_DB_READ)
		flags |= CRM_DB_READ;
	if (current->flags & CMD_DB_WRITE)
		flags |= CRM_DB_WRITE;
	if (current->flags & CMD_DB_CREATE)
		flags |= CRM_DB_CREATE;
	/* A migration seals the log rows older than its hash chain. */
	crm_db_set_migrate_hook(crm_chain_seal_unsealed);
	s = crm_db_open(&ctx->db, ctx->db_path, flags, busy_ms, err);
	if (s)
		return s;
	fs = crm_db_network_fs(ctx->db);
	if (fs)
		fprintf(stderr, "crm: warning: '%s' is on a network filesystem (%s): SQLite's "
			"locking is not safe there, keep the database on a local disk\n",
			ctx->db_path, fs);
	return CRM_OK;
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
	      "\nCommands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nExit status: 0 done, 1 failed (nothing changed), 2 usage error,\n"
	      "3 done but rows were rejected or rules violated, 4 database busy.\n"
	      "See 'crm help <command>' or man crm(1).\n", out);
}

/*
 * crm help NAME: the man page if man(1) can show it, else the usage. man's
 * own complaint is silenced, because the fallback says what happened.
 */
static int run_help(const char *name)
{
	const struct crm_cmd *cmd = find_command(name);
	char page[64];
	pid_t pid;
	int status;

	if (!cmd) {
		fprintf(stderr, "crm: 'help %s': '%s' is not a crm command. See 'crm --help'.\n",
			name, name);
		return CRM_EXIT_USAGE;
	}
	snprintf(page, sizeof(page), "crm-%s", cmd->name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		FILE *devnull = freopen("/dev/null", "w", stderr);

		(void)devnull;
		execlp("man", "man", page, (char *)NULL);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return CRM_EXIT_OK;
	fprintf(stderr, "crm help: no man page for %s installed; its usage:\n", page);
	fputs(cmd->usage, stdout);
	return CRM_EXIT_OK;
}

/* Reports a write error on stdout (a full disk, a closed pipe) as failure. */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "crm: error writing to standard output: %s\n", strerror(errno));
		return CRM_EXIT_FAILED;
	}
	if (fclose(stdout) != 0) {
		fprintf(stderr, "crm: error closing standard output: %s\n", strerror(errno));
		return CRM_EXIT_FAILED;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "list-cmds", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct crm_ctx ctx = { 0 };
	struct crm_error err;
	int c, no_progress = 0, rc;
	size_t i;

	crm_error_clear(&err);
	ctx.argc = argc;
	ctx.argv = argv;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg) {
				fprintf(stderr, "crm: --db needs a file name\n%s", global_usage);
				return CRM_EXIT_USAGE;
			}
			ctx.db_path = optarg;
			break;
		case 'q': ctx.quiet = 1; break;
		case 'v': ctx.verbose = 1; break;
		case 'P': no_progress = 1; break;
		case 'V':
			printf("crm %s (schema %d, %s)\n", CRM_VERSION,
			       crm_schema_version, crm_db_backend_version());
			return finish_stdout(CRM_EXIT_OK);
		case 'h':
			print_help(stdout);
			return finish_stdout(CRM_EXIT_OK);
		case 'L':
			for (i = 0; i < NCOMMANDS; i++)
				puts(commands[i].name);
			return finish_stdout(CRM_EXIT_OK);
		case ':':
			fprintf(stderr, "crm: option '%s' needs a value\n%s", argv[optind - 1],
				global_usage);
			return CRM_EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "crm: unknown option '-%c'\n%s", optopt, global_usage);
			else
				fprintf(stderr, "crm: unknown option '%s'\n%s", argv[optind - 1],
					global_usage);
			return CRM_EXIT_USAGE;
		}
	}
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
	current = find_command(argv[optind]);
	if (!current) {
		fprintf(stderr, "crm: '%s' is not a crm command. See 'crm --help'.\n",
			argv[optind]);
		return CRM_EXIT_USAGE;
	}
	if (!ctx.db_path)
		ctx.db_path = crm_db_default_path();
	if (crm_db_busy_timeout_env(&busy_ms, &err)) {
		crm_report(NULL, &err);
		return CRM_EXIT_USAGE;
	}
	ctx.progress = !no_progress && !ctx.quiet && isatty(STDERR_FILENO);

	/* The command sees its own name as argv[0]; optind = 0 resets getopt. */
	{
		int first = optind;

		optind = 0;
		opterr = 1;
		rc = current->fn(argc - first, argv + first, &ctx);
	}
	crm_db_close(ctx.db);
	return finish_stdout(rc);
}
