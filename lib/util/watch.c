/*
 * watch.c - notice when files that were read have changed (see watch.h)
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "util/watch.h"

/* identify - what a file is now; exists 0 when it is not there */
static void
identify(struct ff_watch_file *f, const char *path, int fd)
{
	struct stat st;
	int r = fd >= 0 ? fstat(fd, &st) : stat(path, &st);

	if (r != 0)
		memset(&st, 0, sizeof(st));
	f->exists = r == 0;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtim = st.st_mtim;
	f->ctim = st.st_ctim;
}

int
ff_watch_add(struct ff_watch *w, const char *path, int fd)
{
	struct ff_watch_file *nf;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->f[i].path, path) == 0) {
			identify(&w->f[i], path, fd);
			return 0;
		}
	if ((nf = reallocarray(w->f, w->n + 1, sizeof(*nf))) == NULL)
		return -1;
	w->f = nf;
	nf = &w->f[w->n];
	if ((nf->path = strdup(path)) == NULL)
		return -1;
	identify(nf, path, fd);
	w->n++;
	return 0;
}

int
ff_watch_merge(struct ff_watch *w, const struct ff_watch *from)
{
	struct ff_watch_file *nf;

	for (size_t i = 0; i < from->n; i++) {
		if ((nf = reallocarray(w->f, w->n + 1, sizeof(*nf))) == NULL)
			return -1;
		w->f = nf;
		nf[w->n] = from->f[i];
		if ((nf[w->n].path = strdup(from->f[i].path)) == NULL)
			return -1;
		w->n++;
	}
	return 0;
}

static int
same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int
ff_watch_changed(const struct ff_watch *w)
{
	struct ff_watch_file now;

	for (size_t i = 0; i < w->n; i++) {
		const struct ff_watch_file *f = &w->f[i];

		identify(&now, f->path, -1);
		if (now.exists != f->exists)
			return 1;
		if (now.exists && (now.dev != f->dev || now.ino != f->ino || now.size != f->size ||
		    !same_time(now.mtim, f->mtim) || !same_time(now.ctim, f->ctim)))
			return 1;
	}
	return 0;
}

void
ff_watch_free(struct ff_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->f[i].path);
	free(w->f);
	w->f = NULL;
	w->n = 0;
}
