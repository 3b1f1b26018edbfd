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
 * The peers that only a name pattern of xend-relocation-hosts-allow can
 * admit.  The resolver blocks, so a child looks the name up (reverse,
 * then forward-confirmed) and writes it back, while the daemon holds the
 * connection.  A lookup is bounded in time (xrelocd-hello-timeout: the
 * child is killed), in number (xrelocd-max-name-lookups) and per peer
 * address (xrelocd-max-pending-per-peer), and it takes none of the
 * xrelocd-max-pending slots: those go to peers admitted, by address or
 * by name, and waiting for HELLO.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netdb.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

struct lookup {
	LIST_ENTRY(lookup)	 entry;
	struct xrelocd		*x;
	pid_t			 pid;		/* -1 once reaped */
	int			 fd;		/* the peer, -1 once let go */
	struct event		*ev;		/* the answer, or time out */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 peer[128];
	char			 addr[64];
	char			 name[NI_MAXHOST];
	size_t			 len;
	bool			 tls;		/* on the TLS port */
};

unsigned
listen_name_count(const struct xrelocd *x, const char *addr)
{
	const struct lookup	*l;
	unsigned		 n = 0;

	LIST_FOREACH(l, &x->lookups, entry)
		if (l->fd != -1 && strcmp(l->addr, addr) == 0)
			n++;
	return n;
}

/* The child: the name that resolves back to the peer, or nothing. */
static void __attribute__((noreturn))
lookup_child(const struct lookup *l, int out, int timeout)
{
	char	*name = NULL;

	/* Should the parent's timer not fire first, the default kills us. */
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned)timeout + 1);
	if (reloc_allow_confirmed_name((const struct sockaddr *)&l->ss,
	    l->sslen, &name) == 0 && write(out, name, strlen(name)) < 0)
		_exit(1);
	_exit(0);
}

static void
lookup_free(struct lookup *l)
{
	LIST_REMOVE(l, entry);
	free(l);
}

/* The name as printable text: a PTR record is the peer's to write. */
static void
name_clean(char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-_", *s) == NULL)
			*s = '?';
}

/* Answered (or not): admit the peer, or refuse it; let the child go. */
static void
lookup_end(struct lookup *l, bool answered)
{
	struct xrelocd		 *x = l->x;
	const struct reloc_allow *allow = reloc_conf_allow(x->conf);
	int			  fd = l->fd;
	bool			  ok;

	close(event_get_fd(l->ev));
	event_free(l->ev);
	l->ev = NULL;
	/* No longer a lookup: the caps on HELLO apply from here. */
	l->fd = -1;
	x->nr_lookups--;
	l->name[l->len] = '\0';
	ok = answered && l->len > 0 && reloc_allow_match(allow,
	    (struct sockaddr *)&l->ss, l->sslen, l->name);
	name_clean(l->name);
	if (!answered) {
		kill(l->pid, SIGKILL);
		ratelog_note(&x->refused, l->addr, l->peer, "its name was not "
		    "found within %lds (xrelocd-hello-timeout)",
		    reloc_conf_int(x->conf, RELOC_CK_HELLO_TIMEOUT));
	} else if (ok) {
		log_info("listen", "admitted %s as %s", l->peer, l->name);
		listen_admit(x, fd, l->peer, l->addr, l->tls, l->name);
	} else
		ratelog_note(&x->refused, l->addr, l->peer, "not in "
		    "xend-relocation-hosts-allow (%s)", l->len > 0 ? l->name :
		    "no name that resolves back to it");
	close(fd);
	if (l->pid == -1)
		lookup_free(l);
}

/* The child wrote (part of) the name, closed, or the time is up. */
static void
lookup_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct lookup	*l = arg;
	ssize_t		 n;

	if (events & EV_TIMEOUT) {
		lookup_end(l, false);
		return;
	}
	n = read(fd, l->name + l->len, sizeof(l->name) - 1 - l->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		l->len += (size_t)n;
	if (n <= 0 || l->len == sizeof(l->name) - 1)
		lookup_end(l, n == 0);
}

/* Parent: wait for the answer of the child PID on IN, bounded. */
static int
lookup_watch(struct xrelocd *x, struct lookup *l, pid_t pid, int in)
{
	struct timeval	tv = { 0, 0 };

	l->pid = pid;
	evutil_make_socket_nonblocking(in);
	tv.tv_sec = reloc_conf_int(x->conf, RELOC_CK_HELLO_TIMEOUT);
	l->ev = event_new(x->base, in, EV_READ | EV_PERSIST, lookup_read_cb,
	    l);
	if (l->ev == NULL || event_add(l->ev, &tv) == -1) {
		log_warnx("listen", "cannot wait for the name of %s", l->peer);
		if (l->ev != NULL)
			event_free(l->ev);
		l->ev = NULL;
		close(in);
		kill(pid, SIGKILL);
		close(l->fd);
		l->fd = -1;
		return 0;	/* reaped and freed as any other */
	}
	x->nr_lookups++;
	return 0;
}

int
listen_name_start(struct xrelocd *x, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, const char *addr, bool tls)
{
	struct lookup	*l;
	int		 sv[2];
	pid_t		 pid;

	if ((size_t)salen > sizeof(l->ss) || (l = calloc(1, sizeof(*l))) ==
	    NULL)
		return -1;
	l->x = x;
	memcpy(&l->ss, sa, (size_t)salen);
	l->sslen = salen;
	snprintf(l->peer, sizeof(l->peer), "%s", peer);
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	l->tls = tls;
	if ((l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("listen", "dup");
		free(l);
		return -1;
	}
	if ((pid = worker_fork(x, sv)) == -1) {
		close(l->fd);
		free(l);
		return -1;
	}
	if (pid == 0)
		lookup_child(l, sv[1], (int)reloc_conf_int(x->conf,
		    RELOC_CK_HELLO_TIMEOUT));
	close(sv[1]);
	LIST_INSERT_HEAD(&x->lookups, l, entry);
	return lookup_watch(x, l, pid, sv[0]);
}

void
listen_name_reap(struct xrelocd *x)
{
	struct lookup	*l, *next;

	for (l = LIST_FIRST(&x->lookups); l != NULL; l = next) {
		next = LIST_NEXT(l, entry);
		if (l->pid == -1 || waitpid(l->pid, NULL, WNOHANG) != l->pid)
			continue;
		l->pid = -1;
		if (l->ev == NULL)
			lookup_free(l);
	}
}

void
listen_name_stop(struct xrelocd *x)
{
	struct lookup	*l;

	while ((l = LIST_FIRST(&x->lookups)) != NULL) {
		if (l->ev != NULL) {
			close(event_get_fd(l->ev));
			event_free(l->ev);
		}
		if (l->fd != -1)
			close(l->fd);
		if (l->pid != -1) {
			kill(l->pid, SIGKILL);
			waitpid(l->pid, NULL, 0);
		}
		lookup_free(l);
	}
	x->nr_lookups = 0;
}
