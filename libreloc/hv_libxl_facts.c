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
 * Host facts of a Xen host, decoded from plain values: featureset words to
 * Xen's feature names, version and capability strings, /proc/cpuinfo, the
 * bridges in sysfs, and libxc's progress lines.  No libxl here, so all of
 * it is built and tested on machines without Xen.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "cpufeatures.h"

#define NR_CPUFEATURES	(sizeof(cpufeatures) / sizeof(cpufeatures[0]))
/* libxc sends x86 pages of 4 KiB. */
#define XEN_PAGE_SIZE	4096u
/* Enough of /proc/cpuinfo to reach the first vendor_id line. */
#define CPUINFO_MAX	65536
/* Progress inside a round is reported at most this often. */
#define PROGRESS_EVERY_NS	(200ull * 1000 * 1000)

int
reloc__xenfacts_dup(const char *s, char **dst)
{
	if ((*dst = strdup(s)) == NULL) {
		log_warn("hv", "strdup");
		return RELOC_ERR_NOMEM;
	}
	return 0;
}

const char *
reloc__xenfacts_feature_name(unsigned word, unsigned bit)
{
	size_t	 i;

	if (bit >= 32)
		return NULL;
	for (i = 0; i < NR_CPUFEATURES; i++)
		if (cpufeatures[i].index == word * 32 + bit)
			return cpufeatures[i].name;
	return NULL;
}

int
reloc__xenfacts_feature_lookup(const char *name, unsigned *word_r,
    unsigned *bit_r)
{
	size_t	 i;

	for (i = 0; i < NR_CPUFEATURES; i++) {
		if (strcmp(cpufeatures[i].name, name) == 0) {
			*word_r = cpufeatures[i].index / 32;
			*bit_r = cpufeatures[i].index % 32;
			return 0;
		}
	}
	return RELOC_ERR_NOENT;
}

static bool
word_bit_set(const uint32_t *words, size_t nr, unsigned index)
{
	if (index / 32 >= nr)
		return false;
	return (words[index / 32] >> (index % 32)) & 1u;
}

static void
free_strv(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Bits without a name in our table (a newer Xen than the header we were
 * built with) are left out: a feature we cannot name cannot be compared.
 */
int
reloc__xenfacts_features(const uint32_t *words, size_t nr, char ***names_r,
    size_t *n_r)
{
	char	**names;
	size_t	 i, n = 0;
	int	 rc;

	if (words == NULL && nr > 0)
		return RELOC_ERR_INVAL;
	if ((names = calloc(NR_CPUFEATURES, sizeof(*names))) == NULL) {
		log_warn("hv", "calloc");
		return RELOC_ERR_NOMEM;
	}
	for (i = 0; i < NR_CPUFEATURES; i++) {
		if (!word_bit_set(words, nr, cpufeatures[i].index))
			continue;
		rc = reloc__xenfacts_dup(cpufeatures[i].name, &names[n]);
		if (rc < 0) {
			free_strv(names, n);
			return rc;
		}
		n++;
	}
	*names_r = names;
	*n_r = n;
	return 0;
}

/*
 * Xen's capabilities list what guests it can run: "xen-3.0-x86_64" is a
 * 64-bit PV guest, "hvm-3.0-x86_32p" a PAE HVM guest.  The arch is that of
 * the first PV entry; a Xen built without PV lists only hvm-3.0-*, and the
 * last of those that is not a PAE variant names the arch.
 */
int
reloc__xenfacts_arch(const char *caps, char **arch_r)
{
	const char	*p, *best = NULL;
	size_t		 len, best_len = 0;

	for (p = caps; p != NULL && *p != '\0'; p += len) {
		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len > 8 && strncmp(p, "xen-3.0-", 8) == 0) {
			best = p + 8;
			best_len = len - 8;
			break;
		}
		if (len > 8 && strncmp(p, "hvm-3.0-", 8) == 0 &&
		    p[len - 1] != 'p') {
			best = p + 8;
			best_len = len - 8;
		}
	}
	if (best == NULL)
		return RELOC_ERR_NOENT;
	if ((*arch_r = strndup(best, best_len)) == NULL) {
		log_warn("hv", "strndup");
		return RELOC_ERR_NOMEM;
	}
	return 0;
}

