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
 * The sim's restore side: a new domain directory and its stopped guest,
 * its memory faulted in by a thread ahead of the reader (the file system
 * must have room for all of it first, as Xen must have the memory of a
 * domain it creates), then the memory written from the stream with
 * every record verified while it is in cache.  On any failure everything
 * it made is removed.
 */

#include <sys/mman.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv_sim.h"

#define BUF_LEN		(SIM_REC_MAX_DATA + sizeof(struct sim_rec_trailer) + \
			    sizeof(struct sim_rec))

struct restorer {
	const struct sim *sim;
	const char	*name;
	uint32_t	 domid;
	int		 fd;
	const struct reloc_stream_io *io;	/* NULL: read from fd */
	int		 snap;		/* the "post" test snapshot, or -1 */
	uint8_t		*mem;		/* the memory */
	struct reloc__sim_ahead ahead;	/* faulting it in */
	struct sim_map	 m;		/* bitmap and registers only */
	uint64_t	 nrec;		/* records read, for messages */
	uint64_t	 bytes;
	uint64_t	 npages;	/* pages of the PAGES record read */
	bool		 state_seen;
	uint64_t	*unverified;	/* pages last received as changed */
	uint64_t	*written;	/* pages received with data */
	uint8_t		*buf;		/* small data or trailer, next header */
	struct sim_run	 runs[SIM_REC_MAX_RUNS];	/* as received */
	struct iovec	 iov[SIM_REC_MAX_RUNS + 1];
	uint64_t	 hash[SIM_REC_MAX_PAGES + SIM_REC_WORDS];
};

static uint64_t
now_ms(void)
{
	return reloc__now_ns(CLOCK_MONOTONIC) / 1000000;
}

static int
read_iov(struct restorer *r, struct iovec *iov, int n)
{
	ssize_t	 got;

	while (n > 0) {
		if (r->io != NULL && (got = r->io->readv(r->io->arg, iov,
		    n)) < 0)
			return (int)got;	/* logged */
		if (r->io == NULL)
			got = readv(r->fd, iov, n);
		if (got == -1 && errno == EINTR)
			continue;
		/* Only the memory file's mapping can fault: no room. */
		if (got == -1 && errno == EFAULT) {
			log_warnx("hv", "sim: restore %s: no space left for its "
			    "memory file in xrelocd-sim-dir", r->name);
			return RELOC_ERR_NOSPC;
		}
		if (got == -1) {
			log_warn("hv", "sim: restore %s: read record %" PRIu64,
			    r->name, r->nrec);
			return reloc__errno_to_err(errno);
		}
		if (got == 0) {
			log_warnx("hv", "sim: restore %s: stream ended in "
			    "record %" PRIu64, r->name, r->nrec);
			return RELOC_ERR_CLOSED;
		}
		r->bytes += (uint64_t)got;
		for (; n > 0 && (size_t)got >= iov->iov_len; n--, iov++)
			got -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + got;
			iov->iov_len -= (size_t)got;
		}
	}
	return 0;
}

static int
read_full(struct restorer *r, void *buf, size_t len)
{
	struct iovec	 iov = { buf, len };

	return read_iov(r, &iov, 1);
}

/* Decode a record header (raw as sent) into h and check its bounds. */
static int
decode_rec(struct restorer *r, const struct sim_rec *raw, struct sim_rec *h)
{
	r->nrec++;
	h->type = le32toh(raw->type);
	h->flags = le32toh(raw->flags);
	h->pfn = le64toh(raw->pfn);
	h->count = le64toh(raw->count);
	h->csum = le64toh(raw->csum);
	if (h->flags != 0 || (h->type != SIM_REC_PAGES &&
	    h->type != SIM_REC_ZERO &&
	    (h->pfn != 0 || h->count > SIM_REC_MAX_DATA))) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": bad "
		    "header (type %" PRIu32 ")", r->name, r->nrec, h->type);
		return RELOC_ERR_PROTO;
	}
	if (h->type == SIM_REC_PAGES && (h->csum != 0 || h->pfn != 0 ||
	    h->count == 0 || h->count > SIM_REC_MAX_RUNS)) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": %" PRIu64
		    " runs of pages, expected 1 to %u", r->name, r->nrec,
		    h->count, SIM_REC_MAX_RUNS);
		return RELOC_ERR_PROTO;
	}
	if (h->type == SIM_REC_ZERO && (h->count == 0 ||
	    h->pfn >= r->m.pages || h->count > r->m.pages - h->pfn)) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": pages %"
		    PRIu64 "+%" PRIu64 " out of range", r->name, r->nrec,
		    h->pfn, h->count);
		return RELOC_ERR_PROTO;
	}
	return 0;
}

