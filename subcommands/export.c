/*
 * crm export: customer records out to a file, a pipeline or the terminal,
 * for a purpose: customers without consent for the channels a marketing
 * list carries are left out, values can be masked, cells that a
 * spreadsheet would run as formulas are neutralised, and every export is
 * recorded (export.h) so that the company can say later who received
 * whose data, when and why.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli-segment.h"
#include "csvio.h"
#include "customer.h"
#include "export.h"
#include "progress.h"
#include "rfm.h"
#include "safefile.h"
#include "xlsx.h"
#include "banned.h"

#define CMD "export"

enum {
	OPT_SEGMENT = CRM_OPT_OWN,
	OPT_WHERE,
	OPT_IDS,
	OPT_KIND,
	OPT_COLUMNS,
	OPT_HEADER,
	OPT_EXCEL,
	OPT_ENCODING,
	OPT_CRLF,
	OPT_REPLACE,
	OPT_NO_GUARD,
	OPT_MASK,
	OPT_PURPOSE,
	OPT_RECIPIENT,
	OPT_INCLUDE_MERGED,
	OPT_AS_OF,
	OPT_OUTPUT,
};

static const struct crm_option export_options[] = {
	{ "segment", OPT_SEGMENT, "<name>", "the customers of a segment (crm segment list)",
	  "a segment name" },
	{ "where", OPT_WHERE, "<expr>", "the customers an expression matches,\ncrm-segment(1)",
	  "an expression, such as \"prefecture = '東京都'\"" },
	{ "ids", OPT_IDS, "<file>", "the customers named in a file (- for standard input),\n"
	  "one id or SOURCE:KEY a line", "a file of ids, or -" },
	{ "kind", OPT_KIND, "<kind>", "customers (default), or the orders or interactions\n"
	  "of the customers chosen", "customers, orders or interactions" },
	{ "columns", OPT_COLUMNS, "<list>", "the columns, in order: field names or headers\n"
	  "(name,email or 氏名,メールアドレス)", "a comma-separated list of columns" },
	{ "header", OPT_HEADER, "<lang>", "the header row in en (default: field names) or ja",
	  "en or ja" },
	{ "format", CRM_OPT_ID_FORMAT, "<fmt>", "csv, tsv, json, table or xlsx (default: a table\n"
	  "on a terminal, else csv)", "csv, tsv, json, table or xlsx" },
	{ "excel", OPT_EXCEL, NULL, "CSV as Excel opens it right on a Japanese PC:\nUTF-8 with "
	  "a byte order mark, CRLF", NULL },
	{ "encoding", OPT_ENCODING, "<enc>", "csv and tsv: utf-8 (default), utf-8-bom or cp932",
	  "utf-8, utf-8-bom or cp932" },
	{ "crlf", OPT_CRLF, NULL, "csv and tsv: end lines with CRLF", NULL },
	{ "replace", OPT_REPLACE, NULL, "cp932: write ? for a character CP932 lacks (else\n"
	  "it is an error)", NULL },
	{ "no-formula-guard", OPT_NO_GUARD, NULL, "do not neutralise cells starting = + - @", NULL },
	{ "mask", OPT_MASK, "<list>", "mask these columns: email, phone, mobile,\nbirthdate, "
	  "postal_code, name, address ...", "a comma-separated list of columns" },
	{ "purpose", OPT_PURPOSE, "<why>", "marketing (default; customers without consent for\n"
	  "the channels are left out), service, analysis\n(default on a terminal) or provision",
	  "marketing, service, analysis or provision" },
	{ "recipient", OPT_RECIPIENT, "<name>", "to whom (required for provision)", "a name" },
	{ "include-merged", OPT_INCLUDE_MERGED, NULL, "also the records merged into others", NULL },
	{ "as-of", OPT_AS_OF, "<date>", "evaluate --segment or --where as on this day",
	  "a date, YYYY-MM-DD" },
	{ "o", OPT_OUTPUT, "<file>", "write to this file (whole or not at all), not stdout;\n"
	  "a name ending .xlsx is a workbook", "a file name" },
	CRM_OPT_END,
};

static const struct crm_usage export_usage = {
	"usage: crm export [--segment <name> | --where <expr> | --ids <file>] [--as-of <date>]\n"
	"                  [--kind <kind>] [--columns <list>] [--header en|ja]\n"
	"                  [--format <fmt>] [--excel]\n"
	"                  [--encoding <enc>] [--crlf] [--replace] [--no-formula-guard]\n"
	"                  [--mask <list>] [--purpose <why>] [--recipient <name>]\n"
	"                  [--include-merged] [-o <file>]\n",
	export_options,
};

#define usage_error(...) crm_usage_error(CMD, &export_usage, __VA_ARGS__)

struct cli {
	struct crm_ctx *ctx;
	const char *segment, *where, *ids, *as_of, *output, *columns, *mask;
	int header_ja, excel, crlf, replace, no_guard, format_set, encoding_set, purpose_set, xlsx;
	enum crm_format format;
	enum crm_encoding encoding;
	struct crm_export x;
	char *colbuf, *maskbuf;
	/* the writer */
	FILE *fp;
	struct crm_safefile *file;
	struct crm_csv_writer *csv;
	struct crm_out *out;
	struct crm_xlsx *book;
	struct crm_progress bar;
};

