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
 * The framed pump: the backend's stream as numbered frames over one or
 * more lanes (connections to the same peer).
 *
 * Source: a reader thread cuts the backend's stream into chunks, numbered
 * from 0, into a window of slots; a thread per lane takes the next chunk
 * when it is free, compresses it, and writes its frame, so compression
 * and TLS use several cores.  When the stream ends each lane writes END.
 *
 * Target: a thread per lane reads, checks and decodes frames, and puts
 * each chunk in the window at its seq; a writer hands the chunks to the
 * backend in seq order.  The window is bounded: a lane whose chunk is too
 * far ahead waits for the others.  A seq missing, twice, or past the
 * count END gave is a protocol error.
 */

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream-int.h"

/* Wait until local is readable or a stop: false on a stop. */
static bool
local_readable(struct reloc__framed *f, int timeout_ms, bool *ready_r)
{
	struct pollfd	pfd[2] = {
		{ .fd = f->local, .events = POLLIN },
		{ .fd = f->stopfd, .events = POLLIN },
	};
	int		r;

	while ((r = poll(pfd, 2, timeout_ms)) == -1)
		if (errno != EINTR)
			return false;
	*ready_r = r > 0 && pfd[0].revents != 0;
	return (pfd[1].revents & POLLIN) == 0;
}

/*
 * Fill buf from the backend: > 0 bytes, 0 at its end, -1 on a stop or a
 * failure.  A chunk is sent before it is full when the backend pauses.
 */
