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
 * The configuration: the forms of an xend-config.sxp file applied over the
 * defaults, every problem reported with its place, unknown keys warned
 * about and ignored, and the allow-list compiled once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

#define MOD		"conf"
#define PLACE_MAX	1024	/* "FILE:LINE:COL" */
#define SHOW_MAX	80	/* a value quoted in a message */

struct conf_val {
	bool		 set;		/* given in the file */
	unsigned	 line;		/* where, when set: the value */
	unsigned	 col;
	unsigned	 kline;		/* and its key */
	unsigned	 kcol;
	struct reloc__conf_value val;
};

struct reloc_conf {
	char		*source;
	struct conf_val	 v[RELOC_CK__COUNT];
	struct reloc_allow *allow;
};

/* ---------------------------------------------------------------- forms */

static const char *
place(const struct reloc_sxp *n, char where[PLACE_MAX])
{
	snprintf(where, PLACE_MAX, "%s:%u:%u", reloc_sxp_source(n),
	    reloc_sxp_line(n), reloc_sxp_col(n));
	return where;
}

/* (key value) for a key we know. */
static int
apply_known(struct reloc_conf *conf, enum reloc_conf_key key,
    const struct reloc_sxp *form)
{
	const struct reloc_sxp	*val = reloc_sxp_nth(form, 1);
	struct conf_val		*v = &conf->v[key];
	const char		*text, *kname = reloc_conf_key_name(key);
	char			 where[PLACE_MAX];
	size_t			 len;

	if (val == NULL) {
		log_errx(MOD, "%s: %s: missing value", place(form, where),
		    kname);
		return RELOC_ERR_CONFIG;
	}
	if (reloc_sxp_len(form) > 2) {
		log_errx(MOD, "%s: %s: more than one value",
		    place(reloc_sxp_nth(form, 2), where), kname);
		return RELOC_ERR_CONFIG;
	}
	place(val, where);
	if ((text = reloc_sxp_atom(val, &len)) == NULL) {
		log_errx(MOD, "%s: %s: value must be an atom, not a list",
		    where, kname);
		return RELOC_ERR_CONFIG;
	}
	if (strlen(text) != len) {
		log_errx(MOD, "%s: %s: value contains a NUL byte", where,
		    kname);
		return RELOC_ERR_CONFIG;
	}
	/* xend let the last one win; so do we, but say so. */
	if (v->set)
		log_warnx(MOD, "%s: %s: duplicate key replaces the value at "
		    "line %u", where, kname, v->line);
	v->set = true;
	v->line = reloc_sxp_line(val);
	v->col = reloc_sxp_col(val);
	v->kline = reloc_sxp_line(reloc_sxp_nth(form, 0));
	v->kcol = reloc_sxp_col(reloc_sxp_nth(form, 0));
	return reloc__conf_parse(key, text, where, &v->val);
}

static int
apply_form(struct reloc_conf *conf, const struct reloc_sxp *form)
{
	const struct reloc_sxp	*head = reloc_sxp_nth(form, 0);
	enum reloc_conf_key	 key;
	const char		*name;
	char			 where[PLACE_MAX], sbuf[SHOW_MAX];
	size_t			 len;

	place(form, where);
	if (reloc_sxp_type(form) == RELOC_SXP_ATOM) {
		name = reloc_sxp_atom(form, &len);
		log_errx(MOD, "%s: expected (key value), found '%s'", where,
		    reloc__conf_show(name, len, sbuf, sizeof(sbuf)));
		return RELOC_ERR_CONFIG;
	}
	if (head == NULL) {
		log_errx(MOD, "%s: empty form, expected (key value)", where);
		return RELOC_ERR_CONFIG;
	}
	place(head, where);
	if ((name = reloc_sxp_atom(head, &len)) == NULL) {
		log_errx(MOD, "%s: a key must be an atom, not a list", where);
		return RELOC_ERR_CONFIG;
	}
	if (strlen(name) != len || reloc_conf_key_lookup(name, &key) < 0) {
		log_warnx(MOD, "%s: unknown key '%s' ignored", where,
		    reloc__conf_show(name, len, sbuf, sizeof(sbuf)));
		return 0;
	}
	return apply_known(conf, key, form);
}

/* ---------------------------------------------------------------- clashes */