/* ---- Columns ---------------------------------------------------------------- */

/* Splits list at commas into the names of columns (resolved), into x. */
static int parse_columns(struct cli *cli, char *list)
{
	char *tok, *save = NULL;

	cli->x.ncolumns = 0;
	const char *p;

	for (p = list; *p; p++)
		if (*p == ',' && (p == list || p[1] == ',' || !p[1]))
			return usage_error("--columns: an empty column in '%.40s'", list);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *name, *const *all;
		size_t i, n;

		while (*tok == ' ')
			tok++;
		if (!(name = crm_export_column(cli->x.kind, tok))) {
			all = crm_export_columns(cli->x.kind, &n);
			for (i = 0; i < n && !crm_seg_near(tok, strlen(tok), all[i]); i++)
				;
			if (i < n)
				return usage_error("--columns: '%.40s' is not a column of %s (did you "
						   "mean %s?)", tok, crm_kind_name(cli->x.kind), all[i]);
			return usage_error("--columns: '%.40s' is not a column of %s (crm-export(1), "
					   "COLUMNS)", tok, crm_kind_name(cli->x.kind));
		}
		for (i = 0; i < cli->x.ncolumns; i++)
			if (!strcmp(cli->x.columns[i], name))
				return usage_error("--columns: %s is named twice", name);
		if (cli->x.ncolumns == CRM_EXPORT_MAX_COLUMNS)
			return usage_error("--columns: at most %d columns", CRM_EXPORT_MAX_COLUMNS);
		cli->x.columns[cli->x.ncolumns++] = name;
	}
	if (!cli->x.ncolumns)
		return usage_error("--columns names no column%s", "");
	return CRM_EXIT_OK;
}

static int parse_mask(struct cli *cli, char *list)
{
	char *tok, *save = NULL, buf[32];
	const char *probe = "x@y";

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *name = crm_export_column(cli->x.kind, tok);
		size_t i;

		for (i = 0; name && i < cli->x.ncolumns && strcmp(cli->x.columns[i], name); i++)
			;
		if (!name || i == cli->x.ncolumns)
			return usage_error("--mask: '%.40s' is not one of the columns exported", tok);
		/* crm_export_mask gives back what it does not mask */
		if (crm_export_mask(name, probe, buf, sizeof(buf)) == probe)
			return usage_error("--mask: %s cannot be masked (email, phone, mobile, "
					   "birthdate, postal_code, name, name_kana, address and the "
					   "name parts can)", name);
		cli->x.mask |= 1u << i;
	}
	return CRM_EXIT_OK;
}

/* ---- The customers named in a file ------------------------------------------------ */

/* Whether arg names customers itself: ids or SOURCE:KEY, separated by commas. */
static int looks_like_customers(const char *arg)
{
	char buf[256], *tok, *save = NULL;
	int64_t id;
	size_t len;
	const char *key;

	if (strlen(arg) >= sizeof(buf) || !*arg)
		return 0;
	memcpy(buf, arg, strlen(arg) + 1);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (crm_customer_spec(tok, &id, &len, &key) == CRM_SPEC_NONE)
			return 0;
	return 1;
}

/*
 * The ids of --ids: a line each, an id or SOURCE:KEY (the first field of a
 * CSV line; a header line "id" is skipped), resolved to the customer it is
 * now unless --include-merged; sorted, each once.
 */
static enum crm_status read_ids(struct cli *cli, struct crm_ids *out, struct crm_error *err)
{
	const char *path = cli->ids;
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct crm_customer_lookup *l = NULL;
	char line[1024], *list = NULL;
	int64_t id, survivor;
	unsigned long lineno = 0;
	enum crm_status s;

