/* fuzz_logread - read a logfile: lines are bounded, "ok" means a valid queue ID */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "flush/logread.h"
#include "postfix/qid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ff_logread rd;
	const char *id;
	size_t len;
	int fd = memfd_create("log", 0), ok;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	ff_logread_init(&rd, fd);
	while (ff_logread_next(&rd, &id, &len, &ok) == 1) {
		if (len > FF_QID_MAX + 1 || (ok && !ff_qid_ok(id, len)))
			abort();
	}
	close(fd);
	return 0;
}
