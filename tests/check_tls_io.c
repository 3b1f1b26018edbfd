/*
 * Copyright (c) 2026 The xrelocd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * A backend's stream straight through the channel's TLS (stream_tls.c):
 * gathered small pieces and large ones arrive byte for byte whatever the
 * reader's iovecs, the reader never takes a byte past what it asks (the
 * next message stays for the channel), the end, a silent peer at the
 * I/O deadline, and a writer whose peer is gone.
 * Over TCP on 127.0.0.1, the server in a child.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_tls.h"
#include "common.h"
#include "reloc-int.h"
#include "stream_tls.h"

#define DEADLINE_MS	30000
#define STALL_MS	300	/* the silent peer's deadline */
#define ROUNDS		12	/* of the writer's pattern */

/* One end of a TLS channel on fd, in role. */
struct end {
	struct reloc_conf	*conf;
	struct reloc_tls_ctx	*ctx;
	struct reloc_chan	*chan;
	struct reloc__tls_io	 io;
};

static void
end_open(struct end *e, enum reloc_tls_role role, int fd, int timeout_ms)
{
	struct side	 s = { .cert = role == RELOC_TLS_CLIENT ? "hostA.lab" :
			    "hostB.lab", .role = role };

	e->conf = tls_conf_of(&s);
	ck_assert_int_eq(reloc_tls_ctx_new(e->conf, &e->ctx), 0);
	ck_assert_int_eq(reloc_chan_new(fd, "peer", DEADLINE_MS, &e->chan),
	    0);
	ck_assert_int_eq(reloc_chan_start_tls(e->chan, e->ctx, role,
	    role == RELOC_TLS_CLIENT ? "hostB.lab" : "hostA.lab",
	    DEADLINE_MS), 0);
	reloc__tls_io_init(&e->io, reloc_chan_tls(e->chan), fd, timeout_ms,
	    "127.0.0.1:1");
}

static void
end_close(struct end *e)
{
	reloc_chan_free(e->chan);
	reloc_tls_ctx_free(e->ctx);
	reloc_conf_free(e->conf);
}

/* The stream's byte at offset off. */
static uint8_t
pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13);
}

/* The writer's pieces, per round: small ones gathered, large ones not. */
static const size_t	pieces[] = { 40, 48, 1 << 20, 100, 4096, 4097,
			    200000, 7, 16384, 16385, 3 };

static uint64_t
stream_len(void)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		n += pieces[i];
	return n * ROUNDS;
}

/* ROUNDS writev calls of pieces, then "tail" as the next message would. */
static int
writer(struct end *e)
{
	struct iovec	 iov[sizeof(pieces) / sizeof(pieces[0])];
	uint8_t		*buf;
	uint64_t	 off = 0;
	size_t		 i, n, k = sizeof(pieces) / sizeof(pieces[0]);
	short		 ev;
	int		 r, rc = 0;

	for (r = 0; r < ROUNDS && rc == 0; r++) {
		for (i = 0; i < k; i++) {
			ck_assert_ptr_nonnull(buf = malloc(pieces[i]));
			for (n = 0; n < pieces[i]; n++)
				buf[n] = pattern(off++);
			iov[i].iov_base = buf;
			iov[i].iov_len = pieces[i];
		}
		rc = e->io.io.writev(e->io.io.arg, iov, (int)k);
		for (i = 0; i < k; i++)
			free(iov[i].iov_base);
	}
	if (rc == 0)
		ck_assert_uint_eq(e->io.bytes, stream_len());
	while (rc == 0 && (rc = reloc_tls_write(reloc_chan_tls(e->chan),
	    "tail", 4, &n, &ev)) == RELOC_ERR_AGAIN)
		poll(&(struct pollfd){ .fd = reloc_chan_fd(e->chan),
		    .events = ev }, 1, DEADLINE_MS);
	return rc;
}

/*
 * The stream read with iovecs of 1000, 65536 and 5 bytes, checked byte
 * for byte; then exactly the next 4 bytes through TLS itself; then the
 * end.  Exits 0 when all of it is right.
 */
