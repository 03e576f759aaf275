/*
 * The dedupe engine (dedupe.h): customers in, blocking, comparison, the
 * Fellegi-Sunter model fitted without labels, scores, bands, clusters.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedupe-private.h"
#include "hash.h"
#include "banned.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *const crm_dedupe_band_names[] = { "none", "review", "merge" };

/* Random pairs compared for u of the levels below exact, at most. */
#define RANDOM_PAIRS 50000UL
#define EM_MAX_ITER 500
#define EM_TOLERANCE 1e-7
/* Threads comparing pairs, at most (compare()). */
#define COMPARE_THREADS 8
/* A pair this far below zero (odds of 1 to 1000) is two people: no cluster holds both. */
#define STRONGLY_NEGATIVE (-10.0)
/* Work of the check of one union, at most (pairs compared). */
#define CLUSTER_CHECK_MAX 250000UL
/*
 * The least average weight of the pairs across two clusters that a merge
 * pair joins, when the merge band starts below it: odds of 4 to 1. A pair
 * at even odds may merge two records, but a join decides every pair
 * across at once: a stray record joined to a cluster of k is k wrong
 * pairs, its values merged into the survivor. Asked for even odds, joins
 * made 77 wrong pairs of 25,123 in Splink's fake_20000 (precision
 * 0.9969); asked for 4 to 1, 23 of 23,814 (0.9990).
 */
#define CLUSTER_MEAN_MIN 2.0

/*
 * Memory the sorts reuse: a sort of a million keys wants megabytes
 * that malloc maps afresh each time and the kernel faults in page by page
 * (a tenth of crm dedupe --since), so they are kept between sorts.
 */
struct scratch {
	void *buf;
	size_t size;
	size_t *count;   /* 65536 of them */
};

struct crm_dedupe {
	struct crm_dedupe_options o;
	struct crm_dedupe_stats st;
	struct crm_strbuf arena;          /* the keys */
	struct dd_rec *rec;
	size_t n;
	int nfields;                      /* the catalogue's, then extra's */
	struct dd_fieldinfo info[DD_MAX_FIELDS];
	char *extra_name[DD_MAX_EXTRA];   /* "extra." and the column */
	unsigned long nkeyed[DD_NKEYS]; /* customers with a key, per key */
	double m[DD_MAX_FIELDS][DD_MAX_LEVELS], u[DD_MAX_FIELDS][DD_MAX_LEVELS];
	double prior;                     /* log2 of the prior odds */
	struct crm_dedupe_pair *pairs;    /* merge and review bands */
	size_t npairs;
	int64_t *members;                 /* clusters, one after another */
	uint32_t *cluster_of;             /* per record: its cluster, or UINT32_MAX */
	double *best;                     /* per record: its strongest merge pair in it */
	size_t *cstart;                   /* cluster i is members[cstart[i] .. cstart[i+1]) */
	size_t nclusters;
	uint64_t *apart;                  /* records decided two people: x << 32 | y, x < y, sorted */
	size_t napart;
	int64_t model_run;                /* since: the run whose saved model scores; 0: fitted now */
	struct scratch scratch;           /* the sorts' */
};

/* --- Reading customers --------------------------------------------------- */

enum {
	ST_CUSTOMER_COUNT, ST_EXTRA_KEYS, ST_CUSTOMERS, ST_RUN_START, ST_APART, ST_ABSORBED,
	ST_COUNT
};

static const char *const dedupe_sql[ST_COUNT] = {
	[ST_CUSTOMER_COUNT] = "SELECT count(*) FROM customers WHERE merged_into IS NULL",
	/* The columns of extra with how many customers have them, and how many values. */
	[ST_EXTRA_KEYS] = "SELECT j.key, count(*), count(DISTINCT j.value)"
			  " FROM customers c, json_each(c.extra) j"
			  " WHERE c.merged_into IS NULL AND json_valid(c.extra)"
			  " AND j.type IN ('text', 'integer', 'real') AND j.value <> ''"
			  " GROUP BY j.key ORDER BY count(*) DESC, j.key LIMIT 64",
	/*
	 * The columns in enum dd_column's order; ?1..?4 the paths of extra's
	 * chosen, NULL for none (and then extra is not parsed: checking it
	 * four times a customer was a fifth of reading them).
	 */
	[ST_CUSTOMERS] = "SELECT id, name, family_name, given_name, name_kana, family_kana,"
			 " given_kana, company, email, phone, mobile, postal_code, prefecture,"
			 " city, address, birthdate,"
			 " CASE WHEN ?1 IS NOT NULL AND json_valid(extra) THEN json_extract(extra, ?1) END,"
			 " CASE WHEN ?2 IS NOT NULL AND json_valid(extra) THEN json_extract(extra, ?2) END,"
			 " CASE WHEN ?3 IS NOT NULL AND json_valid(extra) THEN json_extract(extra, ?3) END,"
			 " CASE WHEN ?4 IS NOT NULL AND json_valid(extra) THEN json_extract(extra, ?4) END,"
			 " ?5 IS NULL OR updated_at >= ?5"
			 " FROM customers WHERE merged_into IS NULL ORDER BY id",
	/* When a run started: what it and later runs changed is newer. */
	[ST_RUN_START] = "SELECT started_at FROM runs WHERE id = ?1",
	/*
	 * The pairs a person decided are two people (crm dedupe --decisions),
	 * as the customers they stand for now: someone the same as a is not b
	 * either. A merged_into chain that loops reaches no survivor, and
	 * gives no pair.
	 */
	[ST_APART] = "WITH RECURSIVE"
		     " d(a, b) AS (SELECT customer_id, other_id FROM dedupe_decisions"
		     "  WHERE decision = 'different' AND customer_id < other_id),"
		     " up(start, id, next) AS ("
		     "  SELECT id, id, merged_into FROM customers"
		     "   WHERE id IN (SELECT a FROM d UNION SELECT b FROM d)"
		     "  UNION SELECT up.start, c.id, c.merged_into FROM up"
		     "   JOIN customers c ON c.id = up.next)"
		     " SELECT ua.id, ub.id FROM d"
		     " JOIN up ua ON ua.start = d.a AND ua.next IS NULL"
		     " JOIN up ub ON ub.start = d.b AND ub.next IS NULL",
	/* The customers others were merged into (the partial index holds only those). */
	[ST_ABSORBED] = "SELECT DISTINCT merged_into FROM customers WHERE merged_into IS NOT NULL",
};

/*
 * The columns of extra worth comparing: identifiers (会員番号, a national
 * id), which at least a tenth of the customers have, with values shared
 * by few (at least 3 values in 10, and some value shared: else no two
 * agree), the most common first.
 */
static enum crm_status choose_extras(struct crm_dedupe *d, struct crm_stmt_table *t,
				     size_t *expect, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, ST_CUSTOMER_COUNT, err);
	enum crm_status s;
	enum crm_step step;
	int found;
	double customers;

	if (!st)
		return err->code;
	if ((s = crm_stmt_one(st, &found, "cannot count the customers", err)))
		return s;
	customers = found ? (double)crm_stmt_int(st, 0) : 0;
	*expect = found && crm_stmt_int(st, 0) > 0 ? (size_t)crm_stmt_int(st, 0) : 0;
	crm_stmt_reset(st);
	if (!(st = crm_stmt_table_get(t, ST_EXTRA_KEYS, err)))
		return err->code;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW && d->nfields < DD_MAX_FIELDS) {
		const char *key = crm_stmt_text(st, 0);
		double have = (double)crm_stmt_int(st, 1), values = (double)crm_stmt_int(st, 2);
		struct crm_strbuf name = CRM_STRBUF_INIT;

		if (!key || !*key || strchr(key, '"') || strchr(key, '\\') ||
		    have < 0.1 * customers || values < 0.3 * have || values >= have)
			continue;
		if (crm_strbuf_addstr(&name, "extra.") || crm_strbuf_addstr(&name, key)) {
			crm_strbuf_release(&name);
			return crm_error_nomem(err);
		}
		d->extra_name[d->nfields - DF_NFIELDS] = crm_strbuf_detach(&name, NULL);
		d->info[d->nfields] = dd_extra_field;
		d->info[d->nfields].name = d->extra_name[d->nfields - DF_NFIELDS];
		d->nfields++;
	}
	if (step == CRM_STEP_ERROR)
		return crm_stmt_fail(st, err, "cannot read the columns of extra");
	crm_stmt_reset(st);
	return CRM_OK;
}

/* Binds the JSON path of each extra column chosen ($."KEY"). */
static enum crm_status bind_extras(struct crm_dedupe *d, struct crm_stmt *st,
				   struct crm_error *err)
{
	int e;

	for (e = 0; e < d->nfields - DF_NFIELDS; e++) {
		struct crm_strbuf path = CRM_STRBUF_INIT;

		if (crm_strbuf_addf(&path, "$.\"%s\"", d->extra_name[e] + strlen("extra."))) {
			crm_strbuf_release(&path);
			return crm_error_nomem(err);
		}
		crm_stmt_bind_text(st, e + 1, path.buf, path.len);
		crm_strbuf_release(&path);
	}
	return CRM_OK;
}

static size_t find_rec(const struct crm_dedupe *d, int64_t id);
static enum crm_status load_apart(struct crm_dedupe *d, struct crm_stmt_table *t,
				  struct crm_error *err);
static enum crm_status load_absorbed(struct crm_dedupe *d, struct crm_stmt_table *t,
				     struct crm_error *err);

/*
 * Keys worked out in a second thread while the customers are read: the
 * reading (SQLite) and the keys (folding names, readings, addresses) took
 * a second each of crm dedupe --since on a million customers, one after
 * the other. The reader copies a batch of rows' values and hands it over;
 * the thread builds their keys into the arena, which only it touches
 * meanwhile, while the reader fills the other batch. One batch at most
 * is in the thread's hands; d->rec is only grown when none is.
 */
#define KEY_BATCH 2048

struct key_batch {
	size_t first, n;                       /* d->rec[first .. first + n) */
	struct crm_strbuf text;                /* the values, each ended */
	uint32_t off[KEY_BATCH][DC_NCOLUMNS];  /* offset + 1 of each in text; 0: NULL */
};

struct keyer {
	struct crm_dedupe *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct key_batch *pending;             /* handed over, not done */
	int started, quit, failed;
	struct key_batch batch[2];
	int filling;                           /* the reader's batch */
};

