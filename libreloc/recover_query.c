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
 * QUERY and ANSWER on the relocation port: after a broken handover the
 * source asks the target what became of a migration, and the target
 * answers from its journal.  QUERY comes in place of HELLO, on a
 * connection the allow-list admitted like any other.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reloc-int.h"
#include "migrate.h"

#define RECOVER	"recover"

enum reloc_answer
reloc_recover_answer(const char *dir, const char *id, const char *domain_uuid,
    char *msg, size_t len)
{
	struct reloc_record	r;
	enum reloc_answer	a;

	if (dir == NULL || id == NULL || !reloc_domain_uuid_valid(id) ||
	    reloc_journal_get(dir, id, RELOC_ROLE_TARGET, &r) < 0) {
		snprintf(msg, len, "no record of migration %s here",
		    id != NULL ? id : "?");
		return RELOC_ANS_UNKNOWN;
	}
	if (domain_uuid == NULL || strcasecmp(r.domain_uuid, domain_uuid)) {
		snprintf(msg, len, "migration %s here is of another domain",
		    id);
		a = RELOC_ANS_UNKNOWN;
	} else if (!reloc_record_final(&r)) {
		snprintf(msg, len, "%s is still being %s here (%s)", r.domain,
		    r.go ? "taken over" : "received",
		    reloc_mstate_name(r.state));
		a = RELOC_ANS_PENDING;
	} else if (r.outcome == RELOC_OUT_MOVED) {
		snprintf(msg, len, "%s runs here", r.domain);
		a = RELOC_ANS_TAKEN;
	} else if (r.outcome == RELOC_OUT_FAILED) {
		snprintf(msg, len, "%s was not taken over here: %s", r.domain,
		    r.message);
		a = RELOC_ANS_NOT_TAKEN;
	} else {
		/* A copy here that could neither run nor be destroyed. */
		snprintf(msg, len, "%s", r.message);
		a = RELOC_ANS_PENDING;
	}
	reloc_record_dispose(&r);
	return a;
}

int
reloc_recover_query(const struct reloc_record *r, int timeout_ms,
    enum reloc_answer *answer_r, char *msg, size_t len)
{
	return reloc_recover_query_tls(r, NULL, timeout_ms, answer_r, msg,
	    len);
}

int
reloc_recover_query_tls(const struct reloc_record *r,
    struct reloc_tls_ctx *ctx, int timeout_ms, enum reloc_answer *answer_r,
    char *msg, size_t len)
{
	struct reloc_chan	*chan = NULL;
	struct reloc_sxp	*q = NULL, *ans = NULL;
	const char		*word, *said;
	enum reloc_answer	 a;
	int			 rc;

	if ((rc = reloc_chan_connect(r->peer, r->port, timeout_ms, &chan)) < 0)
		return rc;
	if (ctx != NULL && (rc = reloc_chan_start_tls(chan, ctx,
	    RELOC_TLS_CLIENT, r->peer, timeout_ms)) < 0) {
		snprintf(msg, len, "the tls handshake with %s port %s failed: "
		    "%s; see its log", r->peer, r->port,
		    *reloc_chan_tls_reason(chan) != '\0' ?
		    reloc_chan_tls_reason(chan) : reloc_strerror(rc));
		goto out;
	}
	if ((rc = reloc__msg_new(RELOC_MSG_QUERY, &q)) < 0 ||
	    (rc = reloc_sxp_add_str(q, "migration", r->id)) < 0 ||
	    (rc = reloc_sxp_add_str(q, "domain-uuid", r->domain_uuid)) < 0 ||
	    (rc = reloc_chan_send(chan, RELOC_MSG_QUERY, q)) < 0 ||
	    (rc = reloc_chan_expect(chan, RELOC_MSG_ANSWER, &ans, NULL)) < 0)
		goto out;
	word = reloc_sxp_value(ans, "answer");
	said = reloc_sxp_value(ans, "message");
	rc = RELOC_ERR_PROTO;
	for (a = RELOC_ANS_TAKEN; a <= RELOC_ANS_UNKNOWN; a++)
		if (word != NULL && strcmp(word, reloc_answer_name(a)) == 0) {
			*answer_r = a;
			rc = 0;
		}
	if (rc < 0)
		log_warnx(RECOVER, "%s: ANSWER without a known answer",
		    reloc_chan_peer(chan));
	snprintf(msg, len, "%s", said != NULL ? said : "");
out:
	reloc_sxp_free(q);
	reloc_sxp_free(ans);
	reloc_chan_free(chan);
	return rc;
}

int
reloc__recover_answer_query(struct reloc_chan *chan, const char *dir,
    const struct reloc_sxp *query)
{
	struct reloc_sxp	*msg = NULL;
	const char		*id = reloc_sxp_value(query, "migration");
	char			 said[1024];
	enum reloc_answer	 a;
	int			 rc;

	a = reloc_recover_answer(dir, id, reloc_sxp_value(query,
	    "domain-uuid"), said, sizeof(said));
	log_info(RECOVER, "%s asked about migration %s: %s (%s)",
	    reloc_chan_peer(chan), id != NULL ? id : "?",
	    reloc_answer_name(a), said);
	if ((rc = reloc__msg_new(RELOC_MSG_ANSWER, &msg)) == 0 &&
	    (rc = reloc_sxp_add_str(msg, "migration", id != NULL ? id : ""))
	    == 0 && (rc = reloc_sxp_add_str(msg, "answer",
	    reloc_answer_name(a))) == 0 &&
	    (rc = reloc_sxp_add_str(msg, "message", said)) == 0)
		rc = reloc_chan_send(chan, RELOC_MSG_ANSWER, msg);
	reloc_sxp_free(msg);
	return rc;
}
