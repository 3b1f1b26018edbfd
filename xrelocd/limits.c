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
 * The daemon's descriptors: its soft limit raised to the hard one at
 * start, and every listener paused for a second when accept() runs out
 * of them, instead of spinning on the error.
 */

#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "xrelocd.h"
#include "log.h"

/* Paused by xrelocd_accept_error: every listener accepts again. */
static void
accept_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	struct xrelocd	*x = arg;
	size_t		 i;

	(void)fd;
	(void)events;
	for (i = 0; i < x->reloc.nr; i++)
		evconnlistener_enable(x->reloc.lis[i]);
	if (x->ctl_lis != NULL)
		evconnlistener_enable(x->ctl_lis);
}

void
xrelocd_accept_error(struct xrelocd *x, struct evconnlistener *lis,
    const char *module)
{
	static struct reloc_log_rate	 rate;
	struct timeval			 tv = { 1, 0 };
	unsigned			 dropped;
	size_t				 i;
	int				 e = EVUTIL_SOCKET_ERROR();

	if (reloc_log_rate_allow(&rate, 3, 60, &dropped))
		log_warnx(module, "accept: %s%s (%u more such errors before)",
		    evutil_socket_error_to_string(e), e == EMFILE ||
		    e == ENFILE ? ", accepting again in a second" : "",
		    dropped);
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
		return;
	/* Descriptors are the process's: every listener waits. */
	evconnlistener_disable(lis);
	for (i = 0; i < x->reloc.nr; i++)
		evconnlistener_disable(x->reloc.lis[i]);
	if (x->ctl_lis != NULL)
		evconnlistener_disable(x->ctl_lis);
	if (x->pause_ev == NULL)
		x->pause_ev = evtimer_new(x->base, accept_resume_cb, x);
	if (x->pause_ev != NULL)
		evtimer_add(x->pause_ev, &tv);
	else
		accept_resume_cb(-1, 0, x);
}

void
xrelocd_fd_limit_raise(void)
{
	struct rlimit	rl;
	rlim_t		old;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	old = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("xrelocd", "cannot raise the open file limit from "
		    "%llu to %llu", (unsigned long long)old,
		    (unsigned long long)rl.rlim_max);
		return;
	}
	log_info("xrelocd", "open file limit raised from %llu to %llu",
	    (unsigned long long)old, (unsigned long long)rl.rlim_max);
}
