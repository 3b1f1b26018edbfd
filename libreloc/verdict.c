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
 * Precheck verdicts: the list of findings a target sends back, its
 * S-expression form on the wire and its XML-RPC form for xm.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

static void
finding_dispose(struct reloc_finding *f)
{
	free(f->check);
	free(f->code);
	free(f->message);
	free(f->fix);
	memset(f, 0, sizeof(*f));
}

void
reloc_verdict_dispose(struct reloc_verdict *v)
{
	size_t	i;

	for (i = 0; i < v->nr_findings; i++)
		finding_dispose(&v->findings[i]);
	free(v->findings);
	v->findings = NULL;
	v->nr_findings = 0;
}

const char *
reloc_severity_name(enum reloc_severity sev)
{
	return sev == RELOC_SEV_ERROR ? "error" : "warning";
}

static int
finding_fill(struct reloc_finding *f, enum reloc_severity sev,
    const char *check, const char *code, const char *fix, const char *msg)
{
	f->severity = sev;
	f->check = strdup(check);
	f->code = strdup(code);
	f->fix = strdup(fix != NULL ? fix : "");
	f->message = strdup(msg);
	if (f->check == NULL || f->code == NULL || f->fix == NULL ||
	    f->message == NULL) {
		finding_dispose(f);
		return RELOC_ERR_NOMEM;
	}
	return 0;
}

static int
verdict_push(struct reloc_verdict *v, struct reloc_finding **f_r)
{
	struct reloc_finding	*nf;

	nf = reallocarray(v->findings, v->nr_findings + 1, sizeof(*nf));
	if (nf == NULL)
		return RELOC_ERR_NOMEM;
	v->findings = nf;
	*f_r = &nf[v->nr_findings];
	memset(*f_r, 0, sizeof(**f_r));
	return 0;
}

/* A summary's message: "and N" then this. */
#define MORE_TAIL	" more like the above, not listed"

/* A finding of this kind: same severity, check and code. */
static bool
finding_is(const struct reloc_finding *f, enum reloc_severity sev,
    const char *check, const char *code)
{
	return f->severity == sev && strcmp(f->check, check) == 0 &&
	    strcmp(f->code, code) == 0;
}

static bool
finding_is_summary(const struct reloc_finding *f)
{
	size_t	len = strlen(f->message), tail = strlen(MORE_TAIL);

	return strncmp(f->message, "and ", 4) == 0 && len > tail &&
	    strcmp(f->message + len - tail, MORE_TAIL) == 0;
}

/* Count one more finding into the summary s, whose count leads. */
static int
summary_bump(struct reloc_finding *s)
{
	unsigned long	 n = strtoul(s->message + 4, NULL, 10) + 1;
	char		*msg;

	if (asprintf(&msg, "and %lu" MORE_TAIL, n) == -1)
		return RELOC_ERR_NOMEM;
	free(s->message);
	s->message = msg;
	return 0;
}

/*
 * A host with thousands of vifs must not make a verdict the wire cannot
 * carry: past RELOC_VERDICT_PER_KIND findings of a kind, one summary
 * finding counts the rest.  0: add the finding; COUNTED: it was counted
 * in the summary; SUMMARY: add it as the summary.
 */
#define COUNTED		1
#define SUMMARY		2

static int
verdict_coalesce(struct reloc_verdict *v, enum reloc_severity sev,
    const char *check, const char *code)
{
	struct reloc_finding	*summary = NULL;
	size_t			 i, n = 0;

	for (i = 0; i < v->nr_findings; i++) {
		if (!finding_is(&v->findings[i], sev, check, code))
			continue;
		if (finding_is_summary(&v->findings[i]))
			summary = &v->findings[i];
		else
			n++;
	}
	if (n < RELOC_VERDICT_PER_KIND)
		return 0;
	if (summary == NULL)
		return SUMMARY;
	return summary_bump(summary) < 0 ? RELOC_ERR_NOMEM :
	    COUNTED;
}

int
reloc_verdict_add(struct reloc_verdict *v, enum reloc_severity sev,
    const char *check, const char *code, const char *fix,
    const char *fmt, ...)
{
	struct reloc_finding	*f;
	char			 msg[1024];
	va_list			 ap;
	int			 rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((rc = verdict_coalesce(v, sev, check, code)) < 0)
		return rc;
	if (rc == COUNTED)
		return 0;
	if (rc == SUMMARY)
		snprintf(msg, sizeof(msg), "and 1" MORE_TAIL);
	if ((rc = verdict_push(v, &f)) < 0)
		return rc;
	if ((rc = finding_fill(f, sev, check, code, fix, msg)) < 0)
		return rc;
	v->nr_findings++;
	return 0;
}

int
reloc__finding_copy(const struct reloc_finding *src, struct reloc_finding *dst)
{
	int	rc;

	memset(dst, 0, sizeof(*dst));
	rc = finding_fill(dst, src->severity, src->check, src->code, src->fix,
	    src->message);
	dst->forced = src->forced;
	return rc;
}

int
reloc__verdict_append(struct reloc_verdict *dst,
    const struct reloc_verdict *src)
{
	struct reloc_finding	*f;
	size_t			 i;
	int			 rc;

	for (i = 0; i < src->nr_findings; i++) {
		if ((rc = verdict_push(dst, &f)) < 0)
			return rc;
		if ((rc = reloc__finding_copy(&src->findings[i], f)) < 0) {
			finding_dispose(f);
			return rc;
		}
		dst->nr_findings++;
	}
	return 0;
}

