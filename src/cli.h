/*
 * What the commands share for the command line: opening the database as
 * their entry in the command table says, reporting errors, and options
 * declared once in tables, parsed with one message per misuse.
 *
 * Not part of libcrm: cli.c is linked into the crm program with main.c
 * and subcommands/, where every file is a command with its own page.
 *
 * A command declares its options as a table ending in CRM_OPT_END, with
 * the shared ones (CRM_OPT_DRY_RUN, CRM_OPT_FORMAT ...) taken from here,
 * and calls crm_getopt() until it returns CRM_GETOPT_END. Its usage (-h)
 * is its synopsis followed by one line per option, made from the table, so
 * the help can never list an option the parser does not take, nor miss one.
 */
#ifndef CRM_CLI_H
#define CRM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "crm.h"
#include "output.h"

/* The exit codes of crm(1). */
enum crm_exit {
	CRM_EXIT_OK = 0,        /* done */
	CRM_EXIT_FAILED = 1,    /* failed, nothing changed */
	CRM_EXIT_USAGE = 2,     /* usage error */
	CRM_EXIT_ATTENTION = 3, /* done, but rows were rejected or rules violated */
	CRM_EXIT_BUSY = 4,      /* the database stayed busy: nothing changed */
};

/* How a command uses the database; main() opens it only when asked to. */
enum crm_cmd_flags {
	CRM_CMD_DB_READ = 1 << 0,
	CRM_CMD_DB_WRITE = 1 << 1,
	CRM_CMD_DB_CREATE = 1 << 2,
};

struct crm_ctx {
	struct crm_db *db;      /* opened by crm_open_db(), or NULL */
	const char *db_path;
	const char *cmd;        /* the command's name, as the lock file tells waiters */
	unsigned db_flags;      /* the command's CRM_CMD_DB_* */
	long busy_ms;
	int quiet;              /* -q: errors only */
	int verbose;            /* -v */
	int progress;           /* a progress bar may be drawn on stderr */
	int argc;               /* the whole command line, for the runs table */
	char **argv;
};

/* One option of a command. */
struct crm_option {
	const char *name;    /* long name without "--", or a one-letter short one ("n") */
	int id;              /* what crm_getopt() returns for it */
	const char *arg;     /* the value's name in the usage ("<file>"); NULL for a flag */
	const char *help;    /* for the usage; "\n" starts a continuation line; NULL: not shown */
	const char *values;  /* what the value may be, for "needs a value: ..."; or NULL */
};

/* Ids of the shared options; a command's own ids are letters or start at CRM_OPT_OWN. */
enum crm_option_id {
	CRM_OPT_ID_DRY_RUN = 0x100,   /* above every letter; 'h' is help's */
	CRM_OPT_ID_FORMAT,
	CRM_OPT_ID_FIELDS,
	CRM_OPT_ID_SINCE_RUN,
	CRM_OPT_OWN = 0x200,
};

/* The shared options, each declared once with its help line. */
#define CRM_OPT_DRY_RUN \
	{ "dry-run", CRM_OPT_ID_DRY_RUN, NULL, "do the work and show it, then roll it back", NULL }
#define CRM_OPT_FORMAT \
	{ "format", CRM_OPT_ID_FORMAT, "<fmt>", \
	  "csv, tsv, json or table (default: table on a terminal,\nelse csv)", \
	  "csv, tsv, json or table" }
#define CRM_OPT_FIELDS \
	{ "fields", CRM_OPT_ID_FIELDS, "<file>", \
	  "field definitions, crm-fields(5) (default: $CRM_FIELDS,\nelse those stored in the " \
	  "database)", "a field definitions file, crm-fields(5)" }
#define CRM_OPT_SINCE_RUN \
	{ "since", CRM_OPT_ID_SINCE_RUN, "<run>", \
	  "only customers that run (or a later one) changed", "a run number" }
#define CRM_OPT_END { NULL, 0, NULL, NULL, NULL }

/* A command's usage: synopsis lines ("usage: crm NAME ...\n"), then its options. */
struct crm_usage {
	const char *synopsis;
	const struct crm_option *options;
};

