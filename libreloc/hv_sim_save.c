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
 * format is in hv_sim.h.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "hv_sim.h"

#define SAVE_MAX_ROUNDS		5	/* pre-copy rounds by default */
#define SAVE_DIRTY_THRESHOLD	50	/* pages: few enough to stop */
#define SAVE_BYTES_FACTOR	3	/* stop after 3x memory sent */

struct saver {
	const struct sim *sim;
	uint32_t	 domid;
	int		 fd;
	bool		 nosock;	/* fd is a pipe or file */
	bool		 paused;
	struct sim_map	 m;
	uint8_t		*bounce;
	const struct reloc_save_params *p;
	struct reloc_progress pr;
	uint64_t	 round_bytes;
};

uint64_t
reloc__sim_rec_csum(const struct sim_rec *r, const void *data, size_t len)
{
	return XXH3_64bits_withSeed(data, len, XXH3_64bits(r, 24));
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec	 ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Write every byte of iov; a socket never raises SIGPIPE. */
static int
write_iov(struct saver *s, struct iovec *iov, int n)
{
	struct msghdr	 msg = { 0 };
	ssize_t		 r;

	while (n > 0) {
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		r = s->nosock ? -1 : sendmsg(s->fd, &msg, MSG_NOSIGNAL);
		if (r == -1 && (s->nosock || errno == ENOTSOCK)) {
			s->nosock = true;
			r = writev(s->fd, iov, n);
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_warn("hv", "sim: domain %" PRIu32 ": write stream",
			    s->domid);
			return r == 0 ? RELOC_ERR_IO :
			    reloc__errno_to_err(errno);
		}
		for (; n > 0 && (size_t)r >= iov->iov_len; n--, iov++)
			r -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static int
send_rec(struct saver *s, enum sim_rec_type type, uint64_t pfn,
    uint64_t count, const void *data, size_t len)
{
	struct sim_rec	 r;
	struct iovec	 iov[2];

	r.type = htole32(type);
	r.flags = 0;
	r.pfn = htole64(pfn);
	r.count = htole64(count);
	r.csum = htole64(reloc__sim_rec_csum(&r, data, len));
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	s->round_bytes += sizeof(r) + len;
	s->pr.sent_bytes += sizeof(r) + len;
	return write_iov(s, iov, len > 0 ? 2 : 1);
}

/*
 * Pages pfn..pfn+count (at most SIM_REC_MAX_PAGES).  While the guest runs
 * the bytes are copied first so the checksum covers what is sent; once it
 * is paused they go straight from the mapping.
 */
static int
send_pages(struct saver *s, uint64_t pfn, uint64_t count)
{
	const uint8_t	*src = s->m.mem + (pfn << SIM_PAGE_SHIFT);
	size_t		 len = (size_t)count << SIM_PAGE_SHIFT;

	if (!s->paused) {
		memcpy(s->bounce, src, len);
		src = s->bounce;
	}
	return send_rec(s, SIM_REC_PAGES, pfn, count, src, len);
}

static int
send_all(struct saver *s)
{
	uint64_t	 pfn, n;
	int		 rc;

	for (pfn = 0; pfn < s->m.pages; pfn += n) {
		n = s->m.pages - pfn;
		if (n > SIM_REC_MAX_PAGES)
			n = SIM_REC_MAX_PAGES;
		if ((rc = send_pages(s, pfn, n)) < 0)
			return rc;
	}
	return 0;
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
			if (len > 0 && (rc = send_pages(s, start, len)) < 0)
				return rc;
			start = pfn;
			len = 1;
		}
	}
	return len > 0 ? send_pages(s, start, len) : 0;
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

static void
clear_dirty(struct saver *s)
{
	size_t	 i;

	for (i = 0; i < s->m.words; i++)
		__atomic_exchange_n(&s->m.dirty[i], 0, __ATOMIC_ACQ_REL);
}

/* End of a round: rates and the callback. */
static void
report(struct saver *s, enum reloc_progress_phase phase, uint64_t t0)
{
	uint64_t	 dt = now_ns(CLOCK_MONOTONIC) - t0;

	if (dt == 0)
		dt = 1;
	s->pr.phase = phase;
	s->pr.remaining_pages = phase == RELOC_PP_PRECOPY ? count_dirty(s) : 0;
	s->pr.rate_bps = s->round_bytes * 1000000000ull / dt;
	if (phase == RELOC_PP_PRECOPY)
		s->pr.dirty_pps = s->pr.remaining_pages * 1000000000ull / dt;
	log_debug("hv", "sim: domain %" PRIu32 ": round %u sent %" PRIu64
	    " bytes, %" PRIu64 " pages dirty", s->domid, s->pr.round,
	    s->round_bytes, s->pr.remaining_pages);
	s->round_bytes = 0;
	if (s->p->progress != NULL)
		s->p->progress(&s->pr, s->p->progress_arg);
}

/* Pre-copy until few pages are dirty, the rounds or the bytes run out. */
static int
live_rounds(struct saver *s)
{
	unsigned	 max = s->p->max_rounds ? s->p->max_rounds :
			    SAVE_MAX_ROUNDS;
	uint64_t	 limit = SAVE_BYTES_FACTOR * (s->m.pages <<
			    SIM_PAGE_SHIFT), dirty, t0;
	int		 rc;

	for (;;) {
		t0 = now_ns(CLOCK_MONOTONIC);
		s->pr.round++;
		if (s->pr.round == 1) {
			clear_dirty(s);
			rc = send_all(s);
		} else
			rc = send_dirty(s);
		if (rc < 0)
			return rc;
		report(s, RELOC_PP_PRECOPY, t0);
		dirty = count_dirty(s);
		if (dirty < SAVE_DIRTY_THRESHOLD || s->pr.round >= max ||
		    s->pr.sent_bytes + (dirty << SIM_PAGE_SHIFT) > limit)
			return 0;
	}
}

static int
send_header(struct saver *s)
{
	struct sim_stream_hdr	 h;

	h.magic = htole64(SIM_STREAM_MAGIC);
	h.version = htole32(SIM_STREAM_VERSION);
	h.page_size = htole32(SIM_PAGE_SIZE);
	h.pages = htole64(s->m.pages);
	return send_rec(s, SIM_REC_HEADER, 0, sizeof(h), &h, sizeof(h));
}

static int
send_tail(struct saver *s)
{
	struct sim_vcpu	 v;
	int		 rc;

	v.magic = htole64(s->m.vcpu->magic);
	v.rng = htole64(s->m.vcpu->rng);
	v.cursor = htole64(s->m.vcpu->cursor);
	v.budget_ns = htole64(s->m.vcpu->budget_ns);
	if ((rc = send_rec(s, SIM_REC_STATE, 0, sizeof(v), &v,
	    sizeof(v))) < 0)
		return rc;
	return send_rec(s, SIM_REC_END, 0, 0, NULL, 0);
}

/* Stop the guest: from here on pages go straight from the mapping. */
static int
suspend(struct saver *s, pid_t pid, const char *uuid)
{
	int	 rc;

	if ((rc = reloc__sim_guest_stop(pid)) < 0)
		return rc;
	s->paused = true;
	s->pr.suspended_ns = now_ns(CLOCK_REALTIME);
	if (reloc__sim_snapshots(s->sim))
		(void)reloc__sim_snapshot(s->sim, &s->m, uuid, "pre");
	return 0;
}

static int
save_stream(struct saver *s, pid_t pid, const char *uuid)
{
	uint64_t	 t0;
	int		 rc;

	if ((rc = send_header(s)) < 0)
		return rc;
	if (s->p->live && (rc = live_rounds(s)) < 0)
		return rc;
	if ((rc = suspend(s, pid, uuid)) < 0)
		return rc;
	t0 = now_ns(CLOCK_MONOTONIC);
	s->pr.round++;
	if ((rc = s->p->live ? send_dirty(s) : send_all(s)) < 0 ||
	    (rc = send_tail(s)) < 0)
		return rc;
	report(s, RELOC_PP_SUSPENDED, t0);
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
	struct saver		 s = { .sim = sim, .domid = domid, .fd = fd,
				    .p = p };
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
	if ((rc = reloc__sim_pid(sim, domid, &pid)) < 0 ||
	    (rc = reloc__sim_map(sim, domid, &s.m, true)) < 0)
		goto out;
	if ((s.bounce = malloc((size_t)SIM_REC_MAX_PAGES << SIM_PAGE_SHIFT)) ==
	    NULL) {
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	s.pr.total_pages = s.m.pages;
	log_info("hv", "sim: saving domain %s (%" PRIu32 "), %" PRIu64
	    " pages, %s", dom.name, domid, s.m.pages,
	    p->live ? "live" : "paused");
	if ((rc = save_stream(&s, pid, dom.uuid)) < 0)
		goto out;
	rc = reloc__sim_dom_set_state(sim, domid, RELOC_DS_SUSPENDED);
	log_info("hv", "sim: saved domain %s (%" PRIu32 "): %u rounds, %"
	    PRIu64 " bytes", dom.name, domid, s.pr.round, s.pr.sent_bytes);
out:
	free(s.bounce);
	reloc__sim_unmap(&s.m);
	reloc_domain_dispose(&dom);
	return rc;
}
