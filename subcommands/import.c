/*
 * crm import: CSV exports into the database. The whole command is one run
 * in the log, each file one part of it (its own transaction). Rejected
 * rows go to a rejects file beside the input, with line, column and
 * reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "country.h"
#include "fields.h"
#include "fielddefs.h"
#include "import.h"
#include "output.h"
#include "progress.h"
#include "safefile.h"
#include "banned.h"

enum {
	OPT_KIND = CRM_OPT_OWN,
	OPT_SOURCE,
	OPT_CUSTOMER_SOURCE,
	OPT_KEY,
	OPT_MAP,
	OPT_ENCODING,
	OPT_REJECTS,
	OPT_STRICT,
	OPT_LENIENT,
	OPT_ALLOW_ERASED,
	OPT_NO_CLEANSE,
	OPT_COUNTRY,
};

static const struct crm_option import_options[] = {
	{ "kind", OPT_KIND, "<kind>", "customers, orders or interactions (default: guessed)",
	  "customers, orders or interactions" },
	{ "source", OPT_SOURCE, "<name>", "the system the file comes from (default: the file's name\nwithout its directory and extension)",
	  "the name of the system the file comes from" },
	{ "customer-source", OPT_CUSTOMER_SOURCE, "<name>",
	  "where the customer keys of orders live (default: --source)",
	  "the source whose keys the customer column holds" },
	{ "key", OPT_KEY, "<column>", "the column that identifies a record in its source",
	  "a column name" },
	{ "map", OPT_MAP, "<column>=<field>", "map a column to a field, to extra, or to - (ignore)",
	  "COLUMN=FIELD" },
	{ "encoding", OPT_ENCODING, "<enc>", "auto, utf-8 or cp932 (default: auto)",
	  "auto, utf-8 or cp932" },
	{ "rejects", OPT_REJECTS, "<file>", "where rejected rows go (default: FILE.rejects.csv)",
	  "a file name" },
	{ "strict", OPT_STRICT, NULL, "any rejected row aborts its file, storing nothing", NULL },
	{ "lenient", OPT_LENIENT, NULL, "store rows with bad fields, leaving those fields empty,\n"
	  "and customers known by any name, email or phone", NULL },
	{ "country", OPT_COUNTRY, "<country>", "the country of customers whose row names none\n"
	  "(default: Japan); postal codes are checked as it writes them", "a country code or name" },
	{ "allow-erased", OPT_ALLOW_ERASED, NULL,
	  "import records of people erased at their request (crm log forget)", NULL },
	{ "no-cleanse", OPT_NO_CLEANSE, NULL,
	  "store customers' values as the file wrote them, not in\nthe notation crm cleanse gives them", NULL },
	CRM_OPT_DRY_RUN,
	CRM_OPT_FIELDS,
	{ "format", CRM_OPT_ID_FORMAT, "<fmt>", "how --dry-run lists the values it would normalize:\n"
	  "csv, tsv, json or table (default: table on a terminal,\nelse csv)",
	  "csv, tsv, json or table" },
	CRM_OPT_END,
};

static const struct crm_usage import_usage = {
	"usage: crm import [--kind <kind>] [--source <name>] [--customer-source <name>]\n"
	"                  [--key <column>] [--map <column>=<field>]... [--encoding <enc>]\n"
	"                  [--rejects <file>] [--strict | --lenient] [--country <country>]\n"
	"                  [--allow-erased] [--no-cleanse] [--dry-run [--format <fmt>]]\n"
	"                  [--fields <file>] <file>...\n",
	import_options,
};

#define usage_error(...) crm_usage_error("import", &import_usage, __VA_ARGS__)

struct import_cli {
	struct crm_ctx *ctx;
	struct crm_import_options opt;
	struct crm_import_map *maps;
	const char *rejects_opt;
	const char *fields_path;       /* --fields, else $CRM_FIELDS */
	struct crm_fielddefs *defs;
	int strict, dry_run;
	enum crm_format format;        /* of the --dry-run list of values normalized */
	int format_set;
	struct crm_out *changes;       /* that list, opened at its first row */
	int first;                     /* argv's first file */
	int any_aborted;               /* a file was dropped for its rejects (--strict) */
	int rejects_kept_aside;        /* rejects left in a temporary file: exit 3 */

	/* The file being imported. */
	const char *file;
	char *rejects_path;
	/*
	 * The file's rejects: a temporary file beside rejects_path, renamed
	 * over it only once the file's part of the run is committed, so that
	 * a kill keeps the last complete rejects file (or stdout for "-").
	 */
	struct crm_safefile *rejects_file;
	FILE *rejects_fp;
	struct crm_csv_writer *rejects;
	struct crm_progress bar;
	const char *customer_source;   /* for the summary */
	char *source_copy;             /* the default source, kept for the summary */
	char **opened;                 /* rejects files written in this run */
	size_t nopened;
};

/* "dir/sfa-export.csv" -> "sfa-export". */
static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	const char *dot;
	char *s;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	s = strdup(b);
	if (s && dot && dot != b)
		s[dot - b] = '\0';
	return s;
}

/*
 * Whether files may be made in dir. A directory with no write bit for
 * anyone counts as read-only even for root, who access() lets through:
 * such a directory (a shared data set, a mounted export) is not ours.
 */
static int writable_dir(const char *dir)
{
	struct stat st;

	return access(dir, W_OK) == 0 && stat(dir, &st) == 0 && (st.st_mode & 0222);
}

/*
 * FILE.rejects.csv beside FILE (its .csv, .tsv or .txt replaced), or in
 * the current directory when FILE's directory is not writable.
 */
