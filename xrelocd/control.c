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
 * over HTTP, one request per connection, as xm spoke to xend.  A call
 * may park its connection on a job: a blocking xend.domain.migrate until
 * the job ends, an xrelocd.job.wait until the job changes or its timer
 * fires.  A connection that is not parked has CTL_IDLE_S seconds from
 * its connect for its whole request, and as long again to read the whole
 * reply: a deadline, not an idle timer, so a client that dribbles a byte
 * now and then is closed all the same.  At most CTL_MAX_CONNS are open,
 * the oldest unparked one closed for a newcomer.  Out of
 * descriptors, accepting pauses for a second (xrelocd_accept_error).
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

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct xrelocd		*x;
	struct bufferevent	*bev;
	struct job		*waiting;	/* its call is parked on it */
	enum ctl_wait		 wait;		/* what it waits for */
	struct event		*timer;		/* a parked wait's timeout */
	struct event		*deadline;	/* request or reply, whole */
};

static TAILQ_HEAD(, ctl_conn)	conns = TAILQ_HEAD_INITIALIZER(conns);
static unsigned			nconns;
static struct reloc_log_rate	refused_rate;

/* A client has this long to send its request, and to read its reply. */
#define CTL_IDLE_S		10
#define CTL_MAX_CONNS		256

/* From now, CTL_IDLE_S seconds for what is left (on), or none (parked). */
static void
conn_deadline(struct ctl_conn *c, bool on)
{
	struct timeval	tv = { CTL_IDLE_S, 0 };

	if (on)
		evtimer_add(c->deadline, &tv);
	else
		evtimer_del(c->deadline);
}

/* The call is no longer parked: its job may go, its timer goes. */
static void
conn_unpark(struct ctl_conn *c)
{
	if (c->timer != NULL) {
		event_free(c->timer);
		c->timer = NULL;
	}
	if (c->waiting != NULL && c->waiting->waiters > 0)
		c->waiting->waiters--;
	if (c->waiting != NULL)
		conn_deadline(c, true);
	c->waiting = NULL;
}

static void
conn_free(struct ctl_conn *c)
{
	conn_unpark(c);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	event_free(c->deadline);
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

static void conn_event_cb(struct bufferevent *, short, void *);

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
	bufferevent_setcb(c->bev, NULL, conn_write_cb, conn_event_cb, c);
	/* The whole reply read within CTL_IDLE_S, however slowly. */
	conn_deadline(c, true);
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
	char		*data;
	int		 rc;

	/* A parked call reads only to notice its client going away. */
	if (c->waiting != NULL) {
		evbuffer_drain(in, len);
		return;
	}
	data = (char *)evbuffer_pullup(in, -1);
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

/* Its client sent no whole request in time, or read no whole reply. */
static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	log_debug("control", "closed a control connection: no whole request "
	    "or reply in %d s", CTL_IDLE_S);
	conn_free(arg);
}

/* Room for one more: close the oldest connection not parked on a job. */
static bool
conn_make_room(void)
{
	struct ctl_conn	*c;

	if (nconns < CTL_MAX_CONNS)
		return true;
	TAILQ_FOREACH(c, &conns, entry)
		if (c->waiting == NULL) {
			conn_free(c);
			return true;
		}
	return false;
}

static void
ctl_refuse(evutil_socket_t fd, const char *why)
{
	unsigned	dropped;

	if (reloc_log_rate_allow(&refused_rate, 5, 10, &dropped))
		log_warnx("control", "refused a control connection: %s "
		    "(%u more refused before)", why, dropped);
	evutil_closesocket(fd);
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
	if (!peer_trusted(fd)) {
		ctl_refuse(fd, "its user is neither root nor xrelocd's");
		return;
	}
	if (!conn_make_room()) {
		ctl_refuse(fd, "every connection waits on a job");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->deadline = evtimer_new(x->base, conn_deadline_cb, c)) ==
	    NULL || (c->bev = bufferevent_socket_new(x->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (c != NULL && c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		ctl_refuse(fd, "out of memory");
		return;
	}
	c->x = x;
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	conn_deadline(c, true);
	bufferevent_enable(c->bev, EV_READ);
}

/* Out of descriptors: pause accepting, do not spin. */
static void
ctl_accept_error_cb(struct evconnlistener *lis, void *arg)
{
	xrelocd_accept_error(arg, lis, "control");
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
	evconnlistener_set_error_cb(lis, ctl_accept_error_cb);
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

/* Answer the call parked on its job with the job as it is now. */
static void
conn_answer(struct ctl_conn *c)
{
	struct reloc_xv	*v = NULL;
	struct job	*j = c->waiting;
	enum ctl_wait	 wait = c->wait;
	char		*msg = NULL;
	int		 fault = 0;

	conn_unpark(c);
	control_parked_answer(j, wait, &v, &fault, &msg);
	conn_reply_value(c, v, fault, msg != NULL ? msg : "");
	reloc_xv_free(v);
	free(msg);
}

/* A parked xrelocd.job.wait saw no change in time. */
static void
conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_answer(arg);
}

int
control_conn_park(struct ctl_conn *c, struct job *j, enum ctl_wait wait,
    int timeout_s)
{
	struct timeval	tv = { timeout_s, 0 };

	if (wait == CTL_WAIT_CHANGE) {
		c->timer = evtimer_new(c->x->base, conn_timeout_cb, c);
		if (c->timer == NULL || evtimer_add(c->timer, &tv) == -1) {
			conn_unpark(c);
			return -1;
		}
	}
	c->waiting = j;
	c->wait = wait;
	j->waiters++;
	/* Parked on purpose: only its client going away closes it. */
	conn_deadline(c, false);
	log_debug("control", "a call waits for job %u to %s", j->rec.job,
	    wait == CTL_WAIT_CHANGE ? "change" : wait == CTL_WAIT_END ?
	    "end" : "be recovered");
	return 0;
}

void
control_job_changed(struct xrelocd *x, struct job *j)
{
	struct ctl_conn	*c, *tmp;

	(void)x;
	TAILQ_FOREACH_SAFE(c, &conns, entry, tmp)
		if (c->waiting == j && control_parked_ready(j, c->wait))
			conn_answer(c);
}