static int key_batch_run(struct crm_dedupe *d, const struct key_batch *b)
{
	size_t i;
	int c;

	for (i = 0; i < b->n; i++) {
		const char *v[DC_NCOLUMNS];

		for (c = 0; c < DC_NCOLUMNS; c++)
			v[c] = b->off[i][c] ? b->text.buf + b->off[i][c] - 1 : NULL;
		if (dd_keys(&d->arena, v, &d->rec[b->first + i]))
			return -1;
	}
	return 0;
}

static void *keyer_main(void *arg)
{
	struct keyer *k = arg;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		struct key_batch *b;
		int bad;

		while (!k->pending && !k->quit)
			pthread_cond_wait(&k->cv, &k->mu);
		if (!k->pending)
			break;
		b = k->pending;
		pthread_mutex_unlock(&k->mu);
		bad = key_batch_run(k->d, b);
		pthread_mutex_lock(&k->mu);
		k->failed |= bad;
		k->pending = NULL;
		pthread_cond_broadcast(&k->cv);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* A keyer for d's customers (its batches are 320 KB: not on the stack); NULL when out of memory. */
static struct keyer *keyer_new(struct crm_dedupe *d)
{
	struct keyer *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->d = d;
	crm_strbuf_init(&k->batch[0].text);
	crm_strbuf_init(&k->batch[1].text);
	if (pthread_mutex_init(&k->mu, NULL))
		return k;
	if (pthread_cond_init(&k->cv, NULL)) {
		pthread_mutex_destroy(&k->mu);
		return k;
	}
	/* No thread: the reader builds the keys itself. */
	k->started = !pthread_create(&k->thread, NULL, keyer_main, k);
	if (!k->started) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
	}
	return k;
}

/* Waits until the thread holds no batch; -1 when a batch ran out of memory. */
static int keyer_idle(struct keyer *k)
{
	int failed;

	if (!k->started)
		return k->failed ? -1 : 0;
	pthread_mutex_lock(&k->mu);
	while (k->pending)
		pthread_cond_wait(&k->cv, &k->mu);
	failed = k->failed;
	pthread_mutex_unlock(&k->mu);
	return failed ? -1 : 0;
}

/* Hands the reader's batch over (or runs it, without a thread) and starts the other. */
static int keyer_flush(struct keyer *k)
{
	struct key_batch *b = &k->batch[k->filling];

	if (!b->n)
		return 0;
	if (keyer_idle(k))
		return -1;
	if (!k->started) {
		k->failed |= key_batch_run(k->d, b);
	} else {
		pthread_mutex_lock(&k->mu);
		k->pending = b;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->mu);
	}
	k->filling ^= 1;
	b = &k->batch[k->filling];
	/* The thread is done with it: it had it two hand-overs ago. */
	b->n = 0;
	crm_strbuf_setlen(&b->text, 0);
	/* A failure of the batch handed over is told by the next keyer_idle(). */
	return !k->started && k->failed ? -1 : 0;
}

/* Copies the values v of customer rec into the reader's batch; -1 when out of memory. */
static int keyer_add(struct keyer *k, size_t rec, const char *const v[DC_NCOLUMNS])
{
	struct key_batch *b = &k->batch[k->filling];
	int c;

	if (b->n == KEY_BATCH && keyer_flush(k))
		return -1;
	b = &k->batch[k->filling];
	if (!b->n)
		b->first = rec;
	for (c = 0; c < DC_NCOLUMNS; c++) {
		b->off[b->n][c] = 0;
		if (!v[c])
			continue;
		if (b->text.len >= UINT32_MAX - 1)
			return -1;
		b->off[b->n][c] = (uint32_t)b->text.len + 1;
		if (crm_strbuf_add(&b->text, v[c], strlen(v[c]) + 1))
			return -1;
	}
	b->n++;
	return 0;
}

/* Builds what is left, stops the thread and frees k; -1 when a batch ran out of memory. */
static int keyer_finish(struct keyer *k)
{
	int bad;

	if (!k)
		return 0;
	bad = keyer_flush(k);
	bad |= keyer_idle(k);
	if (k->started) {
		pthread_mutex_lock(&k->mu);
		k->quit = 1;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->thread, NULL);
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		k->started = 0;
	}
	crm_strbuf_release(&k->batch[0].text);
	crm_strbuf_release(&k->batch[1].text);
	free(k);
	return bad ? -1 : 0;
}

static enum crm_status load(struct crm_dedupe *d, struct crm_db *db, struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *st = NULL;
	struct keyer *k = NULL;
	enum crm_status s;
	size_t cap = 0, expect = 0;
	enum crm_step step = CRM_STEP_DONE;

	if ((s = crm_stmt_table_init(&t, db, dedupe_sql, ST_COUNT, err)))
		return s;
	s = choose_extras(d, &t, &expect, err);
	if (!s && !(st = crm_stmt_table_get(&t, ST_CUSTOMERS, err)))
		s = err->code;
	if (!s)
		s = bind_extras(d, st, err);
	if (!s && d->o.since) {
		struct crm_stmt *run = crm_stmt_table_get(&t, ST_RUN_START, err);
		int found = 0;

		if (!run)
			s = err->code;
		else
			crm_stmt_bind_int(run, 1, d->o.since);
		if (!s)
			s = crm_stmt_one(run, &found, "cannot read the runs", err);
		if (!s && !found)
			s = crm_error_set(err, CRM_ERR_NOTFOUND, "there is no run %lld (crm log "
					  "lists them)", (long long)d->o.since);
		if (!s)
			crm_stmt_bind_str(st, 5, crm_stmt_text(run, 0));
	}
	/*
	 * Room for the customers counted, and their keys (64 bytes each, about
	 * what names, address and email take): grown by doubling, the copies
	 * and the pages faulted in were a tenth of --since.
	 */
	if (!s && expect && (d->rec = malloc(expect * sizeof(*d->rec))))
		cap = expect;
	if (!s && expect && expect < SIZE_MAX / 64 && crm_strbuf_grow(&d->arena, expect * 64))
		s = crm_error_nomem(err);
	if (!s && !(k = keyer_new(d)))
		s = crm_error_nomem(err);
	while (!s && (step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		const char *v[DC_NCOLUMNS];
		struct dd_rec *r;
		int c;

		if (d->n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct dd_rec *p;

			/* The thread writes into d->rec: not while it moves. */
			if (keyer_idle(k)) {
				s = crm_error_nomem(err);
				break;
			}
			p = realloc(d->rec, ncap * sizeof(*p));

			if (!p) {
				s = crm_error_nomem(err);
				break;
			}
			d->rec = p;
			cap = ncap;
		}
		r = &d->rec[d->n];
		memset(r, 0, sizeof(*r));
		r->id = crm_stmt_int(st, 0);
		for (c = 0; c < DC_NCOLUMNS; c++)
			v[c] = crm_stmt_text(st, c + 1);
		r->fresh = crm_stmt_int(st, DC_NCOLUMNS + 1) != 0;
		d->st.fresh += r->fresh;
		if (keyer_add(k, d->n, v)) {
			s = crm_error_nomem(err);
			break;
		}
		d->n++;
		if (d->o.progress && !(d->n % 65536))
			d->o.progress(d->o.ctx, "reading", d->n, 0);
	}
	if (keyer_finish(k) && !s)
		s = crm_error_nomem(err);
	if (!s && step == CRM_STEP_ERROR)
		s = crm_stmt_fail(st, err, "cannot read the customers");
	if (!s)
		s = load_apart(d, &t, err);
	if (!s)
		s = load_absorbed(d, &t, err);
	crm_stmt_table_release(&t);
	return s;
}

/* --- Hashing and sorting --------------------------------------------------- */

/* At least size bytes of s (and its counts), or NULL when out of memory. */
static void *scratch_get(struct scratch *s, size_t size)
{
	if (!s->count && !(s->count = malloc(65536 * sizeof(*s->count))))
		return NULL;
	if (s->size < size) {
		free(s->buf);
		s->size = 0;
		if (!(s->buf = malloc(size)))
			return NULL;
		s->size = size;
	}
	return s->buf;
}

static void scratch_release(struct scratch *s)
{
	free(s->buf);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

/*
 * Radix sorts (least significant 16 bits first; a pass whose digit is the
 * same for all is skipped; stable) of n elements of type T by the
 * uint64_t KEY of each, in scratch memory sc: the candidate pairs number
 * in the millions, and qsort's comparisons through a function pointer
 * were a fifth of the work. -1 when out of memory (nothing is sorted
 * then).
 */
#define RADIX_SORT(name, T, KEY)							\
	static int name(T *a, size_t n, struct scratch *sc)				\
	{										\
		T *b = scratch_get(sc, n * sizeof(*b)), *t, *orig = a;		\
		size_t *count = sc->count, i, sum;					\
		unsigned shift;								\
											\
		if (!b || !n)								\
			return b ? 0 : -1;						\
		for (shift = 0; shift < 64; shift += 16) {				\
			memset(count, 0, 65536 * sizeof(*count));			\
			for (i = 0; i < n; i++)						\
				count[(KEY(a[i]) >> shift) & 0xffff]++;			\
			if (count[(KEY(a[0]) >> shift) & 0xffff] == n)			\
				continue;						\
			for (i = 0, sum = 0; i < 65536; i++) {				\
				size_t c = count[i];					\
											\
				count[i] = sum;						\
				sum += c;						\
			}								\
			for (i = 0; i < n; i++)						\
				b[count[(KEY(a[i]) >> shift) & 0xffff]++] = a[i];	\
			t = a;								\
			a = b;								\
			b = t;								\
		}									\
		if (a != orig)								\
			memcpy(orig, a, n * sizeof(*a));				\
		return 0;								\
	}

#define U64_KEY(x) (x)
RADIX_SORT(radix_sort_u64, uint64_t, U64_KEY)

/* --- Term frequencies ------------------------------------------------------ */

struct keyed {
	const char *key;
	uint32_t rec;
};

static int by_key(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->rec > b->rec) - (a->rec < b->rec);
}

/*
 * Two hashes of the string s in one pass, without its length: FNV-1a, and
 * a second with another basis and multiplier, to tell keys of one FNV
 * hash apart.
 */
static uint64_t hash2(const char *s, uint32_t *second)
{
	uint64_t h = CRM_FNV_BASIS;
	uint32_t g = 0x811c9dc5u;   /* FNV-1a, 32 bits */

	for (; *s; s++) {
		h = crm_fnv_byte(h, (unsigned char)*s);
		g = (g ^ (unsigned char)*s) * 0x01000193u;
	}
	*second = g;
	return h;
}

/* A key's hashes, with the customer it is of. */
struct hashed {
	uint64_t h;
	uint32_t h2;
	uint32_t rec;
};

#define HASHED_KEY(x) ((x).h)
RADIX_SORT(radix_sort_hashed, struct hashed, HASHED_KEY)

/*
 * Sets the term frequency of field f of the customers ix[0..n) says, all
 * of one key's hash: their keys are the same unless the second hashes
 * differ, a collision of the first (then the keys are sorted and counted
 * one by one). Two keys whose both hashes agree, 96 bits, count as one:
 * comparing every key with the first of its run was a tenth of --since.
 */
static enum crm_status count_run(struct crm_dedupe *d, int f, const struct hashed *ix, size_t n,
				 struct crm_error *err)
{
	struct keyed *k;
	size_t i, j, x;

	for (i = 1; i < n && ix[i].h2 == ix[0].h2; i++)
		;
	if (i == n) {
		for (i = 0; i < n; i++)
			d->rec[ix[i].rec].tf[f] = (uint32_t)n;
		return CRM_OK;
	}
	if (!(k = malloc(n * sizeof(*k))))
		return crm_error_nomem(err);
	for (i = 0; i < n; i++) {
		k[i].key = dd_key(&d->arena, &d->rec[ix[i].rec], f);
		k[i].rec = ix[i].rec;
	}
	qsort(k, n, sizeof(*k), by_key);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !strcmp(k[i].key, k[j].key); j++)
			;
		for (x = i; x < j; x++)
			d->rec[k[x].rec].tf[f] = (uint32_t)(j - i);
	}
	free(k);
	return CRM_OK;
}

