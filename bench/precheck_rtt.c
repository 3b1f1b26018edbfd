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
 * Precheck round trips against a running target daemon: connect, HELLO,
 * PRECHECK, verdict, through reloc_migrate_source() with check_only on an
 * open sim backend, timed N times.  The reference, measured in the same
 * run, is a TCP connect plus one 1-byte round trip on loopback.
 *   precheck_rtt SIM-DIR PORT DOMAIN [N]
 */

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"

#define GOAL_MS		2.0
#define GOAL_P99_MS	10.0

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v. */
static double
pct(const double *v, size_t n, unsigned p)
{
	size_t	i = (n * p + 99) / 100;

	return v[i == 0 ? 0 : i - 1];
}

static void
row(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-44s %8.3f %8.3f %8.3f\n", what, pct(v, n, 50), pct(v, n, 90),
	    pct(v, n, 99));
}

/* A child that answers every 1-byte message on each connection. */
static pid_t
echo_server(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof(*sin);
	pid_t		pid;
	char		c;
	int		s, fd;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)sin, len) == -1 || listen(s, 64) == -1 ||
	    getsockname(s, (struct sockaddr *)sin, &len) == -1)
		err(1, "listen");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid > 0) {
		close(s);
		return pid;
	}
	while ((fd = accept(s, NULL, NULL)) != -1) {
		while (read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
			;
		close(fd);
	}
	_exit(0);
}

static void
tcp_reference(double *v, size_t n)
{
	struct sockaddr_in	sin;
	pid_t			pid = echo_server(&sin);
	double			t0;
	size_t			i;
	char			c = 'x';
	int			fd;

	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			err(1, "reference round trip");
		close(fd);
		v[i] = now_ms() - t0;
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void
prechecks(const char *dir, const char *port, const char *dom, double *v,
    size_t n)
{
	struct reloc_migrate_opts	o = {
		.domain = dom, .host = "127.0.0.1", .port = port,
		.live = true, .check_only = true, .timeout_ms = 5000,
		.local_family = AF_INET,
	};
	struct reloc_migrate_result	res;
	struct reloc_record		rec;
	void				*priv;
	double				 t0;
	size_t				 i;

	if (reloc__sim_open_dir(dir, &priv) < 0)
		errx(1, "cannot open the sim backend in %s", dir);
	for (i = 0; i < n; i++) {
		memset(&res, 0, sizeof(res));
		/* A target takes a HELLO only with a migration id. */
		reloc_record_init(&rec, RELOC_ROLE_SOURCE);
		rec.check = true;
		o.rec = &rec;
		t0 = now_ms();
		if (reloc_record_new_id(rec.id) < 0)
			errx(1, "cannot make a migration id");
		if (reloc_migrate_source(&reloc__hv_sim_ops, priv, &o,
		    &res) < 0 || res.outcome != RELOC_OUT_MOVED)
			errx(1, "precheck %zu failed: %s", i, res.message);
		v[i] = now_ms() - t0;
		reloc_migrate_result_dispose(&res);
		reloc_record_dispose(&rec);
	}
	reloc__hv_sim_ops.close(priv);
}

int
main(int argc, char **argv)
{
	double	*ref, *pc;
	size_t	 n = 200;

	if (argc < 4 || argc > 5)
		errx(2, "usage: precheck_rtt SIM-DIR PORT DOMAIN [N]");
	if (argc == 5 && (n = strtoul(argv[4], NULL, 10)) == 0)
		errx(2, "N must be a positive number");
	reloc_log_set_level(RELOC_LOG_ERR);
	if ((ref = calloc(n, sizeof(*ref))) == NULL ||
	    (pc = calloc(n, sizeof(*pc))) == NULL)
		err(1, "calloc");
	tcp_reference(ref, n);
	prechecks(argv[1], argv[2], argv[3], pc, n);
	printf("## precheck round trips, %zu runs (ms)\n", n);
	printf("%-44s %8s %8s %8s\n", "", "median", "p90", "p99");
	row("TCP connect + 1 round trip on loopback", ref, n);
	row("precheck (connect, HELLO, PRECHECK, verdict)", pc, n);
	printf("goal: median <= %.0f ms, p99 <= %.0f ms: %s\n", GOAL_MS,
	    GOAL_P99_MS, pct(pc, n, 50) <= GOAL_MS &&
	    pct(pc, n, 99) <= GOAL_P99_MS ? "met" : "NOT met");
	free(ref);
	free(pc);
	return 0;
}
