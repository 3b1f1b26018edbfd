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
 * Moving the backend's stream: straight between the backend and the
 * socket, or through the pump when a rate cap, a stream fault or TLS is
 * asked.  With TLS, a direction the kernel's record layer holds (kernel
 * TLS, where the kernel and OpenSSL offer it) is moved as on a plain
 * connection: the kernel encrypts what the backend writes, and decrypts
 * what it reads.  Otherwise a backend that takes a reloc_stream_io
 * writes and reads through OpenSSL itself, when nothing else sits
 * between; for the others, and under a rate cap, frames or a stream
 * fault, the pump reads and writes through OpenSSL.
 */

#include <sys/socket.h>

#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"
#include "stream_tls.h"

#define PAIR_BUF	(4 << 20)	/* bytes, asked of each end's buffers */

/*
 * Backends read and write the stream with plain blocking calls: give them
 * a blocking socket whose kernel deadlines stand in for the channel's
 * poll() deadlines, so a peer that stalls cannot hang a worker.
 */
static int
stream_fd(struct reloc__mig *m, const struct reloc_tls *tls)
{
	int		fd = reloc_chan_fd(m->chan), fl;
	struct timeval	tv = {
		.tv_sec = m->timeout_ms / 1000,
		.tv_usec = (m->timeout_ms % 1000) * 1000,
	};

	/* The pump reads and writes through TLS, non-blocking. */
	if (tls != NULL)
		return fd;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		log_warn("migrate", "%s: preparing the stream socket", m->peer);
		return -1;
	}
	return fd;
}

/*
 * The TLS object the pump must go through on a connection for this
 * direction, or NULL: none on it, or the kernel holds the direction's
 * record layer and OpenSSL buffers nothing of it.
 */
static struct reloc_tls *
lane_tls(struct reloc_chan *c, bool send)
{
	struct reloc_tls	*t = reloc_chan_tls(c);
	bool			 snd, rcv;

	if (t == NULL)
		return NULL;
	reloc_tls_ktls(t, &snd, &rcv);
	return (send ? snd : rcv && !reloc_tls_pending(t)) ? NULL : t;
}

/* lane_tls() for the channel; logs which, once per stream. */
static struct reloc_tls *
stream_tls(struct reloc__mig *m, bool send)
{
	struct reloc_tls	*t = reloc_chan_tls(m->chan);
	struct reloc_tls	*via = lane_tls(m->chan, send);

	if (t != NULL)
		log_info("migrate", "%s %s: stream over %s %s, kernel tls: %s",
		    m->role, m->label, reloc_tls_version(t),
		    reloc_tls_cipher(t), via == NULL ? "yes" : "no");
	return via;
}

/* After a stream the kernel moved: the channel's TLS is non-blocking. */
static int
stream_tls_again(struct reloc__mig *m)
{
	int	fd = reloc_chan_fd(m->chan), fl;

	if (reloc_chan_tls(m->chan) == NULL)
		return 0;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		log_warn("migrate", "%s: after the stream", m->peer);
		return RELOC_ERR_IO;
	}
	return 0;
}

/*
 * The stream's lanes: the channel (fd, through tls0), then the joined
 * ones (parallel streams).  Their number.
 */
static size_t
stream_lanes(struct reloc__mig *m, int fd, struct reloc_tls *tls0,
    bool send, struct reloc__lane *lanes)
{
	size_t	n = m->lanes.n > 1 ? m->lanes.n : 1, k;

	lanes[0].fd = fd;
	lanes[0].tls = tls0;
	for (k = 1; k < n; k++) {
		lanes[k].fd = reloc_chan_fd(m->lanes.chan[k]);
		lanes[k].tls = lane_tls(m->lanes.chan[k], send);
	}
	return n;
}

/* Framed: compressed, or spread over more than one connection. */
static bool
stream_framed(const struct reloc__mig *m)
{
	return m->codecs != 0 || m->lanes.n > 1;
}

/*
 * Nothing but the connection between the backend and the peer: no rate
 * cap, no frames, no stream fault armed.  The backend then moves the
 * stream itself: on the socket, or through OpenSSL when the stream's
 * TLS is in user space and the backend takes a reloc_stream_io.
 */
static bool
stream_direct(const struct reloc__mig *m, const struct reloc__pump_opts *po,
    const struct reloc_tls *tls)
{
	if (po->rate_mbps != 0 || stream_framed(m) ||
	    reloc__fault_stream_armed(po->point))
		return false;
	return tls == NULL || m->hv->stream_io;
}

