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
 * The wire form of domain and host descriptions, (domain (name web01) ...)
 * and (host (hostname a) ...), driven by the field tables: strict about
 * values, tolerant of fields a newer peer adds.
 */

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-int.h"

#define MOD		"domain"
#define SHOW_MAX	64

/* ---------------------------------------------------------------- write */

static int	put_fields(struct reloc_sxp *list, const void *obj,
		    const struct dom_field *f);

static int
put_recs(struct reloc_sxp *list, const void *obj, const struct dom_field *f)
{
	const char		*arr = reloc__dom_get_ptr(obj, f->off);
	size_t			 n = *CAT(obj, f->aux, size_t), i;
	struct reloc_sxp	*sub, *item;
	int			 rc;

	if ((rc = reloc__sxp_put_list(list, f->name, &sub)) < 0)
		return rc;
	for (i = 0; arr != NULL && i < n && rc == 0; i++) {
		if ((rc = reloc__sxp_put_list(sub, f->rec->item, &item)) == 0)
			rc = put_fields(item, arr + i * f->rec->size,
			    f->rec->fields);
	}
	return rc;
}

static int
put_field(struct reloc_sxp *list, const void *obj, const struct dom_field *f)
{
	const char		*s = NULL;
	struct reloc_sxp	*sub;
	int			 rc;

	switch (f->type) {
	case F_STR:
		s = *CAT(obj, f->off, str_t);
		return s != NULL ? reloc_sxp_add_str(list, f->name, s) : 0;
	case F_U32:
		return reloc_sxp_add_u64(list, f->name,
		    *CAT(obj, f->off, uint32_t));
	case F_UINT:
		return reloc_sxp_add_u64(list, f->name,
		    *CAT(obj, f->off, unsigned));
	case F_U64:
		return reloc_sxp_add_u64(list, f->name,
		    *CAT(obj, f->off, uint64_t));
	case F_BOOL:
		s = *CAT(obj, f->off, bool) ? "yes" : "no";
		break;
	case F_UUID:
		s = CAT(obj, f->off, char);
		if (*s == '\0' && !f->required)
			return 0;
		break;
	case F_DTYPE:
		s = reloc_dom_type_name(*CAT(obj, f->off, enum reloc_dom_type));
		break;
	case F_DSTATE:
		s = reloc_dom_state_name(*CAT(obj, f->off,
		    enum reloc_dom_state));
		break;
	case F_STRV:
		return reloc__sxp_put_strv(list, f->name,
		    *CAT(obj, f->off, strv_t),
		    *CAT(obj, f->aux, size_t));
	case F_BLOB:
		if ((s = *CAT(obj, f->off, str_t)) == NULL)
			return 0;
		if ((rc = reloc__sxp_put_list(list, f->name, &sub)) < 0)
			return rc;
		return reloc__sxp_put_atom(sub, s, *CAT(obj, f->aux, size_t));
	case F_RECS:
		return put_recs(list, obj, f);
	}
	return reloc_sxp_add_str(list, f->name, s);
}

static int
put_fields(struct reloc_sxp *list, const void *obj, const struct dom_field *f)
{
	int	rc = 0;

	for (; f->name != NULL && rc == 0; f++)
		rc = put_field(list, obj, f);
	return rc;
}

static int
to_sxp(const char *head, const void *obj, const struct dom_field *f,
    struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*list;
	int			 rc;

	if (obj == NULL || sxp_r == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc_sxp_new_list(&list)) < 0)
		return rc;
	if ((rc = reloc__sxp_put_atom(list, head, strlen(head))) < 0 ||
	    (rc = put_fields(list, obj, f)) < 0) {
		reloc_sxp_free(list);
		return rc;
	}
	*sxp_r = list;
	return 0;
}

int
reloc_domain_to_sxp(const struct reloc_domain *dom, struct reloc_sxp **sxp_r)
{
	return to_sxp("domain", dom, reloc__domain_fields, sxp_r);
}

int
reloc_hostinfo_to_sxp(const struct reloc_hostinfo *hi,
    struct reloc_sxp **sxp_r)
{
	return to_sxp("host", hi, reloc__host_fields, sxp_r);
}

/* ---------------------------------------------------------------- read */

static int	get_fields(void *obj, const struct reloc_sxp *list,
		    const struct dom_field *f);
static int	bad(const struct reloc_sxp *n, const char *field,
		    const char *fmt, ...) RELOC_PRINTF(3, 4);

/* Log "NAME:LINE:COL: FIELD: message" for a node of the peer's. */
static int
bad(const struct reloc_sxp *n, const char *field, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errx(MOD, "%s:%u:%u: %s: %s", reloc_sxp_source(n),
	    reloc_sxp_line(n), reloc_sxp_col(n), field, msg);
	return RELOC_ERR_PROTO;
}