static char *rejects_path_for(const char *file)
{
	struct crm_strbuf sb = CRM_STRBUF_INIT;
	const char *slash = strrchr(file, '/'), *dot = strrchr(file, '.');
	const char *start = file;
	size_t stem = strlen(file);

	if (!strcmp(file, "-"))
		return strdup("stdin.rejects.csv");
	if (slash) {
		char *dir = strndup(file, slash == file ? 1 : (size_t)(slash - file));
		int ok = dir && writable_dir(dir);

		free(dir);
		if (!ok) {
			start = slash + 1;
			stem -= (size_t)(start - file);
		}
	}
	if (dot && (!slash || dot > slash + 1) &&
	    (!strcmp(dot, ".csv") || !strcmp(dot, ".CSV") || !strcmp(dot, ".tsv") ||
	     !strcmp(dot, ".txt")))
		stem = (size_t)(dot - start);
	if (crm_strbuf_add(&sb, start, stem) || crm_strbuf_addstr(&sb, ".rejects.csv")) {
		crm_strbuf_release(&sb);
		return NULL;
	}
	return crm_strbuf_detach(&sb, NULL);
}

/*
 * A column's header as the mapping report shows it: a column without a
 * name (the import calls the second "" " (2)") by its place in the file.
 */
static const char *header_name(const struct crm_import_column *col, size_t c, char *buf,
			       size_t n)
{
	const char *h = col->header;

	if (*h && strncmp(h, " (", 2) != 0)
		return h;
	snprintf(buf, n, "(column %zu, no name)", c + 1);
	return buf;
}

static void print_mapping(void *vctx, const struct crm_import_mapping *m)
{
	struct import_cli *cli = vctx;
	char name[48];
	size_t c;

	if (cli->ctx->quiet)
		return;
	fprintf(stderr, "crm import: %s: %s%s\n", cli->file, crm_kind_name(m->kind),
		m->kind_guessed ? " (guessed from the headers; --kind to choose)" : "");
	if (cli->ctx->verbose) {
		for (c = 0; c < m->ncolumns; c++)
			fprintf(stderr, "  %s -> %s%s\n", header_name(&m->columns[c], c, name,
								 sizeof(name)),
				m->columns[c].field, m->columns[c].by_user ? " (given)" : "");
	} else {
		fprintf(stderr, "  columns:");
		for (c = 0; c < m->ncolumns; c++)
			fprintf(stderr, " %s=%s", header_name(&m->columns[c], c, name, sizeof(name)),
				m->columns[c].field);
		fputc('\n', stderr);
	}
	if (m->hashed_key)
		fprintf(stderr, "  no key column: each row is known by a hash of its content\n");
	/* A header a slip away from one crm knows is likely meant as that one. */
	for (c = 0; c < m->ncolumns; c++) {
		const struct crm_field *f;
		char alias[128];

		if (strcmp(m->columns[c].field, "extra") || m->columns[c].by_user)
			continue;
		f = crm_field_similar(m->kind, m->columns[c].header, alias, sizeof(alias));
		if (f)
			fprintf(stderr, "  %s: did you mean %s (%s)? --map '%s=%s' says so\n",
				m->columns[c].header, alias, f->name, m->columns[c].header, f->name);
	}
}

/* Standard output for --rejects -, as crm(1) has it; NULL and errno on failure. */
static FILE *rejects_stdout(void)
{
	int fd = dup(STDOUT_FILENO);
	FILE *out = fd < 0 ? NULL : fdopen(fd, "a");

	if (fd >= 0 && !out)
		close(fd);
	return out;
}

/*
 * Starts the rejects file at path: a temporary file beside it, holding what
 * this run already wrote there when again. 0, or -1 (errno kept).
 */
/* The rejects file at path, written to a temporary file beside it (safefile.h). */
static int start_safe(struct import_cli *cli, const char *path, int again)
{
	struct crm_error e;

	if (crm_safefile_open(&cli->rejects_file, path, again, &e))
		return -1;
	cli->rejects_fp = crm_safefile_fp(cli->rejects_file);
	return 0;
}

/*
 * Whether the link at path leads, on any of its hops, into /dev or /proc:
 * /dev/stdout, /dev/fd/1 and /proc/self/fd/1 name whatever standard output
 * is, a file a shell redirected it to included, which is to be written,
 * not replaced (a new-user trial: `--rejects /dev/stdout >> cron.log`
 * replaced cron.log).
 */
static int leads_to_system(const char *path)
{
	char at[PATH_MAX], to[PATH_MAX];
	int hops;

	snprintf(at, sizeof(at), "%s", path);
	for (hops = 0; hops < 40; hops++) {
		ssize_t n;

		if (!strncmp(at, "/dev/", 5) || !strncmp(at, "/proc/", 6))
			return 1;
		n = readlink(at, to, sizeof(to) - 1);
		if (n < 0)
			return 0;
		to[n] = '\0';
		if (to[0] == '/') {
			memcpy(at, to, (size_t)n + 1);
		} else {
			/* Relative to the link's directory. */
			char *slash = strrchr(at, '/');
			size_t dir = slash ? (size_t)(slash - at) + 1 : 0;

			if (dir + (size_t)n + 1 > sizeof(at))
				return 1;
			memcpy(at + dir, to, (size_t)n + 1);
		}
	}
	return 1;
}

/*
 * Opens path with flags and O_NONBLOCK, then reads or writes it blocking,
 * as fopen's mode says: a FIFO with no one at its other end makes open(2)
 * wait for ever otherwise (#12). Opened so, an input FIFO with no writer
 * reads as empty, and an output one with no reader fails at once (ENXIO,
 * said as EPIPE).
 */
