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
 * What chan.c and chan_tls.c share: the channel's fields and the waits
 * both the plain and the TLS paths use.
 */

#ifndef RELOC_CHAN_INT_H
#define RELOC_CHAN_INT_H

#include <sys/socket.h>

#include "reloc-int.h"

#define CHAN	"chan"

struct reloc_chan {
	int			 fd;
	char			*peer;
	int			 timeout_ms;	/* <= 0: no deadline */
	bool			 sent_nothing;
	struct sockaddr_storage	 local;
	socklen_t		 local_len;
	struct sockaddr_storage	 remote;
	socklen_t		 remote_len;
	struct reloc_tls	*tls;		/* after start_tls, or NULL */
	uint8_t			 heard[RELOC_CHAN_HEARD_MAX];
	size_t			 nheard;	/* first bytes, before TLS */
};

/* CLOCK_MONOTONIC now + timeout_ms, in ms; -1 when timeout_ms <= 0. */
int64_t	reloc__chan_deadline(int timeout_ms);
/*
 * Wait until chan's fd is ready for events or the deadline passes; the
 * timeout is logged with what.  0, RELOC_ERR_TIMEOUT or an errno's error.
 */
int	reloc__chan_wait(struct reloc_chan *chan, short events,
	    int64_t deadline, const char *what);
/* The poll() timeout left until deadline (-1: none). */
int	reloc__chan_left(int64_t deadline);
/* "192.0.2.1:8002", "[2001:db8::1]:8002" or "unix" into buf. */
void	reloc__chan_addr_format(const struct sockaddr *sa, socklen_t len,
	    char *buf, size_t size);
/* chan_tls.c: as chan.c's write_all() and read_all(), through chan->tls. */
int	reloc__chan_tls_write(struct reloc_chan *chan, const uint8_t *buf,
	    size_t len, int64_t deadline, const char *what, size_t *done_r);
int	reloc__chan_tls_read(struct reloc_chan *chan, uint8_t *buf,
	    size_t len, int64_t deadline, const char *what);

#endif /* RELOC_CHAN_INT_H */
