/*
 * RFM (recency, frequency, monetary) scores of the customers from their
 * orders, as crm-rfm(1) defines them: one pass over the order lines in
 * the database, every merged customer's lines counted for its survivor,
 * money summed in exact integers (ten-thousandths, crm-schema(5)); then
 * scores 1..bins per dimension by one of three methods, and a segment
 * name from a scheme of (R, FM) cells.
 *
 * crm_rfm_score() is the scoring alone, on values in memory: the unit
 * tests pin it on hand-computed cases.
 */
#ifndef CRM_RFM_H
#define CRM_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "ltv.h"
#include "run.h"

enum crm_rfm_method {
	CRM_RFM_RANK,       /* tie-aware: equal values, equal scores */
	CRM_RFM_NTILE,      /* SQL NTILE, ties broken by customer id */
	CRM_RFM_QUANTILE,   /* the breaks of R's rfm package (type-7 quantiles) */
};
extern const char *const crm_rfm_method_names[];   /* by enum, NULL-terminated */

enum crm_rfm_returns {
	CRM_RFM_NET,        /* cancellations and returns subtract from monetary */
	CRM_RFM_GROSS,      /* and are left out */
};

#define CRM_RFM_MAX_BINS 10
#define CRM_RFM_MAX_SEGMENTS 16
/* Dates as days since 1970-01-01. */
#define CRM_RFM_NO_DATE INT32_MIN

/*
 * A scheme names the cells of (R, FM), FM = (F + M + 1) / 2, of 5 bins;
 * or, cpm, classes customers by tenure, money and lapse (crm_rfm_cpm()).
 */
struct crm_rfm_scheme {
	const char *name;
	const char *const *segments;        /* the names, in the order reports list them */
	unsigned char cell[5][5];           /* [R - 1][FM - 1]: index into segments */
	int cpm;                            /* 1: by crm_rfm_cpm(), not the cells */
};
extern const struct crm_rfm_scheme crm_rfm_rfm11, crm_rfm_cpm_scheme;

/*
 * CPM分析 (customer portfolio management, as やずや made it): tenure is the
 * days from the first purchase to the last; a customer is 初回 (one
 * purchase), よちよち (more, tenure under tenure1), コツコツ (tenure
 * tenure1 or more, money under amount), 流行 (money amount or more,
 * tenure under tenure2) or 優良 (money amount or more, tenure tenure2 or
 * more); 現役 (active) when the last purchase is under lapse days before
 * as_of, else 離脱 (lapsed).
 */
struct crm_rfm_cpm {
	int32_t tenure1, tenure2, lapse;    /* days: 90, 210, 240 by default */
	int64_t amount;                     /* ten-thousandths: 70,000 by default */
};
#define CRM_RFM_CPM_DEFAULT { 90, 210, 240, (int64_t)70000 * 10000 }
/* The cpm segment of a customer (index into crm_rfm_cpm_scheme.segments). */
int crm_rfm_cpm_segment(const struct crm_rfm_cpm *t, int64_t frequency, int64_t monetary,
			int32_t first, int32_t last, int32_t as_of);
/* The scheme called name, or NULL. */
const struct crm_rfm_scheme *crm_rfm_scheme(const char *name);
/*
 * A scheme from a file (crm-rfm(1), SCHEMES): a line per segment, "NAME:
 * CELLS", each cell two digits R FM from 1 to 5, every one of the 25
 * named by exactly one segment; # starts a comment. Named after the file.
 * The error names the file and line. Free with crm_rfm_scheme_free().
 */
enum crm_status crm_rfm_scheme_load(const char *path, struct crm_rfm_scheme **out,
				    struct crm_error *err);
void crm_rfm_scheme_free(struct crm_rfm_scheme *s);
/*
 * A scheme file read for checking (crm segment lint): its segments and,
 * per cell [R - 1][FM - 1], a bit per segment naming it (bit i for
 * names[i]), cells named twice or not at all included. Any other fault
 * of the file is an error, as for crm_rfm_scheme_load().
 */