static FILE *open_nowait(const char *path, int flags, const char *mode)
{
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC), fl, e;
	FILE *fp;

	if (fd < 0) {
		if (errno == ENXIO)
			errno = EPIPE;
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || !(fp = fdopen(fd, mode))) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	return fp;
}

static int start_rejects(struct import_cli *cli, const char *path, int again)
{
	struct stat sb;
	char *real = NULL;
	int rc;

	if (!strcmp(path, "-"))
		return (cli->rejects_fp = rejects_stdout()) ? 0 : -1;
	/*
	 * Only a regular file is replaced (a temporary file beside it, renamed
	 * over it), and through a symbolic link, the file it names. A device, a
	 * pipe, or what /dev and /proc name (/dev/stdout, /dev/fd/1) is
	 * written, never renamed over: an early version of this replaced
	 * /dev/full.
	 */
	if (lstat(path, &sb) != 0)
		return start_safe(cli, path, again);
	if (S_ISLNK(sb.st_mode) && !leads_to_system(path) && (real = realpath(path, NULL)) &&
	    stat(real, &sb) == 0 && S_ISREG(sb.st_mode)) {
		rc = start_safe(cli, real, again);
		free(real);
		return rc;
	}
	free(real);
	if (S_ISREG(sb.st_mode) && strncmp(path, "/dev/", 5) && strncmp(path, "/proc/", 6))
		return start_safe(cli, path, again);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	return (cli->rejects_fp = open_nowait(path, O_WRONLY | O_APPEND, "a")) ? 0 : -1;
}

/*
 * The default rejects file could not be made beside the input: the same
 * name in the current directory, said on stderr. 0, or -1 (errno kept).
 */
static int rejects_here(struct import_cli *cli, int again)
{
	const char *slash = strrchr(cli->rejects_path, '/');
	int e = errno;
	char *here;

	if (cli->rejects_opt || !slash || again)
		return -1;
	here = strdup(slash + 1);
	if (!here)
		return -1;
	if (start_rejects(cli, here, 0)) {
		free(here);
		errno = e;
		return -1;
	}
	if (!cli->ctx->quiet)
		fprintf(stderr, "crm import: %s: cannot write '%s' (%s): rejects go to '%s' in the "
			"current directory (--rejects FILE to choose)\n", cli->file, cli->rejects_path,
			strerror(e), here);
	free(cli->rejects_path);
	cli->rejects_path = here;
	return 0;
}

/* The error for a rejects file that cannot be written (why): where, and what to do. */
static enum crm_status rejects_failed(const struct import_cli *cli, const char *why,
				      struct crm_error *err)
{
	char cwd[PATH_MAX];
	const char *p = cli->rejects_path ? cli->rejects_path
		      : cli->rejects_opt ? cli->rejects_opt : "FILE.rejects.csv";
	int rel = p[0] != '/' && getcwd(cwd, sizeof(cwd));

	return crm_error_set(err, CRM_ERR_IO, "cannot write rejects to '%s%s%s': %s; name a "
			     "file that can be written with --rejects FILE", rel ? cwd : "",
			     rel ? "/" : "", p, why);
}

static enum crm_status rejects_error(const struct import_cli *cli, int e, struct crm_error *err)
{
	/* A pipe or FIFO (open_nowait) with no reader: say so, not "Broken pipe". */
	return rejects_failed(cli, e == EPIPE ? "no process reads it" : strerror(e), err);
}

/*
 * A failure of the rejects' CSV writer: an I/O error (a full disk) names
 * the rejects file, not "CSV output" (#12).
 */
static enum crm_status rejects_write_error(const struct import_cli *cli, enum crm_status s,
					   struct crm_error *err)
{
	static const char prefix[] = "cannot write CSV output: ";
	char why[CRM_ERROR_MSG_MAX];

	if (s != CRM_ERR_IO || !err)
		return s;
	snprintf(why, sizeof(why), "%s", strncmp(err->message, prefix, sizeof(prefix) - 1)
		 ? err->message : err->message + sizeof(prefix) - 1);
	return rejects_failed(cli, why, err);
}

static enum crm_status open_rejects(struct import_cli *cli, struct crm_error *err)
{
	static const char *const header[] = { "file", "line", "column", "value", "reason", "record" };
	struct crm_csv_write_options wo = { .encoding = CRM_ENC_UTF8_BOM, .crlf = 1 };
	enum crm_status s;

	size_t i;
	int again = 0;
	char **o;

	/*
	 * Two inputs of one run may share a rejects file (x.csv and x.txt,
	 * the same name in two read-only directories): the second appends.
	 */
	for (i = 0; i < cli->nopened && !again; i++)
		again = !strcmp(cli->opened[i], cli->rejects_path);
	/* Rejected rows are customer records: as private as the database (0600). */
	if (start_rejects(cli, cli->rejects_path, again) && rejects_here(cli, again))
		return rejects_error(cli, errno, err);
	if (!again) {
		o = realloc(cli->opened, (cli->nopened + 1) * sizeof(*o));
		if (!o || !(o[cli->nopened] = strdup(cli->rejects_path))) {
			if (o)
				cli->opened = o;
			return crm_error_nomem(err);
		}
		cli->opened = o;
		cli->nopened++;
	}
	/* A file in the middle of a CSV takes no second BOM. */
	if (again)
		wo.encoding = CRM_ENC_UTF8;
	s = crm_csv_writer_open(&cli->rejects, cli->rejects_fp, &wo, err);
	if (!s && !again)
		s = crm_csv_write_record(cli->rejects, header, NULL, 6, err);
	return rejects_write_error(cli, s, err);
}

