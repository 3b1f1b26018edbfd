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
 * The libxl backend's migration operations: the stream out
 * (libxl_domain_suspend) and in (libxl_domain_create_restore), undoing a
 * failed save, and the rename, pause and destroy steps around them, the
 * way xl's migrate and migrate-receive use them.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* tcpi_bytes_acked, which glibc's lacks */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* As hv_libxl.c: the 4.14 API holds through 4.17+. */
#define LIBXL_API_VERSION 0x041400
#include <libxl.h>
#include <libxl_utils.h>

#include "converge-int.h"
#include "hv_libxl.h"

/* A switchover besides the pages (ns): libxl's suspend, READY, GO. */
#define HVL_SWITCH_NS	(100ull * 1000 * 1000)

/*
 * What the peer acknowledged on a TCP socket, or 0 if fd is none (the
 * pump's socketpair: the pump counts for itself).  libxc's progress
 * counts pfns scanned, and the p2m of an HVM or PVH guest spans its
 * address space up to 4 GiB whatever its memory: the socket knows better.
 */
static uint64_t
tcp_acked(int fd)
{
	struct tcp_info	 ti;
	socklen_t	 len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) +
	    sizeof(ti.tcpi_bytes_acked))
		return 0;
	return ti.tcpi_bytes_acked;
}

/* A budgeted save on libxl: libxc picks its rounds, we cap and abort. */
struct hvl_budget {
	struct hvl		*hv;
	uint32_t		 domid;
	int			 fd;
	const struct reloc_save_params *up;
	struct reloc_save_params down;	/* what libxl's logger relays to */
	struct reloc__conv	 cv;
	struct reloc__cap	 cap;
	uint64_t		 start_ns;
	unsigned		 round;
	bool			 aborted;
};

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cap_get(void *arg, uint32_t domid, int *weight_r, int *cap_r)
{
	struct hvl			*hv = arg;
	libxl_domain_sched_params	 sp;
	int				 lrc, rc = 0;

	libxl_domain_sched_params_init(&sp);
	if ((lrc = libxl_domain_sched_params_get(hv->ctx, domid, &sp)) != 0)
		rc = reloc__hvl_err("libxl_domain_sched_params_get", lrc);
	else if (sp.sched != LIBXL_SCHEDULER_CREDIT &&
	    sp.sched != LIBXL_SCHEDULER_CREDIT2) {
		log_warnx("hv", "domain %u: scheduler %s has no cap: not "
		    "throttled", domid, libxl_scheduler_to_string(sp.sched));
		rc = RELOC_ERR_HV;
	} else {
		*weight_r = sp.weight;
		*cap_r = sp.cap;
	}
	libxl_domain_sched_params_dispose(&sp);
	return rc;
}

static int
cap_set(void *arg, uint32_t domid, int weight, int cap)
{
	struct hvl			*hv = arg;
	libxl_domain_sched_params	 sp;
	int				 lrc;

	libxl_domain_sched_params_init(&sp);
	if ((lrc = libxl_domain_sched_params_get(hv->ctx, domid, &sp)) == 0) {
		sp.weight = weight;
		sp.cap = cap;
		lrc = libxl_domain_sched_params_set(hv->ctx, domid, &sp);
	}
	libxl_domain_sched_params_dispose(&sp);
	return lrc == 0 ? 0 : reloc__hvl_err("libxl_domain_sched_params_set",
	    lrc);
}

static const struct reloc__cap_ops cap_ops = { cap_get, cap_set };

/*
 * Each round libxc reports: the budget's verdict.  libxc stops pre-copy
 * by its own rule, so STOP changes nothing; the throttle becomes the
 * cap, and ABORT closes the stream, which fails the save before the
 * domain is suspended (before READY: the target discards).
 */
static void
budget_progress(const struct reloc_progress *p, void *arg)
{
	struct hvl_budget	*b = arg;
	struct reloc_progress	 q = *p;

	if (q.phase == RELOC_PP_PRECOPY && q.round > b->round &&
	    !b->aborted) {
		b->round = q.round;
		if (reloc__conv_round(&b->cv, &q, mono_ns() - b->start_ns) ==
		    RELOC_CONV_ABORT) {
			(void)reloc__conv_end(&b->cv, RELOC_CONV_ABORT, b->up,
			    b->domid);
			b->aborted = true;
			shutdown(b->fd, SHUT_RDWR);
		} else
			(void)reloc__cap_set(&b->cap, b->cv.throttle);
	}
	if (b->up->progress != NULL)
		b->up->progress(&q, b->up->progress_arg);
}

