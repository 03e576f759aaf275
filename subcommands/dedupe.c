/*
 * crm dedupe: find duplicate customers (名寄せ) and report them, in bands:
 * pairs to merge, pairs for a person to review; --explain shows why a
 * pair scores as it does.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csvio.h"
#include "customer.h"
#include "dedupe.h"
#include "output.h"
#include "progress.h"
#include "safefile.h"
#include "banned.h"

#define CMD "dedupe"

enum {
	OPT_THRESHOLD = CRM_OPT_OWN,
	OPT_REVIEW_THRESHOLD,
	OPT_EXPLAIN,
	OPT_MAX_BLOCK,
	OPT_APPLY,
	OPT_MAX_MERGES,
	OPT_SURVIVOR,
	OPT_REVIEW_FILE,
	OPT_DECISIONS,
};

static const struct crm_option dedupe_options[] = {
	{ "threshold", OPT_THRESHOLD, "<w>", "merge pairs of at least this match weight, in bits\n"
	  "(default: 0, even odds; 8 is odds of 256 to 1)", "a number of bits, such as 0 or 8" },
	{ "review-threshold", OPT_REVIEW_THRESHOLD, "<w>", "list pairs of at least this weight "
	  "for review\n(default: -5, odds of 1 to 32)", "a number of bits, such as -5" },
	{ "explain", OPT_EXPLAIN, "<id1>,<id2>", "show the weight of each field of one pair",
	  "two customers, as ID,ID or SOURCE:KEY,SOURCE:KEY" },
	{ "max-block", OPT_MAX_BLOCK, "<n>", "skip blocks of more customers than this\n"
	  "(default: 2000)", "a positive whole number" },
	CRM_OPT_SINCE_RUN,
	{ "review-file", OPT_REVIEW_FILE, "<file>", "also write the pairs to review to file, both\n"
	  "customers side by side, for Excel (UTF-8 with BOM)", "a file name" },
	{ "apply", OPT_APPLY, NULL, "merge the clusters of the merge band, as one run", NULL },
	{ "decisions", OPT_DECISIONS, "<file>", "merge the pairs a review file says are the same,\n"
	  "and never propose those it says are different again", "a file name" },
	{ "max-merges", OPT_MAX_MERGES, "<n>", "with --apply: merge nothing and exit 3 if more than\n"
	  "n customers would be merged", "a positive whole number" },
	{ "survivor", OPT_SURVIVOR, "<rule>", "which customer of a cluster stays: oldest (default),\n"
	  "newest or most-complete", "oldest, newest or most-complete" },
	CRM_OPT_DRY_RUN,
	CRM_OPT_FORMAT,
	CRM_OPT_END,
};

static const struct crm_usage dedupe_usage = {
	"usage: crm dedupe [--threshold <w>] [--review-threshold <w>] [--max-block <n>]\n"
	"                  [--since <run>] [--review-file <file>]\n"
	"                  [--apply [--max-merges <n>] [--survivor <rule>] [--dry-run]]\n"
	"                  [--format <fmt>]\n"
	"       crm dedupe --decisions <file> [--survivor <rule>] [--dry-run]\n"
	"       crm dedupe --explain <id1>,<id2> [--format <fmt>]\n",
	dedupe_options,
};

#define usage_error(...) crm_usage_error(CMD, &dedupe_usage, __VA_ARGS__)

struct cli {
	struct crm_ctx *ctx;
	struct crm_dedupe_options opt;
	const char *explain;
	const char *review_file;
	const char *decisions;
	int apply, dry_run;
	int64_t max_merges;            /* 0: no cap */
	enum crm_dedupe_survivor survivor;
	enum crm_format format;
	struct crm_progress bar;
	const char *stage;
};

static int parse_weight(const char *arg, double *w)
{
	char *end;

	errno = 0;
	*w = strtod(arg, &end);
	return errno || end == arg || *end || !isfinite(*w) ? -1 : 0;
}

static void on_progress(void *ctx, const char *stage, unsigned long at, unsigned long total)
{
	struct cli *cli = ctx;

	if (cli->stage != stage) {
		crm_progress_done(&cli->bar);
		crm_progress_start(&cli->bar, stderr, cli->ctx->progress, stage, total);
		cli->stage = stage;
	}
	crm_progress_update(&cli->bar, at, at);
}

