/* fuzz_site - ff_site_to_logname: never crashes; any result is a valid log name */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "postfix/qid.h"
#include "postfix/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *site = malloc(size + 1), name[FF_QID_MAX + 1];
	struct ff_err e;

	if (site == NULL)
		return 0;
	memcpy(site, data, size);
	site[size] = 0;
	if (ff_site_to_logname(site, size, name, &e) == 0 && !ff_qid_ok(name, strlen(name)))
		abort();
	free(site);
	return 0;
}
