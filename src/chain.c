#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "chain.h"
#include "banned.h"

_Static_assert(CRM_HASH_SIZE == SHA256_DIGEST_SIZE, "a digest is a SHA-256");

const char crm_chain_select_sql[] =
	"SELECT c.id, c.run_id, c.tbl, c.row_id, c.op, c.field, c.old_value, c.new_value,"
	" c.hash, r.actor, r.command, r.started_at"
	" FROM changes c LEFT JOIN runs r ON r.id = c.run_id"
	" WHERE c.id >= ?1 ORDER BY c.id";

enum chain_stmt {
	ST_SELECT,
	ST_HASH_BEFORE,
	ST_SET_HASH,
	ST_FIRST_UNSEALED,
	ST_COUNT,
};

static const char *const chain_sql[ST_COUNT] = {
	[ST_SELECT] = crm_chain_select_sql,
	[ST_HASH_BEFORE] = "SELECT hash FROM changes WHERE id < ?1 ORDER BY id DESC LIMIT 1",
	[ST_SET_HASH] = "UPDATE changes SET hash = ?1 WHERE id = ?2",
	[ST_FIRST_UNSEALED] = "SELECT min(id) FROM changes WHERE hash IS NULL",
};

/*
 * The hash's input is many small parts: they are gathered in a buffer and
 * handed to SHA-256 in large pieces (a call per part cost a sixth of a
 * cleanse). Long values go straight through.
 */
struct hasher {
	struct sha256_ctx ctx;
	uint8_t buf[512];
	size_t n;
};

static void put(struct hasher *h, const void *data, size_t len)
{
	if (h->n + len > sizeof(h->buf)) {
		sha256_update(&h->ctx, h->n, h->buf);
		h->n = 0;
	}
	if (len > sizeof(h->buf)) {
		sha256_update(&h->ctx, len, data);
		return;
	}
	memcpy(h->buf + h->n, data, len);
	h->n += len;
}

static void put_u64(struct hasher *h, uint64_t v)
{
	uint8_t *b;
	int i;

	if (h->n + 8 > sizeof(h->buf)) {
		sha256_update(&h->ctx, h->n, h->buf);
		h->n = 0;
	}
	b = h->buf + h->n;
	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
	h->n += 8;
}

/* A typed value: a tag byte, then 8 bytes or a length and the bytes. */
static void put_value(struct hasher *h, const struct crm_value *v)
{
	uint8_t tag = (uint8_t)v->type;
	uint64_t bits;

	put(h, &tag, 1);
	switch (v->type) {
	case CRM_VALUE_NULL:
		break;
	case CRM_VALUE_INT:
		put_u64(h, (uint64_t)v->i);
		break;
	case CRM_VALUE_REAL:
		memcpy(&bits, &v->r, sizeof(bits));
		put_u64(h, bits);
		break;
	case CRM_VALUE_TEXT:
		put_u64(h, v->len);
		put(h, v->s, v->len);
		break;
	}
}