/* Each problem goes to the rejects file: nothing read is ever just dropped. */
static enum crm_status on_problem(void *vctx, const struct crm_import_problem *p,
				  struct crm_error *err)
{
	struct import_cli *cli = vctx;
	const char *fields[6];
	size_t lens[6];
	char line[32];
	enum crm_status s;
	char buf[1024];   /* the reason of a stored row, for fields[4] */
	int i;

	if (!cli->rejects) {
		s = open_rejects(cli, err);
		if (s)
			return s;
	}
	snprintf(line, sizeof(line), "%lu", p->line);
	/* "-" would read as a formula to a spreadsheet, and be quoted as one. */
	fields[0] = strcmp(cli->file, "-") ? cli->file : "stdin";
	fields[1] = line;
	fields[2] = p->column ? p->column : "";
	fields[3] = p->value ? p->value : "";
	fields[4] = p->stored ? NULL : p->reason;
	fields[5] = p->raw ? p->raw : "";   /* NULL: withheld (an erased person's) */
	for (i = 0; i < 6; i++)
		lens[i] = fields[i] ? strlen(fields[i]) : 0;
	lens[5] = p->raw_len;
	/* A record's raw text ends with its line break: not part of the record. */
	while (lens[5] && (p->raw[lens[5] - 1] == '\n' || p->raw[lens[5] - 1] == '\r'))
		lens[5]--;
	if (p->stored) {
		snprintf(buf, sizeof(buf), "%s: %s", p->stored, p->reason);
		fields[4] = buf;
		lens[4] = strlen(buf);
	}
	s = crm_csv_write_record(cli->rejects, fields, lens, 6, err);
	if (s == CRM_ERR_UNREPRESENTABLE || s == CRM_ERR_ENCODING || s == CRM_ERR_INVALID) {
		/* A NUL or a bad byte in the raw text: keep the reason, drop the raw text. */
		fields[5] = "(the record's text cannot be written: see the input file)";
		lens[5] = strlen(fields[5]);
		s = crm_csv_write_record(cli->rejects, fields, lens, 6, err);
	}
	s = rejects_write_error(cli, s, err);
	if (cli->ctx->verbose && !cli->ctx->quiet) {
		/* A reason that names its column already is not told it twice. */
		int named = p->column && !strncmp(fields[4], "column ", 7) &&
			    !strncmp(fields[4] + 7, p->column, strlen(p->column));

		fprintf(stderr, "crm import: %s:%lu: %s%s%s%s\n", cli->file, p->line,
			p->column && !named ? "column " : "", p->column && !named ? p->column : "",
			p->column && !named ? ": " : "", fields[4]);
	}
	return s;
}

/* --dry-run: each value the rules of crm cleanse would store otherwise, as cleanse lists them. */
static enum crm_status on_change(void *vctx, const struct crm_import_change *c,
				 struct crm_error *err)
{
	static const char *const cols[] = { "file", "line", "customer", "field", "before", "after",
					    "rule" };
	struct import_cli *cli = vctx;
	struct crm_value v[7];
	enum crm_status s;

	if (!cli->dry_run)
		return CRM_OK;
	if (!cli->changes) {
		s = crm_out_open(&cli->changes, stdout, cli->format, cols, 7, err);
		if (s)
			return s;
		/* Cells are cut for a person at a terminal, never for a pipe or a file. */
		crm_out_set_cut(cli->changes, isatty(STDOUT_FILENO));
	}
	v[0] = crm_value_text(strcmp(cli->file, "-") ? cli->file : "stdin");
	v[1] = crm_value_int((long long)c->line);
	v[2] = crm_value_int(c->customer);
	v[3] = crm_value_text(c->field);
	v[4] = crm_value_text(c->before);
	v[5] = crm_value_text(c->after);
	v[6] = crm_value_text(c->rule);
	return crm_out_row(cli->changes, v, err);
}

static void on_progress(void *vctx, unsigned long long bytes, unsigned long rows)
{
	struct import_cli *cli = vctx;

	crm_progress_update(&cli->bar, bytes, rows);
}

/*
 * Writes the file's rejects out and onto the disk, before its part of the
 * run commits: a row neither stored nor in the rejects file would be lost.
 * The temporary file stays for keep_rejects() or drop_rejects().
 */
static enum crm_status sync_rejects(struct import_cli *cli, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	struct crm_error e;

	if (cli->rejects) {
		s = rejects_write_error(cli, crm_csv_writer_close(cli->rejects, err), err);
		cli->rejects = NULL;
	}
	if (!s && cli->rejects_file && crm_safefile_sync(cli->rejects_file, &e))
		s = rejects_error(cli, errno, err);
	if (!cli->rejects_file && cli->rejects_fp) {
		if (fclose(cli->rejects_fp) != 0 && !s)
			s = rejects_error(cli, errno, err);
	}
	if (!cli->rejects_file)
		cli->rejects_fp = NULL;
	return s;
}

/*
 * After the part committed (or was dropped by --strict): the rejects
 * replace the old file. The rows are in the database by now, so a rename
 * that fails is no failure of the file: its rejects stay in the temporary
 * file, whole, and the user is told where (the run wants a look anyway).
 */
static void keep_rejects(struct import_cli *cli)
{
	struct crm_safefile *f = cli->rejects_file;
	struct crm_error e;

	cli->rejects_file = NULL;
	cli->rejects_fp = NULL;
	if (f && crm_safefile_commit(f, &e)) {
		fprintf(stderr, "crm import: %s: %s\n", cli->file, e.message);
		cli->rejects_kept_aside = 1;
	}
}

