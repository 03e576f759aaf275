/*
 * The subcommands: each parses its own options, calls the core and prints.
 * main.c opens the database as the command's flags in the command table
 * say and hands it over in ctx.
 */
#ifndef CRM_SUBCOMMANDS_H
#define CRM_SUBCOMMANDS_H

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

struct crm_ctx {
	struct crm_db *db;      /* opened as the command's flags say, or NULL */
	const char *db_path;
	int quiet;              /* -q: errors only */
	int verbose;            /* -v */
	int progress;           /* a progress bar may be drawn on stderr */
	int argc;               /* the whole command line, for the runs table */
	char **argv;
};

/*
 * Opens the database as the running command's flags say (once; later calls
 * do nothing), warning on stderr about a network filesystem. Commands call
 * it after their options parsed cleanly.
 */
enum crm_status crm_open_db(struct crm_ctx *ctx, struct crm_error *err);
/* The same, for writing, for a command that mostly reads but sometimes writes. */
enum crm_status crm_open_db_write(struct crm_ctx *ctx, struct crm_error *err);
/* Prints "crm NAME: <error>" to stderr and returns the exit code it means. */
int crm_report(const char *cmd, const struct crm_error *err);
/* Prints "crm NAME: <message>" to stderr unless quiet. */
void crm_note(const struct crm_ctx *ctx, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parses a run number (1, 2, ...) into *run; -1 when arg is not one. */
int crm_parse_run(const char *arg, int64_t *run);
/* Where --format is not given: a table on a terminal, else CSV for pipes. */
enum crm_format crm_default_format(void);
/* The exit code for a status. */
int crm_exit_code(enum crm_status s);
/* Prints "crm NAME: <reason>" and the usage to stderr; returns CRM_EXIT_USAGE. */
int crm_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int cmd_init(int argc, char **argv, struct crm_ctx *ctx);
int cmd_import(int argc, char **argv, struct crm_ctx *ctx);
int cmd_log(int argc, char **argv, struct crm_ctx *ctx);
int cmd_cleanse(int argc, char **argv, struct crm_ctx *ctx);

extern const char crm_init_usage[];
extern const char crm_import_usage[];
extern const char crm_log_usage[];
extern const char crm_cleanse_usage[];

#endif
