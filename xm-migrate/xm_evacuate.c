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
 * xm evacuate: move every domain of this host to the targets given.
 * Each domain is prechecked against each target through the daemon's
 * queue, the plan is made (xm_evac_plan.c), printed, and with --check
 * that is all; else the moves are queued on the local xrelocd, whose
 * queue and the targets' caps decide how many run at once
 * (xm_evac_run.c).
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

enum {
	OPT_TO = 256,
	OPT_MAX,
	OPT_CHECK,
	OPT_PRIORITY,
};

static const struct option long_opts[] = {
	{ "to",		required_argument,	NULL, OPT_TO },
	{ "max",	required_argument,	NULL, OPT_MAX },
	{ "live",	no_argument,		NULL, 'l' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "ssl",	no_argument,		NULL, 's' },
	{ "check",	no_argument,		NULL, OPT_CHECK },
	{ "priority",	required_argument,	NULL, OPT_PRIORITY },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

static int
num(const char *arg, long min, long max, const char *opt, long *v_r,
    FILE *err)
{
	return xm_opt_num("evacuate", arg, min, max, opt, v_r, err);
}

/* --to HOST or HOST:PORT (one colon: a name or IPv4 address and port). */
static int
add_target(struct xm_evac_opts *o, const char *arg, FILE *err)
{
	const char	*colon = strchr(arg, ':');
	long		 port = 0;

	if (o->nr_to == XM_EVAC_TARGETS_MAX) {
		fprintf(err, "xm evacuate: --to: at most %d targets\n",
		    XM_EVAC_TARGETS_MAX);
		return -1;
	}
	if (*arg == '\0' || colon == arg) {
		fprintf(err, "xm evacuate: --to: '%s' is not HOST or "
		    "HOST:PORT\n", arg);
		return -1;
	}
	if (colon != NULL && strchr(colon + 1, ':') == NULL &&
	    num(colon + 1, 1, 65535, "--to", &port, err) < 0)
		return -1;
	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		colon = arg + strlen(arg);
	snprintf(o->to[o->nr_to].host, sizeof(o->to[o->nr_to].host), "%.*s",
	    (int)(colon - arg), arg);
	o->to[o->nr_to].port = port;
	o->to[o->nr_to].given = arg;
	o->nr_to++;
	return 0;
}

static int
opt(int c, char **argv, struct xm_evac_opts *o, FILE *err)
{
	switch (c) {
	case OPT_TO:
		return add_target(o, optarg, err);
	case OPT_MAX:
		return num(optarg, 1, 64, "--max", &o->max, err);
	case 'l':
		o->live = true;
		return 0;
	case 'p':
		return num(optarg, 1, 65535, "-p", &o->port, err);
	case 's':
		o->ssl = true;
		return 0;
	case OPT_CHECK:
		o->check = true;
		return 0;
	case OPT_PRIORITY:
		return xm_opt_priority("evacuate", optarg, &o->priority, err);
	default:
		return xm_opt_refused("evacuate", c, argv, err);
	}
}

int
xm_evacuate_parse(int argc, char **argv, struct xm_evac_opts *o, FILE *err)
{
	size_t	i;
	int	c;

	memset(o, 0, sizeof(*o));
	o->priority = "standard";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lp:sh", long_opts, NULL)) != -1) {
		if (c == 'h')
			return -1;
		if (opt(c, argv, o, err) < 0)
			return XM_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(err, "xm evacuate: unexpected argument '%s': the "
		    "targets go after --to\n", argv[optind]);
		return XM_EXIT_USAGE;
	}
	for (i = 0; i < o->nr_to; i++)
		if (o->to[i].port == 0)
			o->to[i].port = o->port;
	return 0;
}

/*
 * No --to: the daemon's xrelocd-evacuate-targets.  The words stay in
 * *list_r (the caller frees it), which the targets borrow.
 */
static int
configured_targets(struct xm *xm, struct xm_evac_opts *o,
    struct reloc_xv **list_r)
{
	const char	*w;
	size_t		 i;
	int		 rc;

	if ((rc = xm_rpc_call(xm, "xrelocd.evacuate.targets", NULL,
	    list_r)) != 0)
		return rc;
	for (i = 0; i < reloc_xv_len(*list_r); i++) {
		w = reloc_xv_get_string(reloc_xv_nth(*list_r, i, NULL));
		if (w == NULL || add_target(o, w, xm->err) < 0) {
			fprintf(xm->err, "xm evacuate: xrelocd-evacuate-"
			    "targets: fix it in xend-config.sxp, or give "
			    "--to\n");
			return XM_EXIT_FAILED;
		}
		o->to[o->nr_to - 1].port = o->to[o->nr_to - 1].port != 0 ?
		    o->to[o->nr_to - 1].port : o->port;
	}
	if (o->nr_to == 0) {
		fprintf(xm->err, "xm evacuate: no target: give one or more "
		    "--to HOST[:PORT], or set xrelocd-evacuate-targets in "
		    "xend-config.sxp\n");
		return XM_EXIT_USAGE;
	}
	return 0;
}