/* After a failure: the old rejects file stays as it was. */
static void drop_rejects(struct import_cli *cli)
{
	if (cli->rejects) {
		crm_csv_writer_close(cli->rejects, NULL);
		cli->rejects = NULL;
	}
	crm_safefile_abort(cli->rejects_file);
	if (!cli->rejects_file && cli->rejects_fp)
		fclose(cli->rejects_fp);
	cli->rejects_file = NULL;
	cli->rejects_fp = NULL;
}

/* ": field N, field N" for the counts by field (in the catalogue's order) that are not 0. */
static unsigned long by_field(const unsigned long *by)
{
	const struct crm_field *fields;
	unsigned long sum = 0;
	char a[32];
	size_t n, i;
	int k = 0;

	fields = crm_fields(CRM_KIND_CUSTOMERS, &n);
	for (i = 0; i < n && i < CRM_IMPORT_MAX_FIELDS; i++)
		if (by[i]) {
			fprintf(stderr, "%s%s %s", k++ ? ", " : ": ", fields[i].name,
				crm_num(by[i], a, sizeof(a)));
			sum += by[i];
		}
	return sum;
}

/*
 * The values the rules of crm cleanse stored otherwise, and those against
 * them, by field; each part only when its count is not 0.
 */
static void summary_cleansed(const struct import_cli *cli, const struct crm_import_stats *st)
{
	unsigned long own;
	char a[32];

	if (!st->normalized && !st->violations)
		return;
	fprintf(stderr, "%s%s: ", cli->dry_run ? "dry run: " : "", cli->file);
	if (st->normalized) {
		fprintf(stderr, "%s value%s %snormalized", crm_num(st->normalized, a, sizeof(a)),
			st->normalized == 1 ? "" : "s", cli->dry_run ? "would be " : "");
		by_field(st->normalized_by);
	}
	if (st->violations) {
		fprintf(stderr, "%s%s value%s against the rules or field definitions, stored as "
			"written", st->normalized ? "; " : "", crm_num(st->violations, a, sizeof(a)),
			st->violations == 1 ? "" : "s");
		/* The rest are of fields the definitions add, kept in extra. */
		own = st->violations - by_field(st->violations_by);
		if (own)
			fprintf(stderr, "%sthe definitions' own fields %s",
				own == st->violations ? ": " : ", ", crm_num(own, a, sizeof(a)));
		fputs(" (crm cleanse --check lists them)", stderr);
	}
	fputc('\n', stderr);
}

static void summary(struct import_cli *cli, const struct crm_import_stats *st, int aborted)
{
	char a[32], b[32], c[32], d[32], e[32];

	/* Quiet, it speaks only when the rejects file has something: exit 3. */
	if (cli->ctx->quiet && !st->rejected && !st->field_errors && !st->warned)
		return;
	fprintf(stderr, "%s%s: %s row%s: %s new, %s updated, %s unchanged, %s rejected",
		cli->dry_run ? "dry run: " : "", cli->file, crm_num(st->read, a, sizeof(a)),
		st->read == 1 ? "" : "s",
		crm_num(st->added, b, sizeof(b)), crm_num(st->updated, c, sizeof(c)),
		crm_num(st->unchanged, d, sizeof(d)), crm_num(st->rejected, e, sizeof(e)));
	if (st->rejected || st->field_errors || st->warned)
		fprintf(stderr, " (%s)", cli->rejects_path);
	if (st->field_errors)
		fprintf(stderr, ", %s fields left empty", crm_num(st->field_errors, a, sizeof(a)));
	if (st->warned)
		fprintf(stderr, ", %s stored with a warning", crm_num(st->warned, a, sizeof(a)));
	if (st->new_customers)
		fprintf(stderr, ", %s new customer%s for customer keys unknown in source '%s'",
			crm_num(st->new_customers, a, sizeof(a)), st->new_customers == 1 ? "" : "s",
			cli->customer_source);
	if (aborted)
		fputs(cli->dry_run ? "; --strict: nothing of this file would be stored"
				   : "; --strict: nothing of this file was stored", stderr);
	else if (!st->added && !st->updated && !cli->dry_run)
		fputs("; nothing changed", stderr);
	fputc('\n', stderr);
	if (!cli->ctx->quiet)
		summary_cleansed(cli, st);
	if (cli->ctx->verbose && !cli->ctx->quiet && st->encoding)
		fprintf(stderr, "crm import: %s: read as %s\n", cli->file, st->encoding);
}

/* The run's counts as runs.counts names them, in the order it lists them. */
static const char *const count_names[] = {
	"files", "read", "new", "updated", "unchanged", "rejected", "fields_emptied", "warned",
	"blank", "new_customers", "changes", "normalized", "violations",
};

/* Every count at 0, so that the object lists them all, in order, whatever comes. */
static enum crm_status zero_counts(struct crm_run *run, struct crm_error *err)
{
	enum crm_status s = CRM_OK;
	size_t i;

	for (i = 0; i < sizeof(count_names) / sizeof(count_names[0]) && !s; i++)
		s = crm_run_count(run, count_names[i], 0, err);
	return s;
}

/* Adds the counts of a file kept to the run's. */
static enum crm_status count_file(struct crm_run *run, const struct crm_import_stats *st,
				  struct crm_error *err)
{
	const long long n[] = {
		1, (long long)st->read, (long long)st->added, (long long)st->updated,
		(long long)st->unchanged, (long long)st->rejected, (long long)st->field_errors,
		(long long)st->warned, (long long)st->blank, (long long)st->new_customers, (long long)st->changes,
		(long long)st->normalized, (long long)st->violations,
	};
	enum crm_status s = CRM_OK;
	size_t i;

