/*
 * The fuzz targets and their oracles (targets.h). Field types come from
 * the catalogue, so a new type is fuzzed without a line here:
 *
 *   normalizer  a value it accepts gives valid UTF-8 that it accepts again
 *               and normalizes to itself, unchanged (an address only when
 *               no prefecture or city was split off: the rest of the
 *               address no longer says which they were)
 *   check       what import's check accepts for a record in Japan, the
 *               normalizer accepts too (the two must agree: #12), and
 *               the converse on text of the common characters
 *   parser      a date, time, amount, number, flag or gender it reads
 *               gives a value that it reads again as the same value
 *
 * and "csv" reads a whole file: every record's fields are valid UTF-8,
 * NUL-terminated at their length, and their line numbers advance.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "csvio.h"
#include "ftype.h"
#include "ftype-basic.h"
#include "ftype-date.h"
#include "utf8.h"

int fuzz_abort_on_failure;
unsigned long fuzz_failures;

__attribute__((format(printf, 3, 4)))
static void fail(const char *target, const char *input, const char *fmt, ...)
{
	va_list ap;
	const unsigned char *p;

	fprintf(stderr, "fuzz %s: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; input \"", stderr);
	for (p = (const unsigned char *)input; p && *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\')
			fprintf(stderr, "\\u%04x", *p);
		else
			fputc(*p, stderr);
	fputs("\"\n", stderr);
	fuzz_failures++;
	if (fuzz_abort_on_failure)
		abort();
}

static int valid_utf8(const char *s)
{
	int32_t cp;
	int n;

	for (; *s; s += n)
		if ((n = crm_utf8_decode(s, -1, &cp)) < 0)
			return 0;
	return 1;
}

/* The input as a C string: up to its first NUL, as a field value is. */
static char *text_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* --- Field types --------------------------------------------------------- */

static void normalizer_oracle(const struct crm_fieldtype *t, const char *s)
{
	struct crm_norm n1 = CRM_NORM_INIT, n2 = CRM_NORM_INIT;
	struct crm_error e;
	enum crm_status st;

	if (t->normalize(s, &n1, &e) != CRM_OK)
		goto out;
	if (!valid_utf8(n1.value)) {
		fail(t->name, s, "the output is not valid UTF-8");
		goto out;
	}
	st = t->normalize(n1.value, &n2, &e);
	if (st == CRM_EOF && !*n1.value)
		goto out;
	if (st != CRM_OK) {
		fail(t->name, s, "rejects its own output \"%s\": %s", n1.value, e.message);
		goto out;
	}
	if (n1.prefecture || n1.city)
		goto out;
	if (strcmp(n2.value, n1.value) || n2.changed)
		fail(t->name, s, "not idempotent: \"%s\" then \"%s\"", n1.value, n2.value);
out:
	crm_norm_release(&n1);
	crm_norm_release(&n2);
}

/*
 * What import accepts for a record in Japan, cleanse's normalizer accepts;
 * and what the normalizer accepts of text of the common characters
 * (crm_norm.plain), import's check accepts: import takes the normalizer's
 * word for it then, and does not check again.
 */
static void check_oracle(const struct crm_fieldtype *t, const char *s)
{
	struct crm_norm n = CRM_NORM_INIT;
	struct crm_error e, ec;
	enum crm_status st, cs;

	cs = t->check(s, 1, &ec);
	st = t->normalize(s, &n, &e);
	if (cs == CRM_OK && st != CRM_OK)
		fail(t->name, s, "import accepts it, cleanse says: %s",
		     st == CRM_EOF ? "no value" : e.message);
	if (st == CRM_OK && n.plain && cs != CRM_OK)
		fail(t->name, s, "cleanse accepts it (common characters), import says: %s",
		     cs == CRM_EOF ? "no value" : ec.message);
	crm_norm_release(&n);
}

/* Dates and times: the value read is read again as itself. */
static void date_oracle(const char *name, const char *s)
{
	char a[CRM_DATETIME_SIZE], b[CRM_DATETIME_SIZE];
	int datetime = !strcmp(name, "datetime");
	enum crm_status st;

	st = datetime ? crm_parse_datetime(s, a, NULL) : crm_parse_date(s, a, NULL);
	if (st != CRM_OK)
		return;
	st = datetime ? crm_parse_datetime(a, b, NULL) : crm_parse_date(a, b, NULL);
	if (st != CRM_OK || strcmp(a, b))
		fail(name, s, "reads as \"%s\", which reads as %s", a,
		     st != CRM_OK ? "nothing" : b);
}

/* Amounts and numbers: written plainly, they read as the same number. */
static void number_oracle(const char *name, const char *s)
{
	int money = !strcmp(name, "money");
	int64_t v, w;
	char buf[48];
	enum crm_status st;

	st = money ? crm_parse_money(s, &v, NULL) : crm_parse_int(s, &v, NULL);
	if (st != CRM_OK)
		return;
	if (money)
		snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%04" PRIu64, v < 0 ? "-" : "",
			 (v < 0 ? -(uint64_t)v : (uint64_t)v) / 10000,
			 (v < 0 ? -(uint64_t)v : (uint64_t)v) % 10000);
	else
		snprintf(buf, sizeof(buf), "%" PRId64, v);
	st = money ? crm_parse_money(buf, &w, NULL) : crm_parse_int(buf, &w, NULL);
	if (st != CRM_OK || w != v)
		fail(name, s, "reads as %" PRId64 ", written \"%s\", which reads as %s", v, buf,
		     st != CRM_OK ? "nothing" : "another number");
}

