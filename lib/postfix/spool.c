/*
 * spool.c - a Postfix-layout queue directory (see spool.h)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"
#include "postfix/qid.h"
#include "postfix/site.h"
#include "postfix/spool_int.h"
#include "util/map.h"

#define FF_DIRCACHE_MAX	512	/* cached hash directory descriptors */

struct ff_spool {
	struct ff_conf *conf;
	const char *queue_dir;
	int qfd;			/* queue_directory */
	int qbase[FF_Q_COUNT];		/* queue directories, -1 until opened */
	int hashed[FF_Q_COUNT];		/* listed in hash_queue_names */
	int depth;			/* hash_queue_depth */
	struct ff_map dircache[FF_Q_COUNT];	/* "9/F/" -> fd + 1 */
	size_t ncached;
	uid_t uid;			/* spool owner */
	gid_t gid;
	long lock_timeout_ms;		/* fastflush_lock_timeout */
	struct {			/* spool_int.h: other modules' state */
		const void *key;
		void *state;
		void (*release)(void *);
	} kept[FF_SPOOL_STATES];
	int nkept;
};

static const char *const queue_names[FF_Q_COUNT] = {
	[FF_Q_DEFERRED] = "deferred",
	[FF_Q_INCOMING] = "incoming",
	[FF_Q_ACTIVE] = "active",
	[FF_Q_HOLD] = "hold",
	[FF_Q_CORRUPT] = "corrupt",
	[FF_Q_MAILDROP] = "maildrop",
	[FF_Q_FLUSH] = "flush",
};

const char *
ff_queue_name(int q)
{
	return q >= 0 && q < FF_Q_COUNT ? queue_names[q] : "?";
}

/*
 * spool_owner - the owner of flush/ (or of deferred/ or incoming/ when
 * flush/ is still missing), else mail_owner, else the queue directory's.
 * The group is the owner's primary group, as Postfix's daemons run
 * (mail_owner's user and group), never the directory's: Debian's flush/
 * is postfix:root, and a switch to group root would keep root's group
 * privileges. An owner without a passwd entry gets the directory's group,
 * or nogroup (65534) when that is root's.
 */
static void
spool_owner(struct ff_spool *sp, const char *mail_owner)
{
	static const char *const dirs[] = { "flush", "deferred", "incoming" };
	struct stat st;
	struct passwd *pw;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (fstatat(sp->qfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			sp->uid = st.st_uid;
			if ((pw = getpwuid(st.st_uid)) != NULL)
				sp->gid = pw->pw_gid;
			else
				sp->gid = st.st_gid != 0 || st.st_uid == 0 ? st.st_gid : 65534;
			return;
		}
	}
	if ((pw = getpwnam(mail_owner)) != NULL) {
		sp->uid = pw->pw_uid;
		sp->gid = pw->pw_gid;
	} else if (fstat(sp->qfd, &st) == 0) {
		sp->uid = st.st_uid;
		sp->gid = st.st_gid;
	}
}

struct ff_spool *
ff_spool_open(struct ff_conf *conf, struct ff_err *e)
{
	struct ff_spool *sp = calloc(1, sizeof(*sp));
	long depth;
	const char *names, *mail_owner;

	if (sp == NULL) {
		ff_err_sys(e, ENOMEM, "spool");
		return NULL;
	}
	sp->conf = conf;
	sp->qfd = -1;
	for (int q = 0; q < FF_Q_COUNT; q++)
		sp->qbase[q] = -1;
	if (ff_conf_check(conf, e) < 0 ||
	    ff_conf_str(conf, "queue_directory", &sp->queue_dir, e) < 0 ||
	    ff_conf_str(conf, "hash_queue_names", &names, e) < 0 ||
	    ff_conf_str(conf, "mail_owner", &mail_owner, e) < 0 ||
	    ff_conf_long(conf, "hash_queue_depth", 1, FF_HASH_MAX_DEPTH, &depth, e) < 0 ||
	    ff_conf_time_ms(conf, "fastflush_lock_timeout", &sp->lock_timeout_ms, e) < 0)
		goto fail;
	sp->depth = (int)depth;
	for (int q = 0; q < FF_Q_COUNT; q++) {
		sp->hashed[q] = ff_list_has(names, queue_names[q]);
		if (ff_map_init(&sp->dircache[q], 0) < 0) {
			ff_err_sys(e, ENOMEM, "spool");
			goto fail;
		}
	}
	if (sp->queue_dir[0] != '/') {
		ff_err_set(e, FF_CONFIG, "queue_directory must be an absolute path: \"%.200s\"",
		    sp->queue_dir);
		goto fail;
	}
	sp->qfd = open(sp->queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->qfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			ff_err_set(e, FF_CONFIG, "queue_directory %s does not exist or is not a"
			    " directory", sp->queue_dir);
		else
			ff_err_sys(e, errno, "open queue directory %s", sp->queue_dir);
		goto fail;
	}
	spool_owner(sp, mail_owner);
	return sp;
fail:
	ff_spool_close(sp);
	return NULL;
}

void
ff_spool_close(struct ff_spool *sp)
{
	if (sp == NULL)
		return;
	while (sp->nkept > 0) {
		sp->nkept--;
		sp->kept[sp->nkept].release(sp->kept[sp->nkept].state);
	}
	for (int q = 0; q < FF_Q_COUNT; q++) {
		struct ff_map *m = &sp->dircache[q];
		for (size_t i = 0; i < m->count; i++)
			close((int)(intptr_t)m->ent[i].value - 1);
		ff_map_free(m);
		if (sp->qbase[q] >= 0)
			close(sp->qbase[q]);
	}
	if (sp->qfd >= 0)
		close(sp->qfd);
	free(sp);
}

