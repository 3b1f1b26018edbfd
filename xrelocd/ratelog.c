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
 * Rate-limited warnings for floods (refused connections, say): the first
 * event from a source in an interval is logged as it comes, the others
 * are counted and summed up in one line when the interval ends:
 *   refused connection from 127.0.0.2:40112: ...
 *   refused 3791 more connections from 127.0.0.2 in the last 10 s: ...
 * Sources past RATELOG_KEYS in one interval share one line.  Each
 * source's budget is a reloc_log_rate of one line per interval: the
 * same limiter as libreloc's, keyed here by address.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

/* "refused 3791 more connections from KEY in the last 10 s: why" */
static void
ratelog_summary(struct ratelog *rl, const struct ratelog_key *k,
    unsigned n)
{
	if (n > 0)
		log_warnx(rl->mod, "%s %u more %s from %s in the last %d s: "
		    "%s", rl->verb, n, rl->nouns, k->key, rl->interval,
		    k->why);
}

static void
ratelog_flush(struct ratelog *rl)
{
	size_t	i;

	for (i = 0; i < rl->nkeys; i++)
		ratelog_summary(rl, &rl->keys[i], rl->keys[i].rate.dropped);
	if (rl->others > 0)
		log_warnx(rl->mod, "%s %u %s from other addresses in the "
		    "last %d s", rl->verb, rl->others, rl->nouns,
		    rl->interval);
	rl->nkeys = 0;
	rl->others = 0;
}

/* The interval ended: one line per source. */
static void
ratelog_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	ratelog_flush(arg);
}

int
ratelog_init(struct ratelog *rl, struct event_base *base, const char *mod,
    const char *verb, const char *noun, const char *nouns, int interval)
{
	memset(rl, 0, sizeof(*rl));
	rl->mod = mod;
	rl->verb = verb;
	rl->noun = noun;
	rl->nouns = nouns;
	rl->interval = interval;
	if ((rl->ev = evtimer_new(base, ratelog_timer_cb, rl)) == NULL)
		return -1;
	return 0;
}

void
ratelog_dispose(struct ratelog *rl)
{
	if (rl->ev == NULL)
		return;
	ratelog_flush(rl);
	event_free(rl->ev);
	rl->ev = NULL;
}

static struct ratelog_key *
ratelog_key(struct ratelog *rl, const char *key)
{
	struct ratelog_key	*k;
	size_t			 i;

	for (i = 0; i < rl->nkeys; i++)
		if (strcmp(rl->keys[i].key, key) == 0)
			return &rl->keys[i];
	if (rl->nkeys == RATELOG_KEYS)
		return NULL;
	k = &rl->keys[rl->nkeys++];
	snprintf(k->key, sizeof(k->key), "%s", key);
	memset(&k->rate, 0, sizeof(k->rate));
	return k;
}

void
ratelog_note(struct ratelog *rl, const char *key, const char *peer,
    const char *fmt, ...)
{
	struct ratelog_key	*k;
	struct timeval		 tv = { rl->interval, 0 };
	va_list			 ap;
	char			 why[sizeof(k->why)];
	unsigned		 dropped;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (rl->ev == NULL) {
		log_warnx(rl->mod, "%s %s from %s: %s", rl->verb, rl->noun,
		    peer, why);
		return;
	}
	if (!evtimer_pending(rl->ev, NULL))
		evtimer_add(rl->ev, &tv);
	if ((k = ratelog_key(rl, key)) == NULL) {
		rl->others++;
		return;
	}
	if (reloc_log_rate_allow(&k->rate, 1, (unsigned)rl->interval,
	    &dropped)) {
		/* Its interval ran out before the timer: sum up first. */
		ratelog_summary(rl, k, dropped);
		log_warnx(rl->mod, "%s %s from %s: %s", rl->verb, rl->noun,
		    peer, why);
		return;
	}
	snprintf(k->why, sizeof(k->why), "%s", why);
}