static void summary(const struct cli *cli, const struct crm_dedupe_stats *st)
{
	char a[32], b[32], c[32], e[32];

	if (cli->ctx->quiet)
		return;
	fprintf(stderr, "crm dedupe: %s customer%s", crm_num(st->customers, a, sizeof(a)),
		st->customers == 1 ? "" : "s");
	if (cli->opt.since)
		fprintf(stderr, " (%s added or changed since run %lld)",
			crm_num(st->fresh, a, sizeof(a)), (long long)cli->opt.since);
	fprintf(stderr, ", %s pairs compared (%lu blocking rules", crm_num(st->pairs, b, sizeof(b)),
		st->rules);
	if (st->blocks_skipped)
		fprintf(stderr, "; %s blocks of over %ld customers skipped, the largest %s",
			crm_num(st->blocks_skipped, c, sizeof(c)),
			cli->opt.max_block > 0 ? cli->opt.max_block : (long)CRM_DEDUPE_MAX_BLOCK,
			crm_num(st->largest_skipped, e, sizeof(e)));
	fprintf(stderr, ")\n");
	if (st->model_run) {
		fprintf(stderr, "crm dedupe: model: the one run %lld fitted on %s customers (%s pairs)\n",
			(long long)st->model_run, crm_num(st->model_customers, a, sizeof(a)),
			crm_num(st->model_pairs, b, sizeof(b)));
	} else {
		if (cli->opt.since)
			fprintf(stderr, "crm dedupe: model: none saved of these fields (crm dedupe "
				"--apply saves one): fitted on every pair\n");
		if (!st->pairs)
			fprintf(stderr, "crm dedupe: model: no pairs to fit it on\n");
		else if (st->strict && st->implausible)
			fprintf(stderr, "crm dedupe: model: no duplicates to learn from (EM found "
				"only families or namesakes, %lu times): strict, %.4f%% of the pairs "
				"matches\n", st->implausible, st->prior * 100);
		else if (st->strict)
			fprintf(stderr, "crm dedupe: model: too few duplicates to learn from (under "
				"%d in every rule's pairs): strict, %.4f%% of the pairs matches\n",
				CRM_DEDUPE_MIN_LEARN, st->prior * 100);
		else
			fprintf(stderr, "crm dedupe: model: %lu patterns, %lu EM iterations%s, %.4f%% "
				"of the pairs matches\n", st->patterns, st->iterations,
				st->converged ? "" : " (did not converge)", st->prior * 100);
	}
	fprintf(stderr, "crm dedupe: %s cluster%s to merge (%s customers), %s pair%s to review",
		crm_num(st->clusters, a, sizeof(a)), st->clusters == 1 ? "" : "s",
		crm_num(st->clustered, b, sizeof(b)), crm_num(st->review_pairs, c, sizeof(c)),
		st->review_pairs == 1 ? "" : "s");
	if (st->split_edges)
		fprintf(stderr, "; %s of them merge pairs left out of a cluster holding someone else",
			crm_num(st->split_edges, e, sizeof(e)));
	if (st->kept_apart)
		fprintf(stderr, "; %s pair%s left out, decided different", crm_num(st->kept_apart, e,
			sizeof(e)), st->kept_apart == 1 ? "" : "s");
	fputc('\n', stderr);
}

static enum crm_status row(struct crm_out *out, struct crm_customer_labels *labels,
			   long long cluster, int64_t id, double w, const char *band,
			   struct crm_error *err)
{
	struct crm_value v[6];
	const char *key, *name;
	enum crm_status s = crm_customer_label(labels, id, &key, &name, err);

	if (s)
		return s;
	v[0] = crm_value_int(cluster);
	v[1] = crm_value_int(id);
	v[2] = crm_value_text(key);
	v[3] = crm_value_text(name);
	/* A number, in JSON too; to the hundredth, as the report has always shown it. */
	v[4] = crm_value_real(round(w * 100) / 100);
	v[5] = crm_value_text(band);
	return crm_out_row(out, v, err);
}

/* Whether a and b are in one merge cluster. */
static int same_cluster(const struct crm_dedupe *d, int64_t a, int64_t b)
{
	double w;
	size_t ca = crm_dedupe_cluster_of(d, a, &w);

	return ca != SIZE_MAX && ca == crm_dedupe_cluster_of(d, b, &w);
}

