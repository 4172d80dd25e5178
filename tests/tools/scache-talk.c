/*
 * scache-talk - a scripted client of Postfix's connection cache protocol
 *
 *	scache-talk [-t SECONDS] SOCKETPATH < SCRIPT
 *
 * Test helper for the protocol parity tests against Postfix's scache(8)
 * (tests/interop/scache.bats). Connects to the UNIX stream socket
 * SOCKETPATH, reads the greeting, then runs SCRIPT, one step per line, and
 * prints one line per step: the step as written, " => ", and what came
 * back. Replies are printed byte for byte, escaped (NUL as \0, backslash
 * as \\, bytes outside printable ASCII as \xNN), so that two servers run
 * on one script can be compared with diff. Every wait is bounded by -t
 * (default 5 s; fractions allowed): a wrong server never hangs the test.
 *
 * The descriptors this tool saves are fresh objects, one end of a new
 * socketpair each, named #1, #2, ... in the order they are made. The tool
 * keeps the other end ("far end") and the (st_dev, st_ino) of the end it
 * sent, so a descriptor that comes back is named by the object it is
 * (fd=#2), or fd=foreign. After a save the tool closes its copy of the
 * sent end, as Postfix's client does, so only the server holds it: when
 * the server closes it (expiry), the far end sees end of file ("alive").
 *
 * Arguments are separated by blanks and unescaped: \0 \\ \xNN (so \x20 is
 * a blank; \x40 is "@"), "" is the empty string, and @N followed by a
 * character or an escape is N copies of it (@1000000x: a label of a
 * million x; a@3\0b: "a", three NULs, "b"). Replies are printed the same
 * way: "@" as \x40, and runs of 32 or more equal bytes as @N<byte>. Steps:
 *
 *   save_endp TTL LABEL PROP     request; then, if the reply is the dummy
 *                                list, send a new object (one NUL byte plus
 *                                one SCM_RIGHTS descriptor) and read the
 *                                status (Linux dance, POSTFIX-FACTS 3.4)
 *   bigsave TTL N PROP           save_endp with a label of N bytes "x"
 *   save_dest TTL DEST DPROP ENDP
 *   find_endp LABEL              request, reply; on status 0: the dummy,
 *   find_dest DEST               the descriptor, the second dummy
 *   find_endp- LABEL             the same without the second dummy (send it
 *   find_dest- DEST              yourself, e.g. with the next request: raw)
 *   early-save TTL LABEL PROP    request, NUL byte and descriptor in ONE
 *                                sendmsg, before the server's dummy; then
 *                                read two replies
 *   nofd-save TTL LABEL PROP [BYTES]  request, dummy, then BYTES (default
 *                                one NUL) without a descriptor; the status
 *   send ARG...                  each ARG NUL-terminated, one more NUL (an
 *                                attribute list), in one write; no reading
 *   raw ARG...                   the ARGs concatenated, verbatim, one write
 *   sendfd [ARG...]              a new object: one NUL byte (or the ARGs
 *                                concatenated) and its descriptor, one sendmsg
 *   sendfd2 [ARG...]             the same with two new objects in one message
 *   shutdown                     shutdown(SHUT_WR): the server sees end of file
 *   readlist                     read one attribute list (up to its end)
 *   recvfd                       receive one byte and the descriptor with it
 *   read [MS]                    whatever arrives within MS (default 300)
 *                                milliseconds, or until end of file (<eof>)
 *   alive #K                     object K: "open" while someone holds the
 *                                sent end, "closed" once all copies are gone
 *   hangup #K                    close the far end of object K
 *   sleep MS
 *   close | connect | reconnect  the connection (connect reads the greeting)
 *   echo TEXT                    print TEXT (a marker in the output)
 *
 * Results besides reply bytes: "#K" an object made and sent; "fd=#K",
 * "fd=foreign", "fd=none byte=B" (a byte without a descriptor); "<timeout>"
 * (nothing more within -t), "<eof>", "<write EPIPE>" and other errno names;
 * "[descriptor with a reply byte: #K]" when one arrives unasked (it is
 * closed). "alive" right after a find may still see the server's copy
 * open: the server closes it after the second dummy, so sleep first.
 *
 * Lines that are empty or start with "#" are skipped. Exit status: 0 when
 * the script ran (whatever the server did), 2 on a usage or script error.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS	64
#define DUMMY		"dummy\0\0"	/* plus the literal's own NUL: 8 bytes */
#define DUMMY_LEN	8
#define RUN_MIN		32	/* equal bytes printed as @N<byte> */

