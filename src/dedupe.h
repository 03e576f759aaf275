/*
 * Finding duplicate customers (名寄せ) without labels, as Fellegi and
 * Sunter modelled it and Splink and fastLink do it:
 *
 *   keys       each customer's comparison keys, from its stored values
 *              (names with old kanji forms and 々 folded, the kana reading,
 *              email, phone digits, postal code, birthdate, company ...);
 *   blocking   candidate pairs: customers that share the key of one of a
 *              union of rules (the same email; the same family name and
 *              birthdate; ...), so that the pairs grow near-linearly;
 *   levels     each field of a pair compared: exact, close (Jaro-Winkler
 *              on code points, one typing slip), different, or missing;
 *   model      the probability of each level among pairs of the same
 *              person (m) and of different people (u): u from random
 *              pairs, m and the share of matches by EM over the distinct
 *              patterns of levels; a common value (a frequent surname, an
 *              office phone) counts for less by its term frequency;
 *   score      the match weight: log2 of the odds that the pair is one
 *              person, the prior and each field's weight summed;
 *   bands      merge (>= threshold), review (>= review threshold), none;
 *              a pair that agrees on no personal value (name, kana, email,
 *              birthdate) is never merged: a shared phone or address is
 *              a family or an office, not a person;
 *   clusters   connected components of the merge band, never joining two
 *              customers whose own score is strongly negative.
 *
 * Everything is deterministic: the same database gives the same pairs,
 * scores and clusters, byte for byte. Finding writes nothing; merging a
 * cluster (crm_dedupe_merge, below) is survivorship here and the merge of
 * the customer catalogue (customer.h), in the caller's run.
 */
#ifndef CRM_DEDUPE_H
#define CRM_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "run.h"

/* Defaults, in bits of match weight. */
#define CRM_DEDUPE_THRESHOLD 0.0
#define CRM_DEDUPE_REVIEW_THRESHOLD (-5.0)
/* Blocks with more customers than this are skipped, and reported. */
#define CRM_DEDUPE_MAX_BLOCK 2000
/* The fewest duplicates a blocking rule's pairs must hold for EM to learn from them. */
#define CRM_DEDUPE_MIN_LEARN 10

struct crm_dedupe_options {
	double threshold;          /* the merge band: weight >= threshold */
	double review_threshold;   /* the review band: >= this, below threshold */
	long max_block;            /* 0: CRM_DEDUPE_MAX_BLOCK */
	/*
	 * 0, or a run: only pairs with a customer that run or a later one
	 * added or changed are scored (the nightly job: the day's new
	 * customers against everyone). With the model a full --apply saved
	 * (crm_dedupe_save_model), only the blocks holding such a customer
	 * are formed and only their pairs compared; without one, a model is
	 * fitted on all candidate pairs as in a full run (fitted on a night's
	 * customers alone, it took namesakes for duplicates).
	 */
	int64_t since;
	/* Called now and then with a stage's name and its progress. */
	void (*progress)(void *ctx, const char *stage, unsigned long at, unsigned long total);
	void *ctx;
};

enum crm_dedupe_band {
	CRM_DEDUPE_NONE,
	CRM_DEDUPE_REVIEW,
	CRM_DEDUPE_MERGE,
};

/* "none", "review", "merge" */
extern const char *const crm_dedupe_band_names[];

struct crm_dedupe_pair {
	int64_t a, b;             /* customer ids, a < b */
	double weight;            /* the match weight, in bits */
	enum crm_dedupe_band band;
};

struct crm_dedupe_stats {
	unsigned long customers;
	unsigned long fresh;           /* with since: customers added or changed since */
	unsigned long rules;           /* blocking rules */
	unsigned long pairs;           /* candidate pairs compared */
	unsigned long blocks_skipped;  /* blocks over max_block */
	unsigned long largest_skipped; /* the largest of them */
	unsigned long random_pairs;    /* pairs compared for u */
	unsigned long patterns;        /* distinct patterns of levels */
	unsigned long iterations;      /* of EM */
	unsigned long implausible;     /* EM sessions whose matches differed on personal values */
	int strict;                    /* only those, and no saved model: a strict m was used */
	int converged;
	double prior;                  /* the share of matches among the pairs */
	unsigned long merge_pairs, review_pairs;
	unsigned long clusters;        /* of two or more customers, merge band */
	unsigned long clustered;       /* customers in them */
	unsigned long split_edges;     /* merge pairs left out to keep a cluster whole */
	unsigned long kept_apart;      /* pairs a person decided 'different' (not proposed) */
	/* since: the saved model used, of that run; 0 when it was fitted now */
	int64_t model_run;
	unsigned long model_customers, model_pairs;   /* it was fitted on */
};

struct crm_dedupe;

/*
 * Reads every customer not merged away, blocks, compares, fits the model,
 * scores and clusters. *out owns the result.
 */
enum crm_status crm_dedupe_find(struct crm_db *db, const struct crm_dedupe_options *o,
				struct crm_dedupe **out, struct crm_error *err);

const struct crm_dedupe_stats *crm_dedupe_stats(const struct crm_dedupe *d);

