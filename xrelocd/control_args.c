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
 * The control methods' arguments: one typed decoding path for every
 * positional argument and struct member, and the options of a migration
 * (xend.domain.migrate as xend's xm sends them, xrelocd.migrate's struct)
 * checked whole before anything is queued.  A value of the wrong type is
 * refused, never ignored: the migration asked for runs, or none does.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xrelocd.h"

static int RELOC_PRINTF(2, 3)
why(char **why_r, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(why_r, fmt, ap) == -1)
		*why_r = NULL;
	va_end(ap);
	return -1;
}

/* What a value is, for a fault: "a string", "the int 2". */
static const char *
what_is(const struct reloc_xv *v, char *buf, size_t len)
{
	int64_t	i;

	switch (reloc_xv_type(v)) {
	case RELOC_XV_INT:
	case RELOC_XV_I8:
		(void)reloc_xv_get_int(v, &i);
		snprintf(buf, len, "the int %lld", (long long)i);
		return buf;
	case RELOC_XV_BOOL:
		return "a boolean";
	case RELOC_XV_STRING:
		return "a string";
	case RELOC_XV_DOUBLE:
		return "a double";
	case RELOC_XV_ARRAY:
		return "an array";
	case RELOC_XV_STRUCT:
		return "a struct";
	case RELOC_XV_BASE64:
		return "base64 data";
	case RELOC_XV_DATETIME:
		return "a dateTime.iso8601";
	case RELOC_XV_NIL:
		break;
	}
	return "nil";
}

/* What an argument of this kind must be, for a fault. */
static const char *
expected(const struct ctl_arg *a, char *buf, size_t len)
{
	switch (a->kind) {
	case CTL_ARG_STRING:
		return "a string";
	case CTL_ARG_BOOL:
		return "a boolean (true or false, or the int 0 or 1)";
	case CTL_ARG_INT:
		snprintf(buf, len, "an int from %lld to %lld",
		    (long long)a->min, (long long)a->max);
		return buf;
	case CTL_ARG_PORT:
		return "a port number from 1 to 65535, or 0 for the "
		    "configured xend-relocation-port";
	case CTL_ARG_NAMES:
		return "an array of strings";
	}
	return "?";
}

static int
wrong(const char *method, const struct ctl_arg *a, const struct reloc_xv *v,
    char **why_r)
{
	char	e[64], g[64];

	return why(why_r, "%s: %s must be %s, not %s: nothing was done",
	    method, a->name, expected(a, e, sizeof(e)),
	    what_is(v, g, sizeof(g)));
}

static int
decode_int(const char *method, const struct ctl_arg *a,
    const struct reloc_xv *v, int64_t *i_r, char **why_r)
{
	int64_t	i;

	if (reloc_xv_get_int(v, &i) < 0)
		return wrong(method, a, v, why_r);
	if (a->kind == CTL_ARG_PORT && (i < 0 || i > 65535))
		return why(why_r, "%s: port %lld out of range: give 1 to "
		    "65535, or 0 for the configured xend-relocation-port",
		    method, (long long)i);
	if (a->kind == CTL_ARG_INT && (i < a->min || i > a->max))
		return why(why_r, "%s: %s %lld out of range: give %lld to "
		    "%lld", method, a->name, (long long)i,
		    (long long)a->min, (long long)a->max);
	*i_r = i;
	return 0;
}

static int
decode_names(const char *method, const struct ctl_arg *a,
    const struct reloc_xv *v, const struct reloc_xv **v_r, char **why_r)
{
	const struct reloc_xv	*e;
	char			 g[64];
	size_t			 i;

	if (reloc_xv_type(v) != RELOC_XV_ARRAY)
		return wrong(method, a, v, why_r);
	for (i = 0; i < reloc_xv_len(v); i++) {
		e = reloc_xv_nth(v, i, NULL);
		if (reloc_xv_get_string(e) == NULL)
			return why(why_r, "%s: %s must be an array of "
			    "strings, not of %s (element %zu): nothing was "
			    "done", method, a->name,
			    what_is(e, g, sizeof(g)), i);
	}
	*v_r = v;
	return 0;
}

