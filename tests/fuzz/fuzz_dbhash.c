/* fuzz_dbhash - the Berkeley DB hash reader never crashes, hangs or reads outside its buffers */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "postfix/dbhash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "", "k0", "k1", "k2", "big", "example.com" };
	struct ff_dbhash h;
	const void *v;
	size_t vlen;
	int fd = memfd_create("fuzz_dbhash", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || ff_dbhash_open(&h, fd) != 0) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (size_t nul = 0; nul < 2; nul++)
			if (ff_dbhash_get(&h, keys[i], strlen(keys[i]) + nul, &v, &vlen) == 1 &&
			    vlen > 0)
				(void)((const volatile uint8_t *)v)[vlen - 1];
	}
	if (size > 16)	/* a key taken from the input */
		(void)ff_dbhash_get(&h, data + size - 16, 16, &v, &vlen);
	ff_dbhash_close(&h);
	close(fd);
	return 0;
}