	if (!fp && looks_like_customers(path)) {
		/* --ids 42 or --ids sfa:C-0042,web:taro: the customers themselves */
		if (!(list = strdup(path)) || !(fp = fmemopen(list, strlen(list), "r"))) {
			free(list);
			return crm_error_nomem(err);
		}
		path = "--ids";
		for (char *c = list; *c; c++)
			if (*c == ',')
				*c = '\n';
	}
	if (!fp)
		return crm_error_set(err, CRM_ERR_IO, "cannot read %s: %s", path,
				     "no such file, nor an id or SOURCE:KEY");
	/* one lookup for every line: its statements prepared once */
	s = crm_customer_lookup_open(cli->ctx->db, &l, err);
	while (!s && fgets(line, sizeof(line), fp)) {
		char *t = line, *e;

		lineno++;
		/* a byte order mark (crm export --excel), a header, spaces around */
		if (lineno == 1 && !memcmp(t, "\xef\xbb\xbf", 3))
			t += 3;
		t[strcspn(t, ",\t\r\n")] = '\0';
		while (*t == ' ')
			t++;
		for (e = t + strlen(t); e > t && e[-1] == ' '; e--)
			e[-1] = '\0';
		if (!*t || (lineno == 1 && (!strcmp(t, "id") || !strcmp(t, "ID") ||
					    !strcmp(t, "customer_id") || !strcmp(t, "source_key"))))
			continue;
		memmove(line, t, strlen(t) + 1);
		/* an id of a merged record is itself with --include-merged, else its survivor */
		if (cli->x.include_merged && !crm_parse_positive(line, &id))
			s = crm_customer_lookup_resolve(l, id, &survivor, err);
		else
			s = crm_customer_lookup_find(l, line, &id, err);
		if (s) {
			char why[CRM_ERROR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", err->message);
			s = crm_error_set(err, s, "%s:%lu: %s", strcmp(path, "-") ? path : "stdin",
					  lineno, why);
			break;
		}
		if (crm_ids_add(out, id))
			s = crm_error_nomem(err);
	}
	if (!s && ferror(fp))
		s = crm_error_set(err, CRM_ERR_IO, "cannot read %s", path);
	if (fp != stdin)
		fclose(fp);
	free(list);
	crm_customer_lookup_free(l);
	if (s)
		crm_ids_release(out);
	else
		crm_ids_sort(out);
	return s;
}

/* ---- Writing -------------------------------------------------------------------------- */

/*
 * The temporary file being written, removed if the export is stopped
 * (Ctrl-C, kill): customer data must not be left behind half-written.
 */
static const char *volatile stopping_tmp;

static void on_stop(int sig)
{
	if (stopping_tmp)
		unlink(stopping_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_stops(const char *tmp)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t i;

	stopping_tmp = tmp;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], tmp ? on_stop : SIG_DFL);
}

/* Whether path ends in suffix (.xlsx, .XLSX), after a name. */
static int named(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);

	return n > k && !strcasecmp(path + n - k, suffix);
}

/* Whether -o may be written: not the database, not a device or a directory. */
static int check_output(struct cli *cli)
{
	const char *why = crm_output_refusal(cli->output, cli->ctx->db_path);

	return why ? usage_error("-o '%s' %s", cli->output, why) : CRM_EXIT_OK;
}

/* How a workbook writes a column's values. */
static enum crm_xlsx_kind column_kind(enum crm_kind kind, const char *name)
{
	unsigned f = crm_export_column_flags(kind, name);

	if (f & CRM_EXPORT_MONEY)
		return CRM_XLSX_MONEY;
	if (f & CRM_EXPORT_NUMBER)
		return CRM_XLSX_NUMBER;
	return f & CRM_EXPORT_DATE ? CRM_XLSX_DATE : CRM_XLSX_TEXT;
}

/* A workbook column's width, in characters: what it usually holds, or its header. */
static double column_width(const char *name, const char *header)
{
	static const struct { const char *name; double width; } w[] = {
		{ "id", 8 }, { "source_key", 16 }, { "name", 16 }, { "name_kana", 20 },
		{ "company", 26 }, { "department", 18 }, { "email", 30 }, { "phone", 15 },
		{ "mobile", 15 }, { "postal_code", 10 }, { "prefecture", 10 }, { "city", 14 },
		{ "address", 40 }, { "birthdate", 12 }, { "customer_key", 16 }, { "order_key", 14 },
		{ "ordered_at", 20 }, { "product", 30 }, { "amount", 12 }, { "subject", 30 },
		{ "body", 50 }, { "at", 20 },
	};
	double width = 14, head = (double)crm_display_width(header, strlen(header)) + 2;
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(w[i].name, name))
			width = w[i].width;
	return head > width ? head : width;
}