	for (i = 0; i < sizeof(count_names) / sizeof(count_names[0]) && !s; i++)
		s = crm_run_add(run, count_names[i], n[i], err);
	return s;
}

/* Imports one file in the part of the run begun for it. */
static enum crm_status import_one(struct import_cli *cli, struct crm_run *run,
				  struct crm_import_stats *st, int *aborted, struct crm_error *err)
{
	struct crm_import_sink sink = { cli, print_mapping, on_problem, on_progress, on_change };
	char *source = NULL;
	enum crm_status s, s2;
	struct stat sb;
	FILE *fp;

	*aborted = 0;
	fp = strcmp(cli->file, "-") ? open_nowait(cli->file, O_RDONLY, "rb") : stdin;
	if (!fp)
		return crm_error_set(err, CRM_ERR_IO, "cannot open '%s': %s", cli->file,
				     strerror(errno));
	if (!cli->opt.source) {
		source = strcmp(cli->file, "-") ? base_name(cli->file) : strdup("stdin");
		if (!source) {
			if (fp != stdin)
				fclose(fp);
			return crm_error_nomem(err);
		}
	}
	cli->rejects_path = cli->rejects_opt ? strdup(cli->rejects_opt) : rejects_path_for(cli->file);
	/* A directory the rejects cannot go in: they go here, and the user is told. */
	if (cli->rejects_path && !cli->rejects_opt && strchr(cli->file, '/') &&
	    !strchr(cli->rejects_path, '/') && !cli->ctx->quiet)
		fprintf(stderr, "crm import: %s: its directory cannot be written: rejects go to "
			"'%s' in the current directory (--rejects FILE to choose)\n", cli->file,
			cli->rejects_path);
	crm_progress_start(&cli->bar, stderr, cli->ctx->progress, cli->file,
			   fp != stdin && fstat(fileno(fp), &sb) == 0 ? (unsigned long long)sb.st_size : 0);
	{
		struct crm_import_options o = cli->opt;

		if (source)
			o.source = source;
		cli->customer_source = o.customer_source ? o.customer_source : o.source;
		s = cli->rejects_path ? crm_import_file(run, fp, cli->file, &o, &sink, st, err)
				      : crm_error_nomem(err);
	}
	crm_progress_done(&cli->bar);
	if (fp != stdin)
		fclose(fp);
	free(cli->source_copy);
	cli->source_copy = source;
	/* The rejects are on disk before the file commits (import_part renames them). */
	s2 = s ? CRM_OK : sync_rejects(cli, err);
	if (!s)
		s = s2;
	if (!s && cli->strict && st->rejected)
		*aborted = 1;
	return s;
}

/* Adds a --map COLUMN=FIELD (arg is cut at '='): -1 when arg is not that, -2 out of memory. */
static int add_map(struct import_cli *cli, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct crm_import_map *m;
	char *column;

	if (!eq || eq == arg || !eq[1])
		return -1;
	/* A copy of the column: argv stays as typed, for the run's record of it. */
	column = strndup(arg, (size_t)(eq - arg));
	m = column ? realloc(cli->maps, (cli->opt.nmaps + 1) * sizeof(*m)) : NULL;
	if (!m) {
		free(column);
		return -2;
	}
	cli->maps = m;
	m[cli->opt.nmaps].column = column;
	m[cli->opt.nmaps].field = eq + 1;
	cli->opt.nmaps++;
	return 0;
}

/* Returns 0 to go on, -1 after --help, else the exit code of a misuse. */
static int parse_args(struct import_cli *cli, int argc, char **argv)
{
	struct crm_getopt g = { .cmd = "import", .usage = &import_usage, .permute = 1 };
	int c;

	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_KIND:
			if (crm_kind_parse(g.arg, &cli->opt.kind))
				return usage_error("--kind must be customers, orders or interactions, "
						   "not '%s'", g.arg);
			cli->opt.kind_given = 1;
			break;
		case OPT_SOURCE:
			if (!*g.arg)
				return usage_error("--source needs a name");
			cli->opt.source = g.arg;
			break;
		case OPT_CUSTOMER_SOURCE: cli->opt.customer_source = g.arg; break;
		case OPT_KEY: cli->opt.key_column = g.arg; break;
		case OPT_MAP:
			switch (add_map(cli, g.arg)) {
			case -1:
				return usage_error("--map takes COLUMN=FIELD, not '%s'", g.arg);
			case -2:
				fputs("crm import: out of memory\n", stderr);
				return CRM_EXIT_FAILED;
			}
			break;
		case OPT_ENCODING:
			if (crm_encoding_parse(g.arg, &cli->opt.encoding) ||
			    cli->opt.encoding == CRM_ENC_UTF8_BOM)
				return usage_error("--encoding must be auto, utf-8 or cp932, not '%s'",
						   g.arg);
			break;
		case OPT_REJECTS: cli->rejects_opt = g.arg; break;
		case OPT_STRICT: cli->strict = 1; break;
		case OPT_LENIENT: cli->opt.lenient = 1; break;
		case OPT_ALLOW_ERASED: cli->opt.allow_erased = 1; break;
		case OPT_NO_CLEANSE: cli->opt.no_cleanse = 1; break;
		case OPT_COUNTRY:
			if (!*g.arg)
				return usage_error("--country needs a country (an ISO code such as AU, or a name)");
			cli->opt.country = g.arg;
			if (crm_country_of(g.arg) == CRM_COUNTRY_UNKNOWN)
				crm_note(cli->ctx, "import", "--country %s: crm knows no postal code "
					 "format of it; postal codes are stored as written", g.arg);
			break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli->format))
				return g.exit;
			cli->format_set = 1;
			break;
		case CRM_OPT_ID_DRY_RUN: cli->dry_run = 1; break;
		case CRM_OPT_ID_FIELDS: cli->fields_path = g.arg; break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit ? g.exit : -1;
	cli->opt.maps = cli->maps;
	if (cli->strict && cli->opt.lenient)
		return usage_error("--strict and --lenient contradict each other");
	if (cli->format_set && !cli->dry_run)
		return usage_error("--format is for the list --dry-run prints");
	if (cli->dry_run && cli->rejects_opt && !strcmp(cli->rejects_opt, "-") &&
	    !cli->opt.no_cleanse)
		return usage_error("--dry-run lists the values it would normalize on standard "
				   "output: --rejects - cannot go there too");
	if (!cli->format_set)
		cli->format = crm_default_format();
	if (g.optind >= argc)
		return usage_error("no file to import");
	cli->first = g.optind;
	return 0;
}

