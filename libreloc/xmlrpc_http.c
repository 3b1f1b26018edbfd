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
 * The HTTP/1.1 framing XML-RPC travels in: one POST /RPC2 request and one
 * response per connection, with a Content-Length.  Pure functions on
 * buffers, so the daemon can feed them whatever has arrived so far.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reloc-int.h"

#define HTTP		"xmlrpc"
#define MAX_HEAD	8192	/* request line and headers */

/* What the head of a message says. */
struct head {
	char	first[128];	/* the request or status line */
	size_t	head_len;	/* bytes up to and including the blank line */
	long	clen;		/* Content-Length, -1 when absent */
};

/* The end of the head (after its blank line), or 0 if not there yet. */
static size_t
head_end(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
parse_clen(const char *peer, const char *v, long *clen_r)
{
	char	*end;
	long	 n;

	if (*v < '0' || *v > '9' || strlen(v) > 9) {
		log_warnx(HTTP, "%s: bad Content-Length '%.20s'", peer, v);
		return RELOC_ERR_PROTO;
	}
	n = strtol(v, &end, 10);
	if (*end != '\0' || (*clen_r >= 0 && *clen_r != n)) {
		log_warnx(HTTP, "%s: bad Content-Length '%.20s'", peer, v);
		return RELOC_ERR_PROTO;
	}
	if (n > (long)RELOC_XMLRPC_MAX_LEN) {
		log_warnx(HTTP, "%s: body of %ld bytes over the limit of %u",
		    peer, n, RELOC_XMLRPC_MAX_LEN);
		return RELOC_ERR_PROTO;
	}
	*clen_r = n;
	return 0;
}

/* One "Name: value" line (NUL-terminated, no line end). */
static int
parse_header(const char *peer, char *line, struct head *h)
{
	char	*colon, *v, *end;

	if ((colon = strchr(line, ':')) == NULL || colon == line) {
		log_warnx(HTTP, "%s: malformed header line '%.40s'", peer,
		    line);
		return RELOC_ERR_PROTO;
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		continue;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--)
		end[-1] = '\0';
	if (strcasecmp(line, "Content-Length") == 0)
		return parse_clen(peer, v, &h->clen);
	/* Chunked bodies are never sent by xm or xmlrpclib. */
	if (strcasecmp(line, "Transfer-Encoding") == 0) {
		log_warnx(HTTP, "%s: Transfer-Encoding '%.20s' not "
		    "supported", peer, v);
		return RELOC_ERR_PROTO;
	}
	return 0;
}

/* Split the head into its first line and headers. */
static int
parse_head(const char *peer, const char *buf, size_t len, struct head *h)
{
	char	*copy, *line, *next, *cr;
	int	 rc = 0;

	h->clen = -1;
	if ((h->head_len = head_end(buf, len)) == 0) {
		if (len <= MAX_HEAD)
			return RELOC_ERR_AGAIN;
		log_warnx(HTTP, "%s: HTTP head over %d bytes", peer, MAX_HEAD);
		return RELOC_ERR_PROTO;
	}
	if (h->head_len > MAX_HEAD) {
		log_warnx(HTTP, "%s: HTTP head over %d bytes", peer, MAX_HEAD);
		return RELOC_ERR_PROTO;
	}
	if ((copy = strndup(buf, h->head_len)) == NULL)
		return RELOC_ERR_NOMEM;
	for (line = copy; rc == 0 && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			break;
		*next++ = '\0';
		if ((cr = strchr(line, '\r')) != NULL)
			*cr = '\0';
		if (*line == '\0')
			break;
		if (line == copy)
			snprintf(h->first, sizeof(h->first), "%s", line);
		else
			rc = parse_header(peer, line, h);
	}
	free(copy);
	return rc;
}

/* The body, once the whole of it is in buf. */
static int
take_body(const char *peer, const char *buf, size_t len,
    const struct head *h, const char **body_r, size_t *body_len_r,
    size_t *used_r)
{
	if (h->clen < 0) {
		log_warnx(HTTP, "%s: no Content-Length", peer);
		return RELOC_ERR_PROTO;
	}
	if (len - h->head_len < (size_t)h->clen)
		return RELOC_ERR_AGAIN;
	*body_r = buf + h->head_len;
	*body_len_r = (size_t)h->clen;
	*used_r = h->head_len + (size_t)h->clen;
	return 0;
}

int
reloc_xmlrpc_http_request_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r)
{
	struct head	h;
	char		method[16], path[64], version[16], extra;
	int		rc;

	if (peer == NULL)
		peer = "?";
	if ((rc = parse_head(peer, buf, len, &h)) < 0)
		return rc;
	if (sscanf(h.first, "%15s %63s %15s %c", method, path, version,
	    &extra) != 3 || strncmp(version, "HTTP/1.", 7) != 0) {
		log_warnx(HTTP, "%s: bad request line '%.60s'", peer, h.first);
		return RELOC_ERR_PROTO;
	}
	if (strcmp(method, "POST") != 0) {
		log_warnx(HTTP, "%s: method %s not allowed, only POST", peer,
		    method);
		return RELOC_ERR_PROTO;
	}
	/* xmlrpclib posts to /RPC2 unless told otherwise; "/" is common. */
	if (strcmp(path, "/RPC2") != 0 && strcmp(path, "/") != 0) {
		log_warnx(HTTP, "%s: no XML-RPC endpoint at %s", peer, path);
		return RELOC_ERR_PROTO;
	}
	return take_body(peer, buf, len, &h, body_r, body_len_r, used_r);
}