static enum crm_status writer_open(struct cli *cli, struct crm_error *err)
{
	const char *names[CRM_EXPORT_MAX_COLUMNS];
	enum crm_status s;
	size_t i;

	cli->fp = stdout;
	/*
	 * A reader that stops early (crm export | head) is a write error,
	 * not a death by SIGPIPE: the rows that went out are recorded.
	 */
	if (!cli->output)
		signal(SIGPIPE, SIG_IGN);
	if (cli->output) {
		if ((s = crm_safefile_open(&cli->file, cli->output, 0, err)))
			return s;
		catch_stops(crm_safefile_tmp_path(cli->file));
		cli->fp = crm_safefile_fp(cli->file);
	}
	for (i = 0; i < cli->x.ncolumns; i++)
		names[i] = cli->header_ja ? crm_export_label_ja(cli->x.kind, cli->x.columns[i]) :
			   cli->x.columns[i];
	if (cli->xlsx) {
		enum crm_xlsx_kind kinds[CRM_EXPORT_MAX_COLUMNS];
		double widths[CRM_EXPORT_MAX_COLUMNS];

		for (i = 0; i < cli->x.ncolumns; i++) {
			kinds[i] = column_kind(cli->x.kind, cli->x.columns[i]);
			widths[i] = column_width(cli->x.columns[i], names[i]);
		}
		/* the library writes the workbook by name: into the temporary file */
		return crm_xlsx_open(&cli->book, crm_safefile_tmp_path(cli->file), names, kinds,
				     widths, cli->x.ncolumns, err);
	}
	if (cli->format == CRM_FORMAT_CSV || cli->format == CRM_FORMAT_TSV) {
		struct crm_csv_write_options o = {
			.encoding = cli->encoding, .crlf = cli->crlf, .replace = cli->replace,
			.delimiter = cli->format == CRM_FORMAT_TSV ? '\t' : ',',
			.no_formula_guard = cli->no_guard,
		};

		if ((s = crm_csv_writer_open(&cli->csv, cli->fp, &o, err)))
			return s;
		return crm_csv_write_record(cli->csv, names, NULL, cli->x.ncolumns, err);
	}
	s = crm_out_open(&cli->out, cli->fp, cli->format, names, cli->x.ncolumns, err);
	if (!s)
		crm_out_set_cut(cli->out, !cli->output && isatty(STDOUT_FILENO));
	return s;
}

static enum crm_status write_row(void *ctx, int64_t id, const struct crm_value *vals,
				 struct crm_error *err)
{
	struct cli *cli = ctx;
	const char *f[CRM_EXPORT_MAX_COLUMNS];
	size_t lens[CRM_EXPORT_MAX_COLUMNS], i;
	char nums[CRM_EXPORT_MAX_COLUMNS][24];
	enum crm_status s;

	(void)id;
	if (cli->book)
		s = crm_xlsx_row(cli->book, vals, err);
	else if (!cli->csv)
		s = crm_out_row(cli->out, vals, err);
	else {
		for (i = 0; i < cli->x.ncolumns; i++) {
			if (vals[i].type == CRM_VALUE_TEXT) {
				f[i] = vals[i].s;
				lens[i] = vals[i].len;
			} else if (vals[i].type == CRM_VALUE_INT) {
				lens[i] = (size_t)snprintf(nums[i], sizeof(nums[i]), "%lld", vals[i].i);
				f[i] = nums[i];
			} else {
				f[i] = NULL;
				lens[i] = 0;
			}
		}
		s = crm_csv_write_record(cli->csv, f, lens, cli->x.ncolumns, err);
		if (s == CRM_ERR_UNREPRESENTABLE) {
			char why[CRM_ERROR_MSG_MAX];

			/* name the customer and the column, not the record and field numbers */
			const char *at, *what = NULL;
			unsigned long k = 0;

			snprintf(why, sizeof(why), "%s", err->message);
			at = strstr(why, "field ");
			if (at && sscanf(at, "field %lu", &k) == 1 && (what = strchr(at, ':')))
				what += 2;
			else
				what = why;
			if (k >= 1 && k <= cli->x.ncolumns)
				s = crm_error_set(err, s, "customer %lld, column %s: %s (--replace "
						  "writes ? for it)", (long long)id,
						  cli->x.columns[k - 1], what);
			else
				s = crm_error_set(err, s, "customer %lld: %s (--replace writes ? for "
						  "it)", (long long)id, why);
		}
	}
	crm_progress_update(&cli->bar, cli->x.rows + 1, cli->x.rows + 1);
	return s;
}

