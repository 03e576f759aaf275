/*
 * Reading ahead (#13): a thread of its own reads the file's records a
 * little ahead of the import and works out, for each, what the rules of
 * crm cleanse's normalizers make of its values (struct crm_rowclean_pre),
 * while the import stores the records before them. The normalizers are
 * pure functions of their input and share nothing, so the import takes
 * the same results it would have worked out itself, on a second core:
 * storing customers in one notation then costs little more than storing
 * them as written.
 *
 * Only for a regular file: a read from a pipe may wait for ever, and the
 * import must be able to stop the thread when it fails. The records in
 * flight are bounded in number and in bytes, so memory stays flat.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "country.h"
#include "import-private.h"
#include "rowclean.h"
#include "banned.h"

#define SLOTS 64
#define MAX_HELD ((size_t)8 << 20)   /* bytes of records in flight, past the first */
#define BUSY 4                       /* records waiting that keep the import busy */
#define KEEP ((size_t)256 << 10)     /* the most a slot keeps allocated between records */

struct slot {
	struct crm_csv_record rec;       /* its fields and raw text in buf */
	enum crm_status st;
	struct crm_error err;
	unsigned long long bytes;        /* read by then, for the progress bar */
	struct crm_strbuf buf;
	size_t size;
	char **fields;
	size_t *lens, fcap;
	struct crm_rowclean_pre pre[CRM_ROWCLEAN_MAX_COLS];
	struct crm_strbuf in;            /* the values the pres are for, trimmed, each ended */
	struct crm_strbuf out;           /* the strings of the pres' results (pack()) */
	struct crm_strbuf raw;           /* the record's raw row (import_raw_json()) */
	int has_raw;                     /* built */
};

/* A value the thread normalizes: the file's column col, for rule column rc. */
struct job {
	size_t col;
	int rc;
	crm_rowclean_fn fn;
	/* import's check of the value (email, phone, postal), or NULL */
	enum crm_status (*check)(const char *s, int country, struct crm_error *err);
};

struct import_ahead {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;               /* broadcast when the other waits (below) */
	struct crm_csv_reader *r;
	const struct importer *im;       /* what it reads of it is set before the thread starts */
	struct slot slot[SLOTS];
	unsigned long filled;            /* records the thread has read */
	unsigned long taken;             /* records handed to the import */
	unsigned long released;          /* and given back */
	size_t held;                     /* bytes of the slots filled and not released */
	int done, stop;
	/*
	 * Who waits for whom: each wakes the other only when it waits, and
	 * the thread only once half the slots are free again, so that the
	 * two do not take turns record by record.
	 */
	int reader_waits, import_waits;
	struct job job[CRM_ROWCLEAN_MAX_COLS];
	size_t njobs;
};

/*
 * Copies rec into s: fields, lengths and raw text in one buffer. A buffer
 * grown for a large record is given back once a small one comes, so that
 * the slots do not keep the largest record each has seen.
 */
static int copy_record(struct slot *s, const struct crm_csv_record *rec)
{
	size_t need = rec->raw_len + 1, i, raw;
	int oom = 0;

	for (i = 0; i < rec->nfields; i++)
		need += rec->lens[i] + 1;
	if (s->buf.alloc > KEEP && need <= KEEP) {
		crm_strbuf_release(&s->buf);
		crm_strbuf_release(&s->in);
		crm_strbuf_release(&s->out);
		crm_strbuf_release(&s->raw);
	}
	if (rec->nfields > s->fcap) {
		char **f = realloc(s->fields, rec->nfields * sizeof(*f));
		size_t *l = f ? realloc(s->lens, rec->nfields * sizeof(*l)) : NULL;

		if (f)
			s->fields = f;
		if (!l)
			return -1;
		s->lens = l;
		s->fcap = rec->nfields;
	}
	/* Each field ended by its NUL, then the raw text; where they start is set after. */
	crm_strbuf_reset(&s->buf);
	oom = crm_strbuf_grow(&s->buf, need);
	for (i = 0; !oom && i < rec->nfields; i++) {
		s->lens[i] = rec->lens[i];
		oom |= crm_strbuf_add(&s->buf, rec->fields[i], rec->lens[i]);
		oom |= crm_strbuf_addch(&s->buf, '\0');
	}
	raw = s->buf.len;
	if (!oom && rec->raw)
		oom |= crm_strbuf_add(&s->buf, rec->raw, rec->raw_len);
	if (oom)
		return -1;
	s->rec = *rec;
	s->rec.fields = s->fields;
	s->rec.lens = s->lens;
	for (i = 0, need = 0; i < rec->nfields; i++) {
		s->fields[i] = s->buf.buf + need;
		need += rec->lens[i] + 1;
	}
	s->rec.raw = rec->raw ? s->buf.buf + raw : NULL;
	s->size = s->buf.len + 1;
	return 0;
}

