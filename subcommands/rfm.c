/*
 * crm rfm: scores every customer by recency, frequency and monetary value
 * of their orders, names their segment, and shows who is where: the
 * customers as records, or on a terminal a table of the segments and the
 * R x FM grid. --save keeps the scores as a snapshot (a run); --compare
 * shows who moved between a snapshot and now.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "customer.h"
#include "progress.h"
#include "rfm.h"
#include "banned.h"

#define CMD "rfm"

enum {
	OPT_AS_OF = CRM_OPT_OWN,
	OPT_RETURNS,
	OPT_METHOD,
	OPT_BINS,
	OPT_SCHEME,
	OPT_SAVE,
	OPT_COMPARE,
	OPT_EXPLAIN,
	OPT_FREEZE,
	OPT_CPM_TENURE,
	OPT_CPM_AMOUNT,
	OPT_CPM_LAPSE,
	OPT_REPORT,
	OPT_LTV,
	OPT_HORIZON,
	OPT_DISCOUNT,
	OPT_HOLDOUT,
};

static const struct crm_option rfm_options[] = {
	{ "as-of", OPT_AS_OF, "<date>", "score as of this day, YYYY-MM-DD (default: the day\n"
	  "after the latest order); later orders are left out", "a date, YYYY-MM-DD" },
	{ "returns", OPT_RETURNS, "<how>", "net (default): cancellations and returns subtract\n"
	  "from monetary; gross: they are left out", "net or gross" },
	{ "method", OPT_METHOD, "<m>", "rank (default; equal values, equal scores), ntile\n"
	  "or quantile (the breaks of R's rfm package)", "rank, ntile or quantile" },
	{ "bins", OPT_BINS, "<n>", "scores from 1 to n (default: 5)", "a whole number from 2 to 10" },
	{ "scheme", OPT_SCHEME, "<name>", "segment names: rfm11 (default, 5 bins), cpm\n"
	  "(CPM分析), none, or a scheme file of your own", "rfm11, cpm, none or a file" },
	{ "cpm-tenure", OPT_CPM_TENURE, "<d1>,<d2>", "cpm: days from the first purchase to the\n"
	  "last that make よちよち into コツコツ, and 流行 into 優良\n(default: 90,210)",
	  "two numbers of days, such as 90,210" },
	{ "cpm-amount", OPT_CPM_AMOUNT, "<money>", "cpm: the money from which a customer is 流行\n"
	  "or 優良 (default: 70000)", "an amount, such as 70000" },
	{ "cpm-lapse", OPT_CPM_LAPSE, "<days>", "cpm: days without a purchase that make a\n"
	  "customer 離脱 (default: 240)", "a number of days, such as 240" },
	{ "save", OPT_SAVE, NULL, "keep the scores as a snapshot, in a run of their own", NULL },
	{ "compare", OPT_COMPARE, "<run>", "who moved between the snapshot of run and now,\n"
	  "as a matrix of segments", "a run number" },
	{ "freeze-thresholds", OPT_FREEZE, "<run>", "score with the values each score stood for in\n"
	  "that run's snapshot, so that movement is behaviour", "a run number" },
	{ "report", OPT_REPORT, "<file>", "also write the picture as one HTML file to mail:\n"
	  "inline SVG and CSS, opens offline", "a file name, such as rfm.html" },
	{ "ltv", OPT_LTV, NULL, "also what each customer is worth: value to date,\n"
	  "and the purchases, P(alive) and value the model\n(BG/NBD, Gamma-Gamma) predicts",
	  NULL },
	{ "horizon", OPT_HORIZON, "<length>", "--ltv: how far to predict, such as 12m, 90d, 26w\n"
	  "or 2y (default: 12m; a month is 365.25/12 days)", "a length such as 12m, 90d, 26w or 2y" },
	{ "discount", OPT_DISCOUNT, "<rate>", "--ltv: discount the predicted value by this\n"
	  "rate a year, month by month, such as 0.08 or 8%", "a rate such as 0.08 or 8%" },
	{ "holdout", OPT_HOLDOUT, "<days>", "--ltv: also fit on the orders before the last\n"
	  "days and compare its prediction with them", "a number of days, such as 90" },
	{ "explain", OPT_EXPLAIN, NULL, "print the values each score stands for, and the\n"
	  "bin sizes; with --ltv, the fitted model", NULL },
	CRM_OPT_DRY_RUN,
	{ "format", CRM_OPT_ID_FORMAT, "<fmt>", "csv, tsv, json or table for every customer's\n"
	  "scores (default: the segments and the grid on a\nterminal, else csv)",
	  "csv, tsv, json or table" },
	CRM_OPT_END,
};

static const struct crm_usage rfm_usage = {
	"usage: crm rfm [--as-of <date>] [--returns net|gross] [--method <m>] [--bins <n>]\n"
	"               [--scheme <name>] [--cpm-tenure <d1>,<d2>] [--cpm-amount <money>]\n"
	"               [--cpm-lapse <days>] [--freeze-thresholds <run>]\n"
	"               [--ltv [--horizon <length>] [--discount <rate>] [--holdout <days>]]\n"
	"               [--explain] [--save [--dry-run]] [--compare <run>]\n"
	"               [--report <file>] [--format <fmt>]\n",
	rfm_options,
};

#define usage_error(...) crm_usage_error(CMD, &rfm_usage, __VA_ARGS__)

struct cli {
	struct crm_ctx *ctx;
	struct crm_rfm_options opt;
	int save, dry_run, explain, format_set, bins_set, method_set;
	int64_t compare, freeze;
	const char *report;
	const char *ltv_opt;            /* an --ltv option given: the first, for the message */
	struct crm_rfm_frozen frozen;
	enum crm_format format;
	struct crm_progress bar;
	const char *stage;
};

