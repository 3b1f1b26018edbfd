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

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "converge-int.h"
#include "hv_sim.h"

#define SAVE_SWITCH_NS	(50ull * 1000 * 1000)	/* ns: switchover, no pages */

struct saver {
	const struct sim *sim;
	uint32_t	 domid;
	int		 fd;
	int		 memfd;		/* the memory file, for its holes */
	bool		 nosock;	/* fd is a pipe or file */
	bool		 paused;
	bool		 tr_pending;	/* tr not sent yet */
	struct sim_map	 m;
	const struct reloc_save_params *p;
	struct reloc_progress pr;
	struct reloc__conv cv;		/* when pre-copy stops */
	uint64_t	 round_bytes;
	uint64_t	 round_t0;	/* CLOCK_MONOTONIC at round start */
	uint64_t	 last_tick;	/* last progress report in a round */
	struct sim_rec	 rec;		/* the last PAGES header, as sent */
	struct sim_rec_trailer tr;	/* its trailer */
	uint64_t	 zpfn;		/* zero pages not sent yet */
	uint64_t	 zcount;
	uint64_t	 hash[SIM_REC_MAX_PAGES + SIM_REC_WORDS];
};

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

/*
 * Send a record header and its data in one write, after the trailer of
 * the PAGES record before it (known only once that one was written).
 */
static int
send_rec(struct saver *s, enum sim_rec_type type, uint64_t pfn,
    uint64_t count, const void *data, size_t len)
{
	struct sim_rec	 r;
	struct iovec	 iov[3];
	size_t		 total = sizeof(r) + len;
	int		 n = 0;

	r.type = htole32(type);
	r.flags = 0;
	r.pfn = htole64(pfn);
	r.count = htole64(count);
	r.csum = type == SIM_REC_PAGES ? 0 :
	    htole64(reloc__sim_rec_csum(&r, data, len));
	if (s->tr_pending) {
		iov[n].iov_base = &s->tr;
		iov[n++].iov_len = sizeof(s->tr);
		total += sizeof(s->tr);
		s->tr_pending = false;
	}
	iov[n].iov_base = &r;
	iov[n++].iov_len = sizeof(r);
	if (len > 0) {
		iov[n].iov_base = (void *)(uintptr_t)data;
		iov[n++].iov_len = len;
	}
	if (type == SIM_REC_PAGES)
		s->rec = r;
	s->round_bytes += total;
	s->pr.sent_bytes += total;
	return write_iov(s, iov, n);
}

/* Bitmap word i's bits for pages p..end (end within the word). */
static uint64_t
word_mask(uint64_t p, uint64_t end)
{
	uint64_t	 cnt = end - p;

	return cnt == 64 ? ~0ull : ((1ull << cnt) - 1) << (p % 64);
}

/* Clear the dirty bits of pfn..pfn+count: their pages go out now. */
static void
clear_bits(struct saver *s, uint64_t pfn, uint64_t count)
{
	uint64_t	 p, end;

	for (p = pfn; p < pfn + count; p = end) {
		end = (p / 64 + 1) * 64;
		if (end > pfn + count)
			end = pfn + count;
		__atomic_fetch_and(&s->m.dirty[p / 64], ~word_mask(p, end),
		    __ATOMIC_ACQ_REL);
	}
}

static void
set_changed(struct saver *s, uint64_t i)
{
	s->tr.changed[i / 64] |= 1ull << (i % 64);
}

/*
 * The pages of pfn..pfn+count the guest may have written since their
 * bits were cleared, into s->tr.changed (host order).  The page it is
 * writing right now gets its dirty bit set here: the guest sets it only
 * when done, and a guest paused mid-write would never set it.
 */
static void
find_changed(struct saver *s, uint64_t pfn, uint64_t count)
{
	uint64_t	 p, end, w, writing;

	memset(s->tr.changed, 0, sizeof(s->tr.changed));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	writing = __atomic_load_n(&s->m.vcpu->writing, __ATOMIC_ACQUIRE);
	if (writing > pfn && writing <= pfn + count) {
		set_changed(s, writing - 1 - pfn);
		__atomic_fetch_or(&s->m.dirty[(writing - 1) / 64],
		    1ull << ((writing - 1) % 64), __ATOMIC_ACQ_REL);
	}
	for (p = pfn; p < pfn + count; p = end) {
		end = (p / 64 + 1) * 64;
		if (end > pfn + count)
			end = pfn + count;
		w = __atomic_load_n(&s->m.dirty[p / 64], __ATOMIC_ACQUIRE) &
		    word_mask(p, end);
		for (; w != 0; w &= w - 1)
			set_changed(s, p / 64 * 64 +
			    (uint64_t)__builtin_ctzll(w) - pfn);
	}
}

