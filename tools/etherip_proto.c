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
 * The EtherIP wire format (RFC 3378) and the checks the receive path makes
 * on each packet.  Pure functions on byte buffers, so the unit tests can
 * feed them anything.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "etherip.h"

/* Indexed by enum etherip_pkt; a switch would only restate the table. */
static const char *const pkt_names[ETHERIP_PKT_NKINDS] = {
	[ETHERIP_PKT_OK] = "ok",
	[ETHERIP_PKT_SHORT] = "short",
	[ETHERIP_PKT_VERSION] = "version",
	[ETHERIP_PKT_RESERVED] = "reserved",
	[ETHERIP_PKT_RUNT] = "runt",
	[ETHERIP_PKT_BADIP] = "badip",
	[ETHERIP_PKT_PEER] = "peer",
};

void
etherip_hdr_encode(uint8_t *buf)
{
	/* Version in the four most significant bits, as the RFC draws it. */
	buf[0] = ETHERIP_VERSION << 4;
	buf[1] = 0;
}

enum etherip_pkt
etherip_hdr_decode(const uint8_t *buf, size_t len)
{
	if (len < ETHERIP_HLEN)
		return ETHERIP_PKT_SHORT;
	/*
	 * Old FreeBSD releases sent the nibbles swapped (0x03 0x00); the RFC
	 * says to drop anything that is not version 3, and so do we.
	 */
	if ((buf[0] >> 4) != ETHERIP_VERSION)
		return ETHERIP_PKT_VERSION;
	if ((buf[0] & 0x0f) != 0 || buf[1] != 0)
		return ETHERIP_PKT_RESERVED;
	if (len - ETHERIP_HLEN < ETHERIP_ETH_MIN)
		return ETHERIP_PKT_RUNT;
	return ETHERIP_PKT_OK;
}

enum etherip_pkt
etherip_ipv4_decode(const uint8_t *buf, size_t len, size_t *off_r)
{
	size_t	ihl;

	if (len < 20 || (buf[0] >> 4) != 4)
		return ETHERIP_PKT_BADIP;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len || buf[9] != ETHERIP_IPPROTO)
		return ETHERIP_PKT_BADIP;
	*off_r = ihl;
	return ETHERIP_PKT_OK;
}

const char *
etherip_pkt_name(enum etherip_pkt v)
{
	if ((unsigned)v >= ETHERIP_PKT_NKINDS)
		return "unknown";
	return pkt_names[v];
}

int
etherip_addr_parse(const char *s, struct etherip_addr *a_r)
{
	struct etherip_addr	 a;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		a.family = sin->sin_family = AF_INET;
		a.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		a.family = sin6->sin6_family = AF_INET6;
		a.len = sizeof(*sin6);
	} else
		return -1;
	*a_r = a;
	return 0;
}

bool
etherip_addr_match(const struct etherip_addr *a, const struct sockaddr *sa,
    socklen_t len)
{
	const struct sockaddr_in	*x4, *y4;
	const struct sockaddr_in6	*x6, *y6;

	if (sa->sa_family != a->family || len < a->len)
		return false;
	if (a->family == AF_INET) {
		x4 = (const struct sockaddr_in *)&a->ss;
		y4 = (const struct sockaddr_in *)sa;
		return x4->sin_addr.s_addr == y4->sin_addr.s_addr;
	}
	x6 = (const struct sockaddr_in6 *)&a->ss;
	y6 = (const struct sockaddr_in6 *)sa;
	return memcmp(&x6->sin6_addr, &y6->sin6_addr,
	    sizeof(x6->sin6_addr)) == 0;
}
