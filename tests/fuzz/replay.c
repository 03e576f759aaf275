/*
 * Replays inputs through the fuzz targets without libFuzzer, so that every
 * build's tests hold each target's oracle on its corpus and on the inputs
 * that once broke it:
 *
 *	fuzz-replay [--tsv FILE]... [CORPUS]...
 *
 * A TSV has a header line, then rows of target name, what broke (read by
 * people), and the input as a JSON string (control characters escaped).
 * A CORPUS directory has a directory per target, holding one input per
 * file. Exits 1 when any oracle broke, naming each input; 2 on bad usage
 * or an input that cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "strbuf.h"
#include "utf8.h"

static unsigned long replayed;

/* A test driver: running out of memory ends it. */
static void add(struct crm_strbuf *sb, const void *p, size_t n)
{
	if (crm_strbuf_add(sb, p, n)) {
		fputs("fuzz-replay: out of memory\n", stderr);
		exit(2);
	}
}

static void addch(struct crm_strbuf *sb, char c)
{
	add(sb, &c, 1);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static long hex4(const char *p)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Decodes the JSON string at s (quotes included) into out; -1 if it is not one. */
static int json_string(const char *s, struct crm_strbuf *out)
{
	char buf[4];
	long cp, lo;

	if (*s++ != '"')
		return -1;
	for (; *s && *s != '"'; s++) {
		if (*s != '\\') {
			addch(out, *s);
			continue;
		}
		switch (*++s) {
		case '"': case '\\': case '/': addch(out, *s); break;
		case 'b': addch(out, '\b'); break;
		case 'f': addch(out, '\f'); break;
		case 'n': addch(out, '\n'); break;
		case 'r': addch(out, '\r'); break;
		case 't': addch(out, '\t'); break;
		case 'u':
			if ((cp = hex4(s + 1)) < 0)
				return -1;
			s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && s[1] == '\\' && s[2] == 'u' &&
			    (lo = hex4(s + 3)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			if (cp >= 0xd800 && cp < 0xe000)
				return -1;
			add(out, buf, (size_t)crm_utf8_encode((int32_t)cp, buf));
			break;
		default:
			return -1;
		}
	}
	return *s == '"' && !s[1] ? 0 : -1;
}

static void run(const struct fuzz_target *t, const char *data, size_t len)
{
	t->one((const unsigned char *)data, len);
	replayed++;
}

static int replay_tsv(const char *path)
{
	struct crm_strbuf in = CRM_STRBUF_INIT;
	char *line = NULL, *name, *problem, *input;
	size_t cap = 0;
	ssize_t n;
	unsigned long no = 0;
	const struct fuzz_target *t;
	FILE *fp = fopen(path, "r");
	int rc = 0;

	if (!fp) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (!rc && (n = getline(&line, &cap, fp)) > 0) {
		if (++no == 1)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		name = line;
		problem = strchr(name, '\t');
		input = problem ? strchr(problem + 1, '\t') : NULL;
		if (!input) {
			fprintf(stderr, "fuzz-replay: %s:%lu: not name TAB problem TAB input\n",
				path, no);
			rc = 2;
			break;
		}
		*problem = *input++ = '\0';
		crm_strbuf_reset(&in);
		if (!(t = fuzz_target_find(name)) || json_string(input, &in)) {
			fprintf(stderr, "fuzz-replay: %s:%lu: %s\n", path, no,
				t ? "the input is not a JSON string" : "no such target");
			rc = 2;
			break;
		}
		run(t, in.buf, in.len);
	}
	free(line);
	crm_strbuf_release(&in);
	fclose(fp);
	return rc;
}

static int replay_file(const struct fuzz_target *t, const char *path)
{
	struct crm_strbuf in = CRM_STRBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		add(&in, buf, n);
	fclose(fp);
	run(t, in.buf, in.len);
	crm_strbuf_release(&in);
	return 0;
}

/* Each directory of corpus named by a target, and the files in it. */
static int replay_corpus(const char *corpus)
{
	char path[4096];
	size_t i;
	int rc = 0;

	for (i = 0; i < fuzz_ntargets && !rc; i++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", corpus, fuzz_targets[i].name);
		if (!(d = opendir(path)))
			continue;
		while (!rc && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", corpus, fuzz_targets[i].name,
				 de->d_name);
			rc = replay_file(&fuzz_targets[i], path);
		}
		closedir(d);
	}
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "--tsv") && i + 1 < argc)
			rc = replay_tsv(argv[++i]);
		else if (argv[i][0] != '-')
			rc = replay_corpus(argv[i]);
		else
			rc = 2;
	}
	if (argc < 2 || rc == 2) {
		if (argc < 2)
			fputs("usage: fuzz-replay [--tsv FILE]... [CORPUS]...\n", stderr);
		return 2;
	}
	printf("fuzz-replay: %lu inputs, %lu broke an oracle\n", replayed, fuzz_failures);
	return fuzz_failures ? 1 : 0;
}
