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
 * The TLS module: certificates from scripts/lab-ca.sh, a handshake
 * between two processes over a socketpair, and every way a peer is
 * refused with the reason each side gives.  Peers' addresses are
 * documentation addresses handed to the module, as the listener will.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_tls.h"
#include "common.h"
#include "reloc.h"

#define DEADLINE_MS	30000	/* a handshake that should finish */
#define STALL_MS	300	/* the stalled handshake's deadline */

/* ---------------------------------------------------------------- one end */

/* Move len bytes one way, waiting as the module asks. */
static int
xfer(struct reloc_tls *t, int fd, bool out, char *buf, size_t len)
{
	struct pollfd	pfd = { .fd = fd };
	size_t		done = 0, n;
	int		rc;

	while (done < len) {
		rc = out ? reloc_tls_write(t, buf + done, len - done, &n,
		    &pfd.events) : reloc_tls_read(t, buf + done, len - done,
		    &n, &pfd.events);
		if (rc == RELOC_ERR_AGAIN) {
			if (poll(&pfd, 1, DEADLINE_MS) != 1)
				return RELOC_ERR_TIMEOUT;
			continue;
		}
		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

/* Handshake, then the client says ping and the server answers pong. */
static int
run_side(const struct side *s, int fd, struct result *res)
{
	struct reloc_conf	*conf = tls_conf_of(s);
	struct reloc_tls_ctx	*ctx = NULL;
	struct reloc_tls	*t = NULL;
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	struct reloc_tls_peer	 peer = { (struct sockaddr *)&sin,
				    sizeof(sin), s->peer_name };
	char			 buf[5] = "";
	bool			 client = s->role == RELOC_TLS_CLIENT;
	int			 rc;

	inet_pton(AF_INET, s->peer_ip, &sin.sin_addr);
	if ((rc = reloc_tls_ctx_new(conf, &ctx)) < 0 ||
	    (rc = reloc_tls_new(ctx, fd, s->role, &peer, s->flags, &t)) < 0)
		goto out;
	if ((rc = reloc_tls_handshake(t, s->timeout_ms > 0 ? s->timeout_ms :
	    DEADLINE_MS)) < 0)
		goto out;
	reloc_tls_ktls(t, &res->ktls_send, &res->ktls_recv);
	if (client && (rc = xfer(t, fd, true, (char []){ "ping" }, 4)) < 0)
		goto out;
	if ((rc = xfer(t, fd, false, buf, 4)) < 0)
		goto out;
	rc = strcmp(buf, client ? "pong" : "ping") == 0 ? 0 : RELOC_ERR_PROTO;
	if (rc == 0 && !client)
		rc = xfer(t, fd, true, (char []){ "pong" }, 4);
out:
	res->rc = rc;	/* the rest of res was zeroed by the caller */
	snprintf(res->reason, sizeof(res->reason), "%s", reloc_tls_reason(t));
	reloc_tls_free(t);
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
	return rc;
}

/* What a peer that is not a TLS side does instead. */
enum other_kind { OTHER_TLS, OTHER_PLAIN, OTHER_SILENT };

static void
run_other(enum other_kind kind, const struct side *s, int fd, int pipe_w)
{
	struct result	res;
	char		c;

	memset(&res, 0, sizeof(res));
	if (kind == OTHER_TLS)
		run_side(s, fd, &res);
	else if (kind == OTHER_PLAIN) {
		/* What a plain source sends first: not a TLS record. */
		static const char	hello[] = "XRLD\0\0\0\1hello, plain";

		if (write(fd, hello, sizeof(hello)) != (ssize_t)sizeof(hello))
			res.rc = RELOC_ERR_IO;
	}
	/* Both wait for the peer to hang up before they go. */
	if (kind != OTHER_TLS)
		while (read(fd, &c, 1) > 0)
			;
	if (write(pipe_w, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
	_exit(0);
}

void
tls_tcp_pair(int sv[2])
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			lfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(lfd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, len), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_ge(sv[1] = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(sv[1], (struct sockaddr *)&sin, len), 0);
	ck_assert_int_ge(sv[0] = accept(lfd, NULL, NULL), 0);
	close(lfd);
}

/* me in this process, the other end in a child; the child's result too. */
static int
pair_on(bool tcp, const struct side *me, const struct side *other,
    enum other_kind kind, struct result *mine, struct result *theirs)
{
	int	sv[2], p[2], status;
	pid_t	pid;

	if (tcp)
		tls_tcp_pair(sv);
	else
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		close(p[0]);
		run_other(kind, other, sv[1], p[1]);
	}
	ck_assert_int_gt(pid, 0);
	close(sv[1]);
	close(p[1]);
	memset(mine, 0, sizeof(*mine));
	run_side(me, sv[0], mine);
	close(sv[0]);
	memset(theirs, 0, sizeof(*theirs));
	ck_assert_int_eq(read(p[0], theirs, sizeof(*theirs)),
	    (ssize_t)sizeof(*theirs));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return mine->rc;
}

static int
pair(const struct side *me, const struct side *other, enum other_kind kind,
    struct result *mine, struct result *theirs)
{
	return pair_on(false, me, other, kind, mine, theirs);
}

#define SERVER(c, ip)	{ .cert = (c), .role = RELOC_TLS_SERVER, \
			    .peer_ip = (ip) }
#define CLIENT(c, ip, n) { .cert = (c), .role = RELOC_TLS_CLIENT, \
			    .peer_ip = (ip), .peer_name = (n) }