/*
 * How the run stands: rejected rows (some in aborted files), emptied fields
 * and rows stored with a warning want a look.
 */
static enum crm_run_status run_status(const struct crm_run *run)
{
	return crm_run_get(run, "rejected") || crm_run_get(run, "fields_emptied") ||
	       crm_run_get(run, "warned") ? CRM_RUN_ATTENTION : CRM_RUN_OK;
}

/*
 * Imports the file in a part of the run of its own: kept and counted, or
 * (--strict and rejects) dropped with only its rejects counted, or on a
 * failure dropped. The last file's part ends the run.
 */
static enum crm_status import_part(struct import_cli *cli, struct crm_run *run, int last,
				   struct crm_error *err)
{
	struct crm_import_stats st = { 0 };
	enum crm_status s = crm_run_part_begin(run, err);
	int aborted = 0;

	if (!s)
		s = import_one(cli, run, &st, &aborted, err);
	if (s || aborted)
		crm_run_part_abort(run);
	/* An aborted file's rejects still count: the run must say a human should look. */
	if (!s && aborted)
		s = crm_run_add(run, "rejected", (long long)st.rejected, err);
	else if (!s)
		s = count_file(run, &st, err);
	if (!s && !aborted) {
		s = crm_run_part_commit(run, last, run_status(run), err);
		/*
		 * A commit that fails (a full disk) is the whole file's failure: say
		 * which, and no line (crm_error_set leaves a reject's place in err).
		 */
		if (s && err) {
			snprintf(err->file, sizeof(err->file), "%s", cli->file);
			err->line = err->column = 0;
		}
	}
	/* Only now may the rejects replace an older file: the rows they hold are out. */
	if (!s)
		keep_rejects(cli);
	else
		drop_rejects(cli);
	if (!s) {
		cli->any_aborted |= aborted;
		summary(cli, &st, aborted);
	}
	return s;
}

/*
 * What fails before anything, the database included, is made: a missing
 * input, a bad field definitions file (naming its line). The exit code,
 * or 0 to go on.
 */
/* Whether paths a and b name one existing file. */
static int same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* Whether path names the file standard output is (/dev/stdout, or the file it was sent to). */
static int is_stdout(const char *path)
{
	struct stat o, x;

	return fstat(STDOUT_FILENO, &o) == 0 && stat(path, &x) == 0 && o.st_dev == x.st_dev &&
	       o.st_ino == x.st_ino;
}

/*
 * What a rejects file at path would overwrite that must not be: the
 * database or a file beside it, or an input. NULL when nothing.
 */
static const char *rejects_clash(const struct import_cli *cli, const char *path, int argc,
				 char **argv)
{
	static const char *const beside[] = { "", "-wal", "-shm", "-lock" };
	char db[PATH_MAX];
	size_t i;
	int j;

	for (i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		snprintf(db, sizeof(db), "%s%s", cli->ctx->db_path, beside[i]);
		if (same_file(path, db))
			return "the database";
	}
	for (j = cli->first; j < argc; j++)
		if (strcmp(argv[j], "-") && same_file(path, argv[j]))
			return "a file to import";
	if (cli->dry_run && !cli->opt.no_cleanse && is_stdout(path))
		return "standard output, where --dry-run lists the values it would normalize";
	return NULL;
}

/* No rejects file may overwrite the database or an input: a usage error, before anything. */
static int check_rejects(struct import_cli *cli, int argc, char **argv)
{
	const char *clash;
	int i;

	if (cli->rejects_opt) {
		clash = rejects_clash(cli, cli->rejects_opt, argc, argv);
		return clash ? usage_error("--rejects '%s' is %s: name another file",
					   cli->rejects_opt, clash) : 0;
	}
	for (i = cli->first; i < argc; i++) {
		char *path = rejects_path_for(argv[i]);

		clash = path ? rejects_clash(cli, path, argc, argv) : NULL;
		if (clash) {
			int rc = usage_error("the rejects of '%s' would go to '%s', which is %s: "
					     "name another file with --rejects", argv[i], path, clash);

			free(path);
			return rc;
		}
		free(path);
	}
	return 0;
}

