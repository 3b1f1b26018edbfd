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
 * xm migrate: xend's options, the request to xrelocd, then following the
 * job until it ends (one xrelocd.job.wait per change; polling an xrelocd
 * too old for it), with a progress line on a terminal, findings as they
 * appear and a summary (or the final status as JSON).
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xm.h"

enum {
	OPT_CHECK = 256,
	OPT_FORCE,
	OPT_JSON,
	OPT_PRIORITY,
	OPT_STREAMS,
	OPT_MAX_DOWNTIME,
	OPT_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "live",		no_argument,		NULL, 'l' },
	{ "port",		required_argument,	NULL, 'p' },
	{ "node",		required_argument,	NULL, 'n' },
	{ "ssl",		no_argument,		NULL, 's' },
	{ "change_home_server",	no_argument,		NULL, 'c' },
	{ "rate",		required_argument,	NULL, 'r' },
	{ "compress",		optional_argument,	NULL, 'z' },
	{ "check",		no_argument,		NULL, OPT_CHECK },
	{ "force",		required_argument,	NULL, OPT_FORCE },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "priority",		required_argument,	NULL, OPT_PRIORITY },
	{ "streams",		required_argument,	NULL, OPT_STREAMS },
	{ "max-downtime",	required_argument, NULL, OPT_MAX_DOWNTIME },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 },
};

/* The option as the user wrote it, for messages. */
static const char *
opt_name(int c, char **argv)
{
	static char	buf[4];
	size_t		i;

	for (i = 0; long_opts[i].name != NULL; i++)
		if (long_opts[i].val == c && c >= 256)
			return long_opts[i].name;
	if (c > 0 && c < 256) {
		snprintf(buf, sizeof(buf), "-%c", c);
		return buf;
	}
	return argv[optind - 1];
}

int
xm_opt_num(const char *cmd, const char *arg, long min, long max,
    const char *opt, long *v_r, FILE *err)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(err, "xm %s: %s: '%s' is not a number from %ld "
		    "to %ld\n", cmd, opt, arg, min, max);
		return -1;
	}
	*v_r = v;
	return 0;
}

static int
parse_num(const char *arg, long min, long max, const char *opt, long *v_r,
    FILE *err)
{
	return xm_opt_num("migrate", arg, min, max, opt, v_r, err);
}

static const char *const codecs[] = { "none", "lz4", "zstd", "auto" };
static const char *const compress_opts[] = { "--compress=none",
    "--compress=lz4", "--compress=zstd", "--compress=auto" };

/* -z [CODEC] or --compress[=CODEC]: bare, zstd. */
static int
parse_compress(struct xm_migrate_opts *o, FILE *err)
{
	const char	*arg = optarg != NULL ? optarg : "zstd";
	size_t		 i;

	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (strcmp(arg, codecs[i]) == 0) {
			o->compress = codecs[i];
			return 0;
		}
	fprintf(err, "xm migrate: --compress: '%s' is not none, lz4, zstd "
	    "or auto\n", arg);
	return -1;
}

/*
 * A copy of argv where "-z CODEC", two words, is "--compress=CODEC", so
 * that "-z lz4 web01 hostB" and "-z web01 hostB" both read as meant
 * (getopt gives an optional argument only when it is attached).  Words
 * after "--" are left alone.  The strings stay argv's; NULL on no memory.
 * The word after a bare "-z" that is no codec in *bare_r (or NULL): when
 * it is one word too many, it was meant as the codec.
 */
