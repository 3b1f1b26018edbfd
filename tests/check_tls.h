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

/* What the TLS suite's files share: the lab CA's certificates, one end. */

#ifndef CHECK_TLS_H
#define CHECK_TLS_H

#include <stdbool.h>

#include <check.h>

#include "reloc.h"

/* The lab CA's files, made by tls_make_certs() (an unchecked fixture). */
extern char	*tls_dir;
void		 tls_make_certs(void);
void		 tls_remove_certs(void);

/* One end of a connection. */
struct side {
	const char		*cert;	/* in tls_dir: hostA.lab */
	const char		*key;	/* NULL: same as cert */
	const char		*conf;	/* more config forms, or NULL */
	enum reloc_tls_role	 role;
	const char		*peer_ip;	/* as this side sees it */
	const char		*peer_name;
	int			 timeout_ms;
	unsigned		 flags;
};

/* What the other process did: its rc and reason. */
struct result {
	int	rc;
	bool	ktls_send;	/* the kernel took the records over */
	bool	ktls_recv;
	char	reason[512];
};

/* The config of one end: its pair, the lab CA and CRL, then s->conf. */
struct reloc_conf *tls_conf_of(const struct side *s);

/* A connected pair over TCP on 127.0.0.1, where kernel TLS may exist. */
void		 tls_tcp_pair(int sv[2]);

TCase		*tls_load_tcase(void);
TCase		*tls_chan_tcase(void);
TCase		*tls_io_tcase(void);

#endif /* CHECK_TLS_H */