static int check_inputs(struct import_cli *cli, int argc, char **argv)
{
	struct crm_error err;
	int i;

	crm_error_clear(&err);
	for (i = cli->first; i < argc; i++) {
		struct stat sb;
		int j;

		if (!strcmp(argv[i], "-")) {
			for (j = i + 1; j < argc; j++)
				if (!strcmp(argv[j], "-"))
					return usage_error("'-' (standard input) is named twice: it "
							   "can be read once");
			continue;
		}
		if (access(argv[i], R_OK) != 0)
			crm_error_set(&err, CRM_ERR_IO, "cannot open '%s': %s", argv[i],
				      strerror(errno));
		else if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			crm_error_set(&err, CRM_ERR_IO, "'%s' is a directory: name the files in "
				      "it to import", argv[i]);
		else
			continue;
		return crm_report("import", &err);
	}
	{
		int rc = check_rejects(cli, argc, argv);

		if (rc)
			return rc;
	}
	if (!cli->fields_path)
		cli->fields_path = getenv("CRM_FIELDS");
	if (cli->fields_path && *cli->fields_path &&
	    crm_fielddefs_load(cli->fields_path, &cli->defs, &err)) {
		crm_report("import", &err);
		return CRM_EXIT_FAILED;
	}
	return 0;
}

/* Opens the database for the load and begins the run (*bulk: see db.h). */
static enum crm_status begin_run(struct import_cli *cli, struct crm_run **run, int *bulk,
				 struct crm_error *err)
{
	struct crm_ctx *ctx = cli->ctx;
	enum crm_status s = crm_open_db(ctx, err);

	/* Without --fields or $CRM_FIELDS, the definitions stored by crm cleanse --save. */
	if (!s && !cli->defs)
		s = crm_fielddefs_stored(ctx->db, &cli->defs, err);
	cli->opt.defs = cli->defs;
	if (!s)
		s = crm_db_intend(ctx->db, CRM_DB_BULK_LOAD, err);
	/*
	 * Every key the import writes is one it has just made or looked up in
	 * the same transaction: SQLite need not look each up again (db.h).
	 */
	if (!s)
		s = crm_db_intend(ctx->db, CRM_DB_OWN_KEYS, err);
	/* A new database is loaded without the WAL's second copy (see db.h). */
	if (!s && !cli->dry_run)
		s = crm_db_bulk_begin(ctx->db, bulk, err);
	/* The runs row is committed at once; each file is a part of the run. */
	if (!s)
		s = crm_run_begin(ctx->db, "import", ctx->argc, ctx->argv,
				  CRM_RUN_PARTS | (cli->dry_run ? CRM_RUN_DRY : 0), run, err);
	if (!s)
		s = zero_counts(*run, err);
	return s;
}

static void cli_release(struct import_cli *cli)
{
	size_t i;

	crm_fielddefs_free(cli->defs);
	for (i = 0; i < cli->opt.nmaps; i++)
		free((char *)cli->maps[i].column);
	free(cli->maps);
	free(cli->source_copy);
	for (i = 0; i < cli->nopened; i++)
		free(cli->opened[i]);
	free(cli->opened);
}

static int cmd_import(int argc, char **argv, struct crm_ctx *ctx)
{
	struct import_cli cli = { .ctx = ctx };
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	long long files = 0;
	int rc, i, bulk = 0, attention = 0;

	crm_error_clear(&err);
	rc = parse_args(&cli, argc, argv);
	if (!rc)
		rc = check_inputs(&cli, argc, argv);
	if (rc) {
		cli_release(&cli);
		return rc < 0 ? CRM_EXIT_OK : rc;
	}
	s = begin_run(&cli, &run, &bulk, &err);
	for (i = cli.first; !s && i < argc; i++) {
		cli.file = argv[i];
		s = import_part(&cli, run, i == argc - 1, &err);
		free(cli.rejects_path);
		cli.rejects_path = NULL;
	}
	/* A run its last file did not end: a failure, or that file was dropped. */
	if (run) {
		struct crm_error e2;
		enum crm_status f = crm_run_finish(run, s ? CRM_RUN_FAILED : run_status(run), &e2);

		if (!s && f) {
			s = f;
			err = e2;
		}
		files = crm_run_get(run, "files");
		attention = run_status(run) == CRM_RUN_ATTENTION;
	}
	if (bulk) {
		struct crm_error e4;

		/* What was committed stays committed: the next open retries the switch. */
		if (crm_db_bulk_end(ctx->db, &e4) && !ctx->quiet)
			fprintf(stderr, "crm import: warning: %s\n", e4.message);
	}
	drop_rejects(&cli);
	crm_run_free(run);
	if (cli.changes && s) {
		crm_out_free(cli.changes);
	} else if (cli.changes) {
		struct crm_error e3;

		if (crm_out_close(cli.changes, &e3)) {
			s = crm_error_status(&e3);
			err = e3;
		}
	}
	cli_release(&cli);
	if (s) {
		rc = crm_report("import", &err);
		if (s == CRM_ERR_INVALID)
			rc = CRM_EXIT_USAGE; /* --map or --key named what is not there */
		if (files)
			fprintf(stderr, "crm import: %lld file%s %s imported before the failure\n",
				files, files == 1 ? "" : "s", files == 1 ? "was" : "were");
		return rc;
	}
	/* Rejected rows, an aborted file or emptied fields: a human should look. */
	return attention || cli.any_aborted || cli.rejects_kept_aside ? CRM_EXIT_ATTENTION
								      : CRM_EXIT_OK;
}

const struct crm_cmd crm_cmd_import = {
	"import", cmd_import, CRM_CMD_DB_WRITE | CRM_CMD_DB_CREATE,
	"bring CSV exports in: customers, orders, interactions", &import_usage,
};
