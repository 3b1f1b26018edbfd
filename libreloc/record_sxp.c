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
 * The record's S-expression form, (migration (id ..) (role ..) ...), for
 * the worker channel and the journal, driven by the table in record.c:
 * strict about values, tolerant of keys a newer writer adds.
 */

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record-int.h"

#define MOD		"record"
#define HEAD		"migration"
#define SHOW_MAX	64
/* s made safe for a log line, in a char[SHOW_MAX]. */
#define show(s, buf)	reloc__conf_show((s), strlen(s), (buf), SHOW_MAX)

/* ---------------------------------------------------------------- write */

static int	put_fields(struct reloc_sxp *list, const void *obj,
		    const struct rec_field *f);

static int
put_force(struct reloc_sxp *list, const char *key, char *const *v, size_t n)
{
	return n == 0 ? 0 : reloc__sxp_put_strv(list, key, v, n);
}

/* The shortest text that reads back as the same double. */
static int
put_double(struct reloc_sxp *list, const char *key, double d)
{
	char	buf[64];

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	return reloc_sxp_add_str(list, key, buf);
}

static int
put_sub(struct reloc_sxp *list, const void *obj, const struct rec_field *f)
{
	struct reloc_sxp	*sub;
	int			 rc;

	if ((f->flags & RF_PRESENT) && !*REC_CAT(obj, f->aux, bool))
		return 0;
	if ((rc = reloc__sxp_put_list(list, f->key, &sub)) < 0)
		return rc;
	return put_fields(sub, REC_CAT(obj, f->off, char), f->sub);
}

static int
put_field(struct reloc_sxp *list, const void *obj, const struct rec_field *f)
{
	struct reloc_sxp	*sub = NULL;
	const char		*s = NULL;
	uint32_t		 domid;
	int			 o, rc;

	switch (f->type) {
	case R_STR:
		s = REC_CAT(obj, f->off, char);
		break;
	case R_UUID:
		s = REC_CAT(obj, f->off, char);
		if (*s == '\0')
			return 0;
		break;
	case R_ROLE:
		s = reloc_role_name(*REC_CAT(obj, f->off, enum reloc_role));
		break;
	case R_UINT:
		return reloc_sxp_add_u64(list, f->key,
		    *REC_CAT(obj, f->off, unsigned));
	case R_DOMID:
		domid = *REC_CAT(obj, f->off, uint32_t);
		return domid == RELOC_DOMID_NONE ? 0 :
		    reloc_sxp_add_u64(list, f->key, domid);
	case R_U64:
		return reloc_sxp_add_u64(list, f->key,
		    *REC_CAT(obj, f->off, uint64_t));
	case R_I64:
		return reloc_sxp_add_u64(list, f->key,
		    (uint64_t)*REC_CAT(obj, f->off, int64_t));
	case R_BOOL:
		s = *REC_CAT(obj, f->off, bool) ? "yes" : "no";
		break;
	case R_PRIO:
		s = *REC_CAT(obj, f->off, bool) ? "high" : "standard";
		break;
	case R_FORCE:
		return put_force(list, f->key, *REC_CAT(obj, f->off, rec_strv),
		    *REC_CAT(obj, f->aux, size_t));
	case R_STATE:
		s = reloc_mstate_name(*REC_CAT(obj, f->off, enum reloc_mstate));
		break;
	case R_OUTCOME:
		o = *REC_CAT(obj, f->off, int);
		s = o == 0 ? "0" : o == 1 ? "1" : o == 3 ? "3" : "-1";
		break;
	case R_PHASE:
		s = reloc__phase_name(*REC_CAT(obj, f->off,
		    enum reloc_progress_phase));
		break;
	case R_DOUBLE:
		return put_double(list, f->key, *REC_CAT(obj, f->off, double));
	case R_SUB:
		return put_sub(list, obj, f);
	case R_VERDICT:
		if ((rc = reloc_verdict_to_sxp(REC_CAT(obj, f->off,
		    struct reloc_verdict), &sub)) < 0)
			return rc;
		return reloc_sxp_append(list, sub);
	case R_STATUS:
		return 0;
	}
	return reloc_sxp_add_str(list, f->key, s);
}

static int
put_fields(struct reloc_sxp *list, const void *obj, const struct rec_field *f)
{
	int	rc = 0;

	for (; f->key != NULL && rc == 0; f++)
		if ((f->flags & RF_XV_ONLY) == 0)
			rc = put_field(list, obj, f);
	return rc;
}

