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
 * Inside a worker process: keep only the fds it needs, open a fresh
 * backend instance, run one side of a migration, report events to the
 * parent as protocol messages, and _exit with the outcome.
 */

#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xrelocd.h"
#include "log.h"

#define STATUS_FD	3
#define CONN_FD		4

/* Move the fds we keep to 3 (and 4), close every other one. */
static void
keep_fds(int statusfd, int connfd)
{
	int	s, c = -1;

	if ((s = fcntl(statusfd, F_DUPFD_CLOEXEC, 64)) == -1 ||
	    (connfd != -1 && (c = fcntl(connfd, F_DUPFD_CLOEXEC, 64)) == -1))
		_exit(WORKER_EXIT_SETUP);
	if (dup2(s, STATUS_FD) == -1 ||
	    (c != -1 && dup2(c, CONN_FD) == -1))
		_exit(WORKER_EXIT_SETUP);
	close_range(c != -1 ? CONN_FD + 1 : STATUS_FD + 1, ~0U, 0);
}

/* One record to the parent, whole, on the worker channel. */
static void
send_record(const struct reloc_record *r, void *arg)
{
	struct reloc_sxp	*msg = NULL;
	uint8_t			*buf = NULL;
	size_t			 len, off = 0;
	ssize_t			 n;

	(void)arg;
	if (reloc_record_to_sxp(r, &msg) < 0 ||
	    reloc_wchan_encode(RELOC_WMSG_RECORD, msg, &buf, &len) < 0)
		goto out;
	/* The parent may be gone (a restart): the journal has it all. */
	while (off < len) {
		if ((n = write(STATUS_FD, buf + off, len - off)) <= 0)
			break;
		off += (size_t)n;
	}
out:
	free(buf);
	reloc_sxp_free(msg);
}

static void
ev_record(const struct reloc_record *r, void *arg)
{
	if (r->domain[0] != '\0')
		xrelocd_log_tag("worker[%s]", r->domain);
	send_record(r, arg);
}

static const struct reloc_migrate_events events = {
	.record = ev_record,
};

/* Wait for the parent to journal us (one byte); nothing before that. */
static void
wait_release(void)
{
	char	c;

	if (read(STATUS_FD, &c, 1) != 1)
		_exit(WORKER_EXIT_SETUP);
}

/* This process holds the record from now on. */
static void
hold_record(struct reloc_record *r)
{
	r->pid = getpid();
	r->pid_start = reloc_pid_start(getpid());
}

static void *
child_backend(struct xrelocd *x)
{
	void	*priv = NULL;
	int	 rc;

	if ((rc = x->hv->open(x->conf, &priv)) < 0) {
		log_errx("worker", "cannot open the %s backend: %s",
		    x->hv->name, reloc_strerror(rc));
		_exit(WORKER_EXIT_SETUP);
	}
	return priv;
}

static int
outcome_exit(enum reloc_outcome o)
{
	return o == RELOC_OUT_MOVED ? WORKER_EXIT_MOVED :
	    o == RELOC_OUT_UNKNOWN ? WORKER_EXIT_UNKNOWN : WORKER_EXIT_FAILED;
}

static void
recover_opts(struct xrelocd *x, void *priv, struct reloc_recover_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->hv = x->hv;
	ro->priv = priv;
	ro->journal_dir = x->state_dir;
	ro->timeout_ms = (int)reloc_conf_int(x->conf, RELOC_CK_IO_TIMEOUT) *
	    1000;
	ro->changed = send_record;
}

