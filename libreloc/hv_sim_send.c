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
 * The sim's save side, writing: pages gathered into PAGES records of up
 * to SIM_REC_MAX_RUNS runs and SIM_REC_MAX_PAGES pages, each written
 * with one sendmsg straight from the mapping and hashed after, zero runs
 * into ZERO records.  Nothing here makes a system call per page or per
 * run: one per record.  The format is in hv_sim.h.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim_send.h"

/*
 * Write every byte of iov, to the caller's stream or to fd; a socket
 * never raises SIGPIPE.
 */
static int
write_iov(struct sim_send *w, struct iovec *iov, int n)
{
	struct msghdr	 msg = { 0 };
	ssize_t		 r;

	if (w->io != NULL)
		return w->io->writev(w->io->arg, iov, n);
	while (n > 0) {
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		r = w->nosock ? -1 : sendmsg(w->fd, &msg, MSG_NOSIGNAL);
		if (r == -1 && (w->nosock || errno == ENOTSOCK)) {
			w->nosock = true;
			r = writev(w->fd, iov, n);
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_warn("hv", "sim: domain %" PRIu32 ": write stream",
			    w->domid);
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
 * Write iov[first..n) (room left for one iovec before first) after the
 * trailer of the PAGES record before it (known only once that one was
 * written), in one go.
 */
static int
put_iov(struct sim_send *w, int first, int n)
{
	uint64_t	 total = 0;
	int		 i;

	if (w->tr_pending) {
		w->iov[--first].iov_base = &w->tr;
		w->iov[first].iov_len = sizeof(w->tr);
		w->tr_pending = false;
	}
	for (i = first; i < n; i++)
		total += w->iov[i].iov_len;
	*w->round_bytes += total;
	*w->sent_bytes += total;
	return write_iov(w, &w->iov[first], n - first);
}

static void
rec_header(struct sim_rec *r, enum sim_rec_type type, uint64_t pfn,
    uint64_t count)
{
	r->type = htole32(type);
	r->flags = 0;
	r->pfn = htole64(pfn);
	r->count = htole64(count);
	r->csum = 0;
}

/* A record other than PAGES: header and data in one write. */
static int
put_rec(struct sim_send *w, enum sim_rec_type type, uint64_t pfn,
    uint64_t count, const void *data, size_t len)
{
	struct sim_rec	 r;
	int		 n = 1;

	rec_header(&r, type, pfn, count);
	r.csum = htole64(reloc__sim_rec_csum(&r, data, len));
	w->iov[n].iov_base = &r;
	w->iov[n++].iov_len = sizeof(r);
	if (len > 0) {
		w->iov[n].iov_base = (void *)(uintptr_t)data;
		w->iov[n++].iov_len = len;
	}
	return put_iov(w, 1, n);
}

/* Bitmap word i's bits for pages p..end (end within the word). */
static uint64_t
word_mask(uint64_t p, uint64_t end)
{
	uint64_t	 cnt = end - p;

	return cnt == 64 ? ~0ull : ((1ull << cnt) - 1) << (p % 64);
}

/* Clear the dirty bits of pfn..pfn+count: their pages go out now. */
void
reloc__sim_clear_bits(const struct sim_map *m, uint64_t pfn, uint64_t count)
{
	uint64_t	 p, end;

	for (p = pfn; p < pfn + count; p = end) {
		end = (p / 64 + 1) * 64;
		if (end > pfn + count)
			end = pfn + count;
		__atomic_fetch_and(&m->dirty[p / 64], ~word_mask(p, end),
		    __ATOMIC_ACQ_REL);
	}
}

static void
set_changed(struct sim_send *w, uint64_t i)
{
	w->tr.changed[i / 64] |= 1ull << (i % 64);
}

/*
 * The pages of run pfn..pfn+count (the record's pages off..) the guest
 * may have written since their bits were cleared, into w->tr.changed
 * (host order).  The page it is writing right now gets its dirty bit set
 * here: the guest sets it only when done, and a guest paused mid-write
 * would never set it.
 */
static void
find_changed(struct sim_send *w, uint64_t pfn, uint64_t count, uint64_t off)
{
	uint64_t	 p, end, x, writing;

	writing = __atomic_load_n(&w->m->vcpu->writing, __ATOMIC_ACQUIRE);
	if (writing > pfn && writing <= pfn + count) {
		set_changed(w, off + writing - 1 - pfn);
		__atomic_fetch_or(&w->m->dirty[(writing - 1) / 64],
		    1ull << ((writing - 1) % 64), __ATOMIC_ACQ_REL);
	}
	for (p = pfn; p < pfn + count; p = end) {
		end = (p / 64 + 1) * 64;
		if (end > pfn + count)
			end = pfn + count;
		x = __atomic_load_n(&w->m->dirty[p / 64], __ATOMIC_ACQUIRE) &
		    word_mask(p, end);
		for (; x != 0; x &= x - 1)
			set_changed(w, off + p / 64 * 64 +
			    (uint64_t)__builtin_ctzll(x) - pfn);
	}
}

/*
 * The pages gathered, as one PAGES record straight from the mapping while
 * the guest may run, hashed after the write.
 *
 * Why the target may trust a page not marked changed: the guest writes a
 * page as writing = pfn + 1, dirty bit, release fence, the data, dirty
 * bit, writing = 0.  Here: the bits were cleared when the page was
 * gathered (send_range), then write (the kernel copies the bytes), hash,
 * acquire fence, read writing and the bits of every run.  If a byte
 * hashed differs from the byte sent, the hash read a store of some guest
 * write W to that page after the copy read the older value.  The fences
 * make everything W did before its data visible to the reads after the
 * hash: writing shows W's page (W is still on: marked changed), or a
 * later value, and then W is over and its closing dirty bit is seen
 * (marked changed), since nothing clears the bits of a gathered page
 * between the write and the check (a round visits each bitmap word
 * once, so a page is in one record of a round at most).  So an unmarked
 * page hashes what was sent, and a corrupt byte in it fails the record.
 * A marked page still has its dirty bit (or gets it in find_changed), so
 * it goes again in a later round.  The last round runs with the guest
 * stopped and marks nothing, so every page's final bytes are verified;
 * the target also refuses a stream that leaves a page unverified.
 * Pages and zero runs of one round are disjoint, so their records may go
 * in any order within the round; each round ends with both flushed.
 */
static int
send_pages(struct sim_send *w)
{
	uint64_t	 off = 0;
	unsigned	 i;
	int		 n = 1, rc;

	if (w->nruns == 0)
		return 0;
	rec_header(&w->rec, SIM_REC_PAGES, 0, w->nruns);
	w->iov[n].iov_base = &w->rec;
	w->iov[n++].iov_len = sizeof(w->rec);
	w->iov[n].iov_base = w->wire;
	w->iov[n++].iov_len = w->nruns * sizeof(w->wire[0]);
	for (i = 0; i < w->nruns; i++) {
		w->wire[i].pfn = htole64(w->runs[i].pfn);
		w->wire[i].count = htole64(w->runs[i].count);
		w->iov[n].iov_base = w->m->mem + (w->runs[i].pfn <<
		    SIM_PAGE_SHIFT);
		w->iov[n++].iov_len = (size_t)w->runs[i].count <<
		    SIM_PAGE_SHIFT;
	}
	if ((rc = put_iov(w, 1, n)) < 0)
		return rc;
	for (i = 0; i < w->nruns; off += w->runs[i++].count)
		reloc__sim_page_hashes(w->m->mem + (w->runs[i].pfn <<
		    SIM_PAGE_SHIFT), w->runs[i].count, &w->hash[off]);
	memset(w->tr.changed, 0, sizeof(w->tr.changed));
	if (!w->paused) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (i = 0, off = 0; i < w->nruns; off += w->runs[i++].count)
			find_changed(w, w->runs[i].pfn, w->runs[i].count, off);
	}
	for (i = 0; i < SIM_REC_WORDS; i++)
		w->tr.changed[i] = htole64(w->tr.changed[i]);
	w->tr.csum = htole64(reloc__sim_pages_csum(&w->rec, w->wire, w->hash,
	    w->npages, &w->tr));
	w->tr_pending = true;
	w->nruns = 0;
	w->npages = 0;
	return 0;
}

/* Gather pages pfn..pfn+count (at most SIM_REC_MAX_PAGES). */
static int
add_run(struct sim_send *w, uint64_t pfn, uint64_t count)
{
	struct sim_run	*last;
	int		 rc;

	if (w->npages + count > SIM_REC_MAX_PAGES ||
	    w->nruns == SIM_REC_MAX_RUNS) {
		if ((rc = send_pages(w)) < 0)
			return rc;
	}
	w->npages += count;
	last = w->nruns > 0 ? &w->runs[w->nruns - 1] : NULL;
	if (last != NULL && last->pfn + last->count == pfn)
		last->count += count;
	else {
		w->runs[w->nruns].pfn = pfn;
		w->runs[w->nruns++].count = count;
	}
	return 0;
}

/* Send the run of zero pages not sent yet, if any. */
static int
flush_zero(struct sim_send *w)
{
	uint64_t	 n = w->zcount;

	w->zcount = 0;
	return n > 0 ? put_rec(w, SIM_REC_ZERO, w->zpfn, n, NULL, 0) : 0;
}

/* Pages pfn..pfn+n are zero: one record for a run, sent when it ends. */
int
reloc__sim_send_zero(struct sim_send *w, uint64_t pfn, uint64_t n)
{
	int	 rc;

	if (w->zcount > 0 && w->zpfn + w->zcount == pfn) {
		w->zcount += n;
		return 0;
	}
	if ((rc = flush_zero(w)) < 0)
		return rc;
	w->zpfn = pfn;
	w->zcount = n;
	return 0;
}

/* Everything gathered goes out: the end of a round. */
int
reloc__sim_send_flush(struct sim_send *w)
{
	int	 rc;

	if ((rc = send_pages(w)) < 0)
		return rc;
	return flush_zero(w);
}

/* HEADER, STATE or END, after everything gathered. */
int
reloc__sim_send_rec(struct sim_send *w, enum sim_rec_type type,
    const void *data, size_t len)
{
	int	 rc;

	if ((rc = reloc__sim_send_flush(w)) < 0)
		return rc;
	return put_rec(w, type, 0, len, data, len);
}

/*
 * Pages pfn..pfn+count (at most SIM_REC_MAX_PAGES): their bits cleared,
 * then each run of zero pages marked, the others gathered.  A page read
 * as zero here and written after is dirty again (the guest sets the bit
 * when done), so it goes in a later round, like any page.
 */
int
reloc__sim_send_range(struct sim_send *w, uint64_t pfn, uint64_t count)
{
	uint8_t		*mem = w->m->mem + (pfn << SIM_PAGE_SHIFT);
	uint64_t	 i = 0, start;
	bool		 zero;
	int		 rc = 0;

	reloc__sim_clear_bits(w->m, pfn, count);
	while (i < count && rc == 0) {
		start = i;
		zero = reloc__sim_page_zero(mem + (i << SIM_PAGE_SHIFT));
		while (++i < count && reloc__sim_page_zero(mem +
		    (i << SIM_PAGE_SHIFT)) == zero)
			;
		if (zero)
			rc = reloc__sim_send_zero(w, pfn + start, i - start);
		else
			rc = add_run(w, pfn + start, i - start);
	}
	return rc;
}
