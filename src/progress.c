#include <time.h>

#include "progress.h"
#include "banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void crm_progress_start(struct crm_progress *p, FILE *out, int enabled,
			const char *label, unsigned long long total)
{
	p->out = out;
	p->enabled = enabled;
	p->label = label;
	p->total = total;
	p->start = p->last = now();
	p->drawn = 0;
}

void crm_progress_update(struct crm_progress *p, unsigned long long bytes,
			 unsigned long rows)
{
	double t, rate;

	if (!p->enabled)
		return;
	t = now();
	if (t - p->last < 0.1)
		return;
	p->last = t;
	rate = t > p->start ? (double)rows / (t - p->start) : 0;
	if (p->total) {
		unsigned pct = (unsigned)(bytes * 100 / p->total);
		int width = 30, fill = (int)(bytes * (unsigned long long)width / p->total), i;

		fprintf(p->out, "\r%s [", p->label);
		for (i = 0; i < width; i++)
			fputc(i < fill ? '#' : '.', p->out);
		fprintf(p->out, "] %3u%% %lu rows %.0f rows/s\033[K", pct > 100 ? 100 : pct, rows, rate);
	} else {
		fprintf(p->out, "\r%s: %.1f MB, %lu rows, %.0f rows/s\033[K", p->label,
			(double)bytes / 1e6, rows, rate);
	}
	fflush(p->out);
	p->drawn = 1;
}

void crm_progress_done(struct crm_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	p->drawn = 0;
}
