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
 * The sim's restore side: a new domain directory, its memory read straight
 * from the stream with every record's checksum verified, and a guest
 * started stopped.  On any failure everything it made is removed.
 */

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"

struct restorer {
	const struct sim *sim;
	const char	*name;
	uint32_t	 domid;
	int		 fd;
	struct sim_map	 m;
	uint64_t	 nrec;		/* records read, for messages */
	uint64_t	 bytes;
	bool		 state_seen;
};

static int
read_full(struct restorer *r, void *buf, size_t len)
{
	uint8_t	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		n = read(r->fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("hv", "sim: restore %s: read record %" PRIu64,
			    r->name, r->nrec);
			return reloc__errno_to_err(errno);
		}
		if (n == 0) {
			log_warnx("hv", "sim: restore %s: stream ended in "
			    "record %" PRIu64, r->name, r->nrec);
			return RELOC_ERR_CLOSED;
		}
		p += n;
		len -= (size_t)n;
		r->bytes += (uint64_t)n;
	}
	return 0;
}

/* Read a record header: raw as sent (for the checksum), h decoded. */
static int
read_rec(struct restorer *r, struct sim_rec *raw, struct sim_rec *h)
{
	int	 rc;

	r->nrec++;
	if ((rc = read_full(r, raw, sizeof(*raw))) < 0)
		return rc;
	h->type = le32toh(raw->type);
	h->flags = le32toh(raw->flags);
	h->pfn = le64toh(raw->pfn);
	h->count = le64toh(raw->count);
	h->csum = le64toh(raw->csum);
	if (h->flags != 0 || (h->type != SIM_REC_PAGES &&
	    (h->pfn != 0 || h->count > SIM_REC_MAX_DATA))) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": bad "
		    "header (type %" PRIu32 ")", r->name, r->nrec, h->type);
		return RELOC_ERR_PROTO;
	}
	return 0;
}

static int
verify(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h, const void *data, size_t len)
{
	if (reloc__sim_rec_csum(raw, data, len) == h->csum)
		return 0;
	log_warnx("hv", "sim: restore %s: record %" PRIu64 " (type %" PRIu32
	    ", pfn %" PRIu64 ", count %" PRIu64 "): checksum mismatch",
	    r->name, r->nrec, h->type, h->pfn, h->count);
	return RELOC_ERR_PROTO;
}

/* A small record's data, read and verified. */
static int
read_small(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h, void *buf, size_t want)
{
	int	 rc;

	if (h->count != want) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": %" PRIu64
		    " bytes, expected %zu", r->name, r->nrec, h->count, want);
		return RELOC_ERR_PROTO;
	}
	if ((rc = read_full(r, buf, want)) < 0)
		return rc;
	return verify(r, raw, h, buf, want);
}

static int
read_header(struct restorer *r)
{
	struct sim_rec		 raw, h;
	struct sim_stream_hdr	 sh;
	int			 rc;

	if ((rc = read_rec(r, &raw, &h)) < 0)
		return rc;
	if (h.type != SIM_REC_HEADER) {
		log_warnx("hv", "sim: restore %s: no stream header", r->name);
		return RELOC_ERR_PROTO;
	}
	if ((rc = read_small(r, &raw, &h, &sh, sizeof(sh))) < 0)
		return rc;
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

/* Pages go straight into the domain's memory, then are verified there. */
static int
read_pages(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	uint8_t	*dst;
	size_t	 len;
	int	 rc;

	if (h->count == 0 || h->count > SIM_REC_MAX_PAGES ||
	    h->pfn >= r->m.pages || h->count > r->m.pages - h->pfn) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": pages %"
		    PRIu64 "+%" PRIu64 " out of range", r->name, r->nrec,
		    h->pfn, h->count);
		return RELOC_ERR_PROTO;
	}
	dst = r->m.mem + (h->pfn << SIM_PAGE_SHIFT);
	len = (size_t)h->count << SIM_PAGE_SHIFT;
	if ((rc = read_full(r, dst, len)) < 0)
		return rc;
	return verify(r, raw, h, dst, len);
}

