/*
 * The command line the commands share: the option parser over getopt_long
 * with its own messages (getopt's are off: it once printed two, the second
 * wrong), the usage made from the option tables, opening the database and
 * reporting errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "banned.h"

#define MAX_OPTIONS 62   /* and --help, and the end */
#define HELP_COLUMN 22   /* where the help text of the usage lines starts */

static int is_short(const struct crm_option *o)
{
	return o->name[0] && !o->name[1];
}

static size_t count_options(const struct crm_option *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

/* Fills getopt_long's tables from ours; 0, or -1 when there are too many. */
static int build_tables(const struct crm_getopt *g, struct option *longs, char *shorts,
			size_t nshorts)
{
	const struct crm_option *o = g->usage->options;
	size_t i, nl = 0, ns = 0, n = count_options(o);

	if (n >= MAX_OPTIONS)
		return -1;
	/* '+' stops at the first argument; ':' reports a missing value as ':'. */
	if (!g->permute)
		shorts[ns++] = '+';
	shorts[ns++] = ':';
	for (i = 0; i < n; i++) {
		if (is_short(&o[i])) {
			if (ns + 3 >= nshorts)
				return -1;
			shorts[ns++] = o[i].name[0];
			if (o[i].arg)
				shorts[ns++] = ':';
			continue;
		}
		longs[nl].name = o[i].name;
		longs[nl].has_arg = o[i].arg ? required_argument : no_argument;
		longs[nl].flag = NULL;
		longs[nl].val = o[i].id;
		nl++;
	}
	if (ns + 2 >= nshorts)
		return -1;
	/* -h and --help are every command's: the help is made from the table. */
	shorts[ns++] = 'h';
	shorts[ns] = '\0';
	longs[nl].name = "help";
	longs[nl].has_arg = no_argument;
	longs[nl].flag = NULL;
	longs[nl].val = 'h';
	nl++;
	memset(&longs[nl], 0, sizeof(longs[nl]));
	return 0;
}

static const struct crm_option *find_option(const struct crm_getopt *g, int id)
{
	const struct crm_option *o;

	for (o = g->usage->options; o && o->name; o++)
		if (o->id == id)
			return o;
	return NULL;
}

static const struct crm_option *find_short(const struct crm_getopt *g, int c)
{
	const struct crm_option *o;

	for (o = g->usage->options; o && o->name; o++)
		if (is_short(o) && o->name[0] == c)
			return o;
	return NULL;
}

/* How the usage and the messages write an option: "--name" or "-n". */
static const char *option_word(const struct crm_option *o, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", is_short(o) ? "-" : "--", o->name);
	return buf;
}

/* Our entry for what getopt returned or named in optopt: a letter or a long option's id. */
static const struct crm_option *lookup(const struct crm_getopt *g, int c)
{
	const struct crm_option *o = c > 0 && c < 0x100 ? find_short(g, c) : NULL;

	return o ? o : find_option(g, c);
}

/*
 * Writes into buf the long options that start with the name in word
 * ("--fo" or "--fo=x"), as "--format, --force"; returns how many.
 */
static int candidates(const struct crm_getopt *g, const char *word, char *buf, size_t n)
{
	const struct crm_option *o;
	size_t len = strcspn(word + 2, "="), used = 0;
	int k = 0;

	buf[0] = '\0';
	for (o = g->usage->options; o && o->name; o++) {
		if (is_short(o) || strncmp(o->name, word + 2, len))
			continue;
		if (used < n)
			used += (size_t)snprintf(buf + used, n - used, "%s--%s", k ? ", " : "",
						 o->name);
		k++;
	}
	return k;
}

/* Reports an option getopt could not take: unknown, its value missing, or a value too many. */
static int misuse(struct crm_getopt *g, int c, char **argv)
{
	char word[128], which[256];
	const char *w = argv[optind - 1];
	const struct crm_option *o = optopt ? lookup(g, optopt) : NULL;

	if (c == ':' && o && o->values)
		return crm_getopt_error(g, "option '%s' needs a value: %s",
					option_word(o, word, sizeof(word)), o->values);
	if (c == ':' && o)
		return crm_getopt_error(g, "option '%s' needs a value",
					option_word(o, word, sizeof(word)));
	/* 'h' is --help's: only "--help=x" stops at it. */
	if (optopt == 'h')
		return crm_getopt_error(g, "option '--help' takes no value");
	if (o && !is_short(o) && !o->arg)
		return crm_getopt_error(g, "option '%s' takes no value",
					option_word(o, word, sizeof(word)));
	/*
	 * An unknown short option is known by optopt alone: getopt has not
	 * moved past its word yet when it stops inside a bundle ("-xy").
	 */
	if (optopt > 0 && optopt < 0x100)
		return crm_getopt_error(g, "unknown option '-%c'", optopt);
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(w, "="), w);
	if (w[0] == '-' && w[1] == '-' && candidates(g, w, which, sizeof(which)) > 1)
		return crm_getopt_error(g, "option '%s' is ambiguous: %s", word, which);
	return crm_getopt_error(g, "unknown option '%s'", word);
}