static const char *
show(const struct reloc_sxp *n, char buf[SHOW_MAX])
{
	const char	*s;
	size_t		 len;

	s = reloc_sxp_atom(n, &len);
	return reloc__conf_show(s != NULL ? s : "", len, buf, SHOW_MAX);
}

/* An atom that is a C string: no NUL inside. */
static int
get_text(const struct reloc_sxp *v, const char *field, const char **s_r)
{
	const char	*s;
	size_t		 len;

	if ((s = reloc_sxp_atom(v, &len)) == NULL)
		return bad(v, field, "expected an atom, not a list");
	if (strlen(s) != len)
		return bad(v, field, "contains a NUL byte");
	*s_r = s;
	return 0;
}

static int
get_num(const struct reloc_sxp *v, const char *field, uint64_t max,
    uint64_t *n_r)
{
	const char	*s;
	char		 sbuf[SHOW_MAX];
	int		 rc;

	if ((rc = get_text(v, field, &s)) < 0)
		return rc;
	switch (reloc__dec_parse(s, max, n_r)) {
	case RELOC__DEC_OK:
		return 0;
	case RELOC__DEC_NOT_DECIMAL:
		return bad(v, field, "'%s' is not a decimal number",
		    show(v, sbuf));
	case RELOC__DEC_TOO_LARGE:
		return bad(v, field, "'%s' is too large", show(v, sbuf));
	default:
		return bad(v, field, "%s out of range 0..%" PRIu64, s, max);
	}
}

static int
get_word(const struct reloc_sxp *v, const char *field,
    const char *const *words, size_t nwords, unsigned *i_r)
{
	const char	*s;
	char		 sbuf[SHOW_MAX];
	int		 i, rc;

	if ((rc = get_text(v, field, &s)) < 0)
		return rc;
	if ((i = reloc__word_index(s, words, nwords)) < 0)
		return bad(v, field, "unknown value '%s'", show(v, sbuf));
	*i_r = (unsigned)i;
	return 0;
}

static int
get_number_field(void *obj, const struct reloc_sxp *v,
    const struct dom_field *f)
{
	uint64_t	n;
	int		rc;

	switch (f->type) {
	case F_U32:
		if ((rc = get_num(v, f->name, UINT32_MAX, &n)) == 0)
			*AT(obj, f->off, uint32_t) = (uint32_t)n;
		return rc;
	case F_UINT:
		if ((rc = get_num(v, f->name, UINT_MAX, &n)) == 0)
			*AT(obj, f->off, unsigned) = (unsigned)n;
		return rc;
	default:
		if ((rc = get_num(v, f->name, UINT64_MAX, &n)) == 0)
			*AT(obj, f->off, uint64_t) = n;
		return rc;
	}
}

static int
get_scalar(void *obj, const struct reloc_sxp *v, const struct dom_field *f)
{
	static const char *const yesno[] = { "no", "yes" };
	const char	*s;
	unsigned	 w;
	size_t		 len;
	int		 rc;

	switch (f->type) {
	case F_STR:
		if ((rc = get_text(v, f->name, &s)) < 0)
			return rc;
		return (*AT(obj, f->off, str_t) = strdup(s)) != NULL ? 0 :
		    RELOC_ERR_NOMEM;
	case F_BOOL:
		if ((rc = get_word(v, f->name, yesno, 2, &w)) == 0)
			*AT(obj, f->off, bool) = w == 1;
		return rc;
	case F_DTYPE:
		if ((rc = get_word(v, f->name, reloc__dom_type_names,
		    RELOC_DOM_HVM + 1, &w)) == 0)
			*AT(obj, f->off, enum reloc_dom_type) = w;
		return rc;
	case F_DSTATE:
		if ((rc = get_word(v, f->name, reloc__dom_state_names,
		    RELOC_DS_SHUTDOWN + 1, &w)) == 0)
			*AT(obj, f->off, enum reloc_dom_state) = w;
		return rc;
	case F_UUID:
		if ((rc = get_text(v, f->name, &s)) < 0)
			return rc;
		if (!reloc_domain_uuid_valid(s))
			return bad(v, f->name, "not a uuid");
		memcpy(AT(obj, f->off, char), s, 37);
		return 0;
	case F_BLOB:
		if ((s = reloc_sxp_atom(v, &len)) == NULL)
			return bad(v, f->name, "expected an atom, not a list");
		*AT(obj, f->aux, size_t) = len;
		return reloc__dom_copy_bytes(AT(obj, f->off, str_t), s, len);
	default:
		return get_number_field(obj, v, f);
	}
}