static void on_progress(void *ctx, unsigned long long at, unsigned long long total)
{
	struct cli *cli = ctx;

	if (!cli->stage) {
		crm_progress_start(&cli->bar, stderr, cli->ctx->progress, "orders", total);
		cli->stage = "orders";
	}
	crm_progress_update(&cli->bar, at, at);
}

static void on_save_progress(void *ctx, unsigned long long at, unsigned long long total)
{
	struct cli *cli = ctx;

	if (!cli->stage || strcmp(cli->stage, "saving")) {
		crm_progress_done(&cli->bar);
		crm_progress_start(&cli->bar, stderr, cli->ctx->progress, "saving", total);
		cli->stage = "saving";
	}
	crm_progress_update(&cli->bar, at, at);
}

static const char *segment_name(const struct crm_rfm *r, const struct crm_rfm_customer *c)
{
	return c->segment >= 0 ? r->o.scheme->segments[c->segment] : NULL;
}

/* Sums of monetary: a million customers' int64s may not fit in one. */
__extension__ typedef __int128 wide;

/* total / n in ten-thousandths, rounded half away from zero. */
static int64_t average(wide total, size_t n)
{
	wide q;

	if (!n)
		return 0;
	q = (total < 0 ? total - (wide)n / 2 : total + (wide)n / 2) / (wide)n;
	return (int64_t)q;
}

#define RECORD_COLS 10
#define LTV_COLS 9

/* Customer i's --ltv columns into v, their text into buf. */
static void ltv_values(const struct crm_rfm *r, size_t i, struct crm_value *v,
		       char buf[LTV_COLS][32])
{
	const struct crm_rfm_customer *c = &r->c[i];
	const struct crm_rfm_ltv_customer *l = &r->ltv->c[i];
	struct crm_ltv_obs o;

	crm_rfm_ltv_obs(r, i, &o);
	crm_rfm_money(average(c->monetary, (size_t)c->frequency), buf[0]);
	snprintf(buf[1], 32, "%.4f", l->expected);
	snprintf(buf[2], 32, "%.4f", l->p_alive);
	crm_rfm_money(crm_rfm_money_of(l->aov), buf[3]);
	crm_rfm_money(crm_rfm_money_of(l->value), buf[4]);
	crm_rfm_money(crm_rfm_ltv_total(r, i), buf[5]);
	v[0] = crm_value_int((long long)o.T);
	v[1] = crm_value_int((long long)o.x);
	v[2] = crm_value_int((long long)o.t_x);
	v[3] = crm_value_text(buf[0]);
	v[4] = crm_value_text(buf[1]);
	v[5] = crm_value_text(buf[2]);
	v[6] = crm_value_text(buf[3]);
	v[7] = crm_value_text(buf[4]);
	v[8] = crm_value_text(buf[5]);
}

/* Every scored customer as a record. */
static enum crm_status records(struct cli *cli, const struct crm_rfm *r, struct crm_error *err)
{
	static const char *const cols[RECORD_COLS + LTV_COLS] = {
		"id", "source_key", "last_purchase", "recency_days", "frequency", "monetary", "r",
		"f", "m", "segment", "tenure_days", "repeat_days", "first_to_last_days", "aov",
		"expected_purchases", "p_alive", "expected_aov", "predicted_value", "ltv"
	};
	size_t ncols = RECORD_COLS + (r->ltv ? LTV_COLS : 0);
	int64_t *ids = malloc(r->n * sizeof(*ids) + 1);
	char **keys = calloc(r->n + 1, sizeof(*keys));
	struct crm_out *out = NULL;
	enum crm_status s = CRM_OK;
	size_t i;

	if (!ids || !keys)
		s = crm_error_nomem(err);
	for (i = 0; !s && i < r->n; i++)
		ids[i] = r->c[i].id;
	if (!s)
		s = crm_customer_keys(cli->ctx->db, ids, r->n, keys, err);
	if (!s)
		s = crm_out_open(&out, stdout, cli->format, cols, ncols, err);
	if (!s) {
		crm_out_set_cut(out, isatty(STDOUT_FILENO));
		/*
		 * Money and the model's figures are exact decimal text, which
		 * JSON takes as it is: numbers there, not strings.
		 */
		crm_out_json_column(out, 5);
		for (i = RECORD_COLS + 3; i < ncols; i++)
			crm_out_json_column(out, i);
	}
	for (i = 0; !s && i < r->n; i++) {
		const struct crm_rfm_customer *c = &r->c[i];
		struct crm_value v[RECORD_COLS + LTV_COLS];
		char last[11], money[32], lbuf[LTV_COLS][32];

		crm_rfm_date(c->last, last);
		crm_rfm_money(c->monetary, money);
		v[0] = crm_value_int(c->id);
		v[1] = crm_value_text(keys[i]);
		v[2] = crm_value_text(last);
		v[3] = crm_value_int(c->recency);
		v[4] = crm_value_int(c->frequency);
		v[5] = crm_value_text(money);
		v[6] = crm_value_int(c->r);
		v[7] = crm_value_int(c->f);
		v[8] = crm_value_int(c->m);
		v[9] = crm_value_text(segment_name(r, c));
		if (r->ltv)
			ltv_values(r, i, v + RECORD_COLS, lbuf);
		s = crm_out_row(out, v, err);
	}
	if (out && !s)
		s = crm_out_close(out, err);
	else
		crm_out_free(out);
	crm_customer_keys_free(keys, r->n);
	free(keys);
	free(ids);
	return s;
}

/* Per segment: customers and monetary; with --ltv the predicted value and the value at risk. */
struct seg_total {
	size_t n;
	wide money;
	double predicted, at_risk;
};

