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
 * The daemon's start: options, configuration, logging, the pidfile,
 * signals (SIGCHLD reaps, SIGHUP reloads, SIGTERM drains) and the loop.
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

#define DEFAULT_CONF	SYSCONFDIR "/xen/xend-config.sxp"
#ifdef RELOC_FAULT_INJECTION
#define FAULT_NOTE	" (fault injection built in)"
#else
#define FAULT_NOTE	""
#endif

struct options {
	const char	*conf_path;
	const char	*key;
	bool		 foreground;
	bool		 check_only;
	bool		 list_allow;
	bool		 verbose;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: xrelocd [-dLnvV] [-f file] [-k key]\n"
	    "       xrelocd -h\n");
}

static const int syslog_prio[] = {
	[RELOC_LOG_ERR] = LOG_ERR,
	[RELOC_LOG_WARN] = LOG_WARNING,
	[RELOC_LOG_INFO] = LOG_INFO,
	[RELOC_LOG_DEBUG] = LOG_DEBUG,
};

static char	log_tag[300];

void
xrelocd_log_tag(const char *fmt, ...)
{
	char	raw[sizeof(log_tag)];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* A domain's name: one line in the log, whatever it holds. */
	reloc_log_vis(log_tag, sizeof(log_tag) - 2, raw);
	strcat(log_tag, ": ");
}

static void
stderr_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	struct timespec	ts;
	struct tm	tm;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld xrelocd[%ld]: %s%s: %s%s\n",
	    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	    (long)getpid(), log_tag, module, level <= RELOC_LOG_WARN ?
	    (level == RELOC_LOG_ERR ? "error: " : "warning: ") : "", msg);
}

static void
syslog_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	(void)arg;
	syslog(syslog_prio[level], "%s%s: %s", log_tag, module, msg);
}

/* libevent's own messages go to the same sink. */
static void
libevent_log_cb(int severity, const char *msg)
{
	reloc_log(severity >= EVENT_LOG_ERR ? RELOC_LOG_ERR :
	    severity == EVENT_LOG_WARN ? RELOC_LOG_WARN : RELOC_LOG_DEBUG,
	    "event", "%s", msg);
}