void
worker_child_source(struct xrelocd *x, struct job *j, int statusfd)
{
	struct reloc_migrate_result	res;
	struct reloc_migrate_opts	o;
	struct reloc_recover_opts	ro;
	struct reloc_record		*r = &j->rec;
	void				*priv;

	keep_fds(statusfd, -1);
	wait_release();
	xrelocd_log_tag("worker[%s]", r->domain);
	hold_record(r);
	priv = child_backend(x);
	memset(&o, 0, sizeof(o));
	/* The domain the job holds, not a name that may change meanwhile. */
	o.domain = r->domain_uuid;
	o.host = r->peer;
	o.port = r->port;
	o.live = r->live;
	o.check_only = r->check;
	o.force = (const char *const *)r->force;
	o.nr_force = r->nr_force;
	o.rate_mbps = r->rate_mbps;
	if (reloc_codec_parse(r->compression, &o.codec) < 0)
		o.codec = RELOC_CODEC_NONE;
	o.max_rounds = (unsigned)reloc_conf_int(x->conf, RELOC_CK_MAX_ROUNDS);
	o.max_downtime_ms = r->max_downtime_ms;
	o.budget_timeout_s = r->timeout_s;
	o.timeout_ms = (int)reloc_conf_int(x->conf, RELOC_CK_IO_TIMEOUT) * 1000;
	o.local_family = x->reloc.family;
	o.ev = &events;
	o.rec = r;
	o.journal_dir = x->state_dir;
	o.ssl = r->ssl;
	o.tls_ctx = x->tls_ctx;
	o.streams = r->streams != 0 ? r->streams :
	    (unsigned)reloc_conf_int(x->conf, RELOC_CK_STREAMS);
	if (reloc_migrate_source(x->hv, priv, &o, &res) < 0)
		_exit(WORKER_EXIT_SETUP);
	/* Nothing moved: the daemon queues the job to try again. */
	if (res.busy) {
		x->hv->close(priv);
		_exit(WORKER_EXIT_BUSY);
	}
	/* The handover broke after GO: ask the target until it answers. */
	if (!reloc_record_final(r)) {
		recover_opts(x, priv, &ro);
		ro.tls_ctx = r->ssl ? x->tls_ctx : NULL;
		(void)reloc_recover(&ro, r);
	}
	x->hv->close(priv);
	_exit(outcome_exit(reloc_record_final(r) ?
	    (enum reloc_outcome)r->outcome : RELOC_OUT_UNKNOWN));
}

/*
 * Carry a record to its end: a dead worker's, one found at start-up, or
 * the admin's xm recover (one QUERY, then the admin's word).
 */
void
worker_child_recover(struct xrelocd *x, struct job *j, int statusfd)
{
	struct reloc_recover_opts	 ro;
	struct reloc_record		*r = &j->rec;
	void				*priv;
	int				 rc;

	keep_fds(statusfd, -1);
	wait_release();
	xrelocd_log_tag("recover[%s]", r->domain);
	hold_record(r);
	priv = child_backend(x);
	recover_opts(x, priv, &ro);
	/* The journal says (a record from before it did: the mode). */
	if (r->ssl || tlsctx_mode(x->conf) == RELOC_TLS_REQUIRED)
		ro.tls_ctx = x->tls_ctx;
	ro.admin = j->admin.asked;
	ro.force = j->admin.force;
	ro.max_queries = j->admin.asked ? 1 : 0;
	rc = reloc_recover(&ro, r);
	if (rc == RELOC_ERR_DENIED)
		send_record(r, NULL);
	x->hv->close(priv);
	if (rc == RELOC_ERR_DENIED)
		_exit(WORKER_EXIT_DENIED);
	_exit(outcome_exit(reloc_record_final(r) ?
	    (enum reloc_outcome)r->outcome : RELOC_OUT_UNKNOWN));
}

/*
 * Ask the daemon for an incoming slot for migration id (high: HELLO's
 * priority): its one-byte answer, or 0.
 */
static char
ask_admit(const char *id, bool high, int timeout_ms)
{
	struct pollfd		 pfd = { STATUS_FD, POLLIN, 0 };
	struct reloc_sxp	*body = NULL, *head;
	uint8_t			*buf = NULL;
	size_t			 len, off = 0;
	ssize_t			 n;
	char			 c = 0;

	if (reloc_sxp_new_list(&body) < 0 ||
	    reloc_sxp_new_atom("admit", 5, &head) < 0 ||
	    reloc_sxp_append(body, head) < 0 ||
	    (id[0] != '\0' && reloc_sxp_add_str(body, "migration", id) < 0) ||
	    reloc_sxp_add_str(body, "priority", high ? "high" : "standard") <
	    0 || reloc_wchan_encode(RELOC_WMSG_ADMIT, body, &buf, &len) < 0) {
		reloc_sxp_free(body);
		return 0;
	}
	reloc_sxp_free(body);
	while (off < len && (n = write(STATUS_FD, buf + off, len - off)) > 0)
		off += (size_t)n;
	free(buf);
	if (off == len && poll(&pfd, 1, timeout_ms) == 1 &&
	    read(STATUS_FD, &c, 1) != 1)
		c = 0;
	return c;
}