/*
 * How many customers share each customer's key, per field and for the
 * home key (DK_HOME): the keys' hashes sorted and counted (sorting the
 * keys themselves was a sixth of dedupe's work, and with --since most of
 * it).
 */
static enum crm_status term_frequencies(struct crm_dedupe *d, struct crm_error *err)
{
	struct hashed *ix = malloc((d->n ? d->n : 1) * sizeof(*ix));
	enum crm_status s = CRM_OK;
	int f;

	if (!ix)
		return crm_error_nomem(err);
	for (f = 0; !s && f < d->nfields + 2; f++) {
		int key = f < d->nfields ? f : f == d->nfields ? DK_HOME : DK_LOCAL;
		size_t k = 0, i, j;

		for (i = 0; i < d->n; i++)
			if (d->rec[i].key[key]) {
				ix[k].h = hash2(dd_key(&d->arena, &d->rec[i], key), &ix[k].h2);
				ix[k++].rec = (uint32_t)i;
			}
		d->nkeyed[key] = k;
		if (k > 1 && radix_sort_hashed(ix, k, &d->scratch)) {
			s = crm_error_nomem(err);
			break;
		}
		for (i = 0; !s && i < k; i = j) {
			for (j = i + 1; j < k && ix[j].h == ix[i].h; j++)
				;
			s = count_run(d, key, ix + i, j - i, err);
		}
	}
	free(ix);
	return s;
}

/* --- Blocking ------------------------------------------------------------- */

/* A part of a blocking rule: a key, or its first bytes (a birth year). */
struct part {
	int key;
	int prefix;   /* 0: whole */
};

struct rule {
	const char *name;
	struct part part[3];
	int nparts;
	long max;     /* its own cap on a block, when below max_block; 0: none */
	/*
	 * Its pairs train the model: the rules whose pairs are mostly one
	 * person (an email, a phone, or the birthdate with a name, a
	 * reading, a postal code or a town). On the others (a name alone, a
	 * name and a town) namesakes can outnumber the duplicates, and EM
	 * fitted to them took a namesake for what a duplicate looks like.
	 */
	int train;
	/*
	 * A second key in the first part's place, + 1 (0: none): a customer's
	 * blocks are of either, so that a phone meets a mobile, and a name
	 * written the other way round (family in the given name's column)
	 * meets its person.
	 */
	int alt;
};
#define ALT(k) ((k) + 1)

/*
 * A rule on one name or one date alone finds the pairs that agree on
 * nothing else exactly (a typing slip in every other field), but its
 * blocks grow with the customers: only blocks this small are taken.
 */
#define NARROW_BLOCK 30
/*
 * A key many share is no one's: an office's switchboard, 佐藤 in 横浜市,
 * a common full name. Its block's pairs cost the square of its size and
 * find no duplicate that a personal key (an email, a birthdate with the
 * name) would not: blocks of these rules are taken up to this size.
 */
#define SHARED_BLOCK 30

/*
 * The union of rules a candidate pair comes from: any one of them is
 * enough. Each pairs a strong key with another so that no block is a
 * whole city or a whole birth year.
 */
static const struct rule rules[] = {
	{ "email", { { DF_EMAIL, 0 } }, 1, 0, 1, 0 },
	{ "phone", { { DF_PHONE, 0 } }, 1, SHARED_BLOCK, 1, ALT(DK_MOBILE) },
	{ "name", { { DF_FAMILY, 0 }, { DF_GIVEN, 0 } }, 2, SHARED_BLOCK, 0, 0 },
	{ "family+birthdate", { { DF_FAMILY, 0 }, { DF_BIRTH, 0 } }, 2, 0, 1, 0 },
	{ "given+birthdate", { { DF_GIVEN, 0 }, { DF_BIRTH, 0 } }, 2, 0, 1, 0 },
	{ "kana+postal", { { DF_KANA, 0 }, { DF_POSTAL, 0 } }, 2, 0, 1, 0 },
	{ "kana+birth year", { { DF_KANA, 0 }, { DF_BIRTH, 4 } }, 2, 0, 1, 0 },
	{ "postal+birthdate", { { DF_POSTAL, 0 }, { DF_BIRTH, 0 } }, 2, 0, 1, 0 },
	{ "family or given+postal", { { DF_FAMILY, 0 }, { DF_POSTAL, 0 } }, 2, 0, 0, ALT(DF_GIVEN) },
	{ "birthdate+city", { { DF_BIRTH, 0 }, { DF_CITY, 0 } }, 2, 0, 1, 0 },
	{ "family+city", { { DF_FAMILY, 0 }, { DF_CITY, 0 } }, 2, SHARED_BLOCK, 0, 0 },
	{ "given+address", { { DF_GIVEN, 0 }, { DF_ADDRESS, 0 } }, 2, 0, 0, 0 },
	{ "company+family", { { DF_COMPANY, 0 }, { DF_FAMILY, 0 } }, 2, SHARED_BLOCK, 0, 0 },
	{ "family alone", { { DF_FAMILY, 0 } }, 1, NARROW_BLOCK, 0, 0 },
	{ "given alone", { { DF_GIVEN, 0 } }, 1, NARROW_BLOCK, 0, 0 },
	{ "birthdate alone", { { DF_BIRTH, 0 } }, 1, NARROW_BLOCK, 0, 0 },
};

/*
 * The block of r under rule u with key k in the first part's place; 0:
 * none. FNV-1a of the parts, each ended by 0x1f, in one pass each.
 */
static uint64_t block_of(const struct crm_dedupe *d, const struct dd_rec *r,
			 const struct rule *u, int k)
{
	uint64_t h = CRM_FNV_BASIS;
	int i;

	for (i = 0; i < u->nparts; i++) {
		const char *v = dd_key(&d->arena, r, i ? u->part[i].key : k);
		int j;

		if (!v)
			return 0;
		if (u->part[i].prefix) {
			for (j = 0; j < u->part[i].prefix; j++) {
				if (!v[j])
					return 0;
				h = crm_fnv_byte(h, (unsigned char)v[j]);
			}
		} else {
			for (; *v; v++)
				h = crm_fnv_byte(h, (unsigned char)*v);
		}
		h = crm_fnv_byte(h, 0x1f);
	}
	return h ? h : 1;
}

struct entry {
	uint64_t block;
	uint32_t rec;
};

static int by_block(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->block != b->block)
		return (a->block > b->block) - (a->block < b->block);
	return (a->rec > b->rec) - (a->rec < b->rec);
}

static int by_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

struct pairset {
	uint64_t *p;   /* low record << 32 | high record */
	size_t n, cap;
};

static int pairset_add(struct pairset *s, uint32_t a, uint32_t b)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		uint64_t *p = realloc(s->p, ncap * sizeof(*p));

		if (!p)
			return -1;
		s->p = p;
		s->cap = ncap;
	}
	s->p[s->n++] = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	return 0;
}

/* Sorts and drops the pairs given twice. */
static void pairset_unique(struct pairset *s, struct scratch *sc)
{
	size_t i, k = 0;

	if (!s->n)
		return;
	if (radix_sort_u64(s->p, s->n, sc))
		qsort(s->p, s->n, sizeof(*s->p), by_u64);
	for (i = 0; i < s->n; i++)
		if (!k || s->p[k - 1] != s->p[i])
			s->p[k++] = s->p[i];
	s->n = k;
}

/*
 * The candidate pairs: each once, with the rules that gave it (a bit
 * each: a rule's pairs train the model without the rule's own fields) and,
 * once compared, its pattern of levels: every pair is compared once.
 */
struct cand {
	uint64_t pair;    /* low record << 32 | high record */
	uint32_t rules;
};

struct candset {
	struct cand *c;
	size_t n, cap;
	uint64_t *pat;    /* pattern_t, below */
};

#define CAND_KEY(c) ((c).pair)
RADIX_SORT(radix_sort_cands, struct cand, CAND_KEY)

static int by_pair(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	return (a->pair > b->pair) - (a->pair < b->pair);
}

#define ENTRY_KEY(x) ((x).block)
RADIX_SORT(radix_sort_entries, struct entry, ENTRY_KEY)

/*
 * A set of blocks (never 0), open addressing: the blocks of the customers
 * to compare with --since, against which everyone's are looked up.
 */
struct blockset {
	uint64_t *slot;
	size_t mask;
};

static int blockset_init(struct blockset *bs, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	bs->mask = cap - 1;
	return (bs->slot = calloc(cap, sizeof(*bs->slot))) ? 0 : -1;
}

/* The slot of b: where it is, or the empty one where it would go. */
static size_t blockset_slot(const struct blockset *bs, uint64_t b)
{
	size_t i = (size_t)(b ^ b >> 29) & bs->mask;

	while (bs->slot[i] && bs->slot[i] != b)
		i = (i + 1) & bs->mask;
	return i;
}

