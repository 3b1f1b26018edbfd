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
 * The message channel over TLS: reloc_chan_start_tls() on both ends,
 * messages both ways, and a refused certificate heard by the client;
 * and the daemon's way: the handshake stepped without blocking, then a
 * child adopts the session under another descriptor.
 * Over TCP on 127.0.0.1: the certificates name no address of it, so each
 * end admits the other by the DNS name it is given.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/ssl.h>

#include "check_tls.h"
#include "tls-int.h"
#include "common.h"
#include "reloc.h"

#define DEADLINE_MS	30000

/* One end: a channel on fd, TLS in role as cert, then ping or pong. */
static int
chan_side(const char *cert, enum reloc_tls_role role, const char *name,
    int fd, char *why, size_t whylen)
{
	struct side		 s = { .cert = cert, .role = role };
	struct reloc_conf	*conf = tls_conf_of(&s);
	struct reloc_tls_ctx	*ctx = NULL;
	struct reloc_chan	*chan = NULL;
	char			*got = NULL;
	bool			 client = role == RELOC_TLS_CLIENT;
	int			 rc;

	if ((rc = reloc_tls_ctx_new(conf, &ctx)) < 0 ||
	    (rc = reloc_chan_new(fd, "peer", DEADLINE_MS, &chan)) < 0 ||
	    (rc = reloc_chan_start_tls(chan, ctx, role, name,
	    DEADLINE_MS)) < 0)
		goto out;
	ck_assert_ptr_nonnull(reloc_chan_tls(chan));
	if (client && (rc = reloc_chan_send_error(chan, 1, "ping")) < 0)
		goto out;
	/* The other's ERROR carries the word; a TLS refusal has none. */
	if ((rc = reloc_chan_expect(chan, RELOC_MSG_HELLO, NULL, &got)) !=
	    RELOC_ERR_DENIED || got == NULL)
		goto out;
	rc = strcmp(got, client ? "pong" : "ping") == 0 ? 0 : RELOC_ERR_PROTO;
	if (rc == 0 && !client)
		rc = reloc_chan_send_error(chan, 1, "pong");
out:
	if (chan != NULL)
		snprintf(why, whylen, "%s", reloc_chan_tls_reason(chan));
	free(got);
	reloc_chan_free(chan);
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
	return rc;
}