/*
 * The cap of domid, with its vcpus and uuid, its undo noted in the state
 * directory: a worker killed while it throttles leaves the note, and the
 * resume of its recovery puts the cap back (reloc__hvl_resume).
 */
static void
budget_cap(struct hvl *hv, uint32_t domid, struct reloc__cap *c)
{
	libxl_dominfo	 info;
	unsigned	 n = 1;

	libxl_dominfo_init(&info);
	if (libxl_domain_info(hv->ctx, &info, domid) == 0)
		n = info.vcpu_online;
	reloc__cap_init(c, &cap_ops, hv, domid, n);
	snprintf(c->uuid, sizeof(c->uuid), LIBXL_UUID_FMT,
	    LIBXL_UUID_BYTES(info.uuid));
	c->note_dir = hv->state_dir[0] != '\0' ? hv->state_dir : NULL;
	libxl_dominfo_dispose(&info);
}

int
reloc__hvl_save(void *priv, uint32_t domid, int fd,
    const struct reloc_save_params *p)
{
	struct hvl		*hv = priv;
	struct hvl_budget	 b = { .hv = hv, .domid = domid, .fd = fd,
				    .up = p, .down = *p };
	uint64_t		 acked = tcp_acked(fd), after;
	int			 lrc;

	/* libxc fixes its own round limit (5); max_rounds has no knob. */
	if (p->max_rounds != 0)
		log_debug("hv", "domain %u: max_rounds %u not supported by "
		    "libxl, using its default", domid, p->max_rounds);
	reloc__conv_init(&b.cv, p, HVL_SWITCH_NS);
	budget_cap(hv, domid, &b.cap);
	b.start_ns = mono_ns();
	if (p->live && p->max_downtime_ms != 0) {
		b.down.progress = budget_progress;
		b.down.progress_arg = &b;
	}
	reloc__hvl_log_save(&hv->lg, &b.down);
	lrc = libxl_domain_suspend(hv->ctx, domid, fd,
	    p->live ? LIBXL_SUSPEND_LIVE : 0, NULL);
	reloc__hvl_log_save(&hv->lg, NULL);
	/* Saved, failed or aborted: the cap goes back as it was. */
	(void)reloc__cap_restore(&b.cap);
	if (b.aborted)
		return RELOC_ERR_TIMEOUT;
	if (lrc != 0)
		return reloc__hvl_err("libxl_domain_suspend", lrc);
	after = tcp_acked(fd);
	if (p->progress != NULL && (after > acked ||
	    hv->lg.prog.p.phase != RELOC_PP_DONE)) {
		hv->lg.prog.p.phase = RELOC_PP_DONE;
		hv->lg.prog.p.remaining_pages = 0;
		if (after > acked)
			hv->lg.prog.p.sent_bytes = after - acked;
		p->progress(&hv->lg.prog.p, p->progress_arg);
	}
	return 0;
}

/*
 * Undo a failed save.  A save that failed before the guest acknowledged
 * the suspend (ERROR_GUEST_TIMEDOUT, a precopy error) leaves it running:
 * resuming a running domain would corrupt it, so only a domain that is
 * shut down for suspend is resumed, co-operatively as xl does.
 */
int
reloc__hvl_resume(void *priv, uint32_t domid)
{
	struct hvl	*hv = priv;
	libxl_dominfo	 info;
	char		 uuid[37];
	bool		 suspended;
	int		 lrc, weight, cap;

	libxl_dominfo_init(&info);
	if ((lrc = libxl_domain_info(hv->ctx, &info, domid)) != 0) {
		libxl_dominfo_dispose(&info);
		return reloc__hvl_err("libxl_domain_info", lrc);
	}
	suspended = info.shutdown &&
	    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
	snprintf(uuid, sizeof(uuid), LIBXL_UUID_FMT,
	    LIBXL_UUID_BYTES(info.uuid));
	libxl_dominfo_dispose(&info);
	/* A saver killed while it throttled: its cap goes back first. */
	if (hv->state_dir[0] != '\0' && reloc__cap_note_take(hv->state_dir,
	    domid, uuid, &weight, &cap) == 0 &&
	    cap_set(hv, domid, weight, cap) == 0)
		log_info("hv", "domain %u: throttle of a dead saver removed: "
		    "cap %d, weight %d", domid, cap, weight);
	if (!suspended) {
		log_info("hv", "domain %u was not suspended: nothing to resume",
		    domid);
		return 0;
	}
	if ((lrc = libxl_domain_resume(hv->ctx, domid, 1, NULL)) != 0)
		return reloc__hvl_err("libxl_domain_resume", lrc);
	return 0;
}