/* The backend's stream through tls in its own thread: io for its params. */
static const struct reloc_stream_io *
stream_io(struct reloc__mig *m, struct reloc_tls *tls, int fd,
    struct reloc__tls_io *tio)
{
	if (tls == NULL)
		return NULL;
	reloc__tls_io_init(tio, tls, fd, m->timeout_ms, m->peer);
	log_info("migrate", "%s %s: tls in the backend's thread, no copy "
	    "between", m->role, m->label);
	return &tio->io;
}

/*
 * What the source sends with, now that HELLO is over: the summary's codec
 * and, when -z or the key asked for compression the target does not
 * take, the note that says so (once, in the log and in xm's output).  A
 * target that takes zstd without zstd-stream (an older release) gets
 * each chunk compressed alone; the log says which.
 */
static void
src_codec(struct reloc__mig *m, const struct reloc_migrate_opts *o)
{
	struct reloc_summary	*s = &m->res->summary;

	snprintf(s->codec, sizeof(s->codec), "%s", reloc_codec_name(
	    m->codecs != 0 ? o->codec : RELOC_CODEC_NONE));
	if (m->codecs & 1u << RELOC_CODEC_ZSTD)
		log_info("migrate", "%s %s: %s", m->role, m->label,
		    m->zstd_stream ? "zstd as one stream per lane: a chunk "
		    "may refer to the 8 MiB before it" : "the target keeps "
		    "no zstd stream: each chunk compressed alone");
	if (o->codec == RELOC_CODEC_NONE || m->codecs != 0)
		return;
	if (!m->peer_codecs)
		snprintf(s->note, sizeof(s->note), "%s does not offer "
		    "compression: sending uncompressed", o->host);
	else
		snprintf(s->note, sizeof(s->note), "%s takes none of the "
		    "codecs offered: sending uncompressed", o->host);
	log_warnx("migrate", "%s %s: %s", m->role, m->label, s->note);
}

/*
 * The pair between the backend and the pump, with room for a few MiB
 * each way (as much as net.core.wmem_max and rmem_max allow): with the
 * default ~200 KiB the two threads hand over every few records, ten
 * thousand switches and more per GiB, four times what room for a few
 * MiB costs.  Not under a rate cap, whose pacing the backend's own
 * figures (its rate, the downtime it predicts) must follow closely.
 */
static int
stream_pair(const struct reloc__pump_opts *po, int sp[2])
{
	int	len = PAIR_BUF, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("migrate", "socketpair");
		return RELOC_ERR_IO;
	}
	for (i = 0; i < 2 && po->rate_mbps == 0; i++) {
		(void)setsockopt(sp[i], SOL_SOCKET, SO_SNDBUF, &len,
		    sizeof(len));
		(void)setsockopt(sp[i], SOL_SOCKET, SO_RCVBUF, &len,
		    sizeof(len));
	}
	return 0;
}

/*
 * Save through the pump: raw over the channel, or framed over the lanes.
 * The extra lanes close after it, their END frames out.
 */
static int
src_pumped(struct reloc__mig *m, int fd, struct reloc_save_params *p,
    struct reloc__pump_opts *po)
{
	struct reloc__pump_stats st = { 0, 0, "" };
	struct reloc__lane	 lanes[RELOC_STREAMS_MAX];
	struct reloc__pump	*pump = NULL;
	size_t			 n = stream_lanes(m, fd, po->tls_to, true,
				    lanes);
	int			 sp[2], rc, prc;

	if (n > 1)
		log_info("migrate", "source %s: stream over %zu connections",
		    m->label, n);
	if ((rc = stream_pair(po, sp)) < 0) {
		reloc__lanes_close(m);
		return rc;
	}
	rc = stream_framed(m) ? reloc__pump_start_framed(sp[1], lanes, n,
	    true, po, &pump) : reloc__pump_start(sp[1], fd, po, &pump);
	if (rc < 0)
		goto out;
	rc = m->hv->save(m->priv, m->dom.domid, sp[0], p);
	/* The pump sees the end of the stream, sends the rest, stops. */
	shutdown(sp[0], SHUT_WR);
	prc = reloc__pump_finish_stats(pump, &st);
	m->stream_bytes = st.raw;
	m->wire_bytes = st.wire;
	if (rc == 0)
		rc = prc;
out:
	close(sp[0]);
	close(sp[1]);
	reloc__lanes_close(m);
	return rc;
}