int
reloc__xenfacts_cpu_vendor(const char *cpuinfo, char **vendor_r)
{
	const char	*p, *v;
	size_t		 len;

	for (p = cpuinfo; p != NULL && *p != '\0'; p += strcspn(p, "\n"),
	    p += (*p == '\n')) {
		if (strncmp(p, "vendor_id", 9) != 0)
			continue;
		v = p + 9 + strspn(p + 9, " \t");
		if (*v != ':')
			continue;
		v += 1 + strspn(v + 1, " \t");
		len = strcspn(v, "\n");
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len == 0)
			break;
		if ((*vendor_r = strndup(v, len)) == NULL) {
			log_warn("hv", "strndup");
			return RELOC_ERR_NOMEM;
		}
		return 0;
	}
	return RELOC_ERR_NOENT;
}

static int
fill_version(const struct reloc__xen_raw *raw, struct reloc_hostinfo *hi)
{
	if (raw->major < 0 || raw->minor < 0)
		return RELOC_ERR_INVAL;
	/* xen_version_extra carries its own separator: ".5", "-rc". */
	if (asprintf(&hi->hv_version, "%d.%d%s", raw->major, raw->minor,
	    raw->extra != NULL ? raw->extra : "") < 0) {
		hi->hv_version = NULL;
		log_warn("hv", "asprintf");
		return RELOC_ERR_NOMEM;
	}
	hi->hv_major = (unsigned)raw->major;
	hi->hv_minor = (unsigned)raw->minor;
	return 0;
}

int
reloc__xenfacts_fill(const struct reloc__xen_raw *raw,
    struct reloc_hostinfo *hi)
{
	int	 rc;

	if ((rc = reloc__xenfacts_dup(raw->hostname != NULL ?
	    raw->hostname : "", &hi->hostname)) < 0)
		return rc;
	if ((rc = fill_version(raw, hi)) < 0)
		return rc;
	if ((rc = reloc__xenfacts_dup(raw->caps != NULL ? raw->caps : "",
	    &hi->caps)) < 0)
		return rc;
	rc = reloc__xenfacts_arch(hi->caps, &hi->arch);
	if (rc == RELOC_ERR_NOENT) {
		log_warnx("hv", "no guest arch in xen capabilities \"%s\"",
		    hi->caps);
		rc = reloc__xenfacts_dup("unknown", &hi->arch);
	}
	if (rc < 0)
		return rc;
	hi->cap_pv = raw->cap_pv;
	hi->cap_hvm = raw->cap_hvm;
	hi->cap_hap = raw->cap_hap;
	hi->cap_shadow = raw->cap_shadow;
	rc = reloc__xenfacts_cpu_vendor(raw->cpuinfo, &hi->cpu_vendor);
	if (rc == RELOC_ERR_NOENT)
		rc = reloc__xenfacts_dup("unknown", &hi->cpu_vendor);
	if (rc < 0)
		return rc;
	if ((rc = reloc__xenfacts_features(raw->featureset, raw->nr_featureset,
	    &hi->cpu_features, &hi->nr_cpu_features)) < 0)
		return rc;
	hi->free_memory_kb = raw->free_kb;
	return 0;
}

/* A file's first max - 1 bytes, NUL-terminated (malloc'ed), or NULL. */
static char *
slurp(const char *path, size_t max)
{
	char	*buf;
	ssize_t	 r = -1;
	int	 fd;

	if ((buf = malloc(max)) == NULL)
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		r = read(fd, buf, max - 1);
		close(fd);
	}
	buf[r > 0 ? (size_t)r : 0] = '\0';
	return buf;
}

int
reloc__xenfacts_local(const struct reloc__xen_raw *raw,
    struct reloc_hostinfo *hi)
{
	struct reloc__xen_raw	 r = *raw;
	char			 host[256];
	char			*cpuinfo = NULL;
	int			 rc;

	if (r.hostname == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		r.hostname = host;
	}
	/* The vendor is in the first processor's block. */
	if (r.cpuinfo == NULL)
		r.cpuinfo = cpuinfo = slurp("/proc/cpuinfo", CPUINFO_MAX);
	rc = reloc__xenfacts_fill(&r, hi);
	free(cpuinfo);
	/* No id only costs migrations to this same host: they are refused. */
	if (rc == 0)
		(void)reloc__hostid_xen(hi->host_uuid);
	if (rc == 0)
		rc = reloc__xenfacts_bridges("/sys/class/net", &hi->bridges,
		    &hi->nr_bridges);
	return rc;
}

static unsigned
mask_prefix(const unsigned char *m, size_t len)
{
	unsigned	 bits = 0;
	size_t		 i;
	int		 b;

	for (i = 0; i < len; i++)
		for (b = 7; b >= 0; b--)
			bits += (m[i] >> b) & 1u;
	return bits;
}