static int
restore_config(struct hvl *hv, const struct reloc_domain *dom,
    const char *name, libxl_domain_config *cfg)
{
	char	*json = NULL;
	int	 lrc, rc;

	if (name == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc__xendom_config_json(dom, &json)) < 0)
		return rc;
	lrc = libxl_domain_config_from_json(hv->ctx, cfg, json);
	free(json);
	if (lrc != 0)
		return reloc__hvl_err("libxl_domain_config_from_json", lrc);
	free(cfg->c_info.name);
	if ((cfg->c_info.name = strdup(name)) == NULL)
		return RELOC_ERR_NOMEM;
	/* The source's domid means nothing here: let Xen choose one. */
	cfg->c_info.domid = 0;
	return 0;
}

/*
 * libxl destroys what a failed creation left, and says so if it cannot:
 * only a domain still there under our uuid needs another try.  A blind
 * destroy of a domid libxl already freed only fills the log with errors.
 */
static void
restore_cleanup(struct hvl *hv, uint32_t domid, const libxl_uuid *uuid)
{
	libxl_dominfo	 info;
	bool		 left;
	int		 lrc;

	if (!libxl_domid_valid_guest(domid))
		return;
	libxl_dominfo_init(&info);
	left = libxl_domain_info(hv->ctx, &info, domid) == 0 &&
	    libxl_uuid_compare(&info.uuid, uuid) == 0;
	libxl_dominfo_dispose(&info);
	if (left && (lrc = libxl_domain_destroy(hv->ctx, domid, NULL)) != 0)
		reloc__hvl_err("libxl_domain_destroy", lrc);
}

/*
 * As xl's migrate-receive: create from the stream, left paused (libxl
 * never unpauses; xl does so after GO).  If creation fails, destroy
 * whatever libxl got as far as creating.
 */
int
reloc__hvl_restore(void *priv, const struct reloc_domain *dom, int fd,
    const struct reloc_restore_params *p, uint32_t *domid_r)
{
	struct hvl			*hv = priv;
	libxl_domain_config		 cfg;
	libxl_domain_restore_params	 params;
	uint32_t			 domid = INVALID_DOMID;
	int				 lrc, rc;

	libxl_domain_config_init(&cfg);
	libxl_domain_restore_params_init(&params);
	if ((rc = restore_config(hv, dom, p->name != NULL ? p->name :
	    dom->name, &cfg)) < 0)
		goto out;
	params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
	/* The default (1) would make libxl read a legacy stream. */
	params.stream_version = 2;
	lrc = libxl_domain_create_restore(hv->ctx, &cfg, &domid, fd, -1,
	    &params, NULL, NULL);
	if (lrc != 0) {
		rc = reloc__hvl_err("libxl_domain_create_restore", lrc);
		restore_cleanup(hv, domid, &cfg.c_info.uuid);
		goto out;
	}
	if (p->progress != NULL) {
		struct reloc_progress	 pr;

		memset(&pr, 0, sizeof(pr));
		pr.phase = RELOC_PP_DONE;
		p->progress(&pr, p->progress_arg);
	}
	*domid_r = domid;
	rc = 0;
 out:
	libxl_domain_restore_params_dispose(&params);
	libxl_domain_config_dispose(&cfg);
	return rc;
}

static int
lx(const char *what, int lrc)
{
	return lrc == 0 ? 0 : reloc__hvl_err(what, lrc);
}

int
reloc__hvl_rename(void *priv, uint32_t domid, const char *name)
{
	return lx("libxl_domain_rename", libxl_domain_rename(
	    ((struct hvl *)priv)->ctx, domid, NULL, name));
}

int
reloc__hvl_pause(void *priv, uint32_t domid)
{
	return lx("libxl_domain_pause", libxl_domain_pause(
	    ((struct hvl *)priv)->ctx, domid, NULL));
}

int
reloc__hvl_unpause(void *priv, uint32_t domid)
{
	return lx("libxl_domain_unpause", libxl_domain_unpause(
	    ((struct hvl *)priv)->ctx, domid, NULL));
}

int
reloc__hvl_destroy(void *priv, uint32_t domid)
{
	if (domid == 0) {
		log_warnx("hv", "refusing to destroy domain 0");
		return RELOC_ERR_INVAL;
	}
	return lx("libxl_domain_destroy", libxl_domain_destroy(
	    ((struct hvl *)priv)->ctx, domid, NULL));
}
