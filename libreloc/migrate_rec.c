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
 * The migration record as the state machines go: kept up to date from
 * their state, told to the caller, and journaled before each step that
 * cannot be undone.
 */

#include <stdio.h>
#include <string.h>

#include "reloc-int.h"
#include "migrate.h"

static void
rec_sync(struct reloc__mig *m)
{
	struct reloc_record	*r = m->rec;

	r->state = m->res->last_state;
	r->domid = m->local_domid;
	if (m->dom.name != NULL)
		snprintf(r->domain, sizeof(r->domain), "%s", m->dom.name);
	if (m->dom.uuid[0] != '\0')
		snprintf(r->domain_uuid, sizeof(r->domain_uuid), "%s",
		    m->dom.uuid);
	if (m->peer_host.host_uuid[0] != '\0')
		snprintf(r->peer_uuid, sizeof(r->peer_uuid), "%s",
		    m->peer_host.host_uuid);
	if (r->role == RELOC_ROLE_SOURCE && m->peer_host.free_memory_kb != 0)
		r->peer_free_kb = m->peer_host.free_memory_kb;
	if (m->chan != NULL && reloc_chan_tls(m->chan) != NULL)
		r->ssl = true;
	snprintf(r->message, sizeof(r->message), "%s", m->res->message);
	reloc_record_set_progress(r, &m->last);
	/* The findings only grow: copy them when there are new ones. */
	if (r->verdict.nr_findings != m->res->verdict.nr_findings) {
		reloc_verdict_dispose(&r->verdict);
		if (reloc__verdict_append(&r->verdict, &m->res->verdict) < 0)
			log_warnx("migrate", "%s %s: the findings are not in "
			    "the record: out of memory", m->role, m->label);
	}
}

/* To the daemon, which files records by id: a target has none before
 * HELLO. */
static void
rec_send(struct reloc__mig *m)
{
	if (m->rec->id[0] != '\0' && m->ev != NULL && m->ev->record != NULL)
		m->ev->record(m->rec, m->ev->arg);
}

void
reloc__mig_record(struct reloc__mig *m)
{
	if (m->rec == NULL)
		return;
	rec_sync(m);
	rec_send(m);
}

int
reloc__mig_journal(struct reloc__mig *m)
{
	int	rc;

	if (m->rec == NULL)
		return 0;
	rec_sync(m);
	/* Before HELLO a target has no id to file it under, nor a step. */
	if (m->journal_dir != NULL && m->rec->id[0] != '\0' &&
	    (rc = reloc_journal_put(m->journal_dir, m->rec)) < 0) {
		reloc__mig_message(m, "cannot journal migration %s in %s: %s; "
		    "nothing irreversible was done", m->rec->id,
		    m->journal_dir, reloc_strerror(rc));
		return rc;
	}
	rec_send(m);
	return 0;
}

void
reloc__mig_journal_refused(struct reloc__mig *m, int rc)
{
	if (rc == RELOC_ERR_NOSPC)
		reloc_chan_send_error(m->chan, rc, "no space left on %s's %s "
		    "(xrelocd-state-dir): free some there", m->self.hostname,
		    m->journal_dir);
	else
		reloc_chan_send_error(m->chan, rc, "%s cannot journal the "
		    "migration in %s: %s", m->self.hostname, m->journal_dir,
		    reloc_strerror(rc));
}

void
reloc__mig_record_end(struct reloc__mig *m, bool final)
{
	struct reloc_record	*r = m->rec;

	if (r == NULL)
		return;
	r->was_paused = r->role == RELOC_ROLE_SOURCE ? m->res->was_paused :
	    false;
	r->summary = m->res->summary;
	r->has_summary = m->res->outcome == RELOC_OUT_MOVED && !r->check &&
	    m->res->summary.total_ms != 0;
	if (final)
		r->outcome = (int)m->res->outcome;
	(void)reloc__mig_journal(m);
}

/*
 * The source puts its record's id and priority in HELLO; the target
 * takes them from there, the id as a uuid.  Without a record the source
 * sends neither and the target keeps the id it has; a HELLO without a
 * priority (an older source) is standard.
 */
int
reloc__mig_hello_id(struct reloc__mig *m, struct reloc_sxp *hello, bool send)
{
	const char	*id, *prio;
	int		 rc;

	if (send) {
		if (m->rec == NULL || m->rec->role != RELOC_ROLE_SOURCE)
			return 0;
		if ((rc = reloc_sxp_add_str(hello, "migration",
		    m->rec->id)) < 0)
			return rc;
		return reloc_sxp_add_str(hello, "priority", m->rec->high ?
		    "high" : "standard");
	}
	prio = reloc_sxp_value(hello, "priority");
	if (prio != NULL && strcmp(prio, "high") != 0 &&
	    strcmp(prio, "standard") != 0) {
		reloc__mig_message(m, "%s: HELLO with priority '%.20s': "
		    "high or standard", m->peer, prio);
		return RELOC_ERR_PROTO;
	}
	m->peer_high = prio != NULL && strcmp(prio, "high") == 0;
	if (m->rec == NULL)
		return 0;
	m->rec->high = m->peer_high;
	if ((id = reloc_sxp_value(hello, "migration")) == NULL ||
	    !reloc_domain_uuid_valid(id)) {
		reloc__mig_message(m, "%s: HELLO without a valid migration "
		    "id", m->peer);
		return RELOC_ERR_PROTO;
	}
	snprintf(m->rec->id, sizeof(m->rec->id), "%s", id);
	return 0;
}
