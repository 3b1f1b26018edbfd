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
 * Host facts of a sim host: DIR/host.sxp field by field, else this
 * machine's own (hostname, uname, /proc/cpuinfo, and its Linux bridges
 * through the reader shared with the libxl backend).  Its host uuid is
 * made once and kept in DIR/host-uuid: every sim directory is a host of
 * its own, whichever process opens it.
 */

#include <sys/stat.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"

#define SIM_HV_VERSION	"4.17.0"
#define SIM_CAPS	"xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p " \
			"hvm-3.0-x86_64"

/* Linux /proc/cpuinfo flag names that Xen's featureset spells otherwise. */
static const struct {
	const char	*linux_name;
	const char	*xen_name;
} cpu_names[] = {
	{ "pni", "sse3" },
	{ "tsc_deadline_timer", "tsc_deadline" },
};

/* A child (key ...) of h, which is (host ...) or the file's forms. */
static const struct reloc_sxp *
host_get(const struct reloc_sxp *h, const char *key)
{
	const struct reloc_sxp	*c, *k;
	size_t			 i;

	for (i = 0; h != NULL && i < reloc_sxp_len(h); i++) {
		c = reloc_sxp_nth(h, i);
		k = reloc_sxp_nth(c, 0);
		if (k != NULL && reloc_sxp_type(k) == RELOC_SXP_ATOM &&
		    strcmp(reloc_sxp_atom(k, NULL), key) == 0)
			return c;
	}
	return NULL;
}

static const char *
host_str(const struct reloc_sxp *h, const char *key)
{
	const struct reloc_sxp	*v = reloc_sxp_nth(host_get(h, key), 1);

	if (v == NULL || reloc_sxp_type(v) != RELOC_SXP_ATOM)
		return NULL;
	return reloc_sxp_atom(v, NULL);
}

static bool
host_bool(const struct reloc_sxp *h, const char *key, bool def)
{
	const char	*v = host_str(h, key);

	if (v == NULL)
		return def;
	return strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "true") == 0;
}

/* Read DIR/host.sxp; *top_r is NULL when there is none. */
static int
host_read(const struct sim *sim, struct reloc_sxp **top_r,
    const struct reloc_sxp **h_r)
{
	char			 path[SIM_PATH_LEN];
	const struct reloc_sxp	*h;
	int			 rc;

	*top_r = NULL;
	*h_r = NULL;
	snprintf(path, sizeof(path), "%s/host.sxp", sim->dir);
	if (access(path, F_OK) == -1)
		return 0;
	if ((rc = reloc_sxp_read_file(path, top_r)) < 0)
		return rc;
	h = host_get(*top_r, "host");
	*h_r = h != NULL ? h : *top_r;
	return 0;
}

uint64_t
reloc__sim_total_kb(const struct sim *sim)
{
	struct reloc_sxp	*top;
	const struct reloc_sxp	*h;
	const char		*v;
	uint64_t		 kb = SIM_TOTAL_KB_DEFAULT;

	if (host_read(sim, &top, &h) == 0 &&
	    (v = host_str(h, "total-memory-kb")) != NULL)
		kb = strtoull(v, NULL, 10);
	reloc_sxp_free(top);
	return kb;
}

bool
reloc__sim_snapshots(const struct sim *sim)
{
	struct reloc_sxp	*top;
	const struct reloc_sxp	*h;
	bool			 yes = false;

	if (host_read(sim, &top, &h) == 0)
		yes = host_bool(h, "snapshot", false);
	reloc_sxp_free(top);
	return yes;
}

/*
 * Open DIR/snapshots/UUID.SUFFIX, for tests to cmp, empty and size bytes
 * long (a hole).  Returns the fd or -1 (logged).
 */
