/*
 * mkqf - write a well-formed Postfix queue file, for the tests
 *
 *	mkqf [-t seconds] [-f sender] [-b bytes] [-a name=value] [-d addr]...
 *	    file [rcpt...]
 *
 * Writes file (mode 0700, as the queue manager wants it) with the records
 * cleanup(8) writes: C (content size first: "%15ld" x 6), T ("sec usec";
 * -t sets the arrival, default now), A (each -a, e.g. trace_flags=256),
 * S (the sender, -f, default "sender@example.net"), O and R per rcpt, O
 * and D per -d addr (a recipient already delivered: Postfix rewrites its
 * R to D in place), M, N lines of content (-b: about that many bytes,
 * default 100), X, E. A record is its type byte, the data length in 7-bit
 * groups (low group first, high bit set on all but the last), the data.
 * Exit 0, or 1 with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 256;
		if ((b->p = realloc(b->p, b->cap)) == NULL) {
			perror("mkqf");
			exit(1);
		}
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* rec - one record */
static void
rec(struct buf *b, int type, const char *data, size_t len)
{
	unsigned char c = (unsigned char)type;
	size_t n = len;

	put(b, &c, 1);
	do {
		c = n & 0177;
		if ((n >>= 7) != 0)
			c |= 0200;
		put(b, &c, 1);
	} while (n != 0);
	put(b, data, len);
}

static void
srec(struct buf *b, int type, const char *s)
{
	rec(b, type, s, strlen(s));
}

int
main(int argc, char **argv)
{
	const char *sender = "sender@example.net", *attrs[32], *done[256];
	long long arrival = (long long)time(NULL), body = 100;
	size_t nattrs = 0, ndone = 0, mesg, xtra;
	struct buf b = { 0 };
	char size[128], t[64], line[80];
	int opt, fd, nrcpt;

	while ((opt = getopt(argc, argv, "t:f:b:a:d:")) != -1) {
		switch (opt) {
		case 't': arrival = strtoll(optarg, NULL, 10); break;
		case 'f': sender = optarg; break;
		case 'b': body = strtoll(optarg, NULL, 10); break;
		case 'a': if (nattrs < 32) attrs[nattrs++] = optarg; break;
		case 'd': if (ndone < 256) done[ndone++] = optarg; break;
		default:
			fprintf(stderr, "usage: mkqf [-t seconds] [-f sender] [-b bytes] "
			    "[-a name=value] [-d addr]... file [rcpt...]\n");
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "mkqf: no file\n");
		return 1;
	}
	nrcpt = argc - optind - 1 + (int)ndone;
	/* the C record first, with room to fill in its numbers at the end */
	snprintf(size, sizeof(size), "%15ld %15ld %15ld %15ld %15ld %15ld", 0L, 0L, 0L, 0L, 0L, 0L);
	srec(&b, 'C', size);
	snprintf(t, sizeof(t), "%lld 0", arrival);
	srec(&b, 'T', t);
	for (size_t i = 0; i < nattrs; i++)
		srec(&b, 'A', attrs[i]);
	srec(&b, 'S', sender);
	for (int i = optind + 1; i < argc; i++) {
		srec(&b, 'O', argv[i]);
		srec(&b, 'R', argv[i]);
	}
	for (size_t i = 0; i < ndone; i++) {
		srec(&b, 'O', done[i]);
		srec(&b, 'D', done[i]);
	}
	srec(&b, 'M', "");
	mesg = b.len;
	srec(&b, 'N', "Subject: fastflush test");
	srec(&b, 'N', "");
	for (long long n = 0; n < body; n += 61) {
		memset(line, 'x', 60);
		line[60] = 0;
		srec(&b, 'N', line);
		(void)n;
	}
	xtra = b.len;
	srec(&b, 'X', "");
	srec(&b, 'E', "");
	snprintf(size, sizeof(size), "%15ld %15ld %15ld %15ld %15ld %15ld", (long)(xtra - mesg),
	    (long)mesg, (long)nrcpt, 0L, (long)(xtra - mesg), 0L);
	memcpy(b.p + 2, size, strlen(size));
	if ((fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0700)) < 0 ||
	    write(fd, b.p, b.len) != (ssize_t)b.len || fchmod(fd, 0700) < 0 || close(fd) < 0) {
		fprintf(stderr, "mkqf: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	free(b.p);
	return 0;
}