int
reloc__xenfacts_subnet(const struct sockaddr *addr,
    const struct sockaddr *mask, char **subnet_r)
{
	const struct sockaddr_in	*a4, *m4;
	const struct sockaddr_in6	*a6, *m6;
	unsigned char	 a[16];
	const void	*ap, *mp;
	char		 txt[INET6_ADDRSTRLEN];
	size_t		 len, i;

	if (addr == NULL || mask == NULL)
		return RELOC_ERR_INVAL;
	if (addr->sa_family == AF_INET) {
		a4 = (const struct sockaddr_in *)(const void *)addr;
		m4 = (const struct sockaddr_in *)(const void *)mask;
		ap = &a4->sin_addr;
		mp = &m4->sin_addr;
		len = 4;
	} else if (addr->sa_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)(const void *)addr;
		m6 = (const struct sockaddr_in6 *)(const void *)mask;
		ap = &a6->sin6_addr;
		mp = &m6->sin6_addr;
		len = 16;
	} else
		return RELOC_ERR_INVAL;
	memcpy(a, ap, len);
	for (i = 0; i < len; i++)
		a[i] &= ((const unsigned char *)mp)[i];
	if (inet_ntop(addr->sa_family, a, txt, sizeof(txt)) == NULL) {
		log_warn("hv", "inet_ntop");
		return RELOC_ERR_INVAL;
	}
	if (asprintf(subnet_r, "%s/%u", txt, mask_prefix(mp, len)) < 0) {
		*subnet_r = NULL;
		return RELOC_ERR_NOMEM;
	}
	return 0;
}

void
reloc__xenfacts_bridges_free(struct reloc_bridge *br, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(br[i].name);
		free(br[i].subnet);
	}
	free(br);
}