/* a growable byte string */
struct buf {
	char *data;
	size_t len, cap;
};

/* an object this tool made and saved */
struct object {
	dev_t dev;
	ino_t ino;
	int far;		/* our end, -1 once closed */
};

static const char *sock_path;
static long timeout_ms = 5000;
static int conn = -1;
static struct object *objs;
static size_t nobj, objcap;
static struct buf out;		/* the current step's result line */

/* ------------------------------------------------------------ utilities */

static void die(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void buf_fmt(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "scache-talk: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;

		while (ncap < b->len + len + 1)
			ncap *= 2;
		if ((b->data = realloc(b->data, ncap)) == NULL)
			die("out of memory");
		b->cap = ncap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < 0 ? 0 : (size_t)n >= sizeof(tmp) ? sizeof(tmp) - 1 : (size_t)n);
}

/* buf_byte - append one byte escaped: \0, \\, \x40 for "@", printable
 * ASCII as is, else \xNN */
static void
buf_byte(struct buf *b, unsigned char c)
{
	if (c == 0)
		buf_str(b, "\\0");
	else if (c == '\\')
		buf_str(b, "\\\\");
	else if (c == '@')
		buf_str(b, "\\x40");
	else if (c >= 0x20 && c < 0x7f)
		buf_add(b, &c, 1);
	else
		buf_fmt(b, "\\x%02x", c);
}

/* buf_escaped - append data escaped (buf_byte); a run of RUN_MIN or more
 * equal bytes as "@N" and the byte, as in script arguments */
static void
buf_escaped(struct buf *b, const char *data, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t run = 1;

		while (i + run < len && data[i + run] == data[i])
			run++;
		if (run >= RUN_MIN) {
			buf_fmt(b, "@%zu", run);
			buf_byte(b, (unsigned char)data[i]);
			i += run;
		} else {
			buf_byte(b, (unsigned char)data[i]);
			i++;
		}
	}
}

/* errname - errno as its symbolic name (stable across locales) */
static const char *
errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* unescape - one script argument into b (see the header comment) */
static void
unescape(struct buf *b, const char *tok)
{
	b->len = 0;
	buf_add(b, "", 0);
	if (strcmp(tok, "\"\"") == 0)
		return;
	for (const char *p = tok; *p; p++) {
		unsigned long n = 1;
		char c;

		if (*p == '@' && p[1] >= '0' && p[1] <= '9') {
			char *end;

			n = strtoul(p + 1, &end, 10);
			if (*end == 0 || n > 100000000UL)
				die("bad repeat in \"%s\"", tok);
			p = end;
		}
		c = *p;
		if (c == '\\') {
			if (p[1] == '0') {
				c = 0;
				p++;
			} else if (p[1] == '\\') {
				p++;
			} else if (p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
				c = (char)(hexval(p[2]) * 16 + hexval(p[3]));
				p += 3;
			} else {
				die("bad escape in \"%s\"", tok);
			}
		}
		for (unsigned long i = 0; i < n; i++)
			buf_add(b, &c, 1);
	}
}

/* ------------------------------------------------------------ objects */