/* The segments' table: customers, share, average and share of monetary; --ltv: the value ahead. */
static enum crm_status segments_table(struct cli *cli, const struct crm_rfm *r, FILE *fp,
				      struct crm_error *err)
{
	static const char *const cols[] = { "segment", "customers", "share", "avg_monetary",
					    "monetary_share", "predicted_value", "at_risk" };
	struct seg_total t[CRM_RFM_MAX_SEGMENTS] = { { 0, 0, 0, 0 } };
	struct crm_out *out = NULL;
	wide all = 0;
	enum crm_status s;
	size_t i;
	int k;

	for (i = 0; i < r->n; i++) {
		struct seg_total *x = &t[r->c[i].segment];

		x->n++;
		x->money += r->c[i].monetary;
		all += r->c[i].monetary;
		if (r->ltv) {
			x->predicted += r->ltv->c[i].value;
			x->at_risk += r->ltv->c[i].if_alive - r->ltv->c[i].value;
		}
	}
	s = crm_out_open(&out, fp, cli->format_set ? cli->format : CRM_FORMAT_TABLE, cols,
			 r->ltv ? 7 : 5, err);
	for (k = 0; !s && r->o.scheme->segments[k]; k++) {
		struct crm_value v[7];
		char n[32], share[16], avg[32], mshare[16], pred[32], risk[32];

		crm_num(t[k].n, n, sizeof(n));
		snprintf(share, sizeof(share), "%.1f%%", r->n ? 100.0 * (double)t[k].n / (double)r->n
			 : 0.0);
		crm_rfm_money(average(t[k].money, t[k].n), avg);
		snprintf(mshare, sizeof(mshare), "%.1f%%", all > 0 ? 100.0 * (double)t[k].money /
			 (double)all : 0.0);
		snprintf(pred, sizeof(pred), "%.0f", t[k].predicted);
		snprintf(risk, sizeof(risk), "%.0f", t[k].at_risk);
		v[0] = crm_value_text(r->o.scheme->segments[k]);
		v[1] = crm_value_text(n);
		v[2] = crm_value_text(share);
		v[3] = crm_value_text(avg);
		v[4] = crm_value_text(mshare);
		v[5] = crm_value_text(pred);
		v[6] = crm_value_text(risk);
		s = crm_out_row(out, v, err);
	}
	if (out && !s)
		return crm_out_close(out, err);
	crm_out_free(out);
	return s;
}

/* --ltv on the terminal: what the customers are expected to bring, and what is at risk. */
static void ltv_totals(const struct crm_rfm *r, FILE *fp)
{
	double value = 0, risk = 0, purchases = 0;
	char h[32];
	size_t i;

	for (i = 0; i < r->n; i++) {
		value += r->ltv->c[i].value;
		risk += r->ltv->c[i].if_alive - r->ltv->c[i].value;
		purchases += r->ltv->c[i].expected;
	}
	crm_rfm_horizon_text(r->o.horizon, h, sizeof(h));
	fprintf(fp, "\n  LTV over the next %s%s: %.0f purchase days, value %.0f; at risk %.0f\n"
		"  (at risk: what the customers would bring were all still buying, less the "
		"prediction)\n", h, r->o.discount > 0 ? " (discounted)" : "", purchases, value,
		risk);
}