/*
 * A PAGES record's run table (r->runs, n entries): each run inside the
 * memory, in increasing order without overlap, SIM_REC_MAX_PAGES pages
 * at most in all; their total into r->npages.
 */
static int
check_runs(struct restorer *r, uint64_t n)
{
	uint64_t	 i, pfn, cnt, next = 0, total = 0;

	for (i = 0; i < n; i++) {
		pfn = le64toh(r->runs[i].pfn);
		cnt = le64toh(r->runs[i].count);
		if (cnt == 0 || pfn >= r->m.pages || cnt > r->m.pages - pfn ||
		    cnt > SIM_REC_MAX_PAGES - total || (i > 0 && pfn < next)) {
			log_warnx("hv", "sim: restore %s: record %" PRIu64
			    ": run %" PRIu64 " (pages %" PRIu64 "+%" PRIu64
			    ") out of range, overlapping or past %u pages",
			    r->name, r->nrec, i + 1, pfn, cnt,
			    SIM_REC_MAX_PAGES);
			return RELOC_ERR_PROTO;
		}
		next = pfn + cnt;
		total += cnt;
	}
	r->npages = total;
	return 0;
}

static int
mismatch(struct restorer *r, const struct sim_rec *h)
{
	log_warnx("hv", "sim: restore %s: record %" PRIu64 " (type %" PRIu32
	    ", pfn %" PRIu64 ", count %" PRIu64 "): checksum mismatch",
	    r->name, r->nrec, h->type, h->pfn, h->count);
	return RELOC_ERR_PROTO;
}

/* A small record's data (in r->buf), its size and checksum checked. */
static int
check_small(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h, size_t want)
{
	if (h->count != want) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": %" PRIu64
		    " bytes, expected %zu", r->name, r->nrec, h->count, want);
		return RELOC_ERR_PROTO;
	}
	if (reloc__sim_rec_csum(raw, r->buf, want) != h->csum)
		return mismatch(r, h);
	return 0;
}

static int
do_header(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	struct sim_stream_hdr	 sh;
	int			 rc;

	if ((rc = check_small(r, raw, h, sizeof(sh))) < 0)
		return rc;
	memcpy(&sh, r->buf, sizeof(sh));
	if (le64toh(sh.magic) == SIM_STREAM_MAGIC &&
	    le32toh(sh.version) != SIM_STREAM_VERSION) {
		log_warnx("hv", "sim: restore %s: stream version %" PRIu32
		    ", this host reads version %u: run the same xrelocd "
		    "release on both hosts", r->name, le32toh(sh.version),
		    SIM_STREAM_VERSION);
		return RELOC_ERR_PROTO;
	}
	if (le64toh(sh.magic) != SIM_STREAM_MAGIC ||
	    le32toh(sh.version) != SIM_STREAM_VERSION ||
	    le32toh(sh.page_size) != SIM_PAGE_SIZE ||
	    le64toh(sh.pages) != r->m.pages) {
		log_warnx("hv", "sim: restore %s: stream header does not match"
		    " (version %" PRIu32 ", %" PRIu64 " pages, expected %"
		    PRIu64 ")", r->name, le32toh(sh.version),
		    le64toh(sh.pages), r->m.pages);
		return RELOC_ERR_PROTO;
	}
	return 0;
}

/*
 * Pages, read straight into the domain's memory, verified while they are
 * in cache.  A page the source marks changed in flight is not verified
 * here; it must come again, verified, before END (see hv_sim_send.c).
 */
