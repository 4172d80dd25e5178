/*
 * qread.c - read every queue file of a queue directory, on several threads
 * (see qread.h)
 *
 * The calling thread walks the directory and gathers names; a full batch
 * (or the end of a directory) is read by the pool and the calling thread
 * together, each taking the next unread name, then reported in order.
 */
#include <sched.h>	/* sched_getaffinity, CPU_COUNT: _GNU_SOURCE (Makefile) */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/qid.h"
#include "postfix/qread.h"
#include "postfix/qscan.h"

#define SMALL_BATCH	32	/* fewer names: not worth waking the pool */

struct slot {
	char id[FF_QID_MAX + 1];
	size_t len;
	int rc;
	struct stat st;
	struct ff_qfile q;	/* results only (ff_qfile_take) */
	struct ff_err qe;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen, busy, nworkers;
	int quit;
	pthread_t *tid;
	struct ff_qfile *readers;	/* [0] the calling thread's */
	/* the batch */
	struct slot *slots;
	size_t count;
	atomic_size_t next;
	int dirfd;
	const char *queue;
	/* the walk */
	ff_qread_cb *cb;
	void *arg;
};

struct worker {
	struct pool *p;
	unsigned n;
};

/* work - read names of the batch until none is left */
static void
work(struct pool *p, struct ff_qfile *r)
{
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->count) {
		struct slot *s = &p->slots[i];

		s->qe.status = FF_OK;
		s->rc = ff_qfile_load(r, p->dirfd, s->id, p->queue, &s->st, &s->qe);
		if (s->rc > 0)
			ff_qfile_take(&s->q, r);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;
	unsigned seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		work(p, &p->readers[w->n]);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	free(w);
	return NULL;
}

static unsigned
cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* pool_start - up to want-1 threads besides the caller; fewer if they fail */
static int
pool_start(struct pool *p, unsigned want)
{
	sigset_t all, old;

	if (want > FF_QREAD_THREADS)
		want = FF_QREAD_THREADS;
	if (want == 0)
		want = 1;
	if ((p->readers = calloc(want, sizeof(*p->readers))) == NULL ||
	    (p->slots = calloc(FF_QREAD_BATCH, sizeof(*p->slots))) == NULL ||
	    (want > 1 && (p->tid = calloc(want - 1, sizeof(*p->tid))) == NULL)) {
		free(p->readers);
		free(p->slots);
		return -1;
	}
	for (unsigned i = 0; i < want; i++)
		ff_qfile_init(&p->readers[i]);
	for (size_t i = 0; i < FF_QREAD_BATCH; i++)
		ff_qfile_init(&p->slots[i].q);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	/* the readers take no signal: the caller's handlers stay on its thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 1; i < want; i++) {
		struct worker *w = malloc(sizeof(*w));

		if (w == NULL)
			break;
		*w = (struct worker){ p, i };
		if (pthread_create(&p->tid[p->nworkers], NULL, worker_main, w) != 0) {
			free(w);
			break;
		}
		p->nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static void
pool_stop(struct pool *p)
{
	int saved = errno;

	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nworkers; i++)
		pthread_join(p->tid[i], NULL);
	for (unsigned i = 0; i < p->nworkers + 1; i++)
		ff_qfile_free(&p->readers[i]);
	for (size_t i = 0; i < FF_QREAD_BATCH; i++)
		ff_qfile_free(&p->slots[i].q);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->go);
	pthread_mutex_destroy(&p->mu);
	free(p->readers);
	free(p->slots);
	free(p->tid);
	errno = saved;	/* the caller may look at the walk's */
}

/* flush - read the batch gathered for p->dirfd, report it in order */
static int
flush(struct pool *p, struct ff_err *e)
{
	size_t n = p->count;
	int rc = 0;

	if (n == 0)
		return 0;
	atomic_store(&p->next, 0);
	if (p->nworkers == 0 || n < SMALL_BATCH) {
		work(p, &p->readers[0]);
	} else {
		pthread_mutex_lock(&p->mu);
		p->busy = p->nworkers;
		p->gen++;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
		work(p, &p->readers[0]);
		pthread_mutex_lock(&p->mu);
		while (p->busy > 0)
			pthread_cond_wait(&p->done, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	p->count = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct slot *s = &p->slots[i];

		rc = p->cb(p->arg, s->id, s->len, s->rc, &s->q, &s->st, &s->qe, e);
	}
	return rc < 0 ? -1 : 0;
}

/* gather - ff_qscan's callback: a name to read, or a directory done */
static int
gather(void *arg, int dirfd, const char *id, size_t len, struct ff_err *e)
{
	struct pool *p = arg;
	struct slot *s;

	if (p->count > 0 && (id == NULL || dirfd != p->dirfd || p->count == FF_QREAD_BATCH) &&
	    flush(p, e) < 0)
		return -1;
	if (id == NULL || len > FF_QID_MAX)
		return 0;
	p->dirfd = dirfd;
	s = &p->slots[p->count++];
	memcpy(s->id, id, len);
	s->id[len] = 0;
	s->len = len;
	return 0;
}

int
ff_qread(struct ff_spool *sp, int queue, unsigned threads, ff_qread_cb *cb, void *arg,
    unsigned long *unreadable, struct ff_err *e)
{
	struct pool p = { .queue = ff_queue_name(queue), .cb = cb, .arg = arg, .dirfd = -1 };
	int rc;

	if (pool_start(&p, threads ? threads : cpus()) < 0)
		return ff_err_sys(e, ENOMEM, "read %s", p.queue);
	rc = ff_qscan(sp, queue, gather, &p, unreadable, e);
	pool_stop(&p);
	return rc;
}