static bool
is_bridge(const char *sysfs_net, const char *name)
{
	char		 path[512];
	struct stat	 st;

	if (snprintf(path, sizeof(path), "%s/%s/bridge", sysfs_net,
	    name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static unsigned
read_mtu(const char *sysfs_net, const char *name)
{
	char		 path[512];
	FILE		*f;
	unsigned	 mtu = 0;

	snprintf(path, sizeof(path), "%s/%s/mtu", sysfs_net, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%u", &mtu) != 1)
		mtu = 0;
	fclose(f);
	return mtu;
}

/*
 * The bridge's subnet: its IPv4 address if it has one, else a global
 * IPv6 one.  A bridge without an address (dom0 not on that network) has
 * none, which the L2 precheck treats as "cannot compare".
 */
static int
bridge_subnet(const struct ifaddrs *ifa_list, const char *name,
    char **subnet_r)
{
	const struct ifaddrs		*ifa, *v6 = NULL;
	const struct sockaddr_in6	*s6;

	for (ifa = ifa_list; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_netmask == NULL ||
		    strcmp(ifa->ifa_name, name) != 0)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			return reloc__xenfacts_subnet(ifa->ifa_addr,
			    ifa->ifa_netmask, subnet_r);
		if (ifa->ifa_addr->sa_family != AF_INET6 || v6 != NULL)
			continue;
		s6 = (const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;
		if (!IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
			v6 = ifa;
	}
	if (v6 != NULL)
		return reloc__xenfacts_subnet(v6->ifa_addr, v6->ifa_netmask,
		    subnet_r);
	return 0;
}

static int
cmp_bridge(const void *a, const void *b)
{
	return strcmp(((const struct reloc_bridge *)a)->name,
	    ((const struct reloc_bridge *)b)->name);
}

static int
add_bridge(const char *sysfs_net, const char *name,
    const struct ifaddrs *ifa, struct reloc_bridge **br, size_t *n)
{
	struct reloc_bridge	*nb, *b;
	int			 rc;

	if ((nb = reallocarray(*br, *n + 1, sizeof(**br))) == NULL) {
		log_warn("hv", "reallocarray");
		return RELOC_ERR_NOMEM;
	}
	*br = nb;
	b = &nb[*n];
	memset(b, 0, sizeof(*b));
	(*n)++;
	if ((rc = reloc__xenfacts_dup(name, &b->name)) < 0)
		return rc;
	b->mtu = read_mtu(sysfs_net, name);
	return bridge_subnet(ifa, name, &b->subnet);
}

int
reloc__xenfacts_bridges(const char *sysfs_net, struct reloc_bridge **br_r,
    size_t *n_r)
{
	struct reloc_bridge	*br = NULL;
	struct ifaddrs		*ifa = NULL;
	struct dirent		*de;
	DIR			*d;
	size_t			 n = 0;
	int			 rc = 0;

	if ((d = opendir(sysfs_net)) == NULL) {
		log_warn("hv", "opendir %s", sysfs_net);
		return reloc__errno_to_err(errno);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !is_bridge(sysfs_net, de->d_name))
			continue;
		/*
		 * The addresses only once there is a bridge (a netlink dump
		 * per precheck otherwise); without them the bridges are
		 * still worth listing.
		 */
		if (n == 0 && getifaddrs(&ifa) == -1) {
			log_warn("hv", "getifaddrs");
			ifa = NULL;
		}
		rc = add_bridge(sysfs_net, de->d_name, ifa, &br, &n);
	}
	closedir(d);
	if (ifa != NULL)
		freeifaddrs(ifa);
	if (rc < 0) {
		reloc__xenfacts_bridges_free(br, n);
		return rc;
	}
	if (n > 1)
		qsort(br, n, sizeof(*br), cmp_bridge);
	*br_r = br;
	*n_r = n;
	return 0;
}

void
reloc__xenfacts_progress_init(struct reloc__xen_progress *st)
{
	memset(st, 0, sizeof(*st));
	st->iter = -1;
	st->p.phase = RELOC_PP_PRECOPY;
}

/* A new libxc iteration began: close the books of the previous one. */
static void
progress_new_round(struct reloc__xen_progress *st, int iter,
    unsigned long total, uint64_t now_ns)
{
	uint64_t	 ms;

	if (st->iter >= 0) {
		/* In ms, so that bytes * 1000 cannot overflow. */
		ms = now_ns > st->round_start_ns ?
		    (now_ns - st->round_start_ns) / 1000000 : 0;
		st->pages_before += st->round_done;
		if (ms > 0) {
			st->p.rate_bps = st->round_done * XEN_PAGE_SIZE *
			    1000 / ms;
			/* The next round's pages were dirtied in this one. */
			st->p.dirty_pps = (uint64_t)total * 1000 / ms;
		}
	}
	if (st->p.total_pages == 0)
		st->p.total_pages = total;
	st->iter = iter;
	st->round_total = total;
	st->round_done = 0;
	st->round_start_ns = now_ns;
	st->p.round = (unsigned)iter + 1;
}

/*
 * libxc names its rounds "Frames iteration N of M" (N from 0; the round
 * after "Domain now suspended" is the last) or plain "Frames" when not
 * live, and reports done/total pages of the round every 4 MiB.
 */
static bool
progress_frames(struct reloc__xen_progress *st, const char *what,
    unsigned long done, unsigned long total, uint64_t now_ns)
{
	unsigned	 iter;
	bool		 edge;

	if (strcmp(what, "Frames") == 0)
		iter = st->iter >= 0 ? (unsigned)st->iter : 0;
	/* Xen 4.11+ says "Frames iteration N", older ones "... of MAX". */
	else if (sscanf(what, "Frames iteration %u", &iter) != 1)
		return false;
	edge = (int)iter != st->iter;
	if (edge)
		progress_new_round(st, (int)iter, total, now_ns);
	if (done > st->round_total)
		done = st->round_total;
	st->round_done = done;
	st->p.sent_bytes = (st->pages_before + done) * XEN_PAGE_SIZE;
	st->p.remaining_pages = st->round_total - done;
	if (edge || done == st->round_total ||
	    now_ns - st->last_emit_ns >= PROGRESS_EVERY_NS) {
		st->last_emit_ns = now_ns;
		return true;
	}
	return false;
}

bool
reloc__xenfacts_progress_step(struct reloc__xen_progress *st,
    const char *what, unsigned long done, unsigned long total,
    uint64_t now_ns)
{
	if (what == NULL)
		return false;
	if (strcmp(what, "Domain now suspended") == 0) {
		st->p.phase = RELOC_PP_SUSPENDED;
		st->p.suspended_ns = now_ns;
		st->last_emit_ns = now_ns;
		return true;
	}
	if (strcmp(what, "End of stream") == 0) {
		st->p.phase = RELOC_PP_DONE;
		st->p.remaining_pages = 0;
		st->last_emit_ns = now_ns;
		return true;
	}
	return progress_frames(st, what, done, total, now_ns);
}