static enum crm_status writer_close(struct cli *cli, struct crm_error *err)
{
	enum crm_status s = CRM_OK;

	if (cli->book) {
		s = crm_xlsx_close(cli->book, err);
		cli->book = NULL;
	} else if (cli->csv) {
		s = crm_csv_writer_close(cli->csv, err);
		cli->csv = NULL;
	} else if (cli->out) {
		s = crm_out_close(cli->out, err);
		cli->out = NULL;
	}
	if (!s && cli->file)
		s = crm_safefile_sync(cli->file, err);
	return s;
}

static void writer_abort(struct cli *cli)
{
	crm_xlsx_free(cli->book);
	crm_csv_writer_free(cli->csv);
	crm_out_free(cli->out);
	crm_safefile_abort(cli->file);
	catch_stops(NULL);
	cli->book = NULL;
	cli->csv = NULL;
	cli->out = NULL;
	cli->file = NULL;
}

/* ---- The export ------------------------------------------------------------------------ */

static void summary(struct cli *cli, int64_t run, unsigned long replaced)
{
	char a[32], b[32];
	static const char *const channel[] = { "email", "phone", "post" };
	size_t i;
	int first = 1;

	if (cli->ctx->quiet)
		return;
	if (cli->x.kind == CRM_KIND_CUSTOMERS)
		fprintf(stderr, "crm export: %s customer%s", crm_num(cli->x.rows, a, sizeof(a)),
			cli->x.rows == 1 ? "" : "s");
	else
		fprintf(stderr, "crm export: %s %s of %s customer%s", crm_num(cli->x.rows, a,
			sizeof(a)), cli->x.kind == CRM_KIND_ORDERS ? "order lines" : "interactions",
			crm_num(cli->x.customers, b, sizeof(b)), cli->x.customers == 1 ? "" : "s");
	fprintf(stderr, " exported for %s%s%s as export %lld of run %lld",
		crm_purpose_names[cli->x.purpose], cli->x.recipient ? " to " : "",
		cli->x.recipient ? cli->x.recipient : "", (long long)cli->x.id, (long long)run);
	if (cli->output)
		fprintf(stderr, " (%s)", cli->output);
	fputc('\n', stderr);
	if (cli->x.left_out) {
		fprintf(stderr, "crm export: %s left out without consent for what the columns carry:",
			crm_num(cli->x.left_out, b, sizeof(b)));
		for (i = 0; i < 3; i++)
			if (cli->x.consent & (1u << i)) {
				fprintf(stderr, "%s %s %lu", first ? "" : ",", channel[i],
					cli->x.lacking[i]);
				first = 0;
			}
		fputs(" (--purpose service or analysis does not ask)\n", stderr);
	}
	if (!cli->x.rows && cli->x.left_out)
		fprintf(stderr, "crm export: every %s matched was left out: the export is "
			"recorded, empty\n", cli->x.kind == CRM_KIND_CUSTOMERS ? "customer" :
			cli->x.kind == CRM_KIND_ORDERS ? "order line" : "interaction");
	else if (!cli->x.rows)
		fprintf(stderr, "crm export: no %s matched: the export is recorded, empty\n",
			cli->x.kind == CRM_KIND_CUSTOMERS ? "customer" :
			cli->x.kind == CRM_KIND_ORDERS ? "order line" : "interaction");
	if (replaced)
		fprintf(stderr, "crm export: %lu character%s CP932 lacks written as ?\n", replaced,
			replaced == 1 ? "" : "s");
}

/*
 * The export stopped part way (the reader went away, a write or a read
 * failed) after rows went to standard output: those rows were provided,
 * and are recorded as such, in a run that says it failed. Nothing is for
 * an export to a file, whose temporary file is removed unread. Returns
 * the run's id, or 0 when nothing could be recorded.
 */