/* Whether fp may take colour: a terminal, TERM not dumb, NO_COLOR unset. */
static int colour(FILE *fp)
{
	const char *term = getenv("TERM");

	return isatty(fileno(fp)) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

/* The R x FM grid of counts, R 5 at the top; shaded by share where colour is. */
static void grid(const struct crm_rfm *r, FILE *fp)
{
	static const int shade[] = { 255, 194, 157, 120, 83, 46 };
	size_t cell[CRM_RFM_MAX_BINS][CRM_RFM_MAX_BINS], most = crm_rfm_grid(r, cell);
	int bins = r->o.bins, x, y, c = colour(fp);
	fprintf(fp, "\n  R \\ FM");
	for (x = 1; x <= bins; x++)
		fprintf(fp, " %8d", x);
	fputc('\n', fp);
	for (y = bins; y >= 1; y--) {
		fprintf(fp, "  %6d", y);
		for (x = 1; x <= bins; x++) {
			size_t n = cell[y - 1][x - 1];
			int level = most ? (int)((n * 5 + most - 1) / most) : 0;

			if (c)
				fprintf(fp, " \033[48;5;%dm\033[38;5;16m%8zu\033[0m", shade[level], n);
			else
				fprintf(fp, " %8zu", n);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "  (customers by recency score R and FM = (F + M + 1) / 2; %d is best)\n", bins);
}

/* The terminal's picture: the segments and the grid. */
static enum crm_status picture(struct cli *cli, const struct crm_rfm *r, struct crm_error *err)
{
	enum crm_status s = CRM_OK;

	if (r->o.scheme)
		s = segments_table(cli, r, stdout, err);
	if (!s && r->n)
		grid(r, stdout);
	if (!s && r->ltv)
		ltv_totals(r, stdout);
	if (!s)
		printf("  every customer's scores: crm rfm --format csv > scores.csv\n");
	return s;
}

/* --compare: the migration matrix, a row per segment then, a column per segment now. */
static enum crm_status moves(struct cli *cli, const struct crm_rfm *r,
			     const struct crm_rfm_moves *m, struct crm_error *err)
{
	const char *cols[CRM_RFM_MAX_SEGMENTS + 3];
	struct crm_out *out = NULL;
	enum crm_status s;
	size_t i, j, ncols = m->nseg + 3;

	cols[0] = "then \\ now";
	for (j = 0; j < m->nseg; j++)
		cols[1 + j] = r->o.scheme->segments[j];
	cols[1 + m->nseg] = "(gone)";
	cols[2 + m->nseg] = "total";
	s = crm_out_open(&out, stdout, cli->format, cols, ncols, err);
	for (i = 0; !s && i <= m->nseg + 1; i++) {
		struct crm_value v[CRM_RFM_MAX_SEGMENTS + 3];
		size_t row = 0;

		v[0] = crm_value_text(i < m->nseg ? r->o.scheme->segments[i] : i == m->nseg
				      ? "(new)" : "total");
		for (j = 0; j <= m->nseg; j++) {
			size_t n = 0, k;

			if (i <= m->nseg)
				n = m->cell[i][j];
			else
				for (k = 0; k <= m->nseg; k++)
					n += m->cell[k][j];
			row += n;
			v[1 + j] = crm_value_int((long long)n);
		}
		v[2 + m->nseg] = crm_value_int((long long)row);
		s = crm_out_row(out, v, err);
	}
	if (out && !s)
		s = crm_out_close(out, err);
	else
		crm_out_free(out);
	if (!s && !cli->ctx->quiet)
		fprintf(stderr, "crm rfm: %zu customers in the snapshot of run %lld, %zu now\n",
			m->then, (long long)cli->compare, m->now);
	return s;
}

/*
 * What the command shows: the moves (--compare, read once for them and
 * the report), else the picture on a terminal, else the records. The
 * report first: a file that cannot be written is an error before any
 * output.
 */
static enum crm_status show(struct cli *cli, const struct crm_rfm *r, struct crm_error *err)
{
	struct crm_rfm_moves *m = NULL;
	enum crm_status s = CRM_OK;

	if (cli->compare && !(m = malloc(sizeof(*m))))
		return crm_error_nomem(err);
	if (m)
		s = crm_rfm_compare(cli->ctx->db, cli->compare, r, m, err);
	if (!s && cli->report)
		s = crm_rfm_report(r, m, cli->compare, cli->report, err);
	if (!s && m)
		s = moves(cli, r, m, err);
	else if (!s && !cli->save && !cli->format_set && isatty(STDOUT_FILENO))
		s = picture(cli, r, err);
	else if (!s && !cli->save)
		s = records(cli, r, err);
	free(m);
	return s;
}

/* --explain: what each score stands for, and how many got it. */
static void explain(const struct crm_rfm *r)
{
	static const char *const dim[CRM_RFM_DIMS] = { "recency_days", "frequency", "monetary" };
	int d, k;

	fprintf(stderr, "crm rfm: method %s, %d bins, %zu customers\n",
		crm_rfm_method_names[r->o.method], r->o.bins, r->n);
	for (d = 0; d < CRM_RFM_DIMS; d++) {
		for (k = r->o.bins; k >= 1; k--) {
			const struct crm_rfm_bin *b = &r->bin[d][k - 1];
			char lo[32], hi[32];

			crm_rfm_value(d, b->lo, lo);
			crm_rfm_value(d, b->hi, hi);
			if (b->count)
				fprintf(stderr, "  %c=%d  %-12s %s..%s  %zu customers\n", "RFM"[d], k,
					dim[d], lo, hi, b->count);
			else
				fprintf(stderr, "  %c=%d  %-12s none\n", "RFM"[d], k, dim[d]);
		}
		if (r->o.method != CRM_RFM_QUANTILE || r->o.frozen)
			continue;
		/* R's breaks: each next score from this value (recency: up to it) */
		fprintf(stderr, "  %c breaks (R's rfm package, the quantile plus one unit):", "RFM"[d]);
		for (k = 0; k < r->o.bins - 1; k++)
			fprintf(stderr, " %.4f", crm_rfm_break(r, d, k));
		fputc('\n', stderr);
	}
}

/* --explain --ltv: the fitted models, on lines of their own. */
static void explain_ltv(const struct crm_rfm *r)
{
	const struct crm_rfm_ltv *l = r->ltv;
	char a[32], b[32], c[32], h[32];

	crm_rfm_horizon_text(r->o.horizon, h, sizeof(h));
	fprintf(stderr, "crm rfm: ltv: %s customers, %s of them bought on two days or more; %s "
		"distinct (x, t_x, T); time in days; horizon %s", crm_num(r->n, a, sizeof(a)),
		crm_num(l->repeat, b, sizeof(b)), crm_num(l->triples, c, sizeof(c)), h);
	if (r->o.discount > 0)
		fprintf(stderr, ", discounted %.4g%% a year", r->o.discount * 100);
	fputc('\n', stderr);
	fprintf(stderr, "bgnbd r=%.6g alpha=%.6g a=%.6g b=%.6g\n", l->m.r, l->m.alpha, l->m.a,
		l->m.b);
	fprintf(stderr, "bgnbd log-likelihood %.6f, %d iterations, converged%s\n", l->bg.ll,
		l->bg.iterations, l->bg.at_bound ? " with a parameter at the edge of its range "
		"(the data cannot place it: no spread between customers, or no one leaving)" : "");
	if (l->gg_failed) {
		fprintf(stderr, "gamma_gamma not fitted (%s): the expected value of a purchase is "
			"the customer's own average\n", l->gg_why);
		return;
	}
	fprintf(stderr, "gamma_gamma p=%.6g q=%.6g v=%.6g\n", l->g.p, l->g.q, l->g.v);
	fprintf(stderr, "gamma_gamma log-likelihood %.6f, %d iterations, converged%s, over %s "
		"repeat buyers of a value above 0", l->gg.ll, l->gg.iterations, l->gg.at_bound ?
		" with a parameter at the edge of its range" : "", crm_num(l->valued, a, sizeof(a)));
	if (isnan(l->correlation))
		fprintf(stderr, "; correlation of their repeat purchases and value undefined "
			"(one of them does not vary)\n");
	else
		fprintf(stderr, "; correlation of their repeat purchases and value %.4f (the model "
			"assumes none)\n", l->correlation);
}

/* --ltv: what the reader of the predictions must know, on standard error. */
static void warn_ltv(const struct cli *cli, const struct crm_rfm *r)
{
	const struct crm_rfm_ltv *l = r->ltv;
	int32_t latest = CRM_RFM_NO_DATE;
	char day[11], last[11];
	size_t i;

	if (cli->ctx->quiet || !l)
		return;
	if (l->gg_failed)
		fprintf(stderr, "crm rfm: warning: Gamma-Gamma not fitted (%s): the expected value "
			"of a purchase is each customer's own average\n", l->gg_why);
	else if (!isnan(l->correlation) && fabs(l->correlation) > 0.3)
		fprintf(stderr, "crm rfm: warning: the repeat buyers' purchases and their value "
			"correlate (%.2f): Gamma-Gamma assumes they do not, so expected_aov is "
			"doubtful\n", l->correlation);
	for (i = 0; i < r->n; i++)
		if (r->c[i].last > latest)
			latest = r->c[i].last;
	if (latest != CRM_RFM_NO_DATE && r->as_of - 1 - latest > 30) {
		crm_rfm_date(r->as_of, day);
		crm_rfm_date(latest, last);
		fprintf(stderr, "crm rfm: warning: as of %s, %d days after the latest purchase "
			"(%s): the model reads them as days no one bought\n", day,
			(int)(r->as_of - 1 - latest), last);
	}
}

/* --holdout: predicted against actual purchases in the days held out, per repeat purchases before. */
static enum crm_status holdout_table(const struct crm_rfm *r, struct crm_error *err)
{
	static const char *const cols[] = { "repeat_before", "customers", "actual", "predicted",
					    "actual_avg", "predicted_avg" };
	const struct crm_rfm_holdout *h = r->ltv->holdout;
	struct crm_out *out = NULL;
	enum crm_status s;
	char day[11], a[32];
	int k;

	crm_rfm_date(h->cal_end, day);
	fprintf(stderr, "crm rfm: holdout: fitted on the purchases before %s, predicting the %d "
		"day%s from it for the %s customers who had bought by then\n", day, (int)h->days,
		h->days == 1 ? "" : "s", crm_num(h->customers, a, sizeof(a)));
	fprintf(stderr, "bgnbd (before %s) r=%.6g alpha=%.6g a=%.6g b=%.6g, log-likelihood %.6f, "
		"%d iterations\n", day, h->m.r, h->m.alpha, h->m.a, h->m.b, h->fit.ll,
		h->fit.iterations);
	s = crm_out_open(&out, stderr, CRM_FORMAT_TABLE, cols, 6, err);
	for (k = 0; !s && k <= CRM_RFM_HOLDOUT_ROWS; k++) {
		int total = k == CRM_RFM_HOLDOUT_ROWS;
		size_t n = total ? h->customers : h->row[k].customers;
		double act = total ? h->actual : h->row[k].actual;
		double pred = total ? h->predicted : h->row[k].predicted;
		char label[16], c1[32], c2[32], c3[32], c4[32];
		struct crm_value v[6];

		if (total)
			snprintf(label, sizeof(label), "total");
		else
			snprintf(label, sizeof(label), "%d%s", k, k == CRM_RFM_HOLDOUT_ROWS - 1 ? "+"
				 : "");
		snprintf(c1, sizeof(c1), "%.0f", act);
		snprintf(c2, sizeof(c2), "%.1f", pred);
		snprintf(c3, sizeof(c3), "%.4f", n ? act / (double)n : 0.0);
		snprintf(c4, sizeof(c4), "%.4f", n ? pred / (double)n : 0.0);
		v[0] = crm_value_text(label);
		v[1] = crm_value_int((long long)n);
		v[2] = crm_value_text(c1);
		v[3] = crm_value_text(c2);
		v[4] = crm_value_text(c3);
		v[5] = crm_value_text(c4);
		s = crm_out_row(out, v, err);
	}
	if (out && !s)
		s = crm_out_close(out, err);
	else
		crm_out_free(out);
	if (!s && h->actual > 0)
		fprintf(stderr, "crm rfm: holdout: predicted %.1f purchase days, actual %.0f (%+.1f%%)\n",
			h->predicted, h->actual, 100.0 * (h->predicted - h->actual) / h->actual);
	else if (!s)
		fprintf(stderr, "crm rfm: holdout: predicted %.1f purchase days, actual none: no "
			"purchase in the days held out to compare with\n", h->predicted);
	return s;
}

/* Bins under half their nominal size: the values are too few or too tied to cut so finely. */
static void warn_small(const struct cli *cli, const struct crm_rfm *r)
{
	int d, k, any;

	if (cli->ctx->quiet || !r->n)
		return;
	for (d = 0; d < CRM_RFM_DIMS; d++) {
		for (k = 0, any = 0; k < r->o.bins; k++) {
			if (r->bin[d][k].count * 2 * (size_t)r->o.bins >= r->n)
				continue;
			fprintf(stderr, "%s%c=%d (%zu)", any ? ", " : "crm rfm: warning: ", "RFM"[d],
				k + 1, r->bin[d][k].count);
			any = 1;
		}
		if (any)
			fprintf(stderr, ": under half an even cut of %zu customer%s into %d (tied "
				"values; --explain shows them)\n", r->n, r->n == 1 ? "" : "s",
				r->o.bins);
	}
}

static void summary(const struct cli *cli, const struct crm_rfm *r)
{
	char a[32], b[32], as_of[11];

	if (cli->ctx->quiet)
		return;
	if (r->as_of == CRM_RFM_NO_DATE) {
		fprintf(stderr, "crm rfm: no dated orders: no one to score\n");
		return;
	}
	crm_rfm_date(r->as_of, as_of);
	fprintf(stderr, "crm rfm: %s customer%s scored as of %s (%s, %d bins, returns %s)",
		crm_num(r->n, a, sizeof(a)), r->n == 1 ? "" : "s", as_of, crm_rfm_method_names[r->o.method], r->o.bins,
		r->o.returns == CRM_RFM_NET ? "net" : "gross");
	if (r->unscored)
		fprintf(stderr, "; %s with only cancellations or returns, not scored",
			crm_num(r->unscored, b, sizeof(b)));
	fputc('\n', stderr);
	if (r->undated)
		fprintf(stderr, "crm rfm: warning: %s order line%s without a date left out\n",
			crm_num(r->undated, a, sizeof(a)), r->undated == 1 ? "" : "s");
	if (r->after)
		fprintf(stderr, "crm rfm: %s order line%s on or after %s left out\n",
			crm_num(r->after, a, sizeof(a)), r->after == 1 ? "" : "s", as_of);
	if (r->orphans)
		fprintf(stderr, "crm rfm: warning: %s order line%s of no customer left out\n",
			crm_num(r->orphans, a, sizeof(a)), r->orphans == 1 ? "" : "s");
	if (r->currencies > 1)
		fprintf(stderr, "crm rfm: warning: the orders are in more than one currency "
			"(%s, %s%s): monetary adds them as they are\n", r->currency[0],
			r->currency[1], r->currencies > 2 ? ", ..." : "");
}

/* --freeze-thresholds: the snapshot's bins, method and bins count, for the options. */
static enum crm_status freeze(struct cli *cli, struct crm_error *err)
{
	enum crm_status s;

	if (!cli->freeze)
		return CRM_OK;
	s = crm_rfm_thresholds(cli->ctx->db, cli->freeze, &cli->frozen, &cli->opt.method,
			       &cli->opt.bins, err);
	if (!s && cli->opt.scheme && !cli->opt.scheme->cpm && cli->opt.bins != 5)
		s = crm_error_set(err, CRM_ERR_INVALID, "run %lld scored in %d bins: scheme %s names "
				  "the cells of 5 (give --scheme none)", (long long)cli->freeze,
				  cli->opt.bins, cli->opt.scheme->name);
	if (!s)
		cli->opt.frozen = &cli->frozen;
	return s;
}

/* --save: computed and saved in one run, so that what is saved is what was read. */
static int save(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_run *run = NULL;
	struct crm_rfm *r = NULL;
	struct crm_error err;
	enum crm_status s;
	int64_t run_id = 0;
	char a[32];

	crm_error_clear(&err);
	s = crm_open_db_write(ctx, &err);
	if (!s)
		s = freeze(cli, &err);
	if (!s)
		s = crm_run_begin(ctx->db, CMD, ctx->argc, ctx->argv, cli->dry_run ? CRM_RUN_DRY : 0,
				  &run, &err);
	if (!s)
		s = crm_rfm_compute(ctx->db, &cli->opt, &r, &err);
	if (!s && cli->opt.ltv)
		s = crm_rfm_ltv(r, &err);
	if (!s)
		s = crm_rfm_save(run, r, on_save_progress, cli, &err);
	crm_progress_done(&cli->bar);
	if (!s)
		s = crm_run_count(run, "customers", (long long)r->n, &err);
	if (!s)
		s = crm_run_count(run, "not_scored", (long long)r->unscored, &err);
	if (!s)
		s = show(cli, r, &err);
	if (!s) {
		run_id = crm_run_id(run);
		s = crm_run_finish(run, CRM_RUN_OK, &err);
	}
	crm_run_free(run);
	if (s) {
		crm_rfm_free(r);
		return crm_report(CMD, &err);
	}
	summary(cli, r);
	warn_small(cli, r);
	if (cli->explain)
		explain(r);
	if (cli->explain && r->ltv)
		explain_ltv(r);
	warn_ltv(cli, r);
	if (r->ltv && r->ltv->holdout && holdout_table(r, &err)) {
		crm_rfm_free(r);
		return crm_report(CMD, &err);
	}
	if (!ctx->quiet && !r->n && r->as_of != CRM_RFM_NO_DATE)
		fprintf(stderr, "crm rfm: warning: no one had ordered by then: the snapshot is "
			"empty, and a segment of RFM fields as of that day matches no one\n");
	if (!ctx->quiet) {
		fprintf(stderr, "crm rfm: %s%s scores %s", cli->dry_run ? "dry run: " : "",
			crm_num(r->n, a, sizeof(a)), cli->dry_run ? "would be saved (nothing was)"
			: "saved");
		if (!cli->dry_run)
			fprintf(stderr, " as run %lld ('crm rfm --compare %lld' later shows who moved; "
				"'crm log revert %lld' removes them)", (long long)run_id,
				(long long)run_id, (long long)run_id);
		fputc('\n', stderr);
	}
	crm_rfm_free(r);
	return CRM_EXIT_OK;
}

static int run(struct cli *cli)
{
	struct crm_ctx *ctx = cli->ctx;
	struct crm_rfm *r = NULL;
	struct crm_error err;
	enum crm_status s;

	crm_error_clear(&err);
	cli->opt.progress = on_progress;
	cli->opt.ctx = cli;
	if (cli->save)
		return save(cli);
	s = crm_open_db(ctx, &err);
	if (!s)
		s = freeze(cli, &err);
	if (!s)
		s = crm_rfm_compute(ctx->db, &cli->opt, &r, &err);
	if (!s && cli->opt.ltv)
		s = crm_rfm_ltv(r, &err);
	crm_progress_done(&cli->bar);
	if (!s)
		s = show(cli, r, &err);
	if (!s) {
		summary(cli, r);
		warn_small(cli, r);
		if (cli->explain)
			explain(r);
		if (cli->explain && r->ltv)
			explain_ltv(r);
		warn_ltv(cli, r);
		if (r->ltv && r->ltv->holdout)
			s = holdout_table(r, &err);
	}
	crm_rfm_free(r);
	return s ? crm_report(CMD, &err) : CRM_EXIT_OK;
}

/* "70000", "500.5": money in ten-thousandths, at most 4 decimals, not negative. */
static int parse_money(const char *s, int64_t *out)
{
	int64_t v = 0;
	int places = -1;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s == '.' && places < 0) {
			places = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || places >= 4 || v > (INT64_MAX - 9) / 10 / 10000)
			return -1;
		v = v * 10 + (*s - '0');
		places += places >= 0;
	}
	for (places = places < 0 ? 0 : places; places < 4; places++)
		v *= 10;
	*out = v;
	return 0;
}

