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
 * Private to the sim's save side (hv_sim_save.c, hv_sim_send.c): how
 * records are written.  Pages are gathered into PAGES records of many
 * runs, each written with one sendmsg.
 */

#ifndef HV_SIM_SEND_H
#define HV_SIM_SEND_H

#include <sys/uio.h>

#include "hv_sim.h"

/* The writer of one stream; zeroed, then the first six fields set. */
struct sim_send {
	int		 fd;
	uint32_t	 domid;		/* for messages */
	const struct sim_map *m;	/* memory, dirty bitmap, registers */
	uint64_t	*round_bytes;	/* counted up by every write */
	uint64_t	*sent_bytes;	/* likewise */
	const struct reloc_stream_io *io;	/* NULL: write to fd */
	bool		 nosock;	/* fd is a pipe or file */
	bool		 paused;	/* the guest is stopped */
	bool		 tr_pending;	/* tr not sent yet */
	struct sim_rec	 rec;		/* the last PAGES header, as sent */
	struct sim_rec_trailer tr;	/* its trailer */
	uint64_t	 zpfn;		/* zero pages not sent yet */
	uint64_t	 zcount;
	unsigned	 nruns;		/* pages gathered, not sent yet */
	uint64_t	 npages;
	struct sim_run	 runs[SIM_REC_MAX_RUNS];	/* host order */
	struct sim_run	 wire[SIM_REC_MAX_RUNS];	/* as sent */
	struct iovec	 iov[SIM_REC_MAX_RUNS + 3];
	uint64_t	 hash[SIM_REC_MAX_PAGES + SIM_REC_WORDS];
};

/*
 * Each returns 0 or an RELOC_ERR_* code (the stream could not be
 * written; logged).
 */
int	reloc__sim_send_rec(struct sim_send *w, enum sim_rec_type type,
	    const void *data, size_t len);
int	reloc__sim_send_range(struct sim_send *w, uint64_t pfn,
	    uint64_t count);
int	reloc__sim_send_zero(struct sim_send *w, uint64_t pfn, uint64_t n);
int	reloc__sim_send_flush(struct sim_send *w);
void	reloc__sim_clear_bits(const struct sim_map *m, uint64_t pfn,
	    uint64_t count);

#endif /* HV_SIM_SEND_H */
