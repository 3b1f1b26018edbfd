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
 * xrelocd-etherip: an EtherIP (RFC 3378) endpoint bridging a TAP device to
 * a raw IP socket (protocol 97).  This header is shared by the endpoint's
 * files and by the unit tests of its pure parts (etherip_proto.c).
 */

#ifndef ETHERIP_H
#define ETHERIP_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHERIP_IPPROTO		97	/* IANA: "ETHERIP" */
#define ETHERIP_VERSION		3	/* RFC 3378 section 3 */
#define ETHERIP_HLEN		2	/* 4 bits version, 12 bits reserved */
#define ETHERIP_ETH_MIN		14	/* an Ethernet header, no payload */
#define ETHERIP_FRAME_MAX	65535	/* largest frame read from the TAP */

/* What the receive path thinks of a packet; ETHERIP_PKT_OK is forwarded. */
enum etherip_pkt {
	ETHERIP_PKT_OK,
	ETHERIP_PKT_SHORT,	/* shorter than an EtherIP header */
	ETHERIP_PKT_VERSION,	/* version field is not 3 */
	ETHERIP_PKT_RESERVED,	/* reserved bits are not zero */
	ETHERIP_PKT_RUNT,	/* no complete Ethernet header inside */
	ETHERIP_PKT_BADIP,	/* malformed or non-EtherIP IPv4 header */
	ETHERIP_PKT_PEER,	/* not sent by the configured remote */
	ETHERIP_PKT_NKINDS
};

/* Counters kept by the forwarding loop and logged on SIGUSR1 and exit. */
struct etherip_stats {
	uint64_t	tx_frames;	/* TAP -> network */
	uint64_t	tx_bytes;
	uint64_t	tx_errors;
	uint64_t	rx_frames;	/* network -> TAP */
	uint64_t	rx_bytes;
	uint64_t	rx_errors;
	uint64_t	rx_drop[ETHERIP_PKT_NKINDS];
};

/* A parsed IPv4 or IPv6 address with its family (no port). */
struct etherip_addr {
	int		family;		/* AF_INET or AF_INET6 */
	struct sockaddr_storage ss;
	socklen_t	len;
};

/* etherip_proto.c: pure encode/decode, no I/O, no logging. */
/* Write the 2-byte RFC 3378 header (0x30 0x00) at buf. */
void	etherip_hdr_encode(uint8_t *buf);
/* Check the EtherIP header and the Ethernet frame behind it. */
enum etherip_pkt etherip_hdr_decode(const uint8_t *buf, size_t len);
/*
 * Check an IPv4 packet as a raw socket delivers it (header included):
 * version, header length, protocol 97.  On ETHERIP_PKT_OK *off_r is the
 * offset of the EtherIP header.
 */
enum etherip_pkt etherip_ipv4_decode(const uint8_t *buf, size_t len,
	    size_t *off_r);
/* A short name for a verdict ("version", "peer"...), for counters. */
const char *etherip_pkt_name(enum etherip_pkt v);
/* Parse a numeric IPv4 or IPv6 address; -1 if it is neither. */
int	etherip_addr_parse(const char *s, struct etherip_addr *a_r);
/* Whether the address part of sa (of length len) equals a. */
bool	etherip_addr_match(const struct etherip_addr *a,
	    const struct sockaddr *sa, socklen_t len);

/* etherip_io.c: the TAP device, the raw socket and the forwarding loop. */
struct etherip_tun {
	int		 tapfd;
	int		 sockfd;
	struct etherip_addr local;
	struct etherip_addr remote;
	struct etherip_stats st;
};

/* Create or attach the TAP device name; returns its fd or -1. */
int	etherip_tap_open(const char *name);
/* A raw protocol-97 socket bound to local and connected to remote. */
int	etherip_sock_open(const struct etherip_addr *local,
	    const struct etherip_addr *remote);
/* Forward frames both ways until SIGTERM or SIGINT; 0, or -1 on error. */
int	etherip_run(struct etherip_tun *t);
/* Log the counters at the given syslog priority. */
void	etherip_stats_log(const struct etherip_stats *st, int pri);

/* xrelocd-etherip.c */
/* Log to stderr (foreground) or syslog; keeps errno. */
void	etherip_log(int pri, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* ETHERIP_H */
