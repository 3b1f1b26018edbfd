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
 * The watchdog of migration workers: a worker that makes no progress at
 * all for xrelocd-io-timeout (stopped, or frozen) is killed, and its end
 * is handled as any killed worker's (worker_ended: recovery).  Progress
 * is what the kernel counts for the worker and its children: bytes read
 * and written by any system call (its worker channel, its connection,
 * the journal) and CPU time.  Slow is not stuck: a worker on a loaded
 * machine still moves these, however little.
 */

#include <sys/types.h>

#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

#define WATCH_INTERVAL_S	1
#define WATCH_DEPTH		3	/* the worker, helpers, theirs */

static int64_t
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* rchar + wchar of /proc/PID/io. */
static uint64_t
io_bytes(pid_t pid)
{
	char		 path[64], key[32];
	unsigned long long v;
	uint64_t	 sum = 0;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%ld/io", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fscanf(f, "%31[^:]: %llu\n", key, &v) == 2)
		if (strcmp(key, "rchar") == 0 || strcmp(key, "wchar") == 0)
			sum += v;
	fclose(f);
	return sum;
}

/* utime + stime of /proc/PID/stat, in clock ticks. */
static uint64_t
cpu_ticks(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut = 0, st = 0;
	FILE			*f;
	size_t			 n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command's ")": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %*d %*d "
	    "%*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* The progress counters of PID and its descendants, summed. */
static uint64_t
progress_of(pid_t pid, int depth)
{
	char		 path[320];
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	long		 child;
	uint64_t	 sum = io_bytes(pid) + cpu_ticks(pid);

	if (depth == 0)
		return sum;
	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return sum;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/children",
		    (long)pid, de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fscanf(f, "%ld", &child) == 1)
			sum += progress_of((pid_t)child, depth - 1);
		fclose(f);
	}
	closedir(d);
	return sum;
}

/*
 * Workers whose every wait is bounded by the I/O timeout.  A target
 * before HELLO has its own timer; a source resolving a broken handover
 * and a recovery worker wait for a peer on purpose, for longer.
 */
static bool
watched(const struct worker *w)
{
	if (w->kind == WORKER_RECOVER || !w->hello_done)
		return false;
	return w->job == NULL || w->job->rec.state != RELOC_MS_RESOLVING;
}

static void
watch_one(struct worker *w, int64_t now, long timeout)
{
	uint64_t	p = progress_of(w->pid, WATCH_DEPTH);

	if (w->progress_s == 0 || p != w->progress || !watched(w)) {
		w->progress = p;
		w->progress_s = now;
		return;
	}
	if (now - w->progress_s < timeout)
		return;
	log_warnx("worker", "worker[%s] pid %ld (%s %s): no progress for "
	    "%lds (xrelocd-io-timeout): killed, its migration is recovered",
	    w->job != NULL ? w->job->rec.domain : "?", (long)w->pid,
	    w->kind == WORKER_SOURCE ? "migrating to" : "receiving from",
	    w->peer, (long)(now - w->progress_s));
	kill(w->pid, SIGKILL);
	/* Once: its end comes with SIGCHLD. */
	w->progress_s = INT64_MAX / 2;
}

static void
watch_cb(evutil_socket_t fd, short events, void *arg)
{
	struct xrelocd	*x = arg;
	struct worker	*w;
	int64_t		 now = now_s();
	long		 timeout = reloc_conf_int(x->conf,
			    RELOC_CK_IO_TIMEOUT);

	(void)fd;
	(void)events;
	TAILQ_FOREACH(w, &x->workers, entry)
		watch_one(w, now, timeout);
}

void
worker_watch_start(struct xrelocd *x)
{
	struct timeval	tv = { WATCH_INTERVAL_S, 0 };

	x->watch_ev = event_new(x->base, -1, EV_PERSIST, watch_cb, x);
	if (x->watch_ev == NULL || event_add(x->watch_ev, &tv) < 0)
		fatalx("cannot start watching the workers");
}

void
worker_watch_stop(struct xrelocd *x)
{
	if (x->watch_ev != NULL) {
		event_free(x->watch_ev);
		x->watch_ev = NULL;
	}
}