/* The values the jobs take, trimmed, into s->in; -1 when out of memory. */
static int trimmed_values(const struct import_ahead *a, struct slot *s, size_t *off)
{
	size_t i, need = 0;
	int oom;

	for (i = 0; i < a->njobs; i++)
		if (a->job[i].col < s->rec.nfields)
			need += s->rec.lens[a->job[i].col] + 1;
	crm_strbuf_reset(&s->in);
	/* Grown once: the pres point into it. */
	oom = crm_strbuf_grow(&s->in, need);
	for (i = 0; !oom && i < a->njobs; i++) {
		const char *v;
		size_t len;

		off[i] = SIZE_MAX;
		if (a->job[i].col >= s->rec.nfields)
			continue;
		v = s->rec.fields[a->job[i].col];
		len = s->rec.lens[a->job[i].col];
		import_trim(&v, &len);
		if (!len)
			continue;
		off[i] = s->in.len;
		oom |= crm_strbuf_add(&s->in, v, len) | crm_strbuf_addch(&s->in, '\0');
	}
	return oom ? -1 : 0;
}

/* The strings of a struct crm_norm, for pack(). */
#define NORM_STRINGS 8

static char **norm_string(struct crm_norm *n, int i)
{
	static const size_t at[NORM_STRINGS] = {
		offsetof(struct crm_norm, value), offsetof(struct crm_norm, prefecture),
		offsetof(struct crm_norm, city), offsetof(struct crm_norm, extension),
		offsetof(struct crm_norm, digits), offsetof(struct crm_norm, family),
		offsetof(struct crm_norm, given), offsetof(struct crm_norm, suggestion),
	};

	return (char **)(void *)((char *)n + at[i]);
}

/*
 * Moves the strings of p's result into s->out, by offset until
 * unpack() (the buffer may move as it grows), and frees them here, while
 * this thread has them in its cache: the import reads the record's
 * results from one buffer, and the thread frees nothing the import has
 * read. -1 when out of memory, and p is as it was.
 */
static int pack(struct slot *s, struct crm_rowclean_pre *p)
{
	size_t start = s->out.len, size[NORM_STRINGS];
	int i;

	for (i = 0; i < NORM_STRINGS; i++) {
		char *v = *norm_string(&p->norm, i);

		/* Each with its NUL. */
		size[i] = v ? strlen(v) + 1 : 0;
		if (v && crm_strbuf_add(&s->out, v, size[i])) {
			crm_strbuf_setlen(&s->out, start);
			return -1;
		}
	}
	for (i = 0; i < NORM_STRINGS; i++) {
		char **v = norm_string(&p->norm, i);

		if (!*v)
			continue;
		free(*v);
		*v = (char *)(uintptr_t)(start + 1);   /* not NULL: the offset, plus one */
		start += size[i];
	}
	p->packed = 1;
	return 0;
}

/* The packed results' strings where s->out holds them now. */
static void unpack(struct slot *s, const struct import_ahead *a)
{
	size_t k;
	int i;

	for (k = 0; k < a->njobs; k++) {
		struct crm_rowclean_pre *p = &s->pre[a->job[k].rc];

		for (i = 0; p->packed && i < NORM_STRINGS; i++) {
			char **v = norm_string(&p->norm, i);

			if (*v)
				*v = s->out.buf + ((uintptr_t)*v - 1);
		}
	}
}