static void put_text(struct hasher *h, const char *s)
{
	struct crm_value v = crm_value_text(s);

	put_value(h, &v);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void crm_chain_unhex(const char *hex, uint8_t *digest)
{
	size_t i;

	for (i = 0; hex && i < CRM_HASH_SIZE; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			break;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!hex || i < CRM_HASH_SIZE)
		memset(digest, 0, CRM_HASH_SIZE);
}

void crm_chain_hex(const uint8_t *digest, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CRM_HASH_SIZE; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[CRM_HASH_HEX_LEN] = '\0';
}

void crm_chain_digest(const uint8_t *prev, const struct crm_chain_link *l, uint8_t *out)
{
	struct hasher h;

	sha256_init(&h.ctx);
	h.n = 0;
	put(&h, "crm-log-v1", 11);  /* with its NUL */
	put(&h, prev, CRM_HASH_SIZE);
	put_u64(&h, (uint64_t)l->id);
	put_u64(&h, (uint64_t)l->run_id);
	put_text(&h, l->tbl);
	put_u64(&h, (uint64_t)l->row_id);
	put_text(&h, l->op);
	put_value(&h, &l->field);
	put_value(&h, &l->old_value);
	put_value(&h, &l->new_value);
	put_text(&h, l->actor);
	put_text(&h, l->command);
	put_text(&h, l->started_at);
	sha256_update(&h.ctx, h.n, h.buf);
	sha256_digest(&h.ctx, CRM_HASH_SIZE, out);
}

void crm_chain_hash(const char *prev, const struct crm_chain_link *l, char *out)
{
	uint8_t p[CRM_HASH_SIZE], d[CRM_HASH_SIZE];

	/* A malformed previous hash chains as zeros: that row fails on its own. */
	crm_chain_unhex(prev, p);
	crm_chain_digest(p, l, d);
	crm_chain_hex(d, out);
}

void crm_chain_link_from_row(struct crm_stmt *st, struct crm_chain_link *l)
{
	l->id = crm_stmt_int(st, 0);
	l->run_id = crm_stmt_int(st, 1);
	l->tbl = crm_stmt_text(st, 2);
	l->row_id = crm_stmt_int(st, 3);
	l->op = crm_stmt_text(st, 4);
	l->field = crm_stmt_value(st, 5);
	l->old_value = crm_stmt_value(st, 6);
	l->new_value = crm_stmt_value(st, 7);
	l->actor = crm_stmt_text(st, 9);
	l->command = crm_stmt_text(st, 10);
	l->started_at = crm_stmt_text(st, 11);
}

/* The hash of the row before from_id, or "" when there is none. */
static enum crm_status hash_before(struct crm_stmt_table *t, int64_t from_id, char *prev,
				   struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(t, ST_HASH_BEFORE, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return err->code;
	prev[0] = '\0';
	crm_stmt_bind_int(st, 1, from_id);
	s = crm_stmt_one(st, &found, "cannot read the log", err);
	if (!s && found && crm_stmt_text(st, 0))
		snprintf(prev, CRM_HASH_HEX_LEN + 1, "%s", crm_stmt_text(st, 0));
	crm_stmt_reset(st);
	return s;
}

/* Hashes each row read by rd (from from_id on) and stores it through up. */
static enum crm_status seal_rows(struct crm_stmt *rd, struct crm_stmt *up, const char *prev,
				 int64_t from_id, struct crm_error *err)
{
	char h[CRM_HASH_HEX_LEN + 1];
	uint8_t p[CRM_HASH_SIZE];
	enum crm_step step;

	/* The digest is carried in binary from row to row, hex only to store. */
	crm_chain_unhex(prev[0] ? prev : NULL, p);
	crm_stmt_bind_int(rd, 1, from_id);
	while ((step = crm_stmt_step(rd)) == CRM_STEP_ROW) {
		struct crm_chain_link l;

		crm_chain_link_from_row(rd, &l);
		crm_chain_digest(p, &l, p);
		crm_chain_hex(p, h);
		crm_stmt_bind_text_ref(up, 1, h, CRM_HASH_HEX_LEN);
		crm_stmt_bind_int(up, 2, l.id);
		if (crm_stmt_step(up) == CRM_STEP_ERROR)
			return crm_stmt_fail(up, err, "cannot seal the log");
		crm_stmt_reset(up);
	}
	return step == CRM_STEP_DONE ? CRM_OK : crm_stmt_fail(rd, err, "cannot seal the log");
}

enum crm_status crm_chain_seal(struct crm_db *db, int64_t from_id, struct crm_error *err)
{
	struct crm_stmt_table t = { 0 };
	struct crm_stmt *rd = NULL, *up = NULL;
	char prev[CRM_HASH_HEX_LEN + 1];
	enum crm_status s;

	if (!crm_db_in_transaction(db))
		return crm_error_set(err, CRM_ERR_INTERNAL, "sealing the log needs a transaction");
	s = crm_stmt_table_init(&t, db, chain_sql, ST_COUNT, err);
	if (!s)
		s = hash_before(&t, from_id, prev, err);
	if (!s && (!(rd = crm_stmt_table_get(&t, ST_SELECT, err)) ||
		   !(up = crm_stmt_table_get(&t, ST_SET_HASH, err))))
		s = err->code;
	if (!s)
		s = seal_rows(rd, up, prev, from_id, err);
	crm_stmt_table_release(&t);
	return s;
}

enum crm_status crm_chain_seal_unsealed(struct crm_db *db, struct crm_error *err)
{
	struct crm_stmt *st;
	enum crm_status s = crm_stmt_prepare(db, chain_sql[ST_FIRST_UNSEALED], &st, err);
	int64_t first = 0;
	int found = 0;

	if (s)
		return s;
	s = crm_stmt_one(st, &found, "cannot read the log", err);
	/* min() of no rows is one row of NULL. */
	found = found && !crm_stmt_is_null(st, 0);
	if (!s && found)
		first = crm_stmt_int(st, 0);
	crm_stmt_free(st);
	return !s && found ? crm_chain_seal(db, first, err) : s;
}

enum crm_status crm_chain_verify(struct crm_db *db, struct crm_chain_break *brk,
				 struct crm_error *err)
{
	struct crm_stmt *rd;
	char h[CRM_HASH_HEX_LEN + 1];
	uint8_t p[CRM_HASH_SIZE] = { 0 };
	enum crm_status s = crm_stmt_prepare(db, chain_sql[ST_SELECT], &rd, err);
	enum crm_step step;

	memset(brk, 0, sizeof(*brk));
	if (s)
		return s;
	crm_stmt_bind_int(rd, 1, INT64_MIN);
	while ((step = crm_stmt_step(rd)) == CRM_STEP_ROW) {
		struct crm_chain_link l;
		const char *stored = crm_stmt_text(rd, 8);

		crm_chain_link_from_row(rd, &l);
		crm_chain_digest(p, &l, p);
		crm_chain_hex(p, h);
		brk->checked++;
		if (!stored || strcmp(stored, h)) {
			brk->id = l.id;
			memcpy(brk->expected, h, sizeof(h));
			snprintf(brk->found, sizeof(brk->found), "%s", stored ? stored : "");
			break;
		}
	}
	if (step == CRM_STEP_ERROR)
		s = crm_stmt_fail(rd, err, "cannot read the log");
	crm_stmt_free(rd);
	return s;
}
