/*
 * The cmocka fixture of the unit tests that work on a database: a new
 * crm database in a temporary directory, opened for writing, with
 * CRM_USER set so that runs name a known actor. Include after crm.h.
 */
#ifndef CRM_TEST_DBFIXTURE_H
#define CRM_TEST_DBFIXTURE_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