#define ASSERT_HAS(s, needle) \
	ck_assert_msg(strstr((s), (needle)) != NULL, "want \"%s\" in \"%s\"", \
	    (needle), (s))

/* ---------------------------------------------------------------- good */

/* hostA sends to hostB: each names the other by address. */
START_TEST(test_good_pair)
{
	struct side	a = CLIENT("hostA.lab", "192.0.2.2", "hostB.lab");
	struct side	b = SERVER("hostB.lab", "192.0.2.1");
	struct result	mine, theirs;

	ck_assert_int_eq(pair(&a, &b, OTHER_TLS, &mine, &theirs), 0);
	ck_assert_int_eq(theirs.rc, 0);
	ck_assert_str_eq(mine.reason, "");
	ck_assert_int_eq(pair(&b, &a, OTHER_TLS, &mine, &theirs), 0);
	ck_assert_int_eq(theirs.rc, 0);
}
END_TEST

/* TLS 1.3 between two of ours; kernel TLS asked where there is none. */
START_TEST(test_version_and_ktls_fallback)
{
	struct reloc_tls_ctx	*ctx = NULL;
	struct reloc_tls	*t = NULL;
	struct side		 a = CLIENT("hostA.lab", "192.0.2.2", NULL);
	struct side		 b = SERVER("hostB.lab", "192.0.2.1");
	struct reloc_conf	*conf = tls_conf_of(&a);
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	struct reloc_tls_peer	 peer = { (struct sockaddr *)&sin,
				    sizeof(sin), NULL };
	struct result		 res;
	bool			 snd = true, rcv = true;
	int			 sv[2], p[2];
	pid_t			 pid;

	b.flags = RELOC_TLS_KTLS;
	inet_pton(AF_INET, "192.0.2.2", &sin.sin_addr);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0)
		run_other(OTHER_TLS, &b, sv[1], p[1]);
	ck_assert_int_eq(reloc_tls_ctx_new(conf, &ctx), 0);
	ck_assert_int_eq(reloc_tls_new(ctx, sv[0], RELOC_TLS_CLIENT, &peer,
	    RELOC_TLS_KTLS, &t), 0);
	ck_assert_int_eq(reloc_tls_handshake(t, DEADLINE_MS), 0);
	ck_assert_str_eq(reloc_tls_version(t), "TLSv1.3");
	ck_assert(strlen(reloc_tls_cipher(t)) > 0);
	/* A unix socket has no kernel TLS: OpenSSL keeps the records. */
	reloc_tls_ktls(t, &snd, &rcv);
	ck_assert(!snd && !rcv);
	ck_assert_int_eq(xfer(t, sv[0], true, (char []){ "ping" }, 4), 0);
	ck_assert_int_eq(xfer(t, sv[0], false, (char [5]){ "" }, 4), 0);
	reloc_tls_free(t);
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
	close(sv[0]);
	ck_assert_int_eq(read(p[0], &res, sizeof(res)), (ssize_t)sizeof(res));
	ck_assert_int_eq(res.rc, 0);
	waitpid(pid, NULL, 0);
}
END_TEST

/*
 * Kernel TLS asked on both ends of a TCP connection: the data flows
 * whether this kernel takes the records over or OpenSSL keeps them.
 */
START_TEST(test_ktls_tcp)
{
	struct side	a = CLIENT("hostA.lab", "192.0.2.2", "hostB.lab");
	struct side	b = SERVER("hostB.lab", "192.0.2.1");
	struct result	mine, theirs;

	a.flags = b.flags = RELOC_TLS_KTLS;
	ck_assert_int_eq(pair_on(true, &a, &b, OTHER_TLS, &mine, &theirs), 0);
	ck_assert_int_eq(theirs.rc, 0);
	printf("check_tls: kernel tls here: send %s, receive %s\n",
	    mine.ktls_send ? "yes" : "no", mine.ktls_recv ? "yes" : "no");
}
END_TEST

