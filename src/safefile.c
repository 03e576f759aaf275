/*
 * A file replaced whole or not at all (safefile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safefile.h"
#include "banned.h"

struct crm_safefile {
	char *path;
	char *tmp;
	FILE *fp;
};

static enum crm_status io_error(struct crm_error *err, const char *what, const char *path)
{
	int e = errno;
	enum crm_status s = crm_error_set(err, CRM_ERR_IO, "cannot %s '%s': %s", what, path,
					  strerror(e));

	errno = e;
	return s;
}

static void release(struct crm_safefile *f)
{
	if (!f)
		return;
	if (f->fp)
		fclose(f->fp);
	free(f->path);
	free(f->tmp);
	free(f);
}

/* Copies the file at path onto fd. */
static int copy_from(const char *path, int fd)
{
	char buf[65536];
	ssize_t n, w, at;
	int in = open(path, O_RDONLY | O_CLOEXEC), e;

	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		for (at = 0; at < n; at += w) {
			w = write(fd, buf + at, (size_t)(n - at));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				goto fail;
		}
	}
	return close(in);
fail:
	e = errno;
	close(in);
	errno = e;
	return -1;
}

enum crm_status crm_safefile_open(struct crm_safefile **out, const char *path, int keep,
				  struct crm_error *err)
{
	struct crm_safefile *f = calloc(1, sizeof(*f));
	size_t n = strlen(path);
	int fd = -1;

	struct stat st;

	*out = NULL;
	/* A directory is never replaced: say so before writing a file beside it. */
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		free(f);
		return crm_error_set(err, CRM_ERR_IO, "cannot write '%s': it is a directory", path);
	}
	if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(n + sizeof(".tmp-XXXXXX")))) {
		release(f);
		return crm_error_nomem(err);
	}
	memcpy(f->tmp, path, n);
	memcpy(f->tmp + n, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	/* mkstemp makes it 0600, and no other process has the name. */
	fd = mkstemp(f->tmp);
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		int e = errno;

		close(fd);
		unlink(f->tmp);
		fd = -1;
		errno = e;
	}
	if (fd < 0) {
		enum crm_status s = io_error(err, "write", path);
		int e = errno;

		release(f);
		errno = e;
		return s;
	}
	if ((keep && copy_from(path, fd)) || !(f->fp = fdopen(fd, "w"))) {
		enum crm_status s = io_error(err, "write", path);
		int e = errno;

		close(fd);
		unlink(f->tmp);
		release(f);
		errno = e;
		return s;
	}
	*out = f;
	return CRM_OK;
}

FILE *crm_safefile_fp(struct crm_safefile *f)
{
	return f->fp;
}

const char *crm_safefile_tmp_path(const struct crm_safefile *f)
{
	return f->tmp;
}

const char *crm_safefile_path(const struct crm_safefile *f)
{
	return f->path;
}

enum crm_status crm_safefile_sync(struct crm_safefile *f, struct crm_error *err)
{
	if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
		return io_error(err, "write", f->path);
	return CRM_OK;
}

/* Makes the rename itself durable: the directory's entry is on disk too. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

enum crm_status crm_safefile_commit(struct crm_safefile *f, struct crm_error *err)
{
	enum crm_status s = crm_safefile_sync(f, err);
	int closed = fclose(f->fp);

	f->fp = NULL;
	if (!s && closed != 0)
		s = io_error(err, "write", f->path);
	if (s) {
		unlink(f->tmp);
	} else if (rename(f->tmp, f->path) != 0) {
		/*
		 * Whole on disk, but not where it belongs: the caller may have
		 * counted on it (a commit made), so it stays, and says where.
		 */
		int e = errno;

		s = crm_error_set(err, CRM_ERR_IO, "cannot replace '%s' (%s): what was written "
				  "is in '%s'", f->path, strerror(e), f->tmp);
	} else {
		sync_dir(f->path);
	}
	release(f);
	return s;
}

void crm_safefile_abort(struct crm_safefile *f)
{
	if (!f)
		return;
	if (f->fp) {
		fclose(f->fp);
		f->fp = NULL;
	}
	unlink(f->tmp);
	release(f);
}
