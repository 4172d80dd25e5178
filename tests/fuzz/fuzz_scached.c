/*
 * fuzz_scached - the connection cache server's request parser and state
 * machine (Postfix's scache requests, the descriptor dance, stats, list,
 * delete), driven as one client on a socketpair. The first byte picks
 * where, if anywhere, a descriptor (/dev/null) is sent: after the first
 * n bytes of the rest. The server must answer and return once the input
 * ends, whatever it was.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postfix/fdpass.h"
#include "util/msg.h"
#include "scache/scached_int.h"	/* white box: one_client and the limits */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char greet[] = "protocol\0connection_cache_protocol\0";
	struct ff_scached *s;
	struct ff_err e;
	char out[sizeof(greet)];
	size_t cut;
	int sp[2], null;

	if (size < 1 || size > 60000)
		return 0;
	ff_msg_stderr(FF_MSG_STDERR_NONE);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return 0;
	cut = data[0] == 0xff ? size - 1 : (data[0] * (size - 1)) / 255;
	if (write(sp[1], data + 1, cut) != (ssize_t)cut)
		abort();
	if (data[0] != 0xff && (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		ff_fd_send(sp[1], null);
		close(null);
	}
	if (write(sp[1], data + 1 + cut, size - 1 - cut) != (ssize_t)(size - 1 - cut))
		abort();
	shutdown(sp[1], SHUT_WR);
	if ((s = ff_scached_new()) == NULL)
		abort();
	s->one_client = sp[0];
	s->timeout_ms = 1000;
	s->max_string = 4096;
	s->stat_interval_ms = 0;
	s->idle_ms = 0;
	s->ttl_limit_ms = 60000;
	if (ff_scached_run(s, -1, &e) < 0)
		abort();
	ff_scached_free(s);
	if (read(sp[1], out, sizeof(out)) != (ssize_t)sizeof(out) ||
	    memcmp(out, greet, sizeof(greet)) != 0)
		abort();
	close(sp[1]);
	return 0;
}