static int
read_state(struct restorer *r, const struct sim_rec *raw,
    const struct sim_rec *h)
{
	struct sim_vcpu	 v;
	int		 rc;

	if ((rc = read_small(r, raw, h, &v, sizeof(v))) < 0)
		return rc;
	if (le64toh(v.magic) != SIM_VCPU_MAGIC) {
		log_warnx("hv", "sim: restore %s: record %" PRIu64 ": bad "
		    "guest state", r->name, r->nrec);
		return RELOC_ERR_PROTO;
	}
	r->m.vcpu->magic = SIM_VCPU_MAGIC;
	r->m.vcpu->rng = le64toh(v.rng);
	r->m.vcpu->cursor = le64toh(v.cursor);
	r->m.vcpu->budget_ns = le64toh(v.budget_ns);
	r->state_seen = true;
	return 0;
}

/* Records until END; never reads a byte past it. */
static int
read_stream(struct restorer *r)
{
	struct sim_rec	 raw, h;
	int		 rc;

	if ((rc = read_header(r)) < 0)
		return rc;
	for (;;) {
		if ((rc = read_rec(r, &raw, &h)) < 0)
			return rc;
		switch (h.type) {
		case SIM_REC_PAGES:
			rc = read_pages(r, &raw, &h);
			break;
		case SIM_REC_STATE:
			rc = read_state(r, &raw, &h);
			break;
		case SIM_REC_END:
			if ((rc = read_small(r, &raw, &h, NULL, 0)) < 0)
				return rc;
			if (r->state_seen)
				return 0;
			log_warnx("hv", "sim: restore %s: no guest state",
			    r->name);
			return RELOC_ERR_PROTO;
		default:
			log_warnx("hv", "sim: restore %s: record %" PRIu64
			    ": unknown type %" PRIu32, r->name, r->nrec,
			    h.type);
			return RELOC_ERR_PROTO;
		}
		if (rc < 0)
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

int
reloc__sim_restore(const struct sim *sim, const struct reloc_domain *dom,
    int fd, const struct reloc_restore_params *p, uint32_t *domid_r)
{
	struct reloc_domain	 d = { 0 };
	struct restorer		 r = { .sim = sim, .fd = fd };
	bool			 made = false;
	pid_t			 pid;
	int			 rc;

	r.name = p->name != NULL ? p->name : dom->name;
	if ((rc = incoming_dom(dom, r.name, &d)) < 0)
		return rc;
	if ((rc = reloc__sim_reserve(sim, &d)) < 0)
		goto out;
	made = true;
	r.domid = d.domid;
	if ((rc = reloc__sim_mem_create(sim, d.domid, d.memory_kb /
	    (SIM_PAGE_SIZE / 1024), false)) < 0 ||
	    (rc = reloc__sim_map(sim, d.domid, &r.m, true)) < 0 ||
	    (rc = read_stream(&r)) < 0)
		goto out;
	if (reloc__sim_snapshots(sim))
		(void)reloc__sim_snapshot(sim, &r.m, d.uuid, "post");
	/* The guest must not run before unpause: it starts stopped. */
	if ((rc = reloc__sim_guest_start(sim, d.domid,
	    reloc__sim_dirty_rate(&d), true)) < 0)
		goto out;
	report_done(p, &r);
	log_info("hv", "sim: restored domain %s (%" PRIu32 "), %" PRIu64
	    " bytes, paused", d.name, d.domid, r.bytes);
	*domid_r = d.domid;
out:
	reloc__sim_unmap(&r.m);
	if (rc < 0 && made) {
		if (reloc__sim_pid(sim, d.domid, &pid) == 0)
			reloc__sim_guest_kill(pid);
		reloc__sim_remove(sim, d.domid);
	}
	reloc_domain_dispose(&d);
	return rc;
}