static void flag_oracle(const char *s)
{
	int b, c;

	if (crm_parse_flag(s, &b, NULL) != CRM_OK)
		return;
	if ((b != 0 && b != 1) || crm_parse_flag(b ? "1" : "0", &c, NULL) != CRM_OK || c != b)
		fail("flag", s, "reads as %d, which does not read back", b);
}

static void gender_oracle(const char *s)
{
	const char *g, *h;

	if (crm_parse_gender(s, &g, NULL) != CRM_OK)
		return;
	if (crm_parse_gender(g, &h, NULL) != CRM_OK || strcmp(g, h))
		fail("gender", s, "reads as \"%s\", which does not read back", g);
}

static void fieldtype_one(const char *name, const uint8_t *data, size_t size)
{
	const struct crm_fieldtype *t = crm_fieldtype_find(name);
	char *s = text_of(data, size);

	if (!t)
		abort();
	if (t->normalize)
		normalizer_oracle(t, s);
	if (t->check && t->normalize)
		check_oracle(t, s);
	/* Every country's check (country.h; past the table's end is unknown). */
	if (t->stored == CRM_T_POSTAL || t->stored == CRM_T_PHONE)
		for (int c = 0; c < 48; c++)
			(void)t->check(s, c, NULL);
	if (t->stored == CRM_T_DATE || t->stored == CRM_T_DATETIME)
		date_oracle(name, s);
	else if (t->stored == CRM_T_MONEY || t->stored == CRM_T_INTEGER)
		number_oracle(name, s);
	else if (t->stored == CRM_T_FLAG)
		flag_oracle(s);
	else if (t == &crm_fieldtype_gender)
		gender_oracle(s);
	else if (t->check)
		(void)t->check(s, 1, NULL);
	free(s);
}

#define FIELDTYPE_TARGET(t) \
	static void fuzz_##t(const uint8_t *d, size_t n) { fieldtype_one(#t, d, n); }
FIELDTYPE_TARGET(text)
FIELDTYPE_TARGET(name)
FIELDTYPE_TARGET(kana)
FIELDTYPE_TARGET(company)
FIELDTYPE_TARGET(address)
FIELDTYPE_TARGET(email)
FIELDTYPE_TARGET(phone)
FIELDTYPE_TARGET(postal)
FIELDTYPE_TARGET(date)
FIELDTYPE_TARGET(datetime)
FIELDTYPE_TARGET(money)
FIELDTYPE_TARGET(integer)
FIELDTYPE_TARGET(flag)
FIELDTYPE_TARGET(gender)

/* --- The CSV reader ------------------------------------------------------ */

/* More calls than bytes would mean a reader that does not go on (#12). */
static void fuzz_csv(const uint8_t *data, size_t size)
{
	struct crm_csv_read_options o = { .detect_delimiter = 1, .max_field = 4096 };
	struct crm_csv_reader *r = NULL;
	struct crm_csv_record rec;
	struct crm_error e;
	unsigned long last = 0, calls = 0;
	enum crm_status st;
	FILE *fp;
	size_t i;

	if (!size)
		return;
	fp = fmemopen((void *)data, size, "r");
	if (!fp)
		abort();
	if (crm_csv_reader_open(&r, fp, "fuzz.csv", &o, &e) != CRM_OK) {
		fclose(fp);
		return;
	}
	while ((st = crm_csv_read(r, &rec, &e)) != CRM_EOF) {
		if (++calls > size + 2) {
			fail("csv", NULL, "read %lu times from %zu bytes without an end", calls, size);
			break;
		}
		if (st != CRM_OK && st != CRM_ERR_CSV && st != CRM_ERR_ENCODING &&
		    st != CRM_ERR_TOOBIG)
			break;
		/* Input that is no CSV at all (UTF-16, a workbook) has no line. */
		if (!rec.line && st != CRM_OK && !last)
			continue;
		if (rec.line <= last || rec.end_line < rec.line) {
			fail("csv", NULL, "record at lines %lu-%lu after line %lu", rec.line,
			     rec.end_line, last);
			break;
		}
		last = rec.end_line;
		for (i = 0; st == CRM_OK && i < rec.nfields; i++) {
			if (rec.fields[i][rec.lens[i]] != '\0' ||
			    strlen(rec.fields[i]) != rec.lens[i])
				fail("csv", NULL, "line %lu field %zu: not ended at its length",
				     rec.line, i + 1);
			else if (!valid_utf8(rec.fields[i]))
				fail("csv", NULL, "line %lu field %zu: not valid UTF-8",
				     rec.line, i + 1);
		}
	}
	crm_csv_reader_free(r);
	fclose(fp);
}

const struct fuzz_target fuzz_targets[] = {
	{ "text", fuzz_text }, { "name", fuzz_name }, { "kana", fuzz_kana },
	{ "company", fuzz_company }, { "address", fuzz_address }, { "email", fuzz_email },
	{ "phone", fuzz_phone }, { "postal", fuzz_postal }, { "date", fuzz_date },
	{ "datetime", fuzz_datetime }, { "money", fuzz_money }, { "integer", fuzz_integer },
	{ "flag", fuzz_flag }, { "gender", fuzz_gender }, { "csv", fuzz_csv },
};
const size_t fuzz_ntargets = sizeof(fuzz_targets) / sizeof(fuzz_targets[0]);

const struct fuzz_target *fuzz_target_find(const char *name)
{
	size_t i;

	for (i = 0; i < fuzz_ntargets; i++)
		if (!strcmp(fuzz_targets[i].name, name))
			return &fuzz_targets[i];
	return NULL;
}
