/*
 * crm rfm --report FILE.html: one self-contained HTML file an analyst can
 * mail, that opens offline: inline CSS and SVG, no script, no font or
 * image from the network. The segments as bars (customers and monetary
 * shares), the R x FM heat map, the thresholds, and with --compare the
 * migration matrix as a heat map and the flows between segments. Written
 * to a temporary file and renamed: whole or not at all.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rfm.h"
#include "safefile.h"
#include "banned.h"

/* s with & < > " escaped. */
static void esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp); break;
		}
	}
}

/* A shade of green for share x in [0, 1]: white to deep. */
static void shade(FILE *fp, double x)
{
	int g = 255 - (int)(x * 150), rb = 255 - (int)(x * 230);

	fprintf(fp, "rgb(%d,%d,%d)", rb < 0 ? 0 : rb, g < 0 ? 0 : g, rb < 0 ? 0 : rb);
}

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:60em}"
	"h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
	"text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}"
	"svg text{font-size:12px;font-family:sans-serif}";

/* Segments: a bar each for its share of customers and of monetary. */
static void segment_bars(FILE *fp, const struct crm_rfm *r)
{
	size_t n[CRM_RFM_MAX_SEGMENTS] = { 0 }, i;
	double money[CRM_RFM_MAX_SEGMENTS] = { 0 }, all = 0;
	int k, nseg = 0, y;

	while (r->o.scheme->segments[nseg])
		nseg++;
	for (i = 0; i < r->n; i++) {
		n[r->c[i].segment]++;
		money[r->c[i].segment] += (double)r->c[i].monetary;
		all += (double)r->c[i].monetary;
	}
	fprintf(fp, "<h2>Segments</h2>\n<svg width=\"640\" height=\"%d\" role=\"img\">\n",
		30 + nseg * 34);
	fprintf(fp, "<rect x=\"180\" y=\"4\" width=\"10\" height=\"10\" fill=\"#4a7ab5\"/>"
		"<text x=\"195\" y=\"13\">customers</text><rect x=\"290\" y=\"4\" width=\"10\" "
		"height=\"10\" fill=\"#e09040\"/><text x=\"305\" y=\"13\">monetary</text>\n");
	for (k = 0; k < nseg; k++) {
		double cs = r->n ? (double)n[k] / (double)r->n : 0;
		double ms = all > 0 && money[k] > 0 ? money[k] / all : 0;

		y = 24 + k * 34;
		fprintf(fp, "<text x=\"0\" y=\"%d\">", y + 14);
		esc(fp, r->o.scheme->segments[k]);
		fprintf(fp, "</text>\n<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"13\" "
			"fill=\"#4a7ab5\"/><text x=\"%.1f\" y=\"%d\">%zu (%.1f%%)</text>\n", y,
			cs * 360, 184 + cs * 360, y + 11, n[k], cs * 100);
		fprintf(fp, "<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"13\" fill=\"#e09040\"/>"
			"<text x=\"%.1f\" y=\"%d\">%.1f%%</text>\n", y + 15, ms * 360,
			184 + ms * 360, y + 26, ms * 100);
	}
	fputs("</svg>\n", fp);
}

/* The R x FM heat map of counts, R at the top from the best. */
static void heat_map(FILE *fp, const struct crm_rfm *r)
{
	size_t cell[CRM_RFM_MAX_BINS][CRM_RFM_MAX_BINS], most = crm_rfm_grid(r, cell);
	int b = r->o.bins, x, y;

	most += !most;
	fprintf(fp, "<h2>Customers by R and FM = (F + M + 1) / 2</h2>\n"
		"<svg width=\"%d\" height=\"%d\" role=\"img\">\n", 60 + b * 64, 50 + b * 44);
	for (y = b; y >= 1; y--) {
		int py = 10 + (b - y) * 44;

		fprintf(fp, "<text x=\"10\" y=\"%d\">R %d</text>\n", py + 26, y);
		for (x = 1; x <= b; x++) {
			size_t c = cell[y - 1][x - 1];

			fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"60\" height=\"40\" fill=\"",
				50 + (x - 1) * 64, py);
			shade(fp, (double)c / (double)most);
			fprintf(fp, "\" stroke=\"#ccc\"/><text x=\"%d\" y=\"%d\">%zu</text>\n",
				58 + (x - 1) * 64, py + 25, c);
		}
	}
	for (x = 1; x <= b; x++)
		fprintf(fp, "<text x=\"%d\" y=\"%d\">FM %d</text>\n", 64 + (x - 1) * 64,
			30 + b * 44, x);
	fputs("</svg>\n", fp);
}

