/*
 * The matching model kept between runs (dedupe-private.h, struct
 * dd_model): a full crm dedupe --apply saves what it fitted, in its run,
 * and crm dedupe --since scores the night's pairs with the latest saved
 * one instead of fitting a model on every pair again. Table
 * dedupe_models (schema 12); fields is a JSON object, per field compared
 * its levels' [m, u], level 0 (missing) first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "dbstmt.h"
#include "dedupe-private.h"
#include "banned.h"

enum { ST_SAVE, ST_LATEST, ST_LEVELS, ST_COUNT };

static const char *const model_sql[ST_COUNT] = {
	[ST_SAVE] = "INSERT INTO dedupe_models(run_id, customers, pairs, prior, fields)"
		    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_LATEST] = "SELECT id, run_id, customers, pairs, prior, fields,"
		      " typeof(prior) IN ('real', 'integer') FROM dedupe_models"
		      " ORDER BY id DESC LIMIT 1",
	/* Each field's levels, in the order written: level is the array's index. */
	[ST_LEVELS] = "SELECT f.key, l.key, json_extract(l.value, '$[0]'),"
		      " json_extract(l.value, '$[1]'),"
		      " json_type(l.value, '$[0]') IN ('real', 'integer')"
		      " AND json_type(l.value, '$[1]') IN ('real', 'integer')"
		      " FROM json_each(?1) f, json_each(f.value) l"
		      " WHERE json_type(?1) = 'object' AND f.type = 'array' AND l.type = 'array'",
};

/* m's fields as the JSON object of dedupe_models.fields, into b. */
static int model_json(const struct dd_model *m, struct crm_strbuf *b)
{
	int f, l;

	if (crm_strbuf_addch(b, '{'))
		return -1;
	for (f = 0; f < m->nfields; f++) {
		if ((f && crm_strbuf_addch(b, ',')) || crm_strbuf_add_json_string(b, m->name[f], strlen(m->name[f])) ||
		    crm_strbuf_add(b, ":[", 2))
			return -1;
		for (l = 0; l < m->nlevels[f]; l++)
			if (crm_strbuf_addf(b, "%s[%.17g,%.17g]", l ? "," : "", m->m[f][l],
					    m->u[f][l]))
				return -1;
		if (crm_strbuf_addch(b, ']'))
			return -1;
	}
	return crm_strbuf_addch(b, '}');
}

enum crm_status dd_model_save(struct crm_run *run, const struct dd_model *m,
			      struct crm_error *err)
{
	struct crm_db *db = crm_run_db(run);
	struct crm_strbuf json;
	struct crm_stmt *st;
	enum crm_status s;
	int f, l;

	for (f = 0; f < m->nfields; f++)
		for (l = 0; l < m->nlevels[f]; l++)
			if (!isfinite(m->m[f][l]) || !isfinite(m->u[f][l]))
				return crm_error_set(err, CRM_ERR_INTERNAL, "the model of %s is "
						     "not a number", m->name[f]);
	if (!isfinite(m->prior))
		return crm_error_set(err, CRM_ERR_INTERNAL, "the model's prior is not a number");
	crm_strbuf_init(&json);
	if (model_json(m, &json)) {
		crm_strbuf_release(&json);
		return crm_error_nomem(err);
	}
	s = crm_stmt_prepare(db, model_sql[ST_SAVE], &st, err);
	if (!s) {
		crm_stmt_bind_int(st, 1, crm_run_id(run));
		crm_stmt_bind_int(st, 2, (int64_t)m->customers);
		crm_stmt_bind_int(st, 3, (int64_t)m->pairs);
		crm_stmt_bind_real(st, 4, m->prior);
		crm_stmt_bind_text(st, 5, json.buf, json.len);
		s = crm_stmt_run(st, "cannot save the dedupe model", err);
		crm_stmt_free(st);
	}
	crm_strbuf_release(&json);
	if (!s)
		s = crm_audit_insert(crm_run_audit(run), "dedupe_models",
				     crm_db_last_insert_id(db), err);
	return s;
}