/* The normalizers on the record's values; a value it cannot do is left to the import. */
static void work_out(const struct import_ahead *a, struct slot *s)
{
	int country = import_country(a->im, &s->rec);
	size_t i, off[CRM_ROWCLEAN_MAX_COLS];

	if (trimmed_values(a, s, off))
		return;   /* the import works them out itself */
	crm_strbuf_reset(&s->out);
	for (i = 0; i < a->njobs; i++) {
		const struct job *j = &a->job[i];
		struct crm_rowclean_pre *p = &s->pre[j->rc];
		struct crm_error e;
		int plain;

		if (off[i] == SIZE_MAX)
			continue;
		p->in = s->in.buf + off[i];
		crm_error_clear(&e);
		p->st = j->fn(p->in, &p->norm, &e);
		if (p->st == CRM_ERR_INVALID)
			p->why = strdup(e.message);
		if ((p->st != CRM_OK && p->st != CRM_EOF && p->st != CRM_ERR_INVALID) ||
		    (p->st == CRM_ERR_INVALID && !p->why)) {
			crm_rowclean_pre_release(p);
			continue;
		}
		p->same = p->norm.value && !strcmp(p->norm.value, p->in);
		plain = p->st == CRM_OK && p->norm.plain;
		/* Out of memory: the result stays allocated, and is freed so. */
		(void)pack(s, p);
		if (!j->check)
			continue;
		p->country = country;
		/*
		 * The check of a value of a record in Japan is the normalizer's
		 * verdict on text of the common characters (crm_norm.plain), and
		 * the normalizer said yes: a tenth of this thread's work was the
		 * checks saying it again.
		 */
		if (plain && country == CRM_COUNTRY_JP) {
			p->check_st = CRM_OK;
			p->checked = 1;
			continue;
		}
		crm_error_clear(&e);
		p->check_st = j->check(p->in, country, &e);
		p->checked = p->check_st == CRM_OK || p->check_st == CRM_EOF ||
			     (p->check_st == CRM_ERR_INVALID && (p->check_why = strdup(e.message)));
	}
	unpack(s, a);
}

/* Whether the thread must wait for slots: all are full, or hold too much. */
static int full(const struct import_ahead *a)
{
	return a->filled - a->released == SLOTS ||
	       (a->filled > a->released && a->held > MAX_HELD);
}

/*
 * Wakes the import when it waits and a batch is ready, or the thread can
 * read no more until it takes some (a few large records hold the bytes:
 * a batch of them would never come). Called with the lock held.
 */
static void wake_import(struct import_ahead *a)
{
	if (a->import_waits && (a->done || a->filled - a->taken >= SLOTS / 4 || full(a)))
		pthread_cond_broadcast(&a->cv);
}

