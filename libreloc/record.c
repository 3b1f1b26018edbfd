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
 * The migration record: the table that describes it, its life cycle
 * (init, copy, dispose), what the backends' reports make of it, and its
 * XML-RPC form.  The S-expression form is in record_sxp.c.
 */

#include <sys/random.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record-int.h"

#define MOD	"record"

#define REC(m)		offsetof(struct reloc_record, m)
#define PRO(m)		offsetof(struct reloc_record_progress, m)
#define SUM(m)		offsetof(struct reloc_summary, m)
#define STR(m)		REC(m), sizeof(((struct reloc_record *)0)->m)

static const struct rec_field progress_fields[] = {
	{ "phase", R_PHASE, PRO(phase), 0, NULL, 0 },
	{ "round", R_UINT, PRO(round), 0, NULL, 0 },
	{ "sent-bytes", R_U64, PRO(sent_bytes), 0, NULL, 0 },
	{ "remaining-bytes", R_U64, PRO(remaining_bytes), 0, NULL, 0 },
	{ "total-bytes", R_U64, PRO(total_bytes), 0, NULL, 0 },
	{ "rate-bytes-per-s", R_U64, PRO(rate_bytes_per_s), 0, NULL, 0 },
	{ "dirty-bytes-per-s", R_U64, PRO(dirty_bytes_per_s), 0, NULL, 0 },
	{ "predicted-downtime-us", R_U64, PRO(predicted_downtime_us), 0, NULL,
	    0 },
	{ "throttle-percent", R_UINT, PRO(throttle_percent), 0, NULL, 0 },
	{ NULL, 0, 0, 0, NULL, 0 },
};

static const struct rec_field summary_fields[] = {
	{ "total-ms", R_U64, SUM(total_ms), 0, NULL, 0 },
	{ "downtime-ms", R_DOUBLE, SUM(downtime_ms), 0, NULL, 0 },
	{ "stream-bytes", R_U64, SUM(bytes), 0, NULL, 0 },
	{ "wire-bytes", R_U64, SUM(wire_bytes), 0, NULL, 0 },
	{ "codec", R_STR, SUM(codec),
	    sizeof(((struct reloc_summary *)0)->codec), NULL, 0 },
	{ "note", R_STR, SUM(note), sizeof(((struct reloc_summary *)0)->note),
	    NULL, 0 },
	{ "rounds", R_UINT, SUM(rounds), 0, NULL, 0 },
	{ "memory-bytes", R_U64, SUM(memory_bytes), 0, NULL, 0 },
	{ "streams", R_UINT, SUM(streams), 0, NULL, 0 },
	{ "streams-asked", R_UINT, SUM(streams_asked), 0, NULL, 0 },
	{ NULL, 0, 0, 0, NULL, 0 },
};