bool
reloc_verdict_blocks(const struct reloc_verdict *v)
{
	size_t	i;

	for (i = 0; i < v->nr_findings; i++)
		if (v->findings[i].severity == RELOC_SEV_ERROR &&
		    !v->findings[i].forced)
			return true;
	return false;
}

static int
finding_to_sxp(const struct reloc_finding *f, struct reloc_sxp *list)
{
	struct reloc_sxp	*node = NULL, *head = NULL;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&node)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom("finding", 7, &head)) < 0 ||
	    (rc = reloc_sxp_append(node, head)) < 0 ||
	    (rc = reloc_sxp_add_str(node, "severity",
	    reloc_severity_name(f->severity))) < 0 ||
	    (rc = reloc_sxp_add_str(node, "check", f->check)) < 0 ||
	    (rc = reloc_sxp_add_str(node, "code", f->code)) < 0 ||
	    (rc = reloc_sxp_add_str(node, "message", f->message)) < 0 ||
	    (rc = reloc_sxp_add_str(node, "fix", f->fix)) < 0 ||
	    (rc = reloc_sxp_add_str(node, "forced",
	    f->forced ? "yes" : "no")) < 0) {
		reloc_sxp_free(node);
		return rc;
	}
	return reloc_sxp_append(list, node);
}

int
reloc_verdict_to_sxp(const struct reloc_verdict *v, struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*list = NULL, *head = NULL;
	size_t			 i;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&list)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom("findings", 8, &head)) < 0 ||
	    (rc = reloc_sxp_append(list, head)) < 0)
		goto out;
	for (i = 0; i < v->nr_findings; i++)
		if ((rc = finding_to_sxp(&v->findings[i], list)) < 0)
			goto out;
	*sxp_r = list;
	return 0;
out:
	reloc_sxp_free(list);
	return rc;
}

static int
finding_from_sxp(const struct reloc_sxp *node, struct reloc_verdict *v)
{
	const char		*sev, *check, *code, *msg, *fix, *forced;
	struct reloc_finding	*f;
	int			 rc;

	sev = reloc_sxp_value(node, "severity");
	check = reloc_sxp_value(node, "check");
	code = reloc_sxp_value(node, "code");
	msg = reloc_sxp_value(node, "message");
	fix = reloc_sxp_value(node, "fix");
	forced = reloc_sxp_value(node, "forced");
	if (sev == NULL || check == NULL || code == NULL || msg == NULL) {
		log_warnx("proto", "%s:%u:%u: finding lacks severity, check, "
		    "code or message", reloc_sxp_source(node),
		    reloc_sxp_line(node), reloc_sxp_col(node));
		return RELOC_ERR_PROTO;
	}
	if ((rc = verdict_push(v, &f)) < 0)
		return rc;
	rc = finding_fill(f, strcmp(sev, "error") == 0 ? RELOC_SEV_ERROR :
	    RELOC_SEV_WARNING, check, code, fix, msg);
	if (rc < 0)
		return rc;
	f->forced = forced != NULL && strcmp(forced, "yes") == 0;
	v->nr_findings++;
	return 0;
}

int
reloc_verdict_from_sxp(const struct reloc_sxp *sxp, struct reloc_verdict *v_r)
{
	struct reloc_verdict	 v = { NULL, 0 };
	struct reloc_sxp	*node;
	size_t			 i;
	int			 rc = 0;

	/* Element 0 is the head atom "findings". */
	for (i = 1; i < reloc_sxp_len(sxp); i++) {
		node = reloc_sxp_nth(sxp, i);
		if (reloc_sxp_type(node) != RELOC_SXP_LIST)
			continue;
		if ((rc = finding_from_sxp(node, &v)) < 0) {
			reloc_verdict_dispose(&v);
			return rc;
		}
	}
	*v_r = v;
	return 0;
}

static int
finding_to_xv(const struct reloc_finding *f, struct reloc_xv **xv_r)
{
	struct reloc_xv	*st = NULL;
	int		 rc;

	if ((rc = reloc_xv_new_struct(&st)) < 0)
		return rc;
	if ((rc = reloc_xv_struct_set_string(st, "severity",
	    reloc_severity_name(f->severity))) < 0 ||
	    (rc = reloc_xv_struct_set_string(st, "check", f->check)) < 0 ||
	    (rc = reloc_xv_struct_set_string(st, "code", f->code)) < 0 ||
	    (rc = reloc_xv_struct_set_string(st, "message", f->message)) < 0 ||
	    (rc = reloc_xv_struct_set_string(st, "fix", f->fix)) < 0 ||
	    (rc = reloc_xv_struct_set_bool(st, "forced", f->forced)) < 0) {
		reloc_xv_free(st);
		return rc;
	}
	*xv_r = st;
	return 0;
}

int
reloc_verdict_to_xv(const struct reloc_verdict *v, struct reloc_xv **xv_r)
{
	struct reloc_xv	*arr = NULL, *f = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = reloc_xv_new_array(&arr)) < 0)
		return rc;
	for (i = 0; i < v->nr_findings; i++) {
		if ((rc = finding_to_xv(&v->findings[i], &f)) < 0 ||
		    (rc = reloc_xv_array_append(arr, f)) < 0) {
			reloc_xv_free(arr);
			return rc;
		}
	}
	*xv_r = arr;
	return 0;
}
