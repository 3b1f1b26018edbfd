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
 * Recovery of unfinished migrations: what a record means (decide) and
 * the steps on this host's copy (roll back, destroy, run), shared with
 * the state machines so that every failure rule is written once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "reloc-int.h"

#define RECOVER	"recover"

static const char *const answer_names[] = {
	[RELOC_ANS_TAKEN] = "taken",
	[RELOC_ANS_NOT_TAKEN] = "not-taken",
	[RELOC_ANS_PENDING] = "pending",
	[RELOC_ANS_UNKNOWN] = "unknown",
};

const char *
reloc_answer_name(enum reloc_answer a)
{
	if ((unsigned)a >= sizeof(answer_names) / sizeof(answer_names[0]))
		return "?";
	return answer_names[a];
}

static const char *const action_names[] = {
	[RELOC_RA_NONE] = "none",
	[RELOC_RA_ROLL_BACK] = "roll back",
	[RELOC_RA_ASK] = "ask the target",
	[RELOC_RA_DESTROY_COPY] = "destroy the copy here",
	[RELOC_RA_DESTROY_INCOMING] = "destroy the incoming copy",
	[RELOC_RA_TAKE_OVER] = "finish the takeover",
};

const char *
reloc_recover_action_name(enum reloc_recover_action a)
{
	if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "?";
	return action_names[a];
}

enum reloc_recover_action
reloc_recover_decide(const struct reloc_record *r,
    const enum reloc_answer *answer)
{
	if (reloc_record_final(r))
		return RELOC_RA_NONE;
	if (r->role == RELOC_ROLE_TARGET)
		return r->go ? RELOC_RA_TAKE_OVER : RELOC_RA_DESTROY_INCOMING;
	if (r->state == RELOC_MS_DONE)
		return RELOC_RA_DESTROY_COPY;
	if (!r->go)
		return RELOC_RA_ROLL_BACK;
	if (answer == NULL)
		return RELOC_RA_ASK;
	switch (*answer) {
	case RELOC_ANS_TAKEN:
		return RELOC_RA_DESTROY_COPY;
	case RELOC_ANS_NOT_TAKEN:
		return RELOC_RA_ROLL_BACK;
	default:
		return RELOC_RA_ASK;
	}
}

int
reloc__copy_find(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc__copy *c, struct reloc_domain *dom_r)
{
	char	key[24];
	int	rc;

	memset(dom_r, 0, sizeof(*dom_r));
	if (c->domid != RELOC_DOMID_NONE) {
		snprintf(key, sizeof(key), "%u", c->domid);
		rc = hv->describe(priv, key, dom_r);
	} else
		rc = hv->describe(priv, c->alias, dom_r);
	if (rc < 0)
		return rc == RELOC_ERR_NOENT ? RELOC_ERR_NOENT : rc;
	/* An id reused by another domain, or a namesake: not ours. */
	if (strcasecmp(dom_r->uuid, c->uuid) != 0 || dom_r->name == NULL ||
	    (strcmp(dom_r->name, c->name) != 0 &&
	    strcmp(dom_r->name, c->alias) != 0)) {
		reloc_domain_dispose(dom_r);
		return RELOC_ERR_NOENT;
	}
	return 0;
}

int
reloc__recover_roll_back(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc__copy *c, bool touched, bool was_paused)
{
	struct reloc_domain	dom;
	struct reloc__copy	own = *c;
	int			rc;

	rc = reloc__copy_find(hv, priv, c, &dom);
	/*
	 * Journaled before its id was known (a worker that died connecting
	 * or prechecking): nothing renamed it, so its own name, still
	 * checked by uuid.
	 */
	if (rc == RELOC_ERR_NOENT && c->domid == RELOC_DOMID_NONE) {
		own.alias = c->name;
		rc = reloc__copy_find(hv, priv, &own, &dom);
	}
	if (rc < 0) {
		log_errx(RECOVER, "%s (uuid %s): not found here to resume: %s",
		    c->name, c->uuid, reloc_strerror(rc));
		return rc;
	}
	log_info(RECOVER, "%s %s (id %u) as before the migration",
	    touched ? "resuming" : "keeping", c->name, dom.domid);
	if (strcmp(dom.name, c->name) != 0 &&
	    (rc = hv->rename(priv, dom.domid, c->name)) < 0)
		log_warnx(RECOVER, "cannot rename %s back to %s: %s", dom.name,
		    c->name, reloc_strerror(rc));
	if (touched && (rc = hv->resume(priv, dom.domid)) < 0)
		log_warnx(RECOVER, "%s: resume failed: %s", c->name,
		    reloc_strerror(rc));
	if (touched && was_paused)
		(void)hv->pause(priv, dom.domid);
	reloc_domain_dispose(&dom);
	return rc;
}

int
reloc__recover_destroy(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc__copy *c)
{
	struct reloc_domain	dom;
	int			rc;

	if ((rc = reloc__copy_find(hv, priv, c, &dom)) == RELOC_ERR_NOENT)
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = hv->destroy(priv, dom.domid)) < 0)
		log_errx(RECOVER, "cannot destroy %s (id %u): %s", dom.name,
		    dom.domid, reloc_strerror(rc));
	else
		log_info(RECOVER, "destroyed %s (id %u)", dom.name, dom.domid);
	reloc_domain_dispose(&dom);
	return rc;
}

int
reloc__recover_run(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc__copy *c)
{
	struct reloc_domain	dom;
	int			rc;

	if ((rc = reloc__copy_find(hv, priv, c, &dom)) < 0)
		return rc;
	if (strcmp(dom.name, c->name) != 0 &&
	    (rc = hv->rename(priv, dom.domid, c->name)) < 0)
		goto out;
	if (dom.state != RELOC_DS_RUNNING && (rc = hv->unpause(priv,
	    dom.domid)) < 0)
		goto out;
	/* Switches learn the new port before anything else happens. */
	(void)reloc_announce(&dom);
	rc = 0;
out:
	reloc_domain_dispose(&dom);
	return rc;
}