/* "12m", "90d", "26w", "2y": a length in days (a month 365.25/12, a year 365.25); -1 if not. */
static double parse_length(const char *s)
{
	static const struct { char unit; double days; } units[] = {
		{ 'd', 1 }, { 'w', 7 }, { 'm', 365.25 / 12 }, { 'y', 365.25 },
	};
	int64_t n;
	char num[16];
	size_t len = strlen(s), i;

	if (len < 2 || len - 1 >= sizeof(num))
		return -1;
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (crm_parse_positive(num, &n))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[len - 1] == units[i].unit && n * units[i].days <= 100 * 365.25)
			return (double)n * units[i].days;
	return -1;
}

/* "0.08", "8%", "8.5%": a year's rate as a fraction, from 0 to 1; -1 if not. */
static double parse_rate(const char *s)
{
	size_t len = strlen(s);
	int percent = len && s[len - 1] == '%';
	char buf[32], *end;
	double v;

	if (!len || len >= sizeof(buf) || (*s != '.' && (*s < '0' || *s > '9')))
		return -1;
	memcpy(buf, s, len - (size_t)percent);
	buf[len - (size_t)percent] = '\0';
	v = strtod(buf, &end);
	if (*end || end == buf || !(v >= 0))
		return -1;
	if (percent)
		v /= 100;
	return v <= 1 ? v : -1;
}

