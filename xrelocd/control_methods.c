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
 * Their arguments are decoded in control_args.c.
 */

#include <stdarg.h>
#include <stddef.h>
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

/* The options of a migration method, decoded and checked whole. */
static int
migrate_opts(struct call *k, const char *method, struct job_opts *o)
{
	char	*why = NULL;
	int	 rc;

	rc = control_args_migrate(k->x, method, k->params, o, &why);
	if (rc == RELOC_ERR_INVAL)
		call_fault(k, FAULT_REQUEST, "%s", why);
	else if (rc < 0)
		call_fault(k, FAULT_FAILED, "out of memory");
	free(why);
	return rc < 0 ? -1 : 0;
}

/* xend.domain.migrate(dom, dst, live, port, node, ssl, chs): blocks. */
static int
m_xend_migrate(struct call *k)
{
	struct job_opts	 o;
	struct job	*j;

	if (migrate_opts(k, "xend.domain.migrate", &o) < 0)
		return -1;
	if (submit(k, &o, &j) == 0) {
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

/* xrelocd.migrate(struct opts) -> {job} */
static int
m_migrate(struct call *k)
{
	struct job_opts	 o;
	struct job	*j;

	if (migrate_opts(k, "xrelocd.migrate", &o) < 0)
		return -1;
	if (submit(k, &o, &j) < 0) {
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

/* Positional arguments through the one typed path, else fault 2. */
static int
args(struct call *k, const char *method, const struct ctl_arg *spec,
    size_t n, void *out)
{
	char	*why = NULL;

	if (control_args_params(method, k->params, spec, n, out, NULL,
	    &why) == 0)
		return 0;
	if (why == NULL)
		return call_fault(k, FAULT_FAILED, "out of memory");
	call_fault(k, FAULT_REQUEST, "%s", why);
	free(why);
	return -1;
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct job_args {
	int64_t	job;
	int64_t	seen;
	int64_t	timeout;
};

#define JOB_ARG(name, req, min, max, field)				\
	{ name, CTL_ARG_INT, req, min, max, offsetof(struct job_args, field) }

static const struct ctl_arg status_spec[] = {
	JOB_ARG("job",		true,	INT64_MIN, INT64_MAX,	job),
};

/* xrelocd.job.wait's timeout: 1..300 seconds, 0 or none for 60. */
static const struct ctl_arg wait_spec[] = {
	JOB_ARG("job",		true,	INT64_MIN, INT64_MAX,	job),
	JOB_ARG("seen",		true,	INT64_MIN, INT64_MAX,	seen),
	JOB_ARG("timeout",	false,	0, 300,			timeout),
};

/* xrelocd.job.status(job) */
static int
m_job_status(struct call *k)
{
	struct job_args	 a = { 0, 0, 0 };
	struct job	*j;

	if (args(k, "xrelocd.job.status", status_spec, NELEM(status_spec),
	    &a) < 0)
		return -1;
	if (a.job < 0 || a.job > UINT32_MAX ||
	    (j = job_find(k->x, (unsigned)a.job)) == NULL)
		return call_fault(k, FAULT_NOENT, "no job %lld",
		    (long long)a.job);
	if (job_xv(j, &k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
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
	struct job_args	 a = { 0, 0, 0 };
	struct job	*j;
	int		 timeout;

	if (args(k, "xrelocd.job.wait", wait_spec, NELEM(wait_spec), &a) < 0)
		return -1;
	timeout = a.timeout == 0 ? 60 : (int)a.timeout;
	if (a.job < 0 || a.job > UINT32_MAX ||
	    (j = job_find(k->x, (unsigned)a.job)) == NULL)
		return call_fault(k, FAULT_NOENT, "no job %lld",
		    (long long)a.job);
	if (j->phase != JOB_ENDED && a.seen == job_version(j)) {
		if (control_conn_park(k->c, j, CTL_WAIT_CHANGE, timeout) < 0)
			return call_fault(k, FAULT_FAILED, "out of memory");
		return 0;
	}
	if (job_xv(j, &k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/*
 * xrelocd.job.cancel(job): stop a source job before GO (jobs_cancel.c);
 * its struct as it is now.  Fault 1 with the reason when it cannot be.
 */
static int
m_job_cancel(struct call *k)
{
	struct job_args	 a = { 0, 0, 0 };
	struct job	*j;
	char		 why[1024];

	if (args(k, "xrelocd.job.cancel", status_spec, NELEM(status_spec),
	    &a) < 0)
		return -1;
	if (a.job < 0 || a.job > UINT32_MAX ||
	    (j = job_find(k->x, (unsigned)a.job)) == NULL)
		return call_fault(k, FAULT_NOENT, "no job %lld: see 'xm jobs'",
		    (long long)a.job);
	if (jobs_cancel(k->x, j, why, sizeof(why)) < 0)
		return call_fault(k, FAULT_FAILED, "%s", why);
	if (job_xv(j, &k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	return 0;
}

/* xrelocd.evacuate.targets(): xrelocd-evacuate-targets, word by word. */
static int
m_evacuate_targets(struct call *k)
{
	const char	*w = reloc_conf_str(k->x->conf,
			    RELOC_CK_EVACUATE_TARGETS);
	char		*word;
	struct reloc_xv	*s;
	size_t		 len;

	if (reloc_xv_new_array(&k->result) < 0)
		return call_fault(k, FAULT_FAILED, "out of memory");
	for (; *w != '\0'; w += len) {
		if ((len = strspn(w, " \t")) > 0)
			continue;
		len = strcspn(w, " \t");
		if ((word = strndup(w, len)) == NULL ||
		    reloc_xv_new_string(word, &s) < 0 ||
		    reloc_xv_array_append(k->result, s) < 0) {
			free(word);
			return call_fault(k, FAULT_FAILED, "out of memory");
		}
		free(word);
	}
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
		/* Asked for: no waiting out a journal's backoff. */
		j->recover_rc = 0;
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

struct recover_args {
	const char	*name;
	bool		 force;
};

static const struct ctl_arg recover_spec[] = {
	{ "name", CTL_ARG_STRING, true, 0, 0,
	    offsetof(struct recover_args, name) },
	{ "force", CTL_ARG_BOOL, false, 0, 0,
	    offsetof(struct recover_args, force) },
};

/* xrelocd.domain.recover(name[, force]) */
static int
m_domain_recover(struct call *k)
{
	struct recover_args	 a = { NULL, false };
	struct job		*j;

	if (args(k, "xrelocd.domain.recover", recover_spec,
	    NELEM(recover_spec), &a) < 0)
		return -1;
	if (*a.name == '\0')
		return call_fault(k, FAULT_REQUEST, "recover takes a name");
	if ((j = recover_job(k->x, a.name)) != NULL)
		return recover_by_record(k, j, a.force);
	return recover_by_name(k, a.name);
}

static const struct method {
	const char	*name;
	int		(*fn)(struct call *);
} methods[] = {
	{ "xend.domain.migrate",	m_xend_migrate },
	{ "xrelocd.domain.list",	m_domain_list },
	{ "xrelocd.domain.recover",	m_domain_recover },
	{ "xrelocd.evacuate.targets",	m_evacuate_targets },
	{ "xrelocd.job.cancel",		m_job_cancel },
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