/* Both relocation servers listen, on the one address they share. */
static bool
both_servers(const struct reloc_conf *conf)
{
	enum reloc_tls_mode	mode = RELOC_TLS_OPPORTUNISTIC;

	(void)reloc_tls_mode_parse(conf->v[RELOC_CK_SSL_MODE].val.s, &mode);
	return conf->v[RELOC_CK_RELOCATION_SERVER].val.b &&
	    conf->v[RELOC_CK_SSL_SERVER].val.b && mode != RELOC_TLS_DISABLED;
}

static bool
always(const struct reloc_conf *conf)
{
	(void)conf;
	return true;
}

/* Two keys that must not name one thing: a port, a file. */
static const struct clash {
	enum reloc_conf_key	 a, b;
	bool			(*applies)(const struct reloc_conf *);
	const char		*fix;
} clashes[] = {
	{ RELOC_CK_RELOCATION_PORT, RELOC_CK_SSL_PORT, both_servers,
	    "the plain and the tls relocation servers listen on the same "
	    "address and cannot share a port: give each its own (defaults "
	    "8002 and 8003)" },
	{ RELOC_CK_CONTROL_SOCKET, RELOC_CK_PID_FILE, always,
	    "one file cannot be both the control socket and the pid file: "
	    "give each its own path" },
};

static bool
same_value(const struct reloc_conf *conf, const struct clash *c)
{
	const struct reloc__conf_value	*a = &conf->v[c->a].val;
	const struct reloc__conf_value	*b = &conf->v[c->b].val;

	if (reloc_conf_key_type(c->a) == RELOC_CT_INT)
		return a->i == b->i;
	return a->s != NULL && b->s != NULL && *a->s != '\0' &&
	    strcmp(a->s, b->s) == 0;
}

/* Of the two keys, the one written last (a default counts as first). */
static bool
later(const struct conf_val *x, const struct conf_val *y)
{
	if (!x->set || !y->set)
		return x->set;
	return x->kline > y->kline || (x->kline == y->kline &&
	    x->kcol > y->kcol);
}

/* Each clash is reported at the key written second, naming the first. */
static unsigned
check_clashes(const struct reloc_conf *conf)
{
	const struct clash	*c;
	const struct conf_val	*first, *second;
	enum reloc_conf_key	 k1, k2;
	char			 value[128], other[64];
	unsigned		 n = 0;
	size_t			 i;

	for (i = 0; i < sizeof(clashes) / sizeof(clashes[0]); i++) {
		c = &clashes[i];
		if (!c->applies(conf) || !same_value(conf, c))
			continue;
		k2 = later(&conf->v[c->a], &conf->v[c->b]) ? c->a : c->b;
		k1 = k2 == c->a ? c->b : c->a;
		first = &conf->v[k1];
		second = &conf->v[k2];
		if (reloc_conf_key_type(k2) == RELOC_CT_INT)
			snprintf(value, sizeof(value), "%ld", second->val.i);
		else
			reloc__conf_show(second->val.s, strlen(second->val.s),
			    value, sizeof(value));
		if (first->set)
			snprintf(other, sizeof(other), "line %u", first->kline);
		else
			snprintf(other, sizeof(other), "its default");
		log_errx(MOD, "%s:%u:%u: %s %s is also %s (%s): %s",
		    conf->source, second->kline, second->kcol,
		    reloc_conf_key_name(k2), value, reloc_conf_key_name(k1),
		    other, c->fix);
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------- load */

static int
conf_alloc(const char *source, struct reloc_conf **conf_r)
{
	struct reloc_conf	*conf;
	size_t			 i;
	int			 rc;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return RELOC_ERR_NOMEM;
	if ((conf->source = strdup(source)) == NULL) {
		reloc_conf_free(conf);
		return RELOC_ERR_NOMEM;
	}
	for (i = 0; i < RELOC_CK__COUNT; i++) {
		if ((rc = reloc__conf_parse(i, reloc__conf_key_default(i),
		    "default", &conf->v[i].val)) < 0) {
			reloc_conf_free(conf);
			return rc == RELOC_ERR_NOMEM ? rc : RELOC_ERR_INVAL;
		}
	}
	*conf_r = conf;
	return 0;
}

/* Once, after the last value won. */
static int
compile_allow(struct reloc_conf *conf)
{
	struct conf_val	*v = &conf->v[RELOC_CK_RELOCATION_HOSTS_ALLOW];
	char		 where[PLACE_MAX];

	snprintf(where, sizeof(where), "%s:%u:%u", conf->source, v->line,
	    v->col);
	return reloc_allow_compile(v->val.s, v->set ? where : NULL,
	    &conf->allow);
}

static int
conf_from_sxp(const char *source, const struct reloc_sxp *root,
    struct reloc_conf **conf_r)
{
	struct reloc_conf	*conf = NULL;
	size_t			 i;
	unsigned		 nerr = 0;
	int			 rc;

	if ((rc = conf_alloc(source, &conf)) < 0)
		return rc;
	for (i = 0; i < reloc_sxp_len(root); i++) {
		rc = apply_form(conf, reloc_sxp_nth(root, i));
		if (rc == RELOC_ERR_CONFIG)
			nerr++;
		else if (rc < 0)
			goto out;
	}
	nerr += check_clashes(conf);
	/* A bad allow-list is one more error; it logs its own. */
	if (nerr == 0 && (rc = compile_allow(conf)) < 0)
		goto out;
	rc = nerr > 0 ? RELOC_ERR_CONFIG : 0;
out:
	if (rc == 0)
		*conf_r = conf;
	else
		reloc_conf_free(conf);
	return rc;
}

int
reloc_conf_load_mem(const char *name, const char *buf, size_t len,
    struct reloc_conf **conf_r)
{
	struct reloc_sxp	*root = NULL;
	int			 rc;

	if (name == NULL)
		name = "";
	if ((rc = reloc_sxp_read_mem(name, buf, len, &root)) < 0)
		return rc;
	rc = conf_from_sxp(name, root, conf_r);
	reloc_sxp_free(root);
	return rc;
}

int
reloc_conf_load(const char *path, struct reloc_conf **conf_r)
{
	struct reloc_sxp	*root = NULL;
	int			 rc;

	if (path == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc_sxp_read_file(path, &root)) < 0)
		return rc;
	rc = conf_from_sxp(path, root, conf_r);
	reloc_sxp_free(root);
	return rc;
}

int
reloc_conf_new_default(struct reloc_conf **conf_r)
{
	struct reloc_conf	*conf;
	int			 rc;

	if ((rc = conf_alloc("", &conf)) < 0)
		return rc;
	if ((rc = compile_allow(conf)) < 0) {
		reloc_conf_free(conf);
		return rc;
	}
	*conf_r = conf;
	return 0;
}

void
reloc_conf_free(struct reloc_conf *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < RELOC_CK__COUNT; i++)
		free(conf->v[i].val.s);
	reloc_allow_free(conf->allow);
	free(conf->source);
	free(conf);
}