static void thresholds(FILE *fp, const struct crm_rfm *r)
{
	static const char *const dim[CRM_RFM_DIMS] = { "recency (days)", "frequency (orders)",
						       "monetary" };
	int d, k;

	fputs("<h2>What each score stands for</h2>\n<table><tr><th class=\"l\">value</th>"
	      "<th>score</th><th>lowest</th><th>highest</th><th>customers</th></tr>\n", fp);
	for (d = 0; d < CRM_RFM_DIMS; d++)
		for (k = r->o.bins; k >= 1; k--) {
			const struct crm_rfm_bin *b = &r->bin[d][k - 1];
			char lo[32], hi[32];

			crm_rfm_value(d, b->lo, lo);
			crm_rfm_value(d, b->hi, hi);
			fprintf(fp, "<tr><td class=\"l\">%s</td><td>%d</td><td>%s</td><td>%s</td>"
				"<td>%zu</td></tr>\n", dim[d], k, b->count ? lo : "",
				b->count ? hi : "", b->count);
		}
	fputs("</table>\n", fp);
}

/* ---- --ltv ---------------------------------------------------------------------- */

#define LTV_BUCKETS 24

/*
 * The edges of the LTV histogram: 0, then 1, 2, 5 times the powers of
 * ten up to the largest value, from the power that leaves four decades
 * at most; *n of them (the last bucket open above).
 */
static int ltv_edges(double most, double *edge)
{
	static const double step[] = { 1, 2, 5 };
	double p = 1;
	int n = 0, k;

	edge[n++] = 0;
	while (most / p >= 1e4)
		p *= 10;
	for (; n < LTV_BUCKETS - 1; p *= 10)
		for (k = 0; k < 3 && n < LTV_BUCKETS - 1; k++) {
			if (step[k] * p > most && n > 1)
				return n;
			edge[n++] = step[k] * p;
		}
	return n;
}

/* The customers by LTV (money to date plus the predicted value), in buckets of 1-2-5 steps. */
static void ltv_histogram(FILE *fp, const struct crm_rfm *r)
{
	double edge[LTV_BUCKETS], most = 0;
	size_t count[LTV_BUCKETS + 1] = { 0 }, top = 1, i;
	int n, k, y;

	for (i = 0; i < r->n; i++)
		most = fmax(most, (double)crm_rfm_ltv_total(r, i) / 10000);
	n = ltv_edges(most, edge);
	for (i = 0; i < r->n; i++) {
		double v = (double)crm_rfm_ltv_total(r, i) / 10000;

		/* bucket 0: below 0; bucket k: from edge[k - 1] */
		for (k = n; k > 0 && v < edge[k - 1]; k--)
			;
		count[k]++;
	}
	for (k = 0; k <= n; k++)
		top = count[k] > top ? count[k] : top;
	fprintf(fp, "<h2>LTV: money to date plus the predicted value</h2>\n"
		"<svg width=\"640\" height=\"%d\" role=\"img\">\n", 10 + (n + 1) * 20);
	for (k = 0, y = 4; k <= n; k++) {
		double w = 360.0 * (double)count[k] / (double)top;

		if (!k && !count[0])
			continue;
		if (!k)
			fprintf(fp, "<text x=\"0\" y=\"%d\">below 0</text>", y + 11);
		else if (k < n)
			fprintf(fp, "<text x=\"0\" y=\"%d\">%.0f to %.0f</text>", y + 11, edge[k - 1],
				edge[k]);
		else
			fprintf(fp, "<text x=\"0\" y=\"%d\">%.0f and more</text>", y + 11, edge[k - 1]);
		fprintf(fp, "<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#4a7ab5\"/>"
			"<text x=\"%.1f\" y=\"%d\">%zu</text>\n", y, w, 184 + w, y + 11, count[k]);
		y += 20;
	}
	fputs("</svg>\n", fp);
}

