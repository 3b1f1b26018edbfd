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
 * Private to stream_tls.c and its callers (migrate_stream.c, the TLS
 * suite): a backend's stream through the channel's TLS in the
 * backend's own thread.
 */

#ifndef RELOC_STREAM_TLS_H
#define RELOC_STREAM_TLS_H

#include "reloc-int.h"

/*
 * The backend's stream through the connection's TLS in the backend's own
 * thread (reloc_hv_ops.stream_io): io, set up by reloc__tls_io_init(),
 * goes in the save or restore params.  Everything is borrowed (tls, its
 * non-blocking socket fd, peer, the text for messages) and must outlive
 * the save or restore.  Each wait for the socket lasts timeout_ms at most
 * (<= 0: none).  bytes counts the stream's bytes moved.
 */
#define RELOC__TLS_IO_STAGE	(16 * 1024)	/* one record's payload */

struct reloc__tls_io {
	struct reloc_stream_io	 io;
	struct reloc_tls	*tls;
	int			 fd;
	int			 timeout_ms;
	const char		*peer;
	uint64_t		 bytes;
	size_t			 nstage;
	uint8_t			 stage[RELOC__TLS_IO_STAGE];
};

void	reloc__tls_io_init(struct reloc__tls_io *t, struct reloc_tls *tls,
	    int fd, int timeout_ms, const char *peer);

#endif /* RELOC_STREAM_TLS_H */