/* The field of m named name, or -1. */
static int field_of(const struct dd_model *m, const char *name)
{
	int f;

	for (f = 0; name && f < m->nfields; f++)
		if (!strcmp(m->name[f], name))
			return f;
	return -1;
}

/* Whether p can be a probability of a level other than missing. */
static int probability(double p)
{
	return p > 0 && p <= 1;
}

/*
 * A model saved before birthdates had the level "within a year" (missing,
 * exact, close, different) or "within ten years" (those and within a
 * year) is read as it scored: its "different", all past its nearest
 * levels, stands for each level past them now. Dropped instead, every
 * --since after an upgrade compared all against all, and a database
 * already deduplicated never fitted a model to save again.
 */
static void older_birthdate(struct dd_model *m, unsigned seen[DD_MAX_FIELDS])
{
	int f = field_of(m, "birthdate"), last, l;

	if (f < 0 || m->nlevels[f] != 6 || (seen[f] != 0xfu && seen[f] != 0x1fu))
		return;
	last = seen[f] == 0xfu ? 3 : 4;
	for (l = last + 1; l < m->nlevels[f]; l++) {
		m->m[f][l] = m->m[f][last];
		m->u[f][l] = m->u[f][last];
		seen[f] |= 1u << l;
	}
}

/*
 * Reads the levels of json into m, whose names and level counts are the
 * fields compared now: *other is 0 when every field has all its levels,
 * each a probability (level 0, missing, is not one: it is never scored);
 * 1 when the saved model is of other fields, or not a model at all (a
 * hand edited row), so that it is not used.
 */
static enum crm_status read_levels(struct crm_stmt *st, const char *json, struct dd_model *m,
				   int *other, struct crm_error *err)
{
	unsigned seen[DD_MAX_FIELDS] = { 0 };
	enum crm_step step;
	int f;

	*other = 0;
	crm_stmt_bind_str(st, 1, json);
	while ((step = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int64_t l = crm_stmt_int(st, 1);

		f = field_of(m, crm_stmt_text(st, 0));
		if (f < 0 || l < 0 || l >= m->nlevels[f] || !crm_stmt_int(st, 4)) {
			*other = 1;
			continue;
		}
		m->m[f][l] = crm_stmt_real(st, 2);
		m->u[f][l] = crm_stmt_real(st, 3);
		if (l > 0 && (!probability(m->m[f][l]) || !probability(m->u[f][l])))
			*other = 1;
		seen[f] |= 1u << l;
	}
	if (step == CRM_STEP_ERROR)
		return crm_stmt_fail(st, err, "cannot read the dedupe model");
	older_birthdate(m, seen);
	for (f = 0; f < m->nfields; f++)
		if (seen[f] != (1u << m->nlevels[f]) - 1)
			*other = 1;
	return CRM_OK;
}

enum crm_status dd_model_load(struct crm_db *db, struct dd_model *m, int *found,
			      struct crm_error *err)
{
	struct crm_stmt_table t;
	struct crm_stmt *latest, *levels;
	enum crm_status s;
	int other = 0;

	*found = 0;
	if ((s = crm_stmt_table_init(&t, db, model_sql, ST_COUNT, err)))
		return s;
	if (!(latest = crm_stmt_table_get(&t, ST_LATEST, err)) ||
	    !(levels = crm_stmt_table_get(&t, ST_LEVELS, err))) {
		crm_stmt_table_release(&t);
		return err->code;
	}
	s = crm_stmt_one(latest, found, "cannot read the dedupe model", err);
	if (!s && *found) {
		m->run = crm_stmt_int(latest, 1);
		m->customers = (unsigned long)crm_stmt_int(latest, 2);
		m->pairs = (unsigned long)crm_stmt_int(latest, 3);
		m->prior = crm_stmt_real(latest, 4);
		/* Odds of two customers taken at random: far below even (a hand edit, else). */
		if (!crm_stmt_int(latest, 6) || !isfinite(m->prior) || m->prior >= 0)
			other = 1;
		if (!other)
			s = read_levels(levels, crm_stmt_text(latest, 5), m, &other, err);
		if (!s && other)
			*found = 0;
	}
	crm_stmt_table_release(&t);
	return s;
}