struct crm_rfm_cover {
	char *names[CRM_RFM_MAX_SEGMENTS + 1];
	int n;
	uint32_t cell[5][5];
};
enum crm_status crm_rfm_scheme_cover(const char *path, struct crm_rfm_cover *c,
				     struct crm_error *err);
void crm_rfm_cover_release(struct crm_rfm_cover *c);
/* Scheme s's segment for scores r, f, m (of 5 bins): its index. */
int crm_rfm_segment(const struct crm_rfm_scheme *s, int r, int f, int m);

/* Per dimension and score: how many got it, their lowest and highest value. */
struct crm_rfm_bin {
	size_t count;
	int64_t lo, hi;
};

enum { CRM_RFM_R, CRM_RFM_F, CRM_RFM_M, CRM_RFM_DIMS };

/*
 * --freeze-thresholds: the bins of an earlier snapshot, which score the
 * values of now (crm_rfm_frozen_score()).
 */
struct crm_rfm_frozen {
	int64_t run;
	struct crm_rfm_bin bin[CRM_RFM_DIMS][CRM_RFM_MAX_BINS];
};

struct crm_rfm_options {
	const struct crm_rfm_frozen *frozen;   /* or NULL */
	int32_t as_of;                  /* CRM_RFM_NO_DATE: the day after the latest order */
	enum crm_rfm_returns returns;
	enum crm_rfm_method method;
	int bins;                       /* 2..CRM_RFM_MAX_BINS */
	const struct crm_rfm_scheme *scheme;   /* NULL: no segments */
	struct crm_rfm_cpm cpm;                /* the cpm scheme's thresholds */
	int ltv;                        /* --ltv: fit BG/NBD and Gamma-Gamma (crm_rfm_ltv) */
	double horizon;                 /* --horizon: days predicted (365.25 by default) */
	double discount;                /* --discount: a year's rate, 0 for none */
	int32_t holdout;                /* --holdout: days held out to check the fit, or 0 */
	void (*progress)(void *ctx, unsigned long long at, unsigned long long total);
	void *ctx;
};

struct crm_rfm_customer {
	int64_t id;
	int64_t monetary;               /* ten-thousandths */
	int64_t frequency;              /* distinct orders */
	int32_t first;                  /* the first purchase, days */
	int32_t last;                   /* the last purchase, days */
	int32_t recency;                /* days from it to as_of */
	unsigned char r, f, m;
	signed char segment;            /* index into scheme->segments, or -1 */
};

/*
 * --ltv: a customer's purchase days as BG/NBD counts them. A purchase day
 * is a day with a purchase (several orders of a day are one); x = days -
 * 1 repeat purchases, t_x = last - first, T = the last day observed (the
 * day before as_of) - first, all in days. value is the average of the
 * repeat days' purchases (each day's summed), in units of the currency,
 * 0 without one. cal_days and cal_last are the same before as_of -
 * holdout (cal_days 0: the customer came later).
 */
struct crm_rfm_days {
	uint32_t days, cal_days;
	int32_t cal_last;
	float value;
};

/* --ltv: per customer, what the model predicts over the horizon. */
struct crm_rfm_ltv_customer {
	double expected;        /* purchase days */
	double p_alive;
	double aov;             /* the expected value of a purchase day (Gamma-Gamma) */
	double value;           /* expected * aov, discounted by month when asked */
	double if_alive;        /* the value were the customer sure to be alive */
};

#define CRM_RFM_HOLDOUT_ROWS 8  /* repeat purchases 0..6 in calibration, then 7 and more */

/* The calibration/holdout check: per repeat purchases before, the purchases in the days after. */
struct crm_rfm_holdout {
	int32_t days, cal_end;          /* the days held out; the first of them */
	struct crm_bgnbd m;             /* fitted on the customers' purchases before cal_end */
	struct crm_ltv_fit fit;
	struct {
		size_t customers;
		double actual, predicted;   /* summed over them */
	} row[CRM_RFM_HOLDOUT_ROWS];
	size_t customers;
	double actual, predicted;
};

