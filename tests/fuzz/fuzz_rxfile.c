/*
 * fuzz_rxfile - regexp:, pcre: and cidr: tables read any file and look any
 * key up without crashing, leaking or reading out of bounds; a lookup
 * returns found, not found or an error, and a found value is a string
 *
 * Input: "KEY\nFILE": the first line (at most 24 bytes used, so that
 * backtracking stays short) is looked up, the rest is the table's file,
 * read as all three types (and the same text as an inline {...} name).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/msg.h"
#include "postfix/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_MAX	24

static void
try(const char *spec, const char *key, int utf8)
{
	struct ff_table_ctx ctx;
	struct ff_table *t;
	struct ff_err e;
	const char *v;
	int r;

	ff_table_ctx_init(&ctx, NULL);
	ctx.utf8 = utf8;
	if ((t = ff_table_open(spec, &ctx, &e)) == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		v = NULL;
		r = ff_table_lookup(t, i ? "10.0.0.1" : key, &v, &e);
		if (r < -1 || r > 1 || (r == 1 && (v == NULL || strlen(v) > (size_t)1 << 20)))
			abort();
	}
	ff_table_close(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "regexp", "pcre", "cidr" };
	static int fd = -1;
	char path[64], key[KEY_MAX + 1], *spec, *nl;
	size_t klen, flen;
	const char *file;

	/*
	 * glibc's regcomp() takes time exponential in stacked repetition
	 * operators ("b+++++...", as Postfix's regexp: tables would): the C
	 * library's cost, not this code's; such inputs are skipped
	 */
	for (size_t i = 0, run = 0; i < size; i++)
		if ((run = strchr("+*?}", data[i]) != NULL && data[i] ? run + 1 : 0) >= 4)
			return 0;
	if (fd < 0) {
		if ((fd = memfd_create("fuzz_rxfile", 0)) < 0)
			abort();
		ff_msg_stderr(FF_MSG_STDERR_NONE);
	}
	nl = memchr(data, '\n', size);
	klen = nl ? (size_t)(nl - (const char *)data) : size;
	file = nl ? nl + 1 : "";
	flen = nl ? size - klen - 1 : 0;
	memcpy(key, data, klen < KEY_MAX ? klen : KEY_MAX);
	key[klen < KEY_MAX ? klen : KEY_MAX] = 0;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, file, flen, 0) != (ssize_t)flen)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((spec = malloc(flen + 16)) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(spec, flen + 16, "%s:%s", types[i], path);
		try(spec, key, i == 1);
		/* the same text as an inline name (up to a NUL) */
		snprintf(spec, flen + 16, "%s:{", types[i]);
		memcpy(spec + strlen(spec), file, flen);
		spec[strlen(types[i]) + 2 + flen] = 0;
		if (strlen(spec) > strlen(types[i]) + 1)
			try(spec, key, 0);
	}
	free(spec);
	return 0;
}