/* The checks of the options together, then the command. */
static int checked(struct cli *cli, int cpm_set)
{
	const char *why;

	if (!cli->opt.ltv && cli->ltv_opt)
		return usage_error("%s is for --ltv", cli->ltv_opt);
	if (cli->report && (why = crm_output_refusal(cli->report, cli->ctx->db_path)))
		return usage_error("--report '%s' %s", cli->report, why);
	if (cpm_set && cli->opt.scheme != &crm_rfm_cpm_scheme)
		return usage_error("--cpm-tenure, --cpm-amount and --cpm-lapse are for --scheme cpm%s",
				   "");
	/* first: with a frozen run, --bins is the one to drop, not the scheme */
	if (cli->freeze && (cli->bins_set || cli->method_set))
		return usage_error("--freeze-thresholds scores as that run did: drop %s",
				   cli->bins_set ? "--bins" : "--method");
	if (cli->opt.scheme && !cli->opt.scheme->cpm && cli->opt.bins != 5)
		return usage_error("scheme %s names the cells of 5 bins: with --bins %d give "
				   "--scheme none", cli->opt.scheme->name, cli->opt.bins);
	if (cli->compare && !cli->opt.scheme)
		return usage_error("--compare compares segments: it needs a scheme, not none%s", "");
	if (!cli->format_set)
		cli->format = crm_default_format();
	return run(cli);
}