/* The blocks of customer i under rule u, into b (at most 2); how many. */
static int blocks_of(const struct crm_dedupe *d, size_t i, const struct rule *u, uint64_t b[2])
{
	int n = 0;

	if ((b[n] = block_of(d, &d->rec[i], u, u->part[0].key)))
		n++;
	/* The same block twice (a name written in both columns) is one. */
	if (u->alt && (b[n] = block_of(d, &d->rec[i], u, u->alt - 1)) && (!n || b[n] != b[0]))
		n++;
	return n;
}

/*
 * With --since and a saved model: the blocks of the customers to compare
 * under rule u, so that only the blocks holding one of them are formed.
 */
static int fresh_blocks(const struct crm_dedupe *d, const struct rule *u, struct blockset *bs)
{
	uint64_t b[2];
	size_t i;
	int k, n;

	if (blockset_init(bs, 2 * (size_t)d->st.fresh))
		return -1;
	for (i = 0; i < d->n; i++)
		if (d->rec[i].fresh)
			for (n = blocks_of(d, i, u, b), k = 0; k < n; k++)
				bs->slot[blockset_slot(bs, b[k])] = b[k];
	return 0;
}

/*
 * Every pair within the blocks of rule u (number ri), blocks too large
 * skipped, into all. With --since and a saved model (d->model_run), only
 * the blocks of the customers to compare are formed, whole (so that a
 * block is skipped as it would be in a full run), and only their pairs
 * with one of those customers are taken.
 */
static enum crm_status block_rule(struct crm_dedupe *d, const struct rule *u, int ri,
				  struct entry *e, struct candset *all, struct crm_error *err)
{
	struct pairset rp = { 0 };
	struct blockset fresh = { 0 };
	size_t k = 0, i, j, x, y;
	long max = d->o.max_block > 0 ? d->o.max_block : CRM_DEDUPE_MAX_BLOCK;
	int only_fresh = d->o.since && d->model_run;

	if (only_fresh && fresh_blocks(d, u, &fresh))
		return crm_error_nomem(err);
	for (i = 0; i < d->n; i++) {
		uint64_t b[2];
		int n = blocks_of(d, i, u, b), key;

		for (key = 0; key < n; key++) {
			if (only_fresh && !fresh.slot[blockset_slot(&fresh, b[key])])
				continue;
			e[k].block = b[key];
			e[k++].rec = (uint32_t)i;
		}
	}
	free(fresh.slot);
	/* Stable: a block's entries stay in the order of their customers. */
	if (k > 1 && radix_sort_entries(e, k, &d->scratch))
		qsort(e, k, sizeof(*e), by_block);
	for (i = 0; i < k; i = j) {
		for (j = i + 1; j < k && e[j].block == e[i].block; j++)
			;
		if (u->max && (long)(j - i) > u->max && u->max < max)
			continue;
		if ((long)(j - i) > max) {
			d->st.blocks_skipped++;
			if (j - i > d->st.largest_skipped)
				d->st.largest_skipped = j - i;
			continue;
		}
		for (x = i; x < j; x++)
			for (y = x + 1; y < j; y++) {
				if (e[x].rec == e[y].rec)
					continue;
				if (only_fresh && !d->rec[e[x].rec].fresh && !d->rec[e[y].rec].fresh)
					continue;
				if (pairset_add(&rp, e[x].rec, e[y].rec)) {
					free(rp.p);
					return crm_error_nomem(err);
				}
			}
	}
	pairset_unique(&rp, &d->scratch);
	if (all->n + rp.n > all->cap) {
		size_t ncap = (all->n + rp.n) * 2;
		struct cand *c = realloc(all->c, ncap * sizeof(*c));

		if (!c) {
			free(rp.p);
			return crm_error_nomem(err);
		}
		all->c = c;
		all->cap = ncap;
	}
	for (i = 0; i < rp.n; i++) {
		all->c[all->n].pair = rp.p[i];
		all->c[all->n++].rules = 1u << ri;
	}
	free(rp.p);
	return CRM_OK;
}

/* The fields rule u blocks on, a bit each: its session leaves them out. */
static unsigned rule_fields(const struct rule *u)
{
	unsigned blocked = 0;
	int i;

	for (i = 0; i < u->nparts; i++)
		blocked |= 1u << u->part[i].key;
	/* A rule's own fields, not the mobile (a phone already is one). */
	if (u->alt && u->alt - 1 < DD_MAX_FIELDS)
		blocked |= 1u << (u->alt - 1);
	return blocked;
}

/* Sorts all and makes each pair one entry, with the rules of all its copies. */
static void cands_unique(struct candset *all, struct scratch *sc)
{
	size_t i, k = 0;

	if (!all->n)
		return;
	if (radix_sort_cands(all->c, all->n, sc))
		qsort(all->c, all->n, sizeof(*all->c), by_pair);
	for (i = 0; i < all->n; i++) {
		if (k && all->c[k - 1].pair == all->c[i].pair)
			all->c[k - 1].rules |= all->c[i].rules;
		else
			all->c[k++] = all->c[i];
	}
	all->n = k;
}

static enum crm_status candidates(struct crm_dedupe *d, struct candset *all,
				  struct rule *ru, int *nru, struct crm_error *err)
{
	struct entry *e = malloc((d->n ? d->n : 1) * 2 * sizeof(*e));
	enum crm_status s = CRM_OK;
	size_t r;

	if (!e)
		return crm_error_nomem(err);
	*nru = 0;
	for (r = 0; r < NELEMS(rules); r++)
		ru[(*nru)++] = rules[r];
	/* An identifier of extra alone, as an email. */
	for (r = DF_NFIELDS; r < (size_t)d->nfields; r++) {
		struct rule u = { d->info[r].name, { { (int)r, 0 } }, 1, 0, 1, 0 };

		ru[(*nru)++] = u;
	}
	for (r = 0; r < (size_t)*nru && !s; r++) {
		s = block_rule(d, &ru[r], (int)r, e, all, err);
		/* Keep the set small as rules add to it. */
		if (!s)
			cands_unique(all, &d->scratch);
		if (d->o.progress)
			d->o.progress(d->o.ctx, "blocking", r + 1, (unsigned long)*nru);
	}
	d->st.rules = (unsigned long)*nru;
	free(e);
	return s;
}

/* --- Comparing ------------------------------------------------------------ */

typedef uint64_t pattern_t;   /* the levels of a pair, a base-DD_MAX_LEVELS digit per field */

static pattern_t pattern_of(const struct crm_dedupe *d, const struct dd_rec *a,
			    const struct dd_rec *b)
{
	pattern_t p = 0;
	int f;

	for (f = d->nfields - 1; f >= 0; f--)
		p = p * DD_MAX_LEVELS + (pattern_t)dd_level(&d->arena, a, b, f);
	return p;
}

static int level_in(pattern_t p, int f)
{
	while (f--)
		p /= DD_MAX_LEVELS;
	return (int)(p % DD_MAX_LEVELS);
}

/* A small, fixed generator: the same random pairs on every run. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * u: how often each level comes up between two customers taken at random.
 * Exact agreement is counted, not sampled: from the term frequencies, the
 * share of all pairs (of customers with a key) whose keys are equal. The
 * levels below it share the rest as random pairs do.
 */
static void estimate_u(struct crm_dedupe *d)
{
	double count[DD_MAX_FIELDS][DD_MAX_LEVELS] = { { 0 } };
	double same[DD_MAX_FIELDS] = { 0 };
	uint64_t seed = 20261202;
	unsigned long all = d->n > 1 ? (unsigned long)(d->n * (d->n - 1) / 2) : 0, k;
	int exhaustive = all <= RANDOM_PAIRS;
	size_t i = 0, j = 1;
	int f, l;

	for (i = 0; i < d->n; i++)
		for (f = 0; f < d->nfields; f++)
			if (d->rec[i].key[f])
				same[f] += (double)d->rec[i].tf[f] - 1;
	i = 0;
	d->st.random_pairs = exhaustive ? all : RANDOM_PAIRS;
	for (k = 0; k < d->st.random_pairs; k++) {
		size_t a, b;

		if (exhaustive) {
			a = i;
			b = j;
			if (++j == d->n) {
				i++;
				j = i + 1;
			}
		} else {
			do {
				a = splitmix(&seed) % d->n;
				b = splitmix(&seed) % d->n;
			} while (a == b);
		}
		for (f = 0; f < d->nfields; f++)
			count[f][dd_level(&d->arena, &d->rec[a], &d->rec[b], f)] += 1;
	}
	for (f = 0; f < d->nfields; f++) {
		int L = d->info[f].nlevels;
		double keyed = (double)d->nkeyed[f], exact, below = 0;

		/* Ordered pairs of keyed customers with equal keys, over all such pairs. */
		exact = keyed > 1 ? same[f] / (keyed * (keyed - 1)) : 0;
		if (exact <= 0)
			exact = 0.5 / (keyed * keyed + 1);
		if (exact > 0.999)
			exact = 0.999;
		for (l = 2; l < L; l++)
			below += count[f][l] + 0.5;
		d->u[f][1] = exact;
		for (l = 2; l < L; l++)
			d->u[f][l] = (1 - exact) * (count[f][l] + 0.5) / below;
	}
}

/* --- The model: EM over the distinct patterns ------------------------------ */

struct patcount {
	pattern_t p;
	unsigned long n;
};

/*
 * A training session, as Splink has them: EM on the pairs of one blocking
 * rule, leaving out the fields of the rule (its pairs agree on them by
 * construction, which says nothing). m is estimated for the other fields
 * (u stays the random pairs'), with the share of matches among the pairs.
 */
struct session {
	double m[DD_MAX_FIELDS][DD_MAX_LEVELS];
	double m0[DD_MAX_FIELDS][DD_MAX_LEVELS];   /* the prior's (init_m) */
	/*
	 * u among the session's own pairs, fitted with m: the people a rule
	 * puts together wrongly (two 佐藤翔太) are not random pairs, and with u
	 * held at the random pairs' EM made them matches, every pair at last.
	 */
	double u[DD_MAX_FIELDS][DD_MAX_LEVELS];
	unsigned blocked;          /* fields left out, a bit each */
	double lambda;
	unsigned long iterations;
	int converged;
};

