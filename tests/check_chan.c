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
 * Check suite for chan.c, over a socketpair and over TCP on 127.0.0.1
 * port 0: messages both ways, deadlines, the peer closing, ERROR
 * messages, exactness of reloc_chan_sent_nothing() and raw bytes after
 * STREAM.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

static struct reloc_chan	*a, *b;	/* the two ends */

static void
pair_setup(void)
{
	int	sv[2];

	capture_start();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(reloc_chan_new(sv[0], "a", 2000, &a), 0);
	ck_assert_int_eq(reloc_chan_new(sv[1], "b", 2000, &b), 0);
}

static void
pair_teardown(void)
{
	reloc_chan_free(a);
	reloc_chan_free(b);
	a = b = NULL;
	capture_stop();
}

static struct reloc_sxp *
msg_new(const char *name, const char *key, const char *value)
{
	struct reloc_sxp	*body, *head;

	ck_assert_int_eq(reloc_sxp_new_list(&body), 0);
	ck_assert_int_eq(reloc_sxp_new_atom(name, strlen(name), &head), 0);
	ck_assert_int_eq(reloc_sxp_append(body, head), 0);
	if (key != NULL)
		ck_assert_int_eq(reloc_sxp_add_str(body, key, value), 0);
	return body;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

START_TEST(test_send_recv)
{
	struct reloc_sxp	*body = msg_new("hello", "host", "hostA"), *got;
	enum reloc_msg_type	 type;

	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_HELLO, body), 0);
	ck_assert(!reloc_chan_sent_nothing(a));
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), 0);
	ck_assert_int_eq(type, RELOC_MSG_HELLO);
	ck_assert_str_eq(reloc_sxp_value(got, "host"), "hostA");
	reloc_sxp_free(got);
	/* And back, bodiless. */
	ck_assert_int_eq(reloc_chan_send(b, RELOC_MSG_READY, NULL), 0);
	ck_assert_int_eq(reloc_chan_expect(a, RELOC_MSG_READY, &got, NULL),
	    0);
	ck_assert_uint_eq(reloc_sxp_len(got), 1);
	reloc_sxp_free(got);
	reloc_sxp_free(body);
	ck_assert_str_eq(reloc_chan_peer(a), "a");
	ck_assert_int_ge(reloc_chan_fd(a), 0);
}
END_TEST

START_TEST(test_timeout)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;
	struct timespec		 t0;
	long			 ms;

	reloc_chan_set_timeout(b, 150);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), RELOC_ERR_TIMEOUT);
	ms = ms_since(&t0);
	/* Never early; late only as far as the machine is busy. */
	ck_assert_int_ge(ms, 140);
	ck_assert_int_lt(ms, WAIT_MS);
	ck_assert_ptr_null(got);
	ck_assert(capture_has("peer b: timed out after 150 ms"));
}
END_TEST

START_TEST(test_timeout_mid_message)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;
	uint8_t			 hdr[RELOC_PROTO_HDR_LEN];

	/* A header that promises 10 bytes that never come. */
	ck_assert_int_eq(reloc_proto_hdr_encode(hdr, RELOC_MSG_GO, 10), 0);
	ck_assert_int_eq(write(reloc_chan_fd(a), hdr, sizeof(hdr)),
	    (ssize_t)sizeof(hdr));
	reloc_chan_set_timeout(b, 100);
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), RELOC_ERR_TIMEOUT);
	ck_assert(capture_has("in the middle of a go message"));
}
END_TEST

START_TEST(test_peer_close)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;

	reloc_chan_free(a);
	a = NULL;
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), RELOC_ERR_CLOSED);
	ck_assert(capture_has("peer b: connection closed waiting for a "
	    "message"));
}
END_TEST

START_TEST(test_peer_close_mid_message)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;
	uint8_t			 hdr[RELOC_PROTO_HDR_LEN];

	ck_assert_int_eq(reloc_proto_hdr_encode(hdr, RELOC_MSG_DONE, 6), 0);
	ck_assert_int_eq(write(reloc_chan_fd(a), hdr, 7), 7);
	reloc_chan_free(a);
	a = NULL;
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), RELOC_ERR_CLOSED);
}
END_TEST

START_TEST(test_garbage)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;
	const char		*junk = "GET / HTTP/1.0\r\n\r\n";

	ck_assert_int_eq(write(reloc_chan_fd(a), junk, strlen(junk)),
	    (ssize_t)strlen(junk));
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), RELOC_ERR_PROTO);
	ck_assert(capture_has("peer b: bad magic"));
}
END_TEST

START_TEST(test_error_message)
{
	struct reloc_sxp	*got = NULL;
	char			*why = NULL;

	ck_assert_int_eq(reloc_chan_send_error(a, RELOC_ERR_NOSPC,
	    "not enough memory for %s: %d MiB free", "web01", 512), 0);
	ck_assert_int_eq(reloc_chan_expect(b, RELOC_MSG_READY, &got, &why),
	    RELOC_ERR_DENIED);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(why, "not enough memory for web01: 512 MiB free");
	ck_assert(capture_has("peer b: refused: not enough memory for web01"));
	free(why);
}
END_TEST