int
reloc__src_save(struct reloc__mig *m, const struct reloc_migrate_opts *o)
{
	struct reloc_save_params p = {
		.live = o->live,
		.max_rounds = o->max_rounds,
		.progress = reloc__mig_progress,
		.progress_arg = m,
		.max_downtime_ms = o->max_downtime_ms,
		.timeout_s = o->budget_timeout_s,
		.why = m->save_why,
		.why_len = sizeof(m->save_why),
	};
	struct reloc__pump_opts	 po = {
		.point = "src-stream",
		.total = m->dom.memory_kb * 1024ull,
		.rate_mbps = o->rate_mbps,
		.tls_to = stream_tls(m, true),
		.timeout_ms = m->timeout_ms,
		.codec = o->codec,
		.codecs = m->codecs,
		.history = m->zstd_stream,
		.peer = m->peer,
	};
	struct reloc__tls_io	 tio;
	int			 fd = stream_fd(m, po.tls_to);
	int			 rc, prc;

	if (fd == -1)
		return RELOC_ERR_IO;
	src_codec(m, o);
	if (stream_direct(m, &po, po.tls_to)) {
		p.io = stream_io(m, po.tls_to, fd, &tio);
		rc = m->hv->save(m->priv, m->dom.domid, fd, &p);
	} else
		rc = src_pumped(m, fd, &p, &po);
	prc = stream_tls_again(m);
	return rc == 0 ? prc : rc;
}

/*
 * Restore through the pump.  A framed stream ends with END frames the
 * backend never reads: after a restore that worked the pump is waited
 * for, so that they are off the channel before the next message.
 */
static int
dst_pumped(struct reloc__mig *m, int fd, struct reloc_restore_params *p,
    struct reloc__pump_opts *po, uint32_t *domid_r)
{
	struct reloc__pump_stats st = { 0, 0, "" };
	struct reloc__lane	 lanes[RELOC_STREAMS_MAX];
	struct reloc__pump	*pump = NULL;
	size_t			 n = stream_lanes(m, fd, po->tls_from, false,
				    lanes);
	bool			 framed = stream_framed(m);
	int			 sp[2], rc, prc;

	if ((rc = stream_pair(po, sp)) < 0) {
		reloc__lanes_close(m);
		return rc;
	}
	rc = framed ? reloc__pump_start_framed(sp[0], lanes, n, false, po,
	    &pump) : reloc__pump_start(fd, sp[0], po, &pump);
	if (rc == 0) {
		rc = m->hv->restore(m->priv, &m->dom, sp[1], p, domid_r);
		if (rc < 0 || !framed) {
			/* A restore that stopped early leaves the pump
			 * writing into a full pair: make that write fail
			 * before waiting for it. */
			shutdown(sp[1], SHUT_RDWR);
			reloc__pump_stop(pump);
		}
		prc = reloc__pump_finish_stats(pump, &st);
		m->stream_bytes = st.raw;
		m->wire_bytes = st.wire;
		/* A bad frame is why the restore failed: say so. */
		if (framed && prc < 0 && st.why[0] != '\0') {
			reloc__mig_message(m, "%s", st.why);
			rc = prc;
		} else if (rc == 0 && framed)
			rc = prc;
	}
	close(sp[0]);
	close(sp[1]);
	reloc__lanes_close(m);
	return rc;
}

static int
dst_restore(struct reloc__mig *m, const char *name, uint32_t *domid_r)
{
	struct reloc_restore_params p = {
		.name = name,
		.progress = reloc__mig_progress,
		.progress_arg = m,
	};
	struct reloc__pump_opts	 po = {
		.point = "dst-stream",
		.total = m->dom.memory_kb * 1024ull,
		.end_to = true,
		.tls_from = stream_tls(m, false),
		.timeout_ms = m->timeout_ms,
		.history = m->zstd_stream,
		.peer = m->peer,
	};
	struct reloc__tls_io	 tio;
	int			 fd = stream_fd(m, po.tls_from);
	int			 rc, prc;

	if (fd == -1)
		return RELOC_ERR_IO;
	if (stream_direct(m, &po, po.tls_from)) {
		p.io = stream_io(m, po.tls_from, fd, &tio);
		rc = m->hv->restore(m->priv, &m->dom, fd, &p, domid_r);
	} else
		rc = dst_pumped(m, fd, &p, &po, domid_r);
	prc = stream_tls_again(m);
	return rc == 0 ? prc : rc;
}

int
reloc__dst_restore(struct reloc__mig *m, const char *name, uint32_t *domid_r)
{
	char	why[sizeof(m->res->message)];
	int	rc;

	snprintf(why, sizeof(why), "%s", m->res->message);
	if ((rc = dst_restore(m, name, domid_r)) == 0) {
		m->local_domid = *domid_r;
		return 0;
	}
	/* A bad frame set the message: the chunk, the peer, the reason. */
	snprintf(why, sizeof(why), "%s", strcmp(why, m->res->message) == 0 ?
	    reloc_strerror(rc) : m->res->message);
	reloc__mig_message(m, "restoring %s from %s failed: %s", m->dom.name,
	    m->peer, why);
	reloc_chan_send_error(m->chan, rc, "restore failed on the target %s: "
	    "%s", m->self.hostname, why);
	return rc;
}
