/*
 * Benchmark of the CSV reader: reads FILE with crm's reader (line numbers,
 * encoding detection and conversion, error checks) and with a bare libcsv
 * loop, in the same run, and prints both wall times, the ratio and the
 * reader's peak RSS. The bare loop is the floor: it does no line
 * numbering, no decoding and no checking.
 *
 * usage: bench-csvread [FILE]   (default ../shared/data/online_retail/online_retail.csv)
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "crm.h"
#include "banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long bare_records, bare_bytes;

static void bare_field(void *s, size_t len, void *data)
{
	(void)s;
	(void)data;
	bare_bytes += len;
}

static void bare_record(int c, void *data)
{
	(void)c;
	(void)data;
	bare_records++;
}

static int run_bare(const char *path)
{
	static char buf[65536];
	struct csv_parser p;
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp || csv_init(&p, 0) != 0) {
		perror(path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (csv_parse(&p, buf, n, bare_field, bare_record, NULL) != n)
			break;
	csv_fini(&p, bare_field, bare_record, NULL);
	csv_free(&p);
	fclose(fp);
	return 0;
}

static int run_crm(const char *path, unsigned long *good, unsigned long *bad,
		   unsigned long long *bytes, const char **enc)
{
	struct crm_csv_read_options o = { .expect_fields = 0 };
	struct crm_csv_reader *r;
	struct crm_csv_record rec;
	struct crm_error err;
	enum crm_status s;
	FILE *fp = fopen(path, "rb");
	size_t i;

	if (!fp || crm_csv_reader_open(&r, fp, path, &o, &err)) {
		perror(path);
		return -1;
	}
	while ((s = crm_csv_read(r, &rec, &err)) != CRM_EOF) {
		if (s == CRM_OK) {
			(*good)++;
			for (i = 0; i < rec.nfields; i++)
				*bytes += rec.lens[i];
		} else if (s == CRM_ERR_CSV || s == CRM_ERR_ENCODING || s == CRM_ERR_TOOBIG) {
			if (*bad < 5) {
				char msg[1400];

				fprintf(stderr, "  rejected: %s\n", crm_error_format(&err, msg, sizeof(msg)));
			}
			(*bad)++;
		} else {
			fprintf(stderr, "bench-csvread: %s\n", err.message);
			crm_csv_reader_free(r);
			fclose(fp);
			return -1;
		}
	}
	*enc = crm_encoding_name(crm_csv_encoding(r));
	crm_csv_reader_free(r);
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "../shared/data/online_retail/online_retail.csv";
	unsigned long good = 0, bad = 0;
	unsigned long long bytes = 0;
	const char *enc = "?";
	struct rusage ru;
	double t0, t_bare, t_crm;

	t0 = now();
	if (run_bare(path))
		return 1;
	t_bare = now() - t0;
	t0 = now();
	if (run_crm(path, &good, &bad, &bytes, &enc))
		return 1;
	t_crm = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("file: %s (%s)\n", path, enc);
	printf("bare libcsv:  %8.3f s  %lu records\n", t_bare, bare_records);
	printf("crm reader:   %8.3f s  %lu records, %lu rejected\n", t_crm, good, bad);
	printf("ratio crm/bare: %.2f\n", t_bare > 0 ? t_crm / t_bare : 0.0);
	printf("peak RSS: %ld KB\n", ru.ru_maxrss);
	return 0;
}
