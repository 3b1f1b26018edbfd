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
 * The framed pump's state, shared by stream_frame.c (the threads and the
 * reorder window) and stream_lane.c (one lane's I/O, the rate cap, the
 * codec a lane picks).
 */

#ifndef RELOC_STREAM_INT_H
#define RELOC_STREAM_INT_H

#include <pthread.h>
#include <time.h>

#include "reloc-int.h"

/* The backend's stream is cut into chunks of this size (bytes). */
#define FRAME_CHUNK	(256 * 1024)

/* Returned by the lane I/O when the pump was asked to stop. */
#define LANE_STOPPED	1

enum slot_state {
	SLOT_EMPTY,		/* free for the next seq */
	SLOT_FULL,		/* holds a chunk: seq, len */
	SLOT_TAKEN,		/* a lane encodes it, or the writer writes it */
};

struct slot {
	enum slot_state	 state;
	uint64_t	 seq;
	size_t		 len;
	uint8_t		*buf;		/* FRAME_CHUNK or RELOC_FRAME_MAX_RAW */
	size_t		 corrupt;	/* src-frame fault: byte to flip + 1 */
};

/*
 * AUTO on a sending lane (stream_auto.c): the codec it sends with, the
 * codecs it may use, and what each moved when last tried.
 */
struct reloc__auto {
	unsigned		 codecs;	/* 1 << codec; NONE always */
	uint64_t		 warm, try, keep; /* raw bytes, this lane */
	enum reloc_codec	 cur;		/* sending with */
	bool			 trying;	/* each codec in turn */
	uint64_t		 raw;		/* bytes sent with cur */
	uint64_t		 m_raw, m_ns;	/* the measured part */
	double			 rate[3];	/* raw bytes per busy ns */
};

struct lane_run {
	struct reloc__framed	*f;
	size_t			 k;		/* lane number */
	struct reloc__lane	 lane;
	struct reloc__codec	*codec;
	uint8_t			*enc;		/* one frame */
	uint8_t			*raw;		/* target: one decoded chunk */
	struct reloc__auto	 a;
	bool			 waiting;	/* target: for the window */
	bool			 ended;		/* target: END read */
	uint64_t		 want;		/* the seq it waits to place */
	pthread_t		 thread;
	bool			 started;
};

struct reloc__framed {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;
	int			 local;
	bool			 send;
	struct reloc__pump_opts	 o;
	int			 stopfd;	/* eventfd: stop every wait */
	bool			 stop;
	int			 rc;		/* the first failure */
	char			 why[256];	/* its message, or "" */
	struct lane_run		*lanes;
	size_t			 nlanes;
	pthread_t		 thread;	/* reader (send) or writer */
	bool			 started;
	struct slot		*win;
	size_t			 nwin;
	uint64_t		 head;		/* send: next seq read */
	uint64_t		 next;		/* send: next seq to a lane;
						   else next seq written */
	bool			 eof;		/* send: all read */
	size_t			 ended;		/* lanes that saw END */
	uint64_t		 seen;		/* target: highest seq + 1 */
	uint64_t		 total;		/* from END: data frames */
	bool			 total_known;
	uint64_t		 raw_bytes, wire_bytes;
	struct timespec		 start;
};

/* stream_frame.c */
/* Record the first failure, stop everything; logs msg when it is first. */
void	reloc__frame_fail(struct reloc__framed *f, int rc,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *reloc__frame_peer(const struct reloc__framed *f);

/* stream_lane.c */
int	reloc__lane_write(struct lane_run *l, const uint8_t *buf,
	    size_t len);
int	reloc__lane_read(struct lane_run *l, uint8_t *buf, size_t len,
	    bool first);
void	reloc__lane_pace(struct lane_run *l, size_t wire);
uint64_t reloc__lane_now_ns(void);

/* stream_auto.c */
/*
 * Start AUTO on one of nlanes lanes with the codecs the peer takes
 * (1 << codec); NONE first.
 */
void	reloc__auto_init(struct reloc__auto *a, unsigned codecs,
	    size_t nlanes);
/*
 * A chunk of raw bytes went out with a->cur, the lane busy busy_ns
 * (compressing, writing, paced) for it: the codec for the next chunk.
 */
enum reloc_codec reloc__auto_sent(struct reloc__auto *a, size_t raw,
	    uint64_t busy_ns);
/* The same for lane l, which logs what it measured when it chooses. */
void	reloc__auto_lane_sent(struct lane_run *l, size_t raw,
	    uint64_t busy_ns);
/* "none 110 MB/s, lz4 ..." as last measured, in buf (len bytes). */
const char *reloc__auto_rates(const struct reloc__auto *a, char *buf,
	    size_t len);

#endif /* RELOC_STREAM_INT_H */