int crm_getopt(struct crm_getopt *g, int argc, char **argv)
{
	struct option longs[MAX_OPTIONS + 2];
	char shorts[2 * MAX_OPTIONS + 4];
	const struct crm_option *o;
	int c;

	if (build_tables(g, longs, shorts, sizeof(shorts))) {
		g->exit = CRM_EXIT_FAILED;
		fprintf(stderr, "crm %s: too many options in its table\n", g->cmd);
		return CRM_GETOPT_EXIT;
	}
	opterr = 0;
	optopt = 0;
	c = getopt_long(argc, argv, shorts, longs, NULL);
	g->arg = optarg;
	g->optind = optind;
	if (c == -1)
		return CRM_GETOPT_END;
	if (c == '?' || c == ':')
		return misuse(g, c, argv);
	o = lookup(g, c);
	if (c == 'h') {
		if (g->help)
			g->help(stdout);
		else
			crm_usage_print(stdout, g->usage);
		g->exit = CRM_EXIT_OK;
		return CRM_GETOPT_EXIT;
	}
	if (!o) {
		g->exit = CRM_EXIT_FAILED;
		fprintf(stderr, "crm %s: option %d is not in its table\n", g->cmd, c);
		return CRM_GETOPT_EXIT;
	}
	g->name = option_word(o, g->namebuf, sizeof(g->namebuf));
	return o->id;
}

/* Prints help after pad spaces; its continuation lines start at HELP_COLUMN. */
static void print_help_text(FILE *fp, const char *help, size_t pad)
{
	const char *nl;

	for (;;) {
		nl = strchr(help, '\n');
		fprintf(fp, "%*s%.*s\n", (int)pad, "", nl ? (int)(nl - help) : (int)strlen(help),
			help);
		if (!nl)
			return;
		help = nl + 1;
		pad = HELP_COLUMN;
	}
}

void crm_usage_print(FILE *fp, const struct crm_usage *u)
{
	const struct crm_option *o;
	int any = 0;

	fputs(u->synopsis, fp);
	for (o = u->options; o && o->name; o++) {
		char head[64];
		int n;

		if (!o->help)
			continue;
		if (!any++)
			fputc('\n', fp);
		n = snprintf(head, sizeof(head), "  %s%s%s%s", is_short(o) ? "-" : "--", o->name,
			     o->arg ? " " : "", o->arg ? o->arg : "");
		if (n < 0)
			continue;
		fputs(head, fp);
		if ((size_t)n + 1 > HELP_COLUMN) {
			fputc('\n', fp);
			print_help_text(fp, o->help, HELP_COLUMN);
		} else {
			print_help_text(fp, o->help, HELP_COLUMN - (size_t)n);
		}
	}
}

