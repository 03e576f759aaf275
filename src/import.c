/*
 * The import engine. For each record of the file: map its columns to the
 * catalogue's fields (import-map.c), convert typed values to their
 * canonical form or reject the record, saying which column and why
 * (import-convert.c), then insert it (import-store.c) or update the fields
 * whose source value changed (import-update.c), logging every change in
 * the caller's transaction. This file reads the file and takes each record
 * through those steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import-private.h"
#include "banned.h"

/* Forgets the previous record: what it converted, its key, why it was bad. */
static void record_reset(struct importer *im)
{
	crm_strbuf_reset(&im->arena);
	crm_strbuf_reset(&im->why);
	im->bad_column = NULL;
	free(im->bad_value);
	im->bad_value = NULL;
	free(im->key);
	free(im->ckey);
	im->key = im->ckey = NULL;
}

/* One record, not blank: stored, or rejected with its reasons. */
static enum crm_status import_record(struct importer *im, struct crm_error *err)
{
	enum crm_status s;
	int rejected;

	record_reset(im);
	if (import_build_raw(im))
		return crm_error_nomem(err);
	s = import_record_keys(im, &rejected, err);
	if (!s && !rejected)
		s = import_convert_record(im, &rejected, err);
	if (s || rejected)
		return s;
	/* Customers of a new source are told apart when their source record is inserted. */
	if (im->kind != CRM_KIND_ORDERS && !(im->fresh && im->kind == CRM_KIND_CUSTOMERS)) {
		unsigned long first;

		s = import_see_key(im, &first, err);
		if (s || first)
			return s ? s : import_reject_repeated_key(im, first, err);
	}
	if (im->kind == CRM_KIND_ORDERS) {
		s = import_order_line(im, err);
		if (!s)
			s = import_derive_order(im, &rejected, err);
		if (s || rejected)
			return s;
	}
	return import_store(im, err);
}

static void importer_init(struct importer *im, struct crm_run *run, const char *name, const struct crm_import_options *opts,
			  const struct crm_import_sink *sink, struct crm_import_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	memset(im, 0, sizeof(*im));
	im->db = crm_run_db(run);
	im->audit = crm_run_audit(run);
	im->run_id = crm_run_id(run);
	im->o = opts;
	im->sink = sink;
	im->stats = stats;
	im->name = name;
	crm_strbuf_init(&im->arena);
	crm_strbuf_init(&im->raw);
	crm_strbuf_init(&im->hashed);
	crm_strbuf_init(&im->why);
	crm_strbuf_init(&im->tmp);
	crm_strbuf_init(&im->mapping);
	snprintf(im->now, sizeof(im->now), "%s", crm_run_started_at(run));
	im->csource = opts->customer_source ? opts->customer_source : opts->source;
}

static void importer_release(struct importer *im)
{
	size_t c;

	import_store_end(im);
	import_clean_end(im);
	for (c = 0; c < im->ncols; c++) {
		free(im->cols[c].header);
		free(im->cols[c].json_key);
	}
	free(im->cols);
	free(im->vals);
	crm_strbuf_release(&im->arena);
	crm_strbuf_release(&im->raw);
	crm_strbuf_release(&im->hashed);
	crm_strbuf_release(&im->why);
	crm_strbuf_release(&im->tmp);
	free(im->sourced);
	free(im->get_col);
	free(im->fresh_lines.id);
	free(im->old_map);
	free(im->fresh_lines.delta);
	free(im->key);
	free(im->ckey);
	free(im->bad_value);
	free(im->prev_order);
	free(im->last_ckey);
}

/* The header: the first good record. A bad one fails the file. */
static enum crm_status read_header(struct importer *im, struct crm_csv_reader *r,
				   struct crm_csv_record *hdr, struct crm_error *err)
{
	enum crm_status s = crm_csv_read(r, hdr, err);

	if (s == CRM_EOF)
		return crm_error_at(err, CRM_ERR_CSV, im->name, 0, 0, "the file is empty: no header");
	/* An encoding error with no column is about the file (UTF-16), not its header. */
	if (s == CRM_ERR_ENCODING && !err->column)
		return s;
	if (s == CRM_ERR_CSV || s == CRM_ERR_ENCODING || s == CRM_ERR_TOOBIG) {
		char msg[CRM_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->message);
		return crm_error_at(err, s, im->name, err->line, err->column, "bad header: %s", msg);
	}
	return s;
}

