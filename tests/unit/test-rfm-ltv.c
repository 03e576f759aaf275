/*
 * crm rfm --ltv on a database: the purchase days the model is given
 * (several orders of a day one day, cancellations none, merged customers'
 * days their survivor's, the holdout's split), P(alive) 1 for a customer
 * of one purchase day, and a fit that cannot be made said so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "rfm.h"
#include "dbfixture.h"

/* Customer id's order line: key, day of 2026-01, amount in units, status. */
static void line(struct fx *f, int id, const char *key, int line_no, int day, int amount,
		 const char *status)
{
	char sql[320];

	snprintf(sql, sizeof(sql), "INSERT INTO orders(customer_id, source, order_key, line,"
		 " ordered_at, amount, status) VALUES (%d, 's', '%s', %d, '2026-01-%02dT10:00:00',"
		 " %d, '%s')", id, key, line_no, day, amount * 10000, status);
	fx_exec(f, sql);
}

static void customers(struct fx *f, int n)
{
	char sql[160];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO customers(id, name, created_at, updated_at)"
			 " VALUES (%d, 'c%d', 'x', 'x')", i, i);
		fx_exec(f, sql);
	}
}

/*
 * Customers 1 to 4 as the tests name them; 5 to 16 repeat buyers of two
 * or three days, so that a fit can be made.
 */
static void fixture(struct fx *f)
{
	char key[16];
	int i;

	customers(f, 16);
	/* 1: day 2 two orders (100 + 50), day 9 one of 200, day 20 one of two lines (100 + 200) */
	line(f, 1, "a1", 1, 2, 100, "ok");
	line(f, 1, "a2", 1, 2, 50, "ok");
	line(f, 1, "a3", 1, 9, 200, "ok");
	line(f, 1, "a4", 1, 20, 100, "ok");
	line(f, 1, "a4", 2, 20, 200, "ok");
	/* 2: one purchase day; a cancellation later is no purchase */
	line(f, 2, "b1", 1, 5, 80, "ok");
	line(f, 2, "b2", 1, 12, 80, "cancelled");
	/* 3: days 3 and 25; 4, merged into 3: day 27 (one more day of 3's) */
	line(f, 3, "c1", 1, 3, 40, "ok");
	line(f, 3, "c2", 1, 25, 60, "ok");
	line(f, 4, "d1", 1, 27, 100, "ok");
	fx_exec(f, "UPDATE customers SET merged_into = 3 WHERE id = 4");
	for (i = 5; i <= 16; i++) {
		snprintf(key, sizeof(key), "e%d", i);
		line(f, i, key, 1, 1 + i % 5, 10 * i, "ok");
		snprintf(key, sizeof(key), "f%d", i);
		line(f, i, key, 1, 10 + i, 12 * i, "ok");
		if (i % 3)
			continue;
		snprintf(key, sizeof(key), "g%d", i);
		line(f, i, key, 1, 28, 7 * i, "ok");
	}
}

static struct crm_rfm *compute(struct fx *f, int32_t holdout)
{
	struct crm_rfm_options o = { .as_of = crm_rfm_days("2026-02-01"), .bins = 5,
				     .scheme = &crm_rfm_rfm11, .ltv = 1, .horizon = 365.25,
				     .holdout = holdout };
	struct crm_rfm *r = NULL;

	if (crm_rfm_compute(f->db, &o, &r, &f->err) || crm_rfm_ltv(r, &f->err))
		fail_msg("%s", f->err.message);
	assert_non_null(r);
	assert_non_null(r->ltv);
	return r;
}

/* The index of customer id among r's. */
static size_t at(const struct crm_rfm *r, int64_t id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->c[i].id == id)
			return i;
	fail_msg("customer %lld not scored", (long long)id);
	return 0;
}