/* A DNS subjectAltName admits the name the user gave, on any address. */
START_TEST(test_dns_name)
{
	struct side	a = CLIENT("hostA.lab", "198.51.100.9", "HOSTB.lab");
	struct side	b = SERVER("hostB.lab", "192.0.2.1");
	struct result	mine, theirs;

	ck_assert_int_eq(pair(&a, &b, OTHER_TLS, &mine, &theirs), 0);
	ck_assert_int_eq(theirs.rc, 0);
}
END_TEST

/* ---------------------------------------------------------------- chains */

struct chain_case {
	const char	*cert;
	const char	*why;
	const char	*fix;
};

static const struct chain_case chain_cases[] = {
	{ "unknown", "unable to get local issuer certificate",
	    "its ca is not in xrelocd-relocation-ssl-ca" },
	{ "expired", "certificate has expired", "renew it" },
	{ "notyet", "certificate is not yet valid",
	    "check both hosts' clocks" },
	{ "revoked", "certificate revoked",
	    "it is in xrelocd-relocation-ssl-crl" },
};

/* The target refuses the source's certificate; the source hears of it. */
START_TEST(test_chain_refused_by_server)
{
	const struct chain_case	*c = &chain_cases[_i];
	struct side		 b = SERVER("hostA.lab", "192.0.2.2");
	struct side		 a = CLIENT(c->cert, "192.0.2.1", "hostA.lab");
	struct result		 mine, theirs;
	char			 want[256];

	ck_assert_int_eq(pair(&b, &a, OTHER_TLS, &mine, &theirs),
	    RELOC_ERR_DENIED);
	snprintf(want, sizeof(want), "peer 192.0.2.2: certificate 'hostB.lab' "
	    "refused: %s (%s)", c->why, c->fix);
	ck_assert_str_eq(mine.reason, want);
	ck_assert_int_eq(theirs.rc, RELOC_ERR_DENIED);
	ASSERT_HAS(theirs.reason, "peer 192.0.2.1 refused our certificate (");
}
END_TEST

/* The source refuses the target's certificate the same way. */
START_TEST(test_chain_refused_by_client)
{
	const struct chain_case	*c = &chain_cases[_i];
	struct side		 a = CLIENT("hostA.lab", "192.0.2.2",
				    "hostB.lab");
	struct side		 b = SERVER(c->cert, "192.0.2.1");
	struct result		 mine, theirs;

	ck_assert_int_eq(pair(&a, &b, OTHER_TLS, &mine, &theirs),
	    RELOC_ERR_DENIED);
	ASSERT_HAS(mine.reason, c->why);
	ASSERT_HAS(mine.reason, c->fix);
	ck_assert_int_eq(theirs.rc, RELOC_ERR_DENIED);
	ASSERT_HAS(theirs.reason, "refused our certificate");
}
END_TEST

/* ---------------------------------------------------------------- names */