static ssize_t
read_chunk(struct reloc__framed *f, uint8_t *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;
	bool	ready;

	while (got < len) {
		if (!local_readable(f, got > 0 ? 20 : -1, &ready))
			return -1;
		if (!ready)
			break;
		if ((n = read(f->local, buf + got, len - got)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			reloc__frame_fail(f, reloc__errno_to_err(errno),
			    "stream: reading the backend's stream: %s",
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Stream faults of the source on a chunk; false: stop reading. */
static bool
send_fault(struct reloc__framed *f, struct slot *s)
{
	enum reloc_fault_action	a;
	const char		*pt = f->o.point;
	size_t			 off;

	s->corrupt = 0;
	if (pt == NULL)
		return true;
	a = reloc__fault_stream(pt, f->raw_bytes, s->len, f->o.total, &off);
	if (a == RELOC_FA_NONE) {
		pt = "src-frame";
		a = reloc__fault_stream(pt, f->raw_bytes, s->len, f->o.total,
		    &off);
	}
	if (a == RELOC_FA_NONE)
		return true;
	if (a == RELOC_FA_CORRUPT) {
		log_warnx("fault", "injected fault at %s: corrupt byte %zu of "
		    "chunk %llu", pt, off, (unsigned long long)s->seq);
		if (strcmp(pt, "src-frame") == 0)
			s->corrupt = off + 1;
		else
			s->buf[off] ^= 0x5a;
		return true;
	}
	reloc__fault_fire(a, pt, f->lanes[0].lane.fd);
	if (a == RELOC_FA_WAIT)
		return true;
	reloc__frame_fail(f, RELOC_ERR_IO, NULL);
	return false;
}

/* Source: the backend's stream into the window, chunk by chunk. */
static void *
reader_main(void *arg)
{
	struct reloc__framed	*f = arg;
	struct slot		*s;
	ssize_t			 n;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		s = &f->win[f->head % f->nwin];
		while (!f->stop && s->state != SLOT_EMPTY)
			pthread_cond_wait(&f->cond, &f->mu);
		pthread_mutex_unlock(&f->mu);
		if (f->stop || (n = read_chunk(f, s->buf, FRAME_CHUNK)) < 0)
			break;
		pthread_mutex_lock(&f->mu);
		if (n == 0)
			f->eof = true;
		else {
			s->seq = f->head++;
			s->len = (size_t)n;
		}
		pthread_mutex_unlock(&f->mu);
		if (n == 0 || !send_fault(f, s))
			break;
		pthread_mutex_lock(&f->mu);
		s->state = SLOT_FULL;
		f->raw_bytes += (uint64_t)n;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mu);
	}
	pthread_mutex_lock(&f->mu);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/*
 * Compress slot s into the lane's frame buffer; its length, or 0 when
 * zstd failed (out of memory: the length and codec are right, the buffer
 * fits), which fails the stream.
 */
static size_t
send_encode(struct lane_run *l, struct slot *s)
{
	enum reloc_codec	c = l->f->o.codec, used;
	size_t			len;
	int			rc;

	if (c == RELOC_CODEC_AUTO)
		c = l->a.cur;
	if ((rc = reloc__frame_encode(l->codec, c, s->seq, s->buf, s->len,
	    l->enc, &len, &used)) < 0) {
		reloc__frame_fail(l->f, rc, "compressing chunk %llu for %s: "
		    "%s failed (out of memory)", (unsigned long long)s->seq,
		    reloc__frame_peer(l->f), reloc_codec_name(c));
		return 0;
	}
	if (s->corrupt != 0)
		l->enc[RELOC_FRAME_HDR + (s->corrupt - 1) % (len -
		    RELOC_FRAME_HDR)] ^= 0x5a;
	return len;
}

/* Source lane: the next chunk not yet taken, as a frame, until the end. */
static void *
send_main(void *arg)
{
	struct lane_run		*l = arg;
	struct reloc__framed	*f = l->f;
	struct slot		*s;
	size_t			 len, raw;
	uint64_t		 t0, count;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		while (!f->stop && (s = &f->win[f->next % f->nwin])->state !=
		    SLOT_FULL && !f->eof)
			pthread_cond_wait(&f->cond, &f->mu);
		s = &f->win[f->next % f->nwin];
		if (f->stop || s->state != SLOT_FULL)
			break;
		s->state = SLOT_TAKEN;
		f->next++;
		pthread_mutex_unlock(&f->mu);
		t0 = reloc__lane_now_ns();
		len = send_encode(l, s);
		raw = s->len;
		pthread_mutex_lock(&f->mu);
		s->state = SLOT_EMPTY;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->mu);
		if (len == 0 || reloc__lane_write(l, l->enc, len) != 0)
			return NULL;
		reloc__lane_pace(l, len);
		if (f->o.codec == RELOC_CODEC_AUTO)
			reloc__auto_lane_sent(l, raw,
			    reloc__lane_now_ns() - t0);
	}
	count = f->head;
	pthread_mutex_unlock(&f->mu);
	if (f->stop)
		return NULL;
	reloc__frame_end(count, l->enc);
	if (reloc__lane_write(l, l->enc, RELOC_FRAME_HDR) == 0)
		reloc__lane_pace(l, RELOC_FRAME_HDR);
	return NULL;
}

/*
 * Target: true when the chunk the writer needs can no longer come: every
 * lane has ended or waits to place a chunk the window cannot take yet
 * (frames on a lane come in seq order).  Called locked.
 */
static bool
stuck(const struct reloc__framed *f)
{
	const struct lane_run	*l;
	bool			 waiting = false;
	size_t			 i;

	if (f->win[f->next % f->nwin].state != SLOT_EMPTY)
		return false;
	for (i = 0; i < f->nlanes; i++) {
		l = &f->lanes[i];
		if (!l->ended && !(l->waiting && l->want >= f->next + f->nwin))
			return false;
		waiting |= l->waiting;
	}
	return !f->total_known || f->next < f->total || waiting;
}

/* Target: every lane ended and every chunk written.  Called locked. */
static bool
done(const struct reloc__framed *f)
{
	return f->ended == f->nlanes && f->total_known && f->next >= f->total;
}

/* Target: put the lane's decoded chunk at its seq in the window. */
static int
recv_place(struct lane_run *l, const struct reloc__frame *fr)
{
	struct reloc__framed	*f = l->f;
	struct slot		*s = &f->win[fr->seq % f->nwin];
	uint8_t			*buf;
	const char		*why = NULL;

	pthread_mutex_lock(&f->mu);
	l->waiting = true;
	l->want = fr->seq;
	pthread_cond_broadcast(&f->cond);
	while (!f->stop && fr->seq >= f->next + f->nwin && !stuck(f))
		pthread_cond_wait(&f->cond, &f->mu);
	l->waiting = false;
	if (f->stop)
		why = "";
	else if (fr->seq < f->next || (fr->seq < f->next + f->nwin &&
	    s->state != SLOT_EMPTY))
		why = "sent twice";
	else if (f->total_known && fr->seq >= f->total)
		why = "after the end of the stream";
	else if (fr->seq >= f->next + f->nwin)
		why = "out of sequence";
	else {
		buf = s->buf;
		s->buf = l->raw;
		l->raw = buf;
		s->seq = fr->seq;
		s->len = fr->raw_len;
		s->state = SLOT_FULL;
		if (fr->seq >= f->seen)
			f->seen = fr->seq + 1;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->mu);
	if (why != NULL && *why != '\0')
		reloc__frame_fail(f, RELOC_ERR_PROTO, "corrupt compressed "
		    "chunk %llu from %s: %s", (unsigned long long)fr->seq,
		    reloc__frame_peer(f), why);
	return why == NULL ? 0 : RELOC_ERR_PROTO;
}

/* Target: a lane's END frame; 0 or RELOC_ERR_PROTO. */
static int
recv_end(struct lane_run *l, const struct reloc__frame *fr)
{
	struct reloc__framed	*f = l->f;
	bool			 ok;

	pthread_mutex_lock(&f->mu);
	ok = (!f->total_known || f->total == fr->seq) && fr->seq >= f->seen;
	/*
	 * An END that disagrees is not published: the writer, woken by it,
	 * would find a chunk missing and say that instead, first or not
	 * depending on which thread runs.
	 */
	if (ok) {
		f->total = fr->seq;
		f->total_known = true;
		f->ended++;
		l->ended = true;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->mu);
	if (!ok)
		reloc__frame_fail(f, RELOC_ERR_PROTO, "corrupt compressed "
		    "stream from %s: lane %zu ends at chunk %llu, not where "
		    "the others do", reloc__frame_peer(f), l->k,
		    (unsigned long long)fr->seq);
	return ok ? 0 : RELOC_ERR_PROTO;
}

/* Target: read, check and decode one frame; 1 at the lane's END. */
static int
recv_frame(struct lane_run *l)
{
	struct reloc__frame	fr;
	const char		*why;
	int			 rc;

	if ((rc = reloc__lane_read(l, l->enc, RELOC_FRAME_HDR, true)) != 0)
		return rc;
	if ((rc = reloc__frame_header(l->enc, &fr, &why)) < 0) {
		reloc__frame_fail(l->f, rc, "corrupt compressed stream from "
		    "%s, lane %zu: %s", reloc__frame_peer(l->f), l->k, why);
		return rc;
	}
	if (fr.flags & RELOC_FRAME_END) {
		reloc__lane_pace(l, RELOC_FRAME_HDR);
		return (rc = recv_end(l, &fr)) < 0 ? rc : 1;
	}
	if ((rc = reloc__lane_read(l, l->enc + RELOC_FRAME_HDR, fr.enc_len,
	    false)) != 0)
		return rc;
	reloc__lane_pace(l, RELOC_FRAME_HDR + fr.enc_len);
	if ((rc = reloc__frame_decode(l->codec, &fr, l->enc + RELOC_FRAME_HDR,
	    l->raw, &why)) < 0) {
		reloc__frame_fail(l->f, rc, "corrupt compressed chunk %llu "
		    "from %s: %s", (unsigned long long)fr.seq,
		    reloc__frame_peer(l->f), why);
		return rc;
	}
	return recv_place(l, &fr);
}

/* Target lane: frames until its END, a stop or a failure. */
static void *
recv_main(void *arg)
{
	struct lane_run	*l = arg;

	while (recv_frame(l) == 0)
		;
	return NULL;
}

/* Target: write one chunk to the backend, with the dst-stream faults. */
static int
write_chunk(struct reloc__framed *f, struct slot *s)
{
	enum reloc_fault_action	a = RELOC_FA_NONE;
	const uint8_t		*p = s->buf;
	size_t			 len = s->len, off;
	ssize_t			 n;

	if (f->o.point != NULL)
		a = reloc__fault_stream(f->o.point, f->raw_bytes, len,
		    f->o.total, &off);
	if (a == RELOC_FA_CORRUPT) {
		log_warnx("fault", "injected fault at %s: corrupt byte %llu",
		    f->o.point, (unsigned long long)(f->raw_bytes + off));
		s->buf[off] ^= 0x5a;
	} else if (a != RELOC_FA_NONE) {
		reloc__fault_fire(a, f->o.point, f->lanes[0].lane.fd);
		if (a != RELOC_FA_WAIT)
			return RELOC_ERR_IO;
	}
	while (len > 0) {
		if ((n = write(f->local, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return reloc__errno_to_err(errno);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Target: the chunks to the backend in seq order, until the end. */
static void *
writer_main(void *arg)
{
	struct reloc__framed	*f = arg;
	struct slot		*s;
	int			 rc;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		s = &f->win[f->next % f->nwin];
		while (!f->stop && s->state != SLOT_FULL && !stuck(f) &&
		    !done(f))
			pthread_cond_wait(&f->cond, &f->mu);
		if (f->stop || s->state != SLOT_FULL)
			break;
		s->state = SLOT_TAKEN;
		pthread_mutex_unlock(&f->mu);
		if ((rc = write_chunk(f, s)) < 0) {
			reloc__frame_fail(f, rc, NULL);
			return NULL;
		}
		pthread_mutex_lock(&f->mu);
		f->raw_bytes += s->len;
		s->state = SLOT_EMPTY;
		f->next++;
		pthread_cond_broadcast(&f->cond);
	}
	rc = f->stop ? 0 : done(f) ? 1 : RELOC_ERR_PROTO;
	pthread_mutex_unlock(&f->mu);
	if (rc == RELOC_ERR_PROTO)
		reloc__frame_fail(f, rc, "corrupt compressed stream from %s: "
		    "chunk %llu missing", reloc__frame_peer(f),
		    (unsigned long long)f->next);
	else if (rc == 1 && f->o.end_to)
		shutdown(f->local, SHUT_WR);
	return NULL;
}

static void
framed_free(struct reloc__framed *f)
{
	size_t	i;

	for (i = 0; f->lanes != NULL && i < f->nlanes; i++) {
		reloc__codec_free(f->lanes[i].codec);
		free(f->lanes[i].enc);
		free(f->lanes[i].raw);
	}
	for (i = 0; f->win != NULL && i < f->nwin; i++)
		free(f->win[i].buf);
	free(f->lanes);
	free(f->win);
	if (f->stopfd != -1)
		close(f->stopfd);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* The window and the lanes' buffers; RELOC_ERR_NOMEM. */
static int
framed_alloc(struct reloc__framed *f, const struct reloc__lane *lanes)
{
	size_t	i, chunk = f->send ? FRAME_CHUNK : RELOC_FRAME_MAX_RAW;
	size_t	frame = reloc__frame_bound(chunk);

	f->nwin = 2 * f->nlanes + 2;
	if ((f->win = calloc(f->nwin, sizeof(*f->win))) == NULL ||
	    (f->lanes = calloc(f->nlanes, sizeof(*f->lanes))) == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 0; i < f->nwin; i++)
		if ((f->win[i].buf = malloc(chunk)) == NULL)
			return RELOC_ERR_NOMEM;
	for (i = 0; i < f->nlanes; i++) {
		f->lanes[i].f = f;
		f->lanes[i].k = i;
		f->lanes[i].lane = lanes[i];
		reloc__auto_init(&f->lanes[i].a, f->o.codecs, f->nlanes);
		if (reloc__codec_new(f->o.history, &f->lanes[i].codec) < 0 ||
		    (f->lanes[i].enc = malloc(frame)) == NULL ||
		    (!f->send && (f->lanes[i].raw = malloc(chunk)) == NULL))
			return RELOC_ERR_NOMEM;
	}
	return 0;
}

/* Start the reader or writer and one thread per lane. */
static int
framed_threads(struct reloc__framed *f)
{
	size_t	i;

	if (pthread_create(&f->thread, NULL, f->send ? reader_main :
	    writer_main, f) != 0)
		return RELOC_ERR_NOMEM;
	f->started = true;
	for (i = 0; i < f->nlanes; i++) {
		if (pthread_create(&f->lanes[i].thread, NULL, f->send ?
		    send_main : recv_main, &f->lanes[i]) != 0)
			return RELOC_ERR_NOMEM;
		f->lanes[i].started = true;
	}
	return 0;
}

int
reloc__framed_start(int local, const struct reloc__lane *lanes,
    size_t nlanes, bool send, const struct reloc__pump_opts *o,
    struct reloc__framed **f_r)
{
	struct reloc__framed	*f;
	int			 rc;

	if (nlanes == 0 || nlanes > RELOC_LANES_MAX)
		return RELOC_ERR_INVAL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return RELOC_ERR_NOMEM;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->local = local;
	f->send = send;
	f->o = *o;
	f->nlanes = nlanes;
	clock_gettime(CLOCK_MONOTONIC, &f->start);
	if ((f->stopfd = eventfd(0, EFD_CLOEXEC)) == -1) {
		log_warn("stream", "eventfd");
		framed_free(f);
		return RELOC_ERR_IO;
	}
	if ((rc = framed_alloc(f, lanes)) < 0 ||
	    (rc = framed_threads(f)) < 0) {
		log_warnx("stream", "cannot start the stream pump");
		reloc__frame_fail(f, rc, NULL);
		reloc__framed_finish(f, NULL);
		return rc;
	}
	*f_r = f;
	return 0;
}

void
reloc__framed_stop(struct reloc__framed *f)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	if (write(f->stopfd, &one, sizeof(one)) == -1)
		log_warn("stream", "pump stop");
}

int
reloc__framed_finish(struct reloc__framed *f, struct reloc__pump_stats *stats)
{
	size_t	i;
	int	rc;

	if (f->started)
		pthread_join(f->thread, NULL);
	for (i = 0; f->lanes != NULL && i < f->nlanes; i++)
		if (f->lanes[i].started)
			pthread_join(f->lanes[i].thread, NULL);
	rc = f->rc;
	if (stats != NULL) {
		stats->raw = f->raw_bytes;
		stats->wire = f->wire_bytes;
		snprintf(stats->why, sizeof(stats->why), "%s", f->why);
	}
	framed_free(f);
	return rc;
}