/* The state of parsing one command's options. */
struct crm_getopt {
	const char *cmd;              /* "import", "log"; NULL for crm's own options */
	const struct crm_usage *usage;
	int permute;                  /* options may come after arguments (as in crm log) */
	int optind;                   /* after CRM_GETOPT_END: the first argument */
	const char *arg;              /* the value of the option just returned */
	const char *name;             /* the option just returned, as "--name" or "-n" */
	int exit;                     /* after CRM_GETOPT_EXIT: the command's exit code */
	void (*help)(FILE *fp);       /* what -h prints, when not the usage (crm --help) */
	char namebuf[64];
};

enum {
	CRM_GETOPT_END = -1,    /* no more options */
	CRM_GETOPT_EXIT = -2,   /* help was printed or misuse reported: return g->exit */
};

/*
 * The next option of argv: its id (g->arg its value), CRM_GETOPT_END, or
 * CRM_GETOPT_EXIT when -h/--help printed the usage (exit 0) or a misuse
 * (unknown option, missing value) printed one message line and the usage
 * on stderr (exit 2). Set g->cmd, g->usage and g->permute, the rest zero,
 * before the first call.
 */
int crm_getopt(struct crm_getopt *g, int argc, char **argv);

/* Prints the usage: synopsis, a blank line, one line per option. */
void crm_usage_print(FILE *fp, const struct crm_usage *u);
/*
 * Prints "crm CMD: <reason>" and the usage to stderr and returns
 * CRM_EXIT_USAGE: the one way a command reports a misuse.
 */
int crm_usage_error(const char *cmd, const struct crm_usage *u, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for the option being parsed: g->exit is set and returned. */
int crm_getopt_error(struct crm_getopt *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* g->arg as a format; on a bad one reports it and returns CRM_GETOPT_EXIT. */
int crm_getopt_format(struct crm_getopt *g, enum crm_format *f);
/* g->arg as a run number; on a bad one reports it and returns CRM_GETOPT_EXIT. */
int crm_getopt_run(struct crm_getopt *g, int64_t *run);

/*
 * Why a command must not replace path with a file it writes whole (-o,
 * --report), or NULL when it may: empty, the database at db_path (or its
 * journal, lock or shared memory), or not a regular file (a device, a
 * directory, a FIFO), each as words that follow the name.
 */
const char *crm_output_refusal(const char *path, const char *db_path);

/* The index in the NULL-terminated names of arg into *out; -1 when arg is none of them. */
int crm_parse_enum(const char *arg, const char *const *names, int *out);
/* Parses a positive whole number (1, 2, ...: a run, a count) into *n; -1 when arg is not one. */
int crm_parse_positive(const char *arg, int64_t *n);
/* Where --format is not given: a table on a terminal, else CSV for pipes. */
enum crm_format crm_default_format(void);

/*
 * Opens the database as the command's flags say (once; later calls do
 * nothing), warning on stderr about a network filesystem. Commands call it
 * after their options parsed cleanly, so that a usage error or --help
 * never creates or touches a database.
 */
enum crm_status crm_open_db(struct crm_ctx *ctx, struct crm_error *err);
/* The same, for writing, for a command that mostly reads but sometimes writes. */
enum crm_status crm_open_db_write(struct crm_ctx *ctx, struct crm_error *err);
/* Prints "crm NAME: <error>" to stderr and returns the exit code it means. */
int crm_report(const char *cmd, const struct crm_error *err);
/* Prints "crm NAME: <message>" to stderr unless quiet. */
void crm_note(const struct crm_ctx *ctx, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The exit code for a status. */
int crm_exit_code(enum crm_status s);

/* A command: what main() dispatches to. Each subcommand file defines crm_cmd_NAME. */
struct crm_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct crm_ctx *ctx);
	unsigned flags;                 /* CRM_CMD_DB_* */
	const char *summary;            /* one line, for crm --help */
	const struct crm_usage *usage;  /* for -h, and crm help NAME without a man page */
};

/*
 * n with thousands separators, for summaries people read (10,000), into
 * buf; returns buf. 32 bytes are enough for any unsigned long.
 */
const char *crm_num(unsigned long n, char *buf, size_t size);

#endif