static char **
join_compress(int argc, char **argv, int *argc_r, const char **bare_r)
{
	char	**v;
	int	  i, n = 0;
	size_t	  k;

	*bare_r = NULL;
	if ((v = calloc((size_t)argc + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		v[n++] = argv[i];
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-z") != 0 || i + 1 >= argc)
			continue;
		for (k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++)
			if (strcmp(argv[i + 1], codecs[k]) == 0) {
				v[n - 1] = (char *)compress_opts[k];
				i++;
				break;
			}
		if (k == sizeof(codecs) / sizeof(codecs[0]) &&
		    argv[i + 1][0] != '-')
			*bare_r = argv[i + 1];
	}
	while (++i < argc)
		v[n++] = argv[i];
	*argc_r = n;
	return v;
}

/* One option; -1 on a usage error (already reported). */
static int
parse_opt(int c, char **argv, struct xm_migrate_opts *o, FILE *err)
{
	const char	*name = opt_name(c, argv);

	switch (c) {
	case 'l':
		o->live = true;
		return 0;
	case 'p':
		return parse_num(optarg, 1, 65535, name, &o->port, err);
	case 'n':
		return parse_num(optarg, -1, 1023, name, &o->node, err);
	case 's':
		o->ssl = true;
		return 0;
	case 'c':
		o->chs = true;
		return 0;
	case 'r':
		return parse_num(optarg, 0, 1000000, name, &o->rate, err);
	case 'z':
		return parse_compress(o, err);
	case OPT_STREAMS:
		return parse_num(optarg, 1, RELOC_STREAMS_MAX, "--streams",
		    &o->streams, err);
	case OPT_MAX_DOWNTIME:
		return parse_num(optarg, 0, XM_MAX_DOWNTIME_MS,
		    "--max-downtime (ms, 0: no bound)", &o->max_downtime, err);
	case OPT_TIMEOUT:
		return parse_num(optarg, 0, XM_TIMEOUT_S,
		    "--timeout (s, 0: no limit)", &o->timeout, err);
	case OPT_CHECK:
		o->check = true;
		return 0;
	case OPT_FORCE:
		if (o->nr_force == sizeof(o->force) / sizeof(o->force[0])) {
			fprintf(err, "xm migrate: --force: too many\n");
			return -1;
		}
		o->force[o->nr_force++] = optarg;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_PRIORITY:
		return xm_opt_priority("migrate", optarg, &o->priority, err);
	default:
		return xm_opt_refused("migrate", c, argv, err);
	}
}

int
xm_opt_priority(const char *cmd, const char *arg, const char **priority_r,
    FILE *err)
{
	if (strcmp(arg, "high") != 0 && strcmp(arg, "standard") != 0) {
		fprintf(err, "xm %s: --priority: '%s' is not high or "
		    "standard\n", cmd, arg);
		return -1;
	}
	*priority_r = arg;
	return 0;
}

int
xm_opt_refused(const char *cmd, int c, char **argv, FILE *err)
{
	fprintf(err, c == ':' ? "xm %s: option '%s' needs a value\n" :
	    "xm %s: unknown option '%s'\n", cmd, argv[optind - 1]);
	return -1;
}

int
xm_migrate_parse(int argc, char **argv, struct xm_migrate_opts *o,
    FILE *err)
{
	char		**v;
	const char	 *bare;
	int		  c, n, rc = XM_EXIT_USAGE;

	memset(o, 0, sizeof(*o));
	o->node = -1;
	o->max_downtime = -1;
	o->timeout = -1;
	o->priority = "standard";
	if ((v = join_compress(argc, argv, &n, &bare)) == NULL) {
		fprintf(err, "xm migrate: out of memory\n");
		return XM_EXIT_FAILED;
	}
	/* optind 0 re-initialises GNU getopt: tests parse many times. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(n, v, ":lp:n:scr:z::h", long_opts,
	    NULL)) != -1) {
		if (c == 'h') {
			rc = -1;
			goto out;
		}
		if (parse_opt(c, v, o, err) < 0)
			goto out;
	}
	if (n - optind == 3 && bare != NULL && v[optind] == bare) {
		fprintf(err, "xm migrate: -z: '%s' is not none, lz4, zstd or "
		    "auto\n", bare);
		goto out;
	}
	if (n - optind != 2) {
		fprintf(err, "xm migrate: expected DOMAIN and HOST, got %d "
		    "argument%s\n", n - optind, n - optind == 1 ? "" : "s");
		goto out;
	}
	o->domain = v[optind];
	o->host = v[optind + 1];
	if (*o->domain == '\0' || *o->host == '\0') {
		fprintf(err, "xm migrate: DOMAIN and HOST must not be empty\n");
		goto out;
	}
	rc = 0;
out:
	free(v);
	return rc;
}

int
xm_migrate_request(const struct xm_migrate_opts *o,
    struct reloc_xv **params_r)
{
	struct reloc_xv	*params = NULL, *st = NULL, *force = NULL, *s;
	size_t		 i;
	int		 rc;

	if ((rc = reloc_xv_new_array(&params)) < 0 ||
	    (rc = reloc_xv_new_struct(&st)) < 0 ||
	    (rc = reloc_xv_new_array(&force)) < 0)
		goto fail;
	for (i = 0; i < o->nr_force; i++)
		if ((rc = reloc_xv_new_string(o->force[i], &s)) < 0 ||
		    (rc = reloc_xv_array_append(force, s)) < 0)
			goto fail;
	if ((rc = reloc_xv_struct_set_string(st, "domain", o->domain)) < 0 ||
	    (rc = reloc_xv_struct_set_string(st, "host", o->host)) < 0 ||
	    (rc = reloc_xv_struct_set_bool(st, "live", o->live)) < 0 ||
	    (rc = reloc_xv_struct_set_int(st, "port", o->port)) < 0 ||
	    (rc = reloc_xv_struct_set_int(st, "node", o->node)) < 0 ||
	    (rc = reloc_xv_struct_set_bool(st, "ssl", o->ssl)) < 0 ||
	    (rc = reloc_xv_struct_set_bool(st, "check", o->check)) < 0 ||
	    (rc = reloc_xv_struct_set_int(st, "rate", o->rate)) < 0 ||
	    (o->compress != NULL && (rc = reloc_xv_struct_set_string(st,
	    "compress", o->compress)) < 0) ||
	    (o->streams != 0 && (rc = reloc_xv_struct_set_int(st, "streams",
	    o->streams)) < 0) ||
	    (o->max_downtime != -1 && (rc = reloc_xv_struct_set_int(st,
	    "max-downtime", o->max_downtime)) < 0) ||
	    (o->timeout != -1 && (rc = reloc_xv_struct_set_int(st, "timeout",
	    o->timeout)) < 0) ||
	    (rc = reloc_xv_struct_set_string(st, "priority",
	    o->priority)) < 0)
		goto fail;
	/* struct_set owns force from here on, even if it fails. */
	rc = reloc_xv_struct_set(st, "force", force);
	force = NULL;
	if (rc < 0)
		goto fail;
	if ((rc = reloc_xv_array_append(params, st)) < 0) {
		st = NULL;
		goto fail;
	}
	*params_r = params;
	return 0;
fail:
	reloc_xv_free(force);
	reloc_xv_free(st);
	reloc_xv_free(params);
	return rc;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Progress shown so far: what the next status must add to. */
struct watch {
	struct xm	*xm;
	bool		 json;
	size_t		 findings_shown;
	bool		 line_shown;	/* a \r progress line is on screen */
	bool		 poll;		/* xrelocd lacks xrelocd.job.wait */
	int64_t		 seen;		/* the version last shown, or -1 */
};

static void
clear_line(struct watch *w)
{
	if (w->line_shown)
		fputs("\r\033[K", w->xm->out);
	w->line_shown = false;
}

/* Print the findings that are new in this status. */
static void
show_findings(struct watch *w, const struct reloc_xv *status)
{
	const struct reloc_xv	*fs = reloc_xv_member(status, "findings");
	char			 line[2048];

	for (; w->findings_shown < reloc_xv_len(fs); w->findings_shown++) {
		clear_line(w);
		xm_fmt_finding(reloc_xv_nth(fs, w->findings_shown, NULL), line,
		    sizeof(line));
		fprintf(w->xm->out, "%s\n", line);
	}
}

static void
show(struct watch *w, const struct reloc_xv *status)
{
	char	line[512];

	if (w->json)
		return;
	show_findings(w, status);
	if (!w->xm->tty)
		return;
	xm_fmt_progress(status, line, sizeof(line));
	fprintf(w->xm->out, "\r%s\033[K", line);
	w->line_shown = true;
	fflush(w->xm->out);
}

/* PARAMS: an array of the ints in V, N of them. */
static int
int_params(const int64_t *v, size_t n, struct reloc_xv **params_r)
{
	struct reloc_xv	*params = NULL, *e;
	size_t		 i;

	if (reloc_xv_new_array(&params) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (reloc_xv_new_int(v[i], &e) < 0 ||
		    reloc_xv_array_append(params, e) < 0) {
			reloc_xv_free(params);
			return -1;
		}
	*params_r = params;
	return 0;
}

/*
 * The job's status once it differs from what was shown: one
 * xrelocd.job.wait; an xrelocd without it turns w to polling with
 * xrelocd.job.status.
 */
static int
job_next(struct watch *w, int64_t job, struct reloc_xv **status_r)
{
	struct xm_call	 k = { NULL, NULL, (XM_WAIT_S + 30) * 1000, NULL, 0,
			    NULL };
	struct reloc_xv	*params = NULL;
	int64_t		 args[3] = { job, w->seen, XM_WAIT_S };
	int		 rc;

	if (int_params(args, w->poll ? 1 : 3, &params) < 0)
		return XM_EXIT_FAILED;
	k.method = w->poll ? "xrelocd.job.status" : "xrelocd.job.wait";
	k.params = params;
	rc = xm_rpc_invoke(w->xm, &k);
	reloc_xv_free(params);
	/* An older xrelocd: poll it, as xm did before. */
	if (rc != 0 && !w->poll && k.fault_msg != NULL &&
	    strncmp(k.fault_msg, "no such method", 14) == 0) {
		free(k.fault_msg);
		w->poll = true;
		return job_next(w, job, status_r);
	}
	if (rc != 0 && k.fault_msg != NULL)
		xm_fault_print(w->xm->err, k.fault_msg);
	free(k.fault_msg);
	if (rc == 0)
		*status_r = k.result;
	return rc;
}

/* Follow the job until it ends; its final status in *status_r. */
static int
watch_job(struct watch *w, int64_t job, struct reloc_xv **status_r)
{
	struct reloc_xv	*status;
	int64_t		 code, version;
	int		 rc;

	for (;;) {
		if ((rc = job_next(w, job, &status)) != 0) {
			clear_line(w);
			fprintf(w->xm->err, "xm migrate: lost track of job "
			    "%lld; see 'xm jobs'\n", (long long)job);
			return rc;
		}
		if ((reloc_xv_member_int(status, "outcome", &code) == 0 &&
		    code != -1) || xm_status_resolving(status)) {
			show(w, status);
			*status_r = status;
			return 0;
		}
		/* A wait that timed out brings the same version: not news. */
		if (reloc_xv_member_int(status, "version", &version) < 0) {
			w->poll = true;
			version = -1;
		}
		if (w->poll || version != w->seen)
			show(w, status);
		w->seen = version;
		reloc_xv_free(status);
		if (w->poll)
			sleep_ms(XM_POLL_MS);
	}
}

static int
finish(struct watch *w, const struct reloc_xv *status)
{
	char	line[2048];
	int	code = xm_status_exit(status);

	clear_line(w);
	if (w->json) {
		xm_json_write(w->xm->out, status);
		return code;
	}
	xm_fmt_summary(status, line, sizeof(line));
	fprintf(code == XM_EXIT_OK ? w->xm->out : w->xm->err, "%s\n", line);
	return code;
}

int
xm_migrate(struct xm *xm, int argc, char **argv)
{
	struct xm_migrate_opts	 o;
	struct watch		 w = { xm, false, 0, false, false, -1 };
	struct reloc_xv		*params = NULL, *res = NULL, *status = NULL;
	int64_t			 job;
	int			 rc;

	if (xm_cancel_asked(argc, argv))
		return xm_cancel(xm, argc, argv);
	if ((rc = xm_migrate_parse(argc, argv, &o, xm->err)) != 0) {
		xm_usage(rc == -1 ? xm->out : xm->err);
		return rc == -1 ? XM_EXIT_OK : rc;
	}
	w.json = o.json;
	if (xm_migrate_request(&o, &params) < 0) {
		fprintf(xm->err, "xm migrate: out of memory\n");
		return XM_EXIT_FAILED;
	}
	rc = xm_rpc_call(xm, "xrelocd.migrate", params, &res);
	reloc_xv_free(params);
	if (rc != 0)
		return rc;
	if (reloc_xv_member_int(res, "job", &job) < 0) {
		fprintf(xm->err, "xm migrate: xrelocd answered without a job "
		    "number\n");
		reloc_xv_free(res);
		return XM_EXIT_FAILED;
	}
	reloc_xv_free(res);
	if ((rc = watch_job(&w, job, &status)) != 0)
		return rc;
	rc = finish(&w, status);
	reloc_xv_free(status);
	return rc;
}