int
reloc_record_to_sxp(const struct reloc_record *r, struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*list;
	int			 rc;

	if (r == NULL || sxp_r == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc_sxp_new_list(&list)) < 0)
		return rc;
	if ((rc = reloc__sxp_put_atom(list, HEAD, strlen(HEAD))) < 0 ||
	    (rc = put_fields(list, r, reloc__record_fields)) < 0) {
		reloc_sxp_free(list);
		return rc;
	}
	*sxp_r = list;
	return 0;
}

/* ---------------------------------------------------------------- read */

/* What the reader carries: the name of the source, for messages. */
struct rd {
	const char	*where;
};

static int	get_fields(const struct rd *rd, void *obj,
		    const struct reloc_sxp *list, const struct rec_field *f);
static int	bad(const struct rd *rd, const struct reloc_sxp *n,
		    const char *key, const char *fmt, ...) RELOC_PRINTF(4, 5);

/* Log "WHERE:LINE:COL: KEY: message" (no LINE:COL for a built tree). */
static int
bad(const struct rd *rd, const struct reloc_sxp *n, const char *key,
    const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL && reloc_sxp_line(n) > 0)
		log_errx(MOD, "%s:%u:%u: %s: %s", rd->where, reloc_sxp_line(n),
		    reloc_sxp_col(n), key, msg);
	else
		log_errx(MOD, "%s: %s: %s", rd->where, key, msg);
	return RELOC_ERR_PROTO;
}

/* An atom that is a C string: no NUL inside. */
static int
get_text(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    const char **s_r)
{
	const char	*s;
	size_t		 len;

	if ((s = reloc_sxp_atom(v, &len)) == NULL)
		return bad(rd, v, key, "expected an atom, not a list");
	if (strlen(s) != len)
		return bad(rd, v, key, "contains a NUL byte");
	*s_r = s;
	return 0;
}

static int
get_num(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    uint64_t max, uint64_t *n_r)
{
	const char	*s;
	char		 sbuf[SHOW_MAX];
	int		 rc;

	if ((rc = get_text(rd, v, key, &s)) < 0)
		return rc;
	switch (reloc__dec_parse(s, max, n_r)) {
	case RELOC__DEC_OK:
		return 0;
	case RELOC__DEC_NOT_DECIMAL:
		return bad(rd, v, key, "'%s' is not a decimal number",
		    show(s, sbuf));
	case RELOC__DEC_TOO_LARGE:
		return bad(rd, v, key, "'%s' is too large", show(s, sbuf));
	default:
		return bad(rd, v, key, "%s out of range 0..%" PRIu64, s, max);
	}
}

static int
get_word(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    const char *const *words, size_t nwords, unsigned *i_r)
{
	const char	*s;
	char		 sbuf[SHOW_MAX];
	int		 i, rc;

	if ((rc = get_text(rd, v, key, &s)) < 0)
		return rc;
	if ((i = reloc__word_index(s, words, nwords)) < 0)
		return bad(rd, v, key, "unknown value '%s'", show(s, sbuf));
	*i_r = (unsigned)i;
	return 0;
}

/* A finite, non-negative decimal: no hex, no inf or nan. */
static int
get_double(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    double *d_r)
{
	const char	*s;
	char		 sbuf[SHOW_MAX], *end;
	double		 d;
	int		 rc;

	if ((rc = get_text(rd, v, key, &s)) < 0)
		return rc;
	if (*s == '\0' || !isdigit((unsigned char)*s) ||
	    strspn(s, "0123456789.eE+-") != strlen(s))
		return bad(rd, v, key, "'%s' is not a decimal number",
		    show(s, sbuf));
	d = strtod(s, &end);
	if (*end != '\0' || !isfinite(d) || d < 0)
		return bad(rd, v, key, "'%s' is not a finite number",
		    show(s, sbuf));
	*d_r = d;
	return 0;
}