/* One value, not nil, into its field of out. */
static int
decode_one(const char *method, const struct ctl_arg *a,
    const struct reloc_xv *v, void *out, char **why_r)
{
	char	*field = (char *)out + a->off;
	int64_t	 i;
	bool	 b;

	switch (a->kind) {
	case CTL_ARG_STRING:
		if (reloc_xv_get_string(v) == NULL)
			return wrong(method, a, v, why_r);
		*(const char **)(void *)field = reloc_xv_get_string(v);
		return 0;
	case CTL_ARG_BOOL:
		/* xend's xm sends its flags as the ints 0 and 1. */
		if (reloc_xv_get_bool(v, &b) < 0) {
			if (reloc_xv_get_int(v, &i) < 0 || (i != 0 && i != 1))
				return wrong(method, a, v, why_r);
			b = i == 1;
		}
		*(bool *)(void *)field = b;
		return 0;
	case CTL_ARG_INT:
	case CTL_ARG_PORT:
		return decode_int(method, a, v, (int64_t *)(void *)field,
		    why_r);
	case CTL_ARG_NAMES:
		return decode_names(method, a, v,
		    (const struct reloc_xv **)(void *)field, why_r);
	}
	return wrong(method, a, v, why_r);
}

/* "a, b, c": the names of spec, for a fault. */
static void
names_of(const struct ctl_arg *spec, size_t n, char *buf, size_t len)
{
	size_t	i, used = 0;
	int	r;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		r = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
		    spec[i].name);
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

int
control_args_params(const char *method, const struct reloc_xv *params,
    const struct ctl_arg *spec, size_t n, void *out, uint32_t *given_r,
    char **why_r)
{
	const struct reloc_xv	*v;
	char			 sig[256];
	uint32_t		 given = 0;
	size_t			 i;

	names_of(spec, n, sig, sizeof(sig));
	if (reloc_xv_len(params) > n)
		return why(why_r, "%s takes %zu arguments (%s), not %zu",
		    method, n, sig, reloc_xv_len(params));
	for (i = 0; i < n; i++) {
		v = reloc_xv_nth(params, i, NULL);
		if (v != NULL && reloc_xv_type(v) != RELOC_XV_NIL) {
			if (decode_one(method, &spec[i], v, out, why_r) < 0)
				return -1;
			given |= UINT32_C(1) << i;
		} else if (spec[i].required)
			return why(why_r, "%s: %s is missing: it takes (%s)",
			    method, spec[i].name, sig);
	}
	if (given_r != NULL)
		*given_r = given;
	return 0;
}

/* A member name the client gave, printable, for a fault. */
static void
printable(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
}