/*
 * Pages pfn..pfn+count (at most SIM_REC_MAX_PAGES), straight from the
 * mapping while the guest may run, hashed after the write.
 *
 * Why the target may trust a page not marked changed: the guest writes a
 * page as writing = pfn + 1, dirty bit, release fence, the data, dirty
 * bit, writing = 0.  Here: clear the bits, write (the kernel copies the
 * bytes), hash, acquire fence, read writing and the bits.  If a byte
 * hashed differs from the byte sent, the hash read a store of some guest
 * write W to that page after the copy read the older value.  The fences
 * make everything W did before its data visible to the reads after the
 * hash: writing shows W's page (W is still on: marked changed), or a
 * later value, and then W is over and its closing dirty bit is seen
 * (marked changed), since nothing here clears bits between the write and
 * the check.  So an unmarked page hashes what was sent, and a corrupt
 * byte in it fails the record.
 * A marked page still has its dirty bit (or gets it in find_changed), so
 * it goes again in a later round.  The last round runs with the guest
 * stopped and marks nothing, so every page's final bytes are verified;
 * the target also refuses a stream that leaves a page unverified.
 */
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
	uint64_t	now = now_ns(CLOCK_MONOTONIC);

	if (s->paused || s->p->progress == NULL ||
	    now - s->last_tick < SAVE_TICK_NS || now <= s->round_t0)
		return;
	s->last_tick = now;
	s->pr.phase = RELOC_PP_PRECOPY;
	s->pr.remaining_pages = left != 0 ? left : count_dirty(s);
	s->pr.rate_bps = s->round_bytes * 1000000000ull / (now - s->round_t0);
	s->p->progress(&s->pr, s->p->progress_arg);
}

static int
send_pages(struct saver *s, uint64_t pfn, uint64_t count)
{
	uint8_t		*src = s->m.mem + (pfn << SIM_PAGE_SHIFT);
	size_t		 len = (size_t)count << SIM_PAGE_SHIFT;
	unsigned	 i;
	int		 rc;

	if ((rc = send_rec(s, SIM_REC_PAGES, pfn, count, src, len)) < 0)
		return rc;
	reloc__sim_page_hashes(src, count, s->hash);
	if (s->paused)
		memset(s->tr.changed, 0, sizeof(s->tr.changed));
	else
		find_changed(s, pfn, count);
	for (i = 0; i < SIM_REC_WORDS; i++)
		s->tr.changed[i] = htole64(s->tr.changed[i]);
	s->tr.csum = htole64(reloc__sim_pages_csum(&s->rec, s->hash, &s->tr));
	s->tr_pending = true;
	return 0;
}

/* Send the run of zero pages not sent yet, if any. */
static int
flush_zero(struct saver *s)
{
	uint64_t	 n = s->zcount;

	s->zcount = 0;
	return n > 0 ? send_rec(s, SIM_REC_ZERO, s->zpfn, n, NULL, 0) : 0;
}

/* Pages pfn..pfn+n are zero: one record for a run, sent when it ends. */
static int
add_zero(struct saver *s, uint64_t pfn, uint64_t n)
{
	int	 rc;

	if (s->zcount > 0 && s->zpfn + s->zcount == pfn) {
		s->zcount += n;
		return 0;
	}
	if ((rc = flush_zero(s)) < 0)
		return rc;
	s->zpfn = pfn;
	s->zcount = n;
	return 0;
}

/*
 * Pages pfn..pfn+count (at most SIM_REC_MAX_PAGES): their bits cleared,
 * then each run of zero pages marked, the others sent.  A page read as
 * zero here and written after is dirty again (the guest sets the bit
 * when done), so it goes in a later round, like any page.
 */
static int
send_range(struct saver *s, uint64_t pfn, uint64_t count)
{
	uint8_t		*mem = s->m.mem + (pfn << SIM_PAGE_SHIFT);
	uint64_t	 i = 0, start;
	bool		 zero;
	int		 rc = 0;

	clear_bits(s, pfn, count);
	while (i < count && rc == 0) {
		start = i;
		zero = reloc__sim_page_zero(mem + (i << SIM_PAGE_SHIFT));
		while (++i < count && reloc__sim_page_zero(mem +
		    (i << SIM_PAGE_SHIFT)) == zero)
			;
		if (zero)
			rc = add_zero(s, pfn + start, i - start);
		else if ((rc = flush_zero(s)) == 0)
			rc = send_pages(s, pfn + start, i - start);
	}
	/* Keep the mapping small: unmapping at the end is then cheap. */
	(void)madvise(mem, (size_t)count << SIM_PAGE_SHIFT, MADV_DONTNEED);
	return rc;
}