/* The kind (given or guessed), its fields, the columns mapped, the statements ready. */
static enum crm_status begin_file(struct importer *im, const struct crm_csv_record *hdr,
				  struct crm_error *err)
{
	const struct crm_import_options *opts = im->o;
	enum crm_status s;

	im->kind = opts->kind;
	if (!opts->kind_given)
		im->kind = crm_kind_guess((const char *const *)hdr->fields, hdr->nfields);
	im->table = crm_kind_name(im->kind);
	im->fields = crm_fields(im->kind, &im->nfields);
	im->vals = calloc(im->nfields ? im->nfields : 1, sizeof(*im->vals));
	if (!im->vals)
		return crm_error_nomem(err);
	s = import_map_columns(im, hdr, err);
	if (s)
		return s;
	import_report_mapping(im, !opts->kind_given);
	s = import_index_fields(im, err);
	/* Before the statements: the rules may give a value to fields no column gives. */
	if (!s)
		s = import_clean_begin(im, err);
	return s ? s : import_store_begin(im, err);
}

/* The header of the field a mark is in, and its value; NULLs when not known. */
static void mark_field(const struct importer *im, const struct crm_csv_mark *m,
		       const char **column, const char **value)
{
	*column = m->field && m->field <= im->ncols ? im->cols[m->field - 1].header : NULL;
	*value = m->field && m->field <= im->rec->nfields ? im->rec->fields[m->field - 1] : NULL;
}

/*
 * A quote inside an unquoted field (高橋 "次郎) is more often a slip than
 * data, and RFC 4180 allows none: the record is rejected, with where the
 * quote is and how to keep it, unless --lenient keeps it as written.
 */
static enum crm_status reject_quote(struct importer *im, struct crm_error *err)
{
	const struct crm_csv_mark *m = &im->rec->quote;
	const char *column, *value;
	char why[320];

	mark_field(im, m, &column, &value);
	snprintf(why, sizeof(why), "stray quote at line %lu, character %lu: a quote inside a "
		 "field not in quotes; put the field in quotes and double its quotes "
		 "(\"12\"\" monitor\"), or import with --lenient to keep it as written",
		 m->line, m->character);
	return import_reject(im, column, value, why, err);
}

/* Reports a mark of a record that was stored, so that someone looks. */
static enum crm_status report_mark(struct importer *im, const struct crm_csv_mark *m,
				   const char *stored, const char *reason, struct crm_error *err)
{
	struct crm_import_problem p = {
		.line = im->rec->line, .reason = reason, .stored = stored,
		.raw = im->rec->raw, .raw_len = im->rec->raw_len,
	};

	mark_field(im, m, &p.column, &p.value);
	if (im->sink && im->sink->problem)
		return im->sink->problem(im->sink->ctx, &p, err);
	return CRM_OK;
}

/* The marks of a record that was stored (see struct crm_csv_record). */
static enum crm_status report_marks(struct importer *im, struct crm_error *err)
{
	const struct crm_csv_record *rec = im->rec;
	enum crm_status s = CRM_OK;
	char why[200];

	if (rec->quote.line || rec->bom.line)
		im->stats->warned++;
	if (rec->quote.line) {
		snprintf(why, sizeof(why), "a quote inside a field not in quotes, at line %lu, "
			 "character %lu", rec->quote.line, rec->quote.character);
		s = report_mark(im, &rec->quote, "stored with the quote as written", why, err);
	}
	if (!s && rec->bom.line) {
		snprintf(why, sizeof(why), "a byte order mark (U+FEFF) at line %lu, character "
			 "%lu, where only a file's start has one: were files joined?",
			 rec->bom.line, rec->bom.character);
		s = report_mark(im, &rec->bom, "stored with the byte order mark removed", why, err);
	}
	return s;
}

/*
 * A record the reader read: rejected for a stray quote, or imported and
 * then its marks reported if it was stored.
 */
static enum crm_status import_marked(struct importer *im, struct crm_error *err)
{
	unsigned long rejected = im->stats->rejected;
	enum crm_status s;

	if (im->rec->quote.line && !im->o->lenient)
		return reject_quote(im, err);
	s = import_record(im, err);
	if (!s && im->stats->rejected == rejected && (im->rec->quote.line || im->rec->bom.line))
		s = report_marks(im, err);
	return s;
}

