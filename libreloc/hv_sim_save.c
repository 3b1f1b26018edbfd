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
 * The sim's save side: pre-copy rounds from the dirty bitmap while the
 * guest runs, then pause and stop-and-copy, like libxc.  The record
 * format is in hv_sim.h, the records are written by hv_sim_send.c.
 */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "converge-int.h"
#include "hv_sim_send.h"

#define SAVE_SWITCH_NS	(50ull * 1000 * 1000)	/* ns: switchover, no pages */

struct saver {
	const struct sim *sim;
	uint32_t	 domid;
	int		 memfd;		/* the memory file, for its holes */
	struct sim_map	 m;
	const struct reloc_save_params *p;
	struct reloc_progress pr;
	struct reloc__conv cv;		/* when pre-copy stops */
	uint64_t	 round_bytes;
	uint64_t	 round_t0;	/* CLOCK_MONOTONIC at round start */
	uint64_t	 last_tick;	/* last progress report in a round */
	struct sim_send	 w;		/* the records (hv_sim_send.c) */
};

static uint64_t	count_dirty(const struct saver *);

#define SAVE_TICK_NS	(200ull * 1000 * 1000)

/*
 * Within a long round (the first sends all memory), report progress every
 * SAVE_TICK_NS so that xm's progress line moves.  left: pages of this
 * round still to send (the first round), or 0 to count the dirty bits.
 */
static void
progress_tick(struct saver *s, uint64_t left)
{
	uint64_t	now = reloc__now_ns(CLOCK_MONOTONIC);

	if (s->w.paused || s->p->progress == NULL ||
	    now - s->last_tick < SAVE_TICK_NS || now <= s->round_t0)
		return;
	s->last_tick = now;
	s->pr.phase = RELOC_PP_PRECOPY;
	s->pr.remaining_pages = left != 0 ? left : count_dirty(s);
	s->pr.rate_bps = s->round_bytes * 1000000000ull / (now - s->round_t0);
	s->p->progress(&s->pr, s->p->progress_arg);
}

/*
 * How many pages from pfn (at most max) are a hole in the memory file,
 * zero without reading them: an unpopulated frame.  One look per hole:
 * a file system walks a hole's pages to find its end (40-55 ms for
 * 4 GiB allocated and never written, on tmpfs).  send_all
 * cleared every dirty bit before the walk began, so a page written
 * since is data by this look (it is allocated before it is written), or
 * gets its closing dirty bit after the clear and goes again later.
 */
static uint64_t
hole_pages(struct saver *s, uint64_t pfn, uint64_t max)
{
	off_t		 d;
	uint64_t	 n;

	if (s->memfd == -1)
		return 0;
	d = lseek(s->memfd, (off_t)(pfn << SIM_PAGE_SHIFT), SEEK_DATA);
	if (d == -1)
		return errno == ENXIO ? max : 0;
	n = ((uint64_t)d >> SIM_PAGE_SHIFT) - pfn;
	return n < max ? n : max;
}

/*
 * Every page: holes as zero runs, the rest read (hv_sim_send.c).  The
 * round sends each page, so each bit is cleared first, before any look.
 */
static int
send_all(struct saver *s)
{
	uint64_t	 pfn, n;
	int		 rc;

	reloc__sim_clear_bits(&s->m, 0, s->m.pages);
	for (pfn = 0; pfn < s->m.pages; pfn += n) {
		if ((n = hole_pages(s, pfn, s->m.pages - pfn)) > 0)
			rc = reloc__sim_send_zero(&s->w, pfn, n);
		else {
			n = s->m.pages - pfn;
			if (n > SIM_REC_MAX_PAGES)
				n = SIM_REC_MAX_PAGES;
			rc = reloc__sim_send_range(&s->w, pfn, n);
		}
		if (rc < 0)
			return rc;
		progress_tick(s, s->m.pages - pfn - n);
	}
	return reloc__sim_send_flush(&s->w);
}