int
reloc__sim_snapshot_open(const struct sim *sim, const char *uuid,
    const char *suffix, uint64_t size)
{
	char	 path[SIM_PATH_LEN];
	int	 fd;

	snprintf(path, sizeof(path), "%s/snapshots", sim->dir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_warn("hv", "sim: snapshot %s", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/snapshots/%s.%s", sim->dir, uuid,
	    suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd != -1 && ftruncate(fd, (off_t)size) == 0)
		return fd;
	log_warn("hv", "sim: snapshot %s", path);
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * Pages pfn..pfn+n of mem into the snapshot *fd (from reloc__sim_snapshot_
 * open; -1: none), or zeros there when zero.  On a failure (logged) the
 * snapshot is closed and *fd set to -1: no snapshot rather than a wrong
 * one.
 */
void
reloc__sim_snapshot_put(int *fd, const uint8_t *mem, uint64_t pfn,
    uint64_t n, bool zero)
{
	off_t	 off = (off_t)(pfn << SIM_PAGE_SHIFT);
	size_t	 len = (size_t)n << SIM_PAGE_SHIFT, done;
	ssize_t	 w;

	if (*fd != -1 && zero && fallocate(*fd, FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, off, (off_t)len) == 0)
		return;
	for (done = 0; *fd != -1 && done < len; done += (size_t)w) {
		w = pwrite(*fd, mem + off + done, len - done,
		    off + (off_t)done);
		if (w > 0)
			continue;
		log_warn("hv", "sim: snapshot");
		close(*fd);
		*fd = -1;
	}
}

/* Copy domid's memory file to DIR/snapshots/UUID.SUFFIX, for tests to cmp. */
int
reloc__sim_snapshot(const struct sim *sim, uint32_t domid, const char *uuid,
    const char *suffix)
{
	char		 path[SIM_PATH_LEN];
	struct stat	 st;
	ssize_t		 n;
	int		 in = -1, out = -1, rc = RELOC_ERR_IO;

	if (reloc__sim_path(sim, domid, "memory", path) < 0 ||
	    (in = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &st) == -1) {
		log_warn("hv", "sim: snapshot of %s", path);
		goto out;
	}
	if ((out = reloc__sim_snapshot_open(sim, uuid, suffix, 0)) == -1)
		goto out;
	for (; st.st_size > 0; st.st_size -= n)
		if ((n = copy_file_range(in, NULL, out, NULL,
		    (size_t)st.st_size, 0)) <= 0) {
			log_warn("hv", "sim: snapshot of %s", path);
			goto out;
		}
	rc = 0;
out:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return rc;
}

static int
add_str(char ***v, size_t *n, const char *s)
{
	char	**nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return RELOC_ERR_NOMEM;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return RELOC_ERR_NOMEM;
	(*n)++;
	return 0;
}

static const char *
xen_feature_name(const char *flag)
{
	size_t	 i;

	for (i = 0; i < sizeof(cpu_names) / sizeof(cpu_names[0]); i++)
		if (strcmp(cpu_names[i].linux_name, flag) == 0)
			return cpu_names[i].xen_name;
	return flag;
}

static void
free_strv(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* The "flags" line of /proc/cpuinfo as Xen feature names. */
static int
cpu_flags(char *line, char ***v_r, size_t *n_r)
{
	char	*tok, *save = NULL;
	int	 rc;

	if ((line = strchr(line, ':')) == NULL)
		return 0;
	for (tok = strtok_r(line + 1, " \t\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\n", &save))
		if ((rc = add_str(v_r, n_r, xen_feature_name(tok))) < 0)
			return rc;
	return 0;
}

/*
 * This machine's CPU vendor and features from /proc/cpuinfo (the first
 * CPU).  Both malloc'ed; a missing file gives "unknown" and no features.
 */
static int
host_cpu(char **vendor_r, char ***features_r, size_t *n_r)
{
	char	 line[8192], *vendor = NULL, *p, **v = NULL;
	size_t	 n = 0;
	FILE	*f;
	int	 rc = 0;

	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
			if (vendor == NULL &&
			    strncmp(line, "vendor_id", 9) == 0 &&
			    (p = strchr(line, ':')) != NULL) {
				p += strspn(p + 1, " \t") + 1;
				p[strcspn(p, "\n")] = '\0';
				if ((vendor = strdup(p)) == NULL)
					rc = RELOC_ERR_NOMEM;
			} else if (n == 0 && strncmp(line, "flags", 5) == 0)
				rc = cpu_flags(line, &v, &n);
		}
		fclose(f);
	}
	if (rc == 0 && vendor == NULL && (vendor = strdup("unknown")) == NULL)
		rc = RELOC_ERR_NOMEM;
	if (rc < 0) {
		free(vendor);
		free_strv(v, n);
		return rc;
	}
	*vendor_r = vendor;
	*features_r = v;
	*n_r = n;
	return 0;
}

/* Find or add the bridge called name. */
static struct reloc_bridge *
bridge_slot(struct reloc_bridge **br, size_t *n, const char *name)
{
	struct reloc_bridge	*nb;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*br)[i].name, name) == 0)
			return &(*br)[i];
	if ((nb = reallocarray(*br, *n + 1, sizeof(*nb))) == NULL)
		return NULL;
	*br = nb;
	memset(&nb[*n], 0, sizeof(nb[*n]));
	if ((nb[*n].name = strdup(name)) == NULL)
		return NULL;
	nb[*n].mtu = 1500;
	return &nb[(*n)++];
}