/* new_object - a socketpair; returns the end to send, records the other */
static int
new_object(size_t *idx)
{
	int sv[2];
	struct stat st;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || fstat(sv[0], &st) < 0)
		die("socketpair: %s", strerror(errno));
	if (nobj == objcap) {
		objcap = objcap ? objcap * 2 : 64;
		if ((objs = realloc(objs, objcap * sizeof(*objs))) == NULL)
			die("out of memory");
	}
	objs[nobj].dev = st.st_dev;
	objs[nobj].ino = st.st_ino;
	objs[nobj].far = sv[1];
	*idx = nobj++;
	return sv[0];
}

/* name_fd - append which object fd is: "#K" or "foreign" */
static void
name_fd(struct buf *b, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		buf_fmt(b, "fstat-%s", errname(errno));
		return;
	}
	for (size_t i = 0; i < nobj; i++) {
		if (objs[i].dev == st.st_dev && objs[i].ino == st.st_ino) {
			buf_fmt(b, "#%zu", i + 1);
			return;
		}
	}
	buf_str(b, "foreign");
}

static struct object *
object_arg(const char *tok)
{
	char *end;
	unsigned long k = 0;

	if (tok[0] != '#' || (k = strtoul(tok + 1, &end, 10)) == 0 || *end || k > nobj)
		die("no object \"%s\"", tok);
	return &objs[k - 1];
}

/* ------------------------------------------------------------ connection */

/* wait_fd - poll for events until the deadline; 1 ready, 0 time-out */
static int
wait_fd(int fd, short events, long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long left = deadline - now_ms();
		int n;

		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			die("poll: %s", strerror(errno));
	}
}

/*
 * recv_byte - one byte from the connection by recvmsg, with room for
 * descriptors. Returns 1 (byte stored, *fd = a descriptor that came with
 * it or -1), 0 end of file, -1 time-out, -2 error (errno).
 */
static int
recv_byte(char *c, int *fd, long deadline)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.space, .msg_controllen = sizeof(ctl.space),
	};
	ssize_t n;

	*fd = -1;
	if (conn < 0) {
		errno = ENOTCONN;
		return -2;
	}
	if (!wait_fd(conn, POLLIN, deadline))
		return -1;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -2;
	if (n == 0)
		return 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int got;

				memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (*fd < 0)
					*fd = got;
				else
					close(got);
			}
		}
	}
	return 1;
}

/* stray_fd - a descriptor arrived with a reply byte: say which, close it */
static void
stray_fd(int fd)
{
	buf_str(&out, " [descriptor with a reply byte: ");
	name_fd(&out, fd);
	buf_str(&out, "]");
	close(fd);
}

/*
 * read_list - read one attribute list, up to and with its terminating
 * empty name, into b. Returns 0 complete, or -1 time-out, -2 end of file,
 * -3 error, having appended what did arrive.
 */
static int
read_list(struct buf *b)
{
	long deadline = now_ms() + timeout_ms;
	int at_name = 1, in_value = 0;

	for (;;) {
		char c;
		int fd, r = recv_byte(&c, &fd, deadline);

		if (r == -1)
			return -1;
		if (r == 0)
			return -2;
		if (r < 0)
			return -3;
		buf_add(b, &c, 1);
		if (fd >= 0)
			stray_fd(fd);
		if (at_name && c == 0)
			return 0;
		if (c == 0) {
			at_name = in_value;
			in_value = !in_value;
		} else {
			at_name = 0;
		}
	}
}

/* show_list - read a list and append it escaped; returns read_list's */
static int
show_list(struct buf *b)
{
	struct buf got = { 0 };
	int r, err;

	r = read_list(&got);
	err = errno;
	buf_escaped(b, got.data, got.len);
	if (r == -1)
		buf_str(b, " <timeout>");
	else if (r == -2)
		buf_str(b, " <eof>");
	else if (r == -3)
		buf_fmt(b, " <error %s>", errname(err));
	free(got.data);
	return r;
}