static int64_t record_partial(struct cli *cli, struct crm_run *run)
{
	struct crm_error e;
	enum crm_status s = CRM_OK;

	/*
	 * Not when SQLite rolled the transaction back itself (a full disk
	 * under it), or a part of the record could not be written (a
	 * customer's row, the export's log entry): a record that is not
	 * whole is none.
	 */
	if (cli->output || !cli->x.rows || crm_run_is_dry(run) ||
	    !crm_db_transaction_alive(crm_run_db(run)) || cli->x.broken)
		return 0;
	crm_error_clear(&e);
	if (!cli->x.recorded)
		s = crm_export_finish(run, &cli->x, &e);
	if (!s)
		s = crm_run_count(run, "exported", (long long)cli->x.rows, &e);
	if (!s && cli->x.left_out)
		s = crm_run_count(run, "left_out", (long long)cli->x.left_out, &e);
	if (!s)
		s = crm_run_finish(run, CRM_RUN_FAILED, &e);
	if (s) {
		crm_report(CMD, &e);
		return 0;
	}
	return crm_run_id(run);
}

static int run_export(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_target t;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	struct crm_ids ids = { 0 };
	int64_t total = 0, run_id = 0, partial = 0;
	unsigned long replaced = 0;
	char filter[256], num[32];
	int rc, committed = 0;

	memset(&t, 0, sizeof(t));
	crm_error_clear(&err);
	if ((s = crm_open_db_write(ctx, &err)))
		return crm_report(CMD, &err);
	if (cli->ids) {
		if ((s = read_ids(cli, &ids, &err)))
			return crm_report(CMD, &err);
		snprintf(filter, sizeof(filter), "ids from %s", strcmp(cli->ids, "-") ? cli->ids :
			 "standard input");
		total = (int64_t)ids.n;
	} else {
		if ((rc = crm_target_open(ctx, CMD, cli->segment,
					  cli->where ? cli->where : "id >= 1", cli->as_of, &t)))
			return rc;
		if (cli->segment)
			snprintf(filter, sizeof(filter), "segment %s: %s%s%s", cli->segment, t.text,
				 cli->as_of ? ", as of " : "", cli->as_of ? cli->as_of : "");
		else
			snprintf(filter, sizeof(filter), "%s%s%s", cli->where ? t.text :
				 "all customers", cli->as_of ? ", as of " : "",
				 cli->as_of ? cli->as_of : "");
		if (cli->output && ctx->progress &&
		    (s = crm_segment_count(ctx->db, t.e, &total, &err))) {
			crm_target_release(&t);
			return crm_report(CMD, &err);
		}
	}
	cli->x.filter = filter;
	s = crm_run_begin(ctx->db, CMD, ctx->argc, ctx->argv, 0, &run, &err);
	if (!s)
		s = crm_export_begin(run, &cli->x, &err);
	if (!s)
		s = writer_open(cli, &err);
	if (!s && cli->output)
		crm_progress_start(&cli->bar, stderr, ctx->progress, "export", (unsigned long long)total);
	if (!s)
		s = cli->ids ? crm_export_ids(run, &cli->x, ids.v, ids.n, write_row, cli, &err) :
		    crm_export_where(run, &cli->x, t.e, write_row, cli, &err);
	crm_progress_done(&cli->bar);
	if (cli->csv)
		replaced = crm_csv_replaced(cli->csv);
	if (!s)
		s = writer_close(cli, &err);
	if (!s)
		s = crm_export_finish(run, &cli->x, &err);
	if (!s)
		s = crm_run_count(run, "exported", (long long)cli->x.rows, &err);
	if (!s && cli->x.left_out)
		s = crm_run_count(run, "left_out", (long long)cli->x.left_out, &err);
	if (!s) {
		run_id = crm_run_id(run);
		/* recorded first: a file that exists was recorded */
		s = crm_run_finish(run, CRM_RUN_OK, &err);
		committed = !s;
	} else if (run) {
		partial = record_partial(cli, run);
	}
	crm_run_free(run);
	crm_export_release(&cli->x);
	crm_target_release(&t);
	crm_ids_release(&ids);
	if (!s && cli->file) {
		s = crm_safefile_commit(cli->file, &err);
		cli->file = NULL;
		catch_stops(NULL);
	}
	if (s) {
		writer_abort(cli);
		rc = crm_report(CMD, &err);
		/* on standard output the rows before the failure are out */
		if (partial && !ctx->quiet)
			fprintf(stderr, "crm export: the %s row%s that may have gone out %s "
				"recorded as export %lld of run %lld, which failed\n",
				crm_num(cli->x.rows, num, sizeof(num)),
				cli->x.rows == 1 ? "" : "s", cli->x.rows == 1 ? "is" : "are",
				(long long)cli->x.id, (long long)partial);
		else if (!cli->output && cli->x.rows && !committed)
			fprintf(stderr, "crm export: the %s row%s that may have gone out could not be "
				"recorded\n", crm_num(cli->x.rows, num, sizeof(num)),
				cli->x.rows == 1 ? "" : "s");
		return rc;
	}
	summary(cli, run_id, replaced);
	return CRM_EXIT_OK;
}