static ssize_t
spec_index(const struct ctl_arg *spec, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(spec[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

int
control_args_struct(const char *method, const struct reloc_xv *st,
    const struct ctl_arg *spec, size_t n, void *out, uint32_t *given_r,
    char **why_r)
{
	const struct reloc_xv	*v;
	const char		*name;
	char			 sig[256], g[64], shown[48];
	uint32_t		 given = 0;
	ssize_t			 k;
	size_t			 i;

	names_of(spec, n, sig, sizeof(sig));
	if (st == NULL || reloc_xv_type(st) != RELOC_XV_STRUCT)
		return why(why_r, "%s takes a struct of options (%s), not %s",
		    method, sig, st == NULL ? "none" :
		    what_is(st, g, sizeof(g)));
	for (i = 0; i < reloc_xv_len(st); i++) {
		v = reloc_xv_nth(st, i, &name);
		if ((k = spec_index(spec, n, name)) < 0) {
			printable(name, shown, sizeof(shown));
			return why(why_r, "%s: unknown member '%s': use %s",
			    method, shown, sig);
		}
		if (reloc_xv_type(v) == RELOC_XV_NIL)
			continue;
		if (decode_one(method, &spec[k], v, out, why_r) < 0)
			return -1;
		given |= UINT32_C(1) << k;
	}
	for (i = 0; i < n; i++)
		if (spec[i].required && (given & UINT32_C(1) << i) == 0)
			return why(why_r, "%s needs member %s", method,
			    spec[i].name);
	if (given_r != NULL)
		*given_r = given;
	return 0;
}

/* A migration's options as a method gives them, before they are checked. */
struct mig_args {
	const char		*domain;
	const char		*host;
	const char		*priority;
	bool			 live;
	bool			 check;
	bool			 ssl;
	bool			 chs;
	int64_t			 port;
	int64_t			 node;
	int64_t			 rate;
	const char		*compress;	/* NULL: the key's */
	int64_t			 streams;
	int64_t			 max_downtime;	/* -1: the key's */
	int64_t			 timeout;	/* -1: the key's */
	const struct reloc_xv	*force;
};

#define ARG(name, kind, req, min, max, field)				\
	{ name, CTL_ARG_##kind, req, min, max,				\
	    offsetof(struct mig_args, field) }

/* xend.domain.migrate(dom, dst, live, port, node, ssl, chs): Xen 3.3-4.4 */
static const struct ctl_arg xend_spec[] = {
	ARG("dom",	STRING,	true,	0, 0,			domain),
	ARG("dst",	STRING,	true,	0, 0,			host),
	ARG("live",	BOOL,	false,	0, 0,			live),
	ARG("port",	PORT,	false,	0, 0,			port),
	ARG("node",	INT,	false,	INT32_MIN, INT32_MAX,	node),
	ARG("ssl",	BOOL,	false,	0, 0,			ssl),
	ARG("chs",	BOOL,	false,	0, 0,			chs),
};
#define XEND_SSL	5

/* xrelocd.migrate's struct, as xm(1) sends it. */
static const struct ctl_arg opts_spec[] = {
	ARG("domain",	STRING,	true,	0, 0,			domain),
	ARG("host",	STRING,	true,	0, 0,			host),
	ARG("live",	BOOL,	false,	0, 0,			live),
	ARG("check",	BOOL,	false,	0, 0,			check),
	ARG("ssl",	BOOL,	false,	0, 0,			ssl),
	ARG("node",	INT,	false,	INT32_MIN, INT32_MAX,	node),
	ARG("port",	PORT,	false,	0, 0,			port),
	ARG("rate",	INT,	false,	0, 1000000,		rate),
	ARG("compress",	STRING,	false,	0, 0,			compress),
	ARG("streams",	INT,	false,	0, RELOC_STREAMS_MAX,	streams),
	ARG("max-downtime", INT, false,	0, 3600000,		max_downtime),
	ARG("timeout",	INT,	false,	0, 86400,		timeout),
	ARG("priority",	STRING,	false,	0, 0,			priority),
	ARG("force",	NAMES,	false,	0, 0,			force),
};
#define OPTS_SSL	4

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
check_force(const struct reloc_xv *force, char **why_r)
{
	const char *const	*names = reloc_precheck_names();
	const char		*f;
	size_t			 i, n;

	for (i = 0; i < reloc_xv_len(force); i++) {
		f = reloc_xv_get_string(reloc_xv_nth(force, i, NULL));
		for (n = 0; names[n] != NULL; n++)
			if (strcmp(names[n], f) == 0)
				break;
		if (names[n] == NULL)
			return why(why_r, "--force %s: no such check (see "
			    "xm(1), PRECHECKS)", f);
		if (!reloc_precheck_forcible(f))
			return why(why_r, "--force %s: this check cannot be "
			    "overridden", f);
	}
	return 0;
}

/*
 * TLS, asked for (-s) or the configured default (xend-relocation-ssl):
 * refused when the mode is disabled or there is no certificate, forced
 * by the required mode.
 */
static int
check_ssl(const struct xrelocd *x, struct mig_args *a, bool ssl_given,
    char **why_r)
{
	enum reloc_tls_mode	mode = tlsctx_mode(x->conf);

	if (mode == RELOC_TLS_REQUIRED)
		a->ssl = true;
	if (!a->ssl)
		return 0;
	if (mode == RELOC_TLS_DISABLED)
		return why(why_r, "%s: xrelocd-relocation-ssl-mode is disabled "
		    "here: migrate without -s, or set the mode to "
		    "opportunistic", ssl_given ? "TLS relocation (-s)" :
		    "xend-relocation-ssl yes");
	if (x->tls_ctx == NULL && ssl_given)
		return why(why_r, "TLS relocation (-s) needs this host's "
		    "certificate: set xend-relocation-server-ssl-cert-file, "
		    "-key-file and xrelocd-relocation-ssl-ca, or migrate "
		    "without -s");
	if (x->tls_ctx == NULL)
		return why(why_r, "xend-relocation-ssl is yes but this host "
		    "has no certificate: set xend-relocation-server-ssl-cert-"
		    "file, -key-file and xrelocd-relocation-ssl-ca, or set "
		    "xend-relocation-ssl no, or ask for ssl false");
	return 0;
}

/*
 * What xrelocd does not do is refused, never left out: a NUMA node, a
 * change of home server.
 */
static int
check_args(const struct xrelocd *x, struct mig_args *a, bool ssl_given,
    char **why_r)
{
	enum reloc_codec	c;

	if (check_ssl(x, a, ssl_given, why_r) < 0)
		return -1;
	if (a->node != -1)
		return why(why_r, "-n NODE (NUMA node on the target) is not "
		    "supported: migrate without -n");
	if (a->chs)
		return why(why_r, "-c (change the home server of a managed "
		    "domain) is not supported: migrate without -c");
	if (a->priority != NULL && strcmp(a->priority, "high") != 0 &&
	    strcmp(a->priority, "standard") != 0)
		return why(why_r, "priority '%.20s': use high or standard",
		    a->priority);
	if (a->compress != NULL && reloc_codec_parse(a->compress, &c) < 0)
		return why(why_r, "compress '%.20s': use none, lz4, zstd or "
		    "auto", a->compress);
	return check_force(a->force, why_r);
}

static int
to_opts(struct xrelocd *x, const struct mig_args *a, struct job_opts *o)
{
	size_t	i, n = reloc_xv_len(a->force);
	int64_t	port = a->port;

	if (port == 0)
		port = reloc_conf_int(x->conf, a->ssl ? RELOC_CK_SSL_PORT :
		    RELOC_CK_RELOCATION_PORT);
	o->ssl = a->ssl;
	o->live = a->live;
	o->check = a->check;
	o->high = a->priority != NULL && strcmp(a->priority, "high") == 0;
	o->rate_mbps = (unsigned)a->rate;
	/* Checked by check_args (the key by the config's own check). */
	(void)reloc_codec_parse(a->compress != NULL ? a->compress :
	    reloc_conf_str(x->conf, RELOC_CK_COMPRESSION), &o->codec);
	o->streams = (unsigned)a->streams;
	o->max_downtime_ms = (unsigned)(a->max_downtime != -1 ?
	    a->max_downtime : reloc_conf_int(x->conf, RELOC_CK_MAX_DOWNTIME));
	o->timeout_s = (unsigned)(a->timeout != -1 ? a->timeout :
	    reloc_conf_int(x->conf, RELOC_CK_PRECOPY_TIMEOUT));
	if ((o->domain = strdup(a->domain)) == NULL ||
	    (o->host = strdup(a->host)) == NULL ||
	    asprintf(&o->port, "%lld", (long long)port) < 0 ||
	    (n > 0 && (o->force = calloc(n, sizeof(*o->force))) == NULL))
		return RELOC_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		o->force[i] = strdup(reloc_xv_get_string(reloc_xv_nth(a->force,
		    i, NULL)));
		if (o->force[i] == NULL)
			return RELOC_ERR_NOMEM;
		o->nr_force++;
	}
	return 0;
}

int
control_args_migrate(struct xrelocd *x, const char *method,
    const struct reloc_xv *params, struct job_opts *o, char **why_r)
{
	struct mig_args	a;
	uint32_t	given = 0;
	bool		xend = strcmp(method, "xend.domain.migrate") == 0;
	int		rc;

	*why_r = NULL;
	memset(&a, 0, sizeof(a));
	a.node = -1;
	a.max_downtime = -1;
	a.timeout = -1;
	a.ssl = reloc_conf_bool(x->conf, RELOC_CK_SSL);
	if (xend)
		rc = control_args_params(method, params, xend_spec,
		    NELEM(xend_spec), &a, &given, why_r);
	else if (reloc_xv_len(params) > 1)
		rc = why(why_r, "%s takes one struct of options, not %zu "
		    "arguments", method, reloc_xv_len(params));
	else
		rc = control_args_struct(method, reloc_xv_nth(params, 0, NULL),
		    opts_spec, NELEM(opts_spec), &a, &given, why_r);
	if (rc == 0)
		rc = check_args(x, &a, (given & UINT32_C(1) <<
		    (xend ? XEND_SSL : OPTS_SSL)) != 0, why_r);
	if (rc < 0)
		return *why_r == NULL ? RELOC_ERR_NOMEM : RELOC_ERR_INVAL;
	memset(o, 0, sizeof(*o));
	if ((rc = to_opts(x, &a, o)) < 0)
		job_opts_dispose(o);
	return rc;
}