/* Per segment: the value predicted and the value at risk, as bars. */
static void value_at_risk(FILE *fp, const struct crm_rfm *r)
{
	double value[CRM_RFM_MAX_SEGMENTS] = { 0 }, risk[CRM_RFM_MAX_SEGMENTS] = { 0 }, top = 0;
	int k, nseg = 0, y;
	size_t i;

	while (r->o.scheme->segments[nseg])
		nseg++;
	for (i = 0; i < r->n; i++) {
		value[r->c[i].segment] += r->ltv->c[i].value;
		risk[r->c[i].segment] += r->ltv->c[i].if_alive - r->ltv->c[i].value;
	}
	for (k = 0; k < nseg; k++)
		top = fmax(top, fmax(value[k], risk[k]));
	top += top <= 0;
	fprintf(fp, "<h2>Value predicted and value at risk, by segment</h2>\n<p>At risk: what "
		"the segment's customers would bring over the horizon were every one of them "
		"still buying, less what the model predicts they bring.</p>\n"
		"<svg width=\"640\" height=\"%d\" role=\"img\">\n", 30 + nseg * 34);
	fprintf(fp, "<rect x=\"180\" y=\"4\" width=\"10\" height=\"10\" fill=\"#4a7ab5\"/>"
		"<text x=\"195\" y=\"13\">predicted</text><rect x=\"290\" y=\"4\" width=\"10\" "
		"height=\"10\" fill=\"#c0392b\"/><text x=\"305\" y=\"13\">at risk</text>\n");
	for (k = 0; k < nseg; k++) {
		double a = 360 * fmax(value[k], 0) / top, b = 360 * fmax(risk[k], 0) / top;

		y = 24 + k * 34;
		fprintf(fp, "<text x=\"0\" y=\"%d\">", y + 14);
		esc(fp, r->o.scheme->segments[k]);
		fprintf(fp, "</text>\n<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"13\" "
			"fill=\"#4a7ab5\"/><text x=\"%.1f\" y=\"%d\">%.0f</text>\n", y, a, 184 + a,
			y + 11, value[k]);
		fprintf(fp, "<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"13\" fill=\"#c0392b\"/>"
			"<text x=\"%.1f\" y=\"%d\">%.0f</text>\n", y + 15, b, 184 + b, y + 26, risk[k]);
	}
	fputs("</svg>\n", fp);
}

/* --holdout: the table of actual and predicted purchases per repeat purchases before. */
static void holdout(FILE *fp, const struct crm_rfm_holdout *h)
{
	char day[11];
	int k;

	crm_rfm_date(h->cal_end, day);
	fprintf(fp, "<h2>Calibration and holdout</h2>\n<p>Fitted on the purchases before %s "
		"(r=%.4g, alpha=%.4g, a=%.4g, b=%.4g), then predicting the %d days from it for "
		"the %zu customers who had bought by then.</p>\n<table><tr><th class=\"l\">repeat "
		"purchases before</th><th>customers</th><th>actual</th><th>predicted</th>"
		"<th>actual per customer</th><th>predicted per customer</th></tr>\n", day, h->m.r,
		h->m.alpha, h->m.a, h->m.b, (int)h->days, h->customers);
	for (k = 0; k <= CRM_RFM_HOLDOUT_ROWS; k++) {
		int total = k == CRM_RFM_HOLDOUT_ROWS;
		size_t n = total ? h->customers : h->row[k].customers;
		double act = total ? h->actual : h->row[k].actual;
		double pred = total ? h->predicted : h->row[k].predicted;

		if (total)
			fputs("<tr><th class=\"l\">total</th>", fp);
		else
			fprintf(fp, "<tr><td class=\"l\">%d%s</td>", k,
				k == CRM_RFM_HOLDOUT_ROWS - 1 ? " and more" : "");
		fprintf(fp, "<td>%zu</td><td>%.0f</td><td>%.1f</td><td>%.4f</td><td>%.4f</td></tr>\n",
			n, act, pred, n ? act / (double)n : 0.0, n ? pred / (double)n : 0.0);
	}
	fputs("</table>\n", fp);
}