/* send_all - write everything (MSG_NOSIGNAL); 0, or -1 with a note */
static int
send_all(const char *data, size_t len)
{
	long deadline = now_ms() + timeout_ms;

	if (conn < 0) {
		buf_str(&out, "<not connected>");
		return -1;
	}
	while (len > 0) {
		ssize_t n;

		if (!wait_fd(conn, POLLOUT, deadline)) {
			buf_fmt(&out, "<write timeout, %zu bytes unsent> ", len);
			return -1;
		}
		n = send(conn, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			buf_fmt(&out, "<write %s> ", errname(errno));
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* send_with_fds - data (at least one byte) in one sendmsg with nfd (1 or
 * 2) descriptors attached */
static int
send_with_fds(const char *data, size_t len, const int *fds, size_t nfd)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int) * 2)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.space, .msg_controllen = CMSG_SPACE(sizeof(int) * nfd),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	if (conn < 0) {
		buf_str(&out, "<not connected>");
		return -1;
	}
	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfd);
	if (!wait_fd(conn, POLLOUT, now_ms() + timeout_ms)) {
		buf_str(&out, "<sendmsg timeout> ");
		return -1;
	}
	do
		n = sendmsg(conn, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		buf_fmt(&out, "<sendmsg %s> ", errname(errno));
		return -1;
	}
	if ((size_t)n < len)
		return send_all(data + n, len - (size_t)n);
	return 0;
}

static void
do_close(void)
{
	if (conn >= 0)
		close(conn);
	conn = -1;
}