static int
get_strv(void *obj, const struct reloc_sxp *c, const struct dom_field *f)
{
	char		***v = AT(obj, f->off, strv_t);
	size_t		  *n = AT(obj, f->aux, size_t);
	size_t		   i, len = reloc_sxp_len(c);
	const char	  *s;
	int		   rc;

	if (len < 2)
		return 0;
	if ((*v = calloc(len - 1, sizeof(**v))) == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 1; i < len; i++) {
		if ((rc = get_text(reloc_sxp_nth(c, i), f->name, &s)) < 0)
			return rc;
		if (((*v)[i - 1] = strdup(s)) == NULL)
			return RELOC_ERR_NOMEM;
		*n = i;
	}
	return 0;
}

/* (vifs (vif ...) ...): elements of another kind come from newer peers. */
static int
get_recs(void *obj, const struct reloc_sxp *c, const struct dom_field *f)
{
	const struct dom_rec	*r = f->rec;
	const struct reloc_sxp	*e;
	size_t			 i, n = 0, len = reloc_sxp_len(c);
	char			*arr;
	int			 rc;

	for (i = 1; i < len; i++)
		n += reloc__sxp_head_is(reloc_sxp_nth(c, i), r->item);
	if (n == 0)
		return 0;
	if ((arr = calloc(n, r->size)) == NULL)
		return RELOC_ERR_NOMEM;
	reloc__dom_set_ptr(obj, f->off, arr);
	for (i = 1, n = 0; i < len; i++) {
		if (!reloc__sxp_head_is((e = reloc_sxp_nth(c, i)), r->item))
			continue;
		*AT(obj, f->aux, size_t) = n + 1;
		if ((rc = get_fields(arr + n++ * r->size, e, r->fields)) < 0)
			return rc;
	}
	return 0;
}

static int
get_field(void *obj, const struct reloc_sxp *c, const struct dom_field *f)
{
	if (f->type == F_STRV)
		return get_strv(obj, c, f);
	if (f->type == F_RECS)
		return get_recs(obj, c, f);
	if (reloc_sxp_len(c) != 2)
		return bad(c, f->name, "expected (%s VALUE)", f->name);
	return get_scalar(obj, reloc_sxp_nth(c, 1), f);
}

static const struct dom_field *
find_field(const struct dom_field *f, const struct reloc_sxp *c,
    unsigned *idx_r)
{
	unsigned	i;

	if (reloc_sxp_type(c) != RELOC_SXP_LIST)
		return NULL;
	for (i = 0; f[i].name != NULL; i++) {
		if (reloc__sxp_head_is(c, f[i].name)) {
			*idx_r = i;
			return &f[i];
		}
	}
	return NULL;
}

/* obj is zeroed; on failure the caller releases what was filled in. */
static int
get_fields(void *obj, const struct reloc_sxp *list, const struct dom_field *f)
{
	const struct reloc_sxp	*c;
	const struct dom_field	*cf;
	uint32_t		 seen = 0;
	unsigned		 idx;
	size_t			 i;
	int			 rc;

	for (i = 1; i < reloc_sxp_len(list); i++) {
		c = reloc_sxp_nth(list, i);
		/* A field we do not know is a newer peer's: skip it. */
		if ((cf = find_field(f, c, &idx)) == NULL)
			continue;
		if (seen & (1u << idx))
			return bad(c, cf->name, "given twice");
		seen |= 1u << idx;
		if ((rc = get_field(obj, c, cf)) < 0)
			return rc;
	}
	for (idx = 0; f[idx].name != NULL; idx++)
		if (f[idx].required && (seen & (1u << idx)) == 0)
			return bad(list, f[idx].name, "missing");
	return 0;
}

static int
from_sxp(const struct reloc_sxp *sxp, const char *head, void *obj,
    const struct dom_field *f)
{
	int	rc;

	if (sxp == NULL)
		return RELOC_ERR_INVAL;
	if (reloc_sxp_type(sxp) != RELOC_SXP_LIST ||
	    !reloc__sxp_head_is(sxp, head))
		return bad(sxp, head, "expected (%s ...)", head);
	if ((rc = get_fields(obj, sxp, f)) < 0)
		reloc__dom_free_fields(obj, f);
	return rc;
}

int
reloc_domain_from_sxp(const struct reloc_sxp *sxp, struct reloc_domain *dom_r)
{
	struct reloc_domain	d;
	int			rc;

	memset(&d, 0, sizeof(d));
	if ((rc = from_sxp(sxp, "domain", &d, reloc__domain_fields)) == 0)
		*dom_r = d;
	return rc;
}

int
reloc_hostinfo_from_sxp(const struct reloc_sxp *sxp,
    struct reloc_hostinfo *hi_r)
{
	struct reloc_hostinfo	hi;
	int			rc;

	memset(&hi, 0, sizeof(hi));
	if ((rc = from_sxp(sxp, "host", &hi, reloc__host_fields)) == 0)
		*hi_r = hi;
	return rc;
}
