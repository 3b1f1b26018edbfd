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
 * L2: every vif's bridge (network label) must exist on the target, on the
 * same IP subnet as on the source, and the domain's configured addresses
 * must lie inside it, or the guest wakes up on a network it cannot reach.
 */

#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

#define L2_FIX_TUNNEL \
	"carry the source's segment to %s with an L2 tunnel " \
	"(on each host: xrelocd-tunnel up PEER --bridge %s)"

#define SEP		" ,\t"
#define MAC(vif)	((vif)->mac != NULL ? (vif)->mac : "without MAC")

/* An address with a prefix length; a bare address is a /32 or /128. */
struct net {
	int		 af;
	unsigned char	 addr[16];
	unsigned	 plen;
};

static bool
net_parse(const char *s, struct net *n)
{
	char	 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long	 plen;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->af = AF_INET;
		n->plen = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->af = AF_INET6;
		n->plen = 128;
	} else
		return false;
	if (slash == NULL)
		return true;
	plen = strtoul(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || plen > n->plen)
		return false;
	n->plen = (unsigned)plen;
	return true;
}

/* True if addr (same family as n) lies inside n. */
static bool
net_has(const struct net *n, int af, const unsigned char *addr)
{
	unsigned	 full = n->plen / 8, rest = n->plen % 8;
	unsigned char	 mask;

	if (af != n->af || memcmp(n->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (addr[full] & mask);
}

/* Same subnet, however each side spelled it. */
static bool
subnet_same(const char *a, const char *b)
{
	struct net	 na, nb;

	if (!net_parse(a, &na) || !net_parse(b, &nb))
		return strcmp(a, b) == 0;
	return na.plen == nb.plen && net_has(&na, nb.af, nb.addr);
}

static const struct reloc_bridge *
bridge_find(const struct reloc_hostinfo *hi, const char *name)
{
	size_t	 i;

	for (i = 0; i < hi->nr_bridges; i++)
		if (hi->bridges[i].name != NULL &&
		    strcmp(hi->bridges[i].name, name) == 0)
			return &hi->bridges[i];
	return NULL;
}

/* Bridge-wide findings are reported for the first vif on a bridge only. */
static bool
bridge_first(const struct reloc_domain *dom, size_t i)
{
	size_t	 j;

	for (j = 0; j < i; j++)
		if (dom->vifs[j].bridge != NULL &&
		    strcmp(dom->vifs[j].bridge, dom->vifs[i].bridge) == 0)
			return false;
	return true;
}

static int
check_bridge(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_bridge *sb, const struct reloc_bridge *db)
{
	const char	*src = ctx->src->hostname, *dst = ctx->dst->hostname;
	char		 fix[512];
	int		 rc;

	if (sb != NULL && sb->subnet != NULL && db->subnet != NULL &&
	    !subnet_same(sb->subnet, db->subnet)) {
		snprintf(fix, sizeof(fix), L2_FIX_TUNNEL ", or give --force l2",
		    dst, db->name);
		rc = reloc_verdict_add(v, RELOC_SEV_ERROR, "l2",
		    "L2_SUBNET_DIFFERS", fix, "%s: bridge %s is on %s on %s "
		    "but on %s on %s", ctx->dom->name, db->name, sb->subnet,
		    src, db->subnet, dst);
		if (rc < 0)
			return rc;
	}
	if (sb != NULL && sb->mtu != 0 && db->mtu != 0 && sb->mtu != db->mtu) {
		snprintf(fix, sizeof(fix), "give both bridges the same MTU "
		    "(ip link set %s mtu %u on %s)", db->name, sb->mtu, dst);
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "l2",
		    "L2_MTU_DIFFERS", fix, "%s: bridge %s has MTU %u on %s "
		    "but %u on %s", ctx->dom->name, db->name, sb->mtu, src,
		    db->mtu, dst);
	}
	return 0;
}

/* One configured address of a vif against the target bridge's subnet. */
static int
check_addr(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_vif *vif, const struct reloc_bridge *db,
    const char *ip)
{
	const char	*dst = ctx->dst->hostname;
	struct net	 a, sn;
	char		 fix[512];

	if (!net_parse(ip, &a))
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "l2",
		    "L2_NO_IP", "fix the vif's ip= setting",
		    "%s: vif %s has ip '%s', which is not an address: only "
		    "the bridge name %s was checked", ctx->dom->name,
		    MAC(vif), ip, db->name);
	if (db->subnet == NULL || !net_parse(db->subnet, &sn) ||
	    sn.af != a.af)
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "l2",
		    "L2_SUBNET_UNKNOWN", "check the guest's addressing on "
		    "the target by hand",
		    "%s: bridge %s on %s has no %s subnet: vif %s's address "
		    "%s was not checked", ctx->dom->name, db->name, dst,
		    a.af == AF_INET6 ? "IPv6" : "IPv4", MAC(vif), ip);
	if (net_has(&sn, a.af, a.addr))
		return 0;
	snprintf(fix, sizeof(fix), "re-address the domain, " L2_FIX_TUNNEL
	    ", or give --force l2", dst, db->name);
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "l2", "L2_IP_OUTSIDE",
	    fix, "%s: vif %s has address %s, outside bridge %s's subnet %s "
	    "on %s", ctx->dom->name, MAC(vif), ip, db->name, db->subnet, dst);
}

/* vif ip= may list several addresses, separated by spaces or commas. */
static int
check_ips(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_vif *vif, const struct reloc_bridge *db)
{
	char	*copy, *tok, *save = NULL;
	int	 rc = 0;

	if (vif->ip == NULL || vif->ip[strspn(vif->ip, SEP)] == '\0')
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "l2",
		    "L2_NO_IP", "set ip= on the vif so that its subnet can "
		    "be checked", "%s: vif %s has no known IP address: only "
		    "its bridge %s was checked", ctx->dom->name, MAC(vif),
		    db->name);
	if ((copy = strdup(vif->ip)) == NULL)
		return RELOC_ERR_NOMEM;
	for (tok = strtok_r(copy, SEP, &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, SEP, &save))
		rc = check_addr(ctx, v, vif, db, tok);
	free(copy);
	return rc;
}

static int
check_vif(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    size_t i)
{
	const struct reloc_vif		*vif = &ctx->dom->vifs[i];
	const struct reloc_bridge	*db;
	char				 fix[512];
	int				 rc;

	if (vif->bridge == NULL || *vif->bridge == '\0') {
		log_debug("precheck", "%s: vif %s has no bridge: not checked",
		    ctx->dom->name, MAC(vif));
		return 0;
	}
	if ((db = bridge_find(ctx->dst, vif->bridge)) == NULL) {
		snprintf(fix, sizeof(fix), "create %s on %s and join it to "
		    "the source's (on each host: xrelocd-tunnel up PEER "
		    "--bridge %s), or give --force l2", vif->bridge,
		    ctx->dst->hostname, vif->bridge);
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "l2",
		    "L2_BRIDGE_MISSING", fix, "%s: vif %s uses bridge %s, "
		    "which %s does not have", ctx->dom->name, MAC(vif),
		    vif->bridge, ctx->dst->hostname);
	}
	if (bridge_first(ctx->dom, i) && (rc = check_bridge(ctx, v,
	    bridge_find(ctx->src, vif->bridge), db)) < 0)
		return rc;
	return check_ips(ctx, v, vif, db);
}

int
reloc__precheck_l2(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < ctx->dom->nr_vifs; i++)
		if ((rc = check_vif(ctx, v, i)) < 0)
			return rc;
	return 0;
}