/* do_connect - connect and read the greeting into out */
static void
do_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	do_close();
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, sock_path);
	if ((conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	if (connect(conn, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		buf_fmt(&out, "<connect %s>", errname(errno));
		do_close();
		return;
	}
	show_list(&out);
}

/* ------------------------------------------------------------ requests */

/* list_of - encode args as an attribute list into b */
static void
list_of(struct buf *b, char **args, int nargs)
{
	struct buf arg = { 0 };

	b->len = 0;
	for (int i = 0; i < nargs; i++) {
		unescape(&arg, args[i]);
		buf_add(b, arg.data, arg.len);
		buf_add(b, "", 1);
	}
	buf_add(b, "", 1);
	free(arg.data);
}

/* request - send "request NAME" then name/value args as one list */
static int
request(const char *name, const char *const *names, char **vals, int n)
{
	struct buf req = { 0 }, arg = { 0 };
	int r;

	buf_str(&req, "request");
	buf_add(&req, "", 1);
	buf_str(&req, name);
	buf_add(&req, "", 1);
	for (int i = 0; i < n; i++) {
		buf_str(&req, names[i]);
		buf_add(&req, "", 1);
		unescape(&arg, vals[i]);
		buf_add(&req, arg.data, arg.len);
		buf_add(&req, "", 1);
	}
	buf_add(&req, "", 1);
	r = send_all(req.data, req.len);
	free(req.data);
	free(arg.data);
	return r;
}

/* send_objects - make nfd new objects, send them with data (default one
 * NUL byte) in one sendmsg, note "#K " for each */
static int
send_objects(const char *data, size_t len, size_t nfd)
{
	int fds[2], r;

	for (size_t i = 0; i < nfd; i++) {
		size_t idx;

		fds[i] = new_object(&idx);
		buf_fmt(&out, "#%zu ", idx + 1);
	}
	r = data ? send_with_fds(data, len, fds, nfd) : send_with_fds("", 1, fds, nfd);
	for (size_t i = 0; i < nfd; i++)
		close(fds[i]);	/* as Postfix's client: the server holds it now */
	return r;
}

static int
send_object(void)
{
	return send_objects(NULL, 0, 1);
}

/* got_list - the list just read (escaped, in out from offset) is this */
static int
got_list(size_t from, const char *escaped)
{
	return strcmp(out.data + from, escaped) == 0;
}

/* save_endp - the whole save dance (POSTFIX-FACTS 3.4) */
static void
save_endp(char **vals)
{
	static const char *const names[] = { "ttl", "label", "property" };
	size_t from;

	if (request("save_endp", names, vals, 3) < 0)
		return;
	from = out.len;
	if (show_list(&out) < 0 || !got_list(from, "dummy\\0\\0\\0"))
		return;
	buf_str(&out, " ");
	if (send_object() < 0)
		return;
	show_list(&out);
}

/* recv_object - receive one byte and a descriptor; append "fd=..." */
static int
recv_object(void)
{
	char c;
	int fd, r = recv_byte(&c, &fd, now_ms() + timeout_ms);

	buf_str(&out, "fd=");
	if (r == -1 || r == 0 || r == -2) {
		buf_str(&out, r == -1 ? "<timeout>" : r == 0 ? "<eof>" : errname(errno));
		return -1;
	}
	if (fd < 0) {
		buf_str(&out, "none byte=");
		buf_escaped(&out, &c, 1);
		return 0;
	}
	name_fd(&out, fd);
	if (c != 0) {
		buf_str(&out, " byte=");
		buf_escaped(&out, &c, 1);
	}
	close(fd);
	return 0;
}

/* status_ok - the list just read (from offset) starts with status 0 */
static int
status_ok(size_t from)
{
	return strncmp(out.data + from, "status\\00\\0", 11) == 0;
}

/* find - request, reply; on status 0 the dummy, the descriptor, dummy */
static void
find(const char *req, char *label, int second_dummy)
{
	static const char *const names[] = { "label" };
	size_t from;

	if (request(req, names, &label, 1) < 0)
		return;
	from = out.len;
	if (show_list(&out) < 0 || !status_ok(from))
		return;
	buf_str(&out, " ");
	if (send_all(DUMMY, DUMMY_LEN) < 0 || recv_object() < 0)
		return;
	if (second_dummy)
		send_all(DUMMY, DUMMY_LEN);
}

static void
save_dest(char **vals)
{
	static const char *const names[] = { "ttl", "label", "property", "label" };

	if (request("save_dest", names, vals, 4) < 0)
		return;
	show_list(&out);
}

/* early_save - request + NUL byte in one sendmsg carrying the descriptor */
static void
early_save(char **vals)
{
	static const char *const names[] = { "ttl", "label", "property" };
	struct buf req = { 0 }, arg = { 0 };
	size_t idx;
	int fd, r;

	buf_str(&req, "request");
	buf_add(&req, "", 1);
	buf_str(&req, "save_endp");
	buf_add(&req, "", 1);
	for (int i = 0; i < 3; i++) {
		buf_str(&req, names[i]);
		buf_add(&req, "", 1);
		unescape(&arg, vals[i]);
		buf_add(&req, arg.data, arg.len);
		buf_add(&req, "", 1);
	}
	buf_add(&req, "", 1);
	buf_add(&req, "", 1);	/* the fd message's data byte */
	fd = new_object(&idx);
	buf_fmt(&out, "#%zu ", idx + 1);
	r = send_with_fds(req.data, req.len, &fd, 1);
	close(fd);
	free(req.data);
	free(arg.data);
	if (r < 0 || show_list(&out) < 0)
		return;
	buf_str(&out, " ");
	show_list(&out);
}

/* nofd_save - request, dummy, then plain bytes instead of a descriptor */
static void
nofd_save(char **vals, int nvals)
{
	static const char *const names[] = { "ttl", "label", "property" };
	struct buf bytes = { 0 };
	size_t from;

	if (request("save_endp", names, vals, 3) < 0)
		return;
	from = out.len;
	if (show_list(&out) < 0 || !got_list(from, "dummy\\0\\0\\0"))
		return;
	buf_str(&out, " ");
	if (nvals > 3)
		unescape(&bytes, vals[3]);
	else
		buf_add(&bytes, "", 1);
	if (send_all(bytes.data, bytes.len) == 0)
		show_list(&out);
	free(bytes.data);
}

/* read_for - whatever arrives within ms, or until end of file */
static void
read_for(long ms)
{
	long deadline = now_ms() + ms;
	struct buf got = { 0 };

	buf_add(&got, "", 0);
	for (;;) {
		char c;
		int fd, r = recv_byte(&c, &fd, deadline);

		if (r == -1)
			break;
		if (r == 0 || r == -2) {
			buf_escaped(&out, got.data, got.len);
			buf_str(&out, r == 0 ? "<eof>" : "<error>");
			free(got.data);
			return;
		}
		buf_add(&got, &c, 1);
		if (fd >= 0) {
			buf_escaped(&out, got.data, got.len);
			got.len = 0;
			stray_fd(fd);
		}
	}
	buf_escaped(&out, got.data, got.len);
	free(got.data);
}

/* alive - is the sent end of an object still held by anyone? */
static void
alive(struct object *o)
{
	struct pollfd p = { .fd = o->far, .events = POLLIN };
	char c;

	if (o->far < 0) {
		buf_str(&out, "hung-up");
		return;
	}
	if (poll(&p, 1, 0) > 0 && recv(o->far, &c, 1, MSG_DONTWAIT | MSG_PEEK) == 0)
		buf_str(&out, "closed");
	else
		buf_str(&out, "open");
}

static long
number_arg(const char *tok)
{
	char *end;
	long v = strtol(tok, &end, 10);

	if (*tok == 0 || *end || v < 0)
		die("bad number \"%s\"", tok);
	return v;
}

/* ------------------------------------------------------------ script */

static void
need(int nargs, int min, int max, const char *step)
{
	if (nargs < min || nargs > max)
		die("%s: wrong number of arguments", step);
}

/* step - run one script step; its result goes to out */
static void
step(char *cmd, char **args, int n)
{
	if (strcmp(cmd, "save_endp") == 0) {
		need(n, 3, 3, cmd);
		save_endp(args);
	} else if (strcmp(cmd, "bigsave") == 0) {
		char label[32], *vals[3];

		need(n, 3, 3, cmd);
		snprintf(label, sizeof(label), "@%ldx", number_arg(args[1]));
		vals[0] = args[0];
		vals[1] = label;
		vals[2] = args[2];
		save_endp(vals);
	} else if (strcmp(cmd, "save_dest") == 0) {
		need(n, 4, 4, cmd);
		save_dest(args);
	} else if (strcmp(cmd, "find_endp") == 0 || strcmp(cmd, "find_endp-") == 0) {
		need(n, 1, 1, cmd);
		find("find_endp", args[0], cmd[9] == 0);
	} else if (strcmp(cmd, "find_dest") == 0 || strcmp(cmd, "find_dest-") == 0) {
		need(n, 1, 1, cmd);
		find("find_dest", args[0], cmd[9] == 0);
	} else if (strcmp(cmd, "early-save") == 0) {
		need(n, 3, 3, cmd);
		early_save(args);
	} else if (strcmp(cmd, "nofd-save") == 0) {
		need(n, 3, 4, cmd);
		nofd_save(args, n);
	} else if (strcmp(cmd, "send") == 0) {
		struct buf b = { 0 };

		list_of(&b, args, n);
		if (send_all(b.data, b.len) == 0)
			buf_fmt(&out, "%zu bytes", b.len);
		free(b.data);
	} else if (strcmp(cmd, "raw") == 0) {
		struct buf b = { 0 }, arg = { 0 };

		buf_add(&b, "", 0);
		for (int i = 0; i < n; i++) {
			unescape(&arg, args[i]);
			buf_add(&b, arg.data, arg.len);
		}
		if (send_all(b.data, b.len) == 0)
			buf_fmt(&out, "%zu bytes", b.len);
		free(b.data);
		free(arg.data);
	} else if (strcmp(cmd, "sendfd") == 0 || strcmp(cmd, "sendfd2") == 0) {
		struct buf b = { 0 }, arg = { 0 };

		buf_add(&b, "", 0);
		for (int i = 0; i < n; i++) {
			unescape(&arg, args[i]);
			buf_add(&b, arg.data, arg.len);
		}
		if (send_objects(n ? b.data : NULL, b.len, cmd[6] ? 2 : 1) == 0)
			buf_str(&out, "sent");
		free(b.data);
		free(arg.data);
	} else if (strcmp(cmd, "shutdown") == 0) {
		need(n, 0, 0, cmd);
		if (conn >= 0 && shutdown(conn, SHUT_WR) < 0)
			buf_fmt(&out, "<shutdown %s>", errname(errno));
		else
			buf_str(&out, conn >= 0 ? "ok" : "<not connected>");
	} else if (strcmp(cmd, "readlist") == 0) {
		need(n, 0, 0, cmd);
		show_list(&out);
	} else if (strcmp(cmd, "recvfd") == 0) {
		need(n, 0, 0, cmd);
		recv_object();
	} else if (strcmp(cmd, "read") == 0) {
		need(n, 0, 1, cmd);
		read_for(n ? number_arg(args[0]) : 300);
	} else if (strcmp(cmd, "alive") == 0) {
		need(n, 1, 1, cmd);
		alive(object_arg(args[0]));
	} else if (strcmp(cmd, "hangup") == 0) {
		struct object *o;

		need(n, 1, 1, cmd);
		o = object_arg(args[0]);
		if (o->far >= 0)
			close(o->far);
		o->far = -1;
		buf_str(&out, "ok");
	} else if (strcmp(cmd, "sleep") == 0) {
		long ms;

		need(n, 1, 1, cmd);
		ms = number_arg(args[0]);
		nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000L }, NULL);
		buf_str(&out, "ok");
	} else if (strcmp(cmd, "close") == 0) {
		do_close();
		buf_str(&out, "ok");
	} else if (strcmp(cmd, "connect") == 0 || strcmp(cmd, "reconnect") == 0) {
		do_connect();
	} else if (strcmp(cmd, "echo") == 0) {
		for (int i = 0; i < n; i++)
			buf_fmt(&out, "%s%s", i ? " " : "", args[i]);
	} else {
		die("unknown step \"%s\"", cmd);
	}
}

