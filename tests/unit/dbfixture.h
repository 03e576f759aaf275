/*
 * The cmocka fixture of the unit tests that work on a database: a new
 * crm database in a temporary directory, opened for writing, with
 * CRM_USER set so that runs name a known actor. Include after crm.h.
 */
#ifndef CRM_TEST_DBFIXTURE_H
#define CRM_TEST_DBFIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	char dir[64];
	char path[128];
	struct crm_db *db;
	struct crm_error err;
	struct crm_audit *run;   /* the test's run, when it keeps one */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/crm-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/crm.db", f->dir);
	if (crm_db_open(&f->db, f->path, CRM_DB_WRITE | CRM_DB_CREATE, 1000, &f->err))
		return -1;
	setenv("CRM_USER", "tester", 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	crm_db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	unsetenv("CRM_USER");
	return 0;
}

/* Runs sql (no parameters, no rows), failing the test with SQLite's message. */
static inline void fx_exec(struct fx *f, const char *sql)
{
	if (crm_db_exec(f->db, sql, &f->err))
		fail_msg("%s: %s", sql, f->err.message);
}

/*
 * The text of the first column of the first row of sql, which the caller
 * frees: "(null)" for NULL, "(none)" when there is no row.
 */
static inline char *fx_text(struct fx *f, const char *sql)
{
	struct crm_stmt *st;
	char *v;
	int found = 0;

	if (crm_stmt_prepare(f->db, sql, &st, &f->err))
		fail_msg("%s: %s", sql, f->err.message);
	if (crm_stmt_one(st, &found, "test", &f->err))
		fail_msg("%s: %s", sql, f->err.message);
	v = strdup(!found ? "(none)" : crm_stmt_text(st, 0) ? crm_stmt_text(st, 0) : "(null)");
	crm_stmt_free(st);
	if (!v)
		fail_msg("out of memory");
	return v;
}

/* Fails the test unless sql gives want (as fx_text() does). */
static inline void fx_assert_query(struct fx *f, const char *sql, const char *want)
{
	char *got = fx_text(f, sql);

	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'", sql, got, want);
	free(got);
}

#endif