static void
reader(int fd)
{
	struct end	 e = { 0 };
	uint8_t		 a[1000], b[65536], c[5], tail[5] = "";
	struct iovec	 iov[3] = { { a, sizeof(a) }, { b, sizeof(b) },
			    { c, sizeof(c) } };
	uint64_t	 off = 0, want = stream_len(), i;
	uint8_t		*p;
	size_t		 n;
	ssize_t		 got;
	short		 ev;
	int		 rc;

	end_open(&e, RELOC_TLS_SERVER, fd, DEADLINE_MS);
	while (off < want) {
		iov[0].iov_len = want - off < sizeof(a) ? want - off :
		    sizeof(a);
		iov[1].iov_len = want - off - iov[0].iov_len < sizeof(b) ?
		    want - off - iov[0].iov_len : sizeof(b);
		iov[2].iov_len = want - off - iov[0].iov_len -
		    iov[1].iov_len < sizeof(c) ? want - off - iov[0].iov_len -
		    iov[1].iov_len : sizeof(c);
		if ((got = e.io.io.readv(e.io.io.arg, iov, 3)) <= 0)
			_exit(10);
		for (i = 0; i < (uint64_t)got; i++) {
			p = i < sizeof(a) ? &a[i] : i < sizeof(a) + sizeof(b) ?
			    &b[i - sizeof(a)] : &c[i - sizeof(a) - sizeof(b)];
			if (*p != pattern(off + i))
				_exit(11);
		}
		off += (uint64_t)got;
	}
	if (e.io.bytes != want)
		_exit(12);
	while ((rc = reloc_tls_read(reloc_chan_tls(e.chan), tail, 4, &n,
	    &ev)) == RELOC_ERR_AGAIN)
		poll(&(struct pollfd){ .fd = fd, .events = ev }, 1,
		    DEADLINE_MS);
	if (rc < 0 || n != 4 || memcmp(tail, "tail", 4) != 0)
		_exit(13);
	/* The writer closes after "tail": the stream's end reads as 0. */
	if (e.io.io.readv(e.io.io.arg, iov, 1) != 0)
		_exit(14);
	end_close(&e);
	_exit(0);
}

static int
wait_child(pid_t pid)
{
	int	status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_io_bytes)
{
	struct end	 e = { 0 };
	short		 ev;
	int		 sv[2];
	pid_t		 pid;

	tls_tcp_pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		reader(sv[1]);
	}
	close(sv[1]);
	end_open(&e, RELOC_TLS_CLIENT, sv[0], DEADLINE_MS);
	ck_assert_int_eq(writer(&e), 0);
	while (reloc_tls_shutdown(reloc_chan_tls(e.chan), &ev) ==
	    RELOC_ERR_AGAIN)
		poll(&(struct pollfd){ .fd = sv[0], .events = ev }, 1,
		    DEADLINE_MS);
	ck_assert_int_eq(wait_child(pid), 0);
	end_close(&e);
}
END_TEST

/* The peer: handshake, then wait for the other end to go. */
static void
silent(int fd, bool hang_up)
{
	struct end	 e = { 0 };
	ssize_t		 r;
	char		 c;

	end_open(&e, RELOC_TLS_SERVER, fd, DEADLINE_MS);
	if (hang_up) {
		shutdown(fd, SHUT_RDWR);
		_exit(0);
	}
	while ((r = read(fd, &c, 1)) > 0 || (r == -1 && errno == EAGAIN))
		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1,
		    DEADLINE_MS);
	_exit(0);
}

/* A peer that sends nothing: the read gives up at the I/O deadline. */
START_TEST(test_io_timeout)
{
	struct end	 e = { 0 };
	uint8_t		 buf[64];
	struct iovec	 iov = { buf, sizeof(buf) };
	int		 sv[2];
	pid_t		 pid;

	tls_tcp_pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		silent(sv[1], false);
	}
	close(sv[1]);
	end_open(&e, RELOC_TLS_CLIENT, sv[0], STALL_MS);
	ck_assert_int_eq(e.io.io.readv(e.io.io.arg, &iov, 1),
	    RELOC_ERR_TIMEOUT);
	shutdown(sv[0], SHUT_RDWR);
	ck_assert_int_eq(wait_child(pid), 0);
	end_close(&e);
}
END_TEST

/* A peer gone: the writer fails instead of waiting or dying. */
START_TEST(test_io_peer_gone)
{
	struct end	 e = { 0 };
	struct iovec	 iov;
	uint8_t		*buf;
	int		 sv[2], i, rc = 0;
	pid_t		 pid;

	signal(SIGPIPE, SIG_IGN);
	tls_tcp_pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		silent(sv[1], true);
	}
	close(sv[1]);
	end_open(&e, RELOC_TLS_CLIENT, sv[0], DEADLINE_MS);
	ck_assert_int_eq(wait_child(pid), 0);
	ck_assert_ptr_nonnull(buf = calloc(1, 1 << 20));
	iov.iov_base = buf;
	iov.iov_len = 1 << 20;
	/* The socket's buffers take some before the reset comes back. */
	for (i = 0; i < 256 && rc == 0; i++)
		rc = e.io.io.writev(e.io.io.arg, &iov, 1);
	ck_assert_int_lt(rc, 0);
	ck_assert_int_ne(rc, RELOC_ERR_TIMEOUT);
	free(buf);
	end_close(&e);
}
END_TEST

TCase *
tls_io_tcase(void)
{
	TCase	*tc = tcase_create("stream_io");

	tcase_add_unchecked_fixture(tc, tls_make_certs, tls_remove_certs);
	tcase_add_test(tc, test_io_bytes);
	tcase_add_test(tc, test_io_timeout);
	tcase_add_test(tc, test_io_peer_gone);
	return tc;
}