/* Pages from pfn (at most max) before the memory file's next data. */
static uint64_t
before_data(struct saver *s, uint64_t pfn, uint64_t max)
{
	off_t		 d;
	uint64_t	 n;

	d = lseek(s->memfd, (off_t)(pfn << SIM_PAGE_SHIFT), SEEK_DATA);
	if (d == -1)
		return errno == ENXIO ? max : 0;
	n = ((uint64_t)d >> SIM_PAGE_SHIFT) - pfn;
	return n < max ? n : max;
}

/*
 * How many pages from pfn (at most max) are a hole in the memory file,
 * zero without reading them: an unpopulated frame.  Their bits are
 * cleared before the second look, which alone counts: a page written
 * since shows as data then (it is allocated before it is written), or
 * gets its dirty bit again after.
 */
static uint64_t
hole_pages(struct saver *s, uint64_t pfn, uint64_t max)
{
	uint64_t	 n;

	if (s->memfd == -1 || (n = before_data(s, pfn, max)) == 0)
		return 0;
	clear_bits(s, pfn, n);
	return before_data(s, pfn, n);
}

static int
send_all(struct saver *s)
{
	uint64_t	 pfn, n;
	int		 rc;

	for (pfn = 0; pfn < s->m.pages; pfn += n) {
		if ((n = hole_pages(s, pfn, s->m.pages - pfn)) > 0)
			rc = add_zero(s, pfn, n);
		else {
			n = s->m.pages - pfn;
			if (n > SIM_REC_MAX_PAGES)
				n = SIM_REC_MAX_PAGES;
			rc = send_range(s, pfn, n);
		}
		if (rc < 0)
			return rc;
		progress_tick(s, s->m.pages - pfn - n);
	}
	return flush_zero(s);
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
			if (len > 0 && (rc = send_range(s, start, len)) < 0)
				return rc;
			if (len > 0)
				progress_tick(s, 0);
			start = pfn;
			len = 1;
		}
	}
	if (len > 0 && (rc = send_range(s, start, len)) < 0)
		return rc;
	return flush_zero(s);
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
	uint64_t	 now = now_ns(CLOCK_MONOTONIC);
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
	uint64_t	 t0, start = now_ns(CLOCK_MONOTONIC);
	enum reloc__conv_next next = RELOC_CONV_AGAIN;
	int		 rc;

	reloc__conv_init(&s->cv, s->p, SAVE_SWITCH_NS);
	while (next == RELOC_CONV_AGAIN) {
		t0 = now_ns(CLOCK_MONOTONIC);
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
	return send_rec(s, SIM_REC_HEADER, 0, sizeof(h), &h, sizeof(h));
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
	if ((rc = send_rec(s, SIM_REC_STATE, 0, sizeof(v), v,
	    sizeof(v))) < 0)
		return rc;
	return send_rec(s, SIM_REC_END, 0, 0, NULL, 0);
}

/*
 * Stop the guest: from here on nothing changes under the stream.  A
 * guest stopped in the middle of a page has not set that page's closing
 * dirty bit: set it so the last round sends the page as it is.
 */
static int
suspend(struct saver *s, pid_t pid, const char *uuid)
{
	uint64_t	 writing;
	int		 rc;

	if ((rc = reloc__sim_guest_stop(pid)) < 0)
		return rc;
	s->paused = true;
	s->pr.suspended_ns = now_ns(CLOCK_MONOTONIC);
	writing = __atomic_load_n(&s->m.vcpu->writing, __ATOMIC_ACQUIRE);
	if (writing > 0 && writing <= s->m.pages)
		__atomic_fetch_or(&s->m.dirty[(writing - 1) / 64],
		    1ull << ((writing - 1) % 64), __ATOMIC_ACQ_REL);
	if (reloc__sim_snapshots(s->sim))
		(void)reloc__sim_snapshot(s->sim, s->domid, uuid, "pre");
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
	struct saver		 s = { .sim = sim, .domid = domid, .fd = fd,
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
	/* Without it every page is read to find the zero ones. */
	if (reloc__sim_path(sim, domid, "memory", path) == 0)
		s.memfd = open(path, O_RDONLY | O_CLOEXEC);
	log_info("hv", "sim: saving domain %s (%" PRIu32 "), %" PRIu64
	    " pages, %s", dom.name, domid, s.m.pages,
	    p->live ? "live" : "paused");
	if ((rc = save_stream(&s, pid, dom.uuid)) < 0)
		goto out;
	rc = reloc__sim_dom_set_state(sim, domid, RELOC_DS_SUSPENDED);
	log_info("hv", "sim: saved domain %s (%" PRIu32 "): %u rounds, %"
	    PRIu64 " bytes", dom.name, domid, s.pr.round, s.pr.sent_bytes);
out:
	reloc__sim_guest_throttle(s.m.vcpu, 0);
	if (s.memfd != -1)
		close(s.memfd);
	reloc__sim_unmap(&s.m);
	reloc_domain_dispose(&dom);
	return rc;
}