/* hostC's valid certificate shown from hostB's allowed address. */
START_TEST(test_wrong_host)
{
	struct side	b = SERVER("hostA.lab", "192.0.2.2");
	struct side	c = CLIENT("hostC.lab", "192.0.2.1", NULL);
	struct result	mine, theirs;
	uint8_t		pin[RELOC_TLS_PIN_LEN];
	char		want[512], hex[2 * RELOC_TLS_PIN_LEN + 1], *path;
	size_t		i;

	ck_assert_int_eq(asprintf(&path, "%s/hostC.lab.pem", tls_dir) > 0, 1);
	ck_assert_int_eq(reloc_tls_pin_of_file(path, pin), 0);
	free(path);
	for (i = 0; i < RELOC_TLS_PIN_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", pin[i]);
	ck_assert_int_eq(pair(&b, &c, OTHER_TLS, &mine, &theirs),
	    RELOC_ERR_DENIED);
	snprintf(want, sizeof(want), "peer 192.0.2.2: certificate "
	    "'hostC.lab' names hostC.lab, 192.0.2.3: none is this peer and "
	    "admitted by xend-relocation-hosts-allow, and its sha256 %s is "
	    "not in xrelocd-relocation-ssl-pin", hex);
	ck_assert_str_eq(mine.reason, want);
	ck_assert_int_eq(theirs.rc, RELOC_ERR_DENIED);
}
END_TEST

/* The right address, but the allow-list does not admit it. */
START_TEST(test_name_not_allowed)
{
	struct side	b = SERVER("hostA.lab", "192.0.2.2");
	struct side	a = CLIENT("hostB.lab", "192.0.2.1", NULL);
	struct result	mine, theirs;

	b.conf = "(xend-relocation-hosts-allow 192.0.2.1)";
	ck_assert_int_eq(pair(&b, &a, OTHER_TLS, &mine, &theirs),
	    RELOC_ERR_DENIED);
	ASSERT_HAS(mine.reason, "peer 192.0.2.2: certificate 'hostB.lab' "
	    "names hostB.lab, 192.0.2.2: none is this peer and admitted");
}
END_TEST

/* A pinned key is admitted whatever names its certificate carries. */
START_TEST(test_pin_match)
{
	struct side	b = SERVER("hostA.lab", "192.0.2.2");
	struct side	c = CLIENT("hostC.lab", "192.0.2.1", NULL);
	struct result	mine, theirs;
	char		cmd[512], line[128], conf[256];
	FILE		*f;

	/* The pin as the lab script prints it, which the man page shows. */
	snprintf(cmd, sizeof(cmd), "sh %s/scripts/lab-ca.sh pin "
	    "%s/hostC.lab.pem", TOP_SRCDIR, tls_dir);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_int_eq(pclose(f), 0);
	line[strcspn(line, "\n")] = '\0';
	ck_assert_uint_eq(strlen(line), 64);
	snprintf(conf, sizeof(conf), "(xrelocd-relocation-ssl-pin '%s %s')",
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    line);
	b.conf = conf;
	ck_assert_int_eq(pair(&b, &c, OTHER_TLS, &mine, &theirs), 0);
	ck_assert_int_eq(theirs.rc, 0);
}
END_TEST

/* A pin does not match, and no name admits the peer. */
START_TEST(test_pin_mismatch)
{
	struct side	b = SERVER("hostA.lab", "192.0.2.2");
	struct side	c = CLIENT("hostC.lab", "192.0.2.1", NULL);
	struct result	mine, theirs;

	b.conf = "(xrelocd-relocation-ssl-pin "
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff)";
	ck_assert_int_eq(pair(&b, &c, OTHER_TLS, &mine, &theirs),
	    RELOC_ERR_DENIED);
	ASSERT_HAS(mine.reason, "certificate 'hostC.lab' names hostC.lab, "
	    "192.0.2.3: none is this peer");
	ASSERT_HAS(mine.reason, "is not in xrelocd-relocation-ssl-pin");
}
END_TEST

/* ---------------------------------------------------------------- not tls */

START_TEST(test_plain_client)
{
	struct side	b = SERVER("hostB.lab", "192.0.2.1");
	struct result	mine, theirs;

	ck_assert_int_eq(pair(&b, &b, OTHER_PLAIN, &mine, &theirs),
	    RELOC_ERR_PROTO);
	ASSERT_HAS(mine.reason, "peer 192.0.2.1 does not speak tls (");
	ASSERT_HAS(mine.reason, "): a plain peer on the tls port, or tls on "
	    "the plain one");
}
END_TEST

/* A peer that connects and says nothing is dropped at the deadline. */
START_TEST(test_stalled_handshake)
{
	struct side	b = SERVER("hostB.lab", "192.0.2.1");
	struct result	mine, theirs;

	b.timeout_ms = STALL_MS;
	ck_assert_int_eq(pair(&b, &b, OTHER_SILENT, &mine, &theirs),
	    RELOC_ERR_TIMEOUT);
	ck_assert_str_eq(mine.reason, "peer 192.0.2.1: no tls handshake "
	    "within 300 ms (xrelocd-hello-timeout)");
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc;
	int	 nchain = (int)(sizeof(chain_cases) / sizeof(chain_cases[0]));

	tc = tcase_create("handshake");
	tcase_add_unchecked_fixture(tc, tls_make_certs, tls_remove_certs);
	tcase_add_test(tc, test_good_pair);
	tcase_add_test(tc, test_version_and_ktls_fallback);
	tcase_add_test(tc, test_ktls_tcp);
	tcase_add_test(tc, test_dns_name);
	tcase_add_loop_test(tc, test_chain_refused_by_server, 0, nchain);
	tcase_add_loop_test(tc, test_chain_refused_by_client, 0, nchain);
	tcase_add_test(tc, test_wrong_host);
	tcase_add_test(tc, test_name_not_allowed);
	tcase_add_test(tc, test_pin_match);
	tcase_add_test(tc, test_pin_mismatch);
	tcase_add_test(tc, test_plain_client);
	tcase_add_test(tc, test_stalled_handshake);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tls_load_tcase());
	suite_add_tcase(s, tls_chan_tcase());
	suite_add_tcase(s, tls_io_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(tls_suite());
	int	 failed;

	log_silence();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