/*
 * Saves the model d fitted, in run, for later runs with since (table
 * dedupe_models; logged, so a revert of run removes it). Nothing is saved
 * when d used a saved model, learned nothing (the strict m) or had no
 * pairs. With since and no saved model, d fitted one on every pair, as a
 * whole run does: that one is saved.
 */
enum crm_status crm_dedupe_save_model(struct crm_run *run, const struct crm_dedupe *d,
				      struct crm_error *err);

/* Pairs in the merge and review bands, the strongest first (ties by ids). */
size_t crm_dedupe_npairs(const struct crm_dedupe *d);
const struct crm_dedupe_pair *crm_dedupe_pair(const struct crm_dedupe *d, size_t i);

/*
 * Clusters of the merge band, each its customer ids in ascending order,
 * the clusters in the order of their first id.
 */
size_t crm_dedupe_nclusters(const struct crm_dedupe *d);
const int64_t *crm_dedupe_cluster(const struct crm_dedupe *d, size_t i, size_t *n);
/*
 * The cluster customer id is in (an index for crm_dedupe_cluster), or
 * SIZE_MAX when none; and *weight, the weight of its strongest merge pair
 * with another customer of its cluster.
 */
size_t crm_dedupe_cluster_of(const struct crm_dedupe *d, int64_t id, double *weight);

/* One field of a pair, as --explain shows it. */
struct crm_dedupe_term {
	const char *field;
	const char *a, *b;        /* the keys compared; NULL when missing */
	const char *level;        /* "exact", "close", "different", "missing" ... */
	double m, u;              /* of the level (u by term frequency for exact) */
	double weight;            /* log2(m / u); 0 when missing */
};

/*
 * The weight of the pair (a, b) with each field's part, whether or not
 * blocking made it a candidate: term(ctx, t) per field, in order, then
 * *weight and *band. CRM_ERR_NOTFOUND when either id is no customer of d.
 */
enum crm_status crm_dedupe_explain(const struct crm_dedupe *d, int64_t a, int64_t b,
				   void (*term)(void *ctx, const struct crm_dedupe_term *t),
				   void *ctx, double *prior, double *weight,
				   enum crm_dedupe_band *band, struct crm_error *err);

void crm_dedupe_free(struct crm_dedupe *d);

/* --- Merging (src/dedupe-merge.c) ----------------------------------------- */

/* Which customer of a cluster survives: the first created, the last, or the fullest. */
enum crm_dedupe_survivor {
	CRM_DEDUPE_OLDEST,
	CRM_DEDUPE_NEWEST,
	CRM_DEDUPE_MOST_COMPLETE,
};
/* "oldest", "newest", "most-complete", then NULL. */
extern const char *const crm_dedupe_survivor_names[];

struct crm_dedupe_merged {
	unsigned long clusters;   /* merged */
	unsigned long merged;     /* customers merged into another */
	unsigned long moved;      /* rows re-pointed (source records, orders, interactions) */
	unsigned long values;     /* values of survivors changed */
};

/*
 * Merges the n customers ids (none merged already) into one, in run: the
 * survivor as how says (*survivor); its values by survivorship: a name
 * with its parts, a reading with its parts, and a postal code with its
 * prefecture, city, address and country each from the most recently
 * updated customer that has one; a consent any of them withdrew stays
 * withdrawn; every other field the most recent value that is not empty,
 * never an empty one over a value; extra the keys of all, the more recent
 * over the older, and the emails and phones not kept in other_emails and
 * other_phones. The others are merged into it through the customer
 * catalogue (crm_customer_merge). Every change is logged in run.
 */
enum crm_status crm_dedupe_merge(struct crm_run *run, const int64_t *ids, size_t n,
				 enum crm_dedupe_survivor how, int64_t *survivor,
				 struct crm_dedupe_merged *st, struct crm_error *err);

/* --- A person's decisions (src/dedupe-decide.c) ----------------------------- */

struct crm_dedupe_decided {
	unsigned long lines;       /* pairs read */
	unsigned long same, different, undecided;
	unsigned long already;     /* 'same' pairs that are one customer already */
	unsigned long gone;        /* pairs naming a customer no longer there (erased) */
	unsigned long recorded;    /* decisions new or changed */
};

/*
 * Applies the decisions of a review file a person filled in (the columns
 * a, b and decision of crm dedupe --review-file; decision same or
 * different, 同一 or 別人, empty for undecided; CSV or TSV in UTF-8 or
 * CP932, as Excel saves it), in run: the customers that its 'same' pairs
 * join are merged (crm_dedupe_merge, the survivor as how says), and every
 * decision is recorded in dedupe_decisions, so that crm_dedupe_find never
 * proposes a 'different' pair again, nor clusters its customers together.
 * Ids are followed through merges. The file is read and checked whole
 * first: a malformed line, a pair decided both ways, or a 'different'
 * pair that is (or the file's 'same' pairs make) one customer is an error
 * naming the file and line, and nothing is changed.
 */
enum crm_status crm_dedupe_decide(struct crm_run *run, const char *path,
				  enum crm_dedupe_survivor how, struct crm_dedupe_decided *st,
				  struct crm_dedupe_merged *m, struct crm_error *err);

#endif