/* A domain of this host to move: not dom0, nor a copy mid-migration. */
static bool
movable(const struct reloc_xv *d)
{
	const char	*name = reloc_xv_member_string(d, "name");
	int64_t		 domid = -1;

	(void)reloc_xv_member_int(d, "domid", &domid);
	return domid != 0 && name != NULL && *name != '\0' &&
	    strstr(name, RELOC_SUFFIX_AWAY) == NULL &&
	    strstr(name, RELOC_SUFFIX_INCOMING) == NULL;
}

int
xm_evac_domains(struct xm *xm, struct xm_evac *e)
{
	struct reloc_xv	*list = NULL;
	const struct reloc_xv *d;
	int64_t		 mb, vcpus;
	size_t		 i;
	int		 rc;

	if ((rc = xm_rpc_call(xm, "xrelocd.domain.list", NULL, &list)) != 0)
		return rc;
	e->list = list;
	e->nr_doms = 0;
	free(e->doms);
	if ((e->doms = calloc(reloc_xv_len(list) + 1,
	    sizeof(*e->doms))) == NULL)
		return XM_EXIT_FAILED;
	for (i = 0; i < reloc_xv_len(list); i++) {
		d = reloc_xv_nth(list, i, NULL);
		if (!movable(d))
			continue;
		mb = vcpus = 1;
		(void)reloc_xv_member_int(d, "memory_mb", &mb);
		(void)reloc_xv_member_int(d, "vcpus", &vcpus);
		e->doms[e->nr_doms].name = reloc_xv_member_string(d, "name");
		e->doms[e->nr_doms].memory_kb = (uint64_t)mb * 1024;
		e->doms[e->nr_doms].vcpus = (unsigned)vcpus;
		e->nr_doms++;
	}
	return 0;
}

void
xm_evac_dispose(struct xm_evac *e)
{
	size_t	i;

	for (i = 0; e->why != NULL && i < e->nr_doms * e->o.nr_to; i++)
		free(e->why[i]);
	free(e->why);
	free(e->choice);
	free(e->doms);
	reloc_xv_free(e->list);
	memset(e, 0, sizeof(*e));
}

/* Print the plan: domain -> target, or why none fits.  True if all fit. */
static bool
show_plan(struct xm *xm, const struct xm_evac *e)
{
	size_t	i;
	bool	all = true;
	char	why[sizeof(e->choice[0].why)];

	fprintf(xm->out, "evacuate: plan for %zu domain%s:\n", e->nr_doms,
	    e->nr_doms == 1 ? "" : "s");
	for (i = 0; i < e->nr_doms; i++) {
		if (e->choice[i].target >= 0) {
			fprintf(xm->out, "  %s (%llu MiB) -> %s\n",
			    e->doms[i].name, (unsigned long long)
			    e->doms[i].memory_kb / 1024,
			    e->o.to[e->choice[i].target].given);
			continue;
		}
		all = false;
		snprintf(why, sizeof(why), "%s", e->choice[i].why);
		xm_fmt_vis(why, sizeof(why));
		fprintf(xm->out, "  %s (%llu MiB) -> none, stays here: %s\n",
		    e->doms[i].name, (unsigned long long)
		    e->doms[i].memory_kb / 1024, why);
	}
	return all;
}

static int
make_plan(struct xm_evac *e)
{
	struct xm_evac_target	t[XM_EVAC_TARGETS_MAX];
	struct xm_evac_plan_in	in;
	size_t			i;

	for (i = 0; i < e->o.nr_to; i++) {
		t[i].host = e->o.to[i].given;
		t[i].free_kb = e->free_kb[i];
	}
	in.doms = e->doms;
	in.nr_doms = e->nr_doms;
	in.targets = t;
	in.nr_targets = e->o.nr_to;
	in.why = (const char *const *)e->why;
	if ((e->choice = calloc(e->nr_doms + 1, sizeof(*e->choice))) == NULL)
		return -1;
	return xm_evac_plan(&in, e->choice);
}

int
xm_evacuate(struct xm *xm, int argc, char **argv)
{
	struct xm_evac	 e;
	struct reloc_xv	*conf_to = NULL;
	bool		 all;
	int		 rc;

	memset(&e, 0, sizeof(e));
	if ((rc = xm_evacuate_parse(argc, argv, &e.o, xm->err)) != 0) {
		xm_usage(rc == -1 ? xm->out : xm->err);
		return rc == -1 ? XM_EXIT_OK : rc;
	}
	if (e.o.nr_to == 0 &&
	    (rc = configured_targets(xm, &e.o, &conf_to)) != 0)
		goto out;
	if ((rc = xm_evac_domains(xm, &e)) != 0)
		goto out;
	if (e.nr_doms == 0) {
		fprintf(xm->out, "evacuate: no domain to move: this host is "
		    "empty\n");
		goto out;
	}
	if ((rc = xm_evac_checks(xm, &e)) != 0)
		goto out;
	if (make_plan(&e) < 0) {
		fprintf(xm->err, "xm evacuate: out of memory\n");
		rc = XM_EXIT_FAILED;
		goto out;
	}
	all = show_plan(xm, &e);
	if (e.o.check) {
		rc = all ? XM_EXIT_OK : XM_EXIT_FAILED;
		goto out;
	}
	rc = xm_evac_run(xm, &e);
out:
	xm_evac_dispose(&e);
	reloc_xv_free(conf_to);
	return rc;
}