/* The number the report gives the merge cluster of customer id, or "" (buf holds it). */
static const char *cluster_number(const struct crm_dedupe *d, int64_t id, char *buf, size_t size)
{
	double w;
	size_t c = crm_dedupe_cluster_of(d, id, &w);

	if (c == SIZE_MAX)
		return "";
	snprintf(buf, size, "%zu", c + 1);
	return buf;
}

/*
 * --review-file: the review band's pairs (not in one cluster), each on one
 * row with both customers side by side and an empty decision for a
 * person: same or different. Written whole or not at all. The merge
 * cluster each is in is shown: a pair kept out of a cluster comes once
 * with each of its customers, and a person who decides them apart should
 * see that the cluster is one person by the model's word.
 */
static enum crm_status review_file(struct cli *cli, const struct crm_dedupe *d,
				   struct crm_customer_labels *labels, struct crm_error *err)
{
	const struct crm_csv_write_options opts = { .encoding = CRM_ENC_UTF8_BOM, .delimiter = ',',
							 .crlf = 1 };
	const char *row[3 + 4 + 2 * CRM_CUSTOMER_CARD];
	char *copy[CRM_CUSTOMER_CARD] = { NULL };
	struct crm_safefile *f = NULL;
	struct crm_csv_writer *w = NULL;
	char names[2 * CRM_CUSTOMER_CARD][32], pair[32], score[32], ida[32], idb[32];
	char ca[32], cb[32];
	enum crm_status s;
	size_t i, n = 3 + 4 + 2 * CRM_CUSTOMER_CARD;
	long long k = 0;
	int j;

	row[0] = "pair";
	row[1] = "score";
	row[2] = "decision";
	row[3] = "a";
	row[4] = "b";
	row[5] = "a_cluster";
	row[6] = "b_cluster";
	for (j = 0; j < CRM_CUSTOMER_CARD; j++) {
		snprintf(names[2 * j], sizeof(names[0]), "a_%s", crm_customer_card_fields[j]);
		snprintf(names[2 * j + 1], sizeof(names[0]), "b_%s", crm_customer_card_fields[j]);
		row[7 + 2 * j] = names[2 * j];
		row[7 + 2 * j + 1] = names[2 * j + 1];
	}
	s = crm_safefile_open(&f, cli->review_file, 0, err);
	if (!s)
		s = crm_csv_writer_open(&w, crm_safefile_fp(f), &opts, err);
	if (!s)
		s = crm_csv_write_record(w, row, NULL, n, err);
	for (i = 0; !s && i < crm_dedupe_npairs(d); i++) {
		const struct crm_dedupe_pair *p = crm_dedupe_pair(d, i);
		const char *va[CRM_CUSTOMER_CARD], *vb[CRM_CUSTOMER_CARD];

		if (p->band != CRM_DEDUPE_REVIEW || same_cluster(d, p->a, p->b))
			continue;
		/* The labels keep one card at a time: a's is copied first. */
		s = crm_customer_card(labels, p->a, va, err);
		for (j = 0; !s && j < CRM_CUSTOMER_CARD; j++)
			if (va[j] && !(copy[j] = strdup(va[j])))
				s = crm_error_nomem(err);
		if (!s)
			s = crm_customer_card(labels, p->b, vb, err);
		if (!s) {
			snprintf(pair, sizeof(pair), "%lld", ++k);
			snprintf(score, sizeof(score), "%.2f", p->weight);
			snprintf(ida, sizeof(ida), "%lld", (long long)p->a);
			snprintf(idb, sizeof(idb), "%lld", (long long)p->b);
			row[0] = pair;
			row[1] = score;
			row[2] = "";
			row[3] = ida;
			row[4] = idb;
			row[5] = cluster_number(d, p->a, ca, sizeof(ca));
			row[6] = cluster_number(d, p->b, cb, sizeof(cb));
			for (j = 0; j < CRM_CUSTOMER_CARD; j++) {
				row[7 + 2 * j] = copy[j];
				row[7 + 2 * j + 1] = vb[j];
			}
			s = crm_csv_write_record(w, row, NULL, n, err);
		}
		for (j = 0; j < CRM_CUSTOMER_CARD; j++) {
			free(copy[j]);
			copy[j] = NULL;
		}
	}
	if (w) {
		enum crm_status c = s ? CRM_OK : crm_csv_writer_close(w, err);

		if (s)
			crm_csv_writer_free(w);
		s = s ? s : c;
	}
	if (!s)
		return crm_safefile_commit(f, err);
	crm_safefile_abort(f);
	return s;
}