/* reloc_target_opts.admit: the daemon counts the incoming migrations. */
static int
child_admit(void *arg, const char *id, bool high, char *why, size_t len)
{
	struct xrelocd	*x = arg;
	char		 host[256];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "the target");
	host[sizeof(host) - 1] = '\0';
	switch (ask_admit(id, high, (int)reloc_conf_int(x->conf,
	    RELOC_CK_IO_TIMEOUT) * 1000)) {
	case WORKER_ADMIT_YES:
		return 0;
	case WORKER_ADMIT_HOST:
		snprintf(why, len, "%s receives as many migrations as it "
		    "takes at once (xrelocd-max-incoming %ld)%s", host,
		    reloc_conf_int(x->conf, RELOC_CK_MAX_INCOMING), high ?
		    "; as this one is high priority, it has the next free "
		    "slot" : "");
		break;
	case WORKER_ADMIT_PEER:
		snprintf(why, len, "%s receives as many migrations from this "
		    "host as it takes at once (xrelocd-max-incoming-per-peer "
		    "%ld)%s", host, reloc_conf_int(x->conf,
		    RELOC_CK_MAX_INCOMING_PER_PEER), high ? "; as this one "
		    "is high priority, it has the next free slot" : "");
		break;
	case WORKER_ADMIT_KEPT:
		snprintf(why, len, "%s keeps its free slots for high-priority "
		    "migrations told busy before this one "
		    "(xrelocd-max-incoming %ld)", host,
		    reloc_conf_int(x->conf, RELOC_CK_MAX_INCOMING));
		break;
	default:
		snprintf(why, len, "%s's xrelocd did not count its incoming "
		    "migrations in time (restarting?)", host);
		break;
	}
	return RELOC_ERR_BUSY;
}

/*
 * reloc_target_opts.joined: the connection is an extra stream, no
 * migration; the daemon stops its HELLO clock, and logs a refusal with
 * its rate limit.
 */
static void
child_joined(void *arg, const char *refused)
{
	struct reloc_sxp	*body = NULL, *head;
	uint8_t			*buf = NULL;
	size_t			 len, off = 0;
	ssize_t			 n;

	(void)arg;
	if (reloc_sxp_new_list(&body) < 0 ||
	    reloc_sxp_new_atom("joined", 6, &head) < 0 ||
	    reloc_sxp_append(body, head) < 0 || (refused != NULL &&
	    reloc_sxp_add_str(body, "refused", refused) < 0) ||
	    reloc_wchan_encode(RELOC_WMSG_JOINED, body, &buf, &len) < 0)
		goto out;
	while (off < len && (n = write(STATUS_FD, buf + off, len - off)) > 0)
		off += (size_t)n;
out:
	free(buf);
	reloc_sxp_free(body);
}

/*
 * Before HELLO and before the backend: go on over the TLS session the
 * daemon's event loop started and checked (listen_tls.c).  A plain
 * connection in the required mode never gets here: the daemon refused
 * it.  Returns only to go on.
 */
static void
target_gate(struct reloc_chan *chan, struct reloc_tls *tls)
{
	if (tls != NULL && reloc_chan_adopt_tls(chan, tls) < 0)
		_exit(WORKER_EXIT_SETUP);
}

void
worker_child_target(struct xrelocd *x, int fd, const char *peer,
    int statusfd, struct reloc_tls *tls)
{
	struct reloc_migrate_result	 res;
	struct reloc_target_opts	 o;
	struct reloc_record		 r;
	struct reloc_chan		*chan = NULL;
	void				*priv;
	int				 rc;

	keep_fds(statusfd, fd);
	reloc_record_init(&r, RELOC_ROLE_TARGET);
	snprintf(r.peer, sizeof(r.peer), "%s", peer);
	hold_record(&r);
	xrelocd_log_tag("worker[%s]", peer);
	memset(&o, 0, sizeof(o));
	o.hello_timeout_ms =
	    (int)reloc_conf_int(x->conf, RELOC_CK_HELLO_TIMEOUT) * 1000;
	o.timeout_ms = (int)reloc_conf_int(x->conf, RELOC_CK_IO_TIMEOUT) * 1000;
	if ((rc = reloc_chan_new(CONN_FD, peer, o.timeout_ms, &chan)) < 0)
		_exit(WORKER_EXIT_SETUP);
	target_gate(chan, tls);
	priv = child_backend(x);
	o.local_family = x->reloc.family;
	o.ev = &events;
	o.rec = &r;
	o.journal_dir = x->state_dir;
	o.admit = child_admit;
	o.admit_arg = x;
	o.streams_max = (unsigned)reloc_conf_int(x->conf, RELOC_CK_STREAMS);
	o.lane_dir = x->lane_dir;
	o.joined = child_joined;
	if (reloc_conf_bool(x->conf, RELOC_CK_AUTO_TUNNEL))
		o.tunnel_script = reloc_conf_str(x->conf,
		    RELOC_CK_TUNNEL_SCRIPT);
	if (reloc_migrate_target(x->hv, priv, chan, &o, &res) < 0)
		_exit(WORKER_EXIT_SETUP);
	reloc_chan_free(chan);
	x->hv->close(priv);
	_exit(outcome_exit(res.outcome));
}
