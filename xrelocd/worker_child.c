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

static void
send_status(enum reloc_msg_type type, struct reloc_sxp *msg)
{
	uint8_t	*buf = NULL;
	size_t	 len, off = 0;
	ssize_t	 n;

	if (msg == NULL || reloc_proto_encode(type, msg, &buf, &len) < 0)
		goto out;
	while (off < len) {
		if ((n = write(STATUS_FD, buf + off, len - off)) <= 0)
			break;
		off += (size_t)n;
	}
out:
	free(buf);
	reloc_sxp_free(msg);
}

static struct reloc_sxp *
status_new(enum reloc_msg_type type, const char *kind)
{
	struct reloc_sxp	*msg = NULL, *head = NULL;
	const char		*name = reloc_msg_name(type);

	if (reloc_sxp_new_list(&msg) < 0)
		return NULL;
	if (reloc_sxp_new_atom(name, strlen(name), &head) < 0 ||
	    reloc_sxp_append(msg, head) < 0 ||
	    (kind != NULL && reloc_sxp_add_str(msg, "kind", kind) < 0)) {
		reloc_sxp_free(msg);
		return NULL;
	}
	return msg;
}

static void
ev_state(enum reloc_mstate st, const char *domain, uint32_t domid, void *arg)
{
	struct reloc_sxp	*msg = status_new(RELOC_MSG_PROGRESS, "state");

	(void)arg;
	if (msg != NULL && (reloc_sxp_add_str(msg, "state",
	    reloc_mstate_name(st)) < 0 || (domain != NULL &&
	    reloc_sxp_add_str(msg, "domain", domain) < 0) ||
	    (domid != RELOC_DOMID_NONE &&
	    reloc_sxp_add_u64(msg, "domid", domid) < 0))) {
		reloc_sxp_free(msg);
		return;
	}
	if (domain != NULL)
		xrelocd_log_tag("worker[%s]", domain);
	send_status(RELOC_MSG_PROGRESS, msg);
}

static void
ev_progress(const struct reloc_progress *p, void *arg)
{
	struct reloc_sxp	*msg = status_new(RELOC_MSG_PROGRESS,
				    "progress");

	(void)arg;
	if (msg == NULL || reloc_sxp_add_str(msg, "phase",
	    p->phase == RELOC_PP_PRECOPY ? "precopy" :
	    p->phase == RELOC_PP_SUSPENDED ? "suspended" : "done") < 0 ||
	    reloc_sxp_add_u64(msg, "round", p->round) < 0 ||
	    reloc_sxp_add_u64(msg, "sent-bytes", p->sent_bytes) < 0 ||
	    reloc_sxp_add_u64(msg, "remaining-pages", p->remaining_pages) < 0 ||
	    reloc_sxp_add_u64(msg, "total-pages", p->total_pages) < 0 ||
	    reloc_sxp_add_u64(msg, "rate-bps", p->rate_bps) < 0 ||
	    reloc_sxp_add_u64(msg, "dirty-pps", p->dirty_pps) < 0) {
		reloc_sxp_free(msg);
		return;
	}
	send_status(RELOC_MSG_PROGRESS, msg);
}

static void
ev_verdict(const struct reloc_verdict *v, void *arg)
{
	struct reloc_sxp	*msg = status_new(RELOC_MSG_PROGRESS, "verdict");
	struct reloc_sxp	*f = NULL;

	(void)arg;
	if (msg == NULL || reloc_verdict_to_sxp(v, &f) < 0 ||
	    reloc_sxp_append(msg, f) < 0) {
		reloc_sxp_free(msg);
		return;
	}
	send_status(RELOC_MSG_PROGRESS, msg);
}

static const struct reloc_migrate_events events = {
	.state = ev_state,
	.progress = ev_progress,
	.verdict = ev_verdict,
};