/* The clusters to merge, then the pairs to review, each a numbered group. */
static enum crm_status report(struct cli *cli, const struct crm_dedupe *d, struct crm_error *err)
{
	static const char *const cols[] = { "cluster", "customer", "key", "name", "score", "band" };
	struct crm_customer_labels *labels = NULL;
	struct crm_out *out = NULL;
	enum crm_status s;
	size_t i, j, n;
	long long group = 0;

	s = crm_customer_labels_open(cli->ctx->db, &labels, err);
	if (!s)
		s = crm_out_open(&out, stdout, cli->format, cols, 6, err);
	if (!s)
		crm_out_set_cut(out, isatty(STDOUT_FILENO));
	for (i = 0; !s && i < crm_dedupe_nclusters(d); i++) {
		const int64_t *m = crm_dedupe_cluster(d, i, &n);

		group++;
		for (j = 0; !s && j < n; j++) {
			double w;

			crm_dedupe_cluster_of(d, m[j], &w);
			s = row(out, labels, group, m[j], w, "merge", err);
		}
	}
	for (i = 0; !s && i < crm_dedupe_npairs(d); i++) {
		const struct crm_dedupe_pair *p = crm_dedupe_pair(d, i);

		if (p->band != CRM_DEDUPE_REVIEW || same_cluster(d, p->a, p->b))
			continue;
		group++;
		s = row(out, labels, group, p->a, p->weight, "review", err);
		if (!s)
			s = row(out, labels, group, p->b, p->weight, "review", err);
	}
	if (!s && cli->review_file)
		s = review_file(cli, d, labels, err);
	if (out) {
		enum crm_status o = s ? CRM_OK : crm_out_close(out, err);

		if (s)
			crm_out_free(out);
		s = s ? s : o;
	}
	crm_customer_labels_free(labels);
	return s;
}

struct explain_ctx {
	struct crm_out *out;
	struct crm_error *err;
	enum crm_status s;
};

static void explain_row(struct explain_ctx *x, const char *field, const char *a, const char *b,
			const char *level, double m, double u, double w)
{
	struct crm_value v[7];
	char ms[32], us[32], ws[32];

	if (x->s)
		return;
	snprintf(ms, sizeof(ms), "%.6f", m);
	snprintf(us, sizeof(us), "%.6f", u);
	snprintf(ws, sizeof(ws), "%+.2f", w);
	v[0] = crm_value_text(field);
	v[1] = crm_value_text(a);
	v[2] = crm_value_text(b);
	v[3] = crm_value_text(level);
	v[4] = crm_value_text(m > 0 ? ms : NULL);
	v[5] = crm_value_text(u > 0 ? us : NULL);
	v[6] = crm_value_text(ws);
	x->s = crm_out_row(x->out, v, x->err);
}

static void on_term(void *ctx, const struct crm_dedupe_term *t)
{
	explain_row(ctx, t->field, t->a, t->b, t->level, t->m, t->u, t->weight);
}

/* "ID,ID" or "SOURCE:KEY,SOURCE:KEY": two customers, resolved to their survivors. */
static enum crm_status explain_ids(struct cli *cli, int64_t *a, int64_t *b,
				   struct crm_error *err)
{
	const char *comma = strrchr(cli->explain, ',');
	char *first;
	enum crm_status s;

	if (!(first = strndup(cli->explain, (size_t)(comma - cli->explain))))
		return crm_error_nomem(err);
	s = crm_customer_find(cli->ctx->db, first, a, err);
	free(first);
	if (!s)
		s = crm_customer_find(cli->ctx->db, comma + 1, b, err);
	if (!s && *a == *b)
		s = crm_error_set(err, CRM_ERR_INVALID, "--explain: %s is one customer (customer "
				  "%lld)", cli->explain, (long long)*a);
	return s;
}

static enum crm_status explain(struct cli *cli, const struct crm_dedupe *d, int64_t a, int64_t b,
			       struct crm_error *err)
{
	static const char *const cols[] = { "field", "a", "b", "level", "m", "u", "weight" };
	struct explain_ctx x = { NULL, err, CRM_OK };
	enum crm_dedupe_band band;
	double prior, w;
	char id_a[32], id_b[32];
	enum crm_status s = crm_out_open(&x.out, stdout, cli->format, cols, 7, err);

