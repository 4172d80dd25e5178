/*
 * fuzz_lmdbread - the LMDB reader never crashes, hangs or reads outside its
 * buffers. The harness writes two valid meta pages (512-byte pages); the
 * input's first byte picks the root page, the rest is the file from page 2.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "postfix/lmdbread.h"

#define PS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
meta(uint8_t *p, uint64_t pgno, uint64_t root, uint64_t txnid)
{
	uint32_t magic = 0xBEEFC0DEu, version = 1, psize = PS;
	uint16_t flags = 0x08;

	memset(p, 0, PS);
	memcpy(p, &pgno, 8);
	memcpy(p + 10, &flags, 2);
	memcpy(p + 16, &magic, 4);
	memcpy(p + 20, &version, 4);
	memcpy(p + 16 + 24, &psize, 4);
	memcpy(p + 16 + 72 + 40, &root, 8);
	memcpy(p + 16 + 128, &txnid, 8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "a.example", "k0", "m.example", "z" };
	uint8_t head[2 * PS];
	struct ff_lmdbread r;
	const void *v;
	size_t vlen;
	int fd;

	if (size < 1 || (fd = memfd_create("fuzz_lmdbread", MFD_CLOEXEC)) < 0)
		return 0;
	meta(head, 0, 2 + data[0] % 8, 1);
	meta(head + PS, 1, 2 + data[0] / 8 % 8, data[0] & 0x80 ? 2 : 0);
	if (write(fd, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    ff_lmdbread_open(&r, fd) != 0 || ff_lmdbread_begin(&r) != 0) {
		ff_lmdbread_close(&r);
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (size_t nul = 0; nul < 2; nul++)
			if (ff_lmdbread_get(&r, keys[i], strlen(keys[i]) + nul, &v, &vlen) == 1 &&
			    vlen > 0)
				(void)((const volatile uint8_t *)v)[vlen - 1];
	}
	ff_lmdbread_close(&r);
	close(fd);
	return 0;
}
