/*
 * Benchmark of the normalizers, one by one: reads a customer CSV (by
 * default made by bench-gen: the columns of a Japanese export), and times
 * each normalizer on every value of its column, and the bare cleaning
 * (crm_ft_clean: NFKC, spaces, dashes) they all start with, as the
 * baseline measured in the same run. Prints nanoseconds per value and
 * the ratio to the cleaning, so that a change to a normalizer shows what
 * it costs where import spends most of its time (#13).
 *
 * usage: bench-normalize FILE [PASSES]    (PASSES default 3: the best one counts)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "ftypeint.h"
#include "normalize.h"
#include "banned.h"

typedef enum crm_status (*norm_fn)(const char *s, struct crm_norm *out, struct crm_error *err);

/* The columns of bench-gen's customers, and what normalizes each. */
static const struct {
	const char *header;
	const char *name;
	norm_fn fn;
} columns[] = {
	{ "氏名", "name", crm_normalize_name },
	{ "フリガナ", "kana", crm_normalize_kana },
	{ "会社名", "company", crm_normalize_company },
	{ "部署", "text", crm_normalize_text },
	{ "メールアドレス", "email", crm_normalize_email },
	{ "電話番号", "phone", crm_normalize_phone },
	{ "携帯電話", "phone (mobile)", crm_normalize_phone },
	{ "郵便番号", "postal", crm_normalize_postal },
	{ "住所", "address", crm_normalize_address },
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

struct values {
	char **v;
	size_t n, alloc;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add(struct values *vs, const char *s)
{
	if (vs->n == vs->alloc) {
		size_t a = vs->alloc ? vs->alloc * 2 : 1024;
		char **v = realloc(vs->v, a * sizeof(*v));

		if (!v)
			return -1;
		vs->v = v;
		vs->alloc = a;
	}
	return (vs->v[vs->n++] = strdup(s)) ? 0 : -1;
}

/* Every non-empty value of each known column of the file. */
static int load(const char *path, struct values *vs)
{
	struct crm_csv_reader *r = NULL;
	struct crm_csv_record rec;
	struct crm_error err;
	int col_of[64];
	size_t c, k;
	enum crm_status s;
	FILE *fp = fopen(path, "rb");

	if (!fp || crm_csv_reader_open(&r, fp, path, NULL, &err) || crm_csv_read(r, &rec, &err)) {
		fprintf(stderr, "bench-normalize: cannot read %s\n", path);
		return -1;
	}
	for (c = 0; c < rec.nfields && c < 64; c++) {
		col_of[c] = -1;
		for (k = 0; k < NCOLS; k++)
			if (!strcmp(rec.fields[c], columns[k].header))
				col_of[c] = (int)k;
	}
	while ((s = crm_csv_read(r, &rec, &err)) != CRM_EOF) {
		if (s)
			continue;
		for (c = 0; c < rec.nfields && c < 64; c++)
			if (col_of[c] >= 0 && rec.lens[c] && add(&vs[col_of[c]], rec.fields[c]))
				return -1;
	}
	crm_csv_reader_free(r);
	fclose(fp);
	return 0;
}

/* Seconds for fn over every value, the best of passes. */
static double best(norm_fn fn, const struct values *vs, int passes)
{
	struct crm_norm out = CRM_NORM_INIT;
	struct crm_error err;
	double b = 0;
	size_t i;
	int p;

	for (p = 0; p < passes; p++) {
		double t = now();

		for (i = 0; i < vs->n; i++)
			fn(vs->v[i], &out, &err);
		t = now() - t;
		if (!p || t < b)
			b = t;
	}
	crm_norm_release(&out);
	return b;
}

/* The cleaning alone, as a normalizer that keeps its text. */
static enum crm_status clean_only(const char *s, struct crm_norm *out, struct crm_error *err)
{
	char *t;
	enum crm_status st = crm_ft_clean(s, &t, err);

	free(t);
	(void)out;
	return st;
}

int main(int argc, char **argv)
{
	struct values vs[NCOLS] = { { 0 } };
	int passes = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	double total = 0, total_clean = 0;
	size_t k, i, n = 0;

	if (argc < 2 || passes < 1) {
		fputs("usage: bench-normalize FILE [PASSES]\n", stderr);
		return 2;
	}
	if (load(argv[1], vs))
		return 1;
	printf("%-16s %9s %10s %10s %7s\n", "normalizer", "values", "ns/value", "clean ns", "ratio");
	for (k = 0; k < NCOLS; k++) {
		double t, c;

		if (!vs[k].n)
			continue;
		t = best(columns[k].fn, &vs[k], passes);
		c = best(clean_only, &vs[k], passes);
		printf("%-16s %9zu %10.0f %10.0f %7.2f\n", columns[k].name, vs[k].n,
		       t * 1e9 / (double)vs[k].n, c * 1e9 / (double)vs[k].n, t / c);
		total += t;
		total_clean += c;
		n += vs[k].n;
	}
	printf("%-16s %9zu %10.0f %10.0f %7.2f\n", "all", n, total * 1e9 / (double)n,
	       total_clean * 1e9 / (double)n, total / total_clean);
	for (k = 0; k < NCOLS; k++) {
		for (i = 0; i < vs[k].n; i++)
			free(vs[k].v[i]);
		free(vs[k].v);
	}
	return 0;
}