/* echo_line - the step as written, long arguments shortened */
static void
echo_line(const char *line)
{
	size_t len = strlen(line);

	if (len > 200) {
		fwrite(line, 1, 200, stdout);
		printf("...(%zu bytes)", len);
	} else {
		fputs(line, stdout);
	}
	fputs(" => ", stdout);
}

static void
run_script(FILE *fp)
{
	char *line = NULL, *args[MAX_ARGS + 1];
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *copy, *tok, *save = NULL;
		int n = 0;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		tok = line + strspn(line, " \t");
		if (*tok == 0 || *tok == '#')
			continue;
		if ((copy = strdup(tok)) == NULL)
			die("out of memory");
		for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			if (n > MAX_ARGS)
				die("too many arguments: %s", tok);
			args[n++] = t;
		}
		out.len = 0;
		buf_add(&out, "", 0);
		step(args[0], args + 1, n - 1);
		echo_line(tok);
		fwrite(out.data, 1, out.len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(copy);
	}
	free(line);
}

/* more_files - room for many objects (the 2,000-client scenarios) */
static void
more_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		char *end;
		double t;

		switch (ch) {
		case 't':
			t = strtod(optarg, &end);
			if (*end || t <= 0 || t > 3600)
				die("bad time-out \"%s\"", optarg);
			timeout_ms = (long)(t * 1000);
			break;
		default:
			die("usage: scache-talk [-t SECONDS] SOCKETPATH < SCRIPT");
		}
	}
	if (argc - optind != 1)
		die("usage: scache-talk [-t SECONDS] SOCKETPATH < SCRIPT");
	sock_path = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	more_files();
	out.len = 0;
	buf_add(&out, "", 0);
	do_connect();
	printf("connect => %s\n", out.data);
	fflush(stdout);
	run_script(stdin);
	do_close();
	return 0;
}