START_TEST(test_error_body)
{
	struct reloc_sxp	*got = NULL;
	enum reloc_msg_type	 type;

	/* The shape the peer sees: (error (code N) (message "...")). */
	ck_assert_int_eq(reloc_chan_send_error(a, -5, "no (%s)", "way"), 0);
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), 0);
	ck_assert_int_eq(type, RELOC_MSG_ERROR);
	ck_assert_str_eq(reloc_sxp_value(got, "code"), "-5");
	ck_assert_str_eq(reloc_sxp_value(got, "message"), "no (way)");
	reloc_sxp_free(got);
}
END_TEST

START_TEST(test_expect_wrong_type)
{
	struct reloc_sxp	*got = NULL;
	char			*why = NULL;

	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_HELLO, NULL), 0);
	ck_assert_int_eq(reloc_chan_expect(b, RELOC_MSG_DONE, &got, &why),
	    RELOC_ERR_PROTO);
	ck_assert_ptr_null(got);
	ck_assert_ptr_null(why);
	ck_assert(capture_has("peer b: expected done, got hello"));
}
END_TEST

START_TEST(test_sent_nothing_closed)
{
	/* The peer is gone: EPIPE, not SIGPIPE, and not a byte went out. */
	reloc_chan_free(b);
	b = NULL;
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_GO, NULL),
	    RELOC_ERR_CLOSED);
	ck_assert(reloc_chan_sent_nothing(a));
}
END_TEST

START_TEST(test_sent_nothing_bad_body)
{
	struct reloc_sxp	*body = msg_new("hello", NULL, NULL);

	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_GO, NULL), 0);
	ck_assert(!reloc_chan_sent_nothing(a));
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_GO, body),
	    RELOC_ERR_INVAL);
	ck_assert(reloc_chan_sent_nothing(a));
	reloc_sxp_free(body);
}
END_TEST

/* Fill a's send buffer (and b's receive buffer) until nothing fits. */
static void
fill(void)
{
	static char	junk[4096];
	ssize_t		n;

	do
		n = send(reloc_chan_fd(a), junk, sizeof(junk), MSG_DONTWAIT);
	while (n > 0);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
}

START_TEST(test_sent_nothing_full)
{
	reloc_chan_set_timeout(a, 100);
	fill();
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_GO, NULL),
	    RELOC_ERR_TIMEOUT);
	ck_assert(reloc_chan_sent_nothing(a));
	ck_assert(capture_has("peer a: timed out after 100 ms sending go"));
}
END_TEST

START_TEST(test_sent_something)
{
	struct reloc_sxp	*body;
	char			*big;

	/* A message larger than any socket buffer, and no reader. */
	big = malloc(RELOC_PROTO_MAX_LEN / 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', RELOC_PROTO_MAX_LEN / 2 - 1);
	big[RELOC_PROTO_MAX_LEN / 2 - 1] = '\0';
	body = msg_new("precheck", "blob", big);
	reloc_chan_set_timeout(a, 100);
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_PRECHECK, body),
	    RELOC_ERR_TIMEOUT);
	ck_assert(!reloc_chan_sent_nothing(a));
	reloc_sxp_free(body);
	free(big);
}
END_TEST

START_TEST(test_raw_after_stream)
{
	struct reloc_sxp	*got;
	enum reloc_msg_type	 type;
	char			 raw[8] = { 0 };

	/* STREAM, 7 raw bytes, DONE, all in the socket before any read. */
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_STREAM, NULL), 0);
	ck_assert_int_eq(write(reloc_chan_fd(a), "RAWDATA", 7), 7);
	ck_assert_int_eq(reloc_chan_send(a, RELOC_MSG_DONE, NULL), 0);
	ck_assert_int_eq(reloc_chan_expect(b, RELOC_MSG_STREAM, NULL, NULL),
	    0);
	/* The channel must not have read ahead into the raw bytes. */
	ck_assert_int_eq(read(reloc_chan_fd(b), raw, 7), 7);
	ck_assert_str_eq(raw, "RAWDATA");
	ck_assert_int_eq(reloc_chan_recv(b, &type, &got), 0);
	ck_assert_int_eq(type, RELOC_MSG_DONE);
	reloc_sxp_free(got);
}
END_TEST

/* A listening TCP socket on 127.0.0.1 port 0; its port in port_r. */
static int
listen_lo(int family, char *port_r, size_t size)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	len = family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		close(fd);
		return -1;
	}
	snprintf(port_r, size, "%d", ntohs(family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port));
	return fd;
}