/* ---------------------------------------------------------------- access */

const char *
reloc_conf_source(const struct reloc_conf *conf)
{
	return conf->source;
}

bool
reloc_conf_bool(const struct reloc_conf *conf, enum reloc_conf_key key)
{
	if ((unsigned)key >= RELOC_CK__COUNT)
		return false;
	return conf->v[key].val.b;
}

long
reloc_conf_int(const struct reloc_conf *conf, enum reloc_conf_key key)
{
	if ((unsigned)key >= RELOC_CK__COUNT)
		return 0;
	return conf->v[key].val.i;
}

const char *
reloc_conf_str(const struct reloc_conf *conf, enum reloc_conf_key key)
{
	if ((unsigned)key >= RELOC_CK__COUNT || conf->v[key].val.s == NULL)
		return "";
	return conf->v[key].val.s;
}

const struct reloc_allow *
reloc_conf_allow(const struct reloc_conf *conf)
{
	return conf->allow;
}

/* Strings are quoted when the file needs it, so (key TEXT) reads back. */
int
reloc_conf_format(const struct reloc_conf *conf, enum reloc_conf_key key,
    char **text_r)
{
	struct reloc_sxp	*atom = NULL;
	const char		*s;
	char			*text;
	int			 rc;

	if (conf == NULL || (unsigned)key >= RELOC_CK__COUNT || text_r == NULL)
		return RELOC_ERR_INVAL;
	switch (reloc_conf_key_type(key)) {
	case RELOC_CT_BOOL:
		text = strdup(conf->v[key].val.b ? "yes" : "no");
		break;
	case RELOC_CT_INT:
		if (asprintf(&text, "%ld", conf->v[key].val.i) < 0)
			text = NULL;
		break;
	case RELOC_CT_STR:
		s = reloc_conf_str(conf, key);
		if ((rc = reloc_sxp_new_atom(s, strlen(s), &atom)) < 0)
			return rc;
		rc = reloc_sxp_write(atom, &text, NULL);
		reloc_sxp_free(atom);
		return rc < 0 ? rc : (*text_r = text, 0);
	}
	if (text == NULL)
		return RELOC_ERR_NOMEM;
	*text_r = text;
	return 0;
}