struct crm_rfm_ltv {
	struct crm_bgnbd m;
	struct crm_gamma_gamma g;
	struct crm_ltv_fit bg, gg;
	size_t triples;                 /* distinct (x, t_x, T) */
	size_t repeat;                  /* customers of x >= 1 */
	size_t valued;                  /* of them with a positive value: Gamma-Gamma's */
	int gg_failed;                  /* 1: no Gamma-Gamma, aov is the customer's own average */
	char gg_why[CRM_ERROR_MSG_MAX];
	double correlation;             /* of x and value over the valued: Gamma-Gamma assumes ~0 */
	struct crm_rfm_ltv_customer *c; /* per scored customer, as r->c */
	struct crm_rfm_holdout *holdout;  /* --holdout, or NULL */
};

/* The fewest repeat buyers --ltv fits to. */
#define CRM_RFM_LTV_MIN_REPEAT 10

struct crm_rfm {
	struct crm_rfm_options o;
	int32_t as_of;
	struct crm_rfm_customer *c;     /* the scored, by id */
	struct crm_rfm_days *days;      /* --ltv: per scored customer, as c */
	struct crm_rfm_ltv *ltv;        /* --ltv: the fit and the predictions */
	size_t n;
	size_t unscored;                /* customers with cancellations or returns only */
	unsigned long long lines;       /* order lines read */
	unsigned long long undated;     /* lines without a date, left out */
	unsigned long long after;       /* lines on or after as_of, left out */
	unsigned long long orphans;     /* lines of no customer (a damaged database) */
	size_t currencies;              /* distinct currencies named (NULL is none) */
	char currency[2][8];            /* the first two */
	struct crm_rfm_bin bin[CRM_RFM_DIMS][CRM_RFM_MAX_BINS];
	/* --method quantile: the breaks, times bins (exact: see rfm.c) */
	int64_t breaks[CRM_RFM_DIMS][CRM_RFM_MAX_BINS];
};

/*
 * Reads the orders of db and scores the customers as o says. The result
 * is the caller's, to free with crm_rfm_free().
 */
enum crm_status crm_rfm_compute(struct crm_db *db, const struct crm_rfm_options *o,
				struct crm_rfm **out, struct crm_error *err);
void crm_rfm_free(struct crm_rfm *r);

/*
 * --ltv: fits BG/NBD to r's customers' purchase days (which
 * crm_rfm_compute() gathers when r->o.ltv) and Gamma-Gamma to their repeat
 * values, and predicts over r->o.horizon, into r->ltv; with
 * r->o.holdout, also the calibration/holdout check. CRM_ERR_INVALID when
 * the data cannot support a fit, saying why; r->ltv is freed with r.
 */
enum crm_status crm_rfm_ltv(struct crm_rfm *r, struct crm_error *err);
void crm_rfm_ltv_free(struct crm_rfm_ltv *l);
/* A horizon of days as people say it: "12 months", "90 days". */
void crm_rfm_horizon_text(double days, char *buf, size_t size);
/* A value of the model, in units of the currency, as money: ten-thousandths, saturated. */
int64_t crm_rfm_money_of(double units);
/* The LTV of customer i of r: monetary plus the predicted value, as money. */
int64_t crm_rfm_ltv_total(const struct crm_rfm *r, size_t i);
/* The (x, t_x, T) of customer i of r, as of r->as_of. */
void crm_rfm_ltv_obs(const struct crm_rfm *r, size_t i, struct crm_ltv_obs *o);