	if (s)
		return s;
	crm_out_set_cut(x.out, isatty(STDOUT_FILENO));
	snprintf(id_a, sizeof(id_a), "%lld", (long long)a);
	snprintf(id_b, sizeof(id_b), "%lld", (long long)b);
	explain_row(&x, "customer", id_a, id_b, NULL, 0, 0, 0);
	s = crm_dedupe_explain(d, a, b, on_term, &x, &prior, &w, &band, err);
	if (!s && !x.s) {
		explain_row(&x, "prior", NULL, NULL, NULL, 0, 0, prior);
		explain_row(&x, "total", NULL, NULL, crm_dedupe_band_names[band], 0, 0, w);
	}
	s = s ? s : x.s;
	if (!s)
		return crm_out_close(x.out, err);
	crm_out_free(x.out);
	return s;
}

/* The database opened for writing and a run begun: --apply's and --decisions'. */
static enum crm_status begin(struct cli *cli, struct crm_run **run, struct crm_error *err)
{
	enum crm_status s = crm_open_db_write(cli->ctx, err);

	return s ? s : crm_run_begin(cli->ctx->db, CMD, cli->ctx->argc, cli->ctx->argv,
				     cli->dry_run ? CRM_RUN_DRY : 0, run, err);
}

/* The run's counts, in one place. */
static enum crm_status count(struct crm_run *run, const struct crm_dedupe_stats *ds,
			     const struct crm_dedupe_merged *m, struct crm_error *err)
{
	enum crm_status s = crm_run_count(run, "customers", (long long)ds->customers, err);

	if (!s)
		s = crm_run_count(run, "pairs", (long long)ds->pairs, err);
	if (!s)
		s = crm_run_count(run, "clusters", (long long)m->clusters, err);
	if (!s)
		s = crm_run_count(run, "merged", (long long)m->merged, err);
	if (!s)
		s = crm_run_count(run, "moved", (long long)m->moved, err);
	if (!s)
		s = crm_run_count(run, "values", (long long)m->values, err);
	if (!s)
		s = crm_run_count(run, "review", (long long)ds->review_pairs, err);
	return s;
}

/*
 * --apply: the clusters are found and merged in one run, one transaction,
 * so that what is merged is what was found (no writer comes between) and
 * `crm log revert` undoes all of it. A dry run rolls back.
 */
static int apply(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_dedupe_merged m = { 0 };
	const struct crm_dedupe_stats *ds;
	struct crm_dedupe *d = NULL;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t run_id = 0;
	size_t i, n;
	int over = 0;
	char a[32], b[32], c[32], e[32];

	crm_error_clear(&err);
	s = begin(cli, &run, &err);
	if (!s)
		s = crm_dedupe_find(ctx->db, &cli->opt, &d, &err);
	crm_progress_done(&cli->bar);
	ds = d ? crm_dedupe_stats(d) : NULL;
	if (!s && cli->max_merges && (int64_t)(ds->clustered - ds->clusters) > cli->max_merges)
		over = 1;
	if (!s && !over)
		s = report(cli, d, &err);
	for (i = 0; !s && !over && i < crm_dedupe_nclusters(d); i++) {
		const int64_t *ids = crm_dedupe_cluster(d, i, &n);
		int64_t survivor;

		s = crm_dedupe_merge(run, ids, n, cli->survivor, &survivor, &m, &err);
	}
	if (!s && !over)
		s = count(run, ds, &m, &err);
	if (!s && !over)
		s = crm_dedupe_save_model(run, d, &err);
	if (!s && !over) {
		run_id = crm_run_id(run);
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	}
	crm_run_free(run);
	if (!s && over) {
		fprintf(stderr, "crm dedupe: %s customers would be merged, over --max-merges %lld: "
			"nothing merged (raise it, or look with crm dedupe first)\n",
			crm_num(ds->clustered - ds->clusters, a, sizeof(a)), (long long)cli->max_merges);
		crm_dedupe_free(d);
		return CRM_EXIT_ATTENTION;
	}
	if (s) {
		crm_dedupe_free(d);
		return crm_report(CMD, &err);
	}
	summary(cli, ds);
	if (!ctx->quiet)
		fprintf(stderr, "crm dedupe: %s%s customers merged into %s (%s rows moved, %s values "
			"of survivors changed)", cli->dry_run ? "dry run: " : "",
			crm_num(m.merged, a, sizeof(a)), crm_num(m.clusters, b, sizeof(b)),
			crm_num(m.moved, c, sizeof(c)), crm_num(m.values, e, sizeof(e)));
	if (!ctx->quiet && !cli->dry_run && m.merged)
		fprintf(stderr, "; this is run %lld ('crm log revert %lld' undoes it)",
			(long long)run_id, (long long)run_id);
	if (!ctx->quiet)
		fputc('\n', stderr);
	if (!cli->dry_run)
		crm_db_checkpoint(ctx->db);
	crm_dedupe_free(d);
	return CRM_EXIT_OK;
}

