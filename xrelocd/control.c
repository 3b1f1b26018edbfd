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
 * The control socket: a UNIX socket (mode 0600) where xm speaks XML-RPC
 * over HTTP, one request per connection, as xm spoke to xend.  A blocking
 * xend.domain.migrate call parks its connection until the job ends.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "xrelocd.h"
#include "log.h"

/* What a parked call waits for. */
enum ctl_wait {
	WAIT_END,	/* the migration's outcome (or that it resolves) */
	WAIT_RECOVER,	/* xm recover's worker */
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct xrelocd		*x;
	struct bufferevent	*bev;
	struct job		*waiting;
	enum ctl_wait		 wait;
};

/*
 * A blocking migrate call whose job resolves after a broken handover is
 * answered (exit 3) after this many unanswered QUERY rounds; the job goes
 * on, xm jobs follows it.
 */
#define RESOLVING_ANSWER_AFTER	3

static TAILQ_HEAD(, ctl_conn)	conns = TAILQ_HEAD_INITIALIZER(conns);

static void
conn_free(struct ctl_conn *c)
{
	if (c->waiting != NULL && c->waiting->waiters > 0)
		c->waiting->waiters--;
	TAILQ_REMOVE(&conns, c, entry);
	bufferevent_free(c->bev);
	free(c);
}

