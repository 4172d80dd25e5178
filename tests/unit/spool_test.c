/*
 * spool_test.c - what an opened spool gives its users (the accessors),
 * and the state other modules keep with it (spool_int.h): found by its
 * key, kept once per key, released once by ff_spool_forget() or, newest
 * first, by ff_spool_close()
 */
#include <sys/stat.h>

#include "unit.h"
#include "postfix/spool_int.h"

static char released[16];
static size_t nreleased;

static void
release(void *state)
{
	if (nreleased < sizeof(released) - 1)
		released[nreleased++] = *(char *)state;
}

static struct ff_spool *
spool(const char *names, const char *depth)
{
	struct ff_conf *c = ff_conf_new();
	struct ff_err e = { .status = FF_OK };
	struct ff_spool *sp;

	mkdir(unit_path("q"), 0755);
	ff_conf_set(c, "queue_directory", unit_path("q"));
	ff_conf_set(c, "hash_queue_names", names);
	ff_conf_set(c, "hash_queue_depth", depth);
	ff_conf_set(c, "fastflush_lock_timeout", "2m");
	ff_conf_set(c, "mail_owner", "fastflush-unit-nobody");
	if ((sp = ff_spool_open(c, &e)) == NULL)
		unit_fail(__FILE__, __LINE__, "spool_open: %s", e.msg);
	return sp;
}

static void
test_accessors(void)
{
	struct ff_spool *sp = spool("deferred, flush", "2");
	struct stat st;
	gid_t gid = (gid_t)-1;

	if (sp == NULL)
		return;
	CHECK_STR_EQ(ff_spool_path(sp), unit_path("q"));
	CHECK_STR_EQ(ff_conf_get(ff_spool_conf(sp), "hash_queue_depth"), "2");
	CHECK(fstat(ff_spool_fd(sp), &st) == 0 && S_ISDIR(st.st_mode));
	/* no flush/, deferred/, incoming/, no mail_owner account: the directory's */
	CHECK_INT_EQ(ff_spool_owner(sp, &gid), st.st_uid);
	CHECK_INT_EQ(gid, st.st_gid);
	CHECK_INT_EQ(ff_spool_owner(sp, NULL), st.st_uid);
	CHECK_INT_EQ(ff_spool_hash_depth(sp, FF_Q_DEFERRED), 2);
	CHECK_INT_EQ(ff_spool_hash_depth(sp, FF_Q_FLUSH), 2);
	CHECK_INT_EQ(ff_spool_hash_depth(sp, FF_Q_INCOMING), 0);
	CHECK_INT_EQ(ff_spool_hash_depth(sp, FF_Q_COUNT), 0);
	CHECK_INT_EQ(ff_spool_hash_depth(sp, -1), 0);
	CHECK_INT_EQ(ff_spool_lock_timeout_ms(sp), 120000);
	ff_conf_free(ff_spool_conf(sp));
	ff_spool_close(sp);
}

static void
test_state(void)
{
	static char a = 'a', b = 'b', c = 'c', d = 'd', x = 'x';
	static const char ka = 0, kb = 0, kc = 0, kd = 0, kx = 0;
	struct ff_spool *sp = spool("deferred", "1");
	struct ff_conf *conf;

	if (sp == NULL)
		return;
	conf = ff_spool_conf(sp);
	nreleased = 0;
	CHECK(ff_spool_state(sp, &ka) == NULL);
	CHECK_INT_EQ(ff_spool_keep(sp, &ka, &a, release), 0);
	CHECK_INT_EQ(ff_spool_keep(sp, &kb, &b, release), 0);
	CHECK(ff_spool_state(sp, &ka) == &a);
	CHECK(ff_spool_state(sp, &kb) == &b);
	/* one state per key: a second is refused, the first stays */
	CHECK_INT_EQ(ff_spool_keep(sp, &ka, &x, release), -1);
	CHECK(ff_spool_state(sp, &ka) == &a);
	/* forget releases once; the key can be used again */
	ff_spool_forget(sp, &ka);
	CHECK_INT_EQ(nreleased, 1);
	CHECK_INT_EQ(released[0], 'a');
	CHECK(ff_spool_state(sp, &ka) == NULL);
	CHECK(ff_spool_state(sp, &kb) == &b);
	ff_spool_forget(sp, &ka);	/* nothing kept: nothing released */
	CHECK_INT_EQ(nreleased, 1);
	CHECK_INT_EQ(ff_spool_keep(sp, &ka, &a, release), 0);
	CHECK_INT_EQ(ff_spool_keep(sp, &kc, &c, release), 0);
	CHECK_INT_EQ(ff_spool_keep(sp, &kd, &d, release), 0);
	/* FF_SPOOL_STATES places, then no more */
	CHECK_INT_EQ(FF_SPOOL_STATES, 4);
	CHECK_INT_EQ(ff_spool_keep(sp, &kx, &x, release), -1);
	CHECK(ff_spool_state(sp, &kx) == NULL);
	/* close releases each once, newest first */
	ff_spool_close(sp);
	released[nreleased] = 0;
	CHECK_STR_EQ(released, "adcab");
	ff_conf_free(conf);
}

int
main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_accessors),
		UNIT_TEST(test_state),
	};

	return unit_run(tests, UNIT_COUNT(tests));
}
