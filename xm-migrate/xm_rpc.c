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
 * The client end of xrelocd's control socket: one XML-RPC call per
 * connection, HTTP/1.1 over a UNIX socket, the way xm spoke to xend.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xm.h"

#define RPC_TIMEOUT_MS	60000	/* a status or list call; never a transfer */

static int
rpc_connect(struct xm *xm)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(xm->socket) >= sizeof(sun.sun_path)) {
		fprintf(xm->err, "xm: control socket path too long: %s\n",
		    xm->socket);
		return -1;
	}
	strcpy(sun.sun_path, xm->socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(xm->err, "xm: cannot reach xrelocd at %s: %s (is "
		    "xrelocd running?)\n", xm->socket, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read until a whole HTTP response is in *buf_r.  A call that moves a
 * domain (xend.domain.migrate) may take minutes: no deadline then.
 */
static int
recv_response(struct xm *xm, int fd, int timeout_ms, char **buf_r,
    size_t *len_r, const char **body_r, size_t *blen_r)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 len = 0, cap = 0, used;
	char		*buf = NULL, *p;
	ssize_t		 n;
	int		 rc = RELOC_ERR_AGAIN, r;

	while (rc == RELOC_ERR_AGAIN) {
		if (len + 4096 > cap) {
			cap = cap == 0 ? 16384 : cap * 2;
			if (cap > RELOC_XMLRPC_MAX_LEN * 2 ||
			    (p = realloc(buf, cap)) == NULL)
				break;
			buf = p;
		}
		if ((r = poll(&pfd, 1, timeout_ms)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			fprintf(xm->err, "xm: no answer from xrelocd at %s\n",
			    xm->socket);
			break;
		}
		if ((n = read(fd, buf + len, cap - len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			fprintf(xm->err, "xm: xrelocd closed the connection "
			    "without an answer\n");
			break;
		}
		len += (size_t)n;
		rc = reloc_xmlrpc_http_response_parse("xrelocd", buf, len,
		    body_r, blen_r, &used);
	}
	if (rc != 0) {
		free(buf);
		return -1;
	}
	*buf_r = buf;
	*len_r = len;
	return 0;
}

/* Map a fault to the exit code xm(1) documents. */
static int
fault_exit(int code)
{
	switch (code) {
	case 2:
		return XM_EXIT_USAGE;
	case 3:
		return XM_EXIT_UNKNOWN;
	default:
		return XM_EXIT_FAILED;
	}
}

int
xm_rpc_invoke(struct xm *xm, struct xm_call *k)
{
	char		*doc = NULL, *req = NULL, *resp = NULL;
	const char	*body;
	size_t		 dlen, rlen, blen;
	int		 fd = -1, rc;

	k->result = NULL;
	k->fault = 0;
	k->fault_msg = NULL;
	if (reloc_xmlrpc_call_encode(k->method, k->params, &doc, &dlen) < 0 ||
	    reloc_xmlrpc_http_request(doc, dlen, &req, &rlen) < 0) {
		fprintf(xm->err, "xm: cannot encode %s\n", k->method);
		rc = XM_EXIT_FAILED;
		goto out;
	}
	rc = XM_EXIT_FAILED;
	if ((fd = rpc_connect(xm)) == -1)
		goto out;
	if (send_all(fd, req, rlen) == -1) {
		fprintf(xm->err, "xm: sending to xrelocd at %s: %s\n",
		    xm->socket, strerror(errno));
		goto out;
	}
	if (recv_response(xm, fd, k->timeout_ms, &resp, &rlen, &body,
	    &blen) < 0)
		goto out;
	rc = reloc_xmlrpc_response_decode("xrelocd", body, blen, &k->result,
	    &k->fault, &k->fault_msg);
	if (rc == RELOC_ERR_DENIED)
		rc = fault_exit(k->fault);
	else if (rc < 0)
		rc = XM_EXIT_FAILED;
out:
	if (fd != -1)
		close(fd);
	free(doc);
	free(req);
	free(resp);
	return rc;
}

int
xm_rpc_call(struct xm *xm, const char *method, const struct reloc_xv *params,
    struct reloc_xv **result_r)
{
	struct xm_call	k = { method, params, RPC_TIMEOUT_MS, NULL, 0, NULL };
	int		rc;

	/* A call that moves a domain may take minutes: no deadline then. */
	if (strcmp(method, "xend.domain.migrate") == 0)
		k.timeout_ms = -1;
	rc = xm_rpc_invoke(xm, &k);
	if (rc == 0)
		*result_r = k.result;
	else if (k.fault_msg != NULL)
		xm_fault_print(xm->err, k.fault_msg);
	free(k.fault_msg);
	return rc;
}

int
xm_rpc_call_ints(struct xm *xm, const char *method, const int64_t *v,
    size_t n, struct reloc_xv **result_r)
{
	struct reloc_xv	*params = NULL, *e;
	size_t		 i;
	int		 rc;

	if (reloc_xv_new_array(&params) < 0)
		return XM_EXIT_FAILED;
	for (i = 0; i < n; i++)
		if (reloc_xv_new_int(v[i], &e) < 0 ||
		    reloc_xv_array_append(params, e) < 0) {
			reloc_xv_free(params);
			return XM_EXIT_FAILED;
		}
	rc = xm_rpc_call(xm, method, params, result_r);
	reloc_xv_free(params);
	return rc;
}
