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
 * The sim hypervisor backend: a faithful stand-in for Xen on machines
 * without it.  This file holds the ops table and the domain lifecycle;
 * hv_sim_dom.c the directory, hv_sim_guest.c the guest process,
 * hv_sim_host.c host facts, hv_sim_save.c (rounds), hv_sim_send.c
 * (records) and hv_sim_restore.c the stream, hv_sim_mem.c the memory
 * mapping around it.
 */

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "hv_sim.h"

int
reloc__sim_open_dir(const char *dir, void **priv_r)
{
	struct sim	*sim;
	char		 path[SIM_PATH_LEN];

	if (dir == NULL || *dir == '\0' || strlen(dir) > SIM_PATH_LEN / 2) {
		log_warnx("hv", "sim: no usable xrelocd-sim-dir");
		return RELOC_ERR_CONFIG;
	}
	snprintf(path, sizeof(path), "%s/dom", dir);
	if ((mkdir(dir, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(path, 0755) == -1 && errno != EEXIST)) {
		log_warn("hv", "sim: mkdir %s", path);
		return reloc__errno_to_err(errno);
	}
	if ((sim = calloc(1, sizeof(*sim))) == NULL ||
	    (sim->dir = strdup(dir)) == NULL) {
		free(sim);
		return RELOC_ERR_NOMEM;
	}
	*priv_r = sim;
	return 0;
}

static int
sim_open(const struct reloc_conf *conf, void **priv_r)
{
	return reloc__sim_open_dir(reloc_conf_str(conf, RELOC_CK_SIM_DIR),
	    priv_r);
}

static void
sim_close(void *priv)
{
	struct sim	*sim = priv;

	if (sim == NULL)
		return;
	free(sim->dir);
	free(sim);
}

static int
sim_list(void *priv, struct reloc_domain **doms_r, size_t *n_r)
{
	struct reloc_domain	*doms = NULL;
	uint32_t		*ids;
	size_t			 i, n, got = 0;
	int			 rc;

	if ((rc = reloc__sim_domids(priv, &ids, &n)) < 0)
		return rc;
	if (n > 0 && (doms = calloc(n, sizeof(*doms))) == NULL) {
		free(ids);
		return RELOC_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		/* A domain destroyed meanwhile is simply not listed. */
		if (reloc__sim_dom_read(priv, ids[i], &doms[got]) < 0)
			continue;
		free(doms[got].config);
		doms[got].config = NULL;
		doms[got].config_len = 0;
		got++;
	}
	free(ids);
	*doms_r = doms;
	*n_r = got;
	return 0;
}

static int
sim_describe(void *priv, const char *dom, struct reloc_domain *dom_r)
{
	uint32_t	 domid;
	int		 rc;

	if ((rc = reloc__sim_resolve(priv, dom, &domid)) < 0)
		return rc;
	return reloc__sim_dom_read(priv, domid, dom_r);
}

static int
sim_host_info(void *priv, struct reloc_hostinfo *hi_r)
{
	return reloc__sim_host_info(priv, hi_r);
}

static int
sim_save(void *priv, uint32_t domid, int fd,
    const struct reloc_save_params *p)
{
	return reloc__sim_save(priv, domid, fd, p);
}

static int
sim_restore(void *priv, const struct reloc_domain *dom, int fd,
    const struct reloc_restore_params *p, uint32_t *domid_r)
{
	return reloc__sim_restore(priv, dom, fd, p, domid_r);
}

static int
sim_rename(void *priv, uint32_t domid, const char *name)
{
	if (name == NULL || *name == '\0')
		return RELOC_ERR_INVAL;
	return reloc__sim_rename(priv, domid, name);
}

/* The guest of a domain that exists and has one. */
static int
guest_pid(const struct sim *sim, uint32_t domid, pid_t *pid_r)
{
	int	 rc;

	if ((rc = reloc__sim_pid(sim, domid, pid_r)) < 0) {
		log_warnx("hv", "sim: domain %" PRIu32 " has no guest", domid);
		return rc;
	}
	if (!reloc__sim_guest_alive(*pid_r)) {
		log_warnx("hv", "sim: domain %" PRIu32 ": guest %ld is gone",
		    domid, (long)*pid_r);
		return RELOC_ERR_HV;
	}
	return 0;
}

static int
sim_pause(void *priv, uint32_t domid)
{
	pid_t	 pid;
	int	 rc;

	if ((rc = guest_pid(priv, domid, &pid)) < 0 ||
	    (rc = reloc__sim_guest_stop(pid)) < 0)
		return rc;
	return reloc__sim_dom_set_state(priv, domid, RELOC_DS_PAUSED);
}

static int
sim_unpause(void *priv, uint32_t domid)
{
	pid_t	 pid;
	int	 rc;

	if ((rc = guest_pid(priv, domid, &pid)) < 0 ||
	    (rc = reloc__sim_dom_set_state(priv, domid, RELOC_DS_RUNNING)) < 0)
		return rc;
	return reloc__sim_guest_cont(pid);
}

/* After a save (good or failed) the guest runs again. */
static int
sim_resume(void *priv, uint32_t domid)
{
	int	 rc;

	if ((rc = sim_unpause(priv, domid)) == 0)
		log_info("hv", "sim: domain %" PRIu32 " resumed", domid);
	return rc;
}

/*
 * A domain saved and never resumed holds its memory as it was at pause:
 * the test snapshot compared with the target's is taken here, after the
 * downtime window rather than inside it.
 */
static void
pre_snapshot(void *priv, uint32_t domid)
{
	struct reloc_domain	 d = { 0 };

	if (reloc__sim_snapshots(priv) &&
	    reloc__sim_dom_read(priv, domid, &d) == 0 &&
	    d.state == RELOC_DS_SUSPENDED)
		(void)reloc__sim_snapshot(priv, domid, d.uuid, "pre");
	reloc_domain_dispose(&d);
}

static int
sim_destroy(void *priv, uint32_t domid)
{
	char	 path[SIM_PATH_LEN];
	pid_t	 pid;
	int	 lock = -1, rc;

	if ((rc = reloc__sim_path(priv, domid, "config.sxp", path)) < 0)
		return rc;
	if (domid == 0 || access(path, F_OK) == -1) {
		log_warnx("hv", "sim: no domain %" PRIu32, domid);
		return RELOC_ERR_NOENT;
	}
	pre_snapshot(priv, domid);
	if (reloc__sim_pid(priv, domid, &pid) == 0)
		reloc__sim_guest_kill(pid);
	if ((rc = reloc__sim_lock(priv, &lock)) < 0)
		return rc;
	reloc__sim_remove(priv, domid);
	reloc__sim_unlock(lock);
	log_info("hv", "sim: domain %" PRIu32 " destroyed", domid);
	return 0;
}

const struct reloc_hv_ops reloc__hv_sim_ops = {
	.name = "sim",
	.stream_io = true,
	.open = sim_open,
	.close = sim_close,
	.list = sim_list,
	.describe = sim_describe,
	.host_info = sim_host_info,
	.save = sim_save,
	.resume = sim_resume,
	.restore = sim_restore,
	.rename = sim_rename,
	.pause = sim_pause,
	.unpause = sim_unpause,
	.destroy = sim_destroy,
};

/* dom as created: a uuid, the sim config blob, the starting state. */
static int
new_dom(const struct reloc_domain *dom, unsigned rate_mb, bool paused,
    struct reloc_domain *d)
{
	char	 blob[64];
	int	 rc;

	if (dom->name == NULL || *dom->name == '\0' || dom->memory_kb == 0 ||
	    dom->memory_kb % (SIM_PAGE_SIZE / 1024) != 0) {
		log_warnx("hv", "sim: create: need a name and memory in "
		    "whole pages");
		return RELOC_ERR_INVAL;
	}
	if ((rc = reloc_domain_copy(dom, d)) < 0)
		return rc;
	if (d->uuid[0] == '\0' && (rc = reloc__uuid_new(d->uuid)) < 0)
		goto fail;
	snprintf(blob, sizeof(blob), "(sim (dirty-rate-mb %u))", rate_mb);
	free(d->config);
	if ((d->config = strdup(blob)) == NULL) {
		rc = RELOC_ERR_NOMEM;
		goto fail;
	}
	d->config_len = strlen(blob);
	d->state = paused ? RELOC_DS_PAUSED : RELOC_DS_RUNNING;
	return 0;
fail:
	reloc_domain_dispose(d);
	return rc;
}

/* Like a Xen guest without a cpuid policy: it runs with the host's. */
static int
host_features(const struct sim *sim, struct reloc_domain *d)
{
	struct reloc_hostinfo	 hi = { 0 };
	int			 rc;

	if (d->nr_cpu_features > 0)
		return 0;
	if ((rc = reloc__sim_host_info(sim, &hi)) < 0)
		return rc;
	d->cpu_features = hi.cpu_features;
	d->nr_cpu_features = hi.nr_cpu_features;
	hi.cpu_features = NULL;
	hi.nr_cpu_features = 0;
	reloc_hostinfo_dispose(&hi);
	return 0;
}

int
reloc__sim_create_with(void *priv, const struct reloc_domain *dom,
    const struct reloc__sim_create_opts *o, uint32_t *domid_r)
{
	struct sim		*sim = priv;
	struct reloc_domain	 d = { 0 };
	int			 rc;

	if (o->fill == RELOC_SIM_FILL_SPARSE)
		return RELOC_ERR_INVAL;
	if ((rc = new_dom(dom, o->rate_mb, o->paused, &d)) < 0)
		return rc;
	if ((rc = host_features(sim, &d)) < 0 ||
	    (rc = reloc__sim_reserve(sim, &d)) < 0)
		goto out;
	if ((rc = reloc__sim_mem_create(sim, d.domid, d.memory_kb /
	    (SIM_PAGE_SIZE / 1024), o->fill)) < 0 ||
	    (rc = reloc__sim_guest_start(sim, d.domid, o->rate_mb,
	    o->paused)) < 0) {
		reloc__sim_remove(sim, d.domid);
		goto out;
	}
	log_info("hv", "sim: created domain %s (%" PRIu32 "), %" PRIu64
	    " KiB%s", d.name, d.domid, d.memory_kb, o->paused ? ", paused" :
	    "");
	*domid_r = d.domid;
out:
	reloc_domain_dispose(&d);
	return rc;
}

int
reloc__sim_create(void *priv, const struct reloc_domain *dom,
    unsigned rate_mb, bool paused, uint32_t *domid_r)
{
	struct reloc__sim_create_opts	 o = { rate_mb, paused,
					    RELOC_SIM_FILL_RANDOM };

	return reloc__sim_create_with(priv, dom, &o, domid_r);
}

int
reloc__sim_domid(void *priv, const char *dom, uint32_t *domid_r)
{
	return reloc__sim_resolve(priv, dom, domid_r);
}

int
reloc__sim_counter(void *priv, uint32_t domid, uint64_t *value_r)
{
	struct sim_map	 m;
	int		 rc;

	if ((rc = reloc__sim_map(priv, domid, &m, SIM_MAP_RDONLY)) < 0)
		return rc;
	if (!reloc__sim_counter_read(m.mem, value_r)) {
		log_warnx("hv", "sim: domain %" PRIu32 ": counter torn",
		    domid);
		rc = RELOC_ERR_HV;
	}
	reloc__sim_unmap(&m);
	return rc;
}

int
reloc__sim_checksum(void *priv, uint32_t domid, uint64_t *sum_r)
{
	struct sim_map	 m;
	int		 rc;

	if ((rc = reloc__sim_map(priv, domid, &m, SIM_MAP_RDONLY)) < 0)
		return rc;
	*sum_r = XXH3_64bits(m.mem, m.pages << SIM_PAGE_SHIFT);
	reloc__sim_unmap(&m);
	return 0;
}