__attribute__((format(printf, 3, 0)))
static int vusage_error(const char *cmd, const struct crm_usage *u, const char *fmt,
			va_list ap)
{
	fprintf(stderr, "crm%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	/*
	 * The synopsis, not every option's help: the error stays on the
	 * screen (the whole help was 35 to 50 lines under it).
	 */
	fputs(u->synopsis, stderr);
	if (u->options)
		fprintf(stderr, "(crm%s%s -h lists the options)\n", cmd ? " " : "", cmd ? cmd : "");
	return CRM_EXIT_USAGE;
}

int crm_usage_error(const char *cmd, const struct crm_usage *u, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vusage_error(cmd, u, fmt, ap);
	va_end(ap);
	return rc;
}

int crm_getopt_error(struct crm_getopt *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g->exit = vusage_error(g->cmd, g->usage, fmt, ap);
	va_end(ap);
	return CRM_GETOPT_EXIT;
}

int crm_getopt_format(struct crm_getopt *g, enum crm_format *f)
{
	if (crm_format_parse(g->arg, f))
		return crm_getopt_error(g, "%s '%s': use csv, tsv, json or table", g->name, g->arg);
	return 0;
}

int crm_getopt_run(struct crm_getopt *g, int64_t *run)
{
	if (crm_parse_positive(g->arg, run))
		return crm_getopt_error(g, "%s '%s' is not a run number", g->name, g->arg);
	return 0;
}

int crm_parse_enum(const char *arg, const char *const *names, int *out)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(arg, names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

static const char *const db_files[] = { "", "-wal", "-shm", "-journal", "-lock" };

/* Whether directories of a and b (up to their last '/') are one. */
static int same_dir(const char *a, const char *b)
{
	const char *x = strrchr(a, '/'), *y = strrchr(b, '/');
	char da[4096], db[4096];
	struct stat sa, sb;

	snprintf(da, sizeof(da), "%.*s", x ? (int)(x - a) + 1 : 1, x ? a : ".");
	snprintf(db, sizeof(db), "%.*s", y ? (int)(y - b) + 1 : 1, y ? b : ".");
	return !stat(da, &sa) && !stat(db, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Same file: path and the database (or its journal, lock and shared
 * memory), or a name one of those would take: an export written as the
 * journal that is not there yet is deleted by the next open (SQLite
 * takes it for a journal of its own).
 */
static int is_database(const char *path, const char *db)
{
	const char *pb = strrchr(path, '/'), *dbb;
	struct stat a, b;
	char name[4096];
	size_t i, n;

	if (!db)
		return 0;
	pb = pb ? pb + 1 : path;
	dbb = strrchr(db, '/');
	dbb = dbb ? dbb + 1 : db;
	n = strlen(dbb);
	for (i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++)
		if (!strncmp(pb, dbb, n) && !strcmp(pb + n, db_files[i]) && same_dir(path, db))
			return 1;
	if (stat(path, &a))
		return 0;
	for (i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", db, db_files[i]);
		if (!stat(name, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 1;
	}
	return 0;
}

const char *crm_output_refusal(const char *path, const char *db_path)
{
	struct stat st;

	if (!*path)
		return "is an empty name: give a file name";
	if (is_database(path, db_path))
		return "is the database (or a file of it): choose another name";
	if (!stat(path, &st) && !S_ISREG(st.st_mode))
		return "is not a regular file: it would be replaced whole by a new one";
	return NULL;
}

int crm_parse_positive(const char *arg, int64_t *n)
{
	char *end;
	long long v;

	if (!arg || *arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*end || v <= 0 || errno == ERANGE)
		return -1;
	*n = v;
	return 0;
}

enum crm_format crm_default_format(void)
{
	return isatty(STDOUT_FILENO) ? CRM_FORMAT_TABLE : CRM_FORMAT_CSV;
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

/* Another writer holds the database: say so to a person at a terminal. */
static void on_wait(void *vctx, const char *holder)
{
	(void)vctx;
	fprintf(stderr, "crm: waiting for the database: %s is writing to it...\n", holder);
}

static enum crm_status open_db(struct crm_ctx *ctx, unsigned flags, struct crm_error *err)
{
	enum crm_status s;
	const char *fs;

	if (ctx->db)
		return CRM_OK;
	if (ctx->db_flags & CRM_CMD_DB_READ)
		flags |= CRM_DB_READ;
	if (ctx->db_flags & CRM_CMD_DB_WRITE)
		flags |= CRM_DB_WRITE;
	if (ctx->db_flags & CRM_CMD_DB_CREATE)
		flags |= CRM_DB_CREATE;
	/* A migration seals the log rows older than its hash chain. */
	crm_db_set_migrate_hook(crm_chain_seal_unsealed);
	s = crm_db_open(&ctx->db, ctx->db_path, flags, ctx->busy_ms, err);
	if (s)
		return s;
	{
		char label[48];

		snprintf(label, sizeof(label), "crm %s", ctx->cmd ? ctx->cmd : "");
		crm_db_set_label(ctx->db, label);
	}
	if (!ctx->quiet && isatty(STDERR_FILENO))
		crm_db_set_wait_hook(ctx->db, on_wait, ctx);
	fs = crm_db_network_fs(ctx->db);
	if (fs)
		fprintf(stderr, "crm: warning: '%s' is on a network filesystem (%s): SQLite's "
			"locking is not safe there, keep the database on a local disk\n",
			ctx->db_path, fs);
	return CRM_OK;
}

enum crm_status crm_open_db(struct crm_ctx *ctx, struct crm_error *err)
{
	return open_db(ctx, 0, err);
}

enum crm_status crm_open_db_write(struct crm_ctx *ctx, struct crm_error *err)
{
	return open_db(ctx, CRM_DB_WRITE, err);
}

const char *crm_num(unsigned long n, char *buf, size_t size)
{
	char tmp[32];
	size_t len, i, o = 0;

	snprintf(tmp, sizeof(tmp), "%lu", n);
	len = strlen(tmp);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}