static int
do_pages(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	struct sim_rec_trailer	 t;
	uint64_t		 i, j, k, pfn, cnt, c;

	memcpy(&t, r->buf, sizeof(t));
	for (i = r->npages; i < SIM_REC_MAX_PAGES; i++)
		if (le64toh(t.changed[i / 64]) >> (i % 64) & 1)
			return mismatch(r, h);
	for (i = 0, k = 0; i < h->count; k += cnt, i++) {
		cnt = le64toh(r->runs[i].count);
		reloc__sim_page_hashes(r->mem + (le64toh(r->runs[i].pfn) <<
		    SIM_PAGE_SHIFT), cnt, &r->hash[k]);
	}
	if (reloc__sim_pages_csum(raw, r->runs, r->hash, r->npages, &t) !=
	    le64toh(t.csum))
		return mismatch(r, h);
	for (i = 0, k = 0; i < h->count; i++) {
		pfn = le64toh(r->runs[i].pfn);
		cnt = le64toh(r->runs[i].count);
		reloc__sim_snapshot_put(&r->snap, r->mem, pfn, cnt, false);
		for (j = 0; j < cnt; j++, k++, pfn++) {
			c = le64toh(t.changed[k / 64]) >> (k % 64) & 1;
			r->unverified[pfn / 64] = (r->unverified[pfn / 64] &
			    ~(1ull << (pfn % 64))) | c << (pfn % 64);
			r->written[pfn / 64] |= 1ull << (pfn % 64);
		}
	}
	return 0;
}

/* Zero the pages of word i in mask that were written before. */
static void
zero_word(struct restorer *r, size_t i, uint64_t mask)
{
	uint64_t	 w = r->written[i] & mask;

	r->unverified[i] &= ~mask;
	r->written[i] &= ~mask;
	for (; w != 0; w &= w - 1)
		memset(r->mem + ((i * 64 + (uint64_t)__builtin_ctzll(w)) <<
		    SIM_PAGE_SHIFT), 0, SIM_PAGE_SIZE);
}

/*
 * ZERO: pages that are all zero at the source.  The memory starts zero,
 * so only a page that came with data before is written; nothing is read
 * for the others.
 */
static int
do_zero(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	uint64_t	 p, end, cnt;

	if (reloc__sim_rec_csum(raw, r->buf, 0) != h->csum)
		return mismatch(r, h);
	for (p = h->pfn; p < h->pfn + h->count; p = end) {
		end = (p / 64 + 1) * 64;
		if (end > h->pfn + h->count)
			end = h->pfn + h->count;
		cnt = end - p;
		zero_word(r, (size_t)(p / 64), cnt == 64 ? ~0ull :
		    ((1ull << cnt) - 1) << (p % 64));
	}
	reloc__sim_snapshot_put(&r->snap, r->mem, h->pfn, h->count, true);
	return 0;
}

static int
do_state(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	uint64_t	 v[SIM_STATE_WORDS];
	int		 rc;

	if ((rc = check_small(r, raw, h, sizeof(v))) < 0)
		return rc;
	memcpy(v, r->buf, sizeof(v));
	if (le64toh(v[0]) != SIM_VCPU_MAGIC) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": bad "
		    "guest state", r->name, r->nrec);
		return RELOC_ERR_PROTO;
	}
	r->m.vcpu->magic = SIM_VCPU_MAGIC;
	r->m.vcpu->rng = le64toh(v[1]);
	r->m.vcpu->cursor = le64toh(v[2]);
	r->m.vcpu->budget_ns = le64toh(v[3]);
	r->state_seen = true;
	return 0;
}

/* END: the guest state came, and every page's last copy was verified. */
static int
do_end(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	size_t	 i;
	int	 rc;

	if ((rc = check_small(r, raw, h, 0)) < 0)
		return rc;
	if (!r->state_seen) {
		log_warnx("hv", "sim: restore %s: no guest state", r->name);
		return RELOC_ERR_PROTO;
	}
	for (i = 0; i < r->m.words; i++) {
		if (r->unverified[i] == 0)
			continue;
		log_warnx("hv", "sim: restore %s: page %zu never verified",
		    r->name, i * 64 + (size_t)__builtin_ctzll(
		    r->unverified[i]));
		return RELOC_ERR_PROTO;
	}
	return 0;
}

/*
 * What follows a header, up to and with the next header: a PAGES
 * record's run table alone, then its pages into the memory and its
 * trailer into r->buf in one readv; or small data into r->buf.
 */