/*
 * --decisions: a review file a person filled in, applied as one run: its
 * 'same' pairs merged, every decision recorded. A dry run rolls back.
 */
static int decide(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_dedupe_merged m = { 0 };
	struct crm_dedupe_decided dd;
	struct crm_run *run = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t run_id = 0;
	char a[32], b[32], c[32], e[32];

	crm_error_clear(&err);
	s = begin(cli, &run, &err);
	if (!s)
		s = crm_dedupe_decide(run, cli->decisions, cli->survivor, &dd, &m, &err);
	if (!s)
		s = crm_run_count(run, "decisions", (long long)(dd.same + dd.different), &err);
	if (!s)
		s = crm_run_count(run, "recorded", (long long)dd.recorded, &err);
	if (!s)
		s = crm_run_count(run, "merged", (long long)m.merged, &err);
	if (!s)
		s = crm_run_count(run, "moved", (long long)m.moved, &err);
	if (!s) {
		run_id = crm_run_id(run);
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	}
	crm_run_free(run);
	if (s)
		return crm_report(CMD, &err);
	if (!ctx->quiet) {
		fprintf(stderr, "crm dedupe: %s: %s same, %s different, %s undecided",
			cli->decisions, crm_num(dd.same, a, sizeof(a)),
			crm_num(dd.different, b, sizeof(b)), crm_num(dd.undecided, c, sizeof(c)));
		if (dd.already)
			fprintf(stderr, "; %s same pair%s already one customer",
				crm_num(dd.already, a, sizeof(a)), dd.already == 1 ? " is" : "s are");
		if (dd.gone)
			fprintf(stderr, "; %s pair%s naming a customer no longer there (erased) "
				"skipped", crm_num(dd.gone, a, sizeof(a)), dd.gone == 1 ? "" : "s");
		fprintf(stderr, "\ncrm dedupe: %s%s decision%s recorded", cli->dry_run ?
			"dry run: " : "", crm_num(dd.recorded, a, sizeof(a)),
			dd.recorded == 1 ? "" : "s");
		if (m.merged)
			fprintf(stderr, ", %s customer%s merged into %s (%s rows moved, %s values "
				"of survivors changed)", crm_num(m.merged, a, sizeof(a)),
				m.merged == 1 ? "" : "s",
				crm_num(m.clusters, b, sizeof(b)), crm_num(m.moved, c, sizeof(c)),
				crm_num(m.values, e, sizeof(e)));
		if (!cli->dry_run && (m.merged || dd.recorded))
			fprintf(stderr, "; this is run %lld ('crm log revert %lld' undoes it)",
				(long long)run_id, (long long)run_id);
		fputc('\n', stderr);
	}
	if (!cli->dry_run)
		crm_db_checkpoint(ctx->db);
	return CRM_EXIT_OK;
}

static int run(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_dedupe *d = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t a = 0, b = 0;

	crm_error_clear(&err);
	cli->opt.progress = on_progress;
	cli->opt.ctx = cli;
	if (cli->apply)
		return apply(cli);
	if (cli->decisions)
		return decide(cli);
	s = crm_open_db(ctx, &err);
	if (!s && cli->explain)
		s = explain_ids(cli, &a, &b, &err);
	if (!s)
		s = crm_dedupe_find(ctx->db, &cli->opt, &d, &err);
	crm_progress_done(&cli->bar);
	if (!s)
		s = cli->explain ? explain(cli, d, a, b, &err) : report(cli, d, &err);
	if (!s && !cli->explain)
		summary(cli, crm_dedupe_stats(d));
	crm_dedupe_free(d);
	return s ? crm_report(CMD, &err) : CRM_EXIT_OK;
}