/* The record, key by key, in the order both forms write them. */
const struct rec_field reloc__record_fields[] = {
	{ "id", R_UUID, REC(id), 0, NULL, RF_REQUIRED },
	{ "role", R_ROLE, REC(role), 0, NULL, RF_REQUIRED },
	{ "job", R_UINT, REC(job), 0, NULL, 0 },
	{ "domain", R_STR, STR(domain), NULL, 0 },
	{ "domain-uuid", R_UUID, REC(domain_uuid), 0, NULL, 0 },
	{ "domid", R_DOMID, REC(domid), 0, NULL, 0 },
	{ "peer", R_STR, STR(peer), NULL, 0 },
	{ "port", R_STR, STR(port), NULL, 0 },
	{ "peer-uuid", R_UUID, REC(peer_uuid), 0, NULL, 0 },
	{ "peer-free-kb", R_U64, REC(peer_free_kb), 0, NULL, 0 },
	{ "live", R_BOOL, REC(live), 0, NULL, 0 },
	{ "check", R_BOOL, REC(check), 0, NULL, 0 },
	{ "priority", R_PRIO, REC(high), 0, NULL, 0 },
	{ "ssl", R_BOOL, REC(ssl), 0, NULL, 0 },
	{ "rate-mbps", R_UINT, REC(rate_mbps), 0, NULL, 0 },
	{ "compression", R_STR, STR(compression), NULL, 0 },
	{ "streams", R_UINT, REC(streams), 0, NULL, 0 },
	{ "max-downtime-ms", R_UINT, REC(max_downtime_ms), 0, NULL, 0 },
	{ "timeout-s", R_UINT, REC(timeout_s), 0, NULL, 0 },
	{ "force", R_FORCE, REC(force), REC(nr_force), NULL, 0 },
	{ "state", R_STATE, REC(state), 0, NULL, 0 },
	{ "status", R_STATUS, 0, 0, NULL, RF_XV_ONLY },
	{ "go", R_BOOL, REC(go), 0, NULL, 0 },
	{ "outcome", R_OUTCOME, REC(outcome), 0, NULL, 0 },
	{ "was-paused", R_BOOL, REC(was_paused), 0, NULL, 0 },
	{ "message", R_STR, STR(message), NULL, 0 },
	{ "pid", R_I64, REC(pid), 0, NULL, 0 },
	{ "pid-start", R_U64, REC(pid_start), 0, NULL, 0 },
	{ "started-s", R_I64, REC(started_s), 0, NULL, 0 },
	{ "queries", R_UINT, REC(queries), 0, NULL, 0 },
	{ "progress", R_SUB, REC(progress), 0, progress_fields, 0 },
	{ "summary", R_SUB, REC(summary), REC(has_summary), summary_fields,
	    RF_PRESENT },
	{ "findings", R_VERDICT, REC(verdict), 0, NULL, 0 },
	{ NULL, 0, 0, 0, NULL, 0 },
};

const char *const reloc__phase_names[RELOC_PP_DONE + 1] = {
	[RELOC_PP_PRECOPY] = "precopy",
	[RELOC_PP_SUSPENDED] = "suspended",
	[RELOC_PP_DONE] = "done",
};

const char *
reloc__phase_name(enum reloc_progress_phase phase)
{
	if ((unsigned)phase > RELOC_PP_DONE)
		return "?";
	return reloc__phase_names[phase];
}

const char *
reloc_role_name(enum reloc_role role)
{
	return role == RELOC_ROLE_TARGET ? "target" : "source";
}

/* ---------------------------------------------------------------- life */

void
reloc_record_init(struct reloc_record *r, enum reloc_role role)
{
	memset(r, 0, sizeof(*r));
	r->role = role;
	r->domid = RELOC_DOMID_NONE;
	r->outcome = -1;
	r->state = RELOC_MS_IDLE;
	r->progress.phase = RELOC_PP_PRECOPY;
	r->started_s = (int64_t)time(NULL);
}

static void
force_free(char **force, size_t n)
{
	size_t	i;

	for (i = 0; force != NULL && i < n; i++)
		free(force[i]);
	free(force);
}

void
reloc_record_dispose(struct reloc_record *r)
{
	enum reloc_role	role;

	if (r == NULL)
		return;
	role = r->role;
	force_free(r->force, r->nr_force);
	reloc_verdict_dispose(&r->verdict);
	reloc_record_init(r, role);
}

int
reloc_record_set_force(struct reloc_record *r, const char *const *force,
    size_t n)
{
	char	**v;
	size_t	  i;

	if (n == 0)
		return 0;
	if (force == NULL || n > SIZE_MAX / sizeof(*v) - r->nr_force)
		return RELOC_ERR_INVAL;
	if ((v = realloc(r->force, (r->nr_force + n) * sizeof(*v))) == NULL)
		return RELOC_ERR_NOMEM;
	r->force = v;
	for (i = 0; i < n; i++) {
		if ((v[r->nr_force] = strdup(force[i])) == NULL)
			return RELOC_ERR_NOMEM;
		r->nr_force++;
	}
	return 0;
}

int
reloc_record_copy(struct reloc_record *dst, const struct reloc_record *src)
{
	int	rc;

	if (dst == src)
		return 0;
	reloc_record_dispose(dst);
	*dst = *src;
	dst->force = NULL;
	dst->nr_force = 0;
	dst->verdict.findings = NULL;
	dst->verdict.nr_findings = 0;
	if ((rc = reloc_record_set_force(dst,
	    (const char *const *)src->force, src->nr_force)) < 0 ||
	    (rc = reloc__verdict_append(&dst->verdict, &src->verdict)) < 0) {
		reloc_record_dispose(dst);
		return rc;
	}
	return 0;
}