void
xrelocd_log_init(bool foreground)
{
	if (foreground) {
		reloc_log_set_sink(stderr_sink, NULL);
	} else {
		openlog("xrelocd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		reloc_log_set_sink(syslog_sink, NULL);
	}
	event_set_log_callback(libevent_log_cb);
}

void
fatal(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reloc_log(RELOC_LOG_ERR, "xrelocd", "fatal: %s: %s", msg,
	    strerror(saved));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reloc_log(RELOC_LOG_ERR, "xrelocd", "fatal: %s", msg);
	exit(1);
}

void
xrelocd_why_set(struct xrelocd_why *why, int err, const char *fmt, ...)
{
	va_list	ap;

	why->err = err;
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
}

static int
parse_options(int argc, char *argv[], struct options *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "df:hk:LnvV")) != -1) {
		switch (ch) {
		case 'd':
			o->foreground = true;
			break;
		case 'f':
			o->conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'k':
			o->key = optarg;
			break;
		case 'L':
			o->list_allow = true;
			break;
		case 'n':
			o->check_only = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'V':
			printf("%s%s\n", PACKAGE_STRING, FAULT_NOTE);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xrelocd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

static void
plain_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	(void)arg;
	(void)module;
	fprintf(stderr, "%s%s\n", level == RELOC_LOG_ERR ? "error: " :
	    level == RELOC_LOG_WARN ? "warning: " : "", msg);
}

/* -k KEY: print the effective value of one key. */
static int
print_key(const struct reloc_conf *conf, const char *name)
{
	enum reloc_conf_key	 key;
	char			*text = NULL;

	if (reloc_conf_key_lookup(name, &key) < 0) {
		fprintf(stderr, "xrelocd: -k %s: no such configuration key\n",
		    name);
		return 1;
	}
	/* Strings raw, for shell scripts; the rest as written in a file. */
	if (reloc_conf_key_type(key) == RELOC_CT_STR) {
		printf("%s\n", reloc_conf_str(conf, key));
		return 0;
	}
	if (reloc_conf_format(conf, key, &text) < 0)
		return 1;
	printf("%s\n", text);
	free(text);
	return 0;
}

/* -L: the allow-list entries, one per line, for xrelocd-firewall. */
static int
print_allow(const struct reloc_conf *conf)
{
	static const char	*kinds[] = {
		[RELOC_ALLOW_ADDR] = "addr",
		[RELOC_ALLOW_PREFIX] = "prefix",
		[RELOC_ALLOW_REGEX] = "regex",
	};
	const struct reloc_allow *a = reloc_conf_allow(conf);
	const char		*text;
	enum reloc_allow_kind	 kind;
	size_t			 i;

	if (reloc_allow_is_open(a)) {
		printf("open\n");
		return 0;
	}
	for (i = 0; i < reloc_allow_count(a); i++) {
		kind = reloc_allow_entry(a, i, &text);
		printf("%s %s\n", kinds[kind], text);
	}
	return 0;
}

/* Modes that read the configuration and exit. */
/* xrelocd -n: the TLS context is built as the daemon would build it. */
static int
check_tls(const struct options *o, const struct reloc_conf *conf)
{
	struct reloc_tls_ctx	*ctx;
	struct xrelocd_why	 why;

	if (tlsctx_build(conf, o->conf_path, &ctx, &why) < 0) {
		fprintf(stderr, "%s\n", why.msg);
		return 1;
	}
	reloc_tls_ctx_free(ctx);
	return 0;
}

static int
offline_modes(const struct options *o, struct reloc_conf **conf_r)
{
	struct reloc_conf	*conf = NULL;
	int			 rc;

	reloc_log_set_sink(plain_sink, NULL);
	reloc_log_set_level(o->verbose ? RELOC_LOG_DEBUG : RELOC_LOG_INFO);
	rc = reloc_conf_load(o->conf_path, &conf);
	if (rc < 0) {
		fprintf(stderr, "%s: configuration has errors\n",
		    o->conf_path);
		return 1;
	}
	if (o->check_only) {
		rc = check_tls(o, conf);
		if (rc == 0)
			printf("configuration OK\n");
	} else if (o->key != NULL)
		rc = print_key(conf, o->key);
	else if (o->list_allow)
		rc = print_allow(conf);
	else {
		*conf_r = conf;
		return -1;
	}
	reloc_conf_free(conf);
	return rc;
}

void
xrelocd_log_level(const struct xrelocd *x, const struct reloc_conf *conf)
{
	enum reloc_log_level	level = RELOC_LOG_INFO;

	if (x->verbose)
		level = RELOC_LOG_DEBUG;
	else if (reloc_log_level_parse(reloc_conf_str(conf,
	    RELOC_CK_LOG_LEVEL), &level) < 0)
		level = RELOC_LOG_INFO;
	reloc_log_set_level(level);
}

int
xrelocd_pidfile_write(const char *path, struct xrelocd_why *why)
{
	FILE	*f;

	if (*path == '\0')
		return 0;
	if ((f = fopen(path, "w")) == NULL) {
		xrelocd_why_set(why, errno, "cannot write xrelocd-pid-file "
		    "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF) {
		xrelocd_why_set(why, errno, "cannot write xrelocd-pid-file "
		    "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * Once stopping and no worker is left, leave the loop; if jobs ran, a
 * little later, so that the xm following each one reads its outcome.
 */
void
xrelocd_check_stop(struct xrelocd *x)
{
	struct timeval	linger = { 2, 0 };

	if (!x->stopping || !TAILQ_EMPTY(&x->workers))
		return;
	event_base_loopexit(x->base, TAILQ_EMPTY(&x->jobs) ? NULL : &linger);
}

static void
signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct xrelocd	*x = arg;

	(void)events;
	switch (sig) {
	case SIGCHLD:
		if (x->hv->sigchld != NULL)
			x->hv->sigchld(x->hv_priv);
		worker_reap(x);
		break;
	case SIGHUP:
		reload(x);
		break;
	case SIGTERM:
	case SIGINT:
		if (x->stopping) {
			log_warnx("xrelocd", "second signal: stopping now");
			event_base_loopexit(x->base, NULL);
			break;
		}
		log_info("xrelocd", "stopping: no new migrations, waiting for "
		    "%u running", worker_count(x, WORKER_SOURCE) +
		    worker_count(x, WORKER_TARGET));
		x->stopping = true;
		/* The journal keeps what they wait for: the next start. */
		worker_stop_resolving(x);
		/* xm may still follow the running jobs: keep control. */
		listen_stop(x);
		xrelocd_check_stop(x);
		break;
	}
}

static void
signals_start(struct xrelocd *x)
{
	static const int	sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT };
	size_t			i;

	/* Workers write to sockets that may close under them. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		x->sig_ev[i] = evsignal_new(x->base, sigs[i], signal_cb, x);
		if (x->sig_ev[i] == NULL || event_add(x->sig_ev[i], NULL) < 0)
			fatalx("cannot watch signal %d", sigs[i]);
	}
}

/* Say whether XRELOCD_FAULT means anything to this build. */
static void
fault_notice(void)
{
	const char	*f = getenv("XRELOCD_FAULT");

	if (f == NULL || *f == '\0')
		return;
#ifdef RELOC_FAULT_INJECTION
	log_warnx("xrelocd", "fault injection armed for the workers: "
	    "XRELOCD_FAULT=%s; never on a production host", f);
#else
	log_warnx("xrelocd", "XRELOCD_FAULT is set but this build has no "
	    "fault injection (configure --enable-fault-injection): ignored");
#endif
}

static const struct job_hooks hooks = {
	.start = worker_start_source,
	.changed = control_job_changed,
};

#define SWEEP_INTERVAL_S	2

static void
sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	journal_sweep(arg, false);
}

/* The journal: checked before anything, read once the loop is up. */
static void
journal_start(struct xrelocd *x)
{
	struct timeval	tv = { SWEEP_INTERVAL_S, 0 };

	x->job_hooks = &hooks;
	journal_sweep(x, true);
	x->sweep_ev = event_new(x->base, -1, EV_PERSIST, sweep_cb, x);
	if (x->sweep_ev == NULL || event_add(x->sweep_ev, &tv) < 0)
		fatalx("cannot start the journal sweep");
}

static void
daemon_start(struct xrelocd *x)
{
	struct xrelocd_why	why;
	int			rc;

	x->hv = reloc_hv_lookup(reloc_conf_str(x->conf, RELOC_CK_BACKEND));
	if (x->hv == NULL)
		fatalx("backend '%s' is not built in (xrelocd-backend in %s)",
		    reloc_conf_str(x->conf, RELOC_CK_BACKEND), x->conf_path);
	/* The reload keeps it: a copy that outlives the configuration. */
	if ((x->state_dir = strdup(reloc_conf_str(x->conf,
	    RELOC_CK_STATE_DIR))) == NULL)
		fatalx("out of memory");
	if (reloc_journal_check(x->state_dir, why.msg, sizeof(why.msg)) < 0)
		fatalx("%s (xrelocd-state-dir in %s)", why.msg, x->conf_path);
	if ((x->lane_dir = strdup(reloc_conf_str(x->conf,
	    RELOC_CK_CONTROL_SOCKET))) == NULL)
		fatalx("out of memory");
	if (strrchr(x->lane_dir, '/') != NULL)
		*strrchr(x->lane_dir, '/') = '\0';
	else
		snprintf(x->lane_dir, strlen(x->lane_dir) + 1, ".");
	if (tlsctx_build(x->conf, x->conf_path, &x->tls_ctx, &why) < 0)
		fatalx("%s", why.msg);
	/* A backend instance belongs to one process: open it after daemon. */
	if (!x->foreground && daemon(0, 0) == -1)
		fatal("daemon");
	xrelocd_log_init(x->foreground);
	/* Our event loop owns SIGCHLD; backends only reap their own. */
	reloc_hv_sigchld_owned(true);
	if ((rc = x->hv->open(x->conf, &x->hv_priv)) < 0)
		fatalx("cannot open the %s backend: %s", x->hv->name,
		    reloc_strerror(rc));
	if ((x->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	xrelocd_fd_limit_raise();
	signals_start(x);
	journal_start(x);
	worker_watch_start(x);
	if (listen_open(x, x->conf, &x->reloc, &why) < 0)
		fatalx("%s", why.msg);
	listen_announce(x);
	if (control_open(x, reloc_conf_str(x->conf, RELOC_CK_CONTROL_SOCKET),
	    &x->ctl_lis, &why) < 0)
		fatalx("%s", why.msg);
	log_info("control", "control socket %s",
	    reloc_conf_str(x->conf, RELOC_CK_CONTROL_SOCKET));
	if (xrelocd_pidfile_write(reloc_conf_str(x->conf, RELOC_CK_PID_FILE),
	    &why) < 0)
		log_warnx("xrelocd", "%s", why.msg);
	log_info("xrelocd", "%s started, backend %s", PACKAGE_STRING,
	    x->hv->name);
	fault_notice();
}

static void
daemon_stop(struct xrelocd *x)
{
	size_t	i;

	listen_stop(x);
	control_stop(x);
	for (i = 0; i < 4; i++)
		if (x->sig_ev[i] != NULL)
			event_free(x->sig_ev[i]);
	if (x->sweep_ev != NULL)
		event_free(x->sweep_ev);
	worker_watch_stop(x);
	job_free_all(x);
	free(x->state_dir);
	free(x->lane_dir);
	if (*reloc_conf_str(x->conf, RELOC_CK_PID_FILE) != '\0')
		unlink(reloc_conf_str(x->conf, RELOC_CK_PID_FILE));
	x->hv->close(x->hv_priv);
	reloc_tls_ctx_free(x->tls_ctx);
	event_base_free(x->base);
	reloc_conf_free(x->conf);
	log_info("xrelocd", "stopped");
}

int
xrelocd_main(int argc, char *argv[])
{
	struct xrelocd	 x;
	struct options	 o;
	int		 rc;

	if ((rc = parse_options(argc, argv, &o)) != 0)
		return rc;
	memset(&x, 0, sizeof(x));
	TAILQ_INIT(&x.workers);
	TAILQ_INIT(&x.jobs);
	x.next_job = 1;
	x.conf_path = o.conf_path;
	x.foreground = o.foreground;
	x.verbose = o.verbose;
	if ((rc = offline_modes(&o, &x.conf)) >= 0)
		return rc;
	xrelocd_log_init(true);
	xrelocd_log_level(&x, x.conf);
	daemon_start(&x);
	event_base_dispatch(x.base);
	daemon_stop(&x);
	return 0;
}