static int
read_tail(struct restorer *r, const struct sim_rec *h, size_t *next_r)
{
	uint64_t	 i;
	size_t		 small;
	int		 n = 0, rc;

	if (h->type == SIM_REC_END)
		return 0;
	if (h->type == SIM_REC_ZERO) {
		small = 0;
		reloc__sim_ahead_reader(&r->ahead, (h->pfn + h->count) <<
		    SIM_PAGE_SHIFT);
	} else if (h->type == SIM_REC_PAGES)
		small = sizeof(struct sim_rec_trailer);
	else
		small = (size_t)h->count;
	*next_r = small;
	if (h->type == SIM_REC_PAGES) {
		if ((rc = read_full(r, r->runs, (size_t)h->count *
		    sizeof(r->runs[0]))) < 0 ||
		    (rc = check_runs(r, h->count)) < 0)
			return rc;
		reloc__sim_ahead_reader(&r->ahead, le64toh(r->runs[0].pfn) <<
		    SIM_PAGE_SHIFT);
		for (i = 0; i < h->count; i++, n++) {
			r->iov[n].iov_base = r->mem +
			    (le64toh(r->runs[i].pfn) << SIM_PAGE_SHIFT);
			r->iov[n].iov_len = (size_t)le64toh(r->runs[i].count)
			    << SIM_PAGE_SHIFT;
			/* readv(2) fails on a full disk, a memcpy faults. */
			if (r->io != NULL && (rc = reloc__sim_ahead_fault(
			    &r->ahead, le64toh(r->runs[i].pfn) <<
			    SIM_PAGE_SHIFT, r->iov[n].iov_len)) < 0)
				return rc;
		}
	}
	r->iov[n].iov_base = r->buf;
	r->iov[n++].iov_len = small + sizeof(struct sim_rec);
	return read_iov(r, r->iov, n);
}

static int
do_rec(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	switch (h->type) {
	case SIM_REC_PAGES:
		return do_pages(r, raw, h);
	case SIM_REC_ZERO:
		return do_zero(r, raw, h);
	case SIM_REC_STATE:
		return do_state(r, raw, h);
	case SIM_REC_END:
		return do_end(r, raw, h);
	default:
		log_warnx("hv", "sim: restore %s: record %" PRIu64
		    ": unknown type %" PRIu32, r->name, r->nrec, h->type);
		return RELOC_ERR_PROTO;
	}
}

/*
 * Records until END, each read with the next one's header in one go;
 * never reads a byte past END.
 */
static int
read_stream(struct restorer *r)
{
	struct sim_rec	 raw, h;
	size_t		 next = 0;
	int		 rc;

	if ((rc = read_full(r, &raw, sizeof(raw))) < 0 ||
	    (rc = decode_rec(r, &raw, &h)) < 0)
		return rc;
	if (h.type != SIM_REC_HEADER) {
		log_warnx("hv", "sim: restore %s: no stream header", r->name);
		return RELOC_ERR_PROTO;
	}
	for (;;) {
		if ((rc = read_tail(r, &h, &next)) < 0)
			return rc;
		rc = h.type == SIM_REC_HEADER && r->nrec == 1 ?
		    do_header(r, &raw, &h) : do_rec(r, &raw, &h);
		if (rc < 0 || h.type == SIM_REC_END)
			return rc;
		memcpy(&raw, r->buf + next, sizeof(raw));
		if ((rc = decode_rec(r, &raw, &h)) < 0)
			return rc;
	}
}

/* The domain as the target will hold it: new name, paused. */
static int
incoming_dom(const struct reloc_domain *dom, const char *name,
    struct reloc_domain *d)
{
	char	*copy;
	int	 rc;

	if (dom->memory_kb == 0 || dom->memory_kb % (SIM_PAGE_SIZE / 1024)) {
		log_warnx("hv", "sim: restore %s: bad memory size %" PRIu64
		    " KiB", name, dom->memory_kb);
		return RELOC_ERR_INVAL;
	}
	if ((rc = reloc_domain_copy(dom, d)) < 0)
		return rc;
	if ((copy = strdup(name)) == NULL) {
		reloc_domain_dispose(d);
		return RELOC_ERR_NOMEM;
	}
	free(d->name);
	d->name = copy;
	d->domid = 0;
	d->state = RELOC_DS_PAUSED;
	return 0;
}

static void
report_done(const struct reloc_restore_params *p, const struct restorer *r)
{
	struct reloc_progress	 pr = { 0 };

	if (p->progress == NULL)
		return;
	pr.phase = RELOC_PP_DONE;
	pr.round = 1;
	pr.sent_bytes = r->bytes;
	pr.total_pages = r->m.pages;
	p->progress(&pr, p->progress_arg);
}

