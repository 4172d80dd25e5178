/* fuzz_domlist - parse a fast_flush_domains value, match a site against it */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/domlist.h"
#include "util/msg.h"
#include "postfix/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *site;
	struct ff_domlist *l;
	struct ff_table_ctx ctx;
	struct ff_err e;

	if (buf == NULL)
		return 0;
	ff_msg_stderr(FF_MSG_STDERR_NONE);
	/*
	 * No other process: table types that would run Postfix's postmap or
	 * ask its proxymap fail at once, the same way every time (with them
	 * the target ran 2 inputs a second and timed out on a loaded machine)
	 */
	ff_table_ctx_init(&ctx, NULL);
	ctx.postmap[0] = 0;
	strlcpy(ctx.queue_dir, "/nonexistent", sizeof(ctx.queue_dir));
	memcpy(buf, data, size);
	buf[size] = 0;
	/* "list\nsite": everything up to the first newline is the list */
	site = strchr(buf, '\n');
	if (site != NULL)
		*site++ = 0;
	for (int parent = 0; parent < 2; parent++) {
		if ((l = ff_domlist_new("fast_flush_domains", buf, parent, &ctx, &e)) == NULL)
			continue;
		int r = ff_domlist_match(l, site ? site : "example.com", &e);
		if (r < -1 || r > 1)
			abort();
		ff_domlist_free(l);
	}
	free(buf);
	return 0;
}
