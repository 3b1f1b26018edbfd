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
 * xrelocd-etherip: command line, logging, pidfile and daemonizing of the
 * EtherIP endpoint.  The data path lives in etherip_io.c.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "etherip.h"

struct opts {
	const char	*tap;
	const char	*local;
	const char	*remote;
	const char	*pidfile;
	int		 foreground;
};

static int	use_syslog;

static void
usage(void)
{
	fprintf(stderr, "usage: xrelocd-etherip -i tapname -l local "
	    "-r remote [-f] [-p pidfile]\n");
	exit(2);
}

void
etherip_log(int pri, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	if (use_syslog)
		vsyslog(pri, fmt, ap);
	else if (pri <= LOG_INFO) {
		fputs("xrelocd-etherip: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	errno = saved;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "fi:l:p:r:")) != -1) {
		switch (ch) {
		case 'f':
			o->foreground = 1;
			break;
		case 'i':
			o->tap = optarg;
			break;
		case 'l':
			o->local = optarg;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'r':
			o->remote = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->tap == NULL || o->local == NULL ||
	    o->remote == NULL)
		usage();
}

/* Lock and open the pidfile before forking, so errors reach stderr. */
static int
pidfile_lock(const char *path)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		etherip_log(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		etherip_log(LOG_ERR, "%s: already running (pid %s)", path,
		    buf[0] != '\0' ? buf : "unknown");
		close(fd);
		return -1;
	}
	return fd;
}

static int
pidfile_write(int fd)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		return -1;
	return 0;
}

/*
 * Fork into the background; the parent exits only once the child has
 * written its pidfile, so the caller can trust it on a zero exit.
 */
static int
daemonize(int pidfd)
{
	int	p[2], devnull;
	char	c;
	pid_t	pid;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		etherip_log(LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid != 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() == -1 || chdir("/") == -1)
		return -1;
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(devnull, STDIN_FILENO);
		(void)dup2(devnull, STDOUT_FILENO);
		(void)dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	if (pidfd != -1 && pidfile_write(pidfd) == -1)
		return -1;
	use_syslog = 1;
	/* The parent reports success only if this byte arrives. */
	if (write(p[1], "", 1) != 1)
		return -1;
	close(p[1]);
	return 0;
}

static int
setup(const struct opts *o, struct etherip_tun *t)
{
	if (etherip_addr_parse(o->local, &t->local) == -1 ||
	    etherip_addr_parse(o->remote, &t->remote) == -1) {
		etherip_log(LOG_ERR, "-l and -r take numeric IPv4 or IPv6 "
		    "addresses");
		return -1;
	}
	if (t->local.family != t->remote.family) {
		etherip_log(LOG_ERR, "%s and %s: address families differ",
		    o->local, o->remote);
		return -1;
	}
	if ((t->sockfd = etherip_sock_open(&t->local, &t->remote)) == -1)
		return -1;
	if ((t->tapfd = etherip_tap_open(o->tap)) == -1)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts		o;
	struct etherip_tun	t;
	int			pidfd = -1, r;

	parse_opts(argc, argv, &o);
	memset(&t, 0, sizeof(t));
	t.tapfd = t.sockfd = -1;
	openlog("xrelocd-etherip", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (o.pidfile != NULL && (pidfd = pidfile_lock(o.pidfile)) == -1)
		return 1;
	if (setup(&o, &t) == -1)
		goto fail;
	if (o.foreground) {
		if (pidfd != -1 && pidfile_write(pidfd) == -1)
			goto fail;
	} else if (daemonize(pidfd) == -1)
		goto fail;
	etherip_log(LOG_INFO, "%s: etherip %s -> %s", o.tap, o.local,
	    o.remote);
	r = etherip_run(&t);
	if (o.pidfile != NULL)
		(void)unlink(o.pidfile);
	return r == 0 ? 0 : 1;
fail:
	if (o.pidfile != NULL && pidfd != -1)
		(void)unlink(o.pidfile);
	return 1;
}
