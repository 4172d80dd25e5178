/*
 * fdpass.h - pass one descriptor over a UNIX-domain stream socket
 *
 * SYNOPSIS
 *	int ff_fd_send(int sock, int fd);
 *	int ff_fd_recv(int sock, int *fd);
 *	int ff_listen_inherited(void);
 *	void ff_fd_close(int fd);
 *
 * DESCRIPTION
 *	ff_fd_send() sends fd the way Postfix does: one NUL data byte with
 *	one SCM_RIGHTS control message carrying one int. Returns 0, or -1
 *	with errno (EAGAIN on a full non-blocking socket).
 *
 *	ff_fd_recv() reads exactly one data byte with recvmsg(). It returns
 *	1 with *fd set when that byte carried exactly one descriptor in a
 *	well-formed SCM_RIGHTS message; 0 when a byte came without one (any
 *	descriptors that came malformed are closed; *fd = -1); -1 at end
 *	of input (errno 0) or on an error (errno). Received descriptors
 *	are close-on-exec.
 *
 *	ff_listen_inherited() returns the listening socket a super-server
 *	handed over: systemd's first socket (LISTEN_FDS=1, LISTEN_PID ours,
 *	descriptor 3) or standard input when it is listening (inetd and
 *	xinetd "wait"); -1 when there is none.
 *
 *	ff_fd_close() closes a descriptor that came from another process
 *	without ever blocking: the last close(2) of a socket with SO_LINGER
 *	set waits until its data is sent or the linger time is over (a
 *	peer with a zero window: the whole linger time), so the option is
 *	turned off first and the kernel finishes the close in the
 *	background. A server closes what its clients gave it this way.
 */
#ifndef FF_FDPASS_H
#define FF_FDPASS_H

#include "util/api.h"

FF_API int ff_fd_send(int, int);
FF_API int ff_fd_recv(int, int *);
FF_API int ff_listen_inherited(void);
FF_API void ff_fd_close(int);

#endif