static void init_m(const struct crm_dedupe *d, double m[][DD_MAX_LEVELS])
{
	int f, l;

	for (f = 0; f < d->nfields; f++) {
		int L = d->info[f].nlevels;
		double rest = 0.1 / (L - 2 > 0 ? L - 2 : 1);

		for (l = 1; l < L; l++)
			m[f][l] = l == 1 ? 0.9 : rest;
	}
}

static double posterior(const struct crm_dedupe *d, const struct session *s, pattern_t p)
{
	double lm = log(s->lambda), lu = log(1 - s->lambda);
	int f;

	for (f = 0; f < d->nfields; f++) {
		int l = level_in(p, f);

		if (l && !(s->blocked & 1u << f)) {
			lm += log(s->m[f][l]);
			lu += log(s->u[f][l]);
		}
	}
	return 1.0 / (1.0 + exp(lu - lm));
}

/*
 * Pairs' worth of belief in the starting m (a Dirichlet prior): EM on a
 * few dozen customers, where a handful of pairs would otherwise set m
 * (two people of one name made a match), stays near it; on thousands the
 * data decides.
 */
#define PRIOR_PAIRS 20.0
/* The same for u, from the random pairs: worth more, as they are many. */
#define PRIOR_U_PAIRS 200.0

/* EM over the distinct patterns pc: lambda, and m too when fit_m (the MAP estimate). */
static void em(const struct crm_dedupe *d, const struct patcount *pc, size_t np,
	       struct session *s, int fit_m)
{
	double total = 0;
	unsigned long it;
	size_t i;
	int f, l;

	for (i = 0; i < np; i++)
		total += (double)pc[i].n;
	s->lambda = 0.05;
	s->converged = 0;
	for (it = 0; it < EM_MAX_ITER && total > 0; it++) {
		double sm[DD_MAX_FIELDS][DD_MAX_LEVELS] = { { 0 } }, matches = 0, delta;
		double su[DD_MAX_FIELDS][DD_MAX_LEVELS] = { { 0 } };

		for (i = 0; i < np; i++) {
			double p = posterior(d, s, pc[i].p), w = p * (double)pc[i].n;
			double v = (1 - p) * (double)pc[i].n;

			matches += w;
			for (f = 0; fit_m && f < d->nfields; f++) {
				sm[f][level_in(pc[i].p, f)] += w;
				su[f][level_in(pc[i].p, f)] += v;
			}
		}
		delta = fabs(matches / total - s->lambda);
		s->lambda = matches / total;
		if (s->lambda < 1e-9)
			s->lambda = 1e-9;
		if (s->lambda > 1 - 1e-9)
			s->lambda = 1 - 1e-9;
		for (f = 0; fit_m && f < d->nfields; f++) {
			int L = d->info[f].nlevels;
			double seen = 0, unseen = 0;

			if (s->blocked & 1u << f)
				continue;
			for (l = 1; l < L; l++) {
				seen += sm[f][l];
				unseen += su[f][l];
			}
			for (l = 1; l < L; l++) {
				double m = (sm[f][l] + PRIOR_PAIRS * s->m0[f][l]) /
					   (seen + PRIOR_PAIRS);
				double u = (su[f][l] + PRIOR_U_PAIRS * d->u[f][l]) /
					   (unseen + PRIOR_U_PAIRS);

				if (fabs(m - s->m[f][l]) > delta)
					delta = fabs(m - s->m[f][l]);
				s->m[f][l] = m;
				s->u[f][l] = u;
			}
		}
		if (delta < EM_TOLERANCE) {
			s->converged = 1;
			it++;
			break;
		}
	}
	s->iterations = it;
}

/* What the sessions found, weighed by the matches each saw. */
struct training {
	double msum[DD_MAX_FIELDS][DD_MAX_LEVELS];
	double wsum[DD_MAX_FIELDS];
	unsigned long sessions;
};

/* The fewest matches a session must see for its m to count. */
#define SESSION_MIN_MATCHES ((double)CRM_DEDUPE_MIN_LEARN)

/*
 * Whether a session found duplicates at all: the pairs it calls one
 * person must mostly agree on each personal value it was free to learn
 * (a name, the reading, the birthdate, the email). On a database whose
 * duplicates were merged already, EM found what was left, a family or
 * namesakes, and called it the match: pairs that differ on the birthdate
 * and the email 97 times in 100, which would have merged every namesake.
 */
static int plausible(const struct crm_dedupe *d, const struct session *s)
{
	int f;

	for (f = 0; f < d->nfields; f++) {
		int L = d->info[f].nlevels;
		/* A birthdate differs past "within a year": ten years or a generation. */
		double differ = s->m[f][L - 1] + (f == DF_BIRTH ? s->m[f][L - 2] : 0);

		if (d->info[f].personal && !(s->blocked & 1u << f) && differ > 0.5)
			return 0;
	}
	return 1;
}

static void train(struct crm_dedupe *d, struct training *tr, const struct patcount *pc,
		  size_t np, unsigned blocked)
{
	struct session s;
	double total = 0, matches;
	size_t i;
	int f, l;

	for (i = 0; i < np; i++)
		total += (double)pc[i].n;
	/* A rule that gave no pairs (no kana in the data) has nothing to fit. */
	if (total <= 0)
		return;
	memset(&s, 0, sizeof(s));
	s.blocked = blocked;
	init_m(d, s.m);
	init_m(d, s.m0);
	memcpy(s.u, d->u, sizeof(s.u));
	em(d, pc, np, &s, 1);
	d->st.iterations += s.iterations;
	d->st.converged &= s.converged;
	matches = s.lambda * total;
	if (matches < SESSION_MIN_MATCHES)
		return;
	if (!plausible(d, &s)) {
		d->st.implausible++;
		return;
	}
	tr->sessions++;
	for (f = 0; f < d->nfields; f++) {
		if (blocked & 1u << f)
			continue;
		for (l = 1; l < d->info[f].nlevels; l++)
			tr->msum[f][l] += s.m[f][l] * matches;
		tr->wsum[f] += matches;
	}
}

/* m from the sessions; a field no session could learn keeps the starting guess. */
static void trained_m(struct crm_dedupe *d, const struct training *tr)
{
	int f, l;

	init_m(d, d->m);
	for (f = 0; f < d->nfields; f++)
		if (tr->wsum[f] > 0)
			for (l = 1; l < d->info[f].nlevels; l++)
				d->m[f][l] = tr->msum[f][l] / tr->wsum[f];
}

/* The share of matches among all compared pairs, with m and u as trained. */
static void fit_prior(struct crm_dedupe *d, const struct patcount *pc, size_t np)
{
	struct session s;

	if (!np)
		return;
	memset(&s, 0, sizeof(s));
	memcpy(s.m, d->m, sizeof(s.m));
	memcpy(s.u, d->u, sizeof(s.u));
	em(d, pc, np, &s, 0);
	d->st.iterations += s.iterations;
	d->st.converged &= s.converged;
	d->st.prior = s.lambda;
}

/*
 * The prior odds of a pair: the share of matches among the compared pairs
 * spread over all pairs (those blocking left out are taken as two
 * people), so that a score is the odds for any two customers.
 */
static void set_prior(struct crm_dedupe *d, unsigned long compared)
{
	double all = (double)d->n * ((double)d->n - 1) / 2, lambda;

	lambda = all > 0 ? d->st.prior * (double)compared / all : 0;
	if (lambda < 1e-12)
		lambda = 1e-12;
	if (lambda > 0.5)
		lambda = 0.5;
	d->prior = log2(lambda / (1 - lambda));
}

static int by_pattern(const void *x, const void *y)
{
	pattern_t a = *(const pattern_t *)x, b = *(const pattern_t *)y;

	return (a > b) - (a < b);
}

/* --- Scores ---------------------------------------------------------------- */

/*
 * The chance that another customer has the value n of the keyed customers
 * have, one of them a: (n - 1) / (keyed - 1), as estimate_u() counts exact
 * agreement. Counted as n / keyed, a value one person has under four
 * records weighed two bits less than one person's under one: a person's
 * own duplicates made their name look common.
 */
static double tf_u(const struct crm_dedupe *d, int f, uint32_t n)
{
	double keyed = (double)d->nkeyed[f];

	return keyed > 1 && n > 1 ? (double)(n - 1) / (keyed - 1) : 1.0 / (keyed + 1);
}

/* The larger of a's and b's counts of key k: the commoner value's. */
static uint32_t tf_most(const struct dd_rec *a, const struct dd_rec *b, int k)
{
	return a->tf[k] > b->tf[k] ? a->tf[k] : b->tf[k];
}

/* Whether a and b have one home key: the same address in the same postal code. */
static int same_home(const struct crm_dedupe *d, const struct dd_rec *a, const struct dd_rec *b)
{
	return a->key[DK_HOME] && b->key[DK_HOME] &&
	       !strcmp(dd_key(&d->arena, a, DK_HOME), dd_key(&d->arena, b, DK_HOME));
}

/*
 * Whether a's email and b's have one local part (dots aside) at domains
 * not alike (a slip in the domain, woods.biz and woods.bz, is one
 * person's address). The domains alone are compared: the local part
 * they share made yahoo.com and aol.com look alike.
 */
static int other_domain(const struct crm_dedupe *d, const struct dd_rec *a,
			const struct dd_rec *b)
{
	const char *x, *y;

	if (!dd_same_local(&d->arena, a, b))
		return 0;
	x = strchr(dd_key(&d->arena, a, DF_EMAIL), '@');
	y = strchr(dd_key(&d->arena, b, DF_EMAIL), '@');
	return x && y && dd_jaro_winkler_min(x + 1, y + 1, 0.9) < 0.9;
}

