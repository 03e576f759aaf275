/*
 * A progress bar for long work, drawn on a terminal only (the caller says
 * whether: stderr a tty, no -q, no --no-progress). Redrawn at most ten times
 * a second, and wiped when done, so that the summary line stands alone.
 */
#ifndef CRM_PROGRESS_H
#define CRM_PROGRESS_H

#include <stdio.h>

struct crm_progress {
	FILE *out;
	int enabled;
	const char *label;
	unsigned long long total;   /* bytes, 0 when unknown (a pipe) */
	double start, last;
	int drawn;
};

/* Starts a bar for label over total bytes (0: unknown); draws nothing yet. */
void crm_progress_start(struct crm_progress *p, FILE *out, int enabled,
			const char *label, unsigned long long total);
/* Notes bytes done and rows done; redraws if 100 ms have passed. */
void crm_progress_update(struct crm_progress *p, unsigned long long bytes,
			 unsigned long rows);
/* Wipes the bar. */
void crm_progress_done(struct crm_progress *p);

#endif
