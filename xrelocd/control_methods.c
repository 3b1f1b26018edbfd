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
 * The control socket's methods: xend's xend.domain.migrate, and ours to
 * start a migration with options, follow jobs, list and recover domains.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>

#include "xrelocd.h"
#include "log.h"

#define FAULT_FAILED	1
#define FAULT_REQUEST	2
#define FAULT_UNKNOWN	3
#define FAULT_NOENT	4

struct call {
	struct xrelocd		*x;
	struct ctl_conn		*c;
	const struct reloc_xv	*params;
	struct reloc_xv		*result;
	int			 fault;
	char			*fault_msg;
};

static int
call_fault(struct call *k, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
call_fault(struct call *k, int code, const char *fmt, ...)
{
	va_list	ap;

	free(k->fault_msg);	/* the last fault stands */
	va_start(ap, fmt);
	if (vasprintf(&k->fault_msg, fmt, ap) == -1)
		k->fault_msg = NULL;
	va_end(ap);
	k->fault = code;
	return -1;
}

static const struct reloc_xv *
param(const struct call *k, size_t i)
{
	return reloc_xv_nth(k->params, i, NULL);
}

static int
check_options(struct call *k, const struct job_opts *o, bool ssl, long node)
{
	const char *const	*names = reloc_precheck_names();
	size_t			 i, n;

	if (ssl)
		return call_fault(k, FAULT_REQUEST, "TLS relocation (-s) is "
		    "not available in this xrelocd: migrate without -s");
	if (node != -1)
		return call_fault(k, FAULT_REQUEST, "-n NODE (NUMA node on "
		    "the target) is not supported: migrate without -n");
	for (i = 0; i < o->nr_force; i++) {
		for (n = 0; names[n] != NULL; n++)
			if (strcmp(names[n], o->force[i]) == 0)
				break;
		if (names[n] == NULL)
			return call_fault(k, FAULT_REQUEST, "--force %s: no "
			    "such check (see xm(1), PRECHECKS)", o->force[i]);
		if (!reloc_precheck_forcible(o->force[i]))
			return call_fault(k, FAULT_REQUEST, "--force %s: this "
			    "check cannot be overridden", o->force[i]);
	}
	return 0;
}

static int
opts_port(struct xrelocd *x, struct job_opts *o, int64_t port)
{
	if (port <= 0)
		port = reloc_conf_int(x->conf, RELOC_CK_RELOCATION_PORT);
	if (port > 65535)
		return -1;
	return asprintf(&o->port, "%lld", (long long)port) < 0 ? -1 : 0;
}

/*
 * Queue the job for the domain the user named, by its uuid: whatever was
 * typed (name, domid, uuid), a domain a queued or running job holds is
 * refused, as a failed migration.
 */
static int
submit(struct call *k, struct job_opts *o, struct job **job_r)
{
	struct job	*held;
	int		 rc;

	if (k->x->stopping)
		return call_fault(k, FAULT_FAILED, "cannot queue the "
		    "migration: xrelocd is stopping");
	if ((rc = job_resolve(k->x, o)) == RELOC_ERR_NOENT)
		return call_fault(k, FAULT_NOENT, "no domain %s on this host: "
		    "see xm list", o->domain);
	if (rc < 0)
		return call_fault(k, FAULT_FAILED, "cannot look up domain %s: "
		    "%s", o->domain, reloc_strerror(rc));
	if ((held = job_holding(k->x, o->uuid)) != NULL)
		return call_fault(k, FAULT_FAILED, "%s (uuid %s) is already "
		    "being migrated to %s by job %u; wait for it to end (xm "
		    "jobs)", held->rec.domain, held->rec.domain_uuid,
		    held->rec.peer, held->rec.job);
	if ((rc = job_submit(k->x, o, job_r)) < 0)
		return call_fault(k, FAULT_FAILED, "cannot queue the "
		    "migration: %s", reloc_strerror(rc));
	return 0;
}

/* xend.domain.migrate(dom, dst, live, port, node, ssl, chs): blocks. */
static int
m_xend_migrate(struct call *k)
{
	struct job_opts	 o;
	struct job	*j;
	const char	*dom = reloc_xv_get_string(param(k, 0));
	const char	*dst = reloc_xv_get_string(param(k, 1));
	int64_t		 port = 0, node = -1;
	bool		 live = false, ssl = false;

	if (dom == NULL || dst == NULL)
		return call_fault(k, FAULT_REQUEST, "xend.domain.migrate "
		    "takes (domain, destination, live, port, node, ssl, chs)");
	reloc_xv_get_bool(param(k, 2), &live);
	reloc_xv_get_int(param(k, 3), &port);
	reloc_xv_get_int(param(k, 4), &node);
	reloc_xv_get_bool(param(k, 5), &ssl);
	memset(&o, 0, sizeof(o));
	o.live = live;
	if ((o.domain = strdup(dom)) == NULL || (o.host = strdup(dst)) == NULL)
		call_fault(k, FAULT_FAILED, "out of memory");
	else if (port > 65535)
		call_fault(k, FAULT_REQUEST, "port %lld out of range",
		    (long long)port);
	else if (opts_port(k->x, &o, port) < 0)
		call_fault(k, FAULT_FAILED, "out of memory");
	else if (check_options(k, &o, ssl, node) == 0 &&
	    submit(k, &o, &j) == 0) {
		/* A job whose worker could not start has ended already. */
		if (control_parked_ready(j, CTL_WAIT_END))
			control_parked_answer(j, CTL_WAIT_END, &k->result,
			    &k->fault, &k->fault_msg);
		else if (control_conn_park(k->c, j, CTL_WAIT_END, 0) < 0)
			call_fault(k, FAULT_FAILED, "out of memory");
	}
	job_opts_dispose(&o);
	return k->fault != 0 ? -1 : 0;
}

static int
opts_force(struct job_opts *o, const struct reloc_xv *force)
{
	const char	*name;
	size_t		 i, n = reloc_xv_len(force);

	if (force == NULL || n == 0)
		return 0;
	if ((o->force = calloc(n, sizeof(*o->force))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((name = reloc_xv_get_string(reloc_xv_nth(force, i,
		    NULL))) == NULL || (o->force[i] = strdup(name)) == NULL)
			return -1;
		o->nr_force++;
	}
	return 0;
}

static int
opts_from_struct(struct call *k, const struct reloc_xv *st,
    struct job_opts *o, bool *ssl_r, int64_t *node_r)
{
	const char	*dom = reloc_xv_member_string(st, "domain");
	const char	*host = reloc_xv_member_string(st, "host");
	const char	*prio = reloc_xv_member_string(st, "priority");
	int64_t		 port = 0, rate = 0;

	if (dom == NULL || host == NULL)
		return call_fault(k, FAULT_REQUEST, "xrelocd.migrate needs "
		    "domain and host");
	reloc_xv_member_bool(st, "live", &o->live);
	reloc_xv_member_bool(st, "check", &o->check);
	reloc_xv_member_bool(st, "ssl", ssl_r);
	reloc_xv_member_int(st, "node", node_r);
	reloc_xv_member_int(st, "port", &port);
	reloc_xv_member_int(st, "rate", &rate);
	if (rate < 0 || rate > 1000000)
		return call_fault(k, FAULT_REQUEST, "rate %lld MB/s out of "
		    "range 0..1000000", (long long)rate);
	o->rate_mbps = (unsigned)rate;
	if (prio != NULL && strcmp(prio, "high") != 0 &&
	    strcmp(prio, "standard") != 0)
		return call_fault(k, FAULT_REQUEST, "priority '%s': use high "
		    "or standard", prio);
	o->high = prio != NULL && strcmp(prio, "high") == 0;
	if (port > 65535)
		return call_fault(k, FAULT_REQUEST, "port %lld out of range",
		    (long long)port);
	if ((o->domain = strdup(dom)) == NULL ||
	    (o->host = strdup(host)) == NULL ||
	    opts_force(o, reloc_xv_member(st, "force")) < 0 ||
	    opts_port(k->x, o, port) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/* xrelocd.migrate(struct opts) -> {job} */
static int
m_migrate(struct call *k)
{
	struct job_opts	 o;
	struct job	*j;
	bool		 ssl = false;
	int64_t		 node = -1;

	memset(&o, 0, sizeof(o));
	if (opts_from_struct(k, param(k, 0), &o, &ssl, &node) < 0 ||
	    check_options(k, &o, ssl, node) < 0 || submit(k, &o, &j) < 0) {
		job_opts_dispose(&o);
		return -1;
	}
	if (reloc_xv_new_struct(&k->result) < 0 ||
	    reloc_xv_struct_set_int(k->result, "job", j->rec.job) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/* The job's change counter as an XML-RPC int (i4): it wraps to 0. */
static int64_t
job_version(const struct job *j)
{
	return (int64_t)(j->version & INT32_MAX);
}

/* The job's record, the way xm and scripts read it, and its version. */
static int
job_xv(const struct job *j, struct reloc_xv **st_r)
{
	if (reloc_record_to_xv(&j->rec, st_r) < 0)
		return -1;
	if (reloc_xv_struct_set_int(*st_r, "version", job_version(j)) < 0) {
		reloc_xv_free(*st_r);
		*st_r = NULL;
		return -1;
	}
	return 0;
}

/* xrelocd.job.status(job) */
static int
m_job_status(struct call *k)
{
	struct job	*j;
	int64_t		 id;

	if (reloc_xv_get_int(param(k, 0), &id) < 0)
		return call_fault(k, FAULT_REQUEST, "xrelocd.job.status takes "
		    "a job number");
	if (id < 0 || id > UINT32_MAX || (j = job_find(k->x, (unsigned)id))
	    == NULL)
		return call_fault(k, FAULT_NOENT, "no job %lld", (long long)id);
	if (job_xv(j, &k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/* xrelocd.job.wait's timeout: 1..300 seconds, 0 or none for 60. */
static int
wait_timeout(struct call *k, const struct reloc_xv *p, int *timeout_r)
{
	int64_t	t = 0;

	if (p != NULL && reloc_xv_get_int(p, &t) < 0)
		return call_fault(k, FAULT_REQUEST, "xrelocd.job.wait: timeout "
		    "must be a number of seconds from 1 to 300");
	if (t < 0 || t > 300)
		return call_fault(k, FAULT_REQUEST, "xrelocd.job.wait: timeout "
		    "%lld out of range: give 1 to 300 seconds (0 for 60)",
		    (long long)t);
	*timeout_r = t == 0 ? 60 : (int)t;
	return 0;
}

/*
 * xrelocd.job.wait(job, seen, timeout): the job's struct once its version
 * differs from SEEN, at once if it has or if the job has ended, else when
 * it changes or after TIMEOUT seconds (the same version then).
 */
static int
m_job_wait(struct call *k)
{
	struct job	*j;
	int64_t		 id, seen;
	int		 timeout = 60;

	if (reloc_xv_get_int(param(k, 0), &id) < 0 ||
	    reloc_xv_get_int(param(k, 1), &seen) < 0)
		return call_fault(k, FAULT_REQUEST, "xrelocd.job.wait takes "
		    "(job, seen version, timeout in seconds)");
	if (wait_timeout(k, param(k, 2), &timeout) < 0)
		return -1;
	if (id < 0 || id > UINT32_MAX || (j = job_find(k->x, (unsigned)id))
	    == NULL)
		return call_fault(k, FAULT_NOENT, "no job %lld", (long long)id);
	if (j->phase != JOB_ENDED && seen == job_version(j)) {
		if (control_conn_park(k->c, j, CTL_WAIT_CHANGE, timeout) < 0)
			return call_fault(k, FAULT_FAILED, "out of memory");
		return 0;
	}
	if (job_xv(j, &k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

bool
control_parked_ready(const struct job *j, enum ctl_wait wait)
{
	switch (wait) {
	case CTL_WAIT_CHANGE:
		return true;
	case CTL_WAIT_RECOVER:
		return j->admin.ended;
	case CTL_WAIT_END:
		break;
	}
	return reloc_record_final(&j->rec) ||
	    (j->rec.state == RELOC_MS_RESOLVING &&
	    j->rec.queries >= RELOC_RECORD_QUERIES_TOLD);
}

void
control_parked_answer(const struct job *j, enum ctl_wait wait,
    struct reloc_xv **result_r, int *fault_r, char **fault_msg_r)
{
	const struct reloc_record	*r = &j->rec;
	int				 rc;

	*result_r = NULL;
	*fault_r = 0;
	*fault_msg_r = NULL;
	if (wait == CTL_WAIT_CHANGE)
		rc = job_xv(j, result_r);
	else if (wait == CTL_WAIT_RECOVER && (j->admin.denied ||
	    !reloc_record_final(r) || r->outcome != RELOC_OUT_FAILED)) {
		*fault_r = FAULT_FAILED;
		rc = (*fault_msg_r = strdup(r->message)) == NULL ? -1 : 0;
	} else if (wait == CTL_WAIT_END && !reloc_record_final(r)) {
		*fault_r = FAULT_UNKNOWN;
		rc = asprintf(fault_msg_r, "%s; xrelocd keeps asking: see 'xm "
		    "jobs'", r->message);
	} else if (wait == CTL_WAIT_END && r->outcome != RELOC_OUT_MOVED) {
		*fault_r = r->outcome;
		rc = (*fault_msg_r = strdup(r->message)) == NULL ? -1 : 0;
	} else
		rc = reloc_xv_new_int(0, result_r);
	if (rc < 0) {
		*fault_r = FAULT_FAILED;
		*fault_msg_r = strdup("out of memory");
	}
}

/* xrelocd.job.list() */
static int
m_job_list(struct call *k)
{
	struct job	*j;
	struct reloc_xv	*st;

	if (reloc_xv_new_array(&k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	TAILQ_FOREACH(j, &k->x->jobs, entry) {
		if (job_xv(j, &st) < 0 || reloc_xv_array_append(k->result,
		    st) < 0)
			return call_fault(k, FAULT_FAILED, "out of memory");
	}
	return 0;
}

static int
domain_xv(const struct reloc_domain *d, struct reloc_xv **st_r)
{
	struct reloc_xv	*st = NULL;

	if (reloc_xv_new_struct(&st) < 0)
		return -1;
	if (reloc_xv_struct_set_string(st, "name", d->name) < 0 ||
	    reloc_xv_struct_set_int(st, "domid", d->domid) < 0 ||
	    reloc_xv_struct_set_i8(st, "memory_mb",
	    (int64_t)(d->memory_kb / 1024)) < 0 ||
	    reloc_xv_struct_set_int(st, "vcpus", d->vcpus) < 0 ||
	    reloc_xv_struct_set_string(st, "state",
	    reloc_dom_state_name(d->state)) < 0 ||
	    reloc_xv_struct_set_string(st, "type",
	    reloc_dom_type_name(d->type)) < 0) {
		reloc_xv_free(st);
		return -1;
	}
	*st_r = st;
	return 0;
}

/* xrelocd.domain.list() */
static int
m_domain_list(struct call *k)
{
	struct reloc_domain	*doms = NULL;
	struct reloc_xv		*st;
	size_t			 n = 0, i;
	int			 rc;

	if ((rc = k->x->hv->list(k->x->hv_priv, &doms, &n)) < 0)
		return call_fault(k, FAULT_FAILED, "cannot list domains: %s",
		    reloc_strerror(rc));
	rc = reloc_xv_new_array(&k->result);
	for (i = 0; i < n; i++) {
		if (rc == 0 && (rc = domain_xv(&doms[i], &st)) == 0)
			rc = reloc_xv_array_append(k->result, st);
		reloc_domain_dispose(&doms[i]);
	}
	free(doms);
	return rc < 0 ? call_fault(k, FAULT_FAILED, "out of memory") : 0;
}

/* The newest source job of the domain called name that may need it. */
static struct job *
recover_job(struct xrelocd *x, const char *name)
{
	struct job	*j, *found = NULL;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->rec.role == RELOC_ROLE_SOURCE &&
		    (strcmp(j->rec.domain, name) == 0 ||
		    strcasecmp(j->rec.domain_uuid, name) == 0) &&
		    (!reloc_record_final(&j->rec) ||
		    j->rec.outcome == RELOC_OUT_UNKNOWN))
			found = j;
	return found;
}

/*
 * With a record: the recovery worker asks the target once and then does
 * what the admin says, unless the target took the domain (or is still
 * deciding) and force is not given.  A worker still handing the domain
 * over refuses; one that only waits for the target's answer gives way.
 */
static int
recover_by_record(struct call *k, struct job *j, bool force)
{
	struct worker	*w = j->worker;

	if (w != NULL && w->kind == WORKER_SOURCE &&
	    j->rec.state != RELOC_MS_RESOLVING)
		return call_fault(k, FAULT_FAILED, "%s (uuid %s) is being "
		    "handed over to %s by job %u: nothing to recover while it "
		    "runs; see 'xm jobs'", j->rec.domain, j->rec.domain_uuid,
		    j->rec.peer, j->rec.job);
	if (j->admin.asked)
		return call_fault(k, FAULT_FAILED, "xm recover %s is already "
		    "running", j->rec.domain);
	j->admin.asked = true;
	j->admin.force = force;
	if (w != NULL || j->pidfd >= 0) {
		/* It gives way; its end starts ours (worker_ended). */
		kill(w != NULL ? w->pid : j->adopted, SIGTERM);
	} else {
		j->admin.running = true;
		if (worker_start_recover(k->x, j) < 0) {
			j->admin.asked = j->admin.running = false;
			return call_fault(k, FAULT_FAILED, "cannot start the "
			    "recovery worker; see the daemon's log");
		}
	}
	if (control_conn_park(k->c, j, CTL_WAIT_RECOVER, 0) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/*
 * Without a record (a journal lost, an older xrelocd's handover): run
 * NAME--migratedaway here again under its own name, on the admin's word.
 */
static int
recover_by_name(struct call *k, const char *name)
{
	struct reloc_domain	 dom;
	const struct job	*j;
	char			 away[300];
	int			 rc;

	snprintf(away, sizeof(away), "%s%s", name, RELOC_SUFFIX_AWAY);
	memset(&dom, 0, sizeof(dom));
	if (k->x->hv->describe(k->x->hv_priv, away, &dom) < 0)
		return call_fault(k, FAULT_NOENT, "no domain %s here: nothing "
		    "to recover", away);
	/* Its job may still hand it over: resuming it could run it twice. */
	if ((j = job_holding(k->x, dom.uuid)) != NULL) {
		rc = call_fault(k, FAULT_FAILED, "%s (uuid %s) is being "
		    "handed over to %s by job %u: nothing to recover while it "
		    "runs; see 'xm jobs'", away, dom.uuid, j->rec.peer,
		    j->rec.job);
		reloc_domain_dispose(&dom);
		return rc;
	}
	rc = k->x->hv->rename(k->x->hv_priv, dom.domid, name);
	if (rc == 0)
		rc = k->x->hv->resume(k->x->hv_priv, dom.domid);
	reloc_domain_dispose(&dom);
	if (rc < 0)
		return call_fault(k, FAULT_FAILED, "recovering %s failed: %s",
		    away, reloc_strerror(rc));
	log_warnx("control", "recovered %s: it runs here again as %s", away,
	    name);
	return reloc_xv_new_int(0, &k->result) < 0 ? -1 : 0;
}

/* xrelocd.domain.recover(name[, force]) */
static int
m_domain_recover(struct call *k)
{
	struct job	*j;
	const char	*name = reloc_xv_get_string(param(k, 0));
	bool		 force = false;

	if (name == NULL || *name == '\0')
		return call_fault(k, FAULT_REQUEST, "recover takes a name");
	if (param(k, 1) != NULL && reloc_xv_get_bool(param(k, 1), &force) < 0)
		return call_fault(k, FAULT_REQUEST, "recover: force must be "
		    "a boolean");
	if ((j = recover_job(k->x, name)) != NULL)
		return recover_by_record(k, j, force);
	return recover_by_name(k, name);
}

static const struct method {
	const char	*name;
	int		(*fn)(struct call *);
} methods[] = {
	{ "xend.domain.migrate",	m_xend_migrate },
	{ "xrelocd.domain.list",	m_domain_list },
	{ "xrelocd.domain.recover",	m_domain_recover },
	{ "xrelocd.job.list",		m_job_list },
	{ "xrelocd.job.status",		m_job_status },
	{ "xrelocd.job.wait",		m_job_wait },
	{ "xrelocd.migrate",		m_migrate },
};

int
control_dispatch(struct xrelocd *x, struct ctl_conn *c, const char *method,
    const struct reloc_xv *params, struct reloc_xv **result_r, int *fault_r,
    char **fault_msg_r)
{
	struct call	k = { x, c, params, NULL, 0, NULL };
	size_t		i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, method) == 0)
			break;
	/* A method we lack is a newer client's: not the user's mistake. */
	if (i == sizeof(methods) / sizeof(methods[0]))
		call_fault(&k, FAULT_FAILED, "no such method %s: this xrelocd "
		    "is older than the client", method);
	else if (methods[i].fn(&k) < 0 && k.fault == 0)
		call_fault(&k, FAULT_FAILED, "%s failed", method);
	if (k.fault != 0) {
		reloc_xv_free(k.result);
		k.result = NULL;
	}
	*result_r = k.result;
	*fault_r = k.fault;
	*fault_msg_r = k.fault_msg;
	return k.fault == 0 ? 0 : -1;
}