/*
 * Scores n values (ids[i] the customer of v[i], for ntile's ties) into
 * score[i], 1..bins, bins higher for higher values (for recency, pass the
 * days negated). For CRM_RFM_QUANTILE, unit is one unit of the value (1
 * day, 1 order, 10000 ten-thousandths), added to each break as R's rfm
 * package does, and breaks[0..bins-2] receive the breaks times bins.
 * CRM_ERR_NOMEM, or CRM_ERR_INVALID when the values are too large for
 * exact breaks.
 */
enum crm_status crm_rfm_score(const int64_t *v, const int64_t *ids, size_t n, int bins,
			      enum crm_rfm_method method, int64_t unit, unsigned char *score,
			      int64_t *breaks, struct crm_error *err);

/*
 * --save: r as the snapshot of run, inside its transaction: a row of
 * rfm_snapshots (how it scored, the thresholds) and a row of rfm_scores
 * per customer, each logged. progress (may be NULL) is told of the rows.
 */
enum crm_status crm_rfm_save(struct crm_run *run, const struct crm_rfm *r,
			     void (*progress)(void *ctx, unsigned long long at,
					      unsigned long long total),
			     void *ctx, struct crm_error *err);


/*
 * --compare: who moved from which segment of run's snapshot to which of
 * r's. cell[then][now], by index of the scheme's segments; row nseg holds
 * the customers new since (not in the snapshot), column nseg those gone
 * (in the snapshot, not scored now: merged away, or no purchase left).
 * Each row sums to the snapshot's customers of that segment, each column
 * to r's; then and now are the two totals.
 */
struct crm_rfm_moves {
	size_t nseg;
	size_t cell[CRM_RFM_MAX_SEGMENTS + 1][CRM_RFM_MAX_SEGMENTS + 1];
	size_t then, now;
};
enum crm_status crm_rfm_compare(struct crm_db *db, int64_t run, const struct crm_rfm *r,
				struct crm_rfm_moves *m, struct crm_error *err);

/*
 * Score of value v of dimension d by frozen bins b[0..bins-1]: the highest
 * score whose lowest value v reaches (recency: whose highest value v does
 * not pass), scores no one had skipped; 1 when v reaches none.
 */
int crm_rfm_frozen_score(const struct crm_rfm_bin *b, int bins, int d, int64_t v);

/*
 * The bins, method and bins count of run's snapshot into *f, *method,
 * *bins. CRM_ERR_NOTFOUND when run saved none (or saved it before schema
 * 13, without thresholds).
 */
enum crm_status crm_rfm_thresholds(struct crm_db *db, int64_t run, struct crm_rfm_frozen *f,
				   enum crm_rfm_method *method, int *bins, struct crm_error *err);

/*
 * --report: r (and m, the moves since run, or NULL) as one self-contained
 * HTML file at path, written whole or not at all.
 */
enum crm_status crm_rfm_report(const struct crm_rfm *r, const struct crm_rfm_moves *m,
			       int64_t run, const char *path, struct crm_error *err);

/* Value v of dimension d as the reports show it: days and orders whole, money in units. */
void crm_rfm_value(int d, int64_t v, char buf[32]);
/* --method quantile: break k (0-based) of dimension d, as a value in units. */
double crm_rfm_break(const struct crm_rfm *r, int d, int k);
/*
 * The customers by R (rows) and FM = (F + M + 1) / 2 (columns), each from
 * 1 at index 0, into cell; returns the largest count (0 for none).
 */
size_t crm_rfm_grid(const struct crm_rfm *r, size_t cell[CRM_RFM_MAX_BINS][CRM_RFM_MAX_BINS]);

/* Days since 1970-01-01 of "YYYY-MM-DD..." (a time may follow), or CRM_RFM_NO_DATE. */
int32_t crm_rfm_days(const char *s);
/* The date of days as "YYYY-MM-DD" into buf (11 bytes). */
void crm_rfm_date(int32_t days, char buf[11]);
/* Ten-thousandths as a decimal ("1234.5", "-3", "0.0125") into buf (32 bytes). */
void crm_rfm_money(int64_t v, char buf[32]);

#endif