/* A string that fits its array with its NUL: longer is an error. */
static int
get_str(const struct rd *rd, const struct reloc_sxp *v,
    const struct rec_field *f, char *dst)
{
	const char	*s;
	int		 rc;

	if ((rc = get_text(rd, v, f->key, &s)) < 0)
		return rc;
	if (strlen(s) >= f->aux)
		return bad(rd, v, f->key, "longer than %zu bytes", f->aux - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
get_uuid(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    char dst[37])
{
	const char	*s;
	char		 sbuf[SHOW_MAX];
	int		 rc;

	if ((rc = get_text(rd, v, key, &s)) < 0)
		return rc;
	if (!reloc_domain_uuid_valid(s))
		return bad(rd, v, key, "'%s' is not a uuid", show(s, sbuf));
	memcpy(dst, s, 37);
	return 0;
}

static int
get_state(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    enum reloc_mstate *st_r)
{
	const char	*words[RELOC_MS_UNKNOWN + 1];
	unsigned	 i;
	int		 rc;

	for (i = 0; i <= RELOC_MS_UNKNOWN; i++)
		words[i] = reloc_mstate_name((enum reloc_mstate)i);
	if ((rc = get_word(rd, v, key, words, RELOC_MS_UNKNOWN + 1, &i)) == 0)
		*st_r = (enum reloc_mstate)i;
	return rc;
}

static int
get_outcome(const struct rd *rd, const struct reloc_sxp *v, const char *key,
    int *o_r)
{
	static const char *const words[] = { "-1", "0", "1", "3" };
	static const int values[] = { -1, RELOC_OUT_MOVED, RELOC_OUT_FAILED,
	    RELOC_OUT_UNKNOWN };
	unsigned	i;
	int		rc;

	if ((rc = get_word(rd, v, key, words, 4, &i)) == 0)
		*o_r = values[i];
	return rc;
}

/* Fields that are one word of a set. */
static int
get_wordy(const struct rd *rd, void *obj, const struct reloc_sxp *v,
    const struct rec_field *f)
{
	static const char *const yesno[] = { "no", "yes" };
	static const char *const prio[] = { "standard", "high" };
	static const char *const roles[] = { "source", "target" };
	unsigned	w;
	int		rc;

	switch (f->type) {
	case R_BOOL:
	case R_PRIO:
		rc = get_word(rd, v, f->key, f->type == R_BOOL ? yesno : prio,
		    2, &w);
		if (rc == 0)
			*REC_AT(obj, f->off, bool) = w == 1;
		return rc;
	case R_ROLE:
		if ((rc = get_word(rd, v, f->key, roles, 2, &w)) == 0)
			*REC_AT(obj, f->off, enum reloc_role) = w;
		return rc;
	case R_PHASE:
		if ((rc = get_word(rd, v, f->key, reloc__phase_names,
		    RELOC_PP_DONE + 1, &w)) == 0)
			*REC_AT(obj, f->off, enum reloc_progress_phase) = w;
		return rc;
	case R_STATE:
		return get_state(rd, v, f->key,
		    REC_AT(obj, f->off, enum reloc_mstate));
	default:
		return get_outcome(rd, v, f->key, REC_AT(obj, f->off, int));
	}
}

static int
get_scalar(const struct rd *rd, void *obj, const struct reloc_sxp *v,
    const struct rec_field *f)
{
	uint64_t	n;
	int		rc;

	switch (f->type) {
	case R_STR:
		return get_str(rd, v, f, REC_AT(obj, f->off, char));
	case R_UUID:
		return get_uuid(rd, v, f->key, REC_AT(obj, f->off, char));
	case R_UINT:
		if ((rc = get_num(rd, v, f->key, UINT_MAX, &n)) == 0)
			*REC_AT(obj, f->off, unsigned) = (unsigned)n;
		return rc;
	case R_DOMID:
		/* RELOC_DOMID_NONE is written as no domid at all. */
		if ((rc = get_num(rd, v, f->key, UINT32_MAX - 1, &n)) == 0)
			*REC_AT(obj, f->off, uint32_t) = (uint32_t)n;
		return rc;
	case R_U64:
		if ((rc = get_num(rd, v, f->key, INT64_MAX, &n)) == 0)
			*REC_AT(obj, f->off, uint64_t) = n;
		return rc;
	case R_I64:
		if ((rc = get_num(rd, v, f->key, INT64_MAX, &n)) == 0)
			*REC_AT(obj, f->off, int64_t) = (int64_t)n;
		return rc;
	case R_DOUBLE:
		return get_double(rd, v, f->key, REC_AT(obj, f->off, double));
	default:
		return get_wordy(rd, obj, v, f);
	}
}

/* (force a b ...) */
static int
get_force(const struct rd *rd, struct reloc_record *r,
    const struct reloc_sxp *c, const char *key)
{
	const char	*s;
	size_t		 i;
	int		 rc;

	for (i = 1; i < reloc_sxp_len(c); i++) {
		if ((rc = get_text(rd, reloc_sxp_nth(c, i), key, &s)) < 0)
			return rc;
		if (*s == '\0')
			return bad(rd, reloc_sxp_nth(c, i), key,
			    "an empty check name");
		if ((rc = reloc_record_set_force(r, &s, 1)) < 0)
			return rc;
	}
	return 0;
}

static int
get_verdict(const struct rd *rd, struct reloc_verdict *v,
    const struct reloc_sxp *c, const char *key)
{
	int	rc;

	if ((rc = reloc_verdict_from_sxp(c, v)) == RELOC_ERR_PROTO)
		return bad(rd, c, key, "a finding is malformed");
	return rc;
}

static int
get_field(const struct rd *rd, void *obj, const struct reloc_sxp *c,
    const struct rec_field *f)
{
	switch (f->type) {
	case R_FORCE:
		/* Only the record itself has a force list. */
		return get_force(rd, obj, c, f->key);
	case R_VERDICT:
		return get_verdict(rd, REC_AT(obj, f->off,
		    struct reloc_verdict), c, f->key);
	case R_SUB:
		if (f->flags & RF_PRESENT)
			*REC_AT(obj, f->aux, bool) = true;
		return get_fields(rd, REC_AT(obj, f->off, char), c, f->sub);
	default:
		if (reloc_sxp_len(c) != 2)
			return bad(rd, c, f->key, "expected (%s VALUE)",
			    f->key);
		return get_scalar(rd, obj, reloc_sxp_nth(c, 1), f);
	}
}

static const struct rec_field *
find_field(const struct rec_field *f, const struct reloc_sxp *c,
    unsigned *idx_r)
{
	unsigned	i;

	if (reloc_sxp_type(c) != RELOC_SXP_LIST)
		return NULL;
	for (i = 0; f[i].key != NULL; i++) {
		if ((f[i].flags & RF_XV_ONLY) == 0 &&
		    reloc__sxp_head_is(c, f[i].key)) {
			*idx_r = i;
			return &f[i];
		}
	}
	return NULL;
}

/* obj holds its defaults; the caller disposes it on failure. */
static int
get_fields(const struct rd *rd, void *obj, const struct reloc_sxp *list,
    const struct rec_field *f)
{
	const struct reloc_sxp	*c;
	const struct rec_field	*cf;
	uint64_t		 seen = 0;
	unsigned		 idx;
	size_t			 i;
	int			 rc;

	for (i = 1; i < reloc_sxp_len(list); i++) {
		c = reloc_sxp_nth(list, i);
		/* A key we do not know is a newer writer's: skip it. */
		if ((cf = find_field(f, c, &idx)) == NULL)
			continue;
		if (seen & (UINT64_C(1) << idx))
			return bad(rd, c, cf->key, "given twice");
		seen |= UINT64_C(1) << idx;
		if ((rc = get_field(rd, obj, c, cf)) < 0)
			return rc;
	}
	for (idx = 0; f[idx].key != NULL; idx++)
		if ((f[idx].flags & RF_REQUIRED) &&
		    (seen & (UINT64_C(1) << idx)) == 0)
			return bad(rd, list, f[idx].key, "missing");
	return 0;
}

int
reloc_record_from_sxp(const char *where, const struct reloc_sxp *sxp,
    struct reloc_record *r)
{
	struct rd	rd = { where != NULL ? where : "record" };
	int		rc;

	if (r == NULL)
		return RELOC_ERR_INVAL;
	reloc_record_init(r, RELOC_ROLE_SOURCE);
	if (sxp == NULL)
		return RELOC_ERR_INVAL;
	if (reloc_sxp_type(sxp) != RELOC_SXP_LIST ||
	    !reloc__sxp_head_is(sxp, HEAD))
		return bad(&rd, sxp, HEAD, "expected (%s ...)", HEAD);
	if ((rc = get_fields(&rd, r, sxp, reloc__record_fields)) < 0)
		goto out;
	return 0;
out:
	reloc_record_dispose(r);
	return rc;
}