static void ltv(FILE *fp, const struct crm_rfm *r)
{
	const struct crm_rfm_ltv *l = r->ltv;
	double value = 0, risk = 0;
	char h[32];
	size_t i;

	for (i = 0; i < r->n; i++) {
		value += l->c[i].value;
		risk += l->c[i].if_alive - l->c[i].value;
	}
	crm_rfm_horizon_text(r->o.horizon, h, sizeof(h));
	fprintf(fp, "<h2>Lifetime value (LTV)</h2>\n<p>Over the next %s%s: %.0f predicted, "
		"%.0f at risk. BG/NBD r=%.4g, alpha=%.4g, a=%.4g, b=%.4g (time in days)", h,
		r->o.discount > 0 ? " (discounted)" : "", value, risk, l->m.r, l->m.alpha, l->m.a,
		l->m.b);
	if (l->gg_failed)
		fputs("; Gamma-Gamma not fitted, each customer's own average value used", fp);
	else
		fprintf(fp, "; Gamma-Gamma p=%.4g, q=%.4g, v=%.4g", l->g.p, l->g.q, l->g.v);
	fputs(".</p>\n", fp);
	if (r->n)
		ltv_histogram(fp, r);
	if (r->o.scheme && r->n)
		value_at_risk(fp, r);
	if (l->holdout)
		holdout(fp, l->holdout);
}

/* The name of row or column i of m: a segment, or new/gone at nseg. */
static const char *move_name(const struct crm_rfm *r, const struct crm_rfm_moves *m, size_t i,
			     int row)
{
	return i < m->nseg ? r->o.scheme->segments[i] : row ? "(new)" : "(gone)";
}

/*
 * The height a segment's band takes in the flows: its customers' share,
 * but at least a line of its label's text (12px), so that the labels of
 * small segments side by side do not overlap.
 */
static double band(double customers, double scale)
{
	return customers * scale > 8 ? customers * scale : 8;
}