/* In the child that took the session over: dup()ed, pong to a ping. */
static int
adopted_child(struct reloc_tls *tls, int fd)
{
	struct reloc_chan	*chan = NULL;
	char			*got = NULL;
	BIO			*bio = SSL_get_wbio(tls->ssl);
	int			 nfd = dup(fd), rc;

	close(fd);
	if ((rc = reloc_chan_new(nfd, "peer", DEADLINE_MS, &chan)) < 0)
		return rc;
	if ((rc = reloc_chan_adopt_tls(chan, tls)) < 0 ||
	    reloc_chan_tls(chan) != tls)
		goto out;
	/*
	 * The session keeps the socket BIO it had, pointed at the new
	 * descriptor: the kernel TLS flags OpenSSL set in it during the
	 * handshake live there, and a fresh BIO would encrypt again what
	 * the kernel encrypts.
	 */
	if (SSL_get_wbio(tls->ssl) != bio || SSL_get_rbio(tls->ssl) != bio ||
	    BIO_get_fd(bio, NULL) != nfd) {
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	/* A second session is refused: the chan has one. */
	if (reloc_chan_adopt_tls(chan, tls) != RELOC_ERR_INVAL) {
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	if ((rc = reloc_chan_expect(chan, RELOC_MSG_HELLO, NULL, &got)) !=
	    RELOC_ERR_DENIED || got == NULL || strcmp(got, "ping") != 0) {
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	rc = reloc_chan_send_error(chan, 1, "pong");
out:
	free(got);
	reloc_chan_free(chan);
	return rc;
}

/* Step the server's handshake on fd, polling only for what it asks. */
static int
step_all(struct reloc_tls *tls, int fd)
{
	struct pollfd	pfd = { .fd = fd };
	int		rc;

	while ((rc = reloc_tls_handshake_step(tls, &pfd.events)) ==
	    RELOC_ERR_AGAIN)
		if (poll(&pfd, 1, DEADLINE_MS) != 1)
			return RELOC_ERR_TIMEOUT;
	return rc;
}

/* Refused: end of file, then read until the client closes, as xrelocd. */
static void
drain(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	char		buf[512];

	shutdown(fd, SHUT_WR);
	while (poll(&pfd, 1, DEADLINE_MS) == 1 && read(fd, buf,
	    sizeof(buf)) > 0)
		continue;
}

/*
 * The daemon's server: the handshake and the peer check stepped, then a
 * child goes on with the session and this process frees its copy
 * without sending anything.
 */
static int
adopt_side(const char *cert, int fd, char *why, size_t whylen)
{
	struct side		 s = { .cert = cert, .role = RELOC_TLS_SERVER };
	struct reloc_conf	*conf = tls_conf_of(&s);
	struct reloc_tls_ctx	*ctx = NULL;
	struct reloc_tls	*tls = NULL;
	struct reloc_tls_peer	 peer;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	int			 rc, status;
	pid_t			 pid;

	peer.sa = (struct sockaddr *)&ss;
	peer.name = "hostA.lab";
	if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return RELOC_ERR_IO;
	peer.salen = sslen;
	if ((rc = reloc_tls_ctx_new(conf, &ctx)) < 0 ||
	    (rc = reloc_tls_new(ctx, fd, RELOC_TLS_SERVER, &peer, 0,
	    &tls)) < 0)
		goto out;
	if ((rc = step_all(tls, fd)) < 0) {
		snprintf(why, whylen, "%s", reloc_tls_reason(tls));
		drain(fd);
		goto out;
	}
	if ((pid = fork()) == 0)
		_exit(adopted_child(tls, fd) == 0 ? 0 : 1);
	rc = RELOC_ERR_IO;
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 :
		    RELOC_ERR_PROTO;
out:
	reloc_tls_free(tls);
	close(fd);
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
	return rc;
}

/* The client in this process, the server in a child: both results. */
static int
chan_pair(const char *ccert, const char *scert, bool adopt, int *server_rc,
    char *why, size_t whylen)
{
	char	swhy[512];
	int	sv[2], status, rc;
	pid_t	pid;

	tls_tcp_pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		rc = adopt ? adopt_side(scert, sv[1], swhy, sizeof(swhy)) :
		    chan_side(scert, RELOC_TLS_SERVER, "hostA.lab", sv[1],
		    swhy, sizeof(swhy));
		_exit(rc == 0 ? 0 : rc == RELOC_ERR_DENIED ? 2 : 1);
	}
	ck_assert_int_gt(pid, 0);
	close(sv[1]);
	rc = chan_side(ccert, RELOC_TLS_CLIENT, "hostB.lab", sv[0], why,
	    whylen);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	*server_rc = WEXITSTATUS(status);
	return rc;
}

/* Messages both ways over TLS, each side naming the other by DNS. */
START_TEST(test_chan_tls_messages)
{
	char	why[512];
	int	src;

	ck_assert_int_eq(chan_pair("hostA.lab", "hostB.lab", false, &src, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(src, 0);
	ck_assert_str_eq(why, "");
}
END_TEST

/*
 * The target refuses an expired client certificate after the client's
 * handshake ended (TLS 1.3): the client reads the refusal, not a reset,
 * because the target drains before it closes.
 */
START_TEST(test_chan_tls_refused)
{
	char	why[512];
	int	src;

	ck_assert_int_eq(chan_pair("expired", "hostB.lab", false, &src, why,
	    sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_int_eq(src, 2);
	ck_assert_msg(strstr(why, "refused") != NULL ||
	    strstr(why, "expired") != NULL, "why: %s", why);
}
END_TEST

/*
 * The handshake stepped in one process, the session adopted in its
 * child under another descriptor: messages both ways, the parent's
 * copy freed without a byte on the wire.
 */
START_TEST(test_chan_tls_adopted)
{
	char	why[512];
	int	src;

	ck_assert_int_eq(chan_pair("hostA.lab", "hostB.lab", true, &src, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(src, 0);
}
END_TEST

/* A certificate refused by the stepped handshake: the client hears it. */
START_TEST(test_chan_tls_step_refused)
{
	char	why[512];
	int	src;

	ck_assert_int_eq(chan_pair("expired", "hostB.lab", true, &src, why,
	    sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_int_eq(src, 2);
}
END_TEST

TCase *
tls_chan_tcase(void)
{
	TCase	*tc = tcase_create("chan");

	tcase_add_unchecked_fixture(tc, tls_make_certs, tls_remove_certs);
	tcase_add_test(tc, test_chan_tls_messages);
	tcase_add_test(tc, test_chan_tls_refused);
	tcase_add_test(tc, test_chan_tls_adopted);
	tcase_add_test(tc, test_chan_tls_step_refused);
	return tc;
}