static int
set_str(char **dst, const char *v)
{
	char	*s;

	if (v == NULL)
		return 0;
	if ((s = strdup(v)) == NULL)
		return RELOC_ERR_NOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static int
hi_defaults(struct reloc_hostinfo *hi)
{
	char		 host[256];
	struct utsname	 u;
	int		 rc;

	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (uname(&u) == -1)
		strcpy(u.machine, "x86_64");
	if ((rc = set_str(&hi->hostname, host)) < 0 ||
	    (rc = set_str(&hi->hv_version, SIM_HV_VERSION)) < 0 ||
	    (rc = set_str(&hi->arch, u.machine)) < 0 ||
	    (rc = set_str(&hi->caps, SIM_CAPS)) < 0)
		return rc;
	hi->cap_pv = hi->cap_hvm = hi->cap_hap = hi->cap_shadow = true;
	if ((rc = host_cpu(&hi->cpu_vendor, &hi->cpu_features,
	    &hi->nr_cpu_features)) < 0)
		return rc;
	return reloc__xenfacts_bridges("/sys/class/net", &hi->bridges,
	    &hi->nr_bridges);
}

static int
hi_features(struct reloc_hostinfo *hi, const struct reloc_sxp *l)
{
	const struct reloc_sxp	*a;
	size_t			 i;
	int			 rc;

	free_strv(hi->cpu_features, hi->nr_cpu_features);
	hi->cpu_features = NULL;
	hi->nr_cpu_features = 0;
	for (i = 1; i < reloc_sxp_len(l); i++) {
		a = reloc_sxp_nth(l, i);
		if (reloc_sxp_type(a) == RELOC_SXP_ATOM &&
		    (rc = add_str(&hi->cpu_features, &hi->nr_cpu_features,
		    reloc_sxp_atom(a, NULL))) < 0)
			return rc;
	}
	return 0;
}

static int
hi_bridges(struct reloc_hostinfo *hi, const struct reloc_sxp *l)
{
	const struct reloc_sxp	*b;
	struct reloc_bridge	*slot;
	const char		*v;
	size_t			 i;
	int			 rc;

	reloc__xenfacts_bridges_free(hi->bridges, hi->nr_bridges);
	hi->bridges = NULL;
	hi->nr_bridges = 0;
	for (i = 1; i < reloc_sxp_len(l); i++) {
		b = reloc_sxp_nth(l, i);
		if ((v = host_str(b, "name")) == NULL)
			continue;
		if ((slot = bridge_slot(&hi->bridges, &hi->nr_bridges, v)) ==
		    NULL || (rc = set_str(&slot->subnet,
		    host_str(b, "subnet"))) < 0)
			return RELOC_ERR_NOMEM;
		if ((v = host_str(b, "mtu")) != NULL)
			slot->mtu = (unsigned)strtoul(v, NULL, 10);
	}
	return 0;
}

/* host.sxp overrides the defaults field by field. */
static int
hi_apply(struct reloc_hostinfo *hi, const struct reloc_sxp *h)
{
	const struct reloc_sxp	*l;
	int			 rc;

	if ((rc = set_str(&hi->hostname, host_str(h, "hostname"))) < 0 ||
	    (rc = set_str(&hi->hv_version, host_str(h, "hv-version"))) < 0 ||
	    (rc = set_str(&hi->arch, host_str(h, "arch"))) < 0 ||
	    (rc = set_str(&hi->caps, host_str(h, "caps"))) < 0 ||
	    (rc = set_str(&hi->cpu_vendor, host_str(h, "cpu-vendor"))) < 0)
		return rc;
	hi->cap_pv = host_bool(h, "cap-pv", hi->cap_pv);
	hi->cap_hvm = host_bool(h, "cap-hvm", hi->cap_hvm);
	hi->cap_hap = host_bool(h, "cap-hap", hi->cap_hap);
	hi->cap_shadow = host_bool(h, "cap-shadow", hi->cap_shadow);
	if ((l = host_get(h, "cpu-features")) != NULL &&
	    (rc = hi_features(hi, l)) < 0)
		return rc;
	if ((l = host_get(h, "bridges")) != NULL &&
	    (rc = hi_bridges(hi, l)) < 0)
		return rc;
	return 0;
}

/*
 * DIR/host-uuid, made on first use.  Made under a temporary name and
 * linked into place, so that two processes racing to make it agree on
 * the one that got there first.
 */
static int
sim_host_uuid(const struct sim *sim, char uuid[37])
{
	char	path[SIM_PATH_LEN], tmp[SIM_PATH_LEN + 32], text[38];
	int	fd, r, rc;

	snprintf(path, sizeof(path), "%s/host-uuid", sim->dir);
	if ((rc = reloc__hostid_read(path, uuid)) != RELOC_ERR_NOENT)
		goto out;
	if ((rc = reloc__uuid_new(uuid)) < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	snprintf(text, sizeof(text), "%s\n", uuid);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		log_warn("hv", "sim: create %s", tmp);
		return reloc__errno_to_err(errno);
	}
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	if (close(fd) == -1 || r == -1 || (link(tmp, path) == -1 &&
	    errno != EEXIST)) {
		/* A full disk stays a full disk (ENOSPC) for the peer. */
		rc = reloc__errno_to_err(errno);
		log_warn("hv", "sim: write %s", path);
		unlink(tmp);
		return rc < 0 ? rc : RELOC_ERR_IO;
	}
	unlink(tmp);
	rc = reloc__hostid_read(path, uuid);
out:
	if (rc == RELOC_ERR_INVAL)
		log_warnx("hv", "sim: %s: not a host uuid: remove it to make "
		    "a new one", path);
	else if (rc < 0)
		log_warnx("hv", "sim: cannot read %s: %s", path,
		    reloc_strerror(rc));
	return rc;
}

int
reloc__sim_host_info(const struct sim *sim, struct reloc_hostinfo *hi_r)
{
	struct reloc_hostinfo	 hi = { 0 };
	struct reloc_sxp	*top = NULL;
	const struct reloc_sxp	*h;
	uint64_t		 total, used;
	int			 rc;

	if ((rc = hi_defaults(&hi)) < 0 ||
	    (rc = host_read(sim, &top, &h)) < 0 ||
	    (h != NULL && (rc = hi_apply(&hi, h)) < 0) ||
	    (rc = sim_host_uuid(sim, hi.host_uuid)) < 0 ||
	    (rc = reloc__sim_used_kb(sim, &used)) < 0)
		goto fail;
	if (sscanf(hi.hv_version, "%u.%u", &hi.hv_major, &hi.hv_minor) != 2) {
		log_warnx("hv", "sim: %s/host.sxp: bad hv-version %s",
		    sim->dir, hi.hv_version);
		rc = RELOC_ERR_CONFIG;
		goto fail;
	}
	total = reloc__sim_total_kb(sim);
	hi.free_memory_kb = used < total ? total - used : 0;
	reloc_sxp_free(top);
	*hi_r = hi;
	return 0;
fail:
	reloc_sxp_free(top);
	reloc_hostinfo_dispose(&hi);
	return rc;
}
