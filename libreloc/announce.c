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
 * After a domain runs on its new host, announce each vif's MAC on its
 * bridge so switches learn the new port at once: a RARP frame, as vMotion
 * and QEMU send, or a gratuitous ARP when the vif's IPv4 address is known.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

#define ETH_P_RARP_	0x8035
#define ETH_P_ARP_	0x0806

struct arp_frame {
	uint8_t		dst[6], src[6];
	uint16_t	type;
	uint16_t	htype, ptype;
	uint8_t		hlen, plen;
	uint16_t	op;
	uint8_t		sha[6];
	uint8_t		spa[4];
	uint8_t		tha[6];
	uint8_t		tpa[4];
	uint8_t		pad[18];	/* to the 60-byte Ethernet minimum */
} __attribute__((packed));

static int
mac_parse(const char *s, uint8_t mac[6])
{
	unsigned	b[6];
	int		i;

	if (s == NULL || sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2],
	    &b[3], &b[4], &b[5]) != 6)
		return RELOC_ERR_INVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return RELOC_ERR_INVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/*
 * Build the frame for a vif: gratuitous ARP (request for its own address)
 * when ip is an IPv4 address, else RARP "reverse request" as QEMU does.
 */
int
reloc__announce_frame(const char *mac, const char *ip, uint8_t *buf,
    size_t len)
{
	struct arp_frame	f;
	struct in_addr		in;
	bool			garp;

	if (len < sizeof(f) || mac_parse(mac, f.src) < 0)
		return RELOC_ERR_INVAL;
	garp = ip != NULL && inet_pton(AF_INET, ip, &in) == 1;
	memset(f.dst, 0xff, sizeof(f.dst));
	f.type = htons(garp ? ETH_P_ARP_ : ETH_P_RARP_);
	f.htype = htons(1);
	f.ptype = htons(0x0800);
	f.hlen = 6;
	f.plen = 4;
	f.op = htons(garp ? 1 : 3);
	memcpy(f.sha, f.src, 6);
	memcpy(f.tha, garp ? (const uint8_t[6]){ 0 } : f.src, 6);
	memset(f.spa, 0, 4);
	memset(f.tpa, 0, 4);
	if (garp) {
		memcpy(f.spa, &in, 4);
		memcpy(f.tpa, &in, 4);
	}
	memset(f.pad, 0, sizeof(f.pad));
	memcpy(buf, &f, sizeof(f));
	return (int)sizeof(f);
}

static int
send_on(int fd, const char *bridge, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll	sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(bridge);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sll.sll_ifindex == 0)
		return RELOC_ERR_NOENT;
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll,
	    sizeof(sll)) == -1)
		return reloc__errno_to_err(errno);
	return 0;
}

int
reloc_announce(const struct reloc_domain *dom)
{
	uint8_t	frame[64];
	size_t	i;
	int	fd, n, rc, sent = 0;

	if (dom->nr_vifs == 0)
		return 0;
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1) {
		log_debug("announce", "%s: no raw socket (%s): MACs not "
		    "announced", dom->name, strerror(errno));
		return RELOC_ERR_DENIED;
	}
	for (i = 0; i < dom->nr_vifs; i++) {
		const struct reloc_vif *v = &dom->vifs[i];

		if (v->bridge == NULL || (n = reloc__announce_frame(v->mac,
		    v->ip, frame, sizeof(frame))) < 0)
			continue;
		if ((rc = send_on(fd, v->bridge, frame, (size_t)n)) < 0) {
			log_debug("announce", "%s: %s on %s: %s", dom->name,
			    v->mac, v->bridge, reloc_strerror(rc));
			continue;
		}
		sent++;
		log_debug("announce", "%s: announced %s on %s (%s)",
		    dom->name, v->mac, v->bridge, v->ip != NULL ?
		    "gratuitous ARP" : "RARP");
	}
	close(fd);
	return sent;
}