/* Connect to host, accept, and exchange a message both ways. */
static void
tcp_roundtrip(const char *host, int lfd, const char *port,
    const char *want_peer)
{
	struct reloc_chan	*c = NULL, *s = NULL;
	struct reloc_sxp	*got;
	const struct sockaddr	*sa;
	socklen_t		 salen, olen = sizeof(int);
	int			 fd, one = 0;

	ck_assert_int_eq(reloc_chan_connect(host, port, 2000, &c), 0);
	ck_assert_int_ge(fd = accept(lfd, NULL, NULL), 0);
	ck_assert_int_eq(reloc_chan_new(fd, NULL, 2000, &s), 0);
	ck_assert_str_eq(reloc_chan_peer(c), want_peer);
	ck_assert_int_eq(getsockopt(reloc_chan_fd(c), IPPROTO_TCP,
	    TCP_NODELAY, &one, &olen), 0);
	ck_assert_int_eq(one, 1);
	/* Blocking again: the backend may write the stream to this fd. */
	ck_assert_int_eq(fcntl(reloc_chan_fd(c), F_GETFL) & O_NONBLOCK, 0);
	sa = reloc_chan_remote_addr(c, &salen);
	ck_assert_uint_gt(salen, 0);
	ck_assert_int_eq(sa->sa_family, reloc_chan_local_addr(s,
	    &salen)->sa_family);
	ck_assert_int_eq(reloc_chan_send(c, RELOC_MSG_HELLO, NULL), 0);
	ck_assert_int_eq(reloc_chan_expect(s, RELOC_MSG_HELLO, &got, NULL),
	    0);
	reloc_sxp_free(got);
	ck_assert_int_eq(reloc_chan_send(s, RELOC_MSG_HELLO, NULL), 0);
	ck_assert_int_eq(reloc_chan_expect(c, RELOC_MSG_HELLO, NULL, NULL),
	    0);
	/* Closing one end is seen by the other. */
	reloc_chan_free(s);
	ck_assert_int_eq(reloc_chan_expect(c, RELOC_MSG_GO, NULL, NULL),
	    RELOC_ERR_CLOSED);
	reloc_chan_free(c);
}

START_TEST(test_tcp_v4)
{
	char	port[16], want[32];
	int	lfd;

	capture_start();
	ck_assert_int_ge(lfd = listen_lo(AF_INET, port, sizeof(port)), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%s", port);
	tcp_roundtrip("127.0.0.1", lfd, port, want);
	tcp_roundtrip("localhost", lfd, port, want);
	close(lfd);
	capture_stop();
}
END_TEST

START_TEST(test_tcp_v6)
{
	char	port[16], want[32];
	int	lfd;

	capture_start();
	if ((lfd = listen_lo(AF_INET6, port, sizeof(port))) < 0) {
		fprintf(stderr, "check_chan: no IPv6 loopback, skipping "
		    "test_tcp_v6\n");
		return;
	}
	snprintf(want, sizeof(want), "[::1]:%s", port);
	tcp_roundtrip("::1", lfd, port, want);
	tcp_roundtrip("[::1]", lfd, port, want);
	close(lfd);
	capture_stop();
}
END_TEST

START_TEST(test_connect_refused)
{
	struct reloc_chan	*c = NULL;
	char			 port[16];
	int			 lfd;

	capture_start();
	/* A port that was just free: nobody listens there now. */
	ck_assert_int_ge(lfd = listen_lo(AF_INET, port, sizeof(port)), 0);
	close(lfd);
	ck_assert_int_eq(reloc_chan_connect("127.0.0.1", port, 1000, &c),
	    RELOC_ERR_REFUSED);
	ck_assert_ptr_null(c);
	ck_assert(capture_has("connect to 127.0.0.1 (127.0.0.1:"));
	ck_assert(capture_has("Connection refused"));
	ck_assert_int_eq(reloc_chan_connect("no-such-host.invalid", port, 1000,
	    &c), RELOC_ERR_NONAME);
	ck_assert(capture_has("no-such-host.invalid port"));
	capture_stop();
}
END_TEST

static Suite *
chan_suite(void)
{
	Suite	*s = suite_create("chan");
	TCase	*tc;

	tc = tcase_create("socketpair");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_send_recv);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_timeout_mid_message);
	tcase_add_test(tc, test_peer_close);
	tcase_add_test(tc, test_peer_close_mid_message);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_error_message);
	tcase_add_test(tc, test_error_body);
	tcase_add_test(tc, test_expect_wrong_type);
	tcase_add_test(tc, test_raw_after_stream);
	suite_add_tcase(s, tc);

	tc = tcase_create("sent_nothing");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_sent_nothing_closed);
	tcase_add_test(tc, test_sent_nothing_bad_body);
	tcase_add_test(tc, test_sent_nothing_full);
	tcase_add_test(tc, test_sent_something);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_add_test(tc, test_tcp_v4);
	tcase_add_test(tc, test_tcp_v6);
	tcase_add_test(tc, test_connect_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(chan_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
