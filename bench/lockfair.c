/*
 * Benchmark of write-lock fairness: one process (the hog) commits short
 * write transactions back to back for 3 s, as a busy importer does; a
 * second process asks for a write transaction 20 times meanwhile. Run
 * once through crm's queue (crm_db_begin: flock, then BEGIN IMMEDIATE) and
 * once with SQLite's busy handler alone, the baseline, in the same run.
 * Prints the waits and the ratio of the worst waits.
 *
 * usage: bench-lockfair [DIR]   (scratch files go in DIR, default /tmp)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbint.h"
#include "crm.h"
#include "banned.h"

#define HOG_MS 3000
#define HOLD_US 20000
#define TRIES 20

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One write transaction, through crm's queue or SQLite's handler alone. */
struct writer {
	struct crm_db *db;
	int queue;
};

static int w_begin(struct writer *w)
{
	struct crm_error e;

	if (w->queue)
		return crm_db_begin(w->db, &e) ? -1 : 0;
	return sqlite3_exec(crm_db_sqlite(w->db), "BEGIN IMMEDIATE", NULL, NULL, NULL) ? -1 : 0;
}

static void w_commit(struct writer *w)
{
	struct crm_error e;

	if (w->queue)
		crm_db_commit(w->db, &e);
	else
		sqlite3_exec(crm_db_sqlite(w->db), "COMMIT", NULL, NULL, NULL);
}

static int run(const char *path, int queue, double *mean, double *worst)
{
	struct crm_error e;
	struct writer w = { NULL, queue };
	double sum = 0, t0;
	pid_t pid;
	int k, status;

	unlink(path);
	if (crm_db_open(&w.db, path, CRM_DB_WRITE | CRM_DB_CREATE, 60000, &e)) {
		fprintf(stderr, "bench-lockfair: %s\n", e.message);
		return -1;
	}
	crm_db_close(w.db);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		double end = now_ms() + HOG_MS;

		if (crm_db_open(&w.db, path, CRM_DB_WRITE, 60000, &e))
			exit(1);
		while (now_ms() < end && !w_begin(&w)) {
			sqlite3_exec(crm_db_sqlite(w.db), "INSERT INTO segments(name, created_at,"
				     " updated_at) VALUES (random(), 'x', 'x')", NULL, NULL, NULL);
			usleep(HOLD_US);
			w_commit(&w);
		}
		crm_db_close(w.db);
		exit(0);
	}
	usleep(200000);
	if (crm_db_open(&w.db, path, CRM_DB_WRITE, 60000, &e))
		return -1;
	*worst = 0;
	for (k = 0; k < TRIES; k++) {
		double waited;

		t0 = now_ms();
		if (w_begin(&w))
			break;
		waited = now_ms() - t0;
		sum += waited;
		if (waited > *worst)
			*worst = waited;
		w_commit(&w);
		usleep(50000);
	}
	crm_db_close(w.db);
	waitpid(pid, &status, 0);
	*mean = k ? sum / k : 0;
	return k == TRIES ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[512];
	double qm, qw, sm, sw;

	snprintf(path, sizeof(path), "%s/bench-lockfair-%ld.db", dir, (long)getpid());
	if (run(path, 1, &qm, &qw) || run(path, 0, &sm, &sw)) {
		fprintf(stderr, "bench-lockfair: a run failed\n");
		return 1;
	}
	printf("a writer waiting for a hog of %d ms transactions, %d tries:\n", HOLD_US / 1000, TRIES);
	printf("crm queue (flock + BEGIN IMMEDIATE): mean %7.1f ms, worst %7.1f ms\n", qm, qw);
	printf("SQLite busy handler alone:           mean %7.1f ms, worst %7.1f ms\n", sm, sw);
	printf("ratio of worst waits crm/sqlite: %.3f\n", sw > 0 ? qw / sw : 0.0);
	unlink(path);
	{
		char lock[600];

		snprintf(lock, sizeof(lock), "%s-lock", path);
		unlink(lock);
	}
	return 0;
}