/* The reply is out: close. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
conn_reply(struct ctl_conn *c, int status, const char *body, size_t len)
{
	char	*http = NULL;
	size_t	 hlen;

	bufferevent_disable(c->bev, EV_READ);
	if (reloc_xmlrpc_http_response(status, body, len, &http, &hlen) < 0) {
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, NULL, conn_write_cb, NULL, c);
	bufferevent_write(c->bev, http, hlen);
	bufferevent_enable(c->bev, EV_WRITE);
	free(http);
}

static void
conn_reply_value(struct ctl_conn *c, const struct reloc_xv *v, int fault,
    const char *fault_msg)
{
	char	*doc = NULL;
	size_t	 len;
	int	 rc;

	if (fault != 0)
		rc = reloc_xmlrpc_fault_encode(fault, fault_msg, &doc, &len);
	else
		rc = reloc_xmlrpc_response_encode(v, &doc, &len);
	if (rc < 0) {
		conn_reply(c, 500, NULL, 0);
		return;
	}
	conn_reply(c, 200, doc, len);
	free(doc);
}

static void
conn_handle(struct ctl_conn *c, const char *body, size_t len)
{
	struct reloc_xv	*params = NULL, *result = NULL;
	char		*method = NULL, *fault_msg = NULL;
	int		 fault = 0;

	if (reloc_xmlrpc_call_decode("control", body, len, &method,
	    &params) < 0) {
		conn_reply_value(c, NULL, 2, "malformed XML-RPC request");
		return;
	}
	control_dispatch(c->x, c, method, params, &result, &fault, &fault_msg);
	if (c->waiting == NULL)
		conn_reply_value(c, result, fault,
		    fault_msg != NULL ? fault_msg : "");
	reloc_xv_free(params);
	reloc_xv_free(result);
	free(method);
	free(fault_msg);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const char	*body;
	size_t		 len = evbuffer_get_length(in), blen, used;
	char		*data = (char *)evbuffer_pullup(in, -1);
	int		 rc;

	rc = reloc_xmlrpc_http_request_parse("control", data, len, &body,
	    &blen, &used);
	if (rc == RELOC_ERR_AGAIN)
		return;
	if (rc < 0) {
		conn_reply(c, 400, NULL, 0);
		return;
	}
	conn_handle(c, body, blen);
}

static void
conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	(void)bev;
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

/* Only root or the daemon's own user may drive migrations. */
static bool
peer_trusted(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void
ctl_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct xrelocd	*x = arg;
	struct ctl_conn	*c;

	(void)lis;
	(void)sa;
	(void)salen;
	if (!peer_trusted(fd) || (c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("control", "refused a control connection");
		evutil_closesocket(fd);
		return;
	}
	c->x = x;
	c->bev = bufferevent_socket_new(x->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&conns, c, entry);
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
}

int
control_open(struct xrelocd *x, const char *path,
    struct evconnlistener **lis_r, struct xrelocd_why *why)
{
	struct evconnlistener	*lis;
	struct sockaddr_un	 sun;
	char			*dir;
	mode_t			 old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		xrelocd_why_set(why, ENAMETOOLONG, "xrelocd-control-socket "
		    "%s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((dir = strdup(path)) != NULL) {
		mkdir(dirname(dir), 0700);
		free(dir);
	}
	unlink(path);
	old = umask(0077);
	lis = evconnlistener_new_bind(x->base, ctl_accept_cb, x,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (lis == NULL) {
		xrelocd_why_set(why, errno, "cannot listen on control socket "
		    "%s: %s", path, strerror(errno));
		return -1;
	}
	chmod(path, 0600);
	*lis_r = lis;
	return 0;
}

/* The old socket goes while x->conf still names it. */
void
control_swap(struct xrelocd *x, struct evconnlistener *lis)
{
	if (x->ctl_lis != NULL) {
		evconnlistener_free(x->ctl_lis);
		unlink(reloc_conf_str(x->conf, RELOC_CK_CONTROL_SOCKET));
	}
	x->ctl_lis = lis;
}

void
control_stop(struct xrelocd *x)
{
	struct ctl_conn	*c;

	if (x->ctl_lis == NULL)
		return;
	control_swap(x, NULL);
	/* Jobs go on; those waiting for them are told to poll instead. */
	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_free(c);
}

struct job *
control_conn_job(struct ctl_conn *c)
{
	return c->waiting;
}

void
control_conn_wait(struct ctl_conn *c, struct job *j)
{
	c->waiting = j;
	c->wait = WAIT_END;
	j->waiters++;
}

void
control_conn_wait_recover(struct ctl_conn *c, struct job *j)
{
	control_conn_wait(c, j);
	c->wait = WAIT_RECOVER;
}

/* The call's answer, if it has one yet: 0 ok, else a fault code. */
static bool
wait_answer(const struct ctl_conn *c, const struct job *j, int *fault_r,
    char *msg, size_t len)
{
	const struct reloc_record	*r = &j->rec;

	if (c->wait == WAIT_RECOVER) {
		if (!j->admin.ended)
			return false;
		*fault_r = 0;
		if (j->admin.denied || !reloc_record_final(r) ||
		    r->outcome != RELOC_OUT_FAILED)
			*fault_r = 1;
		snprintf(msg, len, "%s", r->message);
		return true;
	}
	if (reloc_record_final(r)) {
		*fault_r = r->outcome;
		snprintf(msg, len, "%s", r->message);
		return true;
	}
	if (r->state == RELOC_MS_RESOLVING &&
	    r->queries >= RESOLVING_ANSWER_AFTER) {
		*fault_r = RELOC_OUT_UNKNOWN;
		snprintf(msg, len, "%s; xrelocd keeps asking: see 'xm jobs'",
		    r->message);
		return true;
	}
	return false;
}

void
control_job_changed(struct xrelocd *x, struct job *j)
{
	struct ctl_conn	*c, *tmp;
	struct reloc_xv	*v = NULL;
	char		 msg[1200];
	int		 fault;

	(void)x;
	TAILQ_FOREACH_SAFE(c, &conns, entry, tmp) {
		if (c->waiting != j || !wait_answer(c, j, &fault, msg,
		    sizeof(msg)))
			continue;
		c->waiting = NULL;
		j->waiters--;
		if (fault == 0 && reloc_xv_new_int(0, &v) == 0) {
			conn_reply_value(c, v, 0, NULL);
			reloc_xv_free(v);
			v = NULL;
		} else
			conn_reply_value(c, NULL, fault == 0 ? 1 : fault, msg);
	}
}
