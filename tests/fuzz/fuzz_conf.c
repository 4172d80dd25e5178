/* fuzz_conf - main.cf parsing, $name expansion and its checks never crash or hang */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/conf.h"
#include "util/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/fuzz_conf.XXXXXX";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "queue_directory", "fast_flush_domains",
		"relay_domains", "mydestination", "a", "b", "fast_flush_refresh_time" };
	static int ready;
	char path[64];
	struct ff_conf *c;
	struct ff_err e;
	const char *name;
	size_t len;
	long secs;
	FILE *fp;

	if (!ready) {
		if (mkdtemp(dir) == NULL)
			abort();
		ff_msg_stderr(FF_MSG_STDERR_NONE);
		ready = 1;
	}
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	if ((c = ff_conf_new()) == NULL)
		return 0;
	if (ff_conf_load(c, dir, &e) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			(void)strlen(ff_conf_get(c, names[i]));
		(void)ff_conf_time(c, "fast_flush_refresh_time", &secs, &e);
		(void)ff_conf_check(c, &e);
		(void)ff_conf_unused(c, "b=1", &name, &len);
	}
	ff_conf_free(c);
	return 0;
}