struct ff_conf *
ff_spool_conf(const struct ff_spool *sp)
{
	return sp->conf;
}

const char *
ff_spool_path(const struct ff_spool *sp)
{
	return sp->queue_dir;
}

int
ff_spool_fd(const struct ff_spool *sp)
{
	return sp->qfd;
}

uid_t
ff_spool_owner(const struct ff_spool *sp, gid_t *gid)
{
	if (gid != NULL)
		*gid = sp->gid;
	return sp->uid;
}

int
ff_spool_hash_depth(const struct ff_spool *sp, int q)
{
	return q >= 0 && q < FF_Q_COUNT && sp->hashed[q] ? sp->depth : 0;
}

long
ff_spool_lock_timeout_ms(const struct ff_spool *sp)
{
	return sp->lock_timeout_ms;
}

void *
ff_spool_state(struct ff_spool *sp, const void *key)
{
	for (int i = 0; i < sp->nkept; i++)
		if (sp->kept[i].key == key)
			return sp->kept[i].state;
	return NULL;
}

int
ff_spool_keep(struct ff_spool *sp, const void *key, void *state, void (*release)(void *))
{
	if (sp->nkept >= FF_SPOOL_STATES || ff_spool_state(sp, key) != NULL)
		return -1;
	sp->kept[sp->nkept].key = key;
	sp->kept[sp->nkept].state = state;
	sp->kept[sp->nkept].release = release;
	sp->nkept++;
	return 0;
}

void
ff_spool_forget(struct ff_spool *sp, const void *key)
{
	for (int i = 0; i < sp->nkept; i++) {
		if (sp->kept[i].key != key)
			continue;
		sp->kept[i].release(sp->kept[i].state);
		memmove(&sp->kept[i], &sp->kept[i + 1], (size_t)(sp->nkept - i - 1) *
		    sizeof(sp->kept[0]));
		sp->nkept--;
		return;
	}
}

int
ff_spool_drop_privileges(struct ff_spool *sp, struct ff_err *e)
{
	uid_t r, eu, s;

	if (geteuid() != 0 || sp->uid == 0)
		return 0;
	if (setgroups(1, &sp->gid) < 0 || setresgid(sp->gid, sp->gid, sp->gid) < 0 ||
	    setresuid(sp->uid, sp->uid, sp->uid) < 0)
		return ff_err_sys(e, errno, "switch to the spool owner (uid %lu, gid %lu)",
		    (unsigned long)sp->uid, (unsigned long)sp->gid);
	if (getresuid(&r, &eu, &s) < 0 || r != sp->uid || eu != sp->uid || s != sp->uid)
		return ff_err_set(e, FF_SYSERR, "could not switch to the spool owner");
	ff_msg_debug("running as the spool owner, uid %lu", (unsigned long)sp->uid);
	return 0;
}

/* open_subdir - one directory level, never through a symlink */
static int
open_subdir(int dirfd, const char *name, int create)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

int
ff_spool_qbase(struct ff_spool *sp, int q, int create, struct ff_err *e)
{
	if (sp->qbase[q] < 0) {
		sp->qbase[q] = open_subdir(sp->qfd, queue_names[q], create);
		if (sp->qbase[q] < 0)
			return ff_err_sys(e, errno == ELOOP ? ENOTDIR : errno, "open %s/%s",
			    sp->queue_dir, queue_names[q]);
	}
	return sp->qbase[q];
}

int
ff_spool_dir(struct ff_spool *sp, int q, const char *id, size_t len, int create,
    struct ff_dirref *ref, struct ff_err *e)
{
	char dirs[2 * FF_HASH_MAX_DEPTH + 1], comp[2];
	size_t dlen;
	void **slot;
	int fd, next;

	ref->fd = -1;
	ref->owned = 0;
	if ((fd = ff_spool_qbase(sp, q, create, e)) < 0)
		return -1;
	if (!sp->hashed[q]) {
		ref->fd = fd;
		return 0;
	}
	dlen = ff_qid_hash(id, len, sp->depth, dirs, sizeof(dirs));
	if ((slot = ff_map_get(&sp->dircache[q], dirs, dlen)) != NULL) {
		ref->fd = (int)(intptr_t)*slot - 1;
		return 0;
	}
	/* walk down one level at a time, each with O_NOFOLLOW */
	comp[1] = 0;
	for (size_t i = 0; i < dlen; i += 2) {
		comp[0] = dirs[i];
		next = open_subdir(fd, comp, create);
		if (i > 0)
			close(fd);
		if (next < 0)
			return ff_err_sys(e, errno == ELOOP ? ENOTDIR : errno, "open %s/%s/%.*s",
			    sp->queue_dir, queue_names[q], (int)(i + 1), dirs);
		fd = next;
	}
	ref->fd = fd;
	if (sp->ncached < FF_DIRCACHE_MAX &&
	    ff_map_put(&sp->dircache[q], dirs, dlen, &slot) == 1) {
		*slot = (void *)(intptr_t)(fd + 1);
		sp->ncached++;
	} else {
		ref->owned = 1;
	}
	return 0;
}

void
ff_dirref_release(struct ff_dirref *ref)
{
	if (ref->owned && ref->fd >= 0)
		close(ref->fd);
	ref->fd = -1;
	ref->owned = 0;
}