static void test_purchase_days(void **state)
{
	struct fx *f = *state;
	struct crm_rfm *r;
	struct crm_ltv_obs o;
	size_t i;

	fixture(f);
	r = compute(f, 0);
	assert_int_equal(r->n, 15);   /* 4 merged into 3 */
	/* 1: three days (two orders on the 2nd are one), repeat value (200 + 300) / 2 */
	i = at(r, 1);
	assert_int_equal(r->days[i].days, 3);
	assert_true(fabs(r->days[i].value - 250.0) < 1e-3);
	crm_rfm_ltv_obs(r, i, &o);
	assert_true(o.x == 2 && o.t_x == 18 && o.T == 29);   /* the last day observed: 01-31 */
	assert_int_equal(r->c[i].frequency, 4);
	/* 2: one day, the cancellation none: x = 0 and certainly alive */
	i = at(r, 2);
	assert_int_equal(r->days[i].days, 1);
	crm_rfm_ltv_obs(r, i, &o);
	assert_true(o.x == 0 && o.t_x == 0 && o.T == 26);
	assert_true(r->ltv->c[i].p_alive == 1.0);
	assert_true(r->ltv->c[i].expected > 0);
	/* 3 with 4's day: 3, 25, 27 */
	i = at(r, 3);
	assert_int_equal(r->days[i].days, 3);
	crm_rfm_ltv_obs(r, i, &o);
	assert_true(o.x == 2 && o.t_x == 24 && o.T == 28);
	assert_true(fabs(r->days[i].value - 80.0) < 1e-3);
	/* every prediction finite, P(alive) a probability, the value the product */
	for (i = 0; i < r->n; i++) {
		const struct crm_rfm_ltv_customer *c = &r->ltv->c[i];

		assert_true(isfinite(c->expected) && c->expected >= 0);
		assert_true(c->p_alive > 0 && c->p_alive <= 1);
		assert_true(fabs(c->value - c->expected * c->aov) <= 1e-9 * (1 + c->value));
		assert_true(c->if_alive >= c->value - 1e-9);
	}
	crm_rfm_free(r);
}

/* --holdout 5: the days before 01-27 fit, the days from it are counted against it. */
static void test_holdout_split(void **state)
{
	struct fx *f = *state;
	struct crm_rfm *r;
	const struct crm_rfm_holdout *h;
	size_t i;

	fixture(f);
	r = compute(f, 5);
	h = r->ltv->holdout;
	assert_non_null(h);
	assert_int_equal(h->cal_end, crm_rfm_days("2026-01-27"));
	i = at(r, 1);
	assert_int_equal(r->days[i].cal_days, 3);
	i = at(r, 3);
	assert_int_equal(r->days[i].cal_days, 2);      /* 4's 27 held out */
	assert_int_equal(r->days[i].cal_last, crm_rfm_days("2026-01-25"));
	/* every customer had bought by the 27th; the held-out days counted once each */
	assert_int_equal(h->customers, 15);
	{
		double actual = 0;
		int k;

		for (i = 0; i < r->n; i++)
			actual += r->days[i].days - r->days[i].cal_days;
		assert_true(actual == h->actual);
		for (actual = 0, k = 0; k < CRM_RFM_HOLDOUT_ROWS; k++)
			actual += h->row[k].actual;
		assert_true(actual == h->actual);
	}
	crm_rfm_free(r);
}

/* Under ten repeat buyers: no fit, and the message says why. */
static void test_too_few(void **state)
{
	struct fx *f = *state;
	struct crm_rfm_options o = { .as_of = crm_rfm_days("2026-02-01"), .bins = 5,
				     .scheme = &crm_rfm_rfm11, .ltv = 1, .horizon = 365.25 };
	struct crm_rfm *r = NULL;

	customers(f, 3);
	line(f, 1, "a1", 1, 2, 100, "ok");
	line(f, 1, "a2", 1, 9, 100, "ok");
	line(f, 2, "b1", 1, 5, 80, "ok");
	assert_int_equal(crm_rfm_compute(f->db, &o, &r, &f->err), CRM_OK);
	assert_int_equal(crm_rfm_ltv(r, &f->err), CRM_ERR_INVALID);
	assert_null(r->ltv);   /* nothing half-made: a second call cannot pass for a fit */
	crm_rfm_free(r);
	assert_non_null(strstr(f->err.message, "1 of the 2 customers scored bought on two days "
			       "or more: fitting the model needs at least 10"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_purchase_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holdout_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_few, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