/* The weight of field f at level l for a and b: exact by term frequency. */
static double field_weight(const struct crm_dedupe *d, const struct dd_rec *a,
			   const struct dd_rec *b, int f, int l, double *u)
{
	*u = d->u[f][l];
	if (!l)
		return 0.0;
	if (l == 1 && f == DF_ADDRESS && same_home(d, a, b)) {
		/* One address in one postal code: as common as it is there, not everywhere. */
		*u = tf_u(d, DK_HOME, a->tf[DK_HOME]);
	} else if (l == 1 && d->info[f].tf && d->nkeyed[f] && f != DF_PHONE) {
		*u = tf_u(d, f, tf_most(a, b, f));
	} else if (l == 1 && f == DF_PHONE && d->nkeyed[f]) {
		/* The number both have: the phone's count, or the mobile's (not counted). */
		uint32_t n = a->tf[f] < b->tf[f] ? a->tf[f] : b->tf[f];

		*u = tf_u(d, f, n > 1 ? n : 2);
	} else if (l == 2 && f == DF_EMAIL && other_domain(d, a, b)) {
		/*
		 * The same local part at another domain: as common as other
		 * customers' addresses of that local part elsewhere are (the
		 * fewer of the two counts: a person's own duplicates at one
		 * address are one person).
		 */
		uint32_t e = tf_most(a, b, f), k = tf_most(a, b, DK_LOCAL);
		double t = tf_u(d, DK_LOCAL, k > e ? k - e + 1 : 1);

		if (t > *u)
			*u = t;
	} else if (l == 2 && (f == DF_FAMILY || f == DF_GIVEN) && d->info[f].tf &&
		   d->nkeyed[f] && dd_swapped(&d->arena, a, b)) {
		/*
		 * The names the other way round count as close, but no more
		 * than the same names straight: WILLIAM TAYLOR against TAYLOR
		 * WILLIAM, both common, weighed 15 bits as two rare close
		 * names, more than the two straight. u such that m/u is the
		 * straight names' m/u at most.
		 */
		double t = tf_u(d, f, tf_most(a, b, f)) * d->m[f][2] / d->m[f][1];

		if (t > *u)
			*u = t;
	}
	if (*u <= 0)
		*u = d->u[f][l];
	return log2(d->m[f][l] / *u);
}

/*
 * Whether the pair may be merged without a person's look. It must agree
 * on something of one person: a given name, the reading, a name not split
 * into parts, a birthdate, an email or an identifier; a shared phone,
 * address or family name is a family or colleagues. A birthdate with
 * nothing else to compare (no name, no town on one side) is one fact that
 * tens of customers of a large database share: in Splink's fake_20000 it
 * was 19 of the merge band's 84 wrong pairs. And where it shares a
 * home (the phone or the address), the name is not enough: a father and a
 * son of one name live there, and a namesake's row may lack a birthdate;
 * only a birthdate, the email itself (not one like it: namesakes have
 * those) or an identifier agreeing tells them apart.
 */
static int mergeable(const struct crm_dedupe *d, const struct dd_rec *a, const struct dd_rec *b,
		     const int *lv)
{
	int f, agree = 0, sure = lv[DF_EMAIL] == 1, besides = 0;
	/* One home: one phone, one address, or one postal code and an address written otherwise. */
	int home = lv[DF_PHONE] == 1 || lv[DF_ADDRESS] == 1 ||
		   (lv[DF_ADDRESS] == 2 && lv[DF_POSTAL] == 1);

	/* A birthdate and nothing else to compare: one fact, which many share. */
	for (f = 0; f < d->nfields; f++)
		besides |= f != DF_BIRTH && lv[f] != 0;
	if (!besides)
		return 0;

	sure |= lv[DF_BIRTH] == 1 || lv[DF_BIRTH] == 2;
	for (f = DF_NFIELDS; f < d->nfields; f++)
		sure |= lv[f] == 1 || lv[f] == 2;
	agree = sure || lv[DF_GIVEN] == 1 || lv[DF_GIVEN] == 2 || lv[DF_KANA] == 1 ||
		lv[DF_KANA] == 2 || lv[DF_EMAIL] == 2;
	/* A name not split into its parts is a whole name: it is personal. */
	if ((lv[DF_FAMILY] == 1 || lv[DF_FAMILY] == 2) &&
	    (a->whole || b->whole || (!a->key[DF_GIVEN] && !b->key[DF_GIVEN])))
		agree = 1;
	/*
	 * A family name with a slip beside the same given name is one
	 * person's name typed twice: a father and a son, or a couple, at
	 * one home have one family name, spelled the same. So is a given
	 * name with a typo beside the same family name (dd_typo(): not
	 * francis and frances, a brother and a sister).
	 */
	sure |= lv[DF_GIVEN] == 1 && lv[DF_FAMILY] == 2 &&
		dd_one_edit(dd_key(&d->arena, a, DF_FAMILY), dd_key(&d->arena, b, DF_FAMILY));
	sure |= lv[DF_FAMILY] == 1 && lv[DF_GIVEN] == 2 && dd_typo(&d->arena, a, b, DF_GIVEN);
	return agree && (!home || sure);
}

/*
 * Whether field f's agreement is implied by another's, and so weighs
 * nothing: the model takes fields as independent, and these are not. The
 * reading of a name says nothing more when the names agree exactly,
 * straight or each the other's (it counts where the kanji differ: 斉藤
 * and 斎藤 read サイトウ); a postal code
 * nothing more when the address agrees; a city and a prefecture nothing
 * more when a postal code of a town's area agrees. Counted twice, a
 * namesake or a neighbour outweighed everything else.
 */
/* Whether the names agree exactly: straight (or a whole name), or each the other's. */
static int names_agree(const struct crm_dedupe *d, const int *lv, const struct dd_rec *a,
		       const struct dd_rec *b)
{
	return (lv[DF_FAMILY] == 1 && (lv[DF_GIVEN] == 1 || a->whole || b->whole)) ||
	       (lv[DF_FAMILY] == 2 && dd_swapped(&d->arena, a, b) == 1);
}

static int implied(const struct crm_dedupe *d, int f, const int *lv, const struct dd_rec *a,
		   const struct dd_rec *b)
{
	switch (f) {
	case DF_KANA:
		return names_agree(d, lv, a, b);
	case DF_EMAIL:
		/*
		 * An address like the other (not the same) is made of the name
		 * (taro.yamada@, t.yamada@): where the names agree, so do such.
		 */
		return lv[f] == 2 && names_agree(d, lv, a, b);
	case DF_POSTAL:
		/* One address has one postal code: two people at one are not twice as near. */
		return lv[DF_ADDRESS] == 1 && lv[f] == 1;
	case DF_CITY:
	case DF_PREF:
		/* A code of 6 or more letters (Japan's 7 digits) names a town's area. */
		return lv[DF_POSTAL] == 1 && lv[f] == 1 && strlen(dd_key(&d->arena, a, DF_POSTAL)) >= 6;
	default:
		return 0;
	}
}

/* The weight of a and b at levels lv, and whether they may be merged unseen. */
static double score_levels(const struct crm_dedupe *d, const struct dd_rec *a,
			   const struct dd_rec *b, const int *lv, int *is_mergeable)
{
	double w = d->prior, u;
	int f;

	for (f = 0; f < d->nfields; f++)
		if (!implied(d, f, lv, a, b))
			w += field_weight(d, a, b, f, lv[f], &u);
	*is_mergeable = mergeable(d, a, b, lv);
	return w;
}

static double score(const struct crm_dedupe *d, const struct dd_rec *a, const struct dd_rec *b,
		    int *is_mergeable)
{
	int lv[DD_MAX_FIELDS] = { 0 }, f;

	for (f = 0; f < d->nfields; f++)
		lv[f] = dd_level(&d->arena, a, b, f);
	return score_levels(d, a, b, lv, is_mergeable);
}

static enum crm_dedupe_band band_of(const struct crm_dedupe *d, double w, int is_personal)
{
	if (w >= d->o.threshold && is_personal)
		return CRM_DEDUPE_MERGE;
	return w >= d->o.review_threshold ? CRM_DEDUPE_REVIEW : CRM_DEDUPE_NONE;
}

static int by_strength(const void *x, const void *y)
{
	const struct crm_dedupe_pair *a = x, *b = y;

	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	if (a->a != b->a)
		return (a->a > b->a) - (a->a < b->a);
	return (a->b > b->b) - (a->b < b->b);
}

/* --- Clusters -------------------------------------------------------------- */

struct uf {
	uint32_t *parent, *next, *size;   /* next: the members' ring */
};

static uint32_t uf_find(struct uf *u, uint32_t x)
{
	while (u->parent[x] != x) {
		u->parent[x] = u->parent[u->parent[x]];
		x = u->parent[x];
	}
	return x;
}

static uint64_t pair_key(size_t x, size_t y)
{
	return x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
}

/* Whether a person decided that records x and y are two people. */
static int apart(const struct crm_dedupe *d, size_t x, size_t y)
{
	uint64_t k = pair_key(x, y);

	return d->napart && bsearch(&k, d->apart, d->napart, sizeof(k), by_u64) != NULL;
}

/* The pairs decided 'different', as pairs of records (ST_APART). */
static enum crm_status load_apart(struct crm_dedupe *d, struct crm_stmt_table *t,
				  struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, ST_APART, err);
	enum crm_step step;
	size_t cap = 0, i, k;

	if (!st)
		return err->code;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		size_t x = find_rec(d, crm_stmt_int(st, 0)), y = find_rec(d, crm_stmt_int(st, 1));

		if (x == SIZE_MAX || y == SIZE_MAX || x == y)
			continue;
		if (d->napart == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			uint64_t *p = realloc(d->apart, ncap * sizeof(*p));

			if (!p)
				return crm_error_nomem(err);
			d->apart = p;
			cap = ncap;
		}
		d->apart[d->napart++] = pair_key(x, y);
	}
	if (step == CRM_STEP_ERROR)
		return crm_stmt_fail(st, err, "cannot read the decisions");
	if (d->napart)
		qsort(d->apart, d->napart, sizeof(*d->apart), by_u64);
	for (i = 0, k = 0; i < d->napart; i++)
		if (!k || d->apart[k - 1] != d->apart[i])
			d->apart[k++] = d->apart[i];
	d->napart = k;
	return CRM_OK;
}

/* Marks the customers an earlier run merged others into (ST_ABSORBED). */
static enum crm_status load_absorbed(struct crm_dedupe *d, struct crm_stmt_table *t,
				     struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, ST_ABSORBED, err);
	enum crm_step step;

	if (!st)
		return err->code;
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		size_t x = find_rec(d, crm_stmt_int(st, 0));

		if (x != SIZE_MAX)
			d->rec[x].absorbed = 1;
	}
	return step == CRM_STEP_ERROR ? crm_stmt_fail(st, err, "cannot read the merges") : CRM_OK;
}

/*
 * Whether x's cluster and y's are better kept apart, though a merge pair
 * joins them: any customer of one and any of the other are two people
 * (decided so, or strongly negative), or the pairs across them are not on
 * average as likely one person as the merge band asks, and at least four
 * times as likely one person as two (CLUSTER_MEAN_MIN). A chain of merge
 * pairs, each fair, can join two people whom every other pair keeps
 * apart; one record that disagrees with its duplicates on one field
 * should not split a cluster that the rest holds together. A customer
 * others were merged into is a cluster too, whose values are its
 * members': a pair with it is held to the join's odds, or the record
 * kept out of the cluster one night would be merged into it the next.
 */