/*
 * The next record: from the reader, or from the thread reading ahead
 * (with the results it worked out, im->pre). *bytes: read by then.
 */
static enum crm_status next_record(struct importer *im, struct crm_csv_reader *r,
				   struct import_ahead *a, struct crm_csv_record *rec,
				   unsigned long long *bytes, struct crm_error *err)
{
	const struct crm_csv_record *got;
	enum crm_status s;

	if (!a) {
		s = crm_csv_read(r, rec, err);
		im->rec = rec;
		*bytes = crm_csv_bytes_read(r);
		return s;
	}
	s = import_ahead_next(a, &got, &im->pre, &im->pre_raw, bytes, err);
	im->rec = s == CRM_EOF ? NULL : got;
	return s;
}

/* Every record after the header: stored, rejected, or skipped when blank. */
static enum crm_status read_records(struct importer *im, struct crm_csv_reader *r,
				    struct import_ahead *a, struct crm_csv_record *rec,
				    struct crm_error *err)
{
	const struct crm_import_sink *sink = im->sink;
	struct crm_import_stats *stats = im->stats;
	unsigned long rows = 0;
	unsigned long long bytes = 0;
	enum crm_status s;

	while ((s = next_record(im, r, a, rec, &bytes, err)) != CRM_EOF) {
		if (s == CRM_ERR_CSV || s == CRM_ERR_ENCODING || s == CRM_ERR_TOOBIG) {
			stats->read++;
			s = import_reject(im, NULL, NULL, err->message, err);
		} else if (s == CRM_OK && import_all_empty(im->rec)) {
			stats->blank++;
		} else if (s == CRM_OK) {
			stats->read++;
			s = import_marked(im, err);
		}
		if (s)
			return s;
		if (sink && sink->progress && (++rows & 1023) == 0)
			sink->progress(sink->ctx, bytes, rows);
	}
	im->pre = NULL;
	im->pre_raw = NULL;
	if (sink && sink->progress)
		sink->progress(sink->ctx, crm_csv_bytes_read(r), rows);
	return CRM_OK;
}

/*
 * Whether a thread may read fp ahead: a regular file only, whose reads
 * end; one from a pipe may wait for ever, and could not be stopped.
 */
static int reads_ahead(FILE *fp)
{
	struct stat sb;

	return fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode);
}

/* What the file turned out to be, as the summary names it. */
static const char *encoding_read(const struct crm_csv_reader *r)
{
	if (crm_csv_encoding(r) == CRM_ENC_AUTO)
		return "ascii";
	if (crm_csv_encoding(r) == CRM_ENC_UTF8 && crm_csv_had_bom(r))
		return "utf-8-bom";
	return crm_encoding_name(crm_csv_encoding(r));
}

enum crm_status crm_import_file(struct crm_run *run, FILE *fp, const char *name,
				const struct crm_import_options *opts,
				const struct crm_import_sink *sink,
				struct crm_import_stats *stats, struct crm_error *err)
{
	struct crm_csv_read_options ro = { .encoding = opts->encoding, .max_field = opts->max_field,
					   .detect_delimiter = 1,
					   .name_encoding = "name it with --encoding utf-8 or cp932" };
	struct importer im;
	struct crm_csv_reader *r = NULL;
	struct import_ahead *ahead = NULL;
	struct crm_csv_record rec;
	enum crm_status s;

	importer_init(&im, run, name, opts, sink, stats);
	if (!opts->source || !*opts->source)
		return crm_error_set(err, CRM_ERR_INVALID, "an import needs a source name");
	s = crm_audit_batch(im.audit, err);
	if (s)
		return s;
	s = crm_csv_reader_open(&r, fp, name, &ro, err);
	if (s)
		return s;
	s = read_header(&im, r, &rec, err);
	if (!s)
		s = begin_file(&im, &rec, err);
	/* Customers in one notation: their normalizers run ahead, on another core. */
	if (!s && im.clean && reads_ahead(fp))
		s = import_ahead_start(&im, r, &ahead, err);
	if (!s)
		s = read_records(&im, r, ahead, &rec, err);
	import_ahead_stop(ahead);
	if (!s)
		s = import_keep_mapping(&im, err);
	if (!s)
		stats->encoding = encoding_read(r);
	if (s && err && !err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", name);
	importer_release(&im);
	crm_csv_reader_free(r);
	return s;
}