/* Clear each bitmap word (before reading the pages) and send its runs. */
static int
send_dirty(struct saver *s)
{
	uint64_t	 start = 0, len = 0, pfn, w;
	size_t		 i;
	int		 rc;

	for (i = 0; i < s->m.words; i++) {
		if (__atomic_load_n(&s->m.dirty[i], __ATOMIC_RELAXED) == 0)
			continue;
		w = __atomic_exchange_n(&s->m.dirty[i], 0, __ATOMIC_ACQ_REL);
		for (; w != 0; w &= w - 1) {
			pfn = i * 64 + (uint64_t)__builtin_ctzll(w);
			if (pfn >= s->m.pages)
				break;
			if (len > 0 && pfn == start + len &&
			    len < SIM_REC_MAX_PAGES) {
				len++;
				continue;
			}
			if (len > 0 &&
			    (rc = reloc__sim_send_range(&s->w, start, len)) < 0)
				return rc;
			if (len > 0)
				progress_tick(s, 0);
			start = pfn;
			len = 1;
		}
	}
	if (len > 0 && (rc = reloc__sim_send_range(&s->w, start, len)) < 0)
		return rc;
	return reloc__sim_send_flush(&s->w);
}

static uint64_t
count_dirty(const struct saver *s)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < s->m.words; i++)
		n += (uint64_t)__builtin_popcountll(__atomic_load_n(
		    &s->m.dirty[i], __ATOMIC_RELAXED));
	return n;
}

/* End of a round: rates, the policy's verdict on it, the callback. */
static enum reloc__conv_next
report(struct saver *s, enum reloc_progress_phase phase, uint64_t t0,
    uint64_t start)
{
	uint64_t	 now = reloc__now_ns(CLOCK_MONOTONIC);
	uint64_t	 dt = now > t0 ? now - t0 : 1;
	enum reloc__conv_next next = RELOC_CONV_STOP;

	s->pr.phase = phase;
	s->pr.remaining_pages = phase == RELOC_PP_PRECOPY ? count_dirty(s) : 0;
	s->pr.rate_bps = s->round_bytes * 1000000000ull / dt;
	if (phase == RELOC_PP_PRECOPY) {
		s->pr.dirty_pps = s->pr.remaining_pages * 1000000000ull / dt;
		next = reloc__conv_round(&s->cv, &s->pr, now - start);
		reloc__sim_guest_throttle(s->m.vcpu, s->cv.throttle);
	}
	log_debug("hv", "sim: domain %" PRIu32 ": round %u sent %" PRIu64
	    " bytes, %" PRIu64 " pages dirty", s->domid, s->pr.round,
	    s->round_bytes, s->pr.remaining_pages);
	s->round_bytes = 0;
	if (s->p->progress != NULL)
		s->p->progress(&s->pr, s->p->progress_arg);
	return next;
}

/* Pre-copy until the policy (converge.c) stops it or gives up. */
static int
live_rounds(struct saver *s)
{
	uint64_t	 t0, start = reloc__now_ns(CLOCK_MONOTONIC);
	enum reloc__conv_next next = RELOC_CONV_AGAIN;
	int		 rc;

	reloc__conv_init(&s->cv, s->p, SAVE_SWITCH_NS);
	while (next == RELOC_CONV_AGAIN) {
		t0 = reloc__now_ns(CLOCK_MONOTONIC);
		s->round_t0 = s->last_tick = t0;
		s->pr.round++;
		if ((rc = s->pr.round == 1 ? send_all(s) : send_dirty(s)) < 0)
			return rc;
		next = report(s, RELOC_PP_PRECOPY, t0, start);
	}
	return reloc__conv_end(&s->cv, next, s->p, s->domid);
}

static int
send_header(struct saver *s)
{
	struct sim_stream_hdr	 h;

	h.magic = htole64(SIM_STREAM_MAGIC);
	h.version = htole32(SIM_STREAM_VERSION);
	h.page_size = htole32(SIM_PAGE_SIZE);
	h.pages = htole64(s->m.pages);
	return reloc__sim_send_rec(&s->w, SIM_REC_HEADER, &h, sizeof(h));
}

static int
send_tail(struct saver *s)
{
	uint64_t	 v[SIM_STATE_WORDS];
	int		 rc;

	v[0] = htole64(s->m.vcpu->magic);
	v[1] = htole64(s->m.vcpu->rng);
	v[2] = htole64(s->m.vcpu->cursor);
	v[3] = htole64(s->m.vcpu->budget_ns);
	if ((rc = reloc__sim_send_rec(&s->w, SIM_REC_STATE, v,
	    sizeof(v))) < 0)
		return rc;
	return reloc__sim_send_rec(&s->w, SIM_REC_END, NULL, 0);
}

/*
 * Stop the guest: from here on nothing changes under the stream.  A
 * guest stopped in the middle of a page has not set that page's closing
 * dirty bit: set it so the last round sends the page as it is.  (The
 * test snapshot of the memory at this point is taken when the suspended
 * domain is destroyed, after the downtime window: hv_sim.c.)
 */
