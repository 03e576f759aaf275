/*
 * crm rfm's scoring (rfm.h), pinned on hand-computed cases: each method,
 * ties included (rank gives equal values equal scores, ntile does not),
 * R's type-7 quantile breaks, the rfm11 cells, and the dates and money
 * the records show.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rfm.h"

static const char *crm_rfm_cpm_segment_name(int k)
{
	assert_true(k >= 0 && k < 10);
	return crm_rfm_cpm_scheme.segments[k];
}

static void score(const int64_t *v, size_t n, int bins, enum crm_rfm_method m, int64_t unit,
		  unsigned char *out, int64_t *breaks)
{
	int64_t ids[16];
	struct crm_error err;
	size_t i;

	for (i = 0; i < n; i++)
		ids[i] = (int64_t)i + 1;
	crm_error_clear(&err);
	assert_int_equal(crm_rfm_score(v, ids, n, bins, m, unit, out, breaks, &err), CRM_OK);
}

static void expect(const unsigned char *got, const unsigned char *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (got[i] != want[i])
			print_error("value %zu: score %d, expected %d\n", i, got[i], want[i]);
		assert_int_equal(got[i], want[i]);
	}
}

/* 10, 20, 20, 30, 40 in five bins. */
static const int64_t five[] = { 10, 20, 20, 30, 40 };

static void test_rank_ties_share(void **state)
{
	static const unsigned char want[] = { 1, 2, 2, 4, 5 };
	unsigned char got[5];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	/* minimum ranks 1 2 2 4 5; 1 + floor(5 (r - 1) / 5) */
	score(five, 5, 5, CRM_RFM_RANK, 1, got, br);
	expect(got, want, 5);
}

static void test_ntile_splits_ties(void **state)
{
	static const unsigned char want[] = { 1, 2, 3, 4, 5 };
	unsigned char got[5];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	/* one customer per tile, in order of value and then id: the two 20s differ */
	score(five, 5, 5, CRM_RFM_NTILE, 1, got, br);
	expect(got, want, 5);
	assert_int_not_equal(got[1], got[2]);
}

static void test_quantile_breaks_as_r(void **state)
{
	static const unsigned char want[] = { 1, 2, 2, 4, 5 };
	unsigned char got[5];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	/*
	 * R: quantile(c(10, 20, 20, 30, 40), seq(0, 1, 0.2)) is 10 18 20 24
	 * 32 40; the rfm package's breaks are the inner ones plus 1: 19 21
	 * 25 33 (times 5 here, to stay exact).
	 */
	score(five, 5, 5, CRM_RFM_QUANTILE, 1, got, br);
	assert_int_equal(br[0], 95);
	assert_int_equal(br[1], 105);
	assert_int_equal(br[2], 125);
	assert_int_equal(br[3], 165);
	expect(got, want, 5);
}

/* 5 5 5 5 1 2 3 in three bins: a long tie. */
static const int64_t tied[] = { 5, 5, 5, 5, 1, 2, 3 };

static void test_rank_long_tie(void **state)
{
	/* minimum ranks: 4 4 4 4 1 2 3; 1 + floor(3 (r - 1) / 7): no one scores 3 */
	static const unsigned char want[] = { 2, 2, 2, 2, 1, 1, 1 };
	unsigned char got[7];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	score(tied, 7, 3, CRM_RFM_RANK, 1, got, br);
	expect(got, want, 7);
}

static void test_ntile_long_tie(void **state)
{
	/* NTILE(3) of 7: tiles of 3, 2, 2 over ids 5 6 7 1 2 3 4 */
	static const unsigned char want[] = { 2, 2, 3, 3, 1, 1, 1 };
	unsigned char got[7];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	score(tied, 7, 3, CRM_RFM_NTILE, 1, got, br);
	expect(got, want, 7);
}

static void test_ntile_ids_in_any_order(void **state)
{
	/* ties broken by customer id, whatever order the values come in */
	static const int64_t v[] = { 5, 5, 1 }, ids[] = { 9, 3, 7 };
	static const unsigned char want[] = { 3, 2, 1 };
	unsigned char got[3];
	int64_t br[CRM_RFM_MAX_BINS];
	struct crm_error err;

	(void)state;
	crm_error_clear(&err);
	assert_int_equal(crm_rfm_score(v, ids, 3, 3, CRM_RFM_NTILE, 1, got, br, &err), CRM_OK);
	expect(got, want, 3);
}