static int cmd_dedupe(int argc, char **argv, struct crm_ctx *ctx)
{
	struct crm_getopt g = { .cmd = CMD, .usage = &dedupe_usage, .permute = 1 };
	struct cli cli = { .ctx = ctx };
	int c, format_set = 0, survivor_set = 0;
	int64_t n;

	cli.opt.threshold = CRM_DEDUPE_THRESHOLD;
	cli.opt.review_threshold = CRM_DEDUPE_REVIEW_THRESHOLD;
	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_THRESHOLD:
			if (parse_weight(g.arg, &cli.opt.threshold))
				return usage_error("--threshold takes a number of bits, not '%s'", g.arg);
			break;
		case OPT_REVIEW_THRESHOLD:
			if (parse_weight(g.arg, &cli.opt.review_threshold))
				return usage_error("--review-threshold takes a number of bits, not '%s'",
						   g.arg);
			break;
		case OPT_EXPLAIN: {
			const char *comma = strrchr(g.arg, ',');

			/* ids alone have no comma of their own: 1,2,3 is three customers */
			if (!comma || comma == g.arg || !comma[1] ||
			    (!strchr(g.arg, ':') && strchr(g.arg, ',') != comma))
				return usage_error("--explain takes two customers, ID,ID or "
						   "SOURCE:KEY,SOURCE:KEY, not '%s'", g.arg);
			cli.explain = g.arg;
			break;
		}
		case OPT_MAX_BLOCK:
			if (crm_parse_positive(g.arg, &n) || n < 2 || n > 1000000)
				return usage_error("--max-block takes a whole number from 2 to "
						   "1000000, not '%s'", g.arg);
			cli.opt.max_block = (long)n;
			break;
		case OPT_APPLY: cli.apply = 1; break;
		case OPT_REVIEW_FILE: cli.review_file = g.arg; break;
		case OPT_DECISIONS: cli.decisions = g.arg; break;
		case CRM_OPT_ID_SINCE_RUN:
			if (crm_getopt_run(&g, &cli.opt.since))
				return g.exit;
			break;
		case OPT_MAX_MERGES:
			if (crm_parse_positive(g.arg, &cli.max_merges))
				return usage_error("--max-merges takes a positive whole number, not '%s'",
						   g.arg);
			break;
		case OPT_SURVIVOR: {
			int i;

			for (i = 0; crm_dedupe_survivor_names[i]; i++)
				if (!strcmp(g.arg, crm_dedupe_survivor_names[i]))
					break;
			if (!crm_dedupe_survivor_names[i])
				return usage_error("--survivor must be oldest, newest or most-complete, "
						   "not '%s'", g.arg);
			cli.survivor = (enum crm_dedupe_survivor)i;
			survivor_set = 1;
			break;
		}
		case CRM_OPT_ID_DRY_RUN: cli.dry_run = 1; break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli.format))
				return g.exit;
			format_set = 1;
			break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	if (g.optind < argc)
		return usage_error("unexpected argument '%s'", argv[g.optind]);
	if (cli.decisions && (cli.apply || cli.explain || cli.review_file || cli.opt.since ||
			      cli.max_merges))
		return usage_error("--decisions applies a review file, and finds nothing: drop %s",
				   cli.apply ? "--apply" : cli.explain ? "--explain"
				   : cli.review_file ? "--review-file" : cli.opt.since ? "--since"
				   : "--max-merges");
	if (!cli.apply && !cli.decisions && (cli.max_merges || survivor_set || cli.dry_run))
		return usage_error("%s is for --apply or --decisions (without them dedupe changes "
				   "nothing)", cli.max_merges ? "--max-merges" : survivor_set ?
				   "--survivor" : "--dry-run");
	if (cli.explain && cli.review_file)
		return usage_error("--review-file lists the review band; --explain shows one pair: "
				   "give one of them%s", "");
	if (cli.apply && cli.explain)
		return usage_error("--explain shows one pair; it merges nothing: drop --apply%s", "");
	if (cli.opt.review_threshold > cli.opt.threshold)
		return usage_error("--review-threshold (%g) is above --threshold (%g): the review "
				   "band lies below the merge band", cli.opt.review_threshold,
				   cli.opt.threshold);
	if (!format_set)
		cli.format = crm_default_format();
	return run(&cli);
}

const struct crm_cmd crm_cmd_dedupe = {
	"dedupe", cmd_dedupe, CRM_CMD_DB_READ,
	"find duplicate customers (名寄せ) and merge them", &dedupe_usage,
};