static int cmd_export(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = CMD, .usage = &export_usage, .permute = 1 };
	struct cli cli = { .ctx = ctx, .encoding = CRM_ENC_UTF8 };
	int c, k, rc = 0, chosen = 0;
	size_t i;

	cli.format = CRM_FORMAT_CSV;
	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_SEGMENT:
		case OPT_WHERE:
		case OPT_IDS: {
			const char **slot = c == OPT_SEGMENT ? &cli.segment : c == OPT_WHERE ?
					    &cli.where : &cli.ids;

			if (*slot)
				return usage_error("%s is given once%s", g.name, c == OPT_WHERE ?
						   ": join the tests with and" : "");
			*slot = g.arg;
			chosen++;
			break;
		}
		case OPT_KIND:
			if (crm_kind_parse(g.arg, &cli.x.kind))
				return usage_error("--kind must be customers, orders or interactions, not "
						   "'%s'", g.arg);
			break;
		case OPT_COLUMNS: cli.columns = g.arg; break;
		case OPT_HEADER:
			if (strcmp(g.arg, "en") && strcmp(g.arg, "ja"))
				return usage_error("--header must be en or ja, not '%s'", g.arg);
			cli.header_ja = !strcmp(g.arg, "ja");
			break;
		case OPT_EXCEL: cli.excel = 1; break;
		case OPT_ENCODING:
			if (crm_encoding_parse(g.arg, &cli.encoding) || cli.encoding == CRM_ENC_AUTO)
				return usage_error("--encoding must be utf-8, utf-8-bom or cp932, not "
						   "'%s'", g.arg);
			cli.encoding_set = 1;
			break;
		case OPT_CRLF: cli.crlf = 1; break;
		case OPT_REPLACE: cli.replace = 1; break;
		case OPT_NO_GUARD: cli.no_guard = 1; break;
		case OPT_MASK: cli.mask = g.arg; break;
		case OPT_PURPOSE:
			if (crm_parse_enum(g.arg, crm_purpose_names, &k))
				return usage_error("--purpose must be marketing, service, analysis or "
						   "provision, not '%s'", g.arg);
			cli.x.purpose = (enum crm_purpose)k;
			cli.purpose_set = 1;
			break;
		case OPT_RECIPIENT: cli.x.recipient = g.arg; break;
		case OPT_INCLUDE_MERGED: cli.x.include_merged = 1; break;
		case OPT_AS_OF:
			if (strlen(g.arg) != 10 || crm_rfm_days(g.arg) == CRM_RFM_NO_DATE)
				return usage_error("--as-of takes a date, YYYY-MM-DD, not '%s'", g.arg);
			cli.as_of = g.arg;
			break;
		case OPT_OUTPUT: cli.output = g.arg; break;
		case CRM_OPT_ID_FORMAT:
			cli.xlsx = !strcmp(g.arg, "xlsx");
			if (!cli.xlsx && crm_format_parse(g.arg, &cli.format))
				return usage_error("--format must be csv, tsv, json, table or xlsx, not "
						   "'%s'", g.arg);
			cli.format_set = 1;
			break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	if (g.optind < argc)
		return usage_error("unexpected argument '%s'", argv[g.optind]);
	if (chosen > 1)
		return usage_error("--segment, --where and --ids choose the customers: one of them%s",
				   "");
	/* -o list.xlsx is a workbook */
	if (!cli.format_set && cli.output && named(cli.output, ".xlsx"))
		cli.xlsx = cli.format_set = 1;
	if (cli.xlsx && !cli.output)
		return usage_error("--format xlsx writes a workbook: give it a file, -o list.xlsx%s",
				   "");
	if (cli.xlsx && (cli.excel || cli.encoding_set || cli.crlf || cli.replace || cli.no_guard))
		return usage_error("a workbook has no encoding, line ends or formulas to guard "
				   "against: --excel, --encoding, --crlf, --replace and "
				   "--no-formula-guard are for csv%s", "");
	if (cli.as_of && !cli.segment && !cli.where)
		return usage_error("--as-of is for --segment and --where%s", "");
	if (cli.output && !*cli.output)
		return usage_error("-o needs a file name%s", "");
	if (cli.output && !strcmp(cli.output, "-"))
		cli.output = NULL;      /* - is standard output, as everywhere in crm */
	if (cli.output && (rc = check_output(&cli)))
		return rc;
	if (cli.output && cli.format_set && !cli.xlsx && named(cli.output, ".xlsx"))
		return usage_error("-o %s with --format %s: Excel would not open it; name it "
				   "otherwise, or --format xlsx", cli.output, "other than xlsx");
	if (cli.output && cli.xlsx && (named(cli.output, ".csv") || named(cli.output, ".tsv")))
		return usage_error("-o %s is a workbook with --format xlsx: name it .xlsx",
				   cli.output);
	/* Excel's old binary book: crm writes none, and CSV under its name would mislead */
	if (cli.output && named(cli.output, ".xls"))
		return usage_error("-o %s: crm writes workbooks as .xlsx (Excel 2007 and later); "
				   "name it .xlsx, or .csv for CSV", cli.output);
	if (cli.x.recipient) {
		const char *r = cli.x.recipient;

		while (*r == ' ')
			r++;
		if (!*r || strpbrk(cli.x.recipient, "\n\r\t"))
			return usage_error("--recipient names who receives the data: a name on one "
					   "line, not '%.40s'", cli.x.recipient);
	}
	/* looking someone up on a terminal is analysis; a file or a pipe is a list */
	if (!cli.format_set && !cli.output && isatty(STDOUT_FILENO))
		cli.format = CRM_FORMAT_TABLE;
	if (!cli.purpose_set && !cli.output && isatty(STDOUT_FILENO))
		cli.x.purpose = CRM_PURPOSE_ANALYSIS;
	if (cli.excel) {
		if (cli.format_set && cli.format != CRM_FORMAT_CSV)
			return usage_error("--excel is CSV as Excel opens it: not with --format %s",
					   "other than csv");
		if (cli.encoding_set && cli.encoding != CRM_ENC_UTF8_BOM)
			return usage_error("--excel is UTF-8 with a byte order mark: not with "
					   "--encoding%s", "");
		cli.format = CRM_FORMAT_CSV;
		cli.encoding = CRM_ENC_UTF8_BOM;
		cli.crlf = 1;
	}
	if ((cli.encoding_set || cli.crlf || cli.replace || cli.no_guard) &&
	    cli.format != CRM_FORMAT_CSV && cli.format != CRM_FORMAT_TSV)
		return usage_error("--encoding, --crlf, --replace and --no-formula-guard are for csv "
				   "and tsv%s", "");
	if (cli.replace && cli.encoding != CRM_ENC_CP932)
		return usage_error("--replace is for --encoding cp932%s", "");
	if (cli.x.recipient && cli.x.purpose != CRM_PURPOSE_PROVISION)
		return usage_error("--recipient is for --purpose provision%s", "");
	if (cli.x.purpose == CRM_PURPOSE_PROVISION && !cli.x.recipient)
		return usage_error("--purpose provision needs --recipient: to whom%s", "");
	if (cli.columns) {
		if (!(cli.colbuf = strdup(cli.columns)))
			return crm_exit_code(CRM_ERR_NOMEM);
		rc = parse_columns(&cli, cli.colbuf);
	} else {
		const char *const *def = crm_export_default_columns(cli.x.kind);

		for (i = 0; def[i]; i++)
			cli.x.columns[cli.x.ncolumns++] = def[i];
		rc = CRM_EXIT_OK;
	}
	if (!rc && cli.mask) {
		if (!(cli.maskbuf = strdup(cli.mask)))
			rc = crm_exit_code(CRM_ERR_NOMEM);
		else
			rc = parse_mask(&cli, cli.maskbuf);
	}
	if (!rc)
		rc = run_export(&cli);
	free(cli.colbuf);
	free(cli.maskbuf);
	return rc;
}

const struct crm_cmd crm_cmd_export = {
	"export", cmd_export, CRM_CMD_DB_READ,
	"customer records out for a purpose, consent enforced, every export recorded",
	&export_usage,
};