static void *reader(void *arg)
{
	struct import_ahead *a = arg;
	struct crm_csv_record rec;
	int k;

	/* Named, for top(1) and perf(1). */
	prctl(PR_SET_NAME, "crm-read-ahead", 0, 0, 0);

	for (;;) {
		struct slot *s;
		enum crm_status st;
		int last, ahead;

		pthread_mutex_lock(&a->mu);
		if (!a->stop && full(a)) {
			wake_import(a);
			a->reader_waits = 1;
			while (!a->stop && a->filled - a->released > SLOTS / 2)
				pthread_cond_wait(&a->cv, &a->mu);
			while (!a->stop && full(a))
				pthread_cond_wait(&a->cv, &a->mu);
			a->reader_waits = 0;
		}
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		s = &a->slot[a->filled % SLOTS];
		/*
		 * The import has records enough waiting: this one's values are
		 * worked out here. Else it goes as read, and the import works them
		 * out itself rather than wait: the two share the work as they can.
		 */
		ahead = a->filled - a->taken >= BUSY;
		pthread_mutex_unlock(&a->mu);
		/* What the slot held last time was this thread's, as it allocated it. */
		for (k = 0; (size_t)k < a->njobs; k++)
			crm_rowclean_pre_release(&s->pre[a->job[k].rc]);

		crm_error_clear(&s->err);
		st = crm_csv_read(a->r, &rec, &s->err);
		if (st == CRM_EOF) {
			pthread_mutex_lock(&a->mu);
			a->done = 1;
			wake_import(a);
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		s->st = st;
		s->bytes = crm_csv_bytes_read(a->r);
		s->has_raw = 0;
		if (copy_record(s, &rec)) {
			s->st = crm_error_nomem(&s->err);
			s->size = 0;
		} else if (st == CRM_OK && ahead) {
			work_out(a, s);
			/* Out of memory: the import builds it itself. */
			s->has_raw = !import_raw_json(&s->raw, &s->rec, a->im->ncols);
			if (s->has_raw)
				s->size += s->raw.len;   /* held in flight too */
		}
		/* A failure to read is the last record: the import stops at it. */
		last = s->st != CRM_OK && s->st != CRM_ERR_CSV && s->st != CRM_ERR_ENCODING &&
		       s->st != CRM_ERR_TOOBIG;
		pthread_mutex_lock(&a->mu);
		a->filled++;
		a->held += s->size;
		a->done |= last;
		wake_import(a);
		pthread_mutex_unlock(&a->mu);
		if (last)
			return NULL;
	}
}

/* The normalizers worth running ahead: a rule column fed by one column of the file. */
static void find_jobs(struct import_ahead *a, const struct importer *im)
{
	size_t c, k;
	int rc;

	for (c = 0; c < im->ncols; c++) {
		const struct crm_field *f = im->cols[c].field;
		crm_rowclean_fn fn;
		int alone = 1;

		/* A field joined from one column only is that column's value, trimmed. */
		if (!f || im->cols[c].ignored || (f->flags & CRM_F_VIRTUAL))
			continue;
		for (k = 0; k < im->ncols; k++)
			alone &= k == c || im->cols[k].field != f;
		if (!alone || import_clean_fn(im, (size_t)(f - im->fields), &rc, &fn) || !fn)
			continue;
		a->job[a->njobs].col = c;
		a->job[a->njobs].rc = rc;
		a->job[a->njobs].fn = fn;
		switch (f->fieldtype->stored) {
		case CRM_T_EMAIL:
		case CRM_T_PHONE:
		case CRM_T_POSTAL:
			a->job[a->njobs].check = f->fieldtype->check;
			break;
		default:
			break;
		}
		a->njobs++;
	}
}

static void free_slots(struct import_ahead *a)
{
	size_t i;
	int k;

	for (i = 0; i < SLOTS; i++) {
		for (k = 0; k < CRM_ROWCLEAN_MAX_COLS; k++)
			crm_rowclean_pre_release(&a->slot[i].pre[k]);
		crm_strbuf_release(&a->slot[i].buf);
		crm_strbuf_release(&a->slot[i].in);
		crm_strbuf_release(&a->slot[i].out);
		crm_strbuf_release(&a->slot[i].raw);
		free(a->slot[i].fields);
		free(a->slot[i].lens);
	}
}

enum crm_status import_ahead_start(struct importer *im, struct crm_csv_reader *r,
				   struct import_ahead **out, struct crm_error *err)
{
	struct import_ahead *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return crm_error_nomem(err);
	for (size_t i = 0; i < SLOTS; i++) {
		crm_strbuf_init(&a->slot[i].buf);
		crm_strbuf_init(&a->slot[i].in);
		crm_strbuf_init(&a->slot[i].out);
		crm_strbuf_init(&a->slot[i].raw);
	}
	a->r = r;
	a->im = im;
	find_jobs(a, im);
	if (!a->njobs) {
		free(a);
		return CRM_OK;   /* nothing to work out: the import reads as before */
	}
	if (pthread_mutex_init(&a->mu, NULL)) {
		free(a);
		return crm_error_set(err, CRM_ERR_INTERNAL, "cannot start reading ahead");
	}
	if (pthread_cond_init(&a->cv, NULL)) {
		pthread_mutex_destroy(&a->mu);
		free(a);
		return crm_error_set(err, CRM_ERR_INTERNAL, "cannot start reading ahead");
	}
	/* No thread (a limit reached): the import reads as before. */
	if (pthread_create(&a->thread, NULL, reader, a)) {
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		free(a);
		return CRM_OK;
	}
	*out = a;
	return CRM_OK;
}

/* Gives back the slot handed out last (the thread empties it when it fills it again). */
static void give_back(struct import_ahead *a)
{
	if (a->taken == a->released)
		return;
	pthread_mutex_lock(&a->mu);
	a->held -= a->slot[a->released % SLOTS].size;
	a->released++;
	if (a->reader_waits && a->filled - a->released <= SLOTS / 2 && !full(a))
		pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

enum crm_status import_ahead_next(struct import_ahead *a, const struct crm_csv_record **rec,
				  struct crm_rowclean_pre **pre, const struct crm_strbuf **raw,
				  unsigned long long *bytes, struct crm_error *err)
{
	struct slot *s;

	give_back(a);
	pthread_mutex_lock(&a->mu);
	a->import_waits = 1;
	while (a->taken == a->filled && !a->done)
		pthread_cond_wait(&a->cv, &a->mu);
	a->import_waits = 0;
	if (a->taken == a->filled) {
		pthread_mutex_unlock(&a->mu);
		return CRM_EOF;
	}
	s = &a->slot[a->taken++ % SLOTS];
	pthread_mutex_unlock(&a->mu);
	*rec = &s->rec;
	*pre = s->pre;
	*raw = s->has_raw ? &s->raw : NULL;
	*bytes = s->bytes;
	if (s->st != CRM_OK && err)
		*err = s->err;
	return s->st;
}

void import_ahead_stop(struct import_ahead *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free_slots(a);
	free(a);
}
