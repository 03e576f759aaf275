#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "dbstmt.h"
#include "erasure.h"
#include "banned.h"

#define KEY_SIZE 32

enum erasure_sql {
	SQL_KEY,
	SQL_KEY_ADD,
	SQL_ANY,
	SQL_ADD,
	SQL_FIND,
	SQL_COUNT
};

static const char *const erasure_sql[SQL_COUNT] = {
	[SQL_KEY] = "SELECT key FROM erasure_key WHERE id = 1",
	[SQL_KEY_ADD] = "INSERT INTO erasure_key(id, key) VALUES (1, ?1)",
	[SQL_ANY] = "SELECT EXISTS (SELECT 1 FROM erased_keys)",
	[SQL_ADD] = "INSERT INTO erased_keys(hash, tombstone_id) VALUES (?1, ?2)"
		    " ON CONFLICT (hash) DO NOTHING",
	[SQL_FIND] = "SELECT t.at FROM erased_keys e JOIN tombstones t ON t.id = e.tombstone_id"
		     " WHERE e.hash = ?1",
};

struct crm_erased {
	struct crm_stmt_table sql;
	unsigned char key[KEY_SIZE];
	struct hmac_sha256_ctx keyed;   /* the HMAC with the key set, copied for each hash */
};

void crm_erased_free(struct crm_erased *e)
{
	if (!e)
		return;
	crm_stmt_table_release(&e->sql);
	memset(e->key, 0, sizeof(e->key));
	memset(&e->keyed, 0, sizeof(e->keyed));
	free(e);
}

/* Reads the key into e; *found 0 when the database has none. */
static enum crm_status read_key(struct crm_erased *e, int *found, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&e->sql, SQL_KEY, err);
	enum crm_status s;

	if (!st)
		return crm_error_status(err);
	s = crm_stmt_one(st, found, "cannot read the erasure key", err);
	if (!s && *found && crm_stmt_blob(st, 0) && crm_stmt_bytes(st, 0) == KEY_SIZE)
		memcpy(e->key, crm_stmt_blob(st, 0), KEY_SIZE);
	else if (!s && *found)
		s = crm_error_set(err, CRM_ERR_SCHEMA, "the erasure key is damaged");
	crm_stmt_reset(st);
	return s;
}

/* Makes the database's key: 32 bytes from the kernel's random source. */
static enum crm_status make_key(struct crm_erased *e, struct crm_error *err)
{
	struct crm_stmt *st;
	size_t got = 0;

	while (got < KEY_SIZE) {
		ssize_t n = getrandom(e->key + got, KEY_SIZE - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return crm_error_set(err, CRM_ERR_IO, "cannot make the erasure key: %s",
					     strerror(errno));
		got += (size_t)n;
	}
	st = crm_stmt_table_get(&e->sql, SQL_KEY_ADD, err);
	if (!st)
		return crm_error_status(err);
	crm_stmt_bind_blob(st, 1, e->key, KEY_SIZE);
	return crm_stmt_run(st, "cannot store the erasure key", err);
}

/* Whether any key was ever erased. */
static enum crm_status any_erased(struct crm_erased *e, int *any, struct crm_error *err)
{
	struct crm_stmt *st = crm_stmt_table_get(&e->sql, SQL_ANY, err);
	enum crm_status s;
	int found = 0;

	if (!st)
		return crm_error_status(err);
	s = crm_stmt_one(st, &found, "cannot read the erased keys", err);
	*any = !s && found && crm_stmt_int(st, 0);
	crm_stmt_reset(st);
	return s;
}

enum crm_status crm_erased_open(struct crm_db *db, int create, struct crm_erased **out,
				struct crm_error *err)
{
	struct crm_erased *e = calloc(1, sizeof(*e));
	enum crm_status s;
	int found = 0, any = 1;

	*out = NULL;
	if (!e)
		return crm_error_nomem(err);
	s = crm_stmt_table_init(&e->sql, db, erasure_sql, SQL_COUNT, err);
	if (!s)
		s = read_key(e, &found, err);
	if (!s && !found && create)
		s = make_key(e, err);
	if (!s && !create)
		s = any_erased(e, &any, err);
	if (s || (!create && (!found || !any))) {
		crm_erased_free(e);
		return s;
	}
	hmac_sha256_set_key(&e->keyed, KEY_SIZE, e->key);
	*out = e;
	return CRM_OK;
}

static void hash_of(const struct crm_erased *e, const char *source, size_t source_len,
		    const char *key, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx ctx = e->keyed;

	hmac_sha256_update(&ctx, source_len, (const uint8_t *)source);
	hmac_sha256_update(&ctx, 1, (const uint8_t *)"");
	hmac_sha256_update(&ctx, strlen(key), (const uint8_t *)key);
	hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

enum crm_status crm_erased_add(struct crm_erased *e, int64_t tombstone, const char *source,
			       size_t source_len, const char *key, struct crm_error *err)
{
	uint8_t h[SHA256_DIGEST_SIZE];
	struct crm_stmt *st = crm_stmt_table_get(&e->sql, SQL_ADD, err);

	if (!st)
		return crm_error_status(err);
	hash_of(e, source, source_len, key, h);
	crm_stmt_bind_blob(st, 1, h, sizeof(h));
	crm_stmt_bind_int(st, 2, tombstone);
	return crm_stmt_run(st, "cannot record the erased key", err);
}

enum crm_status crm_erased_find(struct crm_erased *e, const char *source, const char *key,
				int *found, char *at, size_t at_size, struct crm_error *err)
{
	uint8_t h[SHA256_DIGEST_SIZE];
	struct crm_stmt *st = crm_stmt_table_get(&e->sql, SQL_FIND, err);
	enum crm_status s;

	*found = 0;
	if (!st)
		return crm_error_status(err);
	hash_of(e, source, strlen(source), key, h);
	crm_stmt_bind_blob(st, 1, h, sizeof(h));
	s = crm_stmt_one(st, found, "cannot look the erased keys up", err);
	if (!s && *found && at_size)
		snprintf(at, at_size, "%s", crm_stmt_text(st, 0) ? crm_stmt_text(st, 0) : "");
	crm_stmt_reset(st);
	return s;
}