static void
send_result(const struct reloc_migrate_result *res)
{
	struct reloc_sxp	*msg = status_new(RELOC_MSG_RESULT, NULL);
	const struct reloc_summary *s = &res->summary;

	if (msg == NULL || reloc_sxp_add_u64(msg, "outcome", res->outcome) < 0 ||
	    reloc_sxp_add_str(msg, "state",
	    reloc_mstate_name(res->last_state)) < 0 ||
	    reloc_sxp_add_str(msg, "message", res->message) < 0 ||
	    reloc_sxp_add_str(msg, "was-paused",
	    res->was_paused ? "yes" : "no") < 0 ||
	    reloc_sxp_add_u64(msg, "total-ms", s->total_ms) < 0 ||
	    reloc_sxp_add_u64(msg, "downtime-us",
	    (uint64_t)(s->downtime_ms * 1000.0)) < 0 ||
	    reloc_sxp_add_u64(msg, "bytes", s->bytes) < 0 ||
	    reloc_sxp_add_u64(msg, "rounds", s->rounds) < 0 ||
	    reloc_sxp_add_u64(msg, "memory-bytes", s->memory_bytes) < 0) {
		reloc_sxp_free(msg);
		return;
	}
	send_status(RELOC_MSG_RESULT, msg);
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

void
worker_child_source(struct xrelocd *x, struct job *j, int statusfd)
{
	struct reloc_migrate_result	res;
	struct reloc_migrate_opts	o;
	void				*priv;

	keep_fds(statusfd, -1);
	xrelocd_log_tag("worker[%s]", j->o.domain);
	priv = child_backend(x);
	memset(&o, 0, sizeof(o));
	/* The domain the job holds, not a name that may change meanwhile. */
	o.domain = j->o.uuid;
	o.host = j->o.host;
	o.port = j->o.port;
	o.live = j->o.live;
	o.check_only = j->o.check;
	o.force = (const char *const *)j->o.force;
	o.nr_force = j->o.nr_force;
	o.rate_mbps = j->o.rate_mbps;
	o.max_rounds = (unsigned)reloc_conf_int(x->conf, RELOC_CK_MAX_ROUNDS);
	o.timeout_ms = (int)reloc_conf_int(x->conf, RELOC_CK_IO_TIMEOUT) * 1000;
	o.local_family = x->reloc.family;
	o.ev = &events;
	if (reloc_migrate_source(x->hv, priv, &o, &res) < 0)
		_exit(WORKER_EXIT_SETUP);
	send_result(&res);
	x->hv->close(priv);
	_exit(outcome_exit(res.outcome));
}

/*
 * The address alone did not admit the peer but a name pattern may: look
 * the name up (blocking, so here and not in the daemon) before reading.
 */
static void
check_peer_name(struct xrelocd *x, const char *peer)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			*name = NULL;
	bool			 ok;

	if (getpeername(CONN_FD, (struct sockaddr *)&ss, &len) == -1)
		_exit(WORKER_EXIT_FAILED);
	reloc_allow_confirmed_name((struct sockaddr *)&ss, len, &name);
	ok = name != NULL && reloc_allow_match(reloc_conf_allow(x->conf),
	    (struct sockaddr *)&ss, len, name);
	if (!ok) {
		log_warnx("listen", "refused connection from %s%s%s%s: not in "
		    "xend-relocation-hosts-allow", peer, name != NULL ? " (" :
		    "", name != NULL ? name : "", name != NULL ? ")" : "");
		_exit(WORKER_EXIT_FAILED);
	}
	log_info("listen", "admitted %s as %s", peer, name);
	free(name);
}

void
worker_child_target(struct xrelocd *x, int fd, const char *peer,
    bool check_name, int statusfd)
{
	struct reloc_migrate_result	 res;
	struct reloc_target_opts	 o;
	struct reloc_chan		*chan = NULL;
	void				*priv;
	int				 rc;

	keep_fds(statusfd, fd);
	xrelocd_log_tag("worker[%s]", peer);
	if (check_name)
		check_peer_name(x, peer);
	priv = child_backend(x);
	memset(&o, 0, sizeof(o));
	o.hello_timeout_ms =
	    (int)reloc_conf_int(x->conf, RELOC_CK_HELLO_TIMEOUT) * 1000;
	o.timeout_ms = (int)reloc_conf_int(x->conf, RELOC_CK_IO_TIMEOUT) * 1000;
	o.local_family = x->reloc.family;
	o.ev = &events;
	if (reloc_conf_bool(x->conf, RELOC_CK_AUTO_TUNNEL))
		o.tunnel_script = reloc_conf_str(x->conf,
		    RELOC_CK_TUNNEL_SCRIPT);
	if ((rc = reloc_chan_new(CONN_FD, peer, o.timeout_ms, &chan)) < 0)
		_exit(WORKER_EXIT_SETUP);
	if (reloc_migrate_target(x->hv, priv, chan, &o, &res) < 0)
		_exit(WORKER_EXIT_SETUP);
	send_result(&res);
	reloc_chan_free(chan);
	x->hv->close(priv);
	_exit(outcome_exit(res.outcome));
}