/*
 * The incoming domain's memory, room for all of it checked, mapped and
 * faulted in ahead of the stream; its guest, started stopped now so that
 * nothing but the stream's tail is left once it ends; the restorer's
 * buffers and the test snapshot the stream writes as it goes (so that
 * taking it adds nothing at the end).
 */
static int
prepare(struct restorer *r, const struct reloc_domain *d)
{
	char	 path[SIM_PATH_LEN];
	int	 fd, rc;

	if ((rc = reloc__sim_mem_create(r->sim, d->domid, d->memory_kb /
	    (SIM_PAGE_SIZE / 1024), RELOC_SIM_FILL_SPARSE)) < 0 ||
	    (rc = reloc__sim_guest_start(r->sim, d->domid,
	    reloc__sim_dirty_rate(d), true)) < 0 ||
	    (rc = reloc__sim_map(r->sim, d->domid, &r->m, SIM_MAP_NOMEM)) < 0 ||
	    (rc = reloc__sim_path(r->sim, d->domid, "memory", path)) < 0)
		return rc;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		log_warn("hv", "sim: open %s", path);
		return reloc__errno_to_err(errno);
	}
	r->mem = mmap(NULL, r->m.pages << SIM_PAGE_SHIFT, PROT_READ |
	    PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (r->mem == MAP_FAILED) {
		log_warn("hv", "sim: mmap %s", path);
		r->mem = NULL;
		return reloc__errno_to_err(errno);
	}
	if ((r->unverified = calloc(r->m.words, sizeof(uint64_t))) == NULL ||
	    (r->written = calloc(r->m.words, sizeof(uint64_t))) == NULL ||
	    (r->buf = malloc(BUF_LEN)) == NULL)
		return RELOC_ERR_NOMEM;
	if (reloc__sim_snapshots(r->sim))
		r->snap = reloc__sim_snapshot_open(r->sim, d->uuid, "post",
		    r->m.pages << SIM_PAGE_SHIFT);
	return reloc__sim_ahead_start(&r->ahead, path, r->mem, r->m.pages <<
	    SIM_PAGE_SHIFT, r->name);
}

static void
dispose(struct restorer *r)
{
	(void)reloc__sim_ahead_stop(&r->ahead);
	/* The guest's pages stay in the file: unmapped after the window. */
	reloc__sim_unmap_later(r->mem, r->m.pages << SIM_PAGE_SHIFT);
	if (r->snap != -1)
		close(r->snap);
	free(r->unverified);
	free(r->written);
	free(r->buf);
	reloc__sim_unmap(&r->m);
}

int
reloc__sim_restore(const struct sim *sim, const struct reloc_domain *dom,
    int fd, const struct reloc_restore_params *p, uint32_t *domid_r)
{
	struct reloc_domain	 d = { 0 };
	struct restorer		 r = { .sim = sim, .fd = fd, .io = p->io,
				    .snap = -1 };
	bool			 made = false;
	uint64_t		 t0, t1;
	pid_t			 pid;
	int			 rc;

	r.name = p->name != NULL ? p->name : dom->name;
	if ((rc = incoming_dom(dom, r.name, &d)) < 0)
		return rc;
	if ((rc = reloc__sim_reserve(sim, &d)) < 0)
		goto out;
	made = true;
	r.domid = d.domid;
	t0 = now_ms();
	if ((rc = prepare(&r, &d)) < 0)
		goto out;
	t1 = now_ms();
	log_info("hv", "sim: restore %s: made in %" PRIu64 " ms, reading "
	    "the stream", r.name, t1 - t0);
	if ((rc = read_stream(&r)) < 0)
		goto out;
	if ((rc = reloc__sim_ahead_stop(&r.ahead)) < 0)
		goto out;
	report_done(p, &r);
	log_info("hv", "sim: restored domain %s (%" PRIu32 "), %" PRIu64
	    " bytes, paused: made in %" PRIu64 " ms, then stream read in "
	    "%" PRIu64 " ms", d.name, d.domid, r.bytes,
	    t1 - t0, now_ms() - t1);
	*domid_r = d.domid;
out:
	dispose(&r);
	if (rc < 0 && made) {
		if (reloc__sim_pid(sim, d.domid, &pid) == 0)
			reloc__sim_guest_kill(pid);
		reloc__sim_remove(sim, d.domid);
	}
	reloc_domain_dispose(&d);
	return rc;
}
