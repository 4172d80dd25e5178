/* fuzz_qfile - read a queue file: bounded, every recipient inside the file */
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/qfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ff_qfile q;
	static int ready;
	struct ff_err e;
	struct stat st;
	const char *r;
	size_t pos = 0, n = 0, total = 0;
	int fd = memfd_create("qf", 0);

	if (!ready) {
		ff_qfile_init(&q);
		ready = 1;
	}
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	if (ff_qfile_read(&q, fd, &st, "fuzz", &e) == 0) {
		while ((r = ff_qfile_rcpt(&q, &pos)) != NULL) {
			n++;
			total += strlen(r) + 1;
		}
		/* every address came out of the file, each at most once */
		if (n != q.nrcpt || total > size || q.size < 0 || q.arrival < 0)
			abort();
	} else if (e.status != FF_BAD && e.status != FF_TEMP && e.status != FF_SYSERR) {
		abort();
	}
	close(fd);
	return 0;
}