/* --compare: the matrix as a heat map, then the flows from then (left) to now (right). */
static void moves(FILE *fp, const struct crm_rfm *r, const struct crm_rfm_moves *m,
		  int64_t run)
{
	size_t i, j, most = 1, total = 0, side = m->nseg + 1;
	double left[CRM_RFM_MAX_SEGMENTS + 1] = { 0 }, right[CRM_RFM_MAX_SEGMENTS + 1] = { 0 };
	double lt = 0, rt = 0, h = 400, scale;
	double lo[CRM_RFM_MAX_SEGMENTS + 1], ro[CRM_RFM_MAX_SEGMENTS + 1];

	for (i = 0; i < side; i++)
		for (j = 0; j < side; j++) {
			if (m->cell[i][j] > most)
				most = m->cell[i][j];
			total += m->cell[i][j];
			left[i] += (double)m->cell[i][j];
			right[j] += (double)m->cell[i][j];
		}
	fprintf(fp, "<h2>Who moved since run %lld (rows: then, columns: now)</h2>\n<table><tr>"
		"<th class=\"l\">then \\ now</th>", (long long)run);
	for (j = 0; j < side; j++) {
		fputs("<th>", fp);
		esc(fp, move_name(r, m, j, 0));
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	for (i = 0; i < side; i++) {
		fputs("<tr><th class=\"l\">", fp);
		esc(fp, move_name(r, m, i, 1));
		fputs("</th>", fp);
		for (j = 0; j < side; j++) {
			fputs("<td style=\"background:", fp);
			shade(fp, (double)m->cell[i][j] / (double)most);
			fprintf(fp, "\">%zu</td>", m->cell[i][j]);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
	if (!total)
		return;
	/* The flows: each band as wide as the customers that moved that way. */
	scale = (h - side * 6) / (double)total;
	for (i = 0; i < side; i++) {
		lo[i] = 10 + lt;
		ro[i] = 10 + rt;
		lt += band(left[i], scale) + 6;
		rt += band(right[i], scale) + 6;
	}
	fprintf(fp, "<h2>Flows</h2>\n<svg width=\"720\" height=\"%.0f\" role=\"img\">\n",
		(lt > rt ? lt : rt) + 20);
	for (i = 0; i < side; i++)
		for (j = 0; j < side; j++) {
			double w = (double)m->cell[i][j] * scale, y1, y2;

			if (!m->cell[i][j])
				continue;
			y1 = lo[i] + w / 2;
			y2 = ro[j] + w / 2;
			fprintf(fp, "<path d=\"M170 %.1f C360 %.1f 360 %.1f 550 %.1f\" fill=\"none\" "
				"stroke=\"#4a7ab5\" stroke-opacity=\"0.35\" stroke-width=\"%.1f\"/>\n",
				y1, y1, y2, y2, w < 1 ? 1 : w);
			lo[i] += w;
			ro[j] += w;
		}
	for (i = 0, lt = 10, rt = 10; i < side; i++) {
		fprintf(fp, "<rect x=\"160\" y=\"%.1f\" width=\"10\" height=\"%.1f\" fill=\"#333\"/>"
			"<text x=\"150\" y=\"%.1f\" text-anchor=\"end\">", lt, left[i] * scale + 0.5,
			lt + 10);
		esc(fp, move_name(r, m, i, 1));
		fprintf(fp, " %.0f</text>\n<rect x=\"550\" y=\"%.1f\" width=\"10\" height=\"%.1f\" "
			"fill=\"#333\"/><text x=\"570\" y=\"%.1f\">", left[i], rt,
			right[i] * scale + 0.5, rt + 10);
		esc(fp, move_name(r, m, i, 0));
		fprintf(fp, " %.0f</text>\n", right[i]);
		lt += band(left[i], scale) + 6;
		rt += band(right[i], scale) + 6;
	}
	fputs("</svg>\n", fp);
}

enum crm_status crm_rfm_report(const struct crm_rfm *r, const struct crm_rfm_moves *m,
			       int64_t run, const char *path, struct crm_error *err)
{
	struct crm_safefile *f = NULL;
	enum crm_status s = crm_safefile_open(&f, path, 0, err);
	char as_of[11] = "";
	FILE *fp;

	if (s)
		return s;
	fp = crm_safefile_fp(f);
	if (r->as_of != CRM_RFM_NO_DATE)
		crm_rfm_date(r->as_of, as_of);
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
		"<title>crm rfm, as of %s</title><style>%s</style></head><body>\n"
		"<h1>RFM, as of %s</h1>\n<p>%zu customers scored (%s, %d bins, returns %s", as_of,
		style, as_of, r->n, crm_rfm_method_names[r->o.method], r->o.bins,
		r->o.returns == CRM_RFM_NET ? "net" : "gross");
	if (r->o.scheme) {
		fputs(", scheme ", fp);
		esc(fp, r->o.scheme->name);
	}
	fprintf(fp, "); %zu with only cancellations or returns, not scored.</p>\n", r->unscored);
	if (r->o.scheme && r->n)
		segment_bars(fp, r);
	if (r->n)
		heat_map(fp, r);
	thresholds(fp, r);
	if (m)
		moves(fp, r, m, run);
	if (r->ltv)
		ltv(fp, r);
	fputs("<p>Made by crm rfm; see crm-rfm(1) for the definitions.</p>\n</body></html>\n", fp);
	if (ferror(fp)) {
		crm_safefile_abort(f);
		return crm_error_set(err, CRM_ERR_IO, "cannot write %s", path);
	}
	return crm_safefile_commit(f, err);
}