/* --scheme FILE: the scheme read, the command run with it, the scheme freed. */
static int with_scheme_file(struct cli *cli, const char *path, int cpm_set)
{
	struct crm_rfm_scheme *sc = NULL;
	struct crm_error err;
	int rc;

	crm_error_clear(&err);
	if (!strchr(path, '/') && access(path, F_OK))
		return usage_error("--scheme must be rfm11, cpm, none or a scheme file, not '%s' "
				   "(no file of that name here)", path);
	if (crm_rfm_scheme_load(path, &sc, &err))
		return crm_report(CMD, &err);
	cli->opt.scheme = sc;
	rc = checked(cli, cpm_set);
	crm_rfm_scheme_free(sc);
	return rc;
}

static int cmd_rfm(int argc, char **argv, struct crm_ctx *ctx)
{
	static const char *const returns[] = { "net", "gross", NULL };
	struct crm_getopt g = { .cmd = CMD, .usage = &rfm_usage, .permute = 1 };
	struct cli cli = { .ctx = ctx };
	const char *scheme_file = NULL;
	int c, k, cpm_set = 0;
	int64_t n;

	cli.opt.as_of = CRM_RFM_NO_DATE;
	cli.opt.bins = 5;
	cli.opt.scheme = &crm_rfm_rfm11;
	cli.opt.cpm = (struct crm_rfm_cpm)CRM_RFM_CPM_DEFAULT;
	cli.opt.horizon = 365.25;
	while ((c = crm_getopt(&g, argc, argv)) >= 0) {
		switch (c) {
		case OPT_AS_OF:
			cli.opt.as_of = crm_rfm_days(g.arg);
			if (cli.opt.as_of == CRM_RFM_NO_DATE || strlen(g.arg) != 10)
				return usage_error("--as-of takes a date, YYYY-MM-DD, not '%s'", g.arg);
			break;
		case OPT_RETURNS:
			if (crm_parse_enum(g.arg, returns, &k))
				return usage_error("--returns must be net or gross, not '%s'", g.arg);
			cli.opt.returns = (enum crm_rfm_returns)k;
			break;
		case OPT_METHOD:
			if (crm_parse_enum(g.arg, crm_rfm_method_names, &k))
				return usage_error("--method must be rank, ntile or quantile, not '%s'",
						   g.arg);
			cli.opt.method = (enum crm_rfm_method)k;
			cli.method_set = 1;
			break;
		case OPT_BINS:
			if (crm_parse_positive(g.arg, &n) || n < 2 || n > CRM_RFM_MAX_BINS)
				return usage_error("--bins takes a whole number from 2 to %d, not '%s'",
						   CRM_RFM_MAX_BINS, g.arg);
			cli.opt.bins = (int)n;
			cli.bins_set = 1;
			break;
		case OPT_SCHEME:
			if (!strcmp(g.arg, "none"))
				cli.opt.scheme = NULL;
			else if (!(cli.opt.scheme = crm_rfm_scheme(g.arg)))
				scheme_file = g.arg;
			break;
		case OPT_SAVE: cli.save = 1; break;
		case OPT_COMPARE:
			if (crm_getopt_run(&g, &cli.compare))
				return g.exit;
			break;
		case OPT_CPM_TENURE: {
			int64_t a, b;
			const char *comma = strchr(g.arg, ',');
			char first[32];

			if (!comma || (size_t)(comma - g.arg) >= sizeof(first))
				return usage_error("--cpm-tenure takes two numbers of days, such as "
						   "90,210, not '%s'", g.arg);
			memcpy(first, g.arg, (size_t)(comma - g.arg));
			first[comma - g.arg] = '\0';
			if (crm_parse_positive(first, &a) || crm_parse_positive(comma + 1, &b) ||
			    a >= b || b > 100000)
				return usage_error("--cpm-tenure takes two numbers of days, the first "
						   "below the second, such as 90,210, not '%s'", g.arg);
			cli.opt.cpm.tenure1 = (int32_t)a;
			cli.opt.cpm.tenure2 = (int32_t)b;
			cpm_set = 1;
			break;
		}
		case OPT_CPM_AMOUNT:
			if (parse_money(g.arg, &cli.opt.cpm.amount))
				return usage_error("--cpm-amount takes an amount of money, such as 70000 "
						   "or 500.50, not '%s'", g.arg);
			cpm_set = 1;
			break;
		case OPT_CPM_LAPSE:
			if (crm_parse_positive(g.arg, &n) || n > 100000)
				return usage_error("--cpm-lapse takes a number of days, such as 240, "
						   "not '%s'", g.arg);
			cli.opt.cpm.lapse = (int32_t)n;
			cpm_set = 1;
			break;
		case OPT_FREEZE:
			if (crm_getopt_run(&g, &cli.freeze))
				return g.exit;
			break;
		case OPT_REPORT: cli.report = g.arg; break;
		case OPT_LTV: cli.opt.ltv = 1; break;
		case OPT_HORIZON:
			if ((cli.opt.horizon = parse_length(g.arg)) <= 0)
				return usage_error("--horizon takes a length such as 12m, 90d, 26w or "
						   "2y (at most 100 years), not '%s'", g.arg);
			cli.ltv_opt = cli.ltv_opt ? cli.ltv_opt : "--horizon";
			break;
		case OPT_DISCOUNT:
			if ((cli.opt.discount = parse_rate(g.arg)) < 0)
				return usage_error("--discount takes a year's rate such as 0.08 or 8%% "
						   "(at most 1, or 100%%), not '%s'", g.arg);
			cli.ltv_opt = cli.ltv_opt ? cli.ltv_opt : "--discount";
			break;
		case OPT_HOLDOUT: {
			char days[24];
			size_t len = strlen(g.arg);

			/* "90" or "90d": days either way */
			snprintf(days, sizeof(days), "%.*s", (int)(len && g.arg[len - 1] == 'd' ?
								   len - 1 : len), g.arg);
			if (len >= sizeof(days) || crm_parse_positive(days, &n) || n > 36500)
				return usage_error("--holdout takes a number of days from 1 to 36500, "
						   "such as 90, not '%s'", g.arg);
			cli.opt.holdout = (int32_t)n;
			cli.ltv_opt = cli.ltv_opt ? cli.ltv_opt : "--holdout";
			break;
		}
		case OPT_EXPLAIN: cli.explain = 1; break;
		case CRM_OPT_ID_DRY_RUN: cli.dry_run = 1; break;
		case CRM_OPT_ID_FORMAT:
			if (crm_getopt_format(&g, &cli.format))
				return g.exit;
			cli.format_set = 1;
			break;
		}
	}
	if (c == CRM_GETOPT_EXIT)
		return g.exit;
	if (g.optind < argc)
		return usage_error("unexpected argument '%s'", argv[g.optind]);
	if (cli.dry_run && !cli.save)
		return usage_error("--dry-run is for --save (without it rfm changes nothing)%s", "");
	if (scheme_file)
		return with_scheme_file(&cli, scheme_file, cpm_set);
	return checked(&cli, cpm_set);
}

const struct crm_cmd crm_cmd_rfm = {
	"rfm", cmd_rfm, CRM_CMD_DB_READ,
	"score customers by recency, frequency and monetary value (RFM), and LTV", &rfm_usage,
};