int
reloc_record_new_id(char id[RELOC_RECORD_ID_LEN])
{
	uint8_t	 b[16];
	ssize_t	 n;

	do
		n = getrandom(b, sizeof(b), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(b)) {
		log_warn(MOD, "getrandom");
		return RELOC_ERR_IO;
	}
	/* Version 4 (random), variant 10 (RFC 4122). */
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(id, RELOC_RECORD_ID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
	return 0;
}

bool
reloc_record_final(const struct reloc_record *r)
{
	return r->outcome >= 0;
}

void
reloc_record_set_progress(struct reloc_record *r,
    const struct reloc_progress *p)
{
	struct reloc_record_progress	*q = &r->progress;

	q->phase = p->phase;
	q->round = p->round;
	q->sent_bytes = p->sent_bytes;
	q->remaining_bytes = p->remaining_pages * RELOC_PAGE_SIZE;
	q->total_bytes = p->total_pages * RELOC_PAGE_SIZE;
	q->rate_bytes_per_s = p->rate_bps;
	q->dirty_bytes_per_s = p->dirty_pps * RELOC_PAGE_SIZE;
	/* Unknown (no link measured yet) is 0, as before any round. */
	q->predicted_downtime_us = p->predicted_ns == UINT64_MAX ? 0 :
	    p->predicted_ns / 1000;
	q->throttle_percent = p->throttle_pct;
}

static const char *
running_word(const struct reloc_record *r)
{
	bool	src = r->role == RELOC_ROLE_SOURCE;

	switch (r->state) {
	case RELOC_MS_IDLE:
		return "queued";
	case RELOC_MS_WAITING:
		return "waiting";
	case RELOC_MS_CONNECTING:
	case RELOC_MS_HELLO:
		return "connecting";
	case RELOC_MS_PRECHECK:
		return "precheck";
	case RELOC_MS_STREAMING:
	case RELOC_MS_WAIT_READY:
		return src ? "streaming" : "receiving";
	case RELOC_MS_COMMITTING:
		return src ? "committing" : "taking-over";
	case RELOC_MS_OWNER:
		return "taking-over";
	case RELOC_MS_RESOLVING:
		return "resolving";
	case RELOC_MS_DONE:
		return "done";
	case RELOC_MS_FAILED:
		return "failed";
	case RELOC_MS_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

const char *
reloc_record_state_word(const struct reloc_record *r)
{
	/* Once it has an outcome, the outcome says it, whatever the state. */
	switch (r->outcome) {
	case RELOC_OUT_MOVED:
		return "done";
	case RELOC_OUT_FAILED:
		return "failed";
	case RELOC_OUT_UNKNOWN:
		return "unknown";
	default:
		return running_word(r);
	}
}

/* ---------------------------------------------------------------- XML-RPC */

static int	xv_fields(const struct reloc_record *r, const void *obj,
		    const struct rec_field *f, struct reloc_xv *st);

/* Counts that fit 32 bits are ints, as xm reads them; larger ones i8. */
static int
xv_set_count(struct reloc_xv *st, const char *key, uint64_t v)
{
	if (v <= INT32_MAX)
		return reloc_xv_struct_set_int(st, key, (int64_t)v);
	return reloc_xv_struct_set_i8(st, key,
	    v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static int
xv_force(struct reloc_xv *st, const char *key, char *const *v, size_t n)
{
	struct reloc_xv	*arr = NULL, *s;
	size_t		 i;
	int		 rc;

	if ((rc = reloc_xv_new_array(&arr)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = reloc_xv_new_string(v[i], &s)) < 0 ||
		    (rc = reloc_xv_array_append(arr, s)) < 0) {
			reloc_xv_free(arr);
			return rc;
		}
	}
	return reloc_xv_struct_set(st, key, arr);
}

static int
xv_sub(const struct reloc_record *r, const void *obj,
    const struct rec_field *f, struct reloc_xv *st)
{
	struct reloc_xv	*sub = NULL;
	int		 rc;

	if ((f->flags & RF_PRESENT) && !*REC_CAT(obj, f->aux, bool))
		return 0;
	if ((rc = reloc_xv_new_struct(&sub)) < 0)
		return rc;
	if ((rc = xv_fields(r, REC_CAT(obj, f->off, char), f->sub, sub)) < 0) {
		reloc_xv_free(sub);
		return rc;
	}
	return reloc_xv_struct_set(st, f->key, sub);
}

static int
xv_verdict(const struct reloc_verdict *v, const char *key,
    struct reloc_xv *st)
{
	struct reloc_xv	*arr = NULL;
	int		 rc;

	if ((rc = reloc_verdict_to_xv(v, &arr)) < 0)
		return rc;
	return reloc_xv_struct_set(st, key, arr);
}

static int
xv_field(const struct reloc_record *r, const void *obj,
    const struct rec_field *f, struct reloc_xv *st)
{
	const char	*s = NULL;
	uint32_t	 domid;
	uint64_t	 u;

	switch (f->type) {
	case R_STR:
	case R_UUID:
		s = REC_CAT(obj, f->off, char);
		break;
	case R_ROLE:
		s = reloc_role_name(*REC_CAT(obj, f->off, enum reloc_role));
		break;
	case R_UINT:
		return xv_set_count(st, f->key,
		    *REC_CAT(obj, f->off, unsigned));
	case R_DOMID:
		domid = *REC_CAT(obj, f->off, uint32_t);
		return domid == RELOC_DOMID_NONE ? 0 :
		    xv_set_count(st, f->key, domid);
	case R_U64:
		u = *REC_CAT(obj, f->off, uint64_t);
		return reloc_xv_struct_set_i8(st, f->key,
		    u > INT64_MAX ? INT64_MAX : (int64_t)u);
	case R_I64:
		return reloc_xv_struct_set_i8(st, f->key,
		    *REC_CAT(obj, f->off, int64_t));
	case R_BOOL:
		return reloc_xv_struct_set_bool(st, f->key,
		    *REC_CAT(obj, f->off, bool));
	case R_PRIO:
		s = *REC_CAT(obj, f->off, bool) ? "high" : "standard";
		break;
	case R_FORCE:
		return xv_force(st, f->key, *REC_CAT(obj, f->off, rec_strv),
		    *REC_CAT(obj, f->aux, size_t));
	case R_STATE:
		s = reloc_mstate_name(*REC_CAT(obj, f->off, enum reloc_mstate));
		break;
	case R_STATUS:
		s = reloc_record_state_word(r);
		break;
	case R_OUTCOME:
		return reloc_xv_struct_set_int(st, f->key,
		    *REC_CAT(obj, f->off, int));
	case R_PHASE:
		s = reloc__phase_name(*REC_CAT(obj, f->off,
		    enum reloc_progress_phase));
		break;
	case R_DOUBLE:
		return reloc_xv_struct_set_double(st, f->key,
		    *REC_CAT(obj, f->off, double));
	case R_SUB:
		return xv_sub(r, obj, f, st);
	case R_VERDICT:
		return xv_verdict(REC_CAT(obj, f->off, struct reloc_verdict),
		    f->key, st);
	}
	return reloc_xv_struct_set_string(st, f->key, s);
}

static int
xv_fields(const struct reloc_record *r, const void *obj,
    const struct rec_field *f, struct reloc_xv *st)
{
	int	rc = 0;

	for (; f->key != NULL && rc == 0; f++)
		rc = xv_field(r, obj, f, st);
	return rc;
}

int
reloc_record_to_xv(const struct reloc_record *r, struct reloc_xv **xv_r)
{
	struct reloc_xv	*st = NULL;
	int		 rc;

	if (r == NULL || xv_r == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc_xv_new_struct(&st)) < 0)
		return rc;
	if ((rc = xv_fields(r, r, reloc__record_fields, st)) < 0) {
		reloc_xv_free(st);
		return rc;
	}
	*xv_r = st;
	return 0;
}