static void test_rank_wide_values(void **state)
{
	/* negative and 64-bit values sort as numbers (the radix sort's sign bit) */
	static const int64_t v[] = { INT64_MAX, -1, INT64_MIN, 0, 1LL << 40 };
	static const unsigned char want[] = { 5, 2, 1, 3, 4 };
	unsigned char got[5];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	score(v, 5, 5, CRM_RFM_RANK, 1, got, br);
	expect(got, want, 5);
}

static void test_ntile_fewer_than_bins(void **state)
{
	static const int64_t two[] = { 7, 3 };
	static const unsigned char want[] = { 2, 1 };
	unsigned char got[2];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	score(two, 2, 5, CRM_RFM_NTILE, 1, got, br);
	expect(got, want, 2);
}

static void test_quantile_money_unit(void **state)
{
	/* 1.00, 2.00, 3.00 of a currency: breaks 1.6667 + 1, 2.3333 + 1 (type 7, bins 3) */
	static const int64_t money[] = { 10000, 20000, 30000 };
	static const unsigned char want[] = { 1, 1, 2 };
	unsigned char got[3];
	int64_t br[CRM_RFM_MAX_BINS];

	(void)state;
	score(money, 3, 3, CRM_RFM_QUANTILE, 10000, got, br);
	/* (n - 1) k / bins = 2/3: 10000 + (2/3) 10000 + 10000, times 3 */
	assert_int_equal(br[0], 3 * 10000 + 2 * 10000 + 3 * 10000);
	assert_int_equal(br[1], 3 * 20000 + 1 * 10000 + 3 * 10000);
	expect(got, want, 3);
}

static void test_quantile_overflow_is_an_error(void **state)
{
	static const int64_t huge[] = { INT64_MAX / 2, INT64_MAX / 2 + 1 };
	unsigned char got[2];
	int64_t br[CRM_RFM_MAX_BINS];
	struct crm_error err;

	(void)state;
	crm_error_clear(&err);
	assert_int_equal(crm_rfm_score(huge, NULL, 2, 5, CRM_RFM_QUANTILE, 1, got, br, &err),
			 CRM_ERR_INVALID);
}