int
reloc_xmlrpc_http_response_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r)
{
	struct head	h;
	char		version[16];
	int		status, n = 0, rc;

	if (peer == NULL)
		peer = "?";
	if ((rc = parse_head(peer, buf, len, &h)) < 0)
		return rc;
	if (sscanf(h.first, "%15s %3d%n", version, &status, &n) != 2 ||
	    strncmp(version, "HTTP/1.", 7) != 0 ||
	    (h.first[n] != ' ' && h.first[n] != '\0')) {
		log_warnx(HTTP, "%s: bad status line '%.60s'", peer, h.first);
		return RELOC_ERR_PROTO;
	}
	if (status != 200) {
		log_warnx(HTTP, "%s: HTTP status '%.60s'", peer, h.first);
		return RELOC_ERR_PROTO;
	}
	return take_body(peer, buf, len, &h, body_r, body_len_r, used_r);
}

/* Head and body in one malloc'ed, NUL-terminated buffer. */
static int
assemble(const char *head, const char *body, size_t len, char **buf_r,
    size_t *len_r)
{
	size_t	 hlen = strlen(head);
	char	*buf;

	if (len > RELOC_XMLRPC_MAX_LEN || (body == NULL && len > 0))
		return RELOC_ERR_INVAL;
	if ((buf = malloc(hlen + len + 1)) == NULL)
		return RELOC_ERR_NOMEM;
	memcpy(buf, head, hlen);
	if (len > 0)
		memcpy(buf + hlen, body, len);
	buf[hlen + len] = '\0';
	*buf_r = buf;
	*len_r = hlen + len;
	return 0;
}

int
reloc_xmlrpc_http_request(const char *body, size_t len, char **buf_r,
    size_t *len_r)
{
	char	head[256];

	/* Host is required by HTTP/1.1; over a UNIX socket it says little. */
	snprintf(head, sizeof(head), "POST /RPC2 HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "User-Agent: xm (xrelocd)\r\n"
	    "Content-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", len);
	return assemble(head, body, len, buf_r, len_r);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	default:
		return NULL;
	}
}

int
reloc_xmlrpc_http_response(int status, const char *body, size_t len,
    char **buf_r, size_t *len_r)
{
	char	head[256];

	if (reason(status) == NULL)
		return RELOC_ERR_INVAL;
	snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Server: xrelocd\r\n"
	    "Content-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, reason(status), len);
	return assemble(head, body, len, buf_r, len_r);
}
