/*
 * fuzz_flushd - both request parsers of fflushd: Postfix's attribute lists
 * (with the short wake-up path) and the text protocol. The first byte
 * picks the mode (auto, Postfix only, text only); the rest is the
 * request, followed by end of input. No spool: every known request is
 * answered as failed, so only parsing and replies are exercised. The
 * reply must start with the greeting or be one text line.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flush/flushd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char greet[] = "protocol\0queue_flush_protocol\0";
	struct ff_flushd *d;
	struct ff_err e;
	char out[8192];
	ssize_t n;
	int in[2], rep[2];

	if (size < 1 || size > 60000)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, in) < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, rep) < 0) {
		close(in[0]);
		close(in[1]);
		return 0;
	}
	if (write(in[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(in[1], SHUT_WR);
	if ((d = ff_flushd_new()) == NULL)
		abort();
	ff_flushd_set_mode(d, data[0] % 3);
	ff_flushd_set_timeout(d, 2000);
	ff_flushd_set_limits(d, 1024, 8192);
	ff_err_set(&e, FF_CONFIG, "no spool");
	ff_flushd_set_error(d, &e);
	ff_flushd_serve(d, NULL, in[0], rep[0]);
	close(rep[0]);
	n = read(rep[1], out, sizeof(out));
	if (n > 0 && ff_flushd_proto(d) == FF_PROTO_POSTFIX &&
	    memcmp(out, greet, sizeof(greet)) != 0)
		abort();
	if (n > 0 && ff_flushd_proto(d) == FF_PROTO_TEXT &&
	    (memchr(out, '\n', (size_t)n) != out + n - 1 || memchr(out, 0, (size_t)n)))
		abort();
	close(in[0]);
	close(in[1]);
	close(rep[1]);
	ff_flushd_free(d);
	return 0;
}