static int clash(const struct crm_dedupe *d, struct uf *u, uint32_t x, uint32_t y)
{
	uint32_t i = x, j;
	unsigned long n = 0;
	double sum = 0, w, bar;
	int p;

	if ((unsigned long)u->size[x] * u->size[y] > CLUSTER_CHECK_MAX)
		return 1;
	do {
		j = y;
		do {
			if (apart(d, i, j))
				return 1;
			w = score(d, &d->rec[i], &d->rec[j], &p);
			if (w < STRONGLY_NEGATIVE)
				return 1;
			sum += w;
			n++;
			j = u->next[j];
		} while (j != y);
		i = u->next[i];
	} while (i != x);
	bar = d->o.threshold > CLUSTER_MEAN_MIN ? d->o.threshold : CLUSTER_MEAN_MIN;
	/* Two customers alone: the merge pair itself, in the band. */
	if (n == 1)
		return (d->rec[x].absorbed || d->rec[y].absorbed) && sum < bar;
	return sum < bar * (double)n;
}

static size_t find_rec(const struct crm_dedupe *d, int64_t id)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->rec[mid].id == id)
			return mid;
		if (d->rec[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static enum crm_status cluster(struct crm_dedupe *d, struct crm_error *err)
{
	struct uf u;
	size_t i, k, c;
	enum crm_status s = CRM_OK;

	u.parent = malloc((d->n ? d->n : 1) * sizeof(uint32_t));
	u.next = malloc((d->n ? d->n : 1) * sizeof(uint32_t));
	u.size = malloc((d->n ? d->n : 1) * sizeof(uint32_t));
	if (!u.parent || !u.next || !u.size) {
		s = crm_error_nomem(err);
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		u.parent[i] = u.next[i] = (uint32_t)i;
		u.size[i] = 1;
	}
	/* The strongest first: a weak link cannot join what a strong one kept apart. */
	for (i = 0; i < d->npairs; i++) {
		struct crm_dedupe_pair *p = &d->pairs[i];
		uint32_t x, y, t;

		if (p->band != CRM_DEDUPE_MERGE)
			continue;
		x = uf_find(&u, (uint32_t)find_rec(d, p->a));
		y = uf_find(&u, (uint32_t)find_rec(d, p->b));
		if (x == y)
			continue;
		/* Kept out, the pair is a person's to decide: it goes to review. */
		if (clash(d, &u, x, y)) {
			p->band = CRM_DEDUPE_REVIEW;
			d->st.split_edges++;
			d->st.merge_pairs--;
			d->st.review_pairs++;
			continue;
		}
		if (u.size[x] < u.size[y]) {
			t = x;
			x = y;
			y = t;
		}
		u.parent[y] = x;
		u.size[x] += u.size[y];
		t = u.next[x];
		u.next[x] = u.next[y];
		u.next[y] = t;
	}
	/* Clusters in the order of their first (smallest) id: records are in id order. */
	d->members = malloc((d->n ? d->n : 1) * sizeof(*d->members));
	d->cstart = malloc((d->n / 2 + 2) * sizeof(*d->cstart));
	if (!d->members || !d->cstart) {
		s = crm_error_nomem(err);
		goto out;
	}
	for (i = 0, k = 0, c = 0; i < d->n; i++) {
		uint32_t r = uf_find(&u, (uint32_t)i);
		size_t first = k;

		if (u.size[r] < 2)
			continue;
		/* Collect the ring once, at its smallest member (the first seen). */
		{
			uint32_t j = r;

			do {
				d->members[k++] = d->rec[j].id;
				j = u.next[j];
			} while (j != r);
		}
		qsort(d->members + first, k - first, sizeof(*d->members), by_u64);
		d->cstart[c++] = first;
		d->st.clustered += u.size[r];
		u.size[r] = 0;   /* done */
	}
	d->cstart[c] = k;
	d->nclusters = c;
	d->st.clusters = c;
	/* Where each customer is, and its strongest pair there (pairs are strongest first). */
	d->cluster_of = malloc((d->n ? d->n : 1) * sizeof(*d->cluster_of));
	d->best = malloc((d->n ? d->n : 1) * sizeof(*d->best));
	if (!d->cluster_of || !d->best) {
		s = crm_error_nomem(err);
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		d->cluster_of[i] = UINT32_MAX;
		d->best[i] = -INFINITY;
	}
	for (i = 0; i < c; i++)
		for (k = d->cstart[i]; k < d->cstart[i + 1]; k++)
			d->cluster_of[find_rec(d, d->members[k])] = (uint32_t)i;
	for (i = 0; i < d->npairs; i++) {
		const struct crm_dedupe_pair *p = &d->pairs[i];
		size_t a = find_rec(d, p->a), b = find_rec(d, p->b);

		if (p->band != CRM_DEDUPE_MERGE || d->cluster_of[a] == UINT32_MAX ||
		    d->cluster_of[a] != d->cluster_of[b])
			continue;
		if (d->best[a] == -INFINITY)
			d->best[a] = p->weight;
		if (d->best[b] == -INFINITY)
			d->best[b] = p->weight;
	}
out:
	free(u.parent);
	free(u.next);
	free(u.size);
	return s;
}

/* --- The whole ----------------------------------------------------------- */

/* A share of the pairs to compare, for a thread of its own. */
struct compare_part {
	const struct crm_dedupe *d;
	struct candset *all;
	size_t from, to;
	int report;                       /* the one part that reports progress */
};

static void *compare_part(void *arg)
{
	struct compare_part *p = arg;
	const struct crm_dedupe *d = p->d;
	size_t i;

	for (i = p->from; i < p->to; i++) {
		p->all->pat[i] = pattern_of(d, &d->rec[p->all->c[i].pair >> 32],
					    &d->rec[p->all->c[i].pair & 0xffffffffu]);
		if (p->report && d->o.progress && !((i - p->from) % 65536))
			d->o.progress(d->o.ctx, "comparing", i - p->from, p->to - p->from);
	}
	return NULL;
}

/*
 * Each candidate pair compared, once: the levels of a pair are a pure
 * function of the two customers' keys, so the pairs are shared out among
 * the processors (half of dedupe's work was here). A thread that cannot
 * start leaves its share to the caller's.
 */
static enum crm_status compare(struct crm_dedupe *d, struct candset *all, struct crm_error *err)
{
	struct compare_part part[COMPARE_THREADS];
	pthread_t th[COMPARE_THREADS];
	int started[COMPARE_THREADS] = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k, nparts = cpus > 1 ? (size_t)cpus : 1;

	if (!(all->pat = malloc((all->n ? all->n : 1) * sizeof(*all->pat))))
		return crm_error_nomem(err);
	if (nparts > COMPARE_THREADS)
		nparts = COMPARE_THREADS;
	if (all->n < 4096)
		nparts = 1;
	for (k = 0; k < nparts; k++) {
		part[k].d = d;
		part[k].all = all;
		part[k].from = all->n * k / nparts;
		part[k].to = all->n * (k + 1) / nparts;
		part[k].report = k == 0;
	}
	/* Part 0 is the caller's; the others each a thread's, or the caller's after. */
	for (k = 1; k < nparts; k++)
		started[k] = !pthread_create(&th[k], NULL, compare_part, &part[k]);
	compare_part(&part[0]);
	for (k = 1; k < nparts; k++) {
		if (started[k])
			pthread_join(th[k], NULL);
		else
			compare_part(&part[k]);
	}
	return CRM_OK;
}

/* The distinct patterns of the pairs of rule bit mask (0: all), with their counts. */
static enum crm_status patterns(const struct candset *all, uint32_t mask, struct patcount **out,
				size_t *np, struct scratch *sc, struct crm_error *err)
{
	pattern_t *pat = malloc((all->n ? all->n : 1) * sizeof(*pat));
	struct patcount *pc;
	size_t i, k = 0, n = 0;

	*out = NULL;
	*np = 0;
	if (!pat)
		return crm_error_nomem(err);
	for (i = 0; i < all->n; i++)
		if (!mask || (all->c[i].rules & mask))
			pat[k++] = all->pat[i];
	if (k > 1 && radix_sort_u64(pat, k, sc))
		qsort(pat, k, sizeof(*pat), by_pattern);
	if (!(pc = malloc((k ? k : 1) * sizeof(*pc)))) {
		free(pat);
		return crm_error_nomem(err);
	}
	for (i = 0; i < k; i++) {
		if (n && pc[n - 1].p == pat[i]) {
			pc[n - 1].n++;
		} else {
			pc[n].p = pat[i];
			pc[n++].n = 1;
		}
	}
	free(pat);
	*out = pc;
	*np = n;
	return CRM_OK;
}

/*
 * m from a session per rule (EM on its pairs, without its fields), then
 * the prior over all the pairs compared.
 */
/*
 * m when EM found no duplicates to learn from, only families and
 * namesakes (plausible()), and no model was saved: one person's values
 * agree, all but a slip now and then. The starting guess (init_m) forgave
 * a differing birthdate, email and address too easily to be used alone.
 */
static void strict_m(const struct crm_dedupe *d, double m[][DD_MAX_LEVELS])
{
	int f, l;

	for (f = 0; f < d->nfields; f++) {
		/* A birthdate ten years off is as far from a slip as a generation: they share. */
		int L = d->info[f].nlevels, far = f == DF_BIRTH ? 2 : 1;

		for (l = L - far; l < L; l++)
			m[f][l] = 0.01 / far;
		m[f][1] = 0.95;
		for (l = 2; l < L - far; l++)
			m[f][l] = 0.04 / (L - 2 - far);
	}
}

static enum crm_status use_saved(struct crm_dedupe *d, struct crm_db *db, struct crm_error *err);

static enum crm_status fit(struct crm_dedupe *d, struct crm_db *db, const struct candset *all,
			   const struct rule *ru, int nru, struct crm_error *err)
{
	struct training *tr = calloc(1, sizeof(*tr));
	struct patcount *pc = NULL;
	enum crm_status s = tr ? CRM_OK : crm_error_nomem(err);
	size_t np;
	int r;

	for (r = 0; !s && r < nru; r++) {
		if (!ru[r].train)
			continue;
		s = patterns(all, 1u << r, &pc, &np, &d->scratch, err);
		if (!s)
			train(d, tr, pc, np, rule_fields(&ru[r]));
		free(pc);
		pc = NULL;
	}
	if (!s)
		s = patterns(all, 0, &pc, &np, &d->scratch, err);
	if (!s) {
		d->st.patterns = np;
		trained_m(d, tr);
	}
	/*
	 * Nothing learned but families and namesakes (the duplicates were
	 * merged already), or too few duplicates in any rule's pairs to learn
	 * from (a small database): the model saved when they were found
	 * scores what is left; without one, a strict m does, never the
	 * starting guess (init_m), which is not a model.
	 */
	if (!s && !tr->sessions) {
		s = use_saved(d, db, err);
		if (!s && !d->model_run) {
			strict_m(d, d->m);
			d->st.strict = 1;
		}
	}
	if (!s && !d->model_run) {
		fit_prior(d, pc, np);
		set_prior(d, (unsigned long)all->n);
	}
	free(pc);
	free(tr);
	return s;
}

static enum crm_status score_pairs(struct crm_dedupe *d, const struct candset *all,
				   struct crm_error *err)
{
	size_t i, cap = 0;

	for (i = 0; i < all->n; i++) {
		const struct dd_rec *a = &d->rec[all->c[i].pair >> 32];
		const struct dd_rec *b = &d->rec[all->c[i].pair & 0xffffffffu];
		int lv[DD_MAX_FIELDS] = { 0 }, f, p;
		double w;
		enum crm_dedupe_band band;

		/*
		 * since: the model is fitted on every pair (a night's customers
		 * hold too few duplicates for EM to find what one looks like),
		 * but only pairs with one of them are scored.
		 */
		if (!a->fresh && !b->fresh)
			continue;
		for (f = 0; f < d->nfields; f++)
			lv[f] = level_in(all->pat[i], f);
		w = score_levels(d, a, b, lv, &p);
		band = band_of(d, w, p);
		if (band == CRM_DEDUPE_NONE)
			continue;
		if (apart(d, all->c[i].pair >> 32, all->c[i].pair & 0xffffffffu)) {
			d->st.kept_apart++;
			continue;
		}
		if (d->npairs == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct crm_dedupe_pair *q = realloc(d->pairs, ncap * sizeof(*q));

			if (!q)
				return crm_error_nomem(err);
			d->pairs = q;
			cap = ncap;
		}
		d->pairs[d->npairs].a = a->id;
		d->pairs[d->npairs].b = b->id;
		d->pairs[d->npairs].weight = w;
		d->pairs[d->npairs++].band = band;
		if (band == CRM_DEDUPE_MERGE)
			d->st.merge_pairs++;
		else
			d->st.review_pairs++;
	}
	if (d->npairs)
		qsort(d->pairs, d->npairs, sizeof(*d->pairs), by_strength);
	return CRM_OK;
}

/* The fields compared now, as a saved model names them. */
static void model_fields(const struct crm_dedupe *d, struct dd_model *m)
{
	int f;

	memset(m, 0, sizeof(*m));
	m->nfields = d->nfields;
	for (f = 0; f < d->nfields; f++) {
		m->name[f] = d->info[f].name;
		m->nlevels[f] = d->info[f].nlevels;
	}
}

/*
 * since: the latest saved model, when there is one of the fields compared
 * now. Its prior odds were of any two of the customers it was fitted on;
 * the duplicates grow with the customers, the pairs with their square, so
 * the odds of two of today's are smaller by as much as the customers grew.
 */
static enum crm_status use_saved(struct crm_dedupe *d, struct crm_db *db, struct crm_error *err)
{
	struct dd_model m;
	enum crm_status s;
	double lambda;
	int found;

	model_fields(d, &m);
	if ((s = dd_model_load(db, &m, &found, err)) || !found)
		return s;
	memcpy(d->m, m.m, sizeof(d->m));
	memcpy(d->u, m.u, sizeof(d->u));
	lambda = exp2(m.prior) / (1 + exp2(m.prior));
	if (d->n > 1 && m.customers > 1)
		lambda *= ((double)m.customers - 1) / ((double)d->n - 1);
	if (lambda < 1e-12)
		lambda = 1e-12;
	if (lambda > 0.5)
		lambda = 0.5;
	d->prior = log2(lambda / (1 - lambda));
	d->model_run = m.run;
	d->st.model_run = m.run;
	d->st.model_customers = m.customers;
	d->st.model_pairs = m.pairs;
	return CRM_OK;
}

enum crm_status crm_dedupe_save_model(struct crm_run *run, const struct crm_dedupe *d,
				      struct crm_error *err)
{
	struct dd_model m;

	if (d->model_run || d->st.strict || !d->st.pairs)
		return CRM_OK;
	model_fields(d, &m);
	memcpy(m.m, d->m, sizeof(m.m));
	memcpy(m.u, d->u, sizeof(m.u));
	m.prior = d->prior;
	m.customers = d->st.customers;
	m.pairs = d->st.pairs;
	return dd_model_save(run, &m, err);
}

enum crm_status crm_dedupe_find(struct crm_db *db, const struct crm_dedupe_options *o,
				struct crm_dedupe **out, struct crm_error *err)
{
	struct crm_dedupe *d = calloc(1, sizeof(*d));
	struct candset all = { 0 };
	struct rule ru[NELEMS(rules) + DD_MAX_EXTRA];
	enum crm_status s;
	int nru = 0;

	*out = NULL;
	if (!d)
		return crm_error_nomem(err);
	d->o = *o;
	crm_strbuf_init(&d->arena);
	memcpy(d->info, dd_fields, sizeof(dd_fields));
	d->nfields = DF_NFIELDS;
	s = load(d, db, err);
	if (!s && d->n > UINT32_MAX - 1)
		s = crm_error_set(err, CRM_ERR_INVALID, "too many customers to compare (%zu)", d->n);
	d->st.customers = d->n;
	if (!s)
		s = term_frequencies(d, err);
	if (!s && d->o.since)
		s = use_saved(d, db, err);
	if (!s && !d->model_run)
		estimate_u(d);
	d->st.converged = 1;
	if (!s)
		s = candidates(d, &all, ru, &nru, err);
	/* Not kept beside the patterns of every pair (a million customers: 160 MB). */
	scratch_release(&d->scratch);
	d->st.pairs = all.n;
	if (!s)
		s = compare(d, &all, err);
	if (!s && !d->model_run)
		s = fit(d, db, &all, ru, nru, err);
	scratch_release(&d->scratch);
	if (!s)
		s = score_pairs(d, &all, err);
	free(all.c);
	free(all.pat);
	if (!s)
		s = cluster(d, err);
	if (s) {
		crm_dedupe_free(d);
		return s;
	}
	*out = d;
	return CRM_OK;
}

size_t crm_dedupe_cluster_of(const struct crm_dedupe *d, int64_t id, double *weight)
{
	size_t r = find_rec(d, id);

	*weight = -INFINITY;
	if (r == SIZE_MAX || d->cluster_of[r] == UINT32_MAX)
		return SIZE_MAX;
	*weight = d->best[r];
	return d->cluster_of[r];
}

const struct crm_dedupe_stats *crm_dedupe_stats(const struct crm_dedupe *d)
{
	return &d->st;
}

size_t crm_dedupe_npairs(const struct crm_dedupe *d)
{
	return d->npairs;
}

const struct crm_dedupe_pair *crm_dedupe_pair(const struct crm_dedupe *d, size_t i)
{
	return i < d->npairs ? &d->pairs[i] : NULL;
}

size_t crm_dedupe_nclusters(const struct crm_dedupe *d)
{
	return d->nclusters;
}

const int64_t *crm_dedupe_cluster(const struct crm_dedupe *d, size_t i, size_t *n)
{
	if (i >= d->nclusters) {
		*n = 0;
		return NULL;
	}
	*n = d->cstart[i + 1] - d->cstart[i];
	return d->members + d->cstart[i];
}

enum crm_status crm_dedupe_explain(const struct crm_dedupe *d, int64_t a, int64_t b,
				   void (*term)(void *ctx, const struct crm_dedupe_term *t),
				   void *ctx, double *prior, double *weight,
				   enum crm_dedupe_band *band, struct crm_error *err)
{
	size_t x = find_rec(d, a), y = find_rec(d, b);
	const struct dd_rec *ra, *rb;
	int f, p, lv[DD_MAX_FIELDS] = { 0 };

	if (x == SIZE_MAX || y == SIZE_MAX)
		return crm_error_set(err, CRM_ERR_NOTFOUND, "customer %lld is not one dedupe "
				     "compares (no such customer, or merged into another)",
				     (long long)(x == SIZE_MAX ? a : b));
	ra = &d->rec[x];
	rb = &d->rec[y];
	for (f = 0; f < d->nfields; f++)
		lv[f] = dd_level(&d->arena, ra, rb, f);
	for (f = 0; f < d->nfields; f++) {
		struct crm_dedupe_term t;
		int l = dd_level(&d->arena, ra, rb, f);

		t.field = d->info[f].name;
		t.a = dd_key(&d->arena, ra, f);
		t.b = dd_key(&d->arena, rb, f);
		t.level = d->info[f].level_names[l];
		t.m = l ? d->m[f][l] : 0;
		t.weight = field_weight(d, ra, rb, f, l, &t.u);
		if (!l)
			t.u = 0;
		if (implied(d, f, lv, ra, rb)) {
			t.level = "implied";   /* by another field: it weighs nothing */
			t.weight = 0;
		}
		term(ctx, &t);
	}
	*prior = d->prior;
	*weight = score(d, ra, rb, &p);
	*band = band_of(d, *weight, p);
	if (apart(d, x, y)) {
		/* A person's decision outweighs the model's. */
		struct crm_dedupe_term t = { "decision", NULL, NULL, "different", 0, 0, 0 };

		term(ctx, &t);
		*band = CRM_DEDUPE_NONE;
	}
	return CRM_OK;
}

void crm_dedupe_free(struct crm_dedupe *d)
{
	if (!d)
		return;
	crm_strbuf_release(&d->arena);
	scratch_release(&d->scratch);
	free(d->apart);
	for (int e = 0; e < DD_MAX_EXTRA; e++)
		free(d->extra_name[e]);
	free(d->rec);
	free(d->pairs);
	free(d->members);
	free(d->cstart);
	free(d->cluster_of);
	free(d->best);
	free(d);
}