static void test_rfm11_cells(void **state)
{
	/* crm-rfm(1), on (R, FM): every cell, FM = (F + M + 1) div 2 */
	static const struct { int r, fm; const char *name; } cells[] = {
		{ 5, 5, "Champions" }, { 5, 4, "Champions" }, { 4, 5, "Champions" },
		{ 5, 3, "Loyal Customers" }, { 4, 4, "Loyal Customers" },
		{ 3, 5, "Loyal Customers" }, { 3, 4, "Loyal Customers" },
		{ 5, 2, "Potential Loyalist" }, { 4, 2, "Potential Loyalist" },
		{ 3, 3, "Potential Loyalist" }, { 4, 3, "Potential Loyalist" },
		{ 5, 1, "New Customers" }, { 4, 1, "Promising" }, { 3, 1, "Promising" },
		{ 3, 2, "Need Attention" }, { 2, 3, "Need Attention" }, { 2, 2, "Need Attention" },
		{ 2, 1, "About To Sleep" }, { 2, 5, "At Risk" }, { 2, 4, "At Risk" },
		{ 1, 3, "At Risk" }, { 1, 5, "Can't Lose Them" }, { 1, 4, "Can't Lose Them" },
		{ 1, 2, "Hibernating" }, { 1, 1, "Lost" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		/* F = M = FM gives that FM */
		int k = crm_rfm_segment(&crm_rfm_rfm11, cells[i].r, cells[i].fm, cells[i].fm);

		assert_true(k >= 0);
		assert_string_equal(crm_rfm_rfm11.segments[k], cells[i].name);
	}
	/* (F + M + 1) div 2: F 5, M 2 is FM 4; F 1, M 2 is FM 2 */
	assert_string_equal(crm_rfm_rfm11.segments[crm_rfm_segment(&crm_rfm_rfm11, 5, 5, 2)],
			    "Champions");
	assert_string_equal(crm_rfm_rfm11.segments[crm_rfm_segment(&crm_rfm_rfm11, 1, 1, 2)],
			    "Hibernating");
	assert_int_equal(crm_rfm_segment(&crm_rfm_rfm11, 0, 1, 1), -1);
	assert_int_equal(crm_rfm_segment(&crm_rfm_rfm11, 6, 1, 1), -1);
}

static void test_cpm_boundaries(void **state)
{
	const struct crm_rfm_cpm t = CRM_RFM_CPM_DEFAULT;
	const int32_t now = 1000;
	const int64_t yen = 10000;

	(void)state;
#define CPM(f, m, first, last) \
	crm_rfm_cpm_segment_name(crm_rfm_cpm_segment(&t, f, m, first, last, now))
	assert_string_equal(CPM(1, 999999 * yen, 0, 999), "初回現役");
	/* lapse: 239 days is active, 240 lapsed */
	assert_string_equal(CPM(1, yen, 761, 761), "初回現役");
	assert_string_equal(CPM(1, yen, 760, 760), "初回離脱");
	/* tenure 89 is よちよち, 90 コツコツ under 70,000 */
	assert_string_equal(CPM(2, 69999 * yen, 900, 989), "よちよち現役");
	assert_string_equal(CPM(2, 69999 * yen, 900, 990), "コツコツ現役");
	/* 70,000 and tenure 90..209: 流行; 210: 優良 */
	assert_string_equal(CPM(3, 70000 * yen, 700, 790), "流行現役");
	assert_string_equal(CPM(3, 70000 * yen, 700, 909), "流行現役");
	assert_string_equal(CPM(3, 70000 * yen, 700, 910), "優良現役");
	assert_string_equal(CPM(3, 70000 * yen, 100, 310), "優良離脱");
#undef CPM
}

static void test_days(void **state)
{
	char buf[11];

	(void)state;
	assert_int_equal(crm_rfm_days("1970-01-01"), 0);
	assert_int_equal(crm_rfm_days("2011-12-10"), 15318);
	assert_int_equal(crm_rfm_days("2011-12-09T12:50:00"), 15317);
	assert_int_equal(crm_rfm_days("2011-12-09 12:50"), 15317);
	assert_int_equal(crm_rfm_days("2024-02-29"), crm_rfm_days("2024-03-01") - 1);
	assert_int_equal(crm_rfm_days("2023-02-29"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days("1900-02-29"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days("2000-02-29"), crm_rfm_days("2000-03-01") - 1);
	assert_int_equal(crm_rfm_days("2011-13-01"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days("2011-12-1"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days("2011/12/10"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days("2011-12-10x"), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days(""), CRM_RFM_NO_DATE);
	assert_int_equal(crm_rfm_days(NULL), CRM_RFM_NO_DATE);
	crm_rfm_date(15318, buf);
	assert_string_equal(buf, "2011-12-10");
	crm_rfm_date(crm_rfm_days("1999-12-31"), buf);
	assert_string_equal(buf, "1999-12-31");
	crm_rfm_date(crm_rfm_days("2024-02-29"), buf);
	assert_string_equal(buf, "2024-02-29");
}

static void test_money(void **state)
{
	char buf[32];

	(void)state;
	crm_rfm_money(52886300, buf);
	assert_string_equal(buf, "5288.63");
	crm_rfm_money(15000000, buf);
	assert_string_equal(buf, "1500");
	crm_rfm_money(125, buf);
	assert_string_equal(buf, "0.0125");
	crm_rfm_money(-11653000, buf);
	assert_string_equal(buf, "-1165.3");
	crm_rfm_money(-5, buf);
	assert_string_equal(buf, "-0.0005");
	crm_rfm_money(0, buf);
	assert_string_equal(buf, "0");
	crm_rfm_money(INT64_MIN, buf);
	assert_string_equal(buf, "-922337203685477.5808");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_ties_share),
		cmocka_unit_test(test_ntile_splits_ties),
		cmocka_unit_test(test_quantile_breaks_as_r),
		cmocka_unit_test(test_rank_long_tie),
		cmocka_unit_test(test_ntile_long_tie),
		cmocka_unit_test(test_ntile_ids_in_any_order),
		cmocka_unit_test(test_rank_wide_values),
		cmocka_unit_test(test_ntile_fewer_than_bins),
		cmocka_unit_test(test_quantile_money_unit),
		cmocka_unit_test(test_quantile_overflow_is_an_error),
		cmocka_unit_test(test_rfm11_cells),
		cmocka_unit_test(test_cpm_boundaries),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_money),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
