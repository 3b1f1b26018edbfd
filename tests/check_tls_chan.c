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
 * messages both ways, and a refused certificate heard by the client.
 * Over TCP on 127.0.0.1: the certificates name no address of it, so each
 * end admits the other by the DNS name it is given.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_tls.h"
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

/* The client in this process, the server in a child: both results. */
static int
chan_pair(const char *ccert, const char *scert, int *server_rc,
    char *why, size_t whylen)
{
	char	swhy[512];
	int	sv[2], status, rc;
	pid_t	pid;

	tls_tcp_pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		rc = chan_side(scert, RELOC_TLS_SERVER, "hostA.lab", sv[1],
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

	ck_assert_int_eq(chan_pair("hostA.lab", "hostB.lab", &src, why,
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

	ck_assert_int_eq(chan_pair("expired", "hostB.lab", &src, why,
	    sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_int_eq(src, 2);
	ck_assert_msg(strstr(why, "refused") != NULL ||
	    strstr(why, "expired") != NULL, "why: %s", why);
}
END_TEST

TCase *
tls_chan_tcase(void)
{
	TCase	*tc = tcase_create("chan");

	tcase_add_unchecked_fixture(tc, tls_make_certs, tls_remove_certs);
	tcase_add_test(tc, test_chan_tls_messages);
	tcase_add_test(tc, test_chan_tls_refused);
	return tc;
}
