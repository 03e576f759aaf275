#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "dbint.h"
#include "chain.h"
#include "banned.h"

_Static_assert(CRM_HASH_SIZE == SHA256_DIGEST_SIZE, "a digest is a SHA-256");

const char crm_chain_select_sql[] =
	"SELECT c.id, c.run_id, c.tbl, c.row_id, c.op, c.field, c.old_value, c.new_value,"
	" c.hash, r.actor, r.command, r.started_at"
	" FROM changes c LEFT JOIN runs r ON r.id = c.run_id"
	" WHERE c.id >= ?1 ORDER BY c.id";

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

void crm_chain_link_from_row(sqlite3_stmt *st, struct crm_chain_link *l)
{
	l->id = sqlite3_column_int64(st, 0);
	l->run_id = sqlite3_column_int64(st, 1);
	l->tbl = (const char *)sqlite3_column_text(st, 2);
	l->row_id = sqlite3_column_int64(st, 3);
	l->op = (const char *)sqlite3_column_text(st, 4);
	l->field = crm_value_column(st, 5);
	l->old_value = crm_value_column(st, 6);
	l->new_value = crm_value_column(st, 7);
	l->actor = (const char *)sqlite3_column_text(st, 9);
	l->command = (const char *)sqlite3_column_text(st, 10);
	l->started_at = (const char *)sqlite3_column_text(st, 11);
}

/* The hash of the row before from_id, or "" when there is none. */
static enum crm_status hash_before(struct crm_db *db, int64_t from_id, char *prev,
				   struct crm_error *err)
{
	sqlite3_stmt *st;
	enum crm_status s = crm_db_prepare(db,
		"SELECT hash FROM changes WHERE id < ?1 ORDER BY id DESC LIMIT 1", &st, err);
	int rc;

	if (s)
		return s;
	prev[0] = '\0';
	sqlite3_bind_int64(st, 1, from_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(prev, CRM_HASH_HEX_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot read the log");
	sqlite3_finalize(st);
	return s;
}

enum crm_status crm_chain_seal(struct crm_db *db, int64_t from_id, struct crm_error *err)
{
	sqlite3_stmt *rd = NULL, *up = NULL;
	char prev[CRM_HASH_HEX_LEN + 1], h[CRM_HASH_HEX_LEN + 1];
	uint8_t p[CRM_HASH_SIZE];
	enum crm_status s;
	int rc;

	if (!crm_db_in_transaction(db))
		return crm_error_set(err, CRM_ERR_INTERNAL, "sealing the log needs a transaction");
	s = hash_before(db, from_id, prev, err);
	if (!s)
		s = crm_db_prepare(db, crm_chain_select_sql, &rd, err);
	if (!s)
		s = crm_db_prepare(db, "UPDATE changes SET hash = ?1 WHERE id = ?2", &up, err);
	if (s)
		goto out;
	/* The digest is carried in binary from row to row, hex only to store. */
	crm_chain_unhex(prev[0] ? prev : NULL, p);
	sqlite3_bind_int64(rd, 1, from_id);
	while ((rc = sqlite3_step(rd)) == SQLITE_ROW) {
		struct crm_chain_link l;

		crm_chain_link_from_row(rd, &l);
		crm_chain_digest(p, &l, p);
		crm_chain_hex(p, h);
		sqlite3_bind_text(up, 1, h, CRM_HASH_HEX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, l.id);
		rc = sqlite3_step(up);
		sqlite3_reset(up);
		if (rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot seal the log");
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(up);
	return s;
}

enum crm_status crm_chain_verify(struct crm_db *db, struct crm_chain_break *brk,
				 struct crm_error *err)
{
	sqlite3_stmt *rd;
	char h[CRM_HASH_HEX_LEN + 1];
	uint8_t p[CRM_HASH_SIZE] = { 0 };
	enum crm_status s = crm_db_prepare(db, crm_chain_select_sql, &rd, err);
	int rc;

	memset(brk, 0, sizeof(*brk));
	if (s)
		return s;
	sqlite3_bind_int64(rd, 1, INT64_MIN);
	while ((rc = sqlite3_step(rd)) == SQLITE_ROW) {
		struct crm_chain_link l;
		const char *stored = (const char *)sqlite3_column_text(rd, 8);

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
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = crm_db_fail(db, rc, err, "cannot read the log");
	sqlite3_finalize(rd);
	return s;
}