static int
suspend(struct saver *s, pid_t pid)
{
	uint64_t	 writing;
	int		 rc;

	if ((rc = reloc__sim_guest_stop(pid)) < 0)
		return rc;
	s->w.paused = true;
	s->pr.suspended_ns = reloc__now_ns(CLOCK_MONOTONIC);
	writing = __atomic_load_n(&s->m.vcpu->writing, __ATOMIC_ACQUIRE);
	if (writing > 0 && writing <= s->m.pages)
		__atomic_fetch_or(&s->m.dirty[(writing - 1) / 64],
		    1ull << ((writing - 1) % 64), __ATOMIC_ACQ_REL);
	return 0;
}

static int
save_stream(struct saver *s, pid_t pid)
{
	uint64_t	 t0;
	int		 rc;

	if ((rc = send_header(s)) < 0)
		return rc;
	if (s->p->live && (rc = live_rounds(s)) < 0)
		return rc;
	if ((rc = suspend(s, pid)) < 0)
		return rc;
	t0 = reloc__now_ns(CLOCK_MONOTONIC);
	s->pr.round++;
	if ((rc = s->p->live ? send_dirty(s) : send_all(s)) < 0 ||
	    (rc = send_tail(s)) < 0)
		return rc;
	(void)report(s, RELOC_PP_SUSPENDED, t0, t0);
	s->pr.phase = RELOC_PP_DONE;
	if (s->p->progress != NULL)
		s->p->progress(&s->pr, s->p->progress_arg);
	return 0;
}

/*
 * Save domid to fd.  On success the guest is stopped and the domain
 * SUSPENDED; on failure the guest may be stopped and the caller resumes.
 */
int
reloc__sim_save(const struct sim *sim, uint32_t domid, int fd,
    const struct reloc_save_params *p)
{
	struct saver		 s = { .sim = sim, .domid = domid,
				    .memfd = -1, .p = p };
	char			 path[SIM_PATH_LEN];
	struct reloc_domain	 dom = { 0 };
	pid_t			 pid;
	int			 rc;

	if ((rc = reloc__sim_dom_read(sim, domid, &dom)) < 0)
		return rc;
	if (dom.state == RELOC_DS_SHUTDOWN ||
	    dom.state == RELOC_DS_SUSPENDED) {
		log_warnx("hv", "sim: cannot save domain %s (%" PRIu32 "): %s",
		    dom.name, domid, reloc_dom_state_name(dom.state));
		rc = RELOC_ERR_HV;
		goto out;
	}
	/* Mapped lazily: pages are faulted in as they are sent. */
	if ((rc = reloc__sim_pid(sim, domid, &pid)) < 0 ||
	    (rc = reloc__sim_map(sim, domid, &s.m, SIM_MAP_RDONLY)) < 0)
		goto out;
	s.pr.total_pages = s.m.pages;
	s.w.fd = fd;
	s.w.io = p->io;
	s.w.domid = domid;
	s.w.m = &s.m;
	s.w.round_bytes = &s.round_bytes;
	s.w.sent_bytes = &s.pr.sent_bytes;
	/* Without it every page is read to find the zero ones. */
	if (reloc__sim_path(sim, domid, "memory", path) == 0)
		s.memfd = open(path, O_RDONLY | O_CLOEXEC);
	log_info("hv", "sim: saving domain %s (%" PRIu32 "), %" PRIu64
	    " pages, %s", dom.name, domid, s.m.pages,
	    p->live ? "live" : "paused");
	if ((rc = save_stream(&s, pid)) < 0)
		goto out;
	rc = reloc__sim_dom_set_state(sim, domid, RELOC_DS_SUSPENDED);
	log_info("hv", "sim: saved domain %s (%" PRIu32 "): %u rounds, %"
	    PRIu64 " bytes", dom.name, domid, s.pr.round, s.pr.sent_bytes);
out:
	reloc__sim_guest_throttle(s.m.vcpu, 0);
	if (s.memfd != -1)
		close(s.memfd);
	/* The pages stay as they are: unmapped after the window. */
	reloc__sim_unmap_later(s.m.mem, s.m.pages << SIM_PAGE_SHIFT);
	s.m.mem = NULL;
	reloc__sim_unmap(&s.m);
	reloc_domain_dispose(&dom);
	return rc;
}
